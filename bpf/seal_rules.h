/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The seal rules as pure decisions: given the facts a hook gathered, what
 * memfd would answer. No BPF helper and no kernel header, so the host unit
 * tests (tests/unit/seal_rules_test.c) run every rule as a table in
 * milliseconds; the BPF programs gather the facts and call these. The VM
 * suite stays the real test: it checks the facts are the right ones.
 * Callers provide EPERM, EACCES and EINVAL (answers.bpf.h or <errno.h>).
 */
#ifndef BPFSEAL_SEAL_RULES_H
#define BPFSEAL_SEAL_RULES_H

#include "bpfseal_abi.h"

/*
 * The seals an audit record names for a refusal: those of `seals` that
 * refuse on their own, `refuses` being a rule's call on the one seal `one`.
 * Each rule below refuses a set of seals only if one of them refuses alone
 * (tests/unit/seal_rules_test.c checks it rule by rule), so a refusal
 * always names at least one seal.
 */
#define SEAL_RULES_BLOCKERS(seals, one, refuses)                                        \
	({                                                                              \
		unsigned int rest_ = (seals) & BPFSEAL_SEAL_ALL, blockers_ = 0;         \
		for (int i_ = 0; i_ < 8 && rest_; i_++) {                               \
			unsigned int one = rest_ & -rest_;                              \
			rest_ &= rest_ - 1;                                             \
			if (refuses)                                                    \
				blockers_ |= one;                                       \
		}                                                                       \
		blockers_;                                                              \
	})

#define SEAL_RULES_FALLOC_KEEP_SIZE	0x01
#define SEAL_RULES_FALLOC_COLLAPSE	0x08
#define SEAL_RULES_FALLOC_INSERT	0x20
#define SEAL_RULES_S_IXUGO		00111

/*
 * fallocate(mode, offset, len) on a file of `size`. Modes beyond KEEP_SIZE
 * (punch, zero, collapse, insert, unshare, write-zeroes) change bytes a
 * reader sees; allocating alone does not, so APPEND allows it, growing the
 * file too. GROW refuses reaching past EOF even with KEEP_SIZE, as shmem
 * does.
 */
static inline int seal_rules_fallocate(unsigned int seals, int mode, long long offset, long long len,
				       long long size)
{
	if ((mode & ~SEAL_RULES_FALLOC_KEEP_SIZE) && (seals & BPFSEAL_SEALS_NO_REWRITE))
		return EPERM;
	if ((mode & SEAL_RULES_FALLOC_COLLAPSE) && (seals & BPFSEAL_SEAL_SHRINK))
		return EPERM;
	if ((mode & SEAL_RULES_FALLOC_INSERT) && (seals & BPFSEAL_SEAL_GROW))
		return EPERM;
	if ((seals & BPFSEAL_SEAL_GROW) && offset + len > size)
		return EPERM;
	return 0;
}

/*
 * A write of `len` bytes starting at `start` (EOF for appends) on a file of
 * `size`. Does the answer depend on where it starts? Callers skip working
 * the position out when it does not.
 */
static inline int seal_rules_write_position_matters(unsigned int seals, long long len)
{
	return !(seals & BPFSEAL_SEALS_NO_CONTENT_CHANGE) && (seals & BPFSEAL_SEALS_BY_POSITION) && len > 0;
}

/*
 * GROW: nothing may reach past EOF; a crossing write is refused whole
 * (memfd may write its in-bounds prefix). APPEND: a write must start at EOF,
 * O_APPEND or not.
 */
static inline int seal_rules_write(unsigned int seals, long long start, long long len, long long size)
{
	if (seals & BPFSEAL_SEALS_NO_CONTENT_CHANGE)
		return EPERM;
	if (!seal_rules_write_position_matters(seals, len))
		return 0;
	if ((seals & BPFSEAL_SEAL_APPEND) && start != size)
		return EPERM;
	if ((seals & BPFSEAL_SEAL_GROW) && start + len > size)
		return EPERM;
	return 0;
}

/* truncate/ftruncate/open(O_TRUNC) and chmod, where inode_setattr shows the new values. */
static inline int seal_rules_setattr(unsigned int seals, int sets_size, long long old_size,
				     long long new_size, int sets_mode, unsigned int old_mode,
				     unsigned int new_mode)
{
	if (sets_size && new_size < old_size && (seals & (BPFSEAL_SEAL_SHRINK | BPFSEAL_SEAL_APPEND)))
		return EPERM;
	if (sets_size && new_size > old_size && (seals & BPFSEAL_SEAL_GROW))
		return EPERM;
	if (sets_mode && (seals & BPFSEAL_SEAL_EXEC) && ((old_mode ^ new_mode) & SEAL_RULES_S_IXUGO))
		return EPERM;
	return 0;
}

/*
 * A new MAP_SHARED mapping. memfd refuses PROT_WRITE under WRITE and
 * FUTURE_WRITE; so does APPEND (a mapping writes anywhere). On shmem,
 * userfaultfd can fill holes of any shared mapping that may become
 * writable, which memfd prevents by clearing VM_MAYWRITE and an LSM
 * cannot: there a shared mapping through a writable fd is refused.
 */
static inline int seal_rules_mmap_shared(unsigned int seals, int prot_write, int fd_writable,
					 int shmem_like)
{
	if (!(seals & BPFSEAL_SEALS_NO_REWRITE))
		return 0;
	if (prot_write || (shmem_like && fd_writable))
		return EPERM;
	return 0;
}

/* mprotect(PROT_WRITE) of a shared mapping that is not writable now: memfd's EACCES. */
static inline int seal_rules_mprotect_to_write(unsigned int seals)
{
	return seals & BPFSEAL_SEALS_NO_REWRITE ? EACCES : 0;
}

/* NAME: no name of the inode goes away, is replaced, or is added (link). */
static inline int seal_rules_name_change(unsigned int seals)
{
	return seals & BPFSEAL_SEAL_NAME ? EPERM : 0;
}

/*
 * Adding seals, memfd_add_seals()'s checks in its order, plus bpfseal's
 * ownership rule (memfds are private to their holders, ordinary files are
 * not). The checks that need the running kernel (mappings, pins, writers
 * no check sees) come after these, in add_seals.bpf.c, on what this says is
 * being added.
 */
struct seal_add {
	/* facts */
	int fd_writable;
	unsigned long request;	/* seal bits plus BPFSEAL_ADD_* flags */
	int caller_may_seal;	/* owner, or CAP_FOWNER in the initial user namespace */
	unsigned int old;	/* seals already in force */
	unsigned int mode;	/* the file's i_mode */
	/* decisions */
	unsigned int add;	/* bits to OR in */
	unsigned int new_fenced;	/* BPFSEAL_SEALS_FENCED bits not in force yet */
	int adds_write;		/* WRITE or APPEND not in force yet: the mapping and pin checks */
	unsigned int refusal;	/* BPFSEAL_REASON_* of a refusal, for its audit record */
};

#define SEAL_RULES_REQUEST_FLAGS	(BPFSEAL_ADD_DETAILS | BPFSEAL_ADD_PERSIST)

static inline int seal_rules_add(struct seal_add *a)
{
	unsigned int add = (unsigned int)(a->request & BPFSEAL_SEAL_ALL);

	a->refusal = BPFSEAL_REASON_NOT_WRITABLE;
	if (!a->fd_writable)
		return EPERM;
	a->refusal = BPFSEAL_REASON_UNKNOWN_BITS;
	if (a->request & ~(unsigned long)(BPFSEAL_SEAL_ALL | SEAL_RULES_REQUEST_FLAGS))
		return EINVAL;
	a->refusal = BPFSEAL_REASON_NOT_OWNER;
	if (!a->caller_may_seal)
		return EPERM;
	a->refusal = BPFSEAL_REASON_SEALED;
	if (a->old & BPFSEAL_SEAL_SEAL)
		return EPERM;
	a->refusal = BPFSEAL_REASON_NONE;
	if ((add & BPFSEAL_SEAL_EXEC) && (a->mode & SEAL_RULES_S_IXUGO))
		add |= BPFSEAL_SEALS_IMPLIED_BY_EXEC;
	a->add = add;
	a->new_fenced = add & ~a->old & BPFSEAL_SEALS_FENCED;
	/* FUTURE_WRITE lets existing mappings go on; WRITE and APPEND may not. */
	a->adds_write = !!(add & ~a->old & (BPFSEAL_SEAL_WRITE | BPFSEAL_SEAL_APPEND));
	return 0;
}

/* Who opens a file for writing (kernel_writers.bpf.c tells them apart). */
enum seal_rules_opener {
	SEAL_RULES_OPENER_USER,		/* an open system call: every write it makes is checked */
	SEAL_RULES_OPENER_KERNEL_THREAD, /* nfsd, ksmbd, overlayfs backing files: checked writes */
	SEAL_RULES_OPENER_IN_CALL,	/* a core dump, swapon, configfs backends: unchecked */
	SEAL_RULES_OPENER_ACCT,		/* acct(2): unchecked, but only ever appends */
};

/*
 * A write-open: NO_CONTENT_CHANGE keeps every opener but the open system
 * calls out; GROW keeps out the unchecked ones (they may append); APPEND
 * keeps out the unchecked ones but acct, which only appends.
 */
static inline int seal_rules_writer_open(unsigned int seals, enum seal_rules_opener who)
{
	if (!(seals & BPFSEAL_SEALS_FENCED) || who == SEAL_RULES_OPENER_USER)
		return 0;
	if (seals & BPFSEAL_SEALS_NO_CONTENT_CHANGE)
		return EPERM;
	if (who == SEAL_RULES_OPENER_KERNEL_THREAD)
		return 0;
	if (who == SEAL_RULES_OPENER_ACCT && !(seals & BPFSEAL_SEAL_GROW))
		return 0;
	return EPERM;
}

#endif
