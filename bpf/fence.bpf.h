/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The in-flight write fence's xattr (write_fence.bpf.c): its name and its one allowed use. */
#ifndef BPFSEAL_FENCE_BPF_H
#define BPFSEAL_FENCE_BPF_H

#include "creds.bpf.h"
#include "kernel.bpf.h"
#include "bpfseal_abi.h"

#define FENCE_XATTR_LEN sizeof(BPFSEAL_FENCE_XATTR)

static __always_inline bool is_fence_xattr(const char *name)
{
	char buf[FENCE_XATTR_LEN] = {};

	if (bpf_probe_read_kernel_str(buf, sizeof(buf), name) != sizeof(buf))
		return false;
	return __builtin_memcmp(buf, BPFSEAL_FENCE_XATTR, sizeof(buf)) == 0;
}

/* The one use of the fence name the policy allows (write_fence.bpf.c). */
static __always_inline bool fence_request_ok(struct dentry *dentry, size_t size, int flags)
{
	struct inode *inode = dentry->d_inode;

	return inode && size == 0 && flags == XATTR_REPLACE && caller_may_seal(inode);
}

#endif
