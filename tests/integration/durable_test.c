// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Seals outlive the in-memory inode (bpf/records.bpf.h). Sealed files are
 * closed and evicted (drop_caches, or a memory cgroup's reclaim),
 * and then:
 *  - every operation of the seal table is refused as before, with the
 *    content unchanged, and the seals read back;
 *  - whatever comes first after eviction - a truncate or chmod by path, an
 *    xattr, an open by swapon, acct, io_uring, a loop device or an overlay -
 *    already meets the seal;
 *  - umount and mount keep seals; another filesystem that gets the same
 *    device number (a loop device re-attached to a copy of the image with
 *    another UUID) does not inherit them;
 *  - deleting sealed files gives their records back, and a new file that
 *    reuses an inode number is not sealed;
 *  - a full record table refuses the next seal with ENOSPC and counts it.
 * On ext4 and xfs; each eviction is checked to have happened.
 */
#include <liburing.h>
#include <linux/loop.h>
#include <pthread.h>
#include <sys/acct.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/swap.h>
#include <sys/wait.h>
#include <time.h>
#include <sys/xattr.h>
#include <bpf/bpf.h>

#include "audit.h"
#include "bpfseal.h"
#include "bpfseal_abi.h"
#include "itest.h"
#include "ops.h"

struct fs {
	const char *name;
	const char *dir;	/* a mount point of the scratch disk */
	const char *dev;
	const char *type;
};

static const struct fs filesystems[] = {
	{ "ext4", "/mnt/ext4", "/dev/vda", "ext4" },
	{ "xfs", "/mnt/xfs", "/dev/vdb", "xfs" },
};

static struct bpfseal_policy_state counts(void)
{
	struct bpfseal_policy_state st = {};
	__u32 zero = 0;
	int fd = bpf_obj_get(BPFSEAL_PIN_MAPS "/policy_state");

	if (fd >= 0)
		bpf_map_lookup_elem(fd, &zero, &st);
	if (fd >= 0)
		close(fd);
	return st;
}


/* Evict, and report whether at least `want` more records lost their inode. */
static bool evicted(const char *name, long long want)
{
	long long before = counts().records_evicted, gained;

	itest_evict_caches();
	gained = counts().records_evicted - before;
	itest_report(gained >= want, name, "%lld records saw their inode evicted, want at least %lld", gained,
		     want);
	return gained >= want;
}

/* A closed file at DIR/NAME with the test pattern, this mode, these seals. */
static int make_sealed(const char *dir, const char *name, mode_t mode, unsigned int seals, char *path,
		       size_t len)
{
	int fd = itest_make_file(dir, name, path, len), err = 0;

	if (fd < 0)
		return errno;
	if (fchmod(fd, mode) || (seals && bpfseal_add_seals(fd, seals)))
		err = errno;
	close(fd);
	return err;
}

/*
 * The seal sets that, between them, refuse every operation of ops.c: what
 * matters here is that each refusing hook finds the seals restored, and
 * conformance_test.c runs every set on files that stay in memory.
 */
static bool covering_set(void *ctx, const struct seal_set *set)
{
	static const char *const names[] = { "none", "seal", "grow", "exec+x", "append,name" };

	(void)ctx;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(set->name, names[i]))
			return true;
	return false;
}

static void evicted_file(const struct fs *fs, size_t si, size_t oi, char *path, size_t len)
{
	snprintf(path, len, "%s/durable-%zu-%zu", fs->dir, si, oi);
}

/* Each operation's file of the set, sealed, then evicted: a case of its own. */
/* One subject's state while its case runs. */
struct evicted_case {
	const struct fs *fs;
	struct subject s;
	struct itest_snapshot before, after;
};

static void make_and_evict(void *ctx, const struct table *t, size_t si)
{
	const struct fs *fs = ((struct evicted_case *)ctx)->fs;
	const struct seal_set *set = &seal_sets[si];
	char name[256], path[256];
	int made = 0, failed = 0;

	for (size_t oi = 0; oi < n_ops; oi++) {
		if (!table_has_case(t, si, oi))
			continue;
		evicted_file(fs, si, oi, path, sizeof(path));
		if (make_sealed(fs->dir, strrchr(path, '/') + 1, set->mode, set->seals, path, sizeof(path)))
			failed++;
		else
			made++;
	}
	snprintf(name, sizeof(name), "durable/%s/%s/evicted", fs->name, set->name);
	if (failed)
		itest_report(false, name, "cannot make and seal %d of the set's files: %s", failed, strerror(errno));
	else
		evicted(name, set->seals ? made : 0);
}

/* The first access since eviction: the open must already meet the seals. */
static int run_after_eviction(void *ctx, struct table_case *c)
{
	struct evicted_case *e = ctx;
	char name[256];
	int got;

	e->s = (struct subject){ .fs = e->fs->name, .dir = e->fs->dir };
	evicted_file(e->fs, c->si, c->oi, e->s.path, sizeof(e->s.path));
	e->s.fd = open(e->s.path, O_RDWR | O_CLOEXEC);
	if (c->oi == 0) {
		snprintf(name, sizeof(name), "durable/%s/%s/seals_read_back", e->fs->name, c->set->name);
		itest_expect_seals(name, bpfseal_get_seals(e->s.fd), (int)c->seals);
	}
	itest_snapshot(e->s.fd, &e->before);
	got = c->op->run(&e->s);
	itest_snapshot(e->s.fd, &e->after);
	return got;
}

static void judge_after_eviction(void *ctx, struct table_case *c, int got)
{
	struct evicted_case *e = ctx;
	int want = expected_errno(c->seals, c->op->effects, false);
	const char *changed;

	if (got != want)
		itest_report(false, c->name, "got %s, want %s", itest_errname(got), itest_errname(want));
	else if (got && got != ITEST_SHORT_WRITE && (changed = itest_snapshot_diff(&e->before, &e->after)))
		itest_report(false, c->name, "refused with %s but the %s", itest_errname(got), changed);
	else
		itest_report(true, c->name, " ");
}

static void drop_evicted(void *ctx, struct table_case *c)
{
	struct evicted_case *e = ctx;

	(void)c;
	if (e->s.fd >= 0)
		close(e->s.fd);
	unlink(e->s.path);
}

static struct evicted_case *evicted_case_on(const struct fs *fs)
{
	static struct evicted_case e;

	e.fs = fs;
	return &e;
}

/* Every operation of ops.c, each on a file that was evicted in between. */
static struct table table_after_eviction_on(const struct fs *fs)
{
	return (struct table){ .prefix = "durable", .fs = fs->name, .runs_set = covering_set,
			       .begin_set = make_and_evict, .run = run_after_eviction,
			       .judge = judge_after_eviction, .done = drop_evicted, .ctx = evicted_case_on(fs) };
}

/* Its cases: the operations, and per set the eviction and the seals read back. */
static unsigned int table_after_eviction_cases(const struct fs *fs)
{
	struct table t = table_after_eviction_on(fs);
	unsigned int sets = 0;

	for (size_t si = 0; si < n_seal_sets; si++)
		sets += covering_set(NULL, &seal_sets[si]);
	return table_cases(&t) + 2 * sets;
}

static void table_after_eviction(const struct fs *fs)
{
	struct table t = table_after_eviction_on(fs);

	table_run(&t);
}

/* The first access after eviction, each a different way into the file. */
struct first_access {
	const char *name;
	mode_t mode;
	unsigned int seals;
	int want;
	int (*access)(const char *path);
	int (*prepare)(const char *path);	/* before sealing */
};

static int by_truncate(const char *path) { return truncate(path, 0) ? errno : 0; }
static int by_chmod(const char *path) { return chmod(path, 0755) ? errno : 0; }

static int by_open_o_trunc(const char *path)
{
	int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);

	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

static int by_append(const char *path)
{
	int fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC), err;

	if (fd < 0)
		return errno;
	err = write(fd, "tamper", 6) < 0 ? errno : 0;
	close(fd);
	return err;
}

/* An access ACL whose mask grants x: the group class x bit of i_mode changes. */
static int by_setfacl(const char *path)
{
	struct {
		unsigned int version;
		struct { unsigned short tag, perm; unsigned int id; } e[5];
	} __attribute__((packed)) acl = {
		2, { { 0x01, 6, ~0u }, { 0x02, 7, 65534 }, { 0x04, 4, ~0u }, { 0x10, 7, ~0u }, { 0x20, 4, ~0u } }
	};

	return setxattr(path, "system.posix_acl_access", &acl, sizeof(acl), 0) ? errno : 0;
}

static int by_io_uring(const char *path)
{
	struct io_uring ring;
	struct io_uring_sqe *sqe;
	struct io_uring_cqe *cqe;
	int res = -ENOSYS, err;

	if (io_uring_queue_init(4, &ring, 0))
		return ENOSYS;
	sqe = io_uring_get_sqe(&ring);
	io_uring_prep_openat(sqe, AT_FDCWD, path, O_RDWR, 0);
	sqe->flags |= IOSQE_ASYNC;
	io_uring_submit(&ring);
	if (!io_uring_wait_cqe(&ring, &cqe)) {
		res = cqe->res;
		io_uring_cqe_seen(&ring, cqe);
	}
	io_uring_queue_exit(&ring);
	if (res < 0)
		return -res;
	err = pwrite(res, "tamper", 6, 0) < 0 ? errno : 0;
	close(res);
	return err;
}

static int make_swap_area(const char *path)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "dd if=/dev/zero of=%s bs=64k count=16 2>/dev/null && mkswap %s >/dev/null 2>&1",
		 path, path);
	return system(cmd) ? EIO : 0;
}

static int by_swapon(const char *path)
{
	if (swapon(path, 0))
		return errno;
	swapoff(path);
	return 0;
}

static int by_acct(const char *path)
{
	if (acct(path))
		return errno;
	acct(NULL);
	return 0;
}

static int by_loop_device(const char *path)
{
	char dev[32];
	int err = itest_loop_attach(path, -1, dev, sizeof(dev));

	if (!err)
		itest_loop_detach(dev);
	return err;
}

/* The sealed file is an overlay's upper file; the overlay's open of it comes first. */
static int by_overlay(const char *path)
{
	char dir[256], opts[1200], merged[300], file[600];
	const char *base = strrchr(path, '/') + 1, *upper = strstr(path, "/ovl-upper/");
	int fd, err;

	if (!upper)
		return EINVAL;
	snprintf(dir, sizeof(dir), "%.*s", (int)(upper - path), path);
	snprintf(merged, sizeof(merged), "%s/ovl-merged", dir);
	mkdir(merged, 0755);
	snprintf(opts, sizeof(opts), "lowerdir=%s/ovl-lower,upperdir=%s/ovl-upper,workdir=%s/ovl-work", dir, dir,
		 dir);
	if (mount("overlay", merged, "overlay", 0, opts))
		return EIO;
	snprintf(file, sizeof(file), "%s/%s", merged, base);
	fd = open(file, O_RDWR | O_CLOEXEC);
	err = fd < 0 ? errno : 0;
	if (fd >= 0)
		close(fd);
	umount(merged);
	return err;
}

static const struct first_access first_accesses[] = {
	{ "truncate_by_path", 0644, BPFSEAL_SEAL_SHRINK, EPERM, by_truncate, NULL },
	{ "chmod_by_path", 0644, BPFSEAL_SEAL_EXEC, EPERM, by_chmod, NULL },
	{ "access_acl_by_path", 0644, BPFSEAL_SEAL_EXEC, EPERM, by_setfacl, NULL },
	{ "open_o_trunc", 0644, BPFSEAL_SEAL_SHRINK, EPERM, by_open_o_trunc, NULL },
	{ "open_and_append", 0644, BPFSEAL_SEAL_GROW, EPERM, by_append, NULL },
	{ "io_uring_openat_and_write", 0644, BPFSEAL_SEAL_WRITE, EPERM, by_io_uring, NULL },
	{ "swapon", 0600, BPFSEAL_SEAL_WRITE, EPERM, by_swapon, make_swap_area },
	{ "acct", 0644, BPFSEAL_SEAL_GROW, EPERM, by_acct, NULL },
	{ "loop_device", 0644, BPFSEAL_SEAL_WRITE, EPERM, by_loop_device, NULL },
	{ "overlay_open_for_writing", 0644, BPFSEAL_SEAL_WRITE, EPERM, by_overlay, NULL },
};
#define N_FIRST (sizeof(first_accesses) / sizeof(first_accesses[0]))

/* Seal an existing file, and snapshot it while it is still in memory. */
static int seal_path_now(const char *path, mode_t mode, unsigned int seals, struct itest_snapshot *snap)
{
	int fd = open(path, O_RDWR | O_CLOEXEC), err = 0;

	if (fd < 0)
		return errno;
	if (fchmod(fd, mode) || bpfseal_add_seals(fd, seals))
		err = errno;
	itest_snapshot(fd, snap);
	close(fd);
	return err;
}

static void first_access_after_eviction(const struct fs *fs)
{
	static struct itest_snapshot before[N_FIRST], after;
	char name[256], path[N_FIRST][256], sub[300];

	for (const char *d = "ovl-lower\0ovl-upper\0ovl-work\0"; *d; d += strlen(d) + 1) {
		snprintf(sub, sizeof(sub), "%s/%s", fs->dir, d);
		mkdir(sub, 0755);
	}
	for (size_t i = 0; i < N_FIRST; i++) {
		const struct first_access *a = &first_accesses[i];
		const char *where = a->access == by_overlay ? "ovl-upper/" : "";
		char file[64];

		snprintf(file, sizeof(file), "%sfirst-%.32s", where, a->name);
		close(itest_make_file(fs->dir, file, path[i], sizeof(path[i])));
		if ((a->prepare && a->prepare(path[i])) || seal_path_now(path[i], a->mode, a->seals, &before[i])) {
			itest_report(false, "durable/setup", "cannot prepare %s: %s", path[i], strerror(errno));
			return;
		}
	}
	snprintf(name, sizeof(name), "durable/%s/first_access/evicted", fs->name);
	if (!evicted(name, N_FIRST))
		return;
	for (size_t i = 0; i < N_FIRST; i++) {
		const struct first_access *a = &first_accesses[i];
		const char *changed;
		int fd, got;

		got = a->access(path[i]);
		fd = open(path[i], O_RDONLY | O_CLOEXEC);
		itest_snapshot(fd, &after);
		close(fd);
		snprintf(name, sizeof(name), "durable/%s/first_access/%s", fs->name, a->name);
		changed = itest_snapshot_diff(&before[i], &after);
		if (got != a->want)
			itest_report(false, name, "got %s, want %s", itest_errname(got), itest_errname(a->want));
		else
			itest_report(!changed, name, "refused, but the %s", changed);
		unlink(path[i]);
	}
}

/*
 * Eviction by a cgroup's reclaim: sealed files are made inside a memory
 * cgroup (so their inodes are charged there), then the cgroup is asked to
 * reclaim more than it holds (memory.reclaim), which shrinks its dentries
 * and inodes as memory pressure in it would. Each file fits in one page:
 * an inode whose page cache leaves shadow entries in an xarray node stays
 * off the inode LRU until those age out. There are several: xfs may hand a
 * new file an in-core inode it still holds from a deleted one, charged
 * where that was made, which this cgroup's reclaim never sees.
 */
#define CGROUP "/sys/fs/cgroup"
#define CGROUP_FILES 8
#define RECLAIM_TRIES 10

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), err;

	if (fd < 0)
		return errno;
	err = write(fd, text, strlen(text)) < 0 ? errno : 0;
	close(fd);
	return err;
}

/* Make DIR/cgroup-sealed-<i> (one line each) and seal them from inside the cgroup CG. */
static int make_sealed_in(const char *cg, const char *dir, unsigned int seals, char path[][256])
{
	char procs[256], pid[16];
	int status;
	pid_t child;

	itest_evict_caches();
	itest_evict_caches();
	for (int i = 0; i < CGROUP_FILES; i++)
		snprintf(path[i], 256, "%s/cgroup-sealed-%d", dir, i);
	child = fork();
	if (child == 0) {
		snprintf(procs, sizeof(procs), "%s/cgroup.procs", cg);
		snprintf(pid, sizeof(pid), "%d", getpid());
		if (write_file(procs, pid))
			_exit(1);
		for (int i = 0; i < CGROUP_FILES; i++) {
			int fd;

			/* Its dentry too is charged here: a lookup from outside would make it first. */
			unlink(path[i]);
			fd = open(path[i], O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
			if (fd < 0 || write(fd, "sealed inside a cgroup\n", 23) != 23 || bpfseal_add_seals(fd, seals))
				_exit(1);
			close(fd);
		}
		_exit(0);
	}
	waitpid(child, &status, 0);
	return WIFEXITED(status) && !WEXITSTATUS(status) ? 0 : EIO;
}

/* True once the cgroup's reclaim evicted a sealed inode it holds. */
static bool reclaim_evicts(const char *cg, char *why, size_t whylen)
{
	long long start = counts().records_evicted;
	char path[256];
	int tries = 0, err = 0;

	snprintf(path, sizeof(path), "%s/memory.reclaim", cg);
	while (counts().records_evicted == start && tries++ < RECLAIM_TRIES) {
		/* EAGAIN: it reclaimed less than asked, as it must with so little charged. */
		err = write_file(path, "1G");
		if (err && err != EAGAIN)
			break;
	}
	snprintf(why, whylen, "%d writes of 1G to %s; last: %s", tries, path, err ? strerror(err) : "ok");
	return counts().records_evicted > start;
}

static void cgroup_reclaim_evicts(const struct fs *fs)
{
	struct itest_snapshot *before = malloc(CGROUP_FILES * sizeof(*before)), *after = malloc(sizeof(*after));
	char path[CGROUP_FILES][256], name[128], cg[128], why[512] = "", not_run[512] = "";
	const char *changed = NULL;
	int appended = 0;
	bool gone = false;

	mkdir(CGROUP, 0755);
	mount("cgroup2", CGROUP, "cgroup2", 0, NULL);
	write_file(CGROUP "/cgroup.subtree_control", "+memory");
	snprintf(cg, sizeof(cg), CGROUP "/durable-%s", fs->name);
	mkdir(cg, 0755);
	if (make_sealed_in(cg, fs->dir, BPFSEAL_SEAL_WRITE | BPFSEAL_SEAL_GROW, path))
		snprintf(not_run, sizeof(not_run), "cannot seal %d files in %s inside %s", CGROUP_FILES, fs->dir, cg);
	for (int i = 0; i < CGROUP_FILES && !not_run[0]; i++) {
		int fd = open(path[i], O_RDONLY | O_CLOEXEC);

		itest_snapshot(fd, &before[i]);
		close(fd);
	}
	if (!not_run[0]) {
		sync();	/* reclaim passes over dirty inodes */
		gone = reclaim_evicts(cg, why, sizeof(why));
	}
	snprintf(name, sizeof(name), "durable/%s/cgroup_reclaim/evicted", fs->name);
	if (itest_runs(name, not_run))
		itest_report(gone, name, "the cgroup's reclaim evicted none of the %d sealed inodes: %s", CGROUP_FILES,
			     why);
	for (int i = 0; i < CGROUP_FILES && !not_run[0]; i++) {
		int fd = open(path[i], O_RDWR | O_CLOEXEC);

		appended += write(fd, "x", 1) >= 0 || errno != EPERM;
		itest_snapshot(fd, after);
		changed = changed ?: itest_snapshot_diff(&before[i], after);
		close(fd);
	}
	snprintf(name, sizeof(name), "durable/%s/cgroup_reclaim/append_refused", fs->name);
	if (itest_runs(name, not_run))
		itest_report(!appended, name, "%d of %d files took a write or refused it otherwise than EPERM",
			     appended, CGROUP_FILES);
	snprintf(name, sizeof(name), "durable/%s/cgroup_reclaim/content_unchanged", fs->name);
	if (itest_runs(name, not_run))
		itest_report(!changed, name, "%s", changed ?: "");
	for (int i = 0; i < CGROUP_FILES; i++)
		unlink(path[i]);
	rmdir(cg);
	snprintf(name, sizeof(name), "rm -rf %s/pressure", fs->dir);
	system(name);
	free(before);
	free(after);
}

/* umount and mount the scratch filesystem itself: every inode on it leaves memory. */
static void remount_keeps_seals(const struct fs *fs)
{
	struct itest_snapshot *before = malloc(sizeof(*before)), *after = malloc(sizeof(*after));
	long long evicted_before, evicted_after;
	char path[256], name[128];
	int fd, err;

	if (make_sealed(fs->dir, "remount-sealed", 0644, BPFSEAL_SEAL_SHRINK | BPFSEAL_SEAL_GROW | BPFSEAL_SEAL_WRITE,
			path, sizeof(path)))
		itest_report(false, "durable/setup", "cannot seal %s: %s", path, strerror(errno));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	itest_snapshot(fd, before);
	close(fd);
	sync();
	evicted_before = counts().records_evicted;
	err = umount(fs->dir) ? errno : 0;
	evicted_after = counts().records_evicted;
	if (!err)
		err = mount(fs->dev, fs->dir, fs->type, 0, NULL) ? errno : 0;
	snprintf(name, sizeof(name), "durable/%s/remount/umount_and_mount", fs->name);
	itest_expect(name, err, 0);
	snprintf(name, sizeof(name), "durable/%s/remount/umount_evicted_the_sealed_inode", fs->name);
	itest_report(evicted_after > evicted_before, name, "no record saw its inode leave at umount");
	fd = open(path, O_RDWR | O_CLOEXEC);
	snprintf(name, sizeof(name), "durable/%s/remount/seals_read_back", fs->name);
	itest_expect_seals(name, bpfseal_get_seals(fd),
			   BPFSEAL_SEAL_SHRINK | BPFSEAL_SEAL_GROW | BPFSEAL_SEAL_WRITE);
	snprintf(name, sizeof(name), "durable/%s/remount/write_refused", fs->name);
	itest_expect(name, pwrite(fd, "x", 1, 0) < 0 ? errno : 0, EPERM);
	snprintf(name, sizeof(name), "durable/%s/remount/truncate_refused", fs->name);
	itest_expect(name, ftruncate(fd, 0) ? errno : 0, EPERM);
	itest_snapshot(fd, after);
	snprintf(name, sizeof(name), "durable/%s/remount/content_unchanged", fs->name);
	itest_report(!itest_snapshot_diff(before, after), name, "%s", itest_snapshot_diff(before, after) ?: "");
	close(fd);
	unlink(path);
	free(before);
	free(after);
}

/* Attach an image file to a loop device (the same one each time if it is free) and mount it. */
static int mount_image(const char *image, const char *type, char *dev, size_t len)
{
	int err = itest_loop_attach(image, -1, dev, len);

	mkdir("/mnt/ident", 0755);
	if (!err && mount(dev, "/mnt/ident", type, 0, NULL))
		err = errno;
	return err;
}

static void unmount_image(const char *dev)
{
	umount("/mnt/ident");
	itest_loop_detach(dev);
}

static bool same_inode_in_both(int fd, struct stat *first, unsigned int first_gen)
{
	struct stat st;
	unsigned int gen = 0;

	fstat(fd, &st);
	ioctl(fd, FS_IOC_GETVERSION, &gen);
	return st.st_ino == first->st_ino && gen == first_gen;
}

/* The identity cases after a mount that failed: each says it did not run. */
static void identity_not_run(const char *type, size_t from, const char *why)
{
	static const char *const later[] = { "seal_file_in_a", "image_b_on_the_same_device",
					     "same_inode_number_and_generation", "other_filesystem_not_sealed",
					     "other_filesystem_writable", "first_filesystem_still_sealed" };
	char name[128];

	for (size_t i = from; i < sizeof(later) / sizeof(later[0]); i++) {
		snprintf(name, sizeof(name), "durable/%s/identity/%s", type, later[i]);
		itest_runs(name, why);
	}
}

/*
 * Image B is a copy of image A with a new UUID: the same inode number, the
 * same generation, even the same device number (one loop device). Only the
 * UUID tells them apart, and the seal on A's file must not reach B's.
 */
static void other_filesystem_on_same_device(const char *type)
{
	char a[128], b[128], dev[32], dev_b[32], name[160];
	unsigned int gen = 0;
	struct stat st, dev_st, dev_b_st;
	int fd, err;

	snprintf(a, sizeof(a), "/mnt/images/%s-a.img", type);
	snprintf(b, sizeof(b), "/mnt/images/%s-b.img", type);
	snprintf(name, sizeof(name), "durable/%s/identity/mount_image_a", type);
	err = mount_image(a, type, dev, sizeof(dev));
	itest_expect(name, err, 0);
	if (err) {
		identity_not_run(type, 0, "image A did not mount");
		return;
	}
	stat(dev, &dev_st);
	fd = open("/mnt/ident/file", O_RDWR | O_CLOEXEC);
	fstat(fd, &st);
	ioctl(fd, FS_IOC_GETVERSION, &gen);
	snprintf(name, sizeof(name), "durable/%s/identity/seal_file_in_a", type);
	itest_expect(name, bpfseal_add_seals(fd, BPFSEAL_SEAL_WRITE) ? errno : 0, 0);
	close(fd);
	unmount_image(dev);

	err = mount_image(b, type, dev_b, sizeof(dev_b));
	stat(dev_b, &dev_b_st);
	snprintf(name, sizeof(name), "durable/%s/identity/image_b_on_the_same_device", type);
	itest_report(!err && dev_b_st.st_rdev == dev_st.st_rdev, name, "mount: %s; %s and %s",
		     strerror(err), dev, dev_b);
	if (err) {
		identity_not_run(type, 2, "image B did not mount");
		return;
	}
	fd = open("/mnt/ident/file", O_RDWR | O_CLOEXEC);
	snprintf(name, sizeof(name), "durable/%s/identity/same_inode_number_and_generation", type);
	itest_report(fd >= 0 && same_inode_in_both(fd, &st, gen), name, "the copy's file is another inode");
	snprintf(name, sizeof(name), "durable/%s/identity/other_filesystem_not_sealed", type);
	itest_expect_seals(name, bpfseal_get_seals(fd), 0);
	snprintf(name, sizeof(name), "durable/%s/identity/other_filesystem_writable", type);
	itest_expect(name, pwrite(fd, "B", 1, 0) < 0 ? errno : 0, 0);
	close(fd);
	unmount_image(dev_b);

	/* And A, back on the device, still carries its seal. */
	mount_image(a, type, dev, sizeof(dev));
	fd = open("/mnt/ident/file", O_RDWR | O_CLOEXEC);
	snprintf(name, sizeof(name), "durable/%s/identity/first_filesystem_still_sealed", type);
	itest_expect(name, pwrite(fd, "A", 1, 0) < 0 ? errno : 0, EPERM);
	close(fd);
	unmount_image(dev);
}

/*
 * Deleting sealed files gives their records back; a new file that gets a
 * freed inode number is a new inode, not sealed. Two threads, as many
 * sealed-then-deleted files as the bound asks for.
 */
#define DELETED_FILES 100000

struct churn {
	const char *dir;
	int from, to, failures;
};

/* The policy's own channel, without the library's checks around it: many files, little time. */
static void *seal_and_delete(void *arg)
{
	struct churn *c = arg;
	char path[256];

	for (int i = c->from; i < c->to; i++) {
		int fd;

		snprintf(path, sizeof(path), "%s/deleted-%d", c->dir, i);
		fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
		/* Accepted: the kernel then answers EINVAL for the command (bpfseal_abi.h). */
		if (fd < 0 || fcntl(fd, BPFSEAL_F_ADD_SEALS, BPFSEAL_SEAL_SHRINK) != -1 || errno != EINVAL)
			c->failures++;
		close(fd);
		unlink(path);
	}
	return NULL;
}

static void deleting_drops_records(const struct fs *fs)
{
	struct churn halves[2] = { { fs->dir, 0, DELETED_FILES / 2, 0 },
				   { fs->dir, DELETED_FILES / 2, DELETED_FILES, 0 } };
	long long start = counts().records, end;
	pthread_t threads[2];
	char path[256], name[160];
	struct stat st;
	ino_t freed;
	int fd;

	/* Records come with seals and go with the last link... */
	for (int i = 0; i < 100; i++) {
		char file[32];

		snprintf(file, sizeof(file), "kept-%d", i);
		make_sealed(fs->dir, file, 0644, BPFSEAL_SEAL_SHRINK, path, sizeof(path));
	}
	snprintf(name, sizeof(name), "durable/%s/delete/a_record_per_sealed_file", fs->name);
	itest_report(counts().records - start == 100, name, "%lld records for 100 sealed files",
		     counts().records - start);
	snprintf(path, sizeof(path), "rm -f %s/kept-*", fs->dir);
	system(path);
	/* ...also by the hundred thousand, from two threads. */
	for (int i = 0; i < 2; i++)
		pthread_create(&threads[i], NULL, seal_and_delete, &halves[i]);
	for (int i = 0; i < 2; i++)
		pthread_join(threads[i], NULL);
	end = counts().records;
	snprintf(name, sizeof(name), "durable/%s/delete/%d_sealed_files_deleted", fs->name, DELETED_FILES);
	itest_report(!halves[0].failures && !halves[1].failures, name, "%d seals failed",
		     halves[0].failures + halves[1].failures);
	snprintf(name, sizeof(name), "durable/%s/delete/record_count_back_where_it_started", fs->name);
	itest_report(end == start, name, "%lld records before, %lld after", start, end);

	/* An inode number freed by a sealed file, handed out again. */
	snprintf(name, sizeof(name), "durable/%s/delete/reused_inode_number_not_sealed", fs->name);
	fd = itest_make_file(fs->dir, "reuse-sealed", path, sizeof(path));
	fstat(fd, &st);
	freed = st.st_ino;
	bpfseal_add_seals(fd, BPFSEAL_SEAL_WRITE);
	close(fd);
	unlink(path);
	for (int i = 0; i < 64; i++) {
		snprintf(path, sizeof(path), "%s/reuse-new-%d", fs->dir, i);
		fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
		fstat(fd, &st);
		if (st.st_ino == freed) {
			itest_expect_seals(name, bpfseal_get_seals(fd), 0);
			close(fd);
			break;
		}
		close(fd);
		if (i == 63)
			itest_report(false, name, "inode %lu was not handed out again in 64 creates",
				     (unsigned long)freed);
	}
	system("rm -f /mnt/ext4/reuse-new-* /mnt/xfs/reuse-new-*");
}

/*
 * A full table refuses the next seal with ENOSPC, counts it and records it
 * (user/audit.c): reloaded with room for a few records, on a fresh policy
 * (which also loads the persisted records, if the suite made any).
 */
#define SMALL_CAPACITY 16

static struct bpfseal_audit_record full_refusal;

static int keep_full_refusal(void *ctx, const struct bpfseal_audit_record *rec)
{
	(void)ctx;
	if (rec->type == BPFSEAL_AUDIT_SEAL_REFUSED && rec->error == ENOSPC)
		full_refusal = *rec;
	return 0;
}

static void full_table_refuses(void)
{
	char path[256], name[32], why[256];
	struct audit_consumer consumer;
	long long before, room;
	int fd, err = 0, sealed = 0;
	bool listening;
	struct stat st;

	if (system("sealctl unload --force >/dev/null && sealctl load --capacity 16 >/dev/null")) {
		itest_report(false, "durable/capacity/reload_small", "cannot reload with --capacity 16");
		return;
	}
	listening = !audit_attach(&consumer, AUDIT_RING_DEFAULT, keep_full_refusal, NULL, why, sizeof(why));
	before = counts().seals_refused_full;
	room = SMALL_CAPACITY - counts().records;
	while (!err && sealed <= SMALL_CAPACITY) {
		snprintf(name, sizeof(name), "capacity-%d", sealed);
		fd = itest_make_file("/mnt/ext4", name, path, sizeof(path));
		err = bpfseal_add_seals(fd, BPFSEAL_SEAL_WRITE) ? errno : 0;
		close(fd);
		sealed += !err;
	}
	itest_report(err == ENOSPC && sealed == room, "durable/capacity/seal_past_capacity_is_ENOSPC",
		     "%d seals went in (room for %lld), then %s", sealed, room, itest_errname(err));
	itest_report(err == ENOSPC && bpfseal_refusal_reason() && strstr(bpfseal_refusal_reason(), "full"),
		     "durable/capacity/reason_says_full", "reason: %s", bpfseal_refusal_reason() ?: "(none)");
	itest_report(counts().seals_refused_full == before + 1, "durable/capacity/status_counts_the_refusal",
		     "%lld refusals counted", counts().seals_refused_full - before);
	if (listening) {
		audit_drain(&consumer);
		audit_detach(&consumer);
	}
	stat(path, &st);
	itest_report(listening && full_refusal.reason == BPFSEAL_REASON_FULL && full_refusal.ino == st.st_ino &&
			     full_refusal.seals == BPFSEAL_SEAL_WRITE && full_refusal.tgid == (unsigned int)getpid(),
		     "durable/capacity/refusal_recorded", "%s; record: ino %llu reason %s",
		     listening ? "listening" : why, full_refusal.ino, audit_reason_name(full_refusal.reason));
	fd = open(path, O_RDWR | O_CLOEXEC);
	itest_expect("durable/capacity/refused_file_stays_writable", pwrite(fd, "x", 1, 0) < 0 ? errno : 0, 0);
	close(fd);
	system("rm -f /mnt/ext4/capacity-*; sealctl unload --force >/dev/null; sealctl load >/dev/null");
}

/* How long each part took, on the console (the suite's time budget is tight). */
static void timed(const char *what, const struct fs *fs, void (*part)(const struct fs *))
{
	struct timespec a, b;

	clock_gettime(CLOCK_MONOTONIC, &a);
	part(fs);
	clock_gettime(CLOCK_MONOTONIC, &b);
	printf("  [%s] durable: %s on %s took %.1f s\n", itest_kernel(), what, fs->name,
	       (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9);
}

static void identity_part(const struct fs *fs) { other_filesystem_on_same_device(fs->type); }
static void capacity_part(const struct fs *fs) { (void)fs; full_table_refuses(); }

/* The cases of each part outside the table, per filesystem, then once. */
#define FIRST_ACCESS_CASES (N_FIRST + 1)
#define CGROUP_CASES 3
#define REMOUNT_CASES 6
#define IDENTITY_CASES 7
#define DELETING_CASES 4
#define CAPACITY_CASES 5

int main(void)
{
	unsigned int cases = DELETING_CASES + CAPACITY_CASES;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (size_t i = 0; i < sizeof(filesystems) / sizeof(filesystems[0]); i++)
		cases += table_after_eviction_cases(&filesystems[i]) + FIRST_ACCESS_CASES + CGROUP_CASES + REMOUNT_CASES +
			 IDENTITY_CASES;
	itest_plan(cases);
	ops_init();
	for (size_t i = 0; i < sizeof(filesystems) / sizeof(filesystems[0]); i++) {
		const struct fs *fs = &filesystems[i];

		timed("the seal table after eviction", fs, table_after_eviction);
		timed("first accesses after eviction", fs, first_access_after_eviction);
		timed("cgroup reclaim", fs, cgroup_reclaim_evicts);
		timed("umount and mount", fs, remount_keeps_seals);
		timed("another filesystem on the same device", fs, identity_part);
	}
	timed("sealed files deleted", &filesystems[0], deleting_drops_records);
	timed("a full record table", &filesystems[0], capacity_part);
	return itest_end();
}
