// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Test-only: programs root could load against an unlocked policy
 * (locked_test.c). An fmod_ret program may skip any security_* call with an
 * answer of its own; an LSM program adds decisions of its own. Locked mode
 * refuses to load either.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#define F_GET_SEALS	1034	/* F_LINUX_SPECIFIC_BASE + 10 */

SEC("fmod_ret/security_file_permission")
int BPF_PROG(around_file_permission, struct file *file, int mask, int ret)
{
	return 0;
}

SEC("lsm/file_permission")
int BPF_PROG(allow_every_write, struct file *file, int mask, int ret)
{
	return 0;
}

/* Every F_GET_SEALS answered "shrink, grow, write, seal": any file would look sealed to a receiver. */
SEC("fmod_ret/security_file_fcntl")
int BPF_PROG(spoof_get_seals, struct file *file, unsigned int cmd, unsigned long arg, int ret)
{
	return cmd == F_GET_SEALS ? 0xf : ret;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
