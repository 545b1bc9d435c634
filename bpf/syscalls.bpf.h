/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The system call the current task is in, and its arguments (x86_64). */
#ifndef BPFSEAL_SYSCALLS_BPF_H
#define BPFSEAL_SYSCALLS_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

/* x86_64 system call numbers */
#define NR_write		1
#define NR_ioctl		16
#define NR_pwrite64		18
#define NR_writev		20
#define NR_sendfile		40
#define NR_acct			163
#define NR_io_submit		209
#define NR_splice		275
#define NR_fallocate		285
#define NR_pwritev		296
#define NR_copy_file_range	326
#define NR_pwritev2		328
#define NR_io_uring_enter	426

/* The system call a task is in (orig_ax), or -1. A direct load: no probe-read call. */
static __always_inline __s64 task_syscall(struct task_struct *task)
{
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(task);

	return regs ? (__s64)regs->orig_ax : -1;
}

static __always_inline __s64 current_syscall(void)
{
	return task_syscall(bpf_get_current_task_btf());
}

/* The second system call argument (fallocate's mode, ioctl's command). */
static __always_inline __u64 syscall_arg2(void)
{
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());

	return regs ? BPF_CORE_READ(regs, si) : 0;
}

#endif
