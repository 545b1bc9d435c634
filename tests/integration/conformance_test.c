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
	if (!s->memfd)
		unlink(s->path);
}

/* memfd cannot take bpfseal's own seals (add_rules_test checks its EINVAL): no case. */
static bool memfd_set(const struct seal_set *set)
{
	return !(set->seals & BPFSEAL_SEALS_OWN);
}

static bool any_set(const struct seal_set *set)
{
	(void)set;
	return true;
}

static void run_kind(const struct kind *k)
{
	const char *lacking[256] = { NULL };
	char name[256];

	for (size_t si = 0; si < n_seal_sets; si++) {
		const struct seal_set *set = &seal_sets[si];
		unsigned int seals = seals_in_force(set);
		bool no_exec_seal = false;

		if (k->memfd && !memfd_set(set))
			continue;
		for (size_t oi = 0; oi < n_ops; oi++) {
			const struct op *op = &ops[oi];
			unsigned int fx = k->memfd && op->memfd_differs ? op->memfd_effects : op->effects;
			bool absent = op_absent_on(op, k->fs);
			struct itest_snapshot *before, *after;
			struct subject s;
			int want = expected_errno(seals, fx, !k->memfd && !strcmp(k->fs, "tmpfs")), got, err;
			const char *changed;

			snprintf(name, sizeof(name), "conformance/%s/%s/%s", k->fs, set->name, op->name);
			if (absent && si)
				continue;
			if (lacking[oi] || no_exec_seal) {
				itest_skip(name, no_exec_seal ? "f_seal_exec" : lacking[oi], "nothing to run");
				continue;
			}
			err = make_subject(k, set, &s);
			if (err == EINVAL && k->memfd && (set->seals & EXEC)) {
				/* Nothing to compare against. */
				itest_skip(name, "f_seal_exec", "memfd refuses F_SEAL_EXEC");
				no_exec_seal = true;
				drop_subject(&s);
				continue;
			}
			if (err) {
				itest_report(false, name, "setup: cannot make and seal the file: %s", itest_errname(err));
				drop_subject(&s);
				continue;
			}
			before = malloc(sizeof(*before));
			after = malloc(sizeof(*after));
			itest_snapshot(s.fd, before);
			got = op->run(&s);
			itest_snapshot(s.fd, after);
			if (absent) {
				itest_report(unsupported_errno(got), name,
					     "got %s: %s has it now; take it out of ops.c's absences", itest_errname(got), k->fs);
			} else if (si == 0 && got && unsupported_errno(got) && op_feature_on(op, k->fs)) {
				lacking[oi] = op_feature_on(op, k->fs);
				itest_skip(name, lacking[oi], "%s answers %s", op->name, itest_errname(got));
			} else if (got != want && !(k->memfd && want && got == op->memfd_alternative)) {
				itest_report(false, name, "got %s, want %s", itest_errname(got), itest_errname(want));
			} else if (got && got != ITEST_SHORT_WRITE && (changed = itest_snapshot_diff(before, after))) {
				itest_report(false, name, "refused with %s but the %s", itest_errname(got), changed);
			} else {
				itest_report(true, name, " ");
			}
			free(before);
			free(after);
			drop_subject(&s);
		}
	}
}

int main(void)
{
	static const struct kind kinds[] = {
		{ "tmpfs", "/mnt/tmpfs", false },
		{ "ext4", "/mnt/ext4", false },
		{ "xfs", "/mnt/xfs", false },	/* reflink and dedupe */
		{ "memfd", "/mnt/tmpfs", true },
	};
	unsigned int cases = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		cases += ops_table_cases(kinds[i].fs, kinds[i].memfd ? memfd_set : any_set);
	itest_plan(cases);
	ops_init();
	for (size_t i = 0; i < n_ops; i++)
		if (ops[i].memfd_differs)
			printf("  [%s] documented difference, %s: %s\n", itest_kernel(), ops[i].name, ops[i].why);
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		run_kind(&kinds[i]);
	return itest_end();
}
