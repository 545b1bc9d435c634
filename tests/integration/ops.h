/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Every way to change a file that the seals must cover, each as one function
 * returning 0 or the errno the caller saw. Shared by the conformance table
 * and the bypass tests.
 */
#ifndef BPFSEAL_OPS_H
#define BPFSEAL_OPS_H

#include <stdbool.h>
#include <sys/types.h>

struct subject {
	const char *fs;		/* "tmpfs", "ext4", "memfd" */
	const char *dir;	/* where helper files may be made */
	char path[4096];	/* a path to the subject (memfd: /proc/self/fd/N) */
	int fd;			/* O_RDWR, opened before sealing */
	bool memfd;		/* sealed natively (F_ADD_SEALS), not by bpfseal */
};

/* What an operation does to the file, for the expected-outcome model. */
enum {
	FX_WRITE = 1 << 0,	/* changes content */
	FX_GROW = 1 << 1,	/* may reach past EOF */
	FX_SHRINK = 1 << 2,	/* may cut the file */
	FX_EXEC = 1 << 3,	/* changes an x bit */
	FX_MPROTECT = 1 << 4,	/* refused with EACCES, not EPERM */
	FX_ADD_SEALS = 1 << 5,	/* adds seals */
	FX_SHARED_MAP = 1 << 6,	/* a shared mapping through a writable fd (shmem: userfaultfd can fill it) */
	FX_AT_EOF = 1 << 7,	/* a write that starts exactly at EOF (APPEND allows it) */
	FX_NAME = 1 << 8,	/* removes, replaces or adds a name of the file */
};

struct op {
	const char *name;
	unsigned int effects;
	int (*run)(struct subject *s);
	/* memfd behaves differently here, for the documented reason. */
	bool memfd_differs;
	unsigned int memfd_effects;
	/* memfd may also answer this instead of refusing (0: no alternative). */
	int memfd_alternative;
	const char *why;
};

/* "Errno" of a write that wrote only part of its buffer. */
#define ITEST_SHORT_WRITE 10000

extern const struct op ops[];
extern const size_t n_ops;

/* The seal sets every table runs, with the file's mode (x bits matter to EXEC). */
struct seal_set {
	const char *name;
	unsigned int seals;
	mode_t mode;
};
extern const struct seal_set seal_sets[];
extern const size_t n_seal_sets;

/* The seals in force after adding set->seals to a file of set->mode (EXEC's implication). */
unsigned int seals_in_force(const struct seal_set *set);

/*
 * memfd's answer (mm/memfd.c, mm/shmem.c) for an operation with these
 * effects, plus bpfseal's one deliberate extra on tmpfs: no shared mapping
 * through a writable fd of a write-sealed file (README, "The seals").
 */
int expected_errno(unsigned int seals, unsigned int fx, bool bpfseal_shmem);

/* Does this errno mean "the filesystem does not do that" rather than a refusal? */
bool unsupported_errno(int err);

/*
 * Where an operation is no case (ops.c, absences): on a filesystem that has
 * no such operation on any kernel, the table runs it once, unsealed, and
 * expects an unsupported answer (op_absent_on()); where it needs a kernel
 * feature (op_feature_on(), a line of tests/integration/features), a kernel
 * whose unsealed file answers unsupported skips it under every seal set.
 * Any other unsupported answer is a failure.
 */
bool op_absent_on(const struct op *op, const char *fs);
const char *op_feature_on(const struct op *op, const char *fs);

/* One case of a seal table: an operation on fs under a seal set. */
struct table_case {
	const struct seal_set *set;
	size_t si;		/* 0: "none" */
	const struct op *op;
	size_t oi;
	unsigned int seals;	/* in force (seals_in_force) */
	char name[256];		/* PREFIX/FS/SET/OP */
};

/* The operation's answer when run() reported the case itself (a setup failure, a skip). */
#define TABLE_REPORTED (-1)

/*
 * A seal table over ops x seal_sets on one filesystem, for the suites that
 * run it (conformance, audit, durable): table_run() announces nothing,
 * walks the sets and operations, handles the absences above, and asks the
 * suite to run each case and to judge its answer.
 */
struct table {
	const char *prefix;
	const char *fs;
	bool (*runs_set)(void *ctx, const struct seal_set *set);	/* NULL: every set */
	bool (*runs_op)(void *ctx, const struct op *op);		/* NULL: every operation */
	void (*begin_set)(void *ctx, const struct table *t, size_t si);	/* NULL: nothing to do */
	int (*run)(void *ctx, struct table_case *c);		/* the errno seen, or TABLE_REPORTED */
	void (*judge)(void *ctx, struct table_case *c, int got);	/* reports the case */
	void (*done)(void *ctx, struct table_case *c);		/* after each run(); NULL: nothing */
	void *ctx;
};

/* Is ops[oi] a case of the table under set si? */
bool table_has_case(const struct table *t, size_t si, size_t oi);
/* How many cases table_run() reports. */
unsigned int table_cases(const struct table *t);
void table_run(const struct table *t);

int ops_init(void);
/* Adds seals the way the subject supports: bpfseal or native memfd. */
int subject_add_seals(struct subject *s, unsigned int seals, bool memfd);

#endif
