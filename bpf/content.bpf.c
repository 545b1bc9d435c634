// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Writes and fallocate: every write path (write, pwrite*, O_DIRECT, AIO,
 * io_uring, splice, sendfile, copy_file_range, reflink/dedupe, fallocate)
 * asks file_permission(file, MAY_WRITE) before touching the inode. This
 * program gathers what the hook cannot see (write_facts.bpf.c) and asks
 * seal_rules_write() / seal_rules_fallocate(). Reads never get past the mask
 * test; unsealed inodes cost one lookup.
 */
#include "audit.bpf.h"
#include "judge_write.bpf.h"

/*
 * The refusal's record: which write, and which of the seals refuse it
 * alone. The facts are read from the stash they were taken from (kind
 * aside), so that check_write's own copy can stay in registers.
 */
static __noinline void audit_refused_write(struct file *file, __u32 seals, struct write_facts *f, __u32 kind,
					   __u32 reason)
{
	loff_t size = BPF_CORE_READ(file, f_inode, i_size);
	__u32 blockers = seals & BPFSEAL_SEALS_CONTENT, operation = audit_write_operation();
	__u64 detail = 0;

	if (!f) {
		if (operation == BPFSEAL_OP_FALLOCATE || operation == BPFSEAL_OP_REFLINK)
			detail = syscall_arg2();
	} else if (kind == WRITE_FALLOCATE) {
		blockers = SEAL_RULES_BLOCKERS(seals, one, seal_rules_fallocate(one, f->mode, f->pos, f->len, size));
		operation = BPFSEAL_OP_FALLOCATE;
		detail = (__u32)f->mode;
	} else if (kind == WRITE_RW) {
		blockers = SEAL_RULES_BLOCKERS(seals, one, judge_write(one, f, size));
	} else if (operation == BPFSEAL_OP_FALLOCATE || operation == BPFSEAL_OP_REFLINK) {
		detail = syscall_arg2();
	}
	audit_denied_file(file, operation, blockers, seals, EPERM, detail, reason);
}

/*
 * Why a call judged without its facts was refused: for want of where it
 * lands (BPFSEAL_REASON_NO_FACTS) only if its system call did not place
 * it and the seals would not refuse it wherever it landed (they refuse
 * every write, not every fallocate).
 */
static __noinline __u32 unplaced_reason(__u32 seals, struct inode *inode)
{
	loff_t start = 0, len = LENGTH_UNKNOWN;	/* the verifier wants them set on every path */

	if ((seals & BPFSEAL_SEALS_NO_CONTENT_CHANGE) && audit_write_operation() != BPFSEAL_OP_FALLOCATE)
		return BPFSEAL_REASON_NONE;
	if (!syscall_write_place(inode, inode->i_size, &start, &len) && len != LENGTH_UNKNOWN)
		return BPFSEAL_REASON_NONE;
	return BPFSEAL_REASON_NO_FACTS;
}

SEC("lsm/file_permission")
int BPF_PROG(check_write, struct file *file, int mask, int ret)
{
	struct write_facts *stash, facts = {};
	struct inode *inode;
	__u32 seals, passed;
	int refuse;

	if (ret)
		return ret;
	if (!(mask & MAY_WRITE))
		return 0;
	inode = file->f_inode;
	seals = inode_seals(inode);
	if (!(seals & BPFSEAL_SEALS_CONTENT)) {
		/* An overlay file over a sealed real file: no facts for it, so GROW denies. */
		seals = overlay_real_seals(file) & BPFSEAL_SEALS_FENCED;
		if (seals) {
			audit_refused_write(file, seals, NULL, 0, BPFSEAL_REASON_OVERLAY);
			return -EPERM;
		}
		return 0;
	}

	/* Take the facts stashed for this very call, once. */
	stash = bpf_task_storage_get(&write_facts, bpf_get_current_task_btf(), 0, 0);
	if (stash && stash->file == file &&
	    (stash->kind == WRITE_RW || stash->kind == WRITE_FALLOCATE) &&
	    stash->syscall == current_syscall()) {
		facts = *stash;
		stash->kind = WRITE_UNKNOWN;
	}

	refuse = judge_call(seals, &facts, inode, inode->i_size);
	passed = facts.kind == WRITE_FALLOCATE ? WRITE_FALLOCATE_ALLOWED : WRITE_RW_ALLOWED;
	if (refuse) {
		if (facts.kind == WRITE_UNKNOWN)	/* judged on its system call, or on nothing */
			audit_refused_write(file, seals, NULL, 0, unplaced_reason(seals, inode));
		else
			audit_refused_write(file, seals, stash, facts.kind, BPFSEAL_REASON_NONE);
		return lsm_answer(refuse);
	}
	/* The filesystem asks again under the inode lock (write_fence.bpf.c). */
	if (stash && facts.kind != WRITE_UNKNOWN)	/* only the facts this call took */
		stash->kind = passed;
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
