/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What the BPF policy and userspace share: seal bits, the value stored per
 * sealed inode, the request channel and the pin locations. Compiled by both
 * sides, so keep it free of libc and kernel headers.
 */
#ifndef BPFSEAL_ABI_H
#define BPFSEAL_ABI_H

/* The kernel's F_SEAL_* values (include/uapi/linux/fcntl.h). */
#define BPFSEAL_SEAL_SEAL		0x0001u
#define BPFSEAL_SEAL_SHRINK		0x0002u
#define BPFSEAL_SEAL_GROW		0x0004u
#define BPFSEAL_SEAL_WRITE		0x0008u
#define BPFSEAL_SEAL_FUTURE_WRITE	0x0010u
#define BPFSEAL_SEAL_EXEC		0x0020u
#define BPFSEAL_SEAL_ALL		0x003fu

/*
 * Seal groups, named by what they protect. Rules in bpf/ and user/ use these
 * names instead of spelling bits out.
 */
/* No byte may change: every write path is refused. */
#define BPFSEAL_SEALS_NO_CONTENT_CHANGE	(BPFSEAL_SEAL_WRITE | BPFSEAL_SEAL_FUTURE_WRITE)
/* The size may not move (in one direction each). */
#define BPFSEAL_SEALS_SIZE		(BPFSEAL_SEAL_SHRINK | BPFSEAL_SEAL_GROW)
/* Content or size: what a write, fallocate, truncate or kernel writer can break. */
#define BPFSEAL_SEALS_CONTENT		(BPFSEAL_SEALS_NO_CONTENT_CHANGE | BPFSEAL_SEALS_SIZE)
/* memfd: EXEC on a file with an x bit adds these too. */
#define BPFSEAL_SEALS_IMPLIED_BY_EXEC	BPFSEAL_SEALS_CONTENT
/*
 * A write already past its permission check when one of these goes in could
 * still break it: adding them is fenced (bpf/write_fence.bpf.c), and is
 * EBUSY while a writer that no check sees holds the file.
 */
#define BPFSEAL_SEALS_FENCED		(BPFSEAL_SEALS_NO_CONTENT_CHANGE | BPFSEAL_SEAL_GROW)

/*
 * Seals are requested with fcntl(fd, BPFSEAL_F_ADD_SEALS, seals): the
 * policy's file_fcntl hook sees the file and the mask by value, applies
 * memfd's rules and answers with memfd's errno. No kernel fcntl has this
 * number, so when the policy accepts the request the kernel itself then
 * answers EINVAL; callers confirm success by reading the seal map
 * (bpfseal_add_seals() in libbpfseal does both).
 */
#define BPFSEAL_F_ADD_SEALS		0x62730001u
/*
 * OR-ed into the request: tell the EBUSY cases apart. EBUSY stays for
 * writable shared mappings; pages still referenced outside the page cache
 * (pinned for I/O, spliced into a pipe) answer EAGAIN, so the caller can
 * wait for short-lived references as memfd_wait_for_pins() does; a file the
 * kernel writes itself (loop device, swap area, quota, a core dump in
 * progress) answers ETXTBSY. Without it, EBUSY for all, as
 * memfd. libbpfseal asks this way and answers EBUSY in the end.
 */
#define BPFSEAL_ADD_BUSY_DETAILS	0x80000000u

/*
 * Value of the inode-storage map "seals". The loader freezes the map
 * (BPF_MAP_FREEZE), so userspace, root included, can read it and never write
 * or delete an element; only add_seals changes it. For that reason it holds
 * no bpf_spin_lock: a map with one cannot be frozen.
 */
struct bpfseal_inode {
	/* F_SEAL_* bits; only ever OR-ed (monotonic), never cleared. */
	unsigned int seals;
	/*
	 * Number of requests that are adding WRITE and are checking for
	 * writable mappings. While non-zero the policy treats the inode as
	 * WRITE-sealed, so no mapping can slip in between check and commit.
	 */
	unsigned int write_pending;
};

/* Value of the "sealed_inodes" listing map (key: kernel inode address). */
struct bpfseal_listed_inode {
	unsigned long long dev;	/* kernel encoding: major << 20 | minor */
	unsigned long long ino;
	unsigned int seals;
	unsigned int pad;
};

/* The in-flight write fence's xattr name: bpf/write_fence.bpf.c. */
#define BPFSEAL_FENCE_XATTR		"security.bpfseal.fence"

#define BPFSEAL_PIN_DIR		"/sys/fs/bpf/bpfseal"
#define BPFSEAL_PIN_MAPS	BPFSEAL_PIN_DIR "/maps"
#define BPFSEAL_PIN_LINKS	BPFSEAL_PIN_DIR "/links"
#define BPFSEAL_PIN_SEALS	BPFSEAL_PIN_MAPS "/seals"
/* A world-readable bpffs for unprivileged verification (0444 pin). */
#define BPFSEAL_PUBLIC_DIR	"/run/bpfseal"
#define BPFSEAL_PUBLIC_SEALS	BPFSEAL_PUBLIC_DIR "/seals"

#endif
