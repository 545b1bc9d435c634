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
 * The fcntl channel. Every request to the policy is an fcntl command no
 * kernel fcntl has (BPFSEAL_FCNTL_COMMANDS, below): the policy's file_fcntl
 * programs see the caller's open file and the argument by value, and a
 * refusal is their errno. A request they take gets EINVAL all the same:
 * they answer 0, and the kernel then finds no such command. So the caller
 * learns the outcome elsewhere: the seal map (bpfseal_add_seals() reads it
 * back), policy_state (the lock), or not at all (the audit note).
 *
 * Seals are requested with fcntl(fd, BPFSEAL_F_ADD_SEALS, seals): the
 * policy applies memfd's rules and refuses with memfd's errno.
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
 * when persisted records are loaded.
 */
#define BPFSEAL_F_RESTORE_SEALS		0x62730002u

/*
 * fcntl(dir_fd, BPFSEAL_F_LOCK_POLICY, public_dir_fd) by CAP_SYS_ADMIN: lock
 * the policy until reboot (bpf/lock.bpf.c). dir_fd is the root of the
 * policy's own bpffs (BPFSEAL_PIN_DIR), public_dir_fd that of
 * BPFSEAL_PUBLIC_DIR. One way: nothing unlocks it.
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
 * "sealed_hint": inodes with seal storage, counted by a hash of their
 * device and inode number (as in struct bpfseal_listed_inode):
 * bpf/seal_lookup.bpf.h, maybe_sealed().
 */
#define BPFSEAL_SEALED_HINT_SLOTS	(1u << 18)
#define BPFSEAL_SEALED_HINT_SLOT(dev, ino) \
	((__u32)((((__u64)(ino) ^ ((__u64)(dev) << 40)) * 0x9E3779B97F4A7C15ULL) >> 46) & \
	 (BPFSEAL_SEALED_HINT_SLOTS - 1))

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
#define BPFSEAL_INODE_HINTED		0x2u	/* counted in sealed_hint */

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
	/* The audit trail (bpf/audit.bpf.h), counted whether anyone listens or not. */
	long long denials;		/* operations refused, by every hook */
	long long seal_requests_refused;	/* requests to add seals refused */
	long long audit_records;	/* records made: the next record's sequence number */
	long long audit_dropped;	/* records a consumer's ring had no room for */
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

/*
 * The audit trail: one record for every refusal, seal added, refused seal
 * request and policy change, written by the policy into the ring buffer of
 * every consumer attached (bpf/audit.bpf.h explains the fan-out; sealctl(8)
 * the fields as `sealctl monitor --json` shows them).
 */
#define BPFSEAL_AUDIT_CONSUMERS_MAX	8	/* slots in the "audit_rings" map */
#define BPFSEAL_AUDIT_NAME_MAX		256	/* last path component, NUL included */

/* Record types. */
#define BPFSEAL_AUDIT_DENIED		1	/* an operation refused by a seal */
#define BPFSEAL_AUDIT_SEALED		2	/* seals added to an inode */
#define BPFSEAL_AUDIT_SEAL_REFUSED	3	/* a request to add seals refused */
#define BPFSEAL_AUDIT_POLICY		4	/* the policy loaded, unloaded or locked */

/* Operations: what was refused (or done). */
#define BPFSEAL_OP_OTHER		0	/* a write the policy cannot name: see `syscall` */
#define BPFSEAL_OP_WRITE		1
#define BPFSEAL_OP_PWRITE		2
#define BPFSEAL_OP_WRITEV		3
#define BPFSEAL_OP_PWRITEV		4
#define BPFSEAL_OP_PWRITEV2		5
#define BPFSEAL_OP_AIO			6	/* io_submit */
#define BPFSEAL_OP_IO_URING		7	/* a write submitted through io_uring */
#define BPFSEAL_OP_SPLICE		8
#define BPFSEAL_OP_SENDFILE		9
#define BPFSEAL_OP_COPY_FILE_RANGE	10
#define BPFSEAL_OP_REFLINK		11	/* FICLONE, FICLONERANGE, FIDEDUPERANGE; detail: the ioctl */
#define BPFSEAL_OP_FALLOCATE		12	/* detail: the mode */
#define BPFSEAL_OP_TRUNCATE		13	/* detail: the new size */
#define BPFSEAL_OP_FTRUNCATE		14	/* detail: the new size */
#define BPFSEAL_OP_OPEN_TRUNC		15	/* open(O_TRUNC); detail: 0 */
#define BPFSEAL_OP_MMAP			16	/* detail: prot | flags << 32 */
#define BPFSEAL_OP_MPROTECT		17	/* detail: prot */
#define BPFSEAL_OP_CHMOD		18	/* detail: the new mode */
#define BPFSEAL_OP_ACL			19	/* setting an access ACL */
#define BPFSEAL_OP_IOCTL		20	/* detail: the command */
#define BPFSEAL_OP_KERNEL_WRITER_OPEN	21	/* reason: which writer (BPFSEAL_REASON_WRITER_*) */
#define BPFSEAL_OP_QUOTA_ON		22
#define BPFSEAL_OP_UNLINK		23
#define BPFSEAL_OP_RENAME		24
#define BPFSEAL_OP_LINK			25
#define BPFSEAL_OP_ADD_SEALS		26	/* detail: BPFSEAL_ADD_PERSIST if asked */
#define BPFSEAL_OP_FENCE_XATTR		27	/* a use of the fence xattr the policy refuses */
#define BPFSEAL_OP_WRITE_IN_FLIGHT	28	/* a write past its check when a seal went in */
#define BPFSEAL_OP_KERNEL_WRITE		29	/* a write by a kernel thread (nfsd, ksmbd) */
#define BPFSEAL_OP_LOAD			30	/* detail: 1 for a fresh policy, 0 for a reload */
#define BPFSEAL_OP_UNLOAD		31
#define BPFSEAL_OP_LOCK			32
#define BPFSEAL_OP_COUNT		33

/* Why, where the errno and the seals do not say it all. */
#define BPFSEAL_REASON_NONE		0
#define BPFSEAL_REASON_NO_FACTS		1	/* a write the policy could not place (reflink): refused whole */
#define BPFSEAL_REASON_OVERLAY		2	/* the real file under an overlay file is sealed */
#define BPFSEAL_REASON_SEALS_UNKNOWN	3	/* the inode came back without its seals: refused */
#define BPFSEAL_REASON_WRITER_KERNEL_THREAD 4	/* opener: a kernel thread */
#define BPFSEAL_REASON_WRITER_BACKING_FILE 5	/* opener: overlayfs or FUSE passthrough */
#define BPFSEAL_REASON_WRITER_IN_CALL	6	/* opener: another system call (`syscall`: swapon, configfs write) */
#define BPFSEAL_REASON_WRITER_ACCT	7	/* opener: acct(2) */
#define BPFSEAL_REASON_WRITER_CORE_DUMP	8	/* opener: a core dump */
#define BPFSEAL_REASON_LOOP		9	/* ioctl: a writable loop device over the file */
#define BPFSEAL_REASON_MD_BITMAP	10	/* ioctl: an md bitmap in the file */
#define BPFSEAL_REASON_EXTENT_SWAP	11	/* ioctl: extents swapped while sealed inodes exist */
#define BPFSEAL_REASON_F2FS		12	/* ioctl: f2fs trim or atomic replace */
#define BPFSEAL_REASON_FS_UUID		13	/* ioctl: a filesystem UUID change would orphan records */
/* Seal requests (BPFSEAL_AUDIT_SEAL_REFUSED), memfd_add_seals()'s order first. */
#define BPFSEAL_REASON_NOT_REGULAR	20	/* EINVAL */
#define BPFSEAL_REASON_NOT_WRITABLE	21	/* EPERM: descriptor not open for writing */
#define BPFSEAL_REASON_UNKNOWN_BITS	22	/* EINVAL */
#define BPFSEAL_REASON_NOT_OWNER	23	/* EPERM: neither owner nor CAP_FOWNER */
#define BPFSEAL_REASON_SEALED		24	/* EPERM: `seal` is set */
#define BPFSEAL_REASON_NO_IDENTITY	25	/* EINVAL: no identity survives eviction here */
#define BPFSEAL_REASON_PERSIST_NOT_ROOT	26	/* EPERM: only root persists seals */
#define BPFSEAL_REASON_FULL		27	/* ENOSPC */
#define BPFSEAL_REASON_NO_MEMORY	28	/* ENOMEM */
#define BPFSEAL_REASON_KERNEL_WRITER	29	/* EBUSY: loop, swap, quota or a core dump writes it */
#define BPFSEAL_REASON_DIRECT_IO	30	/* EBUSY: direct I/O in flight (callers may retry) */
#define BPFSEAL_REASON_MAPPINGS		31	/* EBUSY: shared mappings that may write */
#define BPFSEAL_REASON_PINS		32	/* EBUSY: pages referenced for I/O (callers may retry) */
#define BPFSEAL_REASON_RACE		33	/* EPERM: `seal` went in meanwhile */
#define BPFSEAL_REASON_COUNT		34

/*
 * One record. Every field is written by the policy; strings are
 * NUL-terminated. `size` lets a consumer refuse a layout it does not know.
 */
struct bpfseal_audit_record {
	unsigned int size;		/* sizeof(struct bpfseal_audit_record) */
	unsigned int type;		/* BPFSEAL_AUDIT_* */
	unsigned long long seq;		/* records made before this one since the policy was loaded */
	unsigned long long boot_ns;	/* CLOCK_BOOTTIME */
	unsigned int operation;		/* BPFSEAL_OP_* */
	int error;			/* the errno the caller saw (memfd's), 0 for SEALED and POLICY */
	/*
	 * DENIED: the seals that refused it (each refuses it on its own);
	 * SEALED: the seals newly added; SEAL_REFUSED: the seals asked for.
	 */
	unsigned int seals;
	unsigned int seals_in_force;	/* all the inode's seals at that moment */
	unsigned int reason;		/* BPFSEAL_REASON_* */
	int syscall;			/* x86_64 number the task was in, -1 for none */
	unsigned long long detail;	/* per operation: see BPFSEAL_OP_* */
	unsigned long long dev;		/* kernel encoding: major << 20 | minor; 0 for POLICY */
	unsigned long long ino;
	unsigned long long cgroup_id;
	unsigned int tgid;		/* the process */
	unsigned int pid;		/* the thread */
	unsigned int uid;		/* real uid */
	unsigned int loginuid;		/* 4294967295: unset, or no audit support */
	char comm[16];
	char name[BPFSEAL_AUDIT_NAME_MAX];	/* last path component, "" if none */
};

/*
 * fcntl(any fd, BPFSEAL_F_AUDIT_NOTE, operation | detail << 8), operation
 * BPFSEAL_OP_LOAD, UNLOAD or LOCK: the policy records a change made to it
 * (sealctl asks; only CAP_SYS_ADMIN in the initial user namespace is
 * heard).
 */
#define BPFSEAL_F_AUDIT_NOTE		0x62730004u

/*
 * Every fcntl command above: the programs tell them apart by number alone
 * (each file_fcntl program takes its own), so no two may share one;
 * bpf/add_seals.bpf.c makes a duplicate a compile error.
 */
#define BPFSEAL_FCNTL_COMMANDS(X) \
	X(BPFSEAL_F_ADD_SEALS) X(BPFSEAL_F_RESTORE_SEALS) X(BPFSEAL_F_LOCK_POLICY) X(BPFSEAL_F_AUDIT_NOTE)

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
