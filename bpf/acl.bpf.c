// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * EXEC and POSIX ACLs: setting an access ACL rewrites the group class bits
 * of i_mode (posix_acl_update_mode) without going through inode_setattr,
 * so an EXEC-sealed file refuses access-ACL changes. 6.2+ routes them to
 * inode_set_acl; 6.1 only to inode_setxattr("system.posix_acl_access").
 */
#include "audit.bpf.h"
#include "records.bpf.h"

#define ACL_ACCESS_NAME "system.posix_acl_access"

static __always_inline int judge_acl(struct dentry *dentry, const char *name)
{
	char buf[sizeof(ACL_ACCESS_NAME)] = {};
	struct inode *inode = dentry->d_inode;
	__u32 seals;

	if (!inode)
		return 0;
	seals = inode_seals_by_path(inode);
	if (!(seals & BPFSEAL_SEAL_EXEC))
		return 0;
	bpf_probe_read_kernel_str(buf, sizeof(buf), name);
	if (__builtin_memcmp(buf, ACL_ACCESS_NAME, sizeof(buf)) == 0) {
		audit_denied_dentry(dentry, BPFSEAL_OP_ACL, BPFSEAL_SEAL_EXEC, seals, EPERM, 0, BPFSEAL_REASON_NONE);
		return -EPERM;
	}
	return 0;
}

SEC("lsm/inode_set_acl")
int BPF_PROG(check_set_acl, struct mnt_idmap *idmap, struct dentry *dentry,
	     const char *acl_name, struct posix_acl *kacl, int ret)
{
	if (ret)
		return ret;
	return judge_acl(dentry, acl_name);
}

/*
 * Both prototypes (user_namespace or mnt_idmap first) put dentry and name
 * second and third.
 *
 * inode_setxattr's default is 1, not 0: security_inode_setxattr() runs the
 * capability check (CAP_SYS_ADMIN for security.*, e.g. security.capability)
 * only when every LSM answered 1. Answering 0 here would let any user set
 * file capabilities. So: -EPERM to refuse, 1 for "no objection".
 */
#define INODE_SETXATTR_DEFAULT 1

SEC("lsm/inode_setxattr")
int BPF_PROG(check_setxattr, void *idmap, struct dentry *dentry, const char *name)
{
	/* ret is the 7th argument; read it from ctx to stay prototype-agnostic. */
	int ret = (int)ctx[6];

	if (ret && ret != INODE_SETXATTR_DEFAULT)
		return ret;
	/*
	 * Before 6.10 (no inode_xattr_skipcap) the fence xattr is allowed the
	 * same way: 0 for its one permitted use skips the CAP_SYS_ADMIN check
	 * (write_fence.bpf.c), -EPERM for any other.
	 */
	if (is_fence_xattr(name)) {
		if (fence_request_ok(dentry, (size_t)ctx[4], (int)ctx[5]))
			return 0;
		audit_refused_fence_xattr(dentry);
		return -EPERM;
	}
	return judge_acl(dentry, name) ?: INODE_SETXATTR_DEFAULT;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
