// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Files the kernel itself writes, with no per-write permission check: the
 * file is handed over once, and that is where the policy refuses a sealed
 * one.
 *   swapon(2): swap writes the file's blocks directly.
 *   acct(2): process accounting appends records.
 * (Quota files, also written by the kernel, are not covered: README, Limits.)
 * file_open sees every open; it looks at the seals first, so an unsealed
 * file costs one lookup, and asks which system call opens only for sealed
 * ones. (The other order, sealing a file that swap already uses, is EBUSY
 * in add_seals.bpf.c.)
 */
#include "bpfseal.bpf.h"

#define NR_acct		163	/* x86_64 */
#define NR_swapon	167

SEC("lsm/file_open")
int BPF_PROG(check_kernel_writer_open, struct file *file, int ret)
{
	__u32 seals;
	__s64 nr;

	if (ret)
		return ret;
	seals = inode_seals(file->f_inode);
	if (!(seals & (SEALS_BLOCKING_WRITES | SEALS_ON_SIZE)))
		return 0;
	nr = current_syscall();
	if (nr == NR_swapon && (seals & SEALS_BLOCKING_WRITES))
		return -EPERM;
	/* Accounting only appends: content and size both change. */
	if (nr == NR_acct && (seals & (SEALS_BLOCKING_WRITES | BPFSEAL_SEAL_GROW)))
		return -EPERM;
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
