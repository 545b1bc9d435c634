/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Judging one write or fallocate call on its facts (write_facts.bpf.c):
 * where it lands, then seal_rules.h. check_write asks before the call,
 * check_write_locked again under the inode lock (write_fence.bpf.c).
 */
#ifndef BPFSEAL_JUDGE_WRITE_BPF_H
#define BPFSEAL_JUDGE_WRITE_BPF_H

#include "bpfseal.bpf.h"

/* Does this write land at EOF whatever *ppos says? */
static __always_inline __u32 write_appends(struct file *file, const loff_t *ppos)
{
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());
	struct kiocb *kiocb;
	struct file *kiocb_file = NULL;
	int kiocb_flags = 0;

	if (BPF_CORE_READ(file, f_flags) & O_APPEND)
		return 1;
	/* pwritev2(fd, iov, iovcnt, pos_l, pos_h, flags): RWF_APPEND in r9: BTF-typed, so direct loads. */
	if (regs && regs->orig_ax == NR_pwritev2 && (regs->r9 & RWF_APPEND))
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

static __always_inline int judge_write(__u32 seals, struct write_facts *f, loff_t size)
{
	/* Plain copies: CO-RE must not try to relocate our own struct's fields. */
	const loff_t *ppos = f->ppos;
	struct file *file = f->file;
	loff_t start = 0;

	/* Worked out only where it matters: only GROW-sealed files pay for it. */
	if (seal_rules_write_position_matters(seals, f->len)) {
		if (write_appends(file, ppos))
			start = size;
		else if (ppos)
			bpf_probe_read_kernel(&start, sizeof(start), ppos);
		else
			start = BPF_CORE_READ(file, f_pos);
	}
	return seal_rules_write(seals, start, f->len, size);
}

/*
 * A write whose fentry ran before its inode was listed (or before any seal
 * needed facts) has none: its own system call still tells where it lands,
 * when it is a plain write of this file. Its length is known for write and
 * pwrite64; for the vector calls, a length that may be any makes GROW
 * refuse. Every other caller without facts (io_uring, AIO, a reflink) is
 * refused.
 */
#define LENGTH_UNKNOWN	(1LL << 62)

/* Where the current system call writes, if it is a plain write of this inode (else -1). */
static __always_inline int syscall_write_place(struct inode *inode, loff_t size, loff_t *start, loff_t *len)
{
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());
	long nr, arg_pos;
	struct file *file;

	if (!regs)
		return -1;
	nr = regs->orig_ax;
	if (nr != NR_write && nr != NR_pwrite64 && nr != NR_writev && nr != NR_pwritev && nr != NR_pwritev2)
		return -1;
	file = file_of_fd((unsigned int)regs->di);
	if (!file || BPF_CORE_READ(file, f_inode) != inode)
		return -1;
	*len = nr == NR_write || nr == NR_pwrite64 ? (loff_t)regs->dx : LENGTH_UNKNOWN;
	arg_pos = (long)regs->r10;	/* pwrite64, pwritev, pwritev2: pos (-1: f_pos for pwritev2) */
	if ((BPF_CORE_READ(file, f_flags) & O_APPEND) || (nr == NR_pwritev2 && (regs->r9 & RWF_APPEND)))
		*start = size;
	else if (nr == NR_write || nr == NR_writev || (nr == NR_pwritev2 && arg_pos == -1))
		*start = BPF_CORE_READ(file, f_pos);
	else
		*start = arg_pos;
	return 0;
}

static __always_inline int judge_syscall(__u32 seals, struct inode *inode, loff_t size)
{
	loff_t start, len;

	if (syscall_write_place(inode, size, &start, &len))
		return EPERM;
	return seal_rules_write(seals, start, len, size);
}

/* The answer for a call with these facts (0: allowed), or without (f NULL or unknown). */
static __always_inline int judge_call(__u32 seals, struct write_facts *f, struct inode *inode, loff_t size)
{
	switch (f ? f->kind : WRITE_UNKNOWN) {
	case WRITE_FALLOCATE:
	case WRITE_FALLOCATE_ALLOWED:
		return seal_rules_fallocate(seals, f->mode, f->pos, f->len, size);
	case WRITE_RW:
	case WRITE_RW_ALLOWED:
		return judge_write(seals, f, size);
	default:
		return judge_syscall(seals, inode, size);
	}
}

#endif
