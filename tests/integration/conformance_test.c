// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The seal table, executed: every seal set x every operation in ops.c, on
 * bpfseal files on tmpfs, ext4 and xfs and on a native memfd in the same VM.
 * Each subject must match the memfd model (mm/memfd.c, mm/shmem.c); the memfd and bpfseal
 * models differ only where ops.c documents why. After every refusal the file
 * must be unchanged: size, mode and every byte.
 */
#include <sys/mman.h>

#include "bpfseal_abi.h"
#include "itest.h"
#include "ops.h"


struct kind {
	const char *fs;
	const char *dir;
	bool memfd;
};

static int make_subject(const struct kind *k, const struct seal_set *set, struct subject *s)
{
	memset(s, 0, sizeof(*s));
	s->fs = k->fs;
	s->dir = k->dir;
	s->memfd = k->memfd;
	if (k->memfd) {
		s->fd = itest_make_memfd("conformance", s->path, sizeof(s->path));
	} else {
		snprintf(s->path, sizeof(s->path), "%s/conformance.XXXXXX", k->dir);
		s->fd = mkostemp(s->path, O_CLOEXEC);
	}
	if (s->fd < 0 || itest_fill(s->fd) || fchmod(s->fd, set->mode))
		return errno;
	return set->seals ? subject_add_seals(s, set->seals, k->memfd) : 0;
}

static void drop_subject(struct subject *s)
{
	if (s->fd >= 0)
		close(s->fd);
	if (!s->memfd && s->path[0])
		unlink(s->path);
	s->fd = -1;
	s->path[0] = '\0';
}

/* One subject's state while its case runs. */
struct run {
	const struct kind *kind;
	bool no_exec_seal[64];	/* memfd refused F_SEAL_EXEC under this set (6.1) */
	struct subject s;
	struct itest_snapshot before, after;
};

/* memfd cannot take bpfseal's own seals (add_rules_test checks its EINVAL): no case. */
static bool runs_set(void *ctx, const struct seal_set *set)
{
	const struct run *r = ctx;

	return !r->kind->memfd || !(set->seals & BPFSEAL_SEALS_OWN);
}

static int run_case(void *ctx, struct table_case *c)
{
	struct run *r = ctx;
	int err;

	r->s.fd = -1;
	r->s.path[0] = '\0';
	if (r->no_exec_seal[c->si]) {
		itest_skip(c->name, "f_seal_exec", "nothing to run");
		return TABLE_REPORTED;
	}
	err = make_subject(r->kind, c->set, &r->s);
	if (err == EINVAL && r->kind->memfd && (c->set->seals & EXEC)) {
		/* Nothing to compare against. */
		itest_skip(c->name, "f_seal_exec", "memfd refuses F_SEAL_EXEC");
		r->no_exec_seal[c->si] = true;
		return TABLE_REPORTED;
	}
	if (err) {
		itest_report(false, c->name, "setup: cannot make and seal the file: %s", itest_errname(err));
		return TABLE_REPORTED;
	}
	itest_snapshot(r->s.fd, &r->before);
	err = c->op->run(&r->s);
	itest_snapshot(r->s.fd, &r->after);
	return err;
}

static void judge(void *ctx, struct table_case *c, int got)
{
	struct run *r = ctx;
	bool memfd = r->kind->memfd;
	unsigned int fx = memfd && c->op->memfd_differs ? c->op->memfd_effects : c->op->effects;
	int want = expected_errno(c->seals, fx, !memfd && !strcmp(r->kind->fs, "tmpfs"));
	const char *changed;

	if (got != want && !(memfd && want && got == c->op->memfd_alternative))
		itest_report(false, c->name, "got %s, want %s", itest_errname(got), itest_errname(want));
	else if (got && got != ITEST_SHORT_WRITE && (changed = itest_snapshot_diff(&r->before, &r->after)))
		itest_report(false, c->name, "refused with %s but the %s", itest_errname(got), changed);
	else
		itest_report(true, c->name, " ");
}

static void done(void *ctx, struct table_case *c)
{
	(void)c;
	drop_subject(&((struct run *)ctx)->s);
}

static struct table table_of(struct run *r)
{
	return (struct table){ .prefix = "conformance", .fs = r->kind->fs, .runs_set = runs_set,
			       .run = run_case, .judge = judge, .done = done, .ctx = r };
}

int main(void)
{
	static const struct kind kinds[] = {
		{ "tmpfs", "/mnt/tmpfs", false },
		{ "ext4", "/mnt/ext4", false },
		{ "xfs", "/mnt/xfs", false },	/* reflink and dedupe */
		{ "memfd", "/mnt/tmpfs", true },
	};
#define N_KINDS (sizeof(kinds) / sizeof(kinds[0]))
	static struct run runs[N_KINDS];
	struct table tables[N_KINDS];
	unsigned int cases = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (size_t i = 0; i < N_KINDS; i++) {
		runs[i].kind = &kinds[i];
		tables[i] = table_of(&runs[i]);
		cases += table_cases(&tables[i]);
	}
	itest_plan(cases);
	ops_init();
	for (size_t i = 0; i < n_ops; i++)
		if (ops[i].memfd_differs)
			printf("  [%s] documented difference, %s: %s\n", itest_kernel(), ops[i].name, ops[i].why);
	for (size_t i = 0; i < N_KINDS; i++)
		table_run(&tables[i]);
	return itest_end();
}
