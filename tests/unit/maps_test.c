// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The map list (bpf/map_list.h) is the policy's: every map the skeleton's
 * object holds is in it, or is read-only data libbpf freezes at load
 * (.rodata); and every map of the list is in the object. A map outside the
 * list would be left writable by locked mode.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdbool.h>
#include <string.h>
#include <cmocka.h>
#include <linux/bpf.h>
#include <bpf/libbpf.h>

#include "bpfseal.skel.h"
#include "map_list.h"

#define MAP_NAME(name, type, kind) #name,
static const char *const listed[] = { BPFSEAL_MAPS(MAP_NAME) };
#undef MAP_NAME
#define N_LISTED (sizeof(listed) / sizeof(listed[0]))

static bool in_list(const char *name)
{
	for (size_t i = 0; i < N_LISTED; i++)
		if (!strcmp(listed[i], name))
			return true;
	return false;
}

static void every_map_is_listed_or_read_only_data(void **state)
{
	struct bpfseal *skel = bpfseal__open();
	struct bpf_map *map;

	(void)state;
	assert_non_null(skel);
	bpf_object__for_each_map(map, skel->obj) {
		const char *name = bpf_map__name(map);

		if (in_list(name))
			continue;
		if (!bpf_map__is_internal(map) || !(bpf_map__map_flags(map) & BPF_F_RDONLY_PROG))
			fail_msg("map %s is not in bpf/map_list.h: locked mode would leave it writable", name);
	}
	bpfseal__destroy(skel);
}

static void every_listed_map_is_in_the_object(void **state)
{
	struct bpfseal *skel = bpfseal__open();

	(void)state;
	assert_non_null(skel);
	for (size_t i = 0; i < N_LISTED; i++)
		if (!bpf_object__find_map_by_name(skel->obj, listed[i]))
			fail_msg("bpf/map_list.h names %s, which the object does not hold", listed[i]);
	bpfseal__destroy(skel);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_map_is_listed_or_read_only_data),
		cmocka_unit_test(every_listed_map_is_in_the_object),
	};

	return cmocka_run_group_tests_name("maps", tests, NULL, NULL);
}
