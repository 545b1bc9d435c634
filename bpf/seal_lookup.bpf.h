/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The seals of an inode: its storage, behind the sealed_hint that answers
 * "none" for most files in one load, and the listing the tracing programs
 * use; the policy's counters.
 */
#ifndef BPFSEAL_SEAL_LOOKUP_BPF_H
#define BPFSEAL_SEAL_LOOKUP_BPF_H

#include "kernel.bpf.h"
#include "maps.bpf.h"
#include <bpf/bpf_core_read.h>

/*
 * The seals in force on an inode, from its storage. A WRITE (APPEND) being
 * added counts as WRITE (APPEND) from the moment the request starts
 * checking for mappings.
 */
static __always_inline __u32 stored_seals(struct bpfseal_inode *v)
{
	__u32 s, write_pending, append_pending;

	if (!v)
		return 0;
	/*
	 * The pending counts first: add_seals commits into seals and only
	 * then drops its count, so a reader that loads them in this order
	 * sees one or the other. (The other order can load seals just before
	 * the commit and the count just after the drop, and see neither.)
	 * x86 keeps loads in order; volatile keeps clang from swapping them.
	 */
	write_pending = *(volatile __u32 *)&v->write_pending;
	append_pending = *(volatile __u32 *)&v->append_pending;
	s = *(volatile __u32 *)&v->seals;
	if (write_pending)
		s |= BPFSEAL_SEAL_WRITE;
	if (append_pending)
		s |= BPFSEAL_SEAL_APPEND;
	return s;
}

static __always_inline __u32 *sealed_hint_slot(struct inode *inode)
{
	/* Not the address: the verifier allows no arithmetic on a trusted pointer. */
	__u32 slot = BPFSEAL_SEALED_HINT_SLOT(inode->i_sb->s_dev, inode->i_ino);

	return bpf_map_lookup_elem(&sealed_hint, &slot);
}

/* False: the inode has no seal storage, so no seal and no listing. */
static __always_inline bool maybe_sealed(struct inode *inode)
{
	__u32 *hint = sealed_hint_slot(inode);

	return !hint || *(volatile __u32 *)hint;
}

/* The inode's storage, if it may have any. */
static __always_inline struct bpfseal_inode *inode_storage(struct inode *inode)
{
	return maybe_sealed(inode) ? bpf_inode_storage_get(&seals, inode, 0, 0) : NULL;
}

static __always_inline __u32 inode_seals(struct inode *inode)
{
	return stored_seals(inode_storage(inode));
}

/*
 * An inode's storage, made if missing, and counted in sealed_hint before it
 * is returned, so before any seal bit can go in. Two CPUs creating it at
 * once: the loser gets NULL from the helper, not the winner's value; look
 * again. The count goes up before the flag says so: whoever finds the flag
 * set finds the count up too.
 */
static __always_inline struct bpfseal_inode *inode_storage_create(struct inode *inode)
{
	struct bpfseal_inode *v = bpf_inode_storage_get(&seals, inode, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	__u32 *hint;

	if (!v)
		v = bpf_inode_storage_get(&seals, inode, 0, 0);
	if (!v || (v->flags & BPFSEAL_INODE_HINTED))
		return v;
	hint = sealed_hint_slot(inode);
	if (!hint)
		return NULL;
	__sync_fetch_and_add(hint, 1);
	if (__sync_fetch_and_or(&v->flags, BPFSEAL_INODE_HINTED) & BPFSEAL_INODE_HINTED)
		__sync_fetch_and_sub(hint, 1);
	return v;
}

/*
 * Is the inode listed (about to be sealed, or sealed)? For tracing programs,
 * which cannot reach inode storage. An inode is listed before its first
 * seal bit and unlisted only when it is freed.
 */
static __always_inline struct bpfseal_listed_inode *listed_inode(struct inode *inode)
{
	__u64 key = (__u64)inode;

	if (!maybe_sealed(inode))
		return NULL;
	return bpf_map_lookup_elem(&sealed_inodes, &key);
}

/* Its committed seals, for the programs that must use the listing. */
static __always_inline __u32 listed_seals(struct inode *inode)
{
	struct bpfseal_listed_inode *l = listed_inode(inode);

	return l ? l->seals : 0;
}

/*
 * The same for an inode or struct file the policy reached through an
 * untrusted pointer (an fd table, private_data): inode storage wants a
 * trusted one, and the hint loads through it.
 */
static __always_inline __u32 listed_seals_at(__u64 inode)
{
	struct bpfseal_listed_inode *l = inode ? bpf_map_lookup_elem(&sealed_inodes, &inode) : NULL;

	return l ? l->seals : 0;
}

static __always_inline __u32 listed_file_seals(struct file *file)
{
	return file ? listed_seals_at((__u64)BPF_CORE_READ(file, f_inode)) : 0;
}

static __always_inline struct bpfseal_policy_state *get_policy_state(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&policy_state, &zero);
}

static __always_inline bool is_regular(struct inode *inode)
{
	return (inode->i_mode & S_IFMT) == S_IFREG;
}

#endif
