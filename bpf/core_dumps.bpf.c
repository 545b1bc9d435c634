// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Core dumps in progress. The kernel writes a core file with __kernel_write,
 * no permission check per write, while the crashing user owns the file and
 * may seal it: add_seals answers EBUSY for a file being dumped into.
 * dump_emit() carries the dump's file (it writes the ELF header first); the
 * dump is over when do_coredump() (vfs_coredump() in later kernels) returns. Both
 * run only while a process dumps core, so nothing else pays for this.
 * A file sealed before the first dump_emit() needs no entry: its first write
 * meets the under-lock check (write_fence.bpf.c), as a new file has no
 * S_NOSEC yet, and the dump fails there.
 */
#include "bpfseal.bpf.h"

SEC("fentry/dump_emit")
int BPF_PROG(note_core_dump, struct coredump_params *cprm)
{
	__u64 task = bpf_get_current_pid_tgid();
	__u64 inode = (__u64)BPF_CORE_READ(cprm, file, f_inode);

	bpf_map_update_elem(&core_dumps, &task, &inode, BPF_ANY);
	return 0;
}

static __always_inline void forget_core_dump(void)
{
	__u64 task = bpf_get_current_pid_tgid();

	bpf_map_delete_elem(&core_dumps, &task);
}

SEC("fexit/do_coredump")
int BPF_PROG(end_core_dump)
{
	forget_core_dump();
	return 0;
}

SEC("fexit/vfs_coredump")
int BPF_PROG(end_core_dump_renamed)
{
	forget_core_dump();
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
