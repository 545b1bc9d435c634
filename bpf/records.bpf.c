// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Seals across eviction: restore when an inode comes back into memory,
 * keep or drop the record when it leaves. The mechanism: records.bpf.h.
 */
#include "records.bpf.h"

SEC("lsm/d_instantiate")
void BPF_PROG(restore_seals, struct dentry *dentry, struct inode *inode)
{
	struct bpfseal_policy_state *st = get_policy_state();

	if (!inode || !st || st->records <= 0 || !is_regular(inode))
		return;
	/* Another alias of an inode already in memory: nothing to restore. */
	if (seal_keeping(inode) != KEPT_BY_RECORD || inode_storage(inode))
		return;
	if (restore_from_record(inode) == RESTORE_NO_STORAGE)
		__sync_fetch_and_add(&st->restore_failures, 1);
}

/* The inode leaves memory, and its storage with it. */
SEC("lsm/inode_free_security")
void BPF_PROG(forget_inode, struct inode *inode)
{
	struct bpfseal_inode *v = inode_storage(inode);
	struct bpfseal_policy_state *st;
	struct bpfseal_record *rec;
	__u64 key = (__u64)inode;
	__u32 *hint;
	int left;

	/* Only inodes that were sealed, or asked to be, have storage: the rest return here. */
	if (!v)
		return;
	hint = sealed_hint_slot(inode);
	if (hint && (v->flags & BPFSEAL_INODE_HINTED))
		__sync_fetch_and_sub(hint, 1);
	st = get_policy_state();
	if (!st)
		return;
	if (!bpf_map_delete_elem(&sealed_inodes, &key))
		__sync_fetch_and_sub(&st->sealed_in_memory, 1);
	if (!(v->flags & BPFSEAL_INODE_HAS_RECORD))
		return;
	rec = bpf_map_lookup_elem(&records, &v->id);
	if (!rec)
		return;
	rec->dev = BPF_CORE_READ(inode, i_sb, s_dev);
	left = __sync_fetch_and_sub(&rec->in_memory, 1) - 1;
	/*
	 * The last link is gone and the filesystem frees the inode: its number
	 * may come back with another generation, the record never. A record no
	 * seal went into (a refused request) goes with its last copy too.
	 */
	if (inode->i_nlink == 0 || (left <= 0 && !rec->seals)) {
		if (rec->flags & BPFSEAL_RECORD_PERSISTED)
			__sync_fetch_and_sub(&st->records_persisted, 1);
		if (!bpf_map_delete_elem(&records, &v->id))
			__sync_fetch_and_sub(&st->records, 1);
		return;
	}
	if (left == 0)
		__sync_fetch_and_add(&st->records_evicted, 1);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
