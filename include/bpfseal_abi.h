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
/* The seals a write can break: a writer no check sees must be kept out. */
#define BPFSEAL_SEALS_ON_WRITES		(BPFSEAL_SEAL_WRITE | BPFSEAL_SEAL_FUTURE_WRITE | \
					 BPFSEAL_SEAL_GROW)

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

/* Value of the inode-storage map "seals". */
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

/*
 * After adding WRITE or FUTURE_WRITE, bpfseal_add_seals() asks for
 * setxattr(fd, BPFSEAL_FENCE_XATTR, "", 0, XATTR_REPLACE). The name never
 * exists, so nothing is written (ENODATA), but the kernel takes the inode
 * lock and forgets S_NOSEC on the way: every later write is then checked
 * again under the inode lock (bpf/write_fence.bpf.c). The policy lets the
 * file's owner (or CAP_FOWNER) make exactly that call and refuses any other
 * use of the name.
 */
#define BPFSEAL_FENCE_XATTR		"security.bpfseal.fence"

#define BPFSEAL_PIN_DIR		"/sys/fs/bpf/bpfseal"
#define BPFSEAL_PIN_MAPS	BPFSEAL_PIN_DIR "/maps"
#define BPFSEAL_PIN_LINKS	BPFSEAL_PIN_DIR "/links"
#define BPFSEAL_PIN_SEALS	BPFSEAL_PIN_MAPS "/seals"
/* A world-readable bpffs for unprivileged verification (0444 pin). */
#define BPFSEAL_PUBLIC_DIR	"/run/bpfseal"
#define BPFSEAL_PUBLIC_SEALS	BPFSEAL_PUBLIC_DIR "/seals"

#endif
