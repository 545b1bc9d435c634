/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The errnos the policy answers with (vmlinux.h has no macros), and how a hook says them. */
#ifndef BPFSEAL_ANSWERS_BPF_H
#define BPFSEAL_ANSWERS_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#define EPERM	1
#define EAGAIN	11
#define ENOMEM	12
#define EACCES	13
#define EBUSY	16
#define EINVAL	22
#define ETXTBSY	26

/*
 * A rule's errno (seal_rules.h) as an LSM hook's answer. The verifier wants
 * the value seen to stay within [-4095, 0]; spelled as branches, clang keeps
 * them. Anything but 0 or an errno is a bug, and refuses.
 */
static __always_inline int lsm_answer(int err)
{
	if (err > 0 && err < 4096)
		return -err;
	return err ? -EPERM : 0;
}

/*
 * -EPERM if cond, else 0. Hidden from clang, or it returns -(cond): a
 * negation whose range the verifier cannot follow.
 */
static __always_inline int refuse_if(bool cond)
{
	int denied = -EPERM;

	barrier_var(denied);
	return cond ? denied : 0;
}

#endif
