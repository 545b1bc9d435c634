// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The program table (user/programs.c) is the one source of truth: it must
 * name exactly the skeleton's programs, with their real hooks, and
 * bpf/README.md must show it as generated.
 */
#include <stdarg.h>
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
		cmocka_unit_test(readme_shows_the_table_as_generated),
	};

	return cmocka_run_group_tests_name("programs", tests, NULL, NULL);
}
