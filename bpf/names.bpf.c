// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * NAME: the names of an inode stay bound to it. No name is removed
 * (unlink, rename away), replaced (rename over it, RENAME_EXCHANGE either
 * way: the kernel asks inode_rename once for each direction) or added
 * (link), as chattr +i does for names. Directories above the file are not
 * covered: renaming one moves the name with it (README, "The seals").
 * Seals come from inode_seals_by_path(): these run before any open.
 */
#include "audit.bpf.h"
#include "records.bpf.h"

static __always_inline int judge_name_change(struct dentry *dentry, __u32 operation)
{
	struct inode *inode = dentry ? dentry->d_inode : NULL;
	__u32 seals;
	int refuse;

	if (!inode || !is_regular(inode))
		return 0;
	seals = inode_seals_by_path(inode);
	refuse = seal_rules_name_change(seals);
	if (refuse)
		audit_denied_dentry(dentry, operation, BPFSEAL_SEAL_NAME, seals, refuse, 0, BPFSEAL_REASON_NONE);
	return lsm_answer(refuse);
}

SEC("lsm/inode_unlink")
int BPF_PROG(check_unlink, struct inode *dir, struct dentry *dentry, int ret)
{
	if (ret)
		return ret;
	return judge_name_change(dentry, BPFSEAL_OP_UNLINK);
}

/* The file renamed away, or the one a rename would replace. */
SEC("lsm/inode_rename")
int BPF_PROG(check_rename, struct inode *old_dir, struct dentry *old_dentry, struct inode *new_dir,
	     struct dentry *new_dentry, int ret)
{
	if (ret)
		return ret;
	return judge_name_change(old_dentry, BPFSEAL_OP_RENAME) ?: judge_name_change(new_dentry, BPFSEAL_OP_RENAME);
}

SEC("lsm/inode_link")
int BPF_PROG(check_link, struct dentry *old_dentry, struct inode *dir, struct dentry *new_dentry, int ret)
{
	if (ret)
		return ret;
	return judge_name_change(old_dentry, BPFSEAL_OP_LINK);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
