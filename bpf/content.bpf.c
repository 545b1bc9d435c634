// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Content rules: every write path (write, pwrite*, O_DIRECT, AIO, io_uring,
 * splice, sendfile, copy_file_range, reflink/dedupe, fallocate) asks
 * file_permission(file, MAY_WRITE) before touching the inode.
 *   WRITE / FUTURE_WRITE: no content change (EPERM); fallocate that only
 *                         allocates (mode 0, KEEP_SIZE) stays allowed.
 *   GROW:   nothing may reach past EOF, KEEP_SIZE or not, appends included.
 *   SHRINK: COLLAPSE_RANGE shrinks.
 * Reads never get past the mask test; unsealed inodes cost one lookup.
 */
#include "bpfseal.bpf.h"

static __always_inline int judge_fallocate(__u32 seals, struct write_facts *f, loff_t size)
{
	if ((f->mode & ~FALLOC_CONTENT_NEUTRAL) && (seals & SEALS_BLOCKING_WRITES))
		return -EPERM;	/* punch, zero, collapse, insert: content changes */
	if ((f->mode & FALLOC_FL_COLLAPSE_RANGE) && (seals & BPFSEAL_SEAL_SHRINK))
		return -EPERM;
	if ((f->mode & FALLOC_FL_INSERT_RANGE) && (seals & BPFSEAL_SEAL_GROW))
		return -EPERM;
	if ((seals & BPFSEAL_SEAL_GROW) && f->pos + f->len > size)
		return -EPERM;
	return 0;
}

static __always_inline int judge_write(__u32 seals, struct write_facts *f, loff_t size)
{
	loff_t start;

	if (seals & SEALS_BLOCKING_WRITES)
		return -EPERM;
	start = f->append ? size : f->pos;
	if ((seals & BPFSEAL_SEAL_GROW) && f->len > 0 && start + f->len > size)
		return -EPERM;
	return 0;
}

SEC("lsm/file_permission")
int BPF_PROG(check_write, struct file *file, int mask, int ret)
{
	struct write_facts *stash, facts = {};
	struct inode *inode;
	__u32 seals;

	if (ret)
		return ret;
	if (!(mask & MAY_WRITE))
		return 0;
	inode = file->f_inode;
	seals = inode_seals(inode);
	if (!(seals & (SEALS_BLOCKING_WRITES | SEALS_ON_SIZE)))
		return 0;

	/* Take the facts stashed for this very call, once. */
	stash = bpf_task_storage_get(&write_facts, bpf_get_current_task_btf(), 0, 0);
	if (stash && stash->file == file && stash->kind != WRITE_UNKNOWN &&
	    stash->syscall == current_syscall()) {
		facts = *stash;
		stash->kind = WRITE_UNKNOWN;
	}

	switch (facts.kind) {
	case WRITE_FALLOCATE:
		return judge_fallocate(seals, &facts, BPF_CORE_READ(inode, i_size));
	case WRITE_RW:
		return judge_write(seals, &facts, BPF_CORE_READ(inode, i_size));
	default:
		/* A reflink, or a path whose facts we could not learn. */
		return -EPERM;
	}
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
