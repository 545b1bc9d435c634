// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * bpf/seal_rules.h as tables: each row is a seal set, the facts a hook
 * sees, and memfd's answer (mm/memfd.c, mm/shmem.c). The VM
 * suite checks the same rows against the running kernel.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <cmocka.h>

#include "seal_rules.h"

#define SEAL BPFSEAL_SEAL_SEAL
#define SHRINK BPFSEAL_SEAL_SHRINK
#define GROW BPFSEAL_SEAL_GROW
#define WRITE BPFSEAL_SEAL_WRITE
#define FWRITE BPFSEAL_SEAL_FUTURE_WRITE
#define EXEC BPFSEAL_SEAL_EXEC
#define APPEND BPFSEAL_SEAL_APPEND
#define NAME BPFSEAL_SEAL_NAME

/* The kernel's values (include/uapi/linux/falloc.h), not the header's names for them. */
#define KEEP 0x01	/* FALLOC_FL_KEEP_SIZE */
#define PUNCH 0x02	/* FALLOC_FL_PUNCH_HOLE */
#define COLLAPSE 0x08	/* FALLOC_FL_COLLAPSE_RANGE */
#define ZERO 0x10	/* FALLOC_FL_ZERO_RANGE */
#define INSERT 0x20	/* FALLOC_FL_INSERT_RANGE */
#define UNSHARE 0x40	/* FALLOC_FL_UNSHARE_RANGE */

#define SIZE 16384

static void fallocate_rules(void **state)
{
	static const struct {
		const char *name;
		unsigned int seals;
		int mode;
		long long offset, len;
		int want;
	} rows[] = {
		{ "unsealed punch", 0, PUNCH | KEEP, 0, 4096, 0 },
		{ "write: allocate in bounds", WRITE, 0, 0, 4096, 0 },
		{ "write: keep-size in bounds", WRITE, KEEP, 0, 4096, 0 },
		{ "write: punch", WRITE, PUNCH | KEEP, 0, 4096, EPERM },
		{ "future-write: punch", FWRITE, PUNCH | KEEP, 0, 4096, EPERM },
		{ "write: zero range", WRITE, ZERO, 0, 4096, EPERM },
		{ "write: unshare", WRITE, UNSHARE, 0, 4096, EPERM },
		{ "write: allocate past EOF (grows; write alone allows)", WRITE, 0, SIZE, 4096, 0 },
		{ "grow: allocate past EOF", GROW, 0, SIZE, 4096, EPERM },
		{ "grow: keep-size past EOF, as shmem", GROW, KEEP, SIZE, 4096, EPERM },
		{ "grow: allocate up to EOF", GROW, 0, SIZE - 4096, 4096, 0 },
		{ "grow: insert range", GROW, INSERT, 4096, 4096, EPERM },
		{ "grow: punch in bounds", GROW, PUNCH | KEEP, 0, 4096, 0 },
		{ "shrink: collapse", SHRINK, COLLAPSE, 4096, 4096, EPERM },
		{ "shrink: insert", SHRINK, INSERT, 4096, 4096, 0 },
		{ "shrink: allocate past EOF", SHRINK, 0, SIZE, 4096, 0 },
		{ "exec alone: punch", EXEC, PUNCH | KEEP, 0, 4096, 0 },
		{ "append: punch", APPEND, PUNCH | KEEP, 0, 4096, EPERM },
		{ "append: zero range", APPEND, ZERO, 0, 4096, EPERM },
		{ "append: collapse", APPEND, COLLAPSE, 4096, 4096, EPERM },
		{ "append: insert", APPEND, INSERT, 4096, 4096, EPERM },
		{ "append: allocate in bounds", APPEND, 0, 0, 4096, 0 },
		{ "append: allocate past EOF (grows)", APPEND, 0, SIZE, 4096, 0 },
		{ "append,grow: allocate past EOF", APPEND | GROW, 0, SIZE, 4096, EPERM },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		int got = seal_rules_fallocate(rows[i].seals, rows[i].mode, rows[i].offset, rows[i].len, SIZE);

		if (got != rows[i].want)
			fail_msg("fallocate %s: got %d, want %d", rows[i].name, got, rows[i].want);
	}
}

static void write_rules(void **state)
{
	static const struct {
		const char *name;
		unsigned int seals;
		long long start, len;
		int want;
	} rows[] = {
		{ "unsealed past EOF", 0, SIZE, 10, 0 },
		{ "write: in bounds", WRITE, 0, 10, EPERM },
		{ "future-write: in bounds", FWRITE, 0, 10, EPERM },
		{ "grow: in bounds", GROW, 0, 10, 0 },
		{ "grow: ends at EOF", GROW, SIZE - 10, 10, 0 },
		{ "grow: crosses EOF (refused whole)", GROW, SIZE - 5, 10, EPERM },
		{ "grow: append", GROW, SIZE, 1, EPERM },
		{ "grow: empty write at EOF", GROW, SIZE, 0, 0 },
		{ "shrink: append", SHRINK, SIZE, 10, 0 },
		{ "exec: in bounds", EXEC, 0, 10, 0 },
		{ "append: at EOF", APPEND, SIZE, 10, 0 },
		{ "append: in bounds", APPEND, 0, 10, EPERM },
		{ "append: crossing EOF", APPEND, SIZE - 5, 10, EPERM },
		{ "append: past EOF (a hole)", APPEND, SIZE + 1, 10, EPERM },
		{ "append,grow: at EOF", APPEND | GROW, SIZE, 10, EPERM },
		{ "append,write: at EOF", APPEND | WRITE, SIZE, 10, EPERM },
		{ "name: in bounds", NAME, 0, 10, 0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		int got = seal_rules_write(rows[i].seals, rows[i].start, rows[i].len, SIZE);

		if (got != rows[i].want)
			fail_msg("write %s: got %d, want %d", rows[i].name, got, rows[i].want);
	}
	/* Only GROW (without a content seal) needs the position worked out. */
	assert_true(seal_rules_write_position_matters(GROW, 1));
	assert_false(seal_rules_write_position_matters(GROW | WRITE, 1));
	assert_false(seal_rules_write_position_matters(SHRINK, 1));
	assert_false(seal_rules_write_position_matters(GROW, 0));
	assert_true(seal_rules_write_position_matters(APPEND, 1));
}

static void setattr_rules(void **state)
{
	static const struct {
		const char *name;
		unsigned int seals;
		int sets_size;
		long long new_size;
		int sets_mode;
		unsigned int new_mode;
		int want;
	} rows[] = {
		{ "shrink: truncate smaller", SHRINK, 1, 100, 0, 0, EPERM },
		{ "shrink: truncate larger", SHRINK, 1, SIZE + 1, 0, 0, 0 },
		{ "grow: truncate larger", GROW, 1, SIZE + 1, 0, 0, EPERM },
		{ "grow: truncate smaller", GROW, 1, 100, 0, 0, 0 },
		{ "shrink,grow: same size", SHRINK | GROW, 1, SIZE, 0, 0, 0 },
		{ "write: truncate smaller (write alone allows)", WRITE, 1, 100, 0, 0, 0 },
		{ "exec: chmod +x", EXEC, 0, 0, 1, 0100644 | 0100, EPERM },
		{ "exec: chmod g+x", EXEC, 0, 0, 1, 0100654, EPERM },
		{ "exec: chmod other bits", EXEC, 0, 0, 1, 0100604, 0 },
		{ "shrink: chmod +x", SHRINK, 0, 0, 1, 0100744, 0 },
		{ "append: truncate smaller", APPEND, 1, 100, 0, 0, EPERM },
		{ "append: truncate larger (zeros at the end)", APPEND, 1, SIZE + 1, 0, 0, 0 },
		{ "append,grow: truncate larger", APPEND | GROW, 1, SIZE + 1, 0, 0, EPERM },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		int got = seal_rules_setattr(rows[i].seals, rows[i].sets_size, SIZE, rows[i].new_size,
					     rows[i].sets_mode, 0100644, rows[i].new_mode);

		if (got != rows[i].want)
			fail_msg("setattr %s: got %d, want %d", rows[i].name, got, rows[i].want);
	}
}

static void mapping_rules(void **state)
{
	(void)state;
	/* seals, PROT_WRITE, fd writable, shmem */
	assert_int_equal(seal_rules_mmap_shared(0, 1, 1, 1), 0);
	assert_int_equal(seal_rules_mmap_shared(WRITE, 1, 1, 0), EPERM);
	assert_int_equal(seal_rules_mmap_shared(FWRITE, 1, 1, 0), EPERM);
	assert_int_equal(seal_rules_mmap_shared(WRITE, 0, 1, 0), 0);	/* read-only, ext4: fine */
	assert_int_equal(seal_rules_mmap_shared(WRITE, 0, 1, 1), EPERM);	/* shmem: userfaultfd */
	assert_int_equal(seal_rules_mmap_shared(WRITE, 0, 0, 1), 0);	/* read-only fd: fine */
	assert_int_equal(seal_rules_mmap_shared(GROW, 1, 1, 1), 0);
	assert_int_equal(seal_rules_mprotect_to_write(WRITE), EACCES);
	assert_int_equal(seal_rules_mprotect_to_write(FWRITE), EACCES);
	assert_int_equal(seal_rules_mprotect_to_write(GROW | SHRINK), 0);
	assert_int_equal(seal_rules_mmap_shared(APPEND, 1, 1, 0), EPERM);
	assert_int_equal(seal_rules_mmap_shared(APPEND, 0, 1, 1), EPERM);	/* shmem: userfaultfd */
	assert_int_equal(seal_rules_mprotect_to_write(APPEND), EACCES);
	assert_int_equal(seal_rules_name_change(NAME), EPERM);
	assert_int_equal(seal_rules_name_change(APPEND | WRITE | SEAL), 0);
}

static void add_rules(void **state)
{
	static const struct {
		const char *name;
		int fd_writable, caller_may_seal;
		unsigned long request;
		unsigned int old, mode;
		int want;
		unsigned int add, new_fenced;
		int adds_write;
	} rows[] = {
		{ "fd not writable (first, as memfd)", 0, 0, 0x40, 0, 0644, EPERM, 0, 0, 0 },
		{ "unknown bit", 1, 0, GROW | 0x40, 0, 0644, EINVAL, 0, 0, 0 },
		{ "details flag is not unknown", 1, 1, GROW | BPFSEAL_ADD_DETAILS, 0, 0644, 0, GROW,
		  GROW, 0 },
		{ "not the owner", 1, 0, GROW, 0, 0644, EPERM, 0, 0, 0 },
		{ "SEAL set", 1, 1, GROW, SEAL, 0644, EPERM, 0, 0, 0 },
		{ "SEAL set, adding nothing", 1, 1, 0, SEAL, 0644, EPERM, 0, 0, 0 },
		/* memfd: EXEC on a file with an x bit also seals shrink, grow, write and future-write. */
		{ "exec on x file implies", 1, 1, EXEC, 0, 0755, 0, EXEC | SHRINK | GROW | WRITE | FWRITE,
		  GROW | WRITE | FWRITE, 1 },
		{ "append: fenced, with the mapping check", 1, 1, APPEND, 0, 0644, 0, APPEND, APPEND, 1 },
		{ "name: neither", 1, 1, NAME, 0, 0644, 0, NAME, 0, 0 },
		{ "persist flag is not unknown", 1, 1, GROW | BPFSEAL_ADD_PERSIST, 0, 0644, 0, GROW, GROW, 0 },
		{ "exec on non-x file", 1, 1, EXEC, 0, 0644, 0, EXEC, 0, 0 },
		{ "write again adds no write", 1, 1, WRITE | GROW, WRITE, 0644, 0, WRITE | GROW, GROW, 0 },
		{ "future-write: fenced, no mapping check", 1, 1, FWRITE, 0, 0644, 0, FWRITE, FWRITE, 0 },
		{ "shrink is not fenced", 1, 1, SHRINK, 0, 0644, 0, SHRINK, 0, 0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct seal_add a = {
			.fd_writable = rows[i].fd_writable,
			.request = rows[i].request,
			.caller_may_seal = rows[i].caller_may_seal,
			.old = rows[i].old,
			.mode = rows[i].mode,
		};
		int got = seal_rules_add(&a);

		if (got != rows[i].want)
			fail_msg("add %s: got %d, want %d", rows[i].name, got, rows[i].want);
		if (!got && (a.add != rows[i].add || a.new_fenced != rows[i].new_fenced ||
			     a.adds_write != rows[i].adds_write))
			fail_msg("add %s: add %#x fenced %#x write %d, want %#x %#x %d", rows[i].name, a.add,
				 a.new_fenced, a.adds_write, rows[i].add, rows[i].new_fenced, rows[i].adds_write);
	}
}

static void writer_open_rules(void **state)
{
	(void)state;
	assert_int_equal(seal_rules_writer_open(WRITE, SEAL_RULES_OPENER_USER), 0);
	assert_int_equal(seal_rules_writer_open(WRITE, SEAL_RULES_OPENER_KERNEL_THREAD), EPERM);
	assert_int_equal(seal_rules_writer_open(WRITE, SEAL_RULES_OPENER_IN_CALL), EPERM);
	assert_int_equal(seal_rules_writer_open(GROW, SEAL_RULES_OPENER_KERNEL_THREAD), 0);
	assert_int_equal(seal_rules_writer_open(GROW, SEAL_RULES_OPENER_IN_CALL), EPERM);
	assert_int_equal(seal_rules_writer_open(SHRINK | EXEC, SEAL_RULES_OPENER_IN_CALL), 0);
	/* acct only appends: APPEND lets it keep its file, GROW and WRITE do not. */
	assert_int_equal(seal_rules_writer_open(APPEND, SEAL_RULES_OPENER_ACCT), 0);
	assert_int_equal(seal_rules_writer_open(APPEND | GROW, SEAL_RULES_OPENER_ACCT), EPERM);
	assert_int_equal(seal_rules_writer_open(WRITE, SEAL_RULES_OPENER_ACCT), EPERM);
	assert_int_equal(seal_rules_writer_open(APPEND, SEAL_RULES_OPENER_IN_CALL), EPERM);
	assert_int_equal(seal_rules_writer_open(APPEND, SEAL_RULES_OPENER_KERNEL_THREAD), 0);
}

/* Which of seal_rules_add()'s checks refused: what a refused request's audit record says. */
static void add_refusal_reasons(void **state)
{
	static const struct {
		const char *name;
		int fd_writable, caller_may_seal;
		unsigned long request;
		unsigned int old, want;
	} rows[] = {
		{ "fd not writable", 0, 1, GROW, 0, BPFSEAL_REASON_NOT_WRITABLE },
		{ "unknown bit", 1, 1, GROW | 0x40, 0, BPFSEAL_REASON_UNKNOWN_BITS },
		{ "not the owner", 1, 0, GROW, 0, BPFSEAL_REASON_NOT_OWNER },
		{ "SEAL set", 1, 1, GROW, SEAL, BPFSEAL_REASON_SEALED },
		{ "accepted", 1, 1, GROW, 0, BPFSEAL_REASON_NONE },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct seal_add a = { .fd_writable = rows[i].fd_writable, .request = rows[i].request,
				      .caller_may_seal = rows[i].caller_may_seal, .old = rows[i].old, .mode = 0644 };

		seal_rules_add(&a);
		if (a.refusal != rows[i].want)
			fail_msg("add %s: refusal %u, want %u", rows[i].name, a.refusal, rows[i].want);
	}
}

/*
 * For every rule, every set of seals and a spread of facts: which seals
 * refuse on their own, written out from memfd's rules (mm/memfd.c,
 * mm/shmem.c) and bpfseal's own seals, not taken from the code. A set
 * refuses exactly when one of its seals is among them, and
 * SEAL_RULES_BLOCKERS names exactly those of the set: so a refusal's
 * record always names its seals, and the right ones.
 */
#define CHECK_BLOCKERS(what, seals, alone, call)                                                     \
	do {                                                                                          \
		unsigned int s_ = (seals), want_ = s_ & (alone), b_ = SEAL_RULES_BLOCKERS(s_, one, call); \
		int refused_ = ({ unsigned int one = s_; (call) != 0; });                             \
		if (refused_ != (want_ != 0) || b_ != want_)                                          \
			fail_msg("%s, seals %#x: refuses %d, blockers %#x, want %#x", what, s_, refused_, b_, \
				 want_);                                                               \
	} while (0)

/* memfd's WRITE and FUTURE_WRITE: no byte may change, by any write path. */
#define NO_BYTES (WRITE | FWRITE)
/* With bpfseal's APPEND: no byte already there may change; nor may a mapping. */
#define NO_REWRITES (WRITE | FWRITE | APPEND)

static void blockers_name_every_refusal(void **state)
{
	static const unsigned int bits[] = { SEAL, SHRINK, GROW, WRITE, FWRITE, EXEC, APPEND, NAME };
	static const long long starts[] = { 0, SIZE - 5, SIZE, SIZE + 100 }, lens[] = { 0, 1, 10 };
	/* A write of lens[j] bytes at starts[i]; one of no bytes only WRITE and FUTURE_WRITE refuse. */
	static const unsigned int write_alone[4][3] = {
		{ NO_BYTES, NO_REWRITES, NO_REWRITES },			/* at 0 */
		{ NO_BYTES, NO_REWRITES, NO_REWRITES | GROW },		/* ending at, or crossing, EOF */
		{ NO_BYTES, NO_BYTES | GROW, NO_BYTES | GROW },		/* at EOF: an append */
		{ NO_BYTES, NO_REWRITES | GROW, NO_REWRITES | GROW },	/* past EOF, leaving a hole */
	};
	static const int modes[] = { 0, KEEP, PUNCH | KEEP, COLLAPSE, ZERO, INSERT, UNSHARE };
	static const long long offsets[] = { 0, SIZE - 4096, SIZE };
	/* 4096 bytes at offsets[j]: in bounds, up to EOF, past EOF (GROW, even with KEEP_SIZE). */
	static const unsigned int fallocate_alone[7][3] = {
		{ 0, 0, GROW },							/* allocate */
		{ 0, 0, GROW },							/* keep size */
		{ NO_REWRITES, NO_REWRITES, NO_REWRITES | GROW },		/* punch hole */
		{ NO_REWRITES | SHRINK, NO_REWRITES | SHRINK, NO_REWRITES | SHRINK | GROW }, /* collapse */
		{ NO_REWRITES, NO_REWRITES, NO_REWRITES | GROW },		/* zero range */
		{ NO_REWRITES | GROW, NO_REWRITES | GROW, NO_REWRITES | GROW },	/* insert range */
		{ NO_REWRITES, NO_REWRITES, NO_REWRITES | GROW },		/* unshare */
	};
	/* setattr: [sets size][new size SIZE - 1, SIZE, SIZE + 1][chmod 0644 -> 0755]. */
	static const unsigned int setattr_alone[2][3][2] = {
		{ { 0, EXEC }, { 0, EXEC }, { 0, EXEC } },
		{ { SHRINK | APPEND, SHRINK | APPEND | EXEC }, { 0, EXEC }, { GROW, GROW | EXEC } },
	};
	/* mmap MAP_SHARED: [shmem][fd writable][PROT_WRITE]; on shmem userfaultfd fills holes. */
	static const unsigned int mmap_alone[2][2][2] = {
		{ { 0, NO_REWRITES }, { 0, NO_REWRITES } },
		{ { 0, NO_REWRITES }, { NO_REWRITES, NO_REWRITES } },
	};
	/* Opening for writing, by SEAL_RULES_OPENER_*: user, kernel thread, in a call, acct. */
	static const unsigned int writer_open_alone[] = { 0, NO_BYTES, NO_REWRITES | GROW, NO_BYTES | GROW };

	(void)state;
	for (unsigned int m = 0; m < 256; m++) {
		unsigned int seals = 0;

		for (int b = 0; b < 8; b++)
			if (m & (1u << b))
				seals |= bits[b];
		for (size_t i = 0; i < 4; i++)
			for (size_t j = 0; j < 3; j++)
				CHECK_BLOCKERS("write", seals, write_alone[i][j],
					       seal_rules_write(one, starts[i], lens[j], SIZE));
		for (size_t i = 0; i < 7; i++)
			for (size_t j = 0; j < 3; j++)
				CHECK_BLOCKERS("fallocate", seals, fallocate_alone[i][j],
					       seal_rules_fallocate(one, modes[i], offsets[j], 4096, SIZE));
		for (int size = 0; size < 2; size++)
			for (int n = 0; n < 3; n++)
				for (int mode = 0; mode < 2; mode++)
					CHECK_BLOCKERS("setattr", seals, setattr_alone[size][n][mode],
						       seal_rules_setattr(one, size, SIZE, SIZE - 1 + n, mode, 0644,
									  mode ? 0755 : 0644));
		for (int f = 0; f < 8; f++)
			CHECK_BLOCKERS("mmap", seals, mmap_alone[!!(f & 4)][!!(f & 2)][f & 1],
				       seal_rules_mmap_shared(one, f & 1, f & 2, f & 4));
		CHECK_BLOCKERS("mprotect", seals, NO_REWRITES, seal_rules_mprotect_to_write(one));
		CHECK_BLOCKERS("name", seals, NAME, seal_rules_name_change(one));
		for (int who = SEAL_RULES_OPENER_USER; who <= SEAL_RULES_OPENER_ACCT; who++)
			CHECK_BLOCKERS("writer open", seals, writer_open_alone[who], seal_rules_writer_open(one, who));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fallocate_rules),
		cmocka_unit_test(write_rules),
		cmocka_unit_test(setattr_rules),
		cmocka_unit_test(mapping_rules),
		cmocka_unit_test(add_rules),
		cmocka_unit_test(writer_open_rules),
		cmocka_unit_test(add_refusal_reasons),
		cmocka_unit_test(blockers_name_every_refusal),
	};

	return cmocka_run_group_tests_name("seal_rules", tests, NULL, NULL);
}
