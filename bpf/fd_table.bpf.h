/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The caller's file descriptor table. */
#ifndef BPFSEAL_FD_TABLE_BPF_H
#define BPFSEAL_FD_TABLE_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

/*
 * The file behind fd in the caller's table. Racy by nature (another thread
 * may dup2 over it meanwhile): only for decisions a racing caller gains
 * nothing from, or that only the caller's own privilege could abuse.
 */
static __always_inline struct file *file_of_fd(unsigned int fd)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	struct file **fds;
	struct file *f = NULL;

	if (!fdt || fd >= BPF_CORE_READ(fdt, max_fds))
		return NULL;
	fds = BPF_CORE_READ(fdt, fd);
	bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]);
	return f;
}

#endif
