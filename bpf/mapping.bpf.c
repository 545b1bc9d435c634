// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Mapping rules.
 *   WRITE / FUTURE_WRITE: no new MAP_SHARED mapping with PROT_WRITE (EPERM),
 *   and no shared mapping may become writable with mprotect (EACCES), as
 *   memfd clears VM_MAYWRITE on such mappings.
 * Adding WRITE needs "no maybe-writable shared mapping exists" to hold at
 * the moment of sealing. The kernel counts those mappings in
 * mapping->i_mmap_writable only after the mmap_file hook has passed, so the
 * threads that are between the two are tracked in mmap_slots, by
 * fentry/fexit around vm_mmap_pgoff (the one path from mmap(2) to a file
 * mapping). add_seals.bpf.c reads both.
 */
#include "bpfseal.bpf.h"

static __always_inline bool shared_maybe_writable(struct file *file, unsigned long flags)
{
	return file && (flags & MAP_TYPE) != MAP_PRIVATE &&
	       (file->f_mode & FMODE_WRITE);
}

/*
 * On shmem, userfaultfd's UFFDIO_COPY fills holes of any shared mapping
 * that may become writable (VM_MAYWRITE), PROT_WRITE or not. memfd clears
 * VM_MAYWRITE for sealed files; an LSM cannot, so such mappings of sealed
 * tmpfs/hugetlbfs files are refused: map them through a read-only fd.
 */
static __always_inline bool shmem_like(struct inode *inode)
{
	unsigned long magic = inode->i_sb->s_magic;

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
	if (!(prot & PROT_WRITE) && !(file->f_mode & FMODE_WRITE))
		return 0;
	inode = file->f_inode;
	seals = inode_seals(inode);
	if (!(seals & SEALS_BLOCKING_WRITES)) {
		/* 6.1 maps the real file behind an overlay one: that one's seals count. */
		if ((prot & PROT_WRITE) && (overlay_real_seals(file) & SEALS_BLOCKING_WRITES))
			return -EPERM;
		return 0;
	}
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
	vm_flags = vma->vm_flags;
	/* Keeping an existing writable mapping writable is not a new grant. */
	if (!(vm_flags & VM_SHARED) || (vm_flags & VM_WRITE))
		return 0;
	file = vma->vm_file;
	if (file && (inode_seals(file->f_inode) & SEALS_BLOCKING_WRITES))
		return -EACCES;
	return 0;
}

/* A thread's i-th candidate slot: linear probing from a Fibonacci hash of its id. */
static __always_inline struct mmap_slot *probe_slot(__u64 thread, int i)
{
	__u32 key = ((__u32)((thread * 0x9E3779B97F4A7C15ULL) >> 32) + i) & (MMAP_SLOTS - 1);

	return bpf_map_lookup_elem(&mmap_slots, &key);
}

SEC("fentry/vm_mmap_pgoff")
int BPF_PROG(track_mmap_start, struct file *file, unsigned long addr, unsigned long len,
	     unsigned long prot, unsigned long flags)
{
	__u64 thread = bpf_get_current_pid_tgid();
	__u64 inode;
	struct policy_state *st;

	if (!shared_maybe_writable(file, flags))
		return 0;
	inode = (__u64)file->f_inode;
	for (int i = 0; i < MMAP_PROBES; i++) {
		struct mmap_slot *slot = probe_slot(thread, i);

		if (!slot)
			break;
		/*
		 * The locked compare-and-swap is a full fence: our slot is
		 * visible before the mmap_file hook reads the seals, as
		 * add_seals bumps write_pending before it scans the slots.
		 */
		if (slot->inode == 0 && __sync_val_compare_and_swap(&slot->inode, 0, inode) == 0) {
			slot->thread = thread;
			return 0;
		}
	}
	/* No free slot: add_seals cannot prove the absence of this mapping
	 * and refuses WRITE with EBUSY while it is in flight. */
	st = get_policy_state();
	if (st)
		__sync_fetch_and_add(&st->mmaps_untracked, 1);
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
	for (int i = 0; i < MMAP_PROBES; i++) {
		struct mmap_slot *slot = probe_slot(thread, i);

		if (!slot)
			break;
		if (slot->inode && slot->thread == thread) {
			slot->thread = 0;
			/* Released after the mapping is counted in i_mmap_writable. */
			__sync_lock_test_and_set(&slot->inode, 0);
			return 0;
		}
	}
	st = get_policy_state();
	if (st)
		__sync_fetch_and_sub(&st->mmaps_untracked, 1);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
