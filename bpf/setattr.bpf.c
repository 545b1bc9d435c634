// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Size and mode rules, where the kernel shows the new values: inode_setattr
 * runs for truncate(2), ftruncate(2), open(O_TRUNC) and chmod/fchmod, under
 * the inode lock, on every kernel. (file_truncate/path_truncate come first
 * but do not see the new size.)
 * (seal_rules_setattr(): SHRINK, GROW, EXEC.)
 * The hook gained a leading `struct mnt_idmap *` in 6.9; the loader keeps
 * the program whose prototype matches the running kernel.
 */
#include "records.bpf.h"

static __always_inline int judge_setattr(struct dentry *dentry, struct iattr *attr)
{
	struct inode *inode = dentry->d_inode;
	unsigned int valid = attr->ia_valid;
	__u32 seals;

	if (!(valid & (ATTR_SIZE | ATTR_MODE)) || !inode)
		return 0;
	seals = inode_seals_by_path(inode);
	if (!seals)
		return 0;
	return lsm_answer(seal_rules_setattr(seals, valid & ATTR_SIZE, inode->i_size, attr->ia_size,
					     valid & ATTR_MODE, inode->i_mode, attr->ia_mode));
}

SEC("lsm/inode_setattr")
int BPF_PROG(check_setattr, struct mnt_idmap *idmap, struct dentry *dentry, struct iattr *attr, int ret)
{
	if (ret)
		return ret;
	return judge_setattr(dentry, attr);
}

/* Before 6.9: inode_setattr(struct dentry *, struct iattr *). */
SEC("lsm/inode_setattr")
int BPF_PROG(check_setattr_noidmap, struct dentry *dentry, struct iattr *attr, int ret)
{
	if (ret)
		return ret;
	return judge_setattr(dentry, attr);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
