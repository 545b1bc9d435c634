// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Files the kernel writes itself, without a permission check per write:
 * loop devices, swap areas, process accounting, core dumps, quota files, md bitmaps, overlayfs
 * writing the real file under an overlay one. Handing a sealed file to one is refused;
 * sealing a file one of them is using is EBUSY. Each case also shows the
 * same request goes through on an unsealed file, so a refusal is the
 * policy's and not the environment's; and that the open system calls,
 * io_uring's included, still open sealed files for writing, as memfd does.
 */
#include <liburing.h>
#include <linux/loop.h>
#include <linux/major.h>	/* MD_MAJOR, for md_u.h */
#include <linux/raid/md_u.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/mman.h>
#include <sys/quota.h>
#include <sys/resource.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/swap.h>
#include <sys/sysmacros.h>
#include <linux/acct.h>	/* struct acct_v3: what acct(2) appends */
#include <sys/wait.h>
#include <signal.h>

#include "bpfseal.h"
#include "bpfseal_abi.h"
#include "itest.h"

#define DIR "/mnt/ext4"
#define SWAP_SIZE (1 << 20)

/*
 * Set when the setup a group of cases needs failed: the group's cases then
 * report it as their failure instead of running, so that none goes missing
 * and none passes on what was never set up.
 */
static char not_run[512];

/* Add seals a group's cases depend on; on failure the group does not run. */
static void seal_for_group(int fd, unsigned int seals, const char *what)
{
	if (!not_run[0] && bpfseal_add_seals(fd, seals))
		snprintf(not_run, sizeof(not_run), "cannot seal %s: %s", what, itest_errname(errno));
}

/* The kernel lets go of the backing file when the last opener closes. */
static int loop_detach(int loop, const char *dev)
{
	ioctl(loop, LOOP_CLR_FD, 0);
	close(loop);
	return open(dev, O_RDWR | O_CLOEXEC);
}

static int loop_attach(int loop, int backing, bool configure, unsigned int flags)
{
	struct loop_config cfg = { .fd = (__u32)backing, .info.lo_flags = flags };

	if (configure)
		return ioctl(loop, LOOP_CONFIGURE, &cfg) ? errno : 0;
	return ioctl(loop, LOOP_SET_FD, backing) ? errno : 0;
}

static void loop_cases(bool configure)
{
	const char *how = configure ? "loop_configure" : "loop_set_fd";
	char path[256], n[256], dev[32];
	int loop = itest_loop_open(-1, dev, sizeof(dev)), fd = -1, err;

	if (loop < 0)
		snprintf(not_run, sizeof(not_run), "no free loop device: %s", strerror(errno));
	/* Unsealed: attaching works (the environment allows it). */
	if (!not_run[0] && (fd = itest_make_file(DIR, "loop-plain", path, sizeof(path))) < 0)
		snprintf(not_run, sizeof(not_run), "cannot make %s: %s", path, strerror(errno));
	snprintf(n, sizeof(n), "kernel_writers/%s/unsealed_file_attaches", how);
	if (itest_runs(n, not_run))
		itest_expect(n, loop_attach(loop, fd, configure, 0), 0);
	/* Sealing a file a writable loop device uses: its writes bypass every check. */
	snprintf(n, sizeof(n), "kernel_writers/%s/sealing_attached_file_is_ebusy", how);
	if (itest_runs(n, not_run))
		itest_expect(n, bpfseal_add_seals(fd, BPFSEAL_SEAL_WRITE) ? errno : 0, EBUSY);
	snprintf(n, sizeof(n), "kernel_writers/%s/sealing_attached_file_future_write_is_ebusy", how);
	if (itest_runs(n, not_run))
		itest_expect(n, bpfseal_add_seals(fd, BPFSEAL_SEAL_FUTURE_WRITE) ? errno : 0, EBUSY);
	if (loop >= 0)
		loop = loop_detach(loop, dev);
	snprintf(n, sizeof(n), "kernel_writers/%s/sealing_after_detach_works", how);
	if (itest_runs(n, not_run))
		itest_expect(n, bpfseal_add_seals(fd, BPFSEAL_SEAL_WRITE) ? errno : 0, 0);
	/* Sealed: a writable loop device on it is refused... */
	snprintf(n, sizeof(n), "kernel_writers/%s/sealed_file_refused", how);
	if (itest_runs(n, not_run)) {
		err = loop_attach(loop, fd, configure, 0);
		itest_expect(n, err, EPERM);
		if (!err)
			loop = loop_detach(loop, dev);
	}
	if (fd >= 0)
		close(fd);
	/* ...a read-only one is not: it cannot write. */
	snprintf(n, sizeof(n), "kernel_writers/%s/sealed_file_read_only_attaches", how);
	if (itest_runs(n, not_run)) {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		err = loop_attach(loop, fd, configure, 0);
		itest_expect(n, err, 0);
		if (!err)
			loop = loop_detach(loop, dev);
		close(fd);
	}
	if (configure && itest_runs("kernel_writers/loop_configure/sealed_file_lo_flags_read_only_attaches", not_run)) {
		fd = open(path, O_RDWR | O_CLOEXEC);
		err = loop_attach(loop, fd, true, LO_FLAGS_READ_ONLY);
		itest_expect("kernel_writers/loop_configure/sealed_file_lo_flags_read_only_attaches", err, 0);
		if (!err)
			loop = loop_detach(loop, dev);
		close(fd);
	}
	if (loop >= 0)
		close(loop);
	not_run[0] = '\0';
}

/* A swap area: mkswap's header on a file without holes; -1 and not_run set if not. */
static int make_swap_file(const char *name, char *path, size_t len)
{
	static char zero[SWAP_SIZE];
	char cmd[300];
	int fd;

	snprintf(path, len, "%s/%s", DIR, name);
	unlink(path);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, zero, sizeof(zero)) != sizeof(zero) || fsync(fd)) {
		snprintf(not_run, sizeof(not_run), "cannot write %s: %s", path, strerror(errno));
	} else {
		snprintf(cmd, sizeof(cmd), "mkswap %s >/dev/null 2>&1", path);
		if (system(cmd))
			snprintf(not_run, sizeof(not_run), "`mkswap %s` failed", path);
	}
	if (not_run[0] && fd >= 0) {
		close(fd);
		fd = -1;
	}
	return fd;
}

static void swap_cases(void)
{
	char path[256];
	int fd = make_swap_file("swap-plain", path, sizeof(path)), err = -1;

	if (itest_runs("kernel_writers/swapon/unsealed_file_swaps_on", not_run)) {
		err = swapon(path, 0) ? errno : 0;
		itest_expect("kernel_writers/swapon/unsealed_file_swaps_on", err, 0);
	}
	if (itest_runs("kernel_writers/swapon/sealing_active_swap_file_is_ebusy", not_run))
		itest_expect("kernel_writers/swapon/sealing_active_swap_file_is_ebusy",
			     bpfseal_add_seals(fd, BPFSEAL_SEAL_WRITE) ? errno : 0, EBUSY);
	if (!err)
		swapoff(path);
	if (fd >= 0)
		close(fd);
	not_run[0] = '\0';

	fd = make_swap_file("swap-sealed", path, sizeof(path));
	if (itest_runs("kernel_writers/swapon/seal_swap_file", not_run))
		itest_expect("kernel_writers/swapon/seal_swap_file",
			     bpfseal_add_seals(fd, BPFSEAL_SEAL_WRITE) ? errno : 0, 0);
	if (itest_runs("kernel_writers/swapon/sealed_file_refused", not_run)) {
		err = swapon(path, 0) ? errno : 0;
		itest_expect("kernel_writers/swapon/sealed_file_refused", err, EPERM);
		if (!err)
			swapoff(path);
	}
	if (fd >= 0)
		close(fd);
	not_run[0] = '\0';
}

/*
 * A dump counts as in progress until do_coredump() returns in the dying
 * task, which may trail what the caller saw: retry an EBUSY for up to two
 * seconds.
 */
static int seal_once_released(int fd, unsigned int seals)
{
	int err = 0;

	for (int i = 0; i < 200; i++) {
		err = bpfseal_add_seals(fd, seals) ? errno : 0;
		if (err != EBUSY)
			break;
		usleep(10000);
	}
	return err;
}

static void acct_cases(void)
{
	char path[256];
	struct itest_snapshot *before = malloc(sizeof(*before)), *after = malloc(sizeof(*after));
	int fd = itest_make_file(DIR, "acct-plain", path, sizeof(path)), err;

	err = acct(path) ? errno : 0;
	itest_expect("kernel_writers/acct/unsealed_file_accepted", err, 0);
	acct(NULL);
	close(fd);

	/* A refusal, or records landing, means something only on a file that really is sealed. */
	fd = itest_make_file(DIR, "acct-sealed", path, sizeof(path));
	seal_for_group(fd, BPFSEAL_SEAL_GROW, "acct-sealed grow");
	itest_snapshot(fd, before);
	err = not_run[0] ? EPERM : acct(path) ? errno : 0;
	if (!err) {
		if (fork() == 0)	/* an exiting process writes a record */
			_exit(0);
		wait(NULL);
		acct(NULL);
	}
	itest_snapshot(fd, after);
	if (itest_runs("kernel_writers/acct/grow_sealed_file_refused", not_run))
		itest_expect("kernel_writers/acct/grow_sealed_file_refused", err, EPERM);
	if (itest_runs("kernel_writers/acct/grow_sealed_file_unchanged", not_run))
		itest_report(!itest_snapshot_diff(before, after), "kernel_writers/acct/grow_sealed_file_unchanged",
			     "%s", itest_snapshot_diff(before, after) ?: "");
	close(fd);
	not_run[0] = '\0';

	/* APPEND alone: acct only appends, so it keeps the file and its records land. */
	fd = itest_make_file(DIR, "acct-append", path, sizeof(path));
	seal_for_group(fd, BPFSEAL_SEAL_APPEND, "acct-append append");
	itest_snapshot(fd, before);
	err = not_run[0] ? EPERM : acct(path) ? errno : 0;
	if (itest_runs("kernel_writers/acct/append_sealed_file_accepted", not_run))
		itest_expect("kernel_writers/acct/append_sealed_file_accepted", err, 0);
	if (!err) {
		if (fork() == 0)
			_exit(0);
		wait(NULL);
		acct(NULL);
	}
	itest_snapshot(fd, after);
	if (itest_runs("kernel_writers/acct/append_sealed_file_gets_records", not_run))
		itest_report(after->size >= before->size + (off_t)sizeof(struct acct_v3) &&
			     (after->size - before->size) % sizeof(struct acct_v3) == 0 &&
			     !memcmp(before->data, after->data, before->len),
			     "kernel_writers/acct/append_sealed_file_gets_records", "size %lld -> %lld, head %s",
			     (long long)before->size, (long long)after->size,
			     memcmp(before->data, after->data, before->len) ? "changed" : "intact");
	close(fd);
	not_run[0] = '\0';
	free(before);
	free(after);
}

/*
 * A core dump writes its file with __kernel_write, no check per write, and
 * the crashing user owns the file and may seal it meanwhile. Sealing must
 * be EBUSY until the dump is done, or a seal, once reported, would not
 * hold: the rest of the dump would land in the sealed file.
 */
#define CORE_MEMORY (96 << 20)

static void dump_core_in(const char *dir)
{
	struct rlimit unlimited = { RLIM_INFINITY, RLIM_INFINITY };
	char *mem = mmap(NULL, CORE_MEMORY, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (mem == MAP_FAILED || setrlimit(RLIMIT_CORE, &unlimited) || chdir(dir))
		_exit(2);
	for (size_t i = 0; i < CORE_MEMORY; i += 4096)
		mem[i] = (char)(i >> 12);	/* present pages: the dump writes them all */
	signal(SIGSEGV, SIG_DFL);
	raise(SIGSEGV);
	_exit(3);
}

static void coredump_case(void)
{
	const char *dir = DIR "/coredump";
	char core[256];
	struct stat st;
	off_t size_at_seal = -1;
	int fd = -1, status = 0, refused = 0, sealed = EBUSY;
	pid_t pid;

	mkdir(dir, 0755);
	snprintf(core, sizeof(core), "%s/core", dir);
	unlink(core);
	pid = fork();
	if (pid == 0)
		dump_core_in(dir);
	while (waitpid(pid, &status, WNOHANG) == 0) {
		if (fd < 0) {
			fd = open(core, O_RDWR | O_CLOEXEC);
			continue;
		}
		/* Past its first write the dump runs on the kernel's S_NOSEC shortcut. */
		if (fstat(fd, &st) || st.st_size == 0)
			continue;
		/* The raw request: it skips the library's fence (see Limits). */
		if (fcntl(fd, BPFSEAL_F_ADD_SEALS, BPFSEAL_SEAL_WRITE | BPFSEAL_SEAL_GROW) && errno == EBUSY) {
			refused++;
			continue;
		}
		if (bpfseal_get_seals(fd) > 0) {
			fstat(fd, &st);
			size_at_seal = st.st_size;
			sealed = 0;
			break;
		}
	}
	waitpid(pid, &status, 0);
	if (fd < 0)
		fd = open(core, O_RDWR | O_CLOEXEC);
	itest_report(WIFSIGNALED(status) && WCOREDUMP(status) && fd >= 0, "kernel_writers/coredump/core_dumped",
		     "no core file (status %#x)", status);
	itest_report(refused > 0, "kernel_writers/coredump/sealing_refused_while_dumping",
		     "no EBUSY: the dump was over before its file could be opened, or sealing succeeded");
	if (fd < 0 || fstat(fd, &st))
		itest_report(false, "kernel_writers/coredump/no_seal_while_dumping", "no core file: %s",
			     strerror(errno));
	else
		itest_report(size_at_seal < 0 || st.st_size == size_at_seal,
			     "kernel_writers/coredump/no_seal_while_dumping",
			     "sealed at %lld bytes, the dump then wrote on to %lld", (long long)size_at_seal,
			     (long long)st.st_size);
	if (sealed) {
		/* A fresh descriptor: it may well reuse the dump's freed struct file. */
		close(fd);
		fd = open(core, O_RDWR | O_CLOEXEC);
		sealed = seal_once_released(fd, BPFSEAL_SEAL_WRITE | BPFSEAL_SEAL_GROW);
	}
	itest_expect("kernel_writers/coredump/seal_ok_once_dumped", sealed, 0);
	if (fd >= 0)
		close(fd);
	unlink(core);
}

/*
 * md writes its bitmap file with bios of its own; SET_BITMAP_FILE takes the
 * file by fd, and an array that is not set up yet accepts it.
 * A fresh md device (an array not set up yet), or -1.
 */
static int md_device(int minor, char *node, size_t len)
{
	snprintf(node, len, "/dev/bpfseal-md%d", minor);
	mknod(node, S_IFBLK | 0600, makedev(9, minor));
	return open(node, O_RDWR | O_CLOEXEC);
}

/* The bitmap file md holds for the array ("" for none), or NULL. */
static const char *md_bitmap_file(int md, mdu_bitmap_file_t *bitmap)
{
	memset(bitmap, 0, sizeof(*bitmap));
	return ioctl(md, GET_BITMAP_FILE, bitmap) ? NULL : bitmap->pathname;
}

static void md_bitmap_cases(void)
{
	mdu_bitmap_file_t bitmap;
	const char *held;
	char path[256], node[64];
	int md, fd, err;

	md = md_device(0, node, sizeof(node));
	if (md < 0)
		snprintf(not_run, sizeof(not_run), "%s: %s", node, strerror(errno));
	fd = itest_make_file(DIR, "md-bitmap-plain", path, sizeof(path));
	err = not_run[0] ? ENODEV : ioctl(md, SET_BITMAP_FILE, fd) ? errno : 0;
	/* EINVAL: a kernel built without bitmap files (Debian's 7.x); nothing to gate there. */
	if (itest_runs("kernel_writers/md_bitmap/unsealed_file_not_refused_by_policy", not_run))
		itest_report(err == 0 || err == EINVAL, "kernel_writers/md_bitmap/unsealed_file_not_refused_by_policy",
			     "got %s", itest_errname(err));
	/*
	 * The control: md holds what it took, the file where it takes bitmap
	 * files, nothing where it answered EINVAL. On every kernel, so that the
	 * refusal below is shown to be the policy's where md would take one.
	 */
	if (itest_runs("kernel_writers/md_bitmap/unsealed_file_held_if_taken", not_run)) {
		held = md_bitmap_file(md, &bitmap);
		if (err && err != EINVAL)
			itest_report(false, "kernel_writers/md_bitmap/unsealed_file_held_if_taken",
				     "SET_BITMAP_FILE: %s", itest_errname(err));
		else
			itest_report(held && !strcmp(held, err ? "" : path), "kernel_writers/md_bitmap/unsealed_file_held_if_taken",
				     "md answered %s and holds \"%s\"", itest_errname(err), held ? held : strerror(errno));
	}
	close(fd);
	if (md >= 0)
		close(md);
	unlink(node);
	not_run[0] = '\0';

	md = md_device(1, node, sizeof(node));
	fd = itest_make_file(DIR, "md-bitmap-sealed", path, sizeof(path));
	itest_expect("kernel_writers/md_bitmap/seal_file", bpfseal_add_seals(fd, BPFSEAL_SEAL_WRITE) ? errno : 0, 0);
	err = md < 0 ? errno : ioctl(md, SET_BITMAP_FILE, fd) ? errno : 0;
	itest_expect("kernel_writers/md_bitmap/sealed_file_refused", err, EPERM);
	held = md < 0 ? NULL : md_bitmap_file(md, &bitmap);
	itest_report(held && !*held, "kernel_writers/md_bitmap/sealed_file_not_taken",
		     "md holds \"%s\"", held ? held : strerror(errno));
	close(fd);
	if (md >= 0)
		close(md);
	unlink(node);
}

/* The block device mounted on dir, from /proc/mounts. */
static bool device_of(const char *dir, char *dev, size_t len)
{
	char line[512], d[256], m[256];
	FILE *f = fopen("/proc/mounts", "r");
	bool found = false;

	while (f && !found && fgets(line, sizeof(line), f))
		if (sscanf(line, "%255s %255s", d, m) == 2 && !strcmp(m, dir)) {
			snprintf(dev, len, "%s", d);
			found = true;
		}
	if (f)
		fclose(f);
	return found;
}

#ifndef QFMT_VFS_V1
#define QFMT_VFS_V1 4
#endif

/*
 * An empty vfsv1 user quota file (fs/quota/quotaio_v2.h): header, info,
 * and the tree's empty root block; what quotacheck would write for no users.
 */
static int make_quota_file(const char *name, char *path, size_t len)
{
	uint32_t file[512] = {
		0xd9c01f11, 1,			/* magic (USRQUOTA), version 1 */
		604800, 604800, 0, 2, 0, 0,	/* grace times, flags, 2 blocks, no free lists */
	};
	int fd;

	snprintf(path, len, "%s/%s", DIR, name);
	unlink(path);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0 || pwrite(fd, file, sizeof(file), 0) != (ssize_t)sizeof(file) || fsync(fd))
		perror(name);
	return fd;
}

/* quotaon hands the file to ->quota_write for good. */
static void quota_cases(void)
{
	char dev[256], path[256];
	int fd, err;

	bool remounted = device_of(DIR, dev, sizeof(dev)) && !mount(NULL, DIR, NULL, MS_REMOUNT, "usrquota");

	if (!remounted)
		snprintf(not_run, sizeof(not_run), "ext4 not remounted with usrquota: %s", strerror(errno));
	/*
	 * Unsealed: the request gets past the LSM and fails later, the file
	 * having no quota header (dquot's check_quota_file: EINVAL). Any other
	 * error, ENOENT for a file that was not made included, is not that.
	 */
	if (itest_runs("kernel_writers/quotaon/unsealed_file_not_refused_by_policy", not_run)) {
		fd = itest_make_file(DIR, "quota-plain", path, sizeof(path));
		err = quotactl(QCMD(Q_QUOTAON, USRQUOTA), dev, QFMT_VFS_V1, path) ? errno : 0;
		itest_report(fd >= 0 && (err == 0 || err == EINVAL), "kernel_writers/quotaon/unsealed_file_not_refused_by_policy",
			     "got %s, want EINVAL (no quota header) or ok", itest_errname(err));
		if (!err)
			quotactl(QCMD(Q_QUOTAOFF, USRQUOTA), dev, 0, NULL);
		close(fd);
	}

	/* The other order: a file quota writes cannot be sealed until quotaoff. */
	fd = not_run[0] ? -1 : make_quota_file("quota-active", path, sizeof(path));
	if (itest_runs("kernel_writers/quotaon/empty_quota_file_accepted", not_run)) {
		err = quotactl(QCMD(Q_QUOTAON, USRQUOTA), dev, QFMT_VFS_V1, path) ? errno : 0;
		itest_expect("kernel_writers/quotaon/empty_quota_file_accepted", err, 0);
		if (err)
			snprintf(not_run, sizeof(not_run), "quotaon refused the empty quota file: %s",
				 itest_errname(err));
	}
	if (itest_runs("kernel_writers/quotaon/sealing_active_quota_file_is_EBUSY", not_run))
		itest_expect("kernel_writers/quotaon/sealing_active_quota_file_is_EBUSY",
			     bpfseal_add_seals(fd, BPFSEAL_SEAL_WRITE) ? errno : 0, EBUSY);
	if (itest_runs("kernel_writers/quotaon/refused_seal_left_no_seal", not_run))
		itest_expect_seals("kernel_writers/quotaon/refused_seal_left_no_seal", bpfseal_get_seals(fd), 0);
	if (!not_run[0])
		quotactl(QCMD(Q_QUOTAOFF, USRQUOTA), dev, 0, NULL);
	if (itest_runs("kernel_writers/quotaon/sealing_after_quotaoff_works", not_run))
		itest_expect("kernel_writers/quotaon/sealing_after_quotaoff_works",
			     bpfseal_add_seals(fd, BPFSEAL_SEAL_WRITE) ? errno : 0, 0);
	if (fd >= 0)
		close(fd);
	if (remounted)
		not_run[0] = '\0';

	fd = not_run[0] ? -1 : itest_make_file(DIR, "quota-sealed", path, sizeof(path));
	seal_for_group(fd, BPFSEAL_SEAL_WRITE, "quota-sealed");
	if (itest_runs("kernel_writers/quotaon/sealed_file_refused", not_run)) {
		err = quotactl(QCMD(Q_QUOTAON, USRQUOTA), dev, QFMT_VFS_V1, path) ? errno : 0;
		itest_expect("kernel_writers/quotaon/sealed_file_refused", err, EPERM);
		if (!err)
			quotactl(QCMD(Q_QUOTAOFF, USRQUOTA), dev, 0, NULL);
	}
	if (fd >= 0)
		close(fd);
	if (remounted)
		mount(NULL, DIR, NULL, MS_REMOUNT, "noquota");
	not_run[0] = '\0';
}

#define OVL "/mnt/tmpfs/ovl"

/*
 * An overlay descriptor opened for writing before the real file was sealed
 * obeys the seal like any other descriptor: splice and sendfile into it
 * (overlayfs writes the real file itself), write, and shared writable mmap.
 */
static void overlay_opened_before_seal(void)
{
	struct itest_snapshot *before = malloc(sizeof(*before)), *after = malloc(sizeof(*after));
	int fd = -1, ofd = -1, pipefd[2], src;
	void *map;

	if (itest_runs("kernel_writers/overlay/opened_before_seal", not_run)) {
		fd = open(OVL "/upper/pre", O_RDWR | O_CLOEXEC);
		ofd = open(OVL "/merged/pre", O_RDWR | O_CLOEXEC);
		itest_report(fd >= 0 && ofd >= 0, "kernel_writers/overlay/opened_before_seal", "%s", strerror(errno));
		if (fd < 0 || ofd < 0)
			snprintf(not_run, sizeof(not_run), "cannot open the file under and through the overlay");
	}
	if (itest_runs("kernel_writers/overlay/seal_upper_while_overlay_open", not_run)) {
		itest_expect("kernel_writers/overlay/seal_upper_while_overlay_open",
			     bpfseal_add_seals(fd, BPFSEAL_SEAL_WRITE) ? errno : 0, 0);
		if (bpfseal_get_seals(fd) != BPFSEAL_SEAL_WRITE)
			snprintf(not_run, sizeof(not_run), "the file under the overlay is not sealed");
	}
	itest_snapshot(fd, before);
	if (itest_runs("kernel_writers/overlay/splice_into_preopened_overlay_file", not_run)) {
		if (pipe(pipefd)) {
			itest_report(false, "kernel_writers/overlay/splice_into_preopened_overlay_file", "pipe: %s",
				     strerror(errno));
		} else {
			(void)!write(pipefd[1], "SPLICED", 7);
			itest_expect("kernel_writers/overlay/splice_into_preopened_overlay_file",
				     splice(pipefd[0], NULL, ofd, &(loff_t){ 0 }, 7, 0) < 0 ? errno : 0, EPERM);
			close(pipefd[0]);
			close(pipefd[1]);
		}
	}
	if (itest_runs("kernel_writers/overlay/sendfile_into_preopened_overlay_file", not_run)) {
		src = open(OVL "/upper/plain", O_RDONLY | O_CLOEXEC);
		itest_expect("kernel_writers/overlay/sendfile_into_preopened_overlay_file",
			     src < 0 ? -1 : sendfile(ofd, src, &(off_t){ 0 }, 7) < 0 ? errno : 0, EPERM);
		if (src >= 0)
			close(src);
	}
	if (itest_runs("kernel_writers/overlay/write_through_preopened_overlay_file", not_run))
		itest_expect("kernel_writers/overlay/write_through_preopened_overlay_file",
			     pwrite(ofd, "W", 1, 0) < 0 ? errno : 0, EPERM);
	if (itest_runs("kernel_writers/overlay/shared_writable_mmap_of_preopened_overlay_file", not_run)) {
		map = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, ofd, 0);
		itest_expect("kernel_writers/overlay/shared_writable_mmap_of_preopened_overlay_file",
			     map == MAP_FAILED ? errno : 0, EPERM);
		if (map != MAP_FAILED) {
			((char *)map)[0] = 'M';
			munmap(map, 4096);
		}
	}
	itest_snapshot(fd, after);
	if (itest_runs("kernel_writers/overlay/preopened_real_file_unchanged", not_run))
		itest_report(!itest_snapshot_diff(before, after), "kernel_writers/overlay/preopened_real_file_unchanged",
			     "%s", itest_snapshot_diff(before, after) ?: "");
	if (ofd >= 0)
		close(ofd);
	if (fd >= 0)
		close(fd);
	free(before);
	free(after);
}

static void overlay_cases(void)
{
	struct itest_snapshot *before = malloc(sizeof(*before)), *after = malloc(sizeof(*after));
	int fd, ofd, err;
	bool mounted;

	mkdir(OVL, 0755);
	mkdir(OVL "/lower", 0755);
	mkdir(OVL "/upper", 0755);
	mkdir(OVL "/work", 0755);
	mkdir(OVL "/merged", 0755);
	fd = open(OVL "/upper/plain", O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	itest_fill(fd);
	close(fd);
	fd = open(OVL "/upper/pre", O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	itest_fill(fd);
	close(fd);
	fd = open(OVL "/upper/sealed", O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	itest_fill(fd);
	itest_expect("kernel_writers/overlay/seal_upper_file", bpfseal_add_seals(fd, BPFSEAL_SEAL_WRITE) ? errno : 0, 0);
	err = mount("overlay", OVL "/merged", "overlay", 0,
		    "lowerdir=" OVL "/lower,upperdir=" OVL "/upper,workdir=" OVL "/work") ? errno : 0;
	itest_expect("kernel_writers/overlay/mounted", err, 0);
	mounted = !err;
	if (!mounted)
		snprintf(not_run, sizeof(not_run), "no overlay mounted: %s", itest_errname(err));
	if (itest_runs("kernel_writers/overlay/unsealed_upper_opens_for_writing", not_run)) {
		ofd = open(OVL "/merged/plain", O_RDWR | O_CLOEXEC);
		itest_report(ofd >= 0, "kernel_writers/overlay/unsealed_upper_opens_for_writing", "%s",
			     strerror(errno));
		if (ofd >= 0)
			close(ofd);
	}
	/* splice/sendfile into the overlay file would reach the real one unchecked. */
	itest_snapshot(fd, before);
	ofd = not_run[0] ? -1 : open(OVL "/merged/sealed", O_RDWR | O_CLOEXEC);
	err = ofd < 0 ? errno : 0;
	if (ofd >= 0) {
		int pipefd[2];

		if (!pipe(pipefd)) {
			(void)!write(pipefd[1], "SPLICED", 7);
			splice(pipefd[0], NULL, ofd, &(loff_t){ 0 }, 7, 0);
			close(pipefd[0]);
			close(pipefd[1]);
		}
		close(ofd);
	}
	itest_snapshot(fd, after);
	if (itest_runs("kernel_writers/overlay/sealed_upper_refused_for_writing", not_run))
		itest_expect("kernel_writers/overlay/sealed_upper_refused_for_writing", err, EPERM);
	if (itest_runs("kernel_writers/overlay/sealed_upper_unchanged", not_run))
		itest_report(!itest_snapshot_diff(before, after), "kernel_writers/overlay/sealed_upper_unchanged",
			     "%s", itest_snapshot_diff(before, after) ?: "");
	if (itest_runs("kernel_writers/overlay/sealed_upper_opens_read_only", not_run)) {
		ofd = open(OVL "/merged/sealed", O_RDONLY | O_CLOEXEC);
		itest_report(ofd >= 0, "kernel_writers/overlay/sealed_upper_opens_read_only", "%s", strerror(errno));
		if (ofd >= 0)
			close(ofd);
	}
	overlay_opened_before_seal();
	if (mounted)
		umount(OVL "/merged");
	close(fd);
	not_run[0] = '\0';
	free(before);
	free(after);
}

/* Opening a sealed file for writing stays allowed to users, as with memfd. */
static void io_uring_open_case(void)
{
	struct io_uring ring;
	struct io_uring_sqe *sqe;
	struct io_uring_cqe *cqe;
	char path[256];
	int fd = itest_make_file(DIR, "uring-open", path, sizeof(path)), res = -ENOSYS;

	/* An open of a file that is not sealed shows nothing. */
	seal_for_group(fd, BPFSEAL_SEAL_WRITE, "uring-open");
	if (!not_run[0] && !io_uring_queue_init(4, &ring, 0)) {
		sqe = io_uring_get_sqe(&ring);
		io_uring_prep_openat(sqe, AT_FDCWD, path, O_RDWR, 0);
		sqe->flags |= IOSQE_ASYNC;	/* in an io_uring worker thread */
		io_uring_submit(&ring);
		if (!io_uring_wait_cqe(&ring, &cqe)) {
			res = cqe->res;
			io_uring_cqe_seen(&ring, cqe);
		}
		io_uring_queue_exit(&ring);
	}
	if (itest_runs("kernel_writers/io_uring_openat_sealed_file_for_writing_allowed", not_run))
		itest_expect("kernel_writers/io_uring_openat_sealed_file_for_writing_allowed", res < 0 ? -res : 0, 0);
	if (res < 0 && !not_run[0])
		snprintf(not_run, sizeof(not_run), "io_uring's openat failed: %s", itest_errname(-res));
	if (itest_runs("kernel_writers/io_uring_opened_sealed_file_refuses_write", not_run))
		itest_expect("kernel_writers/io_uring_opened_sealed_file_refuses_write",
			     pwrite(res, "x", 1, 0) < 0 ? errno : 0, EPERM);
	if (res >= 0)
		close(res);
	close(fd);
	not_run[0] = '\0';
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	/*
	 * Straight-line groups: loop_set_fd 6, loop_configure 7, swapon 4,
	 * acct 5, coredump 4, md_bitmap 5, quotaon 6, overlay 6 + 7 opened
	 * before the seal, io_uring 2.
	 */
	itest_plan(6 + 7 + 4 + 5 + 4 + 5 + 6 + 6 + 7 + 2);
	loop_cases(false);
	loop_cases(true);
	swap_cases();
	acct_cases();
	coredump_case();
	md_bitmap_cases();
	quota_cases();
	overlay_cases();
	io_uring_open_case();
	return itest_end();
}
