// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Mappings: seal_rules_mmap() and seal_rules_mprotect() decide (no new
 * writable shared mapping under WRITE/FUTURE_WRITE; on shmem none through a
 * writable fd, since userfaultfd could fill it).
 *
 * Adding WRITE needs "no maybe-writable shared mapping exists" to hold at
 * the moment of sealing. memfd gets it from mapping_deny_writable(); BPF
 * cannot write i_mmap_writable, and the kernel counts a mapping there only
 * after the mmap_file hook has passed. So:
 *   1. add_seals increments write_pending (append_pending when it adds
 *      APPEND alone); from then on check_mmap and check_mprotect treat the
 *      inode as sealed with it;
 *   2. it reads i_mmap_writable and looks for the inode in mmap_slots: the
 *      threads between vm_mmap_pgoff's entry (before security_mmap_file)
 *      and its exit (after the mapping is counted), tracked below;
 *   3. any hit -> EBUSY, the count drops back, nothing is added.
 * The mmap side claims its slot with a locked compare-and-swap (a full
 * fence) before the LSM reads the seals; the seal side's locked increment
 * is the other half: whichever comes second sees the first. The slots are
 * an array probed from a hash of the thread id, not a BPF hash map: a claim
 * is one compare-and-swap, where a hash update and delete cost each shared
 * writable mmap some 1,200 instructions. A thread that finds none of its
 * MMAP_PROBES slots free is counted in mmaps_untracked, and WRITE answers
 * EBUSY while that is non-zero.
 */
#include "audit.bpf.h"

static __always_inline bool shared_maybe_writable(struct file *file, unsigned long flags)
{
	return file && (flags & MAP_TYPE) != MAP_PRIVATE &&
	       (file->f_mode & FMODE_WRITE);
}

static __always_inline bool shmem_like(struct inode *inode)
{
	unsigned long magic = inode->i_sb->s_magic;

	return magic == TMPFS_MAGIC || magic == HUGETLBFS_MAGIC;
}

#define NR_mmap	9

/*
 * The refusal's record, from what the allowed path keeps anyway; the
 * protection and flags asked for come from mmap(2)'s own arguments.
 */
static __noinline void audit_refused_mmap(struct file *file, __u32 seals, bool prot_write, bool writable_fd,
					  int refuse)
{
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());
	bool shmem = shmem_like(file->f_inode);
	__u64 detail = prot_write ? PROT_WRITE : 0;

	if (regs && BPF_CORE_READ(regs, orig_ax) == NR_mmap)
		detail = BPF_CORE_READ(regs, dx) | BPF_CORE_READ(regs, r10) << 32;
	audit_denied_file(file, BPFSEAL_OP_MMAP,
			  SEAL_RULES_BLOCKERS(seals, one, seal_rules_mmap_shared(one, prot_write, writable_fd, shmem)),
			  seals, refuse, detail, BPFSEAL_REASON_NONE);
}

SEC("lsm/mmap_file")
int BPF_PROG(check_mmap, struct file *file, unsigned long reqprot, unsigned long prot,
	     unsigned long flags, int ret)
{
	struct inode *inode;
	bool writable_fd;
	__u32 seals;
	int refuse;

	if (ret)
		return ret;
	if (!file || (flags & MAP_TYPE) == MAP_PRIVATE)
		return 0;
	writable_fd = file->f_mode & FMODE_WRITE;
	if (!(prot & PROT_WRITE) && !writable_fd)
		return 0;
	inode = file->f_inode;
	seals = inode_seals(inode);
	/* 6.1 maps the real file behind an overlay one: that one's seals count. */
	if (!(seals & BPFSEAL_SEALS_NO_REWRITE) && (prot & PROT_WRITE))
		seals |= overlay_real_seals(file);
	refuse = seal_rules_mmap_shared(seals, prot & PROT_WRITE, writable_fd, shmem_like(inode));
	if (refuse)
		audit_refused_mmap(file, seals, prot & PROT_WRITE, writable_fd, refuse);
	return lsm_answer(refuse);
}

SEC("lsm/file_mprotect")
int BPF_PROG(check_mprotect, struct vm_area_struct *vma, unsigned long reqprot,
	     unsigned long prot, int ret)
{
	unsigned long vm_flags;
	struct file *file;
	__u32 seals;
	int refuse;

	if (ret)
		return ret;
	if (!(prot & PROT_WRITE))
		return 0;
	vm_flags = vma->vm_flags;
	file = vma->vm_file;
	/* Only a shared mapping that is not writable yet gains anything. */
	if (!file || !(vm_flags & VM_SHARED) || (vm_flags & VM_WRITE))
		return 0;
	seals = inode_seals(file->f_inode);
	refuse = seal_rules_mprotect_to_write(seals);
	if (refuse)
		audit_denied_file(file, BPFSEAL_OP_MPROTECT,
				  SEAL_RULES_BLOCKERS(seals, one, seal_rules_mprotect_to_write(one)), seals, refuse,
				  prot, BPFSEAL_REASON_NONE);
	return lsm_answer(refuse);
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
	struct bpfseal_policy_state *st;

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
		 * add_seals bumps its pending count before it scans the slots.
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
	struct bpfseal_policy_state *st;

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
