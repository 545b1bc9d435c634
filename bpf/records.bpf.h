/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Seals that outlive the in-memory inode.
 *
 * Inode storage, where the hooks find seals in one lookup, is freed with the
 * in-memory inode: on a disk filesystem an inode nobody holds can be evicted
 * (memory pressure, drop_caches, umount) and come back later as a new
 * struct inode without storage. So every seal on such a filesystem also has
 * a record in the "records" map, keyed by what identifies the inode for as
 * long as it exists: the filesystem's UUID (sb->s_uuid), the inode number
 * and its generation, which the filesystem changes when it reuses the number
 * after a delete (ext4 draws a random one per inode, xfs per chunk and then
 * increments it on every free).
 *  - Adding a seal makes the record first, or refuses the seal (ENOSPC) when
 *    the map is full: a seal is never accepted that could be lost later.
 *  - d_instantiate, which every route from a name or a handle to an inode
 *    passes before the inode is reachable (d_splice_alias, d_add,
 *    d_instantiate, d_obtain_alias), restores the record into storage:
 *    restore_seals in records.bpf.c. Once restored, the inode is like any
 *    sealed one.
 *  - Eviction (inode_free_security) keeps the record while the inode still
 *    has a link, and drops it when the last link is gone (the inode is freed
 *    on disk): forget_inode in records.bpf.c.
 *  - If restore cannot make storage (allocation failure), the count in
 *    restore_failures makes the path hooks (open, setattr, xattr) look the
 *    record up themselves, and refuse what they cannot judge.
 * Which filesystems: memory-backed ones (tmpfs, hugetlbfs, ramfs) never
 * evict a linked inode, so storage is enough; ext2/3/4 and xfs have a UUID
 * and a generation that changes on reuse, so a record identifies exactly one
 * inode; elsewhere (btrfs subvolumes share one UUID and inode numbers; vfat
 * draws a new generation at every read; NFS, FUSE, overlayfs) no identity
 * survives eviction, and sealing is refused.
 * The eviction of one in-memory copy can overlap with the next copy being
 * read in (evict() unhashes the inode before it frees it): records count the
 * in-memory copies that carry them instead of holding one flag.
 */
#ifndef BPFSEAL_RECORDS_BPF_H
#define BPFSEAL_RECORDS_BPF_H

#include "bpfseal.bpf.h"

#define EXT4_SUPER_MAGIC	0xEF53
#define XFS_SUPER_MAGIC		0x58465342
#define RAMFS_MAGIC		0x858458f6
#define ENOSPC			28
#define EOPNOTSUPP		95

enum seal_keeping {
	KEPT_IN_MEMORY,		/* the inode lives as long as the file: storage alone */
	KEPT_BY_RECORD,		/* a record restores the seals after eviction */
	CANNOT_KEEP,		/* no identity survives eviction: sealing is refused */
};

static __always_inline bool fs_uuid_of(struct super_block *sb, __u64 uuid[2])
{
	bpf_probe_read_kernel(uuid, 16, &sb->s_uuid);
	return uuid[0] || uuid[1];
}

static __always_inline enum seal_keeping seal_keeping(struct inode *inode)
{
	struct super_block *sb = inode->i_sb;
	unsigned long magic = sb->s_magic;
	__u64 uuid[2];

	if (magic == TMPFS_MAGIC || magic == HUGETLBFS_MAGIC || magic == RAMFS_MAGIC)
		return KEPT_IN_MEMORY;
	if ((magic == EXT4_SUPER_MAGIC || magic == XFS_SUPER_MAGIC) && fs_uuid_of(sb, uuid))
		return KEPT_BY_RECORD;
	return CANNOT_KEEP;
}

static __always_inline void inode_identity(struct inode *inode, struct bpfseal_identity *id)
{
	__builtin_memset(id, 0, sizeof(*id));
	bpf_probe_read_kernel(id->fs_uuid, sizeof(id->fs_uuid), &inode->i_sb->s_uuid);
	id->ino = inode->i_ino;
	id->generation = inode->i_generation;
}

/*
 * List the inode for the tracing programs (write_facts.bpf.c,
 * write_fence.bpf.c find sealed inodes there, by address), before any seal
 * bit goes in. NULL when the listing is full: the caller refuses the seal.
 */
static __always_inline struct bpfseal_listed_inode *list_inode(struct inode *inode)
{
	struct bpfseal_policy_state *st = get_policy_state();
	__u64 key = (__u64)inode;
	struct bpfseal_listed_inode entry = {
		.dev = BPF_CORE_READ(inode, i_sb, s_dev),
		.ino = BPF_CORE_READ(inode, i_ino),
	};

	__u32 dev = (__u32)entry.dev;
	__u8 one = 1;

	if (!bpf_map_update_elem(&sealed_inodes, &key, &entry, BPF_NOEXIST) && st)
		__sync_fetch_and_add(&st->sealed_in_memory, 1);
	bpf_map_update_elem(&sealed_devs, &dev, &one, BPF_ANY);
	return bpf_map_lookup_elem(&sealed_inodes, &key);
}

/* Which write facts and ioctl refusals the seals now in force need (policy_state). */
static __always_inline void note_needed_facts(__u32 seals)
{
	struct bpfseal_policy_state *st = get_policy_state();

	if (!st)
		return;
	if ((seals & (BPFSEAL_SEALS_SIZE | BPFSEAL_SEAL_APPEND)) && !(seals & BPFSEAL_SEALS_NO_CONTENT_CHANGE) &&
	    !st->need_rw_facts)
		__sync_fetch_and_or(&st->need_rw_facts, 1);
	if ((seals & BPFSEAL_SEALS_CONTENT) && !st->need_fallocate_facts)
		__sync_fetch_and_or(&st->need_fallocate_facts, 1);
	if ((seals & BPFSEAL_SEALS_CONTENT) && !st->content_seals_exist)
		__sync_fetch_and_or(&st->content_seals_exist, 1);
}

/*
 * This in-memory inode carries the record from now on (once per inode):
 * take its seals, and count it.
 */
static __always_inline void carry_record(struct inode *inode, struct bpfseal_inode *v,
					 struct bpfseal_record *rec)
{
	struct bpfseal_policy_state *st = get_policy_state();
	struct bpfseal_listed_inode *listed;
	__u32 seals = rec->seals;

	rec->dev = BPF_CORE_READ(inode, i_sb, s_dev);
	if (!(__sync_fetch_and_or(&v->flags, BPFSEAL_INODE_HAS_RECORD) & BPFSEAL_INODE_HAS_RECORD) &&
	    __sync_fetch_and_add(&rec->in_memory, 1) == 0 && st)
		__sync_fetch_and_sub(&st->records_evicted, 1);
	if (!seals)
		return;
	__sync_fetch_and_or(&v->seals, seals);
	note_needed_facts(seals);
	listed = list_inode(inode);
	if (listed)
		__sync_fetch_and_or(&listed->seals, seals);
}

/*
 * The inode's record, made (empty) if it has none yet, before a seal goes
 * in. An existing one (another in-memory copy of the inode, or a persisted
 * record loaded while this inode was already in memory) lends its seals.
 * -ENOSPC when the map is full.
 */
static __always_inline int keep_record(struct inode *inode, struct bpfseal_inode *v)
{
	struct bpfseal_policy_state *st = get_policy_state();
	struct bpfseal_record fresh = { .dev = BPF_CORE_READ(inode, i_sb, s_dev) }, *rec;
	int err;

	if (!(v->flags & BPFSEAL_INODE_HAS_RECORD))
		inode_identity(inode, &v->id);
	rec = bpf_map_lookup_elem(&records, &v->id);
	if (!rec) {
		err = bpf_map_update_elem(&records, &v->id, &fresh, BPF_NOEXIST);
		if (!err && st) {
			__sync_fetch_and_add(&st->records, 1);
			__sync_fetch_and_add(&st->records_evicted, 1);	/* until carried, below */
		}
		rec = bpf_map_lookup_elem(&records, &v->id);
	}
	if (!rec) {
		if (st)
			__sync_fetch_and_add(&st->seals_refused_full, 1);
		return -ENOSPC;
	}
	carry_record(inode, v, rec);
	return 0;
}

/* After a successful add: the record holds every seal in force, and persistence if asked. */
static __always_inline void record_seals(struct bpfseal_inode *v, bool persist)
{
	struct bpfseal_policy_state *st = get_policy_state();
	struct bpfseal_record *rec;

	if (!(v->flags & BPFSEAL_INODE_HAS_RECORD))
		return;
	rec = bpf_map_lookup_elem(&records, &v->id);
	if (!rec)
		return;
	__sync_fetch_and_or(&rec->seals, v->seals);
	if (persist && !(__sync_fetch_and_or(&rec->flags, BPFSEAL_RECORD_PERSISTED) & BPFSEAL_RECORD_PERSISTED) &&
	    st)
		__sync_fetch_and_add(&st->records_persisted, 1);
}

enum restore_result {
	RESTORE_NO_RECORD,
	RESTORE_DONE,
	RESTORE_NO_STORAGE,	/* a record exists, but storage could not be made */
};

/* Bring an inode's record back into its storage, if it has one. */
static __always_inline enum restore_result restore_from_record(struct inode *inode)
{
	struct bpfseal_identity id;
	struct bpfseal_record *rec;
	struct bpfseal_inode *v;

	inode_identity(inode, &id);
	rec = bpf_map_lookup_elem(&records, &id);
	if (!rec)
		return RESTORE_NO_RECORD;
	v = inode_storage_create(inode);
	if (!v)
		return RESTORE_NO_STORAGE;
	if (!(v->flags & BPFSEAL_INODE_HAS_RECORD))
		v->id = id;	/* the same value from every restorer */
	carry_record(inode, v, rec);
	return RESTORE_DONE;
}

/* Not a seal: the marker inode_seals_by_path() adds when it cannot tell. */
#define SEALS_UNKNOWN	0x80000000u

/*
 * The seals of an inode a path hook reached (open, setattr, xattr, quota).
 * Normally inode_seals(); but if some inode came back into memory without
 * storage (restore_failures), look its record up here and restore it, and
 * if that fails too, answer every seal plus SEALS_UNKNOWN: unknown means no.
 */
static __always_inline __u32 inode_seals_by_path(struct inode *inode)
{
	struct bpfseal_inode *v = inode_storage(inode);
	struct bpfseal_policy_state *st;

	if (v)
		return stored_seals(v);
	st = get_policy_state();
	if (!st || st->restore_failures <= 0 || seal_keeping(inode) != KEPT_BY_RECORD)
		return 0;
	switch (restore_from_record(inode)) {
	case RESTORE_DONE:
		return inode_seals(inode);
	case RESTORE_NO_STORAGE:
		return BPFSEAL_SEAL_ALL | SEALS_UNKNOWN;
	default:
		return 0;
	}
}

#endif
