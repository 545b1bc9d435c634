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
 * -EPERM if cond, else 0. Hidden from clang, or it returns -(cond): a
 * negation whose range the verifier cannot follow.
 */
static __always_inline int refuse_if(bool cond)
{
	int denied = -EPERM;

	barrier_var(denied);
	return cond ? denied : 0;
}

/*
 * A rule's errno (seal_rules.h) as an LSM hook's answer. The verifier wants
 * the value seen to stay within [-4095, 0] as 64 bits, and follows no
 * negation (6.12); clang, left to itself, negates a value that may be 0 or
 * an errno in 32 bits. So: 0 - err in 64 bits, in assembly, a subtraction
 * the verifier follows. Anything but 0 or an errno is a bug, and refuses.
 */
static __always_inline int lsm_answer(int err)
{
	__s64 answer, e = err;

	if (!e)
		return 0;
	if (e < 0 || e >= 4096)
		e = EPERM;
	asm volatile("%[answer] = 0; %[answer] -= %[e]" : [answer] "=&r"(answer) : [e] "r"(e));
	return answer;
}

#endif
