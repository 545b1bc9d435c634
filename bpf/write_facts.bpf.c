// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Write facts: the LSM hook on the write path (file_permission) sees neither
 * the offset nor the length nor RWF flags, and fallocate has no hook of its
 * own. GROW and SHRINK need them, so these programs stash them in task
 * storage for the call that asks the LSM next:
 *   rw_verify_area(WRITE, file, ppos, count)  - every read/write path
 *   vfs_fallocate(file, mode, offset, len)    - every fallocate path
 * check_write consumes a stash the one time it reads it. Facts are stashed
 * only for inodes in sealed_inodes, where an inode enters before its first
 * seal and stays while it lives: so a call that finds seals in the LSM
 * either had its own facts stashed by the fentry above it or finds none and
 * is judged on its system call's registers, or denied (judge_write.bpf.h);
 * it can never be judged on an older call's facts. The one LSM caller
 * with no fentry above it, the reflink check (remap_verify_area), clears
 * the stash first (forget_facts_*).
 * No fexit: a fentry-only trampoline costs every read and write far less.
 */
#include "bpfseal.bpf.h"

#define WRITE 1

static __always_inline struct write_facts *facts_for_current(__u64 create)
{
	return bpf_task_storage_get(&write_facts, bpf_get_current_task_btf(), 0, create);
}

SEC("fentry/rw_verify_area")
int BPF_PROG(stash_rw_facts, int read_write, struct file *file, const loff_t *ppos, size_t count)
{
	struct bpfseal_policy_state *st;
	struct write_facts *f;

	if (read_write != WRITE)
		return 0;
	st = get_policy_state();
	if (!st || !st->need_rw_facts || !listed_inode(file->f_inode))
		return 0;
	f = facts_for_current(BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!f)
		return 0;	/* no facts: the policy denies what it cannot judge */
	/* Only what the LSM cannot see; it works out position and append itself. */
	f->file = file;
	f->kind = WRITE_RW;
	f->ppos = ppos;
	f->len = (__s64)count;
	f->syscall = current_syscall();
	return 0;
}

SEC("fentry/vfs_fallocate")
int BPF_PROG(stash_fallocate_facts, struct file *file, int mode, loff_t offset, loff_t len)
{
	struct bpfseal_policy_state *st = get_policy_state();
	struct write_facts *f;

	if (!st || !st->need_fallocate_facts || !listed_inode(file->f_inode))
		return 0;
	f = facts_for_current(BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!f)
		return 0;
	f->file = file;
	f->kind = WRITE_FALLOCATE;
	f->pos = offset;
	f->len = len;
	f->mode = mode;
	f->syscall = current_syscall();
	return 0;
}

static __always_inline void forget_facts(void)
{
	struct write_facts *f = facts_for_current(0);

	if (f)
		f->kind = WRITE_UNKNOWN;
}

/* Reflinks (FICLONE*, FIDEDUPERANGE, XFS exchange-range) are judged without facts. */
SEC("fentry/remap_verify_area")
int BPF_PROG(forget_facts_remap, struct file *file)
{
	forget_facts();
	return 0;
}

/* 6.1 inlines remap_verify_area into these two. */
SEC("fentry/do_clone_file_range")
int BPF_PROG(forget_facts_clone, struct file *file_in)
{
	forget_facts();
	return 0;
}

SEC("fentry/vfs_dedupe_file_range_one")
int BPF_PROG(forget_facts_dedupe, struct file *src_file)
{
	forget_facts();
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
