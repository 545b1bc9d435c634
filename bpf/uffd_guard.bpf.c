// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * FUTURE_WRITE on shmem, as memfd: a read-only MAP_SHARED mapping through a
 * writable descriptor is allowed (receivers map this way), and userfaultfd
 * still cannot fill the file's holes through it.
 *
 * memfd clears the mapping's VM_MAYWRITE, and userfaultfd_register()
 * refuses a range without it (EPERM); BPF cannot write vm_flags. Refusing
 * UFFDIO_REGISTER over such mappings instead would mean reading the range
 * from user memory, which the kernel reads again after the hook: another
 * thread can change it in between. So the guard is per process, by mm:
 *   1. check_mmap (mapping.bpf.c), allowing such a mapping, first guards
 *      the caller's mm (uffd_guard_mm()): no UFFDIO_REGISTER on it passes
 *      from then on, over any range; if a registration on it is in flight,
 *      or the map is full, the mapping is refused (EPERM), as before;
 *   2. check_ioctl (ioctl.bpf.c) refuses UFFDIO_REGISTER on a guarded mm
 *      with memfd's EPERM (the userfaultfd's own mm, wherever its fd went),
 *      and counts the others in flight until userfaultfd_ioctl returns;
 *   3. fork copies the mapping into a new mm: copy_process guards it before
 *      the child can run; if it cannot (map full), every registration is
 *      refused until the policy is loaded again;
 *   4. the entry leaves with the mm (exit_mmap); exec brings a new mm.
 * An mm stays guarded after the mapping is gone: a process that mapped
 * such a file cannot use userfaultfd until it execs or exits. A
 * registration another LSM refuses after this one stays counted in flight,
 * which only refuses more mappings.
 */
#include "uffd_guard.bpf.h"

#define IS_ERR_VALUE(x)	((unsigned long)(x) >= (unsigned long)-4095)

SEC("fexit/copy_process")
int BPF_PROG(inherit_uffd_guard, struct pid *pid, int trace, int node, struct kernel_clone_args *args,
	     struct task_struct *ret)
{
	struct uffd_guard_state *st = uffd_state();
	struct uffd_guard *parent;
	__u64 mm, child;

	if (!st || !st->guarded_mms || IS_ERR_VALUE(ret) || !ret)
		return 0;
	mm = current_mm();
	child = (__u64)BPF_CORE_READ(ret, mm);
	if (!child || child == mm)
		return 0;
	parent = bpf_map_lookup_elem(&uffd_guarded_mms, &mm);
	if (parent && parent->guarded && uffd_guard_mm(child))
		__sync_fetch_and_or(&st->overflow, 1);
	return 0;
}

SEC("fexit/userfaultfd_ioctl")
int BPF_PROG(end_uffd_register, struct file *file, unsigned int cmd, unsigned long arg, long ret)
{
	struct uffd_guard *g;
	__u64 mm;

	if (cmd != UFFDIO_REGISTER)
		return 0;
	mm = userfaultfd_mm(file);
	g = bpf_map_lookup_elem(&uffd_guarded_mms, &mm);
	if (g && *(volatile __u32 *)&g->registering)
		__sync_fetch_and_sub(&g->registering, 1);
	return 0;
}

SEC("fentry/exit_mmap")
int BPF_PROG(forget_uffd_guard, struct mm_struct *mm)
{
	struct uffd_guard_state *st;
	struct uffd_guard *g;
	__u64 key = (__u64)mm;

	g = bpf_map_lookup_elem(&uffd_guarded_mms, &key);
	if (!g)
		return 0;
	st = uffd_state();
	if (g->guarded && st)
		__sync_fetch_and_sub(&st->guarded_mms, 1);
	bpf_map_delete_elem(&uffd_guarded_mms, &key);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
