// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Seal lists as users type them, and as sealctl prints them. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "bpfseal_abi.h"
#include "seal_names.h"

static void parses_every_name_to_the_kernel_bits(void **state)
{
	unsigned int seals = 0;
	const char *bad;
	size_t len;

	(void)state;
	assert_int_equal(seal_names_parse("seal,shrink,grow,write,future-write,exec", &seals, &bad, &len), 0);
	assert_int_equal(seals, 0x01 | 0x02 | 0x04 | 0x08 | 0x10 | 0x20);
	assert_int_equal(seal_names_parse("append,name", &seals, &bad, &len), 0);
	assert_int_equal(seals, BPFSEAL_SEAL_APPEND | BPFSEAL_SEAL_NAME);
	assert_int_equal(seal_names_parse("grow", &seals, &bad, &len), 0);
	assert_int_equal(seals, 0x04);	/* F_SEAL_GROW */
}

static void repeated_names_are_harmless(void **state)
{
	unsigned int seals = 0;
	const char *bad;
	size_t len;

	(void)state;
	assert_int_equal(seal_names_parse("write,write", &seals, &bad, &len), 0);
	assert_int_equal(seals, BPFSEAL_SEAL_WRITE);
}

static void unknown_name_is_reported(void **state)
{
	unsigned int seals = 0xdead;
	const char *bad = NULL;
	size_t len = 0;

	(void)state;
	assert_int_equal(seal_names_parse("shrink,wrte,grow", &seals, &bad, &len), -1);
	assert_int_equal(len, 4);
	assert_memory_equal(bad, "wrte", 4);
	assert_int_equal(seals, 0xdead);	/* untouched on error */
}

static void empty_list_and_empty_items_are_refused(void **state)
{
	unsigned int seals;
	const char *bad;
	size_t len;

	(void)state;
	assert_int_equal(seal_names_parse("", &seals, &bad, &len), -1);
	assert_int_equal(seal_names_parse("write,", &seals, &bad, &len), -1);
	assert_int_equal(seal_names_parse(",write", &seals, &bad, &len), -1);
	assert_int_equal(seal_names_parse("write,,grow", &seals, &bad, &len), -1);
	assert_int_equal(len, 0);
}

static void names_are_case_sensitive_and_exact(void **state)
{
	unsigned int seals;
	const char *bad;
	size_t len;

	(void)state;
	assert_int_equal(seal_names_parse("WRITE", &seals, &bad, &len), -1);
	assert_int_equal(seal_names_parse("future_write", &seals, &bad, &len), -1);
	assert_int_equal(seal_names_parse("writes", &seals, &bad, &len), -1);
	assert_int_equal(seal_names_parse(" write", &seals, &bad, &len), -1);
}

static void formats_in_table_order(void **state)
{
	char buf[128];

	(void)state;
	assert_string_equal(seal_names_format(0x08 | 0x02 | 0x04, buf, sizeof(buf)), "shrink,grow,write");
	assert_string_equal(seal_names_format(0, buf, sizeof(buf)), "none");
	assert_string_equal(seal_names_format(BPFSEAL_SEALS_MEMFD, buf, sizeof(buf)),
			    "seal,shrink,grow,write,future-write,exec");
	/* bpfseal's own seals after memfd's; SEAL_NAMES_KNOWN, in messages, is the whole table. */
	assert_string_equal(seal_names_format(BPFSEAL_SEAL_APPEND | BPFSEAL_SEAL_NAME | BPFSEAL_SEAL_WRITE, buf,
					      sizeof(buf)), "write,append,name");
	assert_string_equal(seal_names_format(BPFSEAL_SEAL_ALL, buf, sizeof(buf)), SEAL_NAMES_KNOWN);
}

static void format_round_trips_through_parse(void **state)
{
	char buf[128];
	const char *bad;
	size_t len;

	(void)state;
	/* Every non-empty set of known seals. */
	for (unsigned int m = BPFSEAL_SEAL_ALL; m; m = (m - 1) & BPFSEAL_SEAL_ALL) {
		unsigned int back = 0;

		assert_int_equal(seal_names_parse(seal_names_format(m, buf, sizeof(buf)), &back, &bad, &len), 0);
		assert_int_equal(back, m);
	}
}

static void format_never_overflows_a_small_buffer(void **state)
{
	char buf[8];

	(void)state;
	seal_names_format(BPFSEAL_SEAL_ALL, buf, sizeof(buf));
	assert_true(strlen(buf) < sizeof(buf));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parses_every_name_to_the_kernel_bits),
		cmocka_unit_test(repeated_names_are_harmless),
		cmocka_unit_test(unknown_name_is_reported),
		cmocka_unit_test(empty_list_and_empty_items_are_refused),
		cmocka_unit_test(names_are_case_sensitive_and_exact),
		cmocka_unit_test(formats_in_table_order),
		cmocka_unit_test(format_round_trips_through_parse),
		cmocka_unit_test(format_never_overflows_a_small_buffer),
	};

	return cmocka_run_group_tests_name("seal_names", tests, NULL, NULL);
}
