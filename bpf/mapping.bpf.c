// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Mapping rules.
 *   WRITE / FUTURE_WRITE: no new MAP_SHARED mapping with PROT_WRITE (EPERM),
 *   and no shared mapping may become writable with mprotect (EACCES), as
 *   memfd clears VM_MAYWRITE on such mappings.
 * Adding WRITE needs "no maybe-writable shared mapping exists" to hold at
 * the moment of sealing. The kernel counts those mappings in
 * mapping->i_mmap_writable only after the mmap_file hook has passed, so the
 * threads that are between the two are tracked in mmaps_in_flight, by
 * fentry/fexit around vm_mmap_pgoff (the one path from mmap(2) to a file
 * mapping). add_seals.bpf.c reads both.
 */
#include "bpfseal.bpf.h"

static __always_inline bool shared_maybe_writable(struct file *file, unsigned long flags)
{
	return file && (flags & MAP_TYPE) != MAP_PRIVATE &&
	       (BPF_CORE_READ(file, f_mode) & FMODE_WRITE);
}

/*
 * On shmem, userfaultfd's UFFDIO_COPY fills holes of any shared mapping
 * that may become writable (VM_MAYWRITE), PROT_WRITE or not. memfd clears
 * VM_MAYWRITE for sealed files; an LSM cannot, so such mappings of sealed
 * tmpfs/hugetlbfs files are refused: map them through a read-only fd.
 */
static __always_inline bool shmem_like(struct inode *inode)
{
	unsigned long magic = BPF_CORE_READ(inode, i_sb, s_magic);

	return magic == TMPFS_MAGIC || magic == HUGETLBFS_MAGIC;
}

SEC("lsm/mmap_file")
int BPF_PROG(check_mmap, struct file *file, unsigned long reqprot, unsigned long prot,
	     unsigned long flags, int ret)
{
	struct inode *inode;
	__u32 seals;

	if (ret)
		return ret;
	if (!file || (flags & MAP_TYPE) == MAP_PRIVATE)
		return 0;
	if (!(prot & PROT_WRITE) && !(BPF_CORE_READ(file, f_mode) & FMODE_WRITE))
		return 0;
	inode = file->f_inode;
	seals = inode_seals(inode);
	if (!(seals & SEALS_BLOCKING_WRITES))
		return 0;
	if ((prot & PROT_WRITE) || shmem_like(inode))
		return -EPERM;
	return 0;
}

SEC("lsm/file_mprotect")
int BPF_PROG(check_mprotect, struct vm_area_struct *vma, unsigned long reqprot,
	     unsigned long prot, int ret)
{
	struct file *file;
	unsigned long vm_flags;

	if (ret)
		return ret;
	if (!(prot & PROT_WRITE))
		return 0;
	vm_flags = BPF_CORE_READ(vma, vm_flags);
	/* Keeping an existing writable mapping writable is not a new grant. */
	if (!(vm_flags & VM_SHARED) || (vm_flags & VM_WRITE))
		return 0;
	file = vma->vm_file;
	if (file && (inode_seals(file->f_inode) & SEALS_BLOCKING_WRITES))
		return -EACCES;
	return 0;
}

SEC("fentry/vm_mmap_pgoff")
int BPF_PROG(track_mmap_start, struct file *file, unsigned long addr, unsigned long len,
	     unsigned long prot, unsigned long flags)
{
	__u64 thread = bpf_get_current_pid_tgid();
	__u64 inode;

	if (!shared_maybe_writable(file, flags))
		return 0;
	inode = (__u64)file->f_inode;
	/*
	 * If the table is full the mapping goes on untracked; add_seals then
	 * cannot prove the absence of such a mapping and refuses WRITE with EBUSY
	 * (see mmaps_untracked).
	 */
	struct policy_state *st = get_policy_state();

	if (!st)
		return 0;
	if (bpf_map_update_elem(&mmaps_in_flight, &thread, &inode, BPF_ANY))
		__sync_fetch_and_add(&st->mmaps_untracked, 1);
	/*
	 * Full fence (lock-prefixed): our entry must be visible before the
	 * mmap_file hook reads the seals, as add_seals bumps write_pending
	 * before it reads this table. A spin_unlock alone is only a release.
	 */
	__sync_fetch_and_add(&st->mmaps_started, 1);
	return 0;
}

SEC("fexit/vm_mmap_pgoff")
int BPF_PROG(track_mmap_end, struct file *file, unsigned long addr, unsigned long len,
	     unsigned long prot, unsigned long flags, unsigned long pgoff, unsigned long ret)
{
	__u64 thread = bpf_get_current_pid_tgid();

	struct policy_state *st;

	if (!shared_maybe_writable(file, flags))
		return 0;
	if (bpf_map_lookup_elem(&mmaps_in_flight, &thread)) {
		/* A failed delete leaves a stale entry: EBUSY later, never a miss. */
		bpf_map_delete_elem(&mmaps_in_flight, &thread);
		return 0;
	}
	st = get_policy_state();
	if (st)
		__sync_fetch_and_sub(&st->mmaps_untracked, 1);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
