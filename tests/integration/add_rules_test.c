// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Adding seals follows memfd_add_seals(): the same errors, in the same order,
 * with nothing changed on a refusal; seals only ever grow, and nobody can
 * shrink them through the map. Each rule runs on a bpfseal file (tmpfs and
 * ext4) and, where memfd has the rule, on a native memfd in the same VM.
 */
#include <sys/mman.h>
#include <bpf/bpf.h>

#include "bpfseal.h"
#include "bpfseal_abi.h"
#include "itest.h"

struct target {
	const char *name;	/* tmpfs, ext4, memfd */
	const char *dir;
	bool memfd;
};

static char path[4096];

/*
 * How the cases that follow report instead of running: a set-up that
 * failed (not_run), or a feature of tests/integration/features this kernel
 * lacks (lacking, with not_run saying how it showed). NULL: they run.
 */
static const char *not_run, *lacking;
static char why[512];

static bool runs(const char *name)
{
	if (!lacking)
		return itest_runs(name, not_run);
	itest_skip(name, lacking, "%s", not_run);
	return false;
}

/* A fresh filled file (or memfd) with this mode, open O_RDWR; -1 and not_run set if not. */
static int make(const struct target *t, mode_t mode)
{
	int fd;

	if (t->memfd) {
		fd = itest_make_memfd("rules", path, sizeof(path));
	} else {
		snprintf(path, sizeof(path), "%s/rules.XXXXXX", t->dir);
		fd = mkostemp(path, O_CLOEXEC);
	}
	if (fd < 0 || itest_fill(fd) || fchmod(fd, mode)) {
		snprintf(why, sizeof(why), "cannot make a file in %.256s: %s", t->dir ? t->dir : "memfd",
			 strerror(errno));
		not_run = why;
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

static void drop(const struct target *t, int fd)
{
	if (fd < 0)
		return;
	close(fd);
	if (!t->memfd)
		unlink(path);
}

/* Same entry point for both: the library uses native seals on memfds. */
static int add(int fd, unsigned int seals)
{
	return bpfseal_add_seals(fd, seals) ? errno : 0;
}

static int get(int fd)
{
	return bpfseal_get_seals(fd);
}

enum mapping { NO_MAPPING, SHARED_RW, SHARED_RO, PRIVATE_RW };

/*
 * One rule: a fresh file with `mode`, `before` added first, an optional
 * mapping, then `request` through an O_RDWR (or O_RDONLY) descriptor.
 */
struct rule {
	const char *name;	/* the request's errno is checked under this name, if set */
	mode_t mode;
	unsigned int before;
	enum mapping mapping;
	bool read_only_fd;
	unsigned int request;
	int want;
	const char *seals_name;	/* the seals afterwards are checked under this name, if set */
	int want_seals;
	const char *reason_name;	/* after EBUSY, bpfseal_busy_reason() must name... */
	const char *reason;	/* ...these words */
	const char *after_unmap_name;	/* then, with the mapping gone, `request` again succeeds */
	bool not_memfd;		/* memfd answers differently here (see the row) */
	bool only_memfd;
	void (*then)(const char *prefix, int fd, char *map);	/* more checks on the same file */
	unsigned int then_cases;	/* how many */
};

/* The cases a rule reports: one per name it sets, and those of its `then`. */
static unsigned int rule_cases(const struct rule *r)
{
	return !!r->name + !!r->reason_name + !!r->seals_name + r->then_cases + !!r->after_unmap_name;
}

/* FUTURE_WRITE: a writable mapping made before keeps working; the write syscall does not. */
#define FUTURE_WRITE_KEEPS_OLD_MAPPING_CASES 2

static void future_write_keeps_old_mapping(const char *prefix, int fd, char *map)
{
	char n[256], c = 0;

	snprintf(n, sizeof(n), "%s/future_write_existing_mapping_still_writes", prefix);
	if (runs(n)) {
		map[0] = '!';
		itest_report(pread(fd, &c, 1, 0) == 1 && c == '!', n, "byte 0 is '%c' after writing through the old mapping",
			     c);
	}
	snprintf(n, sizeof(n), "%s/future_write_blocks_write_syscall", prefix);
	if (runs(n))
		itest_expect(n, pwrite(fd, "x", 1, 0) < 0 ? errno : 0, EPERM);
}

static const struct rule rules[] = {
	/* memfd_add_seals() order: not open for writing, unknown bits, SEAL. */
	{ .name = "fd_not_open_for_writing_is_EPERM", .mode = 0644, .read_only_fd = true, .request = GROW,
	  .want = EPERM, .seals_name = "refused_add_changes_no_seal", .want_seals = 0 },
	{ .name = "unknown_bit_is_EINVAL", .mode = 0644, .request = GROW | 0x40, .want = EINVAL,
	  .seals_name = "unknown_bit_adds_nothing", .want_seals = 0 },
	{ .name = "seal_then_add_is_EPERM", .mode = 0644, .before = SEAL, .request = GROW, .want = EPERM,
	  .want_seals = -1 },
	{ .name = "seal_then_add_nothing_is_EPERM", .mode = 0644, .before = SEAL, .request = 0, .want = EPERM,
	  .seals_name = "seal_then_add_keeps_only_seal", .want_seals = SEAL },
	/* Seals only grow. */
	{ .mode = 0644, .before = GROW, .request = SHRINK, .seals_name = "seals_accumulate",
	  .want_seals = GROW | SHRINK },
	{ .name = "adding_a_subset_succeeds", .mode = 0644, .before = GROW | SHRINK, .request = GROW,
	  .seals_name = "adding_a_subset_removes_nothing", .want_seals = GROW | SHRINK },
	/* EXEC on a file with an x bit implies the write and size seals (memfd_add_seals())... */
	{ .mode = 0755, .request = EXEC, .seals_name = "exec_on_x_file_implies_size_and_write_seals",
	  .want_seals = EXEC | SHRINK | GROW | WRITE | FWRITE },
	{ .mode = 0644, .request = EXEC, .seals_name = "exec_on_non_x_file_is_exec_alone", .want_seals = EXEC },
	/* ...before the mapping check (upstream order since 2026; older memfds check first). */
	{ .name = "exec_on_x_file_with_writable_mapping_is_EBUSY", .mode = 0755, .mapping = SHARED_RW,
	  .request = EXEC, .want = EBUSY, .want_seals = -1, .not_memfd = true },
	/* WRITE while a maybe-writable shared mapping exists: EBUSY, nothing added. */
	{ .name = "write_with_shared_writable_mapping_is_EBUSY", .mode = 0644, .mapping = SHARED_RW,
	  .request = GROW | WRITE, .want = EBUSY, .seals_name = "EBUSY_adds_no_other_seal", .want_seals = 0,
	  .reason_name = "EBUSY_reason_names_the_mappings", .reason = "writable shared mappings",
	  .after_unmap_name = "write_after_munmap_succeeds" },
	/* PROT_READ through an O_RDWR fd is VM_MAYWRITE. */
	{ .name = "write_with_shared_readonly_maywrite_mapping_is_EBUSY", .mode = 0644, .mapping = SHARED_RO,
	  .request = WRITE, .want = EBUSY, .want_seals = -1 },
	{ .name = "write_with_private_mapping_succeeds", .mode = 0644, .mapping = PRIVATE_RW,
	  .request = WRITE, .want_seals = -1 },
	/* APPEND (bpfseal's own) has WRITE's check: a mapping writes anywhere. */
	{ .name = "append_with_shared_writable_mapping_is_EBUSY", .mode = 0644, .mapping = SHARED_RW,
	  .request = BPFSEAL_SEAL_APPEND, .want = EBUSY, .seals_name = "append_EBUSY_adds_nothing",
	  .want_seals = 0, .after_unmap_name = "append_after_munmap_succeeds", .not_memfd = true },
	/* A memfd's native F_ADD_SEALS has no bit for bpfseal's own seals. */
	{ .name = "own_seals_on_memfd_are_EINVAL", .mode = 0644, .request = BPFSEAL_SEAL_APPEND | BPFSEAL_SEAL_NAME,
	  .want = EINVAL, .seals_name = "own_seals_on_memfd_add_nothing", .want_seals = 0, .only_memfd = true },
	/* FUTURE_WRITE skips the check. */
	{ .name = "future_write_with_writable_mapping_succeeds", .mode = 0644, .mapping = SHARED_RW,
	  .request = FWRITE, .want_seals = -1, .then = future_write_keeps_old_mapping,
	  .then_cases = FUTURE_WRITE_KEEPS_OLD_MAPPING_CASES },
};

static char *map_file(int fd, enum mapping m)
{
	static const int prot[] = { 0, PROT_READ | PROT_WRITE, PROT_READ, PROT_READ | PROT_WRITE };
	char *p;

	if (m == NO_MAPPING)
		return NULL;
	p = mmap(NULL, 4096, prot[m], m == PRIVATE_RW ? MAP_PRIVATE : MAP_SHARED, fd, 0);
	return p == MAP_FAILED ? NULL : p;
}

static void run_rule(const struct target *t, const struct rule *r)
{
	char prefix[64], n[256];
	int fd, rfd = -1, got = 0;
	char *map = NULL;

	snprintf(prefix, sizeof(prefix), "add/%s", t->name);
	not_run = lacking = NULL;
	fd = make(t, r->mode);
	/* Set-up: without it the request's answer means nothing (no mapping: no EBUSY to expect). */
	if (!not_run && r->before && add(fd, r->before)) {
		snprintf(why, sizeof(why), "cannot add %#x first: %s", r->before, itest_errname(errno));
		not_run = why;
	}
	if (!not_run && r->mapping != NO_MAPPING && !(map = map_file(fd, r->mapping))) {
		snprintf(why, sizeof(why), "mmap: %s", strerror(errno));
		not_run = why;
	}
	if (!not_run && r->read_only_fd && (rfd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		snprintf(why, sizeof(why), "cannot open %.256s read-only: %s", path, strerror(errno));
		not_run = why;
	}
	if (!not_run)
		got = add(r->read_only_fd ? rfd : fd, r->request);
	if (!not_run && t->memfd && got == EINVAL && (r->request & EXEC)) {
		/* F_SEAL_EXEC is 6.3+: nothing to compare against. */
		lacking = "f_seal_exec";
		not_run = "a memfd's F_ADD_SEALS answers EINVAL for F_SEAL_EXEC";
	}
	snprintf(n, sizeof(n), "%s/%s", prefix, r->name);
	if (r->name && runs(n))
		itest_expect(n, got, r->want);
	snprintf(n, sizeof(n), "%s/%s", prefix, r->reason_name);
	if (r->reason_name && runs(n))
		itest_reason(n, r->reason);
	snprintf(n, sizeof(n), "%s/%s", prefix, r->seals_name);
	if (r->seals_name && runs(n))
		itest_expect_seals(n, get(fd), r->want_seals);
	if (r->then)
		r->then(prefix, fd, map);
	if (map)
		munmap(map, 4096);
	snprintf(n, sizeof(n), "%s/%s", prefix, r->after_unmap_name);
	if (r->after_unmap_name && runs(n))
		itest_expect(n, add(fd, r->request), 0);
	if (rfd >= 0)
		close(rfd);
	drop(t, fd);
	not_run = lacking = NULL;
}

/* Whether the target has the rule: some are memfd's alone, some bpfseal's alone. */
static bool applies(const struct target *t, const struct rule *r)
{
	return !(t->memfd && r->not_memfd) && !(!t->memfd && r->only_memfd);
}

static void run(const struct target *t)
{
	char n[256];
	int dfd;

	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
		if (applies(t, &rules[i]))
			run_rule(t, &rules[i]);
	if (t->memfd)
		return;
	/* A directory is not a file that can be sealed. */
	dfd = open(t->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	snprintf(n, sizeof(n), "add/%s/directory_is_EINVAL", t->name);
	if (dfd < 0)
		itest_report(false, n, "cannot open %s: %s", t->dir, strerror(errno));
	else
		itest_expect(n, add(dfd, GROW), EINVAL);
	if (dfd >= 0)
		close(dfd);
}

/* What run() reports on the target. */
static unsigned int target_cases(const struct target *t)
{
	unsigned int cases = t->memfd ? 0 : 1;

	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
		if (applies(t, &rules[i]))
			cases += rule_cases(&rules[i]);
	return cases;
}

/* Through the map itself nobody can lower or delete a seal, not even root. */
#define MAP_CASES 4

static void map_is_frozen(void)
{
	struct bpfseal_inode v = { 0 };
	int map_fd = bpf_obj_get(BPFSEAL_PIN_SEALS), fd, r;

	/* A sealed file and the map: tampering with no element, or no map, shows nothing. */
	not_run = NULL;
	snprintf(path, sizeof(path), "/mnt/tmpfs/frozen.XXXXXX");
	fd = mkostemp(path, O_CLOEXEC);
	if (map_fd < 0)
		snprintf(why, sizeof(why), "cannot open %s: %s", BPFSEAL_PIN_SEALS, strerror(errno));
	else if (fd < 0 || itest_fill(fd) || bpfseal_add_seals(fd, WRITE | GROW))
		snprintf(why, sizeof(why), "cannot make a sealed file: %s", strerror(errno));
	else
		why[0] = '\0';
	if (why[0])
		not_run = why;
	if (runs("add/map/root_cannot_overwrite_seals_through_the_map")) {
		r = bpf_map_update_elem(map_fd, &fd, &v, BPF_ANY) ? errno : 0;
		itest_expect("add/map/root_cannot_overwrite_seals_through_the_map", r, EPERM);
	}
	if (runs("add/map/root_cannot_delete_seals_through_the_map")) {
		r = bpf_map_delete_elem(map_fd, &fd) ? errno : 0;
		itest_expect("add/map/root_cannot_delete_seals_through_the_map", r, EPERM);
	}
	if (runs("add/map/seals_intact_after_tampering"))
		itest_expect_seals("add/map/seals_intact_after_tampering", get(fd), WRITE | GROW);
	if (runs("add/map/write_still_refused_after_tampering"))
		itest_expect("add/map/write_still_refused_after_tampering",
			     pwrite(fd, "x", 1, 0) < 0 ? errno : 0, EPERM);
	not_run = NULL;
	if (fd >= 0) {
		close(fd);
		unlink(path);
	}
	if (map_fd >= 0)
		close(map_fd);
}

int main(void)
{
	static const struct target targets[] = {
		{ "tmpfs", "/mnt/tmpfs", false },
		{ "ext4", "/mnt/ext4", false },
		{ "memfd", NULL, true },
	};

	size_t count = sizeof(targets) / sizeof(targets[0]);
	unsigned int cases = MAP_CASES;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (size_t i = 0; i < count; i++)
		cases += target_cases(&targets[i]);
	itest_plan(cases);
	for (size_t i = 0; i < count; i++)
		run(&targets[i]);
	map_is_frozen();
	return itest_end();
}
