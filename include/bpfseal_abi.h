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
#define BPFSEAL_SEALS_MEMFD		0x003fu
/*
 * bpfseal's own seals, beyond memfd's. The kernel hands out F_SEAL_* bits
 * from the bottom up (bit 5 is the newest) and bpfseal's request flags take
 * the top two bits: these sit in bits 16 and 17, clear of both. A memfd's
 * native F_ADD_SEALS answers EINVAL for them, as for any unknown bit.
 */
#define BPFSEAL_SEAL_APPEND		0x00010000u	/* the file only grows, by writes at its end */
#define BPFSEAL_SEAL_NAME		0x00020000u	/* no name of the inode is removed, replaced or added */
#define BPFSEAL_SEALS_OWN		(BPFSEAL_SEAL_APPEND | BPFSEAL_SEAL_NAME)
#define BPFSEAL_SEAL_ALL		(BPFSEAL_SEALS_MEMFD | BPFSEAL_SEALS_OWN)

/*
 * Seal groups, named by what they protect. Rules in bpf/ and user/ use these
 * names instead of spelling bits out.
 */
/* No byte may change: every write path is refused. */
#define BPFSEAL_SEALS_NO_CONTENT_CHANGE	(BPFSEAL_SEAL_WRITE | BPFSEAL_SEAL_FUTURE_WRITE)
/* No byte already there may change (appends may still come). */
#define BPFSEAL_SEALS_NO_REWRITE	(BPFSEAL_SEALS_NO_CONTENT_CHANGE | BPFSEAL_SEAL_APPEND)
/* The size may not move (in one direction each). */
#define BPFSEAL_SEALS_SIZE		(BPFSEAL_SEAL_SHRINK | BPFSEAL_SEAL_GROW)
/* Content or size: what a write, fallocate, truncate or kernel writer can break. */
#define BPFSEAL_SEALS_CONTENT		(BPFSEAL_SEALS_NO_REWRITE | BPFSEAL_SEALS_SIZE)
/* memfd: EXEC on a file with an x bit adds these too. */
#define BPFSEAL_SEALS_IMPLIED_BY_EXEC	(BPFSEAL_SEALS_NO_CONTENT_CHANGE | BPFSEAL_SEALS_SIZE)
/*
 * A write already past its permission check when one of these goes in could
 * still break it: adding them is fenced (bpf/write_fence.bpf.c), and is
 * EBUSY while a writer that no check sees holds the file.
 */
#define BPFSEAL_SEALS_FENCED		(BPFSEAL_SEALS_NO_CONTENT_CHANGE | BPFSEAL_SEAL_GROW | \
					 BPFSEAL_SEAL_APPEND)
/* Where a write lands decides (write facts needed), unless a content seal refuses all. */
#define BPFSEAL_SEALS_BY_POSITION	(BPFSEAL_SEAL_GROW | BPFSEAL_SEAL_APPEND)

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
 * OR-ed into the request: tell the cases apart that memfd answers with one
 * errno. EBUSY stays for writable shared mappings; pages still referenced
 * outside the page cache (pinned for I/O, spliced into a pipe) and direct
 * I/O in flight answer EAGAIN, so the caller can wait for short-lived
 * references as memfd_wait_for_pins() does; a file the kernel writes itself
 * (loop device, swap area, quota, a core dump in progress) answers ETXTBSY;
 * a file whose filesystem gives no identity a seal could be kept by across
 * eviction answers EOPNOTSUPP (memfd's EINVAL for a file it cannot seal).
 * Without it, memfd's errnos. libbpfseal asks this way and answers memfd's.
 */
#define BPFSEAL_ADD_DETAILS		0x80000000u
/*
 * OR-ed into the request by root (CAP_FOWNER in the initial user
 * namespace): the seal is also kept across reboots. The policy marks the
 * inode's record; sealctl writes it to the state file (user/persist.c).
 */
#define BPFSEAL_ADD_PERSIST		0x40000000u

/*
 * fcntl(fd, BPFSEAL_F_RESTORE_SEALS, 0): apply the seals the policy keeps
 * for this inode's identity, if any (any caller; it adds nothing the policy
 * did not already hold). The loader asks it for files already in memory
 * when persisted records are loaded. The kernel answers EINVAL afterwards.
 */
#define BPFSEAL_F_RESTORE_SEALS		0x62730002u

/*
 * fcntl(dir_fd, BPFSEAL_F_LOCK_POLICY, public_dir_fd) by CAP_SYS_ADMIN: lock
 * the policy until reboot (bpf/lock.bpf.c). dir_fd is the root of the
 * policy's own bpffs (BPFSEAL_PIN_DIR), public_dir_fd that of
 * BPFSEAL_PUBLIC_DIR. One way: nothing unlocks it. The kernel then answers
 * EINVAL for the command, as for the others.
 */
#define BPFSEAL_F_LOCK_POLICY		0x62730003u

/*
 * What identifies an inode beyond its life in memory (bpf/records.bpf.c):
 * the filesystem's UUID, the inode number and its generation, which
 * changes when the number is reused after a delete.
 */
struct bpfseal_identity {
	unsigned char fs_uuid[16];
	unsigned long long ino;
	unsigned int generation;
	unsigned int pad;
};

/* Value of the "records" map (key: struct bpfseal_identity). */
struct bpfseal_record {
	unsigned int seals;
	unsigned int flags;		/* BPFSEAL_RECORD_* */
	int in_memory;			/* in-memory inodes carrying it; 0: evicted */
	unsigned int pad;
	unsigned long long dev;		/* s_dev where last seen (major << 20 | minor) */
};
#define BPFSEAL_RECORD_PERSISTED	0x1u	/* also in the state file: kept across reboots */

/* Capacity of the "records" and "sealed_inodes" maps. */
#define BPFSEAL_RECORDS_MAX		(2u << 20)
#define BPFSEAL_SEALED_INODES_MAX	(2u << 20)

/*
 * Value of the inode-storage map "seals". The loader freezes the map
 * (BPF_MAP_FREEZE), so userspace, root included, can read it and never write
 * or delete an element; only the policy changes it. For that reason it holds
 * no bpf_spin_lock: a map with one cannot be frozen.
 */
struct bpfseal_inode {
	/* F_SEAL_* bits; only ever OR-ed (monotonic), never cleared. */
	unsigned int seals;
	/*
	 * Number of requests that are adding WRITE (or APPEND without WRITE)
	 * and are checking for writable mappings. While non-zero the policy
	 * treats the inode as sealed WRITE (APPEND), so no mapping can slip in
	 * between check and commit, and appends go on while APPEND is added.
	 */
	unsigned int write_pending;
	unsigned int flags;		/* BPFSEAL_INODE_* */
	unsigned int append_pending;
	struct bpfseal_identity id;	/* with BPFSEAL_INODE_HAS_RECORD */
};
/* The inode's seals are also kept in "records" under `id`. */
#define BPFSEAL_INODE_HAS_RECORD	0x1u

/*
 * The single element of the "policy_state" array: switches that keep hot
 * paths short, and the counts `sealctl status` shows.
 */
struct bpfseal_policy_state {
	/* Some inode carries seals that need write facts: until then the
	 * fentry programs on the write path return at once. */
	unsigned int need_rw_facts;		/* GROW/SHRINK without a content seal */
	unsigned int need_fallocate_facts;	/* any BPFSEAL_SEALS_CONTENT */
	long long mmaps_untracked;	/* mmaps in flight that found no free slot */
	long long core_dumps_in_progress;	/* entries in core_dumps */
	unsigned int content_seals_exist;	/* some inode carries BPFSEAL_SEALS_CONTENT */
	unsigned int pad;
	long long sealed_in_memory;	/* entries in sealed_inodes */
	long long records;		/* entries in records */
	long long records_evicted;	/* records no in-memory inode carries */
	long long records_persisted;	/* records with BPFSEAL_RECORD_PERSISTED */
	long long seals_refused_full;	/* seals refused: records or listing full */
	long long restore_failures;	/* records whose inode came back without storage */
	/* Locked mode (bpf/lock.bpf.c): set once, never cleared until reboot. */
	unsigned int locked;
	unsigned int page_walk_first_slot;	/* always 0: bpf/page_refs.bpf.h */
	unsigned long long lock_private_sb;	/* superblock of /sys/fs/bpf/bpfseal */
	unsigned long long lock_public_sb;	/* superblock of /run/bpfseal */
};

/* Value of "lock_link_ids": a link of this load and its program. */
struct bpfseal_link_ids {
	unsigned int link;
	unsigned int prog;
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
