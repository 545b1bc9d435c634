// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The program table (user/programs.c) is the one source of truth: it must
 * name exactly the skeleton's programs, with their real hooks, and
 * bpf/README.md must show it as generated.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <bpf/libbpf.h>

#include "bpfseal.skel.h"
#include "programs.h"

#define README SOURCE_DIR "/bpf/README.md"
#define GENERATED BUILD_DIR "/bpf-README-programs.md"

static void every_skeleton_program_is_in_the_table_with_its_hook(void **state)
{
	struct bpfseal *skel = bpfseal__open();
	struct bpf_program *prog;
	size_t seen = 0;

	(void)state;
	assert_non_null(skel);
	bpf_object__for_each_program(prog, skel->obj) {
		const struct policy_program *p = policy_program_find(bpf_program__name(prog));

		if (!p)
			fail_msg("program %s is not in policy_programs[]", bpf_program__name(prog));
		if (strcmp(p->hook, bpf_program__section_name(prog)))
			fail_msg("program %s: table says %s, its section is %s", p->name, p->hook,
				 bpf_program__section_name(prog));
		seen++;
	}
	bpfseal__destroy(skel);
	/* Names are unique, so equal counts mean no table entry lacks a program. */
	assert_int_equal(seen, policy_program_count);
}

static void table_names_are_unique(void **state)
{
	(void)state;
	for (size_t i = 0; i < policy_program_count; i++)
		for (size_t j = i + 1; j < policy_program_count; j++)
			if (!strcmp(policy_programs[i].name, policy_programs[j].name))
				fail_msg("%s is in the table twice", policy_programs[i].name);
}

/* Can one kernel want both programs? (Derived features ignored: it may say yes for a pair that cannot.) */
static bool run_together(const struct policy_program *a, const struct policy_program *b)
{
	return !((a->needs | b->needs) & (a->excludes | b->excludes));
}

static const struct policy_shared_hook *shared_hook(const char *hook)
{
	for (size_t i = 0; i < policy_shared_hook_count; i++)
		if (!strcmp(policy_shared_hooks[i].hook, hook))
			return &policy_shared_hooks[i];
	return NULL;
}

static bool lists(const struct policy_shared_hook *h, const char *name)
{
	for (size_t i = 0; i < SHARED_HOOK_PROGRAMS_MAX && h->programs[i]; i++)
		if (!strcmp(h->programs[i], name))
			return true;
	return false;
}

static void every_hook_with_programs_that_run_together_says_their_order(void **state)
{
	(void)state;
	for (size_t i = 0; i < policy_program_count; i++)
		for (size_t j = i + 1; j < policy_program_count; j++) {
			const struct policy_program *a = &policy_programs[i], *b = &policy_programs[j];
			const struct policy_shared_hook *h = shared_hook(a->hook);

			if (strcmp(a->hook, b->hook) || !run_together(a, b))
				continue;
			if (!h || !lists(h, a->name) || !lists(h, b->name))
				fail_msg("%s and %s both run on %s: policy_shared_hooks[] must list them in attach order",
					 a->name, b->name, a->hook);
		}
	for (size_t i = 0; i < policy_shared_hook_count; i++) {
		const struct policy_shared_hook *h = &policy_shared_hooks[i];
		size_t n = 0;

		for (; n < SHARED_HOOK_PROGRAMS_MAX && h->programs[n]; n++) {
			const struct policy_program *p = policy_program_find(h->programs[n]);

			if (!p || strcmp(p->hook, h->hook))
				fail_msg("policy_shared_hooks[] lists %s under %s, which the table does not",
					 h->programs[n], h->hook);
		}
		if (n < 2 || !h->why || !h->why[0])
			fail_msg("%s: a shared hook has two programs or more and says why their order does not matter",
				 h->hook);
	}
}

/* The loader attaches in the skeleton's order (attach_and_pin): the stated order must be that one. */
static void shared_hook_order_is_the_attach_order(void **state)
{
	struct bpfseal *skel = bpfseal__open();
	struct bpf_program *prog;
	size_t next[16] = { 0 };

	(void)state;
	assert_non_null(skel);
	assert_true(policy_shared_hook_count <= sizeof(next) / sizeof(next[0]));
	bpf_object__for_each_program(prog, skel->obj) {
		for (size_t i = 0; i < policy_shared_hook_count; i++) {
			const struct policy_shared_hook *h = &policy_shared_hooks[i];

			if (!lists(h, bpf_program__name(prog)))
				continue;
			if (strcmp(h->programs[next[i]], bpf_program__name(prog)))
				fail_msg("%s: the loader attaches %s where the table says %s", h->hook,
					 bpf_program__name(prog), h->programs[next[i]]);
			next[i]++;
		}
	}
	bpfseal__destroy(skel);
}

static char *read_all(FILE *f)
{
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap);

	while (buf && !feof(f)) {
		if (len + 1024 > cap)
			buf = realloc(buf, cap *= 2);
		if (buf)
			len += fread(buf + len, 1, cap - len - 1, f);
	}
	if (buf)
		buf[len] = '\0';
	return buf;
}

static void readme_shows_the_table_as_generated(void **state)
{
	const char *begin = "<!-- programs:begin (generated from user/programs.c) -->\n";
	const char *end = "<!-- programs:end -->";
	FILE *f = fopen(README, "r"), *mem;
	char *readme, *want, *start, *stop;
	size_t want_len = 0;

	(void)state;
	assert_non_null(f);
	readme = read_all(f);
	fclose(f);
	mem = open_memstream(&want, &want_len);
	policy_programs_markdown(mem);
	fclose(mem);
	start = strstr(readme, begin);
	stop = start ? strstr(start, end) : NULL;
	if (!start || !stop || (size_t)(stop - start - strlen(begin)) != want_len ||
	    memcmp(start + strlen(begin), want, want_len)) {
		f = fopen(GENERATED, "w");
		if (f) {
			fprintf(f, "%s%s%s\n", begin, want, end);
			fclose(f);
		}
		fail_msg("bpf/README.md's program table is out of date: paste " GENERATED " between its markers");
	}
	free(want);
	free(readme);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_skeleton_program_is_in_the_table_with_its_hook),
		cmocka_unit_test(table_names_are_unique),
		cmocka_unit_test(every_hook_with_programs_that_run_together_says_their_order),
		cmocka_unit_test(shared_hook_order_is_the_attach_order),
		cmocka_unit_test(readme_shows_the_table_as_generated),
	};

	return cmocka_run_group_tests_name("programs", tests, NULL, NULL);
}
