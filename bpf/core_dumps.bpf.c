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

/*
 * The count lets add_seals skip walking the table while nobody dumps core:
 * a walk visits every bucket, full or not.
 */
SEC("fentry/dump_emit")
int BPF_PROG(note_core_dump, struct coredump_params *cprm)
{
	struct bpfseal_policy_state *st = get_policy_state();
	__u64 task = bpf_get_current_pid_tgid();
	__u64 inode = (__u64)BPF_CORE_READ(cprm, file, f_inode);

	if (!st)
		return 0;
	/* Counted before it is visible, so a reader of the count never misses it.
	 * Every emit of a dump lands here; only its first adds an entry. */
	__sync_fetch_and_add(&st->core_dumps_in_progress, 1);
	if (bpf_map_update_elem(&core_dumps, &task, &inode, BPF_NOEXIST))
		__sync_fetch_and_sub(&st->core_dumps_in_progress, 1);
	return 0;
}

static __always_inline void forget_core_dump(void)
{
	struct bpfseal_policy_state *st = get_policy_state();
	__u64 task = bpf_get_current_pid_tgid();

	if (st && !bpf_map_delete_elem(&core_dumps, &task))
		__sync_fetch_and_sub(&st->core_dumps_in_progress, 1);
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
