// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Write facts: the LSM hook on the write path (file_permission) sees neither
 * the offset nor the length nor RWF flags, and fallocate has no hook of its
 * own. GROW and SHRINK need them, so these programs stash them in task
 * storage for the duration of the call that asks the LSM:
 *   rw_verify_area(WRITE, file, ppos, count)  - every read/write path
 *   vfs_fallocate(file, mode, offset, len)    - every fallocate path
 * The fexit half clears the stash, so a later check (e.g. a reflink) can
 * never be judged on a stale one; should the kernel skip that fexit, the
 * system-call tag still keeps other calls from taking them. No stash means
 * "unknown": the policy denies.
 */
#include "bpfseal.bpf.h"

#define WRITE 1

static __always_inline struct write_facts *facts_for_current(__u64 create)
{
	return bpf_task_storage_get(&write_facts, bpf_get_current_task_btf(), 0, create);
}

/* Does this write land at EOF whatever *ppos says? */
static __always_inline __u32 write_appends(struct file *file, const loff_t *ppos)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(task);
	struct kiocb *kiocb;
	struct file *kiocb_file = NULL;
	int kiocb_flags = 0;

	if (BPF_CORE_READ(file, f_flags) & O_APPEND)
		return 1;
	/* pwritev2(fd, iov, iovcnt, pos_l, pos_h, flags): RWF_APPEND in r9. */
	if (regs && BPF_CORE_READ(regs, orig_ax) == NR_pwritev2 &&
	    (BPF_CORE_READ(regs, r9) & RWF_APPEND))
		return 1;
	/*
	 * AIO and io_uring pass &kiocb->ki_pos, and the kiocb already carries
	 * RWF_APPEND as IOCB_APPEND. A pointer that is not inside a kiocb of
	 * this very file fails the ki_filp test (or, at worst, makes us deny).
	 */
	if (ppos) {
		kiocb = (void *)ppos - bpf_core_field_offset(struct kiocb, ki_pos);
		bpf_core_read(&kiocb_file, sizeof(kiocb_file), &kiocb->ki_filp);
		bpf_core_read(&kiocb_flags, sizeof(kiocb_flags), &kiocb->ki_flags);
		if (kiocb_file == file && (kiocb_flags & RWF_APPEND))
			return 1;
	}
	return 0;
}

SEC("fentry/rw_verify_area")
int BPF_PROG(stash_rw_facts, int read_write, struct file *file, const loff_t *ppos, size_t count)
{
	struct policy_state *st;
	struct write_facts *f;
	loff_t pos = 0;

	if (read_write != WRITE)
		return 0;
	st = get_policy_state();
	if (!st || !st->need_rw_facts)
		return 0;
	f = facts_for_current(BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!f)
		return 0;	/* no facts: the policy denies what it cannot judge */
	if (ppos)
		bpf_core_read(&pos, sizeof(pos), ppos);
	else
		pos = BPF_CORE_READ(file, f_pos);
	f->file = file;
	f->kind = WRITE_RW;
	f->pos = pos;
	f->len = (__s64)count;
	f->mode = 0;
	f->append = write_appends(file, ppos);
	f->syscall = current_syscall();
	return 0;
}

SEC("fexit/rw_verify_area")
int BPF_PROG(clear_rw_facts, int read_write, struct file *file, const loff_t *ppos, size_t count, int ret)
{
	struct policy_state *st;
	struct write_facts *f;

	if (read_write != WRITE)
		return 0;
	st = get_policy_state();
	if (!st || !st->need_rw_facts)
		return 0;
	f = facts_for_current(0);
	if (f)
		f->kind = WRITE_UNKNOWN;
	return 0;
}

SEC("fentry/vfs_fallocate")
int BPF_PROG(stash_fallocate_facts, struct file *file, int mode, loff_t offset, loff_t len)
{
	struct policy_state *st = get_policy_state();
	struct write_facts *f;

	if (!st || !st->need_fallocate_facts)
		return 0;
	f = facts_for_current(BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!f)
		return 0;
	f->file = file;
	f->kind = WRITE_FALLOCATE;
	f->pos = offset;
	f->len = len;
	f->mode = mode;
	f->append = 0;
	f->syscall = current_syscall();
	return 0;
}

SEC("fexit/vfs_fallocate")
int BPF_PROG(clear_fallocate_facts, struct file *file, int mode, loff_t offset, loff_t len, int ret)
{
	struct write_facts *f = facts_for_current(0);

	if (f)
		f->kind = WRITE_UNKNOWN;
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
