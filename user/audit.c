// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Audit consumers. The policy writes each record into the ring of every
 * slot of its audit_rings map (bpf/audit.bpf.h); a consumer:
 *   1. takes an open-file-description lock on byte N of AUDIT_LOCK_FILE:
 *      slot N is its own until it exits, however it exits. Free slots that
 *      still hold a ring (its consumer was killed) are emptied on the way;
 *   2. empties its slot and, if a ring was there, waits for the programs
 *      that may still be writing to it (they run under RCU), so that the
 *      slot's drop counter is quiet; reads the counter as its baseline;
 *   3. makes its own ring buffer and puts it into the slot.
 * Records dropped for this consumer are then the counter minus the
 * baseline, exactly. Leaving undoes 3 and 2 before the lock goes.
 * Once its ring is in place a consumer needs no policy descriptor to keep
 * receiving: only the ring's, which is its own.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/membarrier.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "audit.h"
#include "find_paths.h"
#include "seal_names.h"
#include "text.h"
#include "textbuf.h"

/* Claim byte `slot` of the lock file: 1 claimed, 0 held by another consumer, -errno. */
static int lock_slot(int fd, unsigned int slot, short type)
{
	struct flock fl = { .l_type = type, .l_whence = SEEK_SET, .l_start = slot, .l_len = 1 };

	if (fcntl(fd, F_OFD_SETLK, &fl) == 0)
		return 1;
	return errno == EAGAIN || errno == EACCES ? 0 : -errno;
}

/* Does a running consumer hold this slot's lock? */
static bool slot_held(int fd, unsigned int slot)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = slot, .l_len = 1 };

	return fcntl(fd, F_OFD_GETLK, &fl) == 0 && fl.l_type != F_UNLCK;
}

/*
 * Programs run under RCU: after a grace period none still holds a ring a
 * slot no longer has. membarrier(MEMBARRIER_CMD_GLOBAL) waits for one on
 * every kernel with more than one CPU; nohz_full kernels refuse it.
 */
static void wait_for_programs(void)
{
	if (syscall(__NR_membarrier, MEMBARRIER_CMD_GLOBAL, 0, 0))
		usleep(50 * 1000);
}

static unsigned long long slot_dropped(int dropped_fd, unsigned int slot)
{
	unsigned long long n = 0;

	bpf_map_lookup_elem(dropped_fd, &slot, &n);
	return n;
}

static int on_sample(void *ctx, void *data, size_t size)
{
	struct audit_consumer *c = ctx;
	const struct bpfseal_audit_record *rec = data;

	if (size < sizeof(*rec) || rec->size != sizeof(*rec)) {
		c->malformed++;
		return 0;
	}
	return c->fn(c->ctx, rec);
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* Everything a consumer holds; the lock goes last. */
static void release(struct audit_consumer *c)
{
	ring_buffer__free(c->rb);
	c->rb = NULL;
	close_fd(&c->ring_fd);
	close_fd(&c->dropped_fd);
	close_fd(&c->rings_fd);
	close_fd(&c->lock_fd);
}

static unsigned int map_id(int fd)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	return bpf_map_get_info_by_fd(fd, &info, &len) ? 0 : info.id;
}

int audit_attach(struct audit_consumer *c, size_t ring_bytes, audit_record_fn fn, void *ctx, char *err,
		 size_t errlen)
{
	LIBBPF_OPTS(bpf_obj_get_opts, ro, .file_flags = BPF_F_RDONLY);
	int ret, claimed = -1;
	__u32 inner;

	memset(c, 0, sizeof(*c));
	c->rings_fd = c->dropped_fd = c->ring_fd = c->lock_fd = -1;
	c->fn = fn;
	c->ctx = ctx;
	c->rings_fd = bpf_obj_get(AUDIT_RINGS_PIN);
	if (c->rings_fd < 0) {
		ret = fail(err, errlen, -errno, "cannot open %s", AUDIT_RINGS_PIN);
		goto out;
	}
	c->dropped_fd = bpf_obj_get_opts(AUDIT_DROPPED_PIN, &ro);
	if (c->dropped_fd < 0) {
		ret = fail(err, errlen, -errno, "cannot open %s", AUDIT_DROPPED_PIN);
		goto out;
	}
	c->lock_fd = open(AUDIT_LOCK_FILE, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (c->lock_fd < 0) {
		ret = fail(err, errlen, -errno, "cannot open %s", AUDIT_LOCK_FILE);
		goto out;
	}
	for (unsigned int slot = 0; slot < BPFSEAL_AUDIT_CONSUMERS_MAX; slot++) {
		ret = lock_slot(c->lock_fd, slot, F_WRLCK);
		if (ret < 0) {
			ret = fail(err, errlen, ret, "cannot lock %s", AUDIT_LOCK_FILE);
			goto out;
		}
		if (!ret)
			continue;
		if (claimed < 0) {
			claimed = (int)slot;
			continue;
		}
		/* Free, yet holding a ring: its consumer died. Nobody reads it. */
		if (!bpf_map_lookup_elem(c->rings_fd, &slot, &inner))
			bpf_map_delete_elem(c->rings_fd, &slot);
		lock_slot(c->lock_fd, slot, F_UNLCK);
	}
	if (claimed < 0) {
		snprintf(err, errlen, "all %d audit slots are taken by running consumers (sealctl monitor, "
			 "the journal forwarder)", BPFSEAL_AUDIT_CONSUMERS_MAX);
		ret = -EBUSY;
		goto out;
	}
	c->slot = (unsigned int)claimed;
	if (!bpf_map_delete_elem(c->rings_fd, &c->slot))
		wait_for_programs();
	c->dropped_base = c->dropped_reported = slot_dropped(c->dropped_fd, c->slot);
	c->ring_fd = bpf_map_create(BPF_MAP_TYPE_RINGBUF, "bpfseal_audit", 0, 0, (__u32)ring_bytes, NULL);
	if (c->ring_fd < 0) {
		ret = fail(err, errlen, -errno, "cannot make a ring buffer of %zu bytes", ring_bytes);
		goto out;
	}
	c->rb = ring_buffer__new(c->ring_fd, on_sample, c, NULL);
	if (!c->rb) {
		ret = fail(err, errlen, -errno, "cannot map the ring buffer");
		goto out;
	}
	if (bpf_map_update_elem(c->rings_fd, &c->slot, &c->ring_fd, BPF_ANY)) {
		ret = fail(err, errlen, -errno, "cannot put the ring buffer into slot %u of %s", c->slot,
			   AUDIT_RINGS_PIN);
		goto out;
	}
	c->rings_id = map_id(c->rings_fd);
	return 0;
out:
	release(c);
	return ret;
}

int audit_poll(struct audit_consumer *c, int timeout_ms)
{
	return ring_buffer__poll(c->rb, timeout_ms);
}

int audit_drain(struct audit_consumer *c)
{
	return ring_buffer__consume(c->rb);
}

unsigned long long audit_newly_dropped(struct audit_consumer *c, unsigned long long *total)
{
	unsigned long long now = slot_dropped(c->dropped_fd, c->slot) - c->dropped_base;
	unsigned long long fresh = now - (c->dropped_reported - c->dropped_base);

	c->dropped_reported = c->dropped_base + now;
	if (total)
		*total = now;
	return fresh;
}

bool audit_still_attached(const struct audit_consumer *c)
{
	LIBBPF_OPTS(bpf_obj_get_opts, ro, .file_flags = BPF_F_RDONLY);
	int fd = bpf_obj_get_opts(AUDIT_RINGS_PIN, &ro);
	unsigned int id;

	/* Only a pin that is gone means the policy is: a refused look (a locked policy) does not. */
	if (fd < 0)
		return errno != ENOENT;
	id = map_id(fd);
	close(fd);
	return id == c->rings_id;
}

void audit_detach(struct audit_consumer *c)
{
	if (c->rings_fd >= 0 && !bpf_map_delete_elem(c->rings_fd, &c->slot))
		wait_for_programs();
	release(c);
}

int audit_consumer_count(void)
{
	LIBBPF_OPTS(bpf_obj_get_opts, ro, .file_flags = BPF_F_RDONLY);
	int fd = bpf_obj_get_opts(AUDIT_RINGS_PIN, &ro), lock, n = 0;
	__u32 inner;

	if (fd < 0)
		return -errno;
	/* A ring whose consumer was killed stays until the next attach: count running consumers. */
	lock = open(AUDIT_LOCK_FILE, O_RDONLY | O_CLOEXEC);
	for (unsigned int slot = 0; slot < BPFSEAL_AUDIT_CONSUMERS_MAX; slot++)
		n += !bpf_map_lookup_elem(fd, &slot, &inner) && (lock < 0 || slot_held(lock, slot));
	if (lock >= 0)
		close(lock);
	close(fd);
	return n;
}

int audit_note(unsigned int operation, unsigned long long detail)
{
	int fd = open("/", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	/* Answered EINVAL even when heard (the fcntl channel, bpfseal_abi.h). */
	fcntl(fd, BPFSEAL_F_AUDIT_NOTE, (unsigned long)operation | (unsigned long)(detail << 8));
	close(fd);
	return 0;
}

/* --- names */

static const char *const type_names[] = {
	[BPFSEAL_AUDIT_DENIED] = "denied",
	[BPFSEAL_AUDIT_SEALED] = "sealed",
	[BPFSEAL_AUDIT_SEAL_REFUSED] = "seal_refused",
	[BPFSEAL_AUDIT_POLICY] = "policy",
};

static const char *const operation_names[BPFSEAL_OP_COUNT] = {
	[BPFSEAL_OP_OTHER] = "other",
	[BPFSEAL_OP_WRITE] = "write",
	[BPFSEAL_OP_PWRITE] = "pwrite",
	[BPFSEAL_OP_WRITEV] = "writev",
	[BPFSEAL_OP_PWRITEV] = "pwritev",
	[BPFSEAL_OP_PWRITEV2] = "pwritev2",
	[BPFSEAL_OP_AIO] = "aio",
	[BPFSEAL_OP_IO_URING] = "io_uring",
	[BPFSEAL_OP_SPLICE] = "splice",
	[BPFSEAL_OP_SENDFILE] = "sendfile",
	[BPFSEAL_OP_COPY_FILE_RANGE] = "copy_file_range",
	[BPFSEAL_OP_REFLINK] = "reflink",
	[BPFSEAL_OP_FALLOCATE] = "fallocate",
	[BPFSEAL_OP_TRUNCATE] = "truncate",
	[BPFSEAL_OP_FTRUNCATE] = "ftruncate",
	[BPFSEAL_OP_OPEN_TRUNC] = "open_trunc",
	[BPFSEAL_OP_MMAP] = "mmap",
	[BPFSEAL_OP_MPROTECT] = "mprotect",
	[BPFSEAL_OP_CHMOD] = "chmod",
	[BPFSEAL_OP_ACL] = "acl",
	[BPFSEAL_OP_IOCTL] = "ioctl",
	[BPFSEAL_OP_KERNEL_WRITER_OPEN] = "kernel_writer_open",
	[BPFSEAL_OP_QUOTA_ON] = "quotaon",
	[BPFSEAL_OP_UNLINK] = "unlink",
	[BPFSEAL_OP_RENAME] = "rename",
	[BPFSEAL_OP_LINK] = "link",
	[BPFSEAL_OP_ADD_SEALS] = "add_seals",
	[BPFSEAL_OP_FENCE_XATTR] = "fence_xattr",
	[BPFSEAL_OP_WRITE_IN_FLIGHT] = "write_in_flight",
	[BPFSEAL_OP_KERNEL_WRITE] = "kernel_write",
	[BPFSEAL_OP_LOAD] = "load",
	[BPFSEAL_OP_UNLOAD] = "unload",
	[BPFSEAL_OP_LOCK] = "lock",
};

static const char *const reason_names[BPFSEAL_REASON_COUNT] = {
	[BPFSEAL_REASON_NO_FACTS] = "no_position",
	[BPFSEAL_REASON_OVERLAY] = "overlay_real_file_sealed",
	[BPFSEAL_REASON_SEALS_UNKNOWN] = "seals_unknown",
	[BPFSEAL_REASON_WRITER_KERNEL_THREAD] = "kernel_thread",
	[BPFSEAL_REASON_WRITER_BACKING_FILE] = "backing_file",
	[BPFSEAL_REASON_WRITER_IN_CALL] = "in_call",
	[BPFSEAL_REASON_WRITER_ACCT] = "acct",
	[BPFSEAL_REASON_WRITER_CORE_DUMP] = "core_dump",
	[BPFSEAL_REASON_LOOP] = "loop_device",
	[BPFSEAL_REASON_MD_BITMAP] = "md_bitmap",
	[BPFSEAL_REASON_EXTENT_SWAP] = "extent_swap",
	[BPFSEAL_REASON_F2FS] = "f2fs",
	[BPFSEAL_REASON_FS_UUID] = "fs_uuid_change",
	[BPFSEAL_REASON_NOT_REGULAR] = "not_regular",
	[BPFSEAL_REASON_NOT_WRITABLE] = "not_open_for_writing",
	[BPFSEAL_REASON_UNKNOWN_BITS] = "unknown_seal",
	[BPFSEAL_REASON_NOT_OWNER] = "not_owner",
	[BPFSEAL_REASON_SEALED] = "sealed",
	[BPFSEAL_REASON_NO_IDENTITY] = "no_identity",
	[BPFSEAL_REASON_PERSIST_NOT_ROOT] = "persist_needs_root",
	[BPFSEAL_REASON_FULL] = "full",
	[BPFSEAL_REASON_NO_MEMORY] = "no_memory",
	[BPFSEAL_REASON_KERNEL_WRITER] = "kernel_writer",
	[BPFSEAL_REASON_DIRECT_IO] = "direct_io",
	[BPFSEAL_REASON_MAPPINGS] = "mappings",
	[BPFSEAL_REASON_PINS] = "pins",
	[BPFSEAL_REASON_RACE] = "sealed_meanwhile",
};

const char *audit_type_name(unsigned int type)
{
	return type < sizeof(type_names) / sizeof(type_names[0]) && type_names[type] ? type_names[type] : "unknown";
}

const char *audit_operation_name(unsigned int operation)
{
	return operation < BPFSEAL_OP_COUNT && operation_names[operation] ? operation_names[operation] : "unknown";
}

const char *audit_reason_name(unsigned int reason)
{
	return reason < BPFSEAL_REASON_COUNT && reason_names[reason] ? reason_names[reason] : "";
}

static const struct {
	int nr;
	const char *name;
} syscalls[] = {
	{ 1, "write" }, { 2, "open" }, { 16, "ioctl" }, { 18, "pwrite64" }, { 20, "writev" },
	{ 40, "sendfile" }, { 72, "fcntl" }, { 76, "truncate" }, { 77, "ftruncate" }, { 82, "rename" },
	{ 85, "creat" }, { 86, "link" }, { 87, "unlink" }, { 90, "chmod" }, { 91, "fchmod" },
	{ 163, "acct" }, { 167, "swapon" }, { 179, "quotactl" }, { 188, "setxattr" }, { 189, "lsetxattr" },
	{ 190, "fsetxattr" }, { 209, "io_submit" }, { 257, "openat" }, { 263, "unlinkat" },
	{ 264, "renameat" }, { 265, "linkat" }, { 268, "fchmodat" }, { 275, "splice" },
	{ 285, "fallocate" }, { 296, "pwritev" }, { 304, "open_by_handle_at" }, { 316, "renameat2" },
	{ 326, "copy_file_range" }, { 328, "pwritev2" }, { 426, "io_uring_enter" }, { 437, "openat2" },
	{ 452, "fchmodat2" }, { 9, "mmap" }, { 10, "mprotect" }, { 443, "quotactl_fd" },
};

char *audit_syscall_name(int nr, char *buf, size_t len)
{
	for (size_t i = 0; i < sizeof(syscalls) / sizeof(syscalls[0]); i++) {
		if (syscalls[i].nr == nr) {
			snprintf(buf, len, "%s", syscalls[i].name);
			return buf;
		}
	}
	if (nr < 0)
		snprintf(buf, len, "none");
	else
		snprintf(buf, len, "%d", nr);
	return buf;
}

/* Flag names, "a|b|0x40" for what is left; cut where buf ends. */
static void flag_names(char *buf, size_t len, unsigned long long v, const unsigned long long *bits,
		       const char *const *names, size_t n, const char *none)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		if (!(v & bits[i]))
			continue;
		if (!appendf(buf, len, &used, "%s%s", used ? "|" : "", names[i]))
			return;
		v &= ~bits[i];
	}
	if (v && !appendf(buf, len, &used, "%s%#llx", used ? "|" : "", v))
		return;
	if (!used)
		snprintf(buf, len, "%s", none);
}

static const char *ioctl_name(unsigned int cmd)
{
	static const struct {
		unsigned int cmd;
		const char *name;
	} known[] = {
		{ 0x4C00, "LOOP_SET_FD" }, { 0x4C06, "LOOP_CHANGE_FD" }, { 0x4C0A, "LOOP_CONFIGURE" },
		{ 0x092b, "SET_BITMAP_FILE" }, { 0x662c, "EXT4_IOC_SETFSUUID" },
		{ 0x9409, "FICLONE" }, { 0x940d, "FICLONERANGE" }, { 0x9436, "FIDEDUPERANGE" },
		{ 0x660f, "EXT4_IOC_MOVE_EXT" }, { 0x586d, "XFS_IOC_SWAPEXT" },
		{ 0xf509, "F2FS_IOC_MOVE_RANGE" }, { 0xf514, "F2FS_IOC_SEC_TRIM_FILE" },
		{ 0xf519, "F2FS_IOC_START_ATOMIC_REPLACE" },
	};

	/* By type and number, as the policy matches them: the size part varies. */
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (known[i].cmd == (cmd & 0xffff))
			return known[i].name;
	return NULL;
}

char *audit_detail(const struct bpfseal_audit_record *rec, char *buf, size_t len)
{
	static const unsigned long long falloc_bits[] = { 0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80 };
	static const char *const falloc_names[] = { "keep_size", "punch_hole", "no_hide_stale", "collapse_range",
						    "zero_range", "insert_range", "unshare_range", "write_zeroes" };
	static const unsigned long long prot_bits[] = { 1, 2, 4 };
	static const char *const prot_names[] = { "read", "write", "exec" };
	char names[128];
	const char *n;

	buf[0] = '\0';
	switch (rec->operation) {
	case BPFSEAL_OP_FALLOCATE:
		flag_names(names, sizeof(names), rec->detail, falloc_bits, falloc_names, 8, "0");
		snprintf(buf, len, "mode=%s", names);
		break;
	case BPFSEAL_OP_MMAP:
	case BPFSEAL_OP_MPROTECT:
		flag_names(names, sizeof(names), rec->detail & 0xffffffff, prot_bits, prot_names, 3, "none");
		snprintf(buf, len, "prot=%s", names);
		break;
	case BPFSEAL_OP_TRUNCATE:
	case BPFSEAL_OP_FTRUNCATE:
	case BPFSEAL_OP_OPEN_TRUNC:
		snprintf(buf, len, "size=%lld", (long long)rec->detail);
		break;
	case BPFSEAL_OP_CHMOD:
		snprintf(buf, len, "mode=%04llo", rec->detail & 07777);
		break;
	case BPFSEAL_OP_IOCTL:
	case BPFSEAL_OP_REFLINK:
		n = ioctl_name((unsigned int)rec->detail);
		if (n)
			snprintf(buf, len, "ioctl=%s", n);
		else if (rec->detail)
			snprintf(buf, len, "ioctl=%#llx", rec->detail);
		break;
	case BPFSEAL_OP_ADD_SEALS:
		if (rec->detail & BPFSEAL_ADD_PERSIST)
			snprintf(buf, len, "persist");
		break;
	case BPFSEAL_OP_LOAD:
		snprintf(buf, len, "%s", rec->detail ? "fresh" : "reload");
		break;
	}
	return buf;
}

/* --- paths */

static dev_t user_dev(unsigned long long kdev)
{
	return makedev((unsigned int)(kdev >> 20), (unsigned int)(kdev & 0xfffff));
}

static bool is_inode(const char *path, dev_t dev, unsigned long long ino)
{
	struct stat st;

	return !stat(path, &st) && st.st_dev == dev && st.st_ino == ino;
}

/* One of the process's open files. */
static bool path_from_fds(unsigned int tgid, dev_t dev, unsigned long long ino, char *buf, size_t len)
{
	char dir[64], link[320];
	struct dirent *e;
	bool found = false;
	DIR *d;
	ssize_t n;

	snprintf(dir, sizeof(dir), "/proc/%u/fd", tgid);
	d = opendir(dir);
	while (d && !found && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(link, sizeof(link), "%s/%s", dir, e->d_name);
		if (!is_inode(link, dev, ino))
			continue;
		n = readlink(link, buf, len - 1);
		if (n > 0) {
			buf[n] = '\0';
			found = true;
		}
	}
	if (d)
		closedir(d);
	return found;
}

/* One of its mappings (a file mapped, its descriptor closed). */
static bool path_from_maps(unsigned int tgid, dev_t dev, unsigned long long ino, char *buf, size_t len)
{
	char file[64], line[4200], path[4096];
	unsigned int major, minor;
	unsigned long long i;
	bool found = false;
	FILE *f;

	snprintf(file, sizeof(file), "/proc/%u/maps", tgid);
	f = fopen(file, "r");
	while (f && !found && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%*s %*s %*s %x:%x %llu %4095[^\n]", &major, &minor, &i, path) == 4 &&
		    makedev(major, minor) == dev && i == ino && path[0] == '/') {
			snprintf(buf, len, "%s", path);
			found = true;
		}
	}
	if (f)
		fclose(f);
	return found;
}

/* Its name in the process's working directory (unlink, rename, link by a relative name). */
static bool path_from_cwd(unsigned int tgid, const char *name, dev_t dev, unsigned long long ino, char *buf,
			  size_t len)
{
	char link[64], cwd[4096], path[4400];
	ssize_t n;

	if (!name[0] || strchr(name, '/'))
		return false;
	snprintf(link, sizeof(link), "/proc/%u/cwd", tgid);
	n = readlink(link, cwd, sizeof(cwd) - 1);
	if (n <= 0)
		return false;
	cwd[n] = '\0';
	snprintf(path, sizeof(path), "%s/%s", strcmp(cwd, "/") ? cwd : "", name);
	if (!is_inode(path, dev, ino))
		return false;
	snprintf(buf, len, "%s", path);
	return true;
}

/* Paths found lately, and the inodes a filesystem walk did not find. */
#define PATH_CACHE		64
#define PATH_FORGET_NOT_FOUND_S	60
static struct {
	dev_t dev;
	unsigned long long ino;
	time_t when;
	char *path;		/* "" when not found */
} path_cache[PATH_CACHE];
static unsigned int path_cache_next;

static void remember(dev_t dev, unsigned long long ino, const char *path)
{
	unsigned int i = path_cache_next++ % PATH_CACHE;

	free(path_cache[i].path);
	path_cache[i].path = strdup(path);
	path_cache[i].dev = dev;
	path_cache[i].ino = ino;
	path_cache[i].when = time(NULL);
}

char *audit_path(const struct bpfseal_audit_record *rec, char *buf, size_t len)
{
	dev_t dev = user_dev(rec->dev);
	struct inode_ref ref;

	buf[0] = '\0';
	if (!rec->ino || !len)
		return buf;
	if (path_from_fds(rec->tgid, dev, rec->ino, buf, len) ||
	    path_from_cwd(rec->tgid, rec->name, dev, rec->ino, buf, len) ||
	    path_from_maps(rec->tgid, dev, rec->ino, buf, len)) {
		remember(dev, rec->ino, buf);
		return buf;
	}
	for (unsigned int i = 0; i < PATH_CACHE; i++) {
		if (!path_cache[i].path || path_cache[i].dev != dev || path_cache[i].ino != rec->ino)
			continue;
		if (path_cache[i].path[0] ? is_inode(path_cache[i].path, dev, rec->ino)
					  : time(NULL) - path_cache[i].when < PATH_FORGET_NOT_FOUND_S) {
			snprintf(buf, len, "%s", path_cache[i].path);
			return buf;
		}
	}
	/* The offender is gone: walk the filesystem, once. */
	ref = (struct inode_ref){ .major = major(dev), .minor = minor(dev), .ino = rec->ino };
	find_paths(&ref, 1);
	if (ref.path)
		snprintf(buf, len, "%s", ref.path);
	free(ref.path);
	remember(dev, rec->ino, buf);
	return buf;
}

/* --- printing */

/* Control characters would break the line: '?' in text. */
static void print_clean(FILE *f, const char *s)
{
	for (; *s; s++)
		fputc((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s, f);
}

static void print_subject_text(FILE *f, const struct bpfseal_audit_record *rec, const char *path)
{
	fputc(' ', f);
	if (path && path[0]) {
		print_clean(f, path);
	} else if (rec->name[0]) {
		fputs(".../", f);
		print_clean(f, rec->name);
	} else {
		fputc('?', f);
	}
	fprintf(f, " (%llu:%llu ino %llu)", rec->dev >> 20, rec->dev & 0xfffff, rec->ino);
}

void audit_print_text(FILE *f, const struct bpfseal_audit_record *rec, const char *path)
{
	char seals[128], in_force[128], detail[160];
	const char *reason = audit_reason_name(rec->reason);

	audit_detail(rec, detail, sizeof(detail));
	switch (rec->type) {
	case BPFSEAL_AUDIT_DENIED:
		fprintf(f, "denied %s", audit_operation_name(rec->operation));
		print_subject_text(f, rec, path);
		fprintf(f, " seals=%s errno=%s", seal_names_format(rec->seals, seals, sizeof(seals)),
			errno_name(rec->error));
		break;
	case BPFSEAL_AUDIT_SEALED:
		fprintf(f, "sealed");
		print_subject_text(f, rec, path);
		fprintf(f, " added=%s seals=%s", seal_names_format(rec->seals, seals, sizeof(seals)),
			seal_names_format(rec->seals_in_force, in_force, sizeof(in_force)));
		break;
	case BPFSEAL_AUDIT_SEAL_REFUSED:
		fprintf(f, "refused add_seals");
		print_subject_text(f, rec, path);
		fprintf(f, " asked=%s errno=%s", seal_names_format(rec->seals, seals, sizeof(seals)),
			errno_name(rec->error));
		break;
	default:
		fprintf(f, "policy %s", audit_operation_name(rec->operation));
		break;
	}
	if (detail[0])
		fprintf(f, " %s", detail);
	if (reason[0])
		fprintf(f, " reason=%s", reason);
	fprintf(f, " pid=%u comm=", rec->tgid);
	print_clean(f, rec->comm);
	fprintf(f, " uid=%u", rec->uid);
}

static void json_seals(FILE *f, unsigned int seals)
{
	char names[128], *save = NULL, *name;
	bool first = true;

	fputc('[', f);
	if (seals & BPFSEAL_SEAL_ALL) {
		seal_names_format(seals & BPFSEAL_SEAL_ALL, names, sizeof(names));
		for (name = strtok_r(names, ",", &save); name; name = strtok_r(NULL, ",", &save)) {
			fprintf(f, "%s\"%s\"", first ? "" : ",", name);
			first = false;
		}
	}
	fputc(']', f);
}

/* The record's boot-clock time as UTC wall-clock time. */
static void json_time(FILE *f, unsigned long long boot_ns)
{
	struct timespec real, boot;
	long long wall;
	struct tm tm;
	time_t secs;

	clock_gettime(CLOCK_REALTIME, &real);
	clock_gettime(CLOCK_BOOTTIME, &boot);
	wall = (real.tv_sec - boot.tv_sec) * 1000000000LL + (real.tv_nsec - boot.tv_nsec) + (long long)boot_ns;
	secs = (time_t)(wall / 1000000000LL);
	gmtime_r(&secs, &tm);
	fprintf(f, "\"%04d-%02d-%02dT%02d:%02d:%02d.%06lldZ\"", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
		tm.tm_hour, tm.tm_min, tm.tm_sec, (wall % 1000000000LL) / 1000);
}

void audit_print_json(FILE *f, const struct bpfseal_audit_record *rec, const char *path)
{
	char buf[160];
	const char *reason = audit_reason_name(rec->reason);

	fprintf(f, "{\"seq\":%llu,\"time\":", rec->seq);
	json_time(f, rec->boot_ns);
	fprintf(f, ",\"type\":\"%s\",\"operation\":\"%s\",\"errno\":", audit_type_name(rec->type),
		audit_operation_name(rec->operation));
	if (rec->error)
		fprintf(f, "\"%s\"", errno_name(rec->error));
	else
		fputs("null", f);
	fprintf(f, ",\"errno_value\":%d,\"seals\":", rec->error);
	json_seals(f, rec->seals);
	fputs(",\"seals_in_force\":", f);
	json_seals(f, rec->seals_in_force);
	fputs(",\"reason\":", f);
	if (reason[0])
		fprintf(f, "\"%s\"", reason);
	else
		fputs("null", f);
	fputs(",\"detail\":", f);
	json_string(f, audit_detail(rec, buf, sizeof(buf)));
	fprintf(f, ",\"detail_value\":%llu,\"syscall\":", rec->detail);
	json_string(f, audit_syscall_name(rec->syscall, buf, sizeof(buf)));
	if (rec->type == BPFSEAL_AUDIT_POLICY) {
		fputs(",\"device\":null,\"ino\":null,\"name\":null,\"path\":null", f);
	} else {
		fprintf(f, ",\"device\":\"%llu:%llu\",\"ino\":%llu,\"name\":", rec->dev >> 20, rec->dev & 0xfffff,
			rec->ino);
		json_string(f, rec->name);
		fputs(",\"path\":", f);
		if (path && path[0])
			json_string(f, path);
		else
			fputs("null", f);
	}
	fprintf(f, ",\"pid\":%u,\"tid\":%u,\"comm\":", rec->tgid, rec->pid);
	json_string(f, rec->comm);
	fprintf(f, ",\"uid\":%u,\"loginuid\":", rec->uid);
	if (rec->loginuid == 0xffffffffu)
		fputs("null", f);
	else
		fprintf(f, "%u", rec->loginuid);
	fprintf(f, ",\"cgroup_id\":%llu}", rec->cgroup_id);
}
