// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The application API. Adding goes through the policy's fcntl channel (see
 * include/bpfseal_abi.h); reading goes through a read-only handle on the
 * pinned seal map, which any user may open: verification needs no privilege.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "bpfseal.h"
#include "bpfseal_abi.h"
#include "libbpfseal_internal.h"

#define API __attribute__((visibility("default")))

#ifndef F_GET_SEALS
#define F_ADD_SEALS 1033
#define F_GET_SEALS 1034
#endif

/* Where the seal map is pinned; BPFSEAL_MAP overrides (tests, containers). */
static int open_seal_map(void)
{
	const char *paths[] = { getenv("BPFSEAL_MAP"), BPFSEAL_PUBLIC_SEALS, BPFSEAL_PIN_SEALS };
	LIBBPF_OPTS(bpf_obj_get_opts, opts, .file_flags = BPF_F_RDONLY);
	int fd, err = ENOENT;

	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		if (!paths[i] || !*paths[i])
			continue;
		fd = bpf_obj_get_opts(paths[i], &opts);
		if (fd >= 0)
			return fd;
		if (errno != ENOENT)
			err = errno;
	}
	errno = err;
	return -1;
}

/*
 * The policy's value for fd's inode: 1 found, 0 none, -1 with errno. The
 * buffer follows the map's value size, which grows with new versions.
 */
int bpfseal__inode_value(int fd, struct bpfseal_inode *out)
{
	union {
		struct bpfseal_inode v;
		unsigned char raw[256];
	} value = {};
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	int map_fd = open_seal_map(), ret, saved;

	if (map_fd < 0)
		return -1;
	ret = bpf_map_get_info_by_fd(map_fd, &info, &len);
	if (!ret && (info.value_size > sizeof(value) || info.value_size < sizeof(unsigned int))) {
		ret = -1;
		errno = EPROTO;	/* a pinned map of some other layout */
	}
	if (!ret)
		ret = bpf_map_lookup_elem(map_fd, &fd, &value);
	saved = errno;
	close(map_fd);
	if (ret && saved == ENOENT)
		return 0;
	if (ret) {
		errno = saved;
		return -1;
	}
	*out = value.v;
	return 1;
}

/* bpfseal's own seals on fd's inode: 0 if none, -1 with errno on failure. */
static int policy_seals(int fd)
{
	struct bpfseal_inode value;
	int found = bpfseal__inode_value(fd, &value);

	if (found < 0)
		return -1;
	return found ? (int)(value.seals & BPFSEAL_SEAL_ALL) : 0;
}

/*
 * Is fd a memfd? Only memfds carry meaningful native seals: every other
 * tmpfs file reports F_SEAL_SEAL, which there only means "the kernel will
 * not seal this", not a seal anybody added.
 */
static bool is_memfd(int fd)
{
	char link[64], target[16];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, target, sizeof(target));
	return n >= 7 && !memcmp(target, "/memfd:", 7);
}

/* Native memfd seals, or 0 where the kernel has none for this file. */
static int native_seals(int fd)
{
	int s = fcntl(fd, F_GET_SEALS);

	if (s < 0 && (errno == EINVAL || errno == EBADF) && fcntl(fd, F_GETFD) >= 0)
		return 0;	/* not shmem, or an O_PATH fd */
	if (s >= 0 && !is_memfd(fd))
		return 0;
	return s;
}

API int bpfseal_get_seals(int fd)
{
	int native = native_seals(fd), ours;

	if (native < 0)
		return -1;
	ours = policy_seals(fd);
	if (ours < 0) {
		/* No policy: nothing beyond the kernel's own seals is enforced. */
		if (errno == ENOENT)
			return native;
		return -1;
	}
	return native | ours;
}

/*
 * Wait for writes that passed their permission check before the seal went
 * in and are still copying: they hold the inode lock, which SEEK_DATA takes
 * (shared) on ext4, xfs, btrfs and tmpfs. A fresh open file description
 * keeps the caller's file offset where it was.
 */
static void drain_writers(int fd)
{
	char path[64];
	int rfd;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	rfd = open(path, O_RDONLY | O_CLOEXEC);
	if (rfd < 0)
		return;
	(void)lseek(rfd, 0, SEEK_DATA);
	close(rfd);
}

/*
 * The in-flight write fence (bpf/write_fence.bpf.c). Expected answers:
 * ENODATA, or EOPNOTSUPP where the filesystem has no xattrs (S_NOSEC is gone
 * either way). Holding the inode lock for it also waits out the writes that
 * hold it now.
 */
static void fence_writers(int fd)
{
	(void)fsetxattr(fd, BPFSEAL_FENCE_XATTR, "", 0, XATTR_REPLACE);
}

/*
 * Empty the LRU batches of every CPU this thread may run on: a page waiting
 * in one carries a reference that 6.1 cannot tell from a pin. memfd calls
 * lru_add_drain_all(); from userspace, MADV_COLD drains the batches of the
 * CPU it runs on (lru_add_drain()) before it looks at its range, here one
 * untouched anonymous page. The thread's affinity is restored afterwards.
 */
static void drain_lru_batches(void)
{
	long page = sysconf(_SC_PAGESIZE);
	void *scratch = mmap(NULL, page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cpu_set_t allowed, one;

	if (scratch == MAP_FAILED)
		return;
	if (!sched_getaffinity(0, sizeof(allowed), &allowed)) {
		for (int cpu = 0; cpu < CPU_SETSIZE; cpu++) {
			if (!CPU_ISSET(cpu, &allowed))
				continue;
			CPU_ZERO(&one);
			CPU_SET(cpu, &one);
			if (!sched_setaffinity(0, sizeof(one), &one))
				(void)madvise(scratch, page, MADV_COLD);
		}
		(void)sched_setaffinity(0, sizeof(allowed), &allowed);
	}
	munmap(scratch, page);
}

/* Why this thread's last bpfseal_add_seals() failed, where the errno does not say. */
enum refusal {
	REFUSAL_NONE,
	REFUSAL_MAPPINGS_OR_PINS,	/* a memfd's own EBUSY: the kernel does not say which */
	REFUSAL_MAPPINGS,
	REFUSAL_PINS,
	REFUSAL_KERNEL_WRITER,
	REFUSAL_NOT_KEEPABLE,		/* EINVAL: eviction would lose the seal here */
	REFUSAL_FULL,			/* ENOSPC */
};
static __thread enum refusal last_refusal;

/*
 * Ask the policy, with its cases told apart (BPFSEAL_ADD_DETAILS).
 * Adding WRITE while pages are referenced outside the page cache (an
 * O_DIRECT read finishing, a pipe still holding spliced pages) gets
 * memfd_wait_for_pins()'s patience: checked again at once after the LRU
 * batches are drained, then after 10, 20, 40 and 80 ms, then EBUSY.
 * Long-term pins (an io_uring fixed buffer) stay and end in EBUSY, as on a
 * memfd.
 */
static int request_seals(int fd, unsigned int seals, unsigned int flags)
{
	/* Unknown bits go as they are: the policy answers memfd's EPERM or EINVAL. */
	bool detailed = !(seals & ~BPFSEAL_SEAL_ALL);
	unsigned int request = seals | flags | (detailed ? BPFSEAL_ADD_DETAILS : 0);

	for (int attempt = 0;; attempt++) {
		struct timespec pause = { 0, 5000000L << attempt };

		if (fcntl(fd, BPFSEAL_F_ADD_SEALS, request) == 0)
			return 0;
		if (errno == ENOSPC)
			last_refusal = REFUSAL_FULL;
		if (!detailed)
			return -1;
		if (errno == EBUSY)
			last_refusal = REFUSAL_MAPPINGS;
		if (errno == ETXTBSY) {
			last_refusal = REFUSAL_KERNEL_WRITER;
			errno = EBUSY;
		}
		if (errno == EOPNOTSUPP) {
			last_refusal = REFUSAL_NOT_KEEPABLE;
			errno = EINVAL;
		}
		if (errno != EAGAIN)
			return -1;
		if (attempt == 5) {
			last_refusal = REFUSAL_PINS;
			errno = EBUSY;
			return -1;
		}
		if (attempt == 0)
			drain_lru_batches();
		else
			nanosleep(&pause, NULL);
	}
}

API const char *bpfseal_refusal_reason(void)
{
	switch (last_refusal) {
	case REFUSAL_MAPPINGS_OR_PINS:
		return "file has writable shared mappings, or pages pinned for I/O";
	case REFUSAL_MAPPINGS:
		return "file has writable shared mappings";
	case REFUSAL_PINS:
		return "pages of the file stay pinned for I/O, or direct I/O to it is in flight "
		       "(an io_uring fixed buffer, a pipe holding spliced pages, an O_DIRECT write)";
	case REFUSAL_KERNEL_WRITER:
		return "the kernel writes the file itself (a loop device, a swap area, quota, "
		       "a core dump in progress)";
	case REFUSAL_NOT_KEEPABLE:
		return "this filesystem gives bpfseal no identity that survives the inode leaving "
		       "memory (seals are kept on ext2/3/4, xfs and tmpfs), so a seal here could be lost";
	case REFUSAL_FULL:
		return "the policy's table of sealed inodes is full (`sealctl status` shows its capacity)";
	default:
		return NULL;
	}
}

API const char *bpfseal_busy_reason(void)
{
	switch (last_refusal) {
	case REFUSAL_MAPPINGS_OR_PINS:
	case REFUSAL_MAPPINGS:
	case REFUSAL_PINS:
	case REFUSAL_KERNEL_WRITER:
		return bpfseal_refusal_reason();
	default:
		return NULL;
	}
}

API int bpfseal_add_seals(int fd, unsigned int seals)
{
	return bpfseal__add_seals(fd, seals, 0);
}

int bpfseal__add_seals(int fd, unsigned int seals, unsigned int flags)
{
	unsigned int expected = seals;
	struct stat st;
	int native, now;

	/*
	 * A memfd: the kernel's own seals are the real thing, with memfd's
	 * answers (EPERM once F_SEAL_SEAL is set, also on memfds made without
	 * MFD_ALLOW_SEALING; fcntl(BPFSEAL_F_ADD_SEALS) seals those).
	 */
	last_refusal = REFUSAL_NONE;
	native = fcntl(fd, F_GET_SEALS);
	if (native >= 0 && is_memfd(fd)) {
		/* The kernel would answer EINVAL for bpfseal's own bits: say so without asking. */
		if (seals & BPFSEAL_SEALS_OWN) {
			errno = EINVAL;
			return -1;
		}
		if (fcntl(fd, F_ADD_SEALS, seals) == 0)
			return 0;
		if (errno == EBUSY)
			last_refusal = REFUSAL_MAPPINGS_OR_PINS;
		return -1;
	}

	if (request_seals(fd, seals, flags) == 0)
		return 0;
	if (errno != EINVAL || last_refusal == REFUSAL_NOT_KEEPABLE)
		return -1;	/* the policy's answer: EPERM, EBUSY, ...; or EBADF */
	if (seals & ~BPFSEAL_SEAL_ALL)
		return -1;	/* EINVAL, as memfd */
	if (fstat(fd, &st))
		return -1;
	if (!S_ISREG(st.st_mode)) {
		errno = EINVAL;
		return -1;
	}
	/* EINVAL is also what an accepted request gets (the fcntl channel, bpfseal_abi.h): confirm. */
	if ((seals & BPFSEAL_SEAL_EXEC) && (st.st_mode & 0111))
		expected |= BPFSEAL_SEALS_IMPLIED_BY_EXEC;
	now = policy_seals(fd);
	if (now < 0) {
		errno = errno == ENOENT ? ENOSYS : errno;
		return -1;
	}
	if (((unsigned int)now & expected) != expected) {
		/* Nobody took the request: the policy is not attached. */
		errno = ENOSYS;
		return -1;
	}
	if (expected & BPFSEAL_SEALS_FENCED) {
		fence_writers(fd);
		drain_writers(fd);
	}
	return 0;
}
