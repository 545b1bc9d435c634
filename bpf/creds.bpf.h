/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Who the caller is: its capabilities, and whether it may seal an inode. */
#ifndef BPFSEAL_CREDS_BPF_H
#define BPFSEAL_CREDS_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

#define CAP_FOWNER	3
#define CAP_SYS_ADMIN	21

/*
 * Does cred hold cap in the initial user namespace (level 0), the only one
 * whose capabilities reach every file and the whole machine? kernel_cap_t
 * is u32[2] before 6.3 and u64 after: the same 8 bytes.
 */
static __always_inline bool cred_capable(const struct cred *cred, int cap)
{
	__u64 caps = 0;

	bpf_core_read(&caps, sizeof(caps), &cred->cap_effective);
	return (caps & (1ULL << cap)) && BPF_CORE_READ(cred, user_ns, level) == 0;
}

static __always_inline bool current_capable(int cap)
{
	return cred_capable(bpf_get_current_task_btf()->cred, cap);
}

/* CAP_SYS_ADMIN: an administrator of the machine. */
static __always_inline bool machine_admin(void)
{
	return current_capable(CAP_SYS_ADMIN);
}

/* Who may add seals to an inode: its owner, or CAP_FOWNER over all files. */
static __always_inline bool caller_may_seal(struct inode *inode)
{
	struct task_struct *task = bpf_get_current_task_btf();
	const struct cred *cred = task->cred;

	if (BPF_CORE_READ(cred, fsuid.val) == BPF_CORE_READ(inode, i_uid.val))
		return true;
	return cred_capable(cred, CAP_FOWNER);
}

#endif
