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
#include "audit.bpf.h"
#include "records.bpf.h"

#define ATTR_FILE	(1 << 13)	/* ftruncate, and open(O_TRUNC) */
#define ATTR_OPEN	(1 << 15)	/* open(O_TRUNC) */

/* The refusal's record: a size change (which kind) or a mode change. */
static __noinline void audit_refused_setattr(struct dentry *dentry, struct iattr *attr, __u32 seals)
{
	struct inode *inode = BPF_CORE_READ(dentry, d_inode);
	unsigned int valid = BPF_CORE_READ(attr, ia_valid), old_mode = BPF_CORE_READ(inode, i_mode);
	unsigned int new_mode = BPF_CORE_READ(attr, ia_mode);
	long long old_size = BPF_CORE_READ(inode, i_size), new_size = BPF_CORE_READ(attr, ia_size);
	__u32 blockers, operation, reason = seals & SEALS_UNKNOWN ? BPFSEAL_REASON_SEALS_UNKNOWN : 0;

	blockers = SEAL_RULES_BLOCKERS(seals, one, seal_rules_setattr(one, valid & ATTR_SIZE, old_size, new_size,
								     0, old_mode, new_mode));
	if (blockers) {
		operation = valid & ATTR_OPEN ? BPFSEAL_OP_OPEN_TRUNC :
			    valid & ATTR_FILE ? BPFSEAL_OP_FTRUNCATE : BPFSEAL_OP_TRUNCATE;
		audit_denied_dentry(dentry, operation, blockers, seals, EPERM, new_size, reason);
		return;
	}
	blockers = SEAL_RULES_BLOCKERS(seals, one, seal_rules_setattr(one, 0, old_size, new_size,
								     valid & ATTR_MODE, old_mode, new_mode));
	audit_denied_dentry(dentry, BPFSEAL_OP_CHMOD, blockers, seals, EPERM, new_mode & 07777, reason);
}

static __always_inline int judge_setattr(struct dentry *dentry, struct iattr *attr)
{
	struct inode *inode = dentry->d_inode;
	unsigned int valid = attr->ia_valid;
	__u32 seals;
	int refuse;

	if (!(valid & (ATTR_SIZE | ATTR_MODE)) || !inode)
		return 0;
	seals = inode_seals_by_path(inode);
	if (!seals)
		return 0;
	refuse = seal_rules_setattr(seals, valid & ATTR_SIZE, inode->i_size, attr->ia_size,
				    valid & ATTR_MODE, inode->i_mode, attr->ia_mode);
	if (refuse)
		audit_refused_setattr(dentry, attr, seals);
	return lsm_answer(refuse);
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
