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

/* A fresh filled file (or memfd) with this mode, open O_RDWR. */
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
		perror("make");
		exit(2);
	}
	return fd;
}

static void drop(const struct target *t, int fd)
{
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
};

/* FUTURE_WRITE: a writable mapping made before keeps working; the write syscall does not. */
static void future_write_keeps_old_mapping(const char *prefix, int fd, char *map)
{
	char n[256], c = 0;

	snprintf(n, sizeof(n), "%s/future_write_existing_mapping_still_writes", prefix);
	map[0] = '!';
	pread(fd, &c, 1, 0);
	itest_report(c == '!', n, "byte 0 is '%c' after writing through the old mapping", c);
	snprintf(n, sizeof(n), "%s/future_write_blocks_write_syscall", prefix);
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
	{ .name = "adding_a_subset_removes_nothing", .mode = 0644, .before = GROW | SHRINK, .request = GROW,
	  .seals_name = "adding_a_subset_removes_nothing", .want_seals = GROW | SHRINK },
	/* EXEC on a file with an x bit implies the write and size seals... */
	{ .mode = 0755, .request = EXEC, .seals_name = "exec_on_x_file_implies_size_and_write_seals",
	  .want_seals = EXEC | BPFSEAL_SEALS_IMPLIED_BY_EXEC },
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
	  .request = FWRITE, .want_seals = -1, .then = future_write_keeps_old_mapping },
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
	int fd, rfd = -1, got;
	char *map;

	snprintf(prefix, sizeof(prefix), "add/%s", t->name);
	fd = make(t, r->mode);
	if (r->before && add(fd, r->before))
		itest_report(false, prefix, "setup: cannot add %#x: %s", r->before, itest_errname(errno));
	map = map_file(fd, r->mapping);
	if (r->read_only_fd)
		rfd = open(path, O_RDONLY | O_CLOEXEC);
	got = add(r->read_only_fd ? rfd : fd, r->request);
	if (t->memfd && got == EINVAL && (r->request & EXEC)) {
		/* F_SEAL_EXEC is 6.3+: nothing to compare against. */
	} else {
		snprintf(n, sizeof(n), "%s/%s", prefix, r->name);
		if (r->name)
			itest_expect(n, got, r->want);
		snprintf(n, sizeof(n), "%s/%s", prefix, r->reason_name);
		if (r->reason_name)
			itest_reason(n, r->reason);
		snprintf(n, sizeof(n), "%s/%s", prefix, r->seals_name);
		if (r->seals_name)
			itest_expect_seals(n, get(fd), r->want_seals);
		if (r->then && map)
			r->then(prefix, fd, map);
	}
	if (map)
		munmap(map, 4096);
	if (r->after_unmap_name) {
		snprintf(n, sizeof(n), "%s/%s", prefix, r->after_unmap_name);
		itest_expect(n, add(fd, r->request), 0);
	}
	if (rfd >= 0)
		close(rfd);
	drop(t, fd);
}

static void run(const struct target *t)
{
	char n[256];
	int dfd;

	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
		if (!(t->memfd && rules[i].not_memfd) && !(!t->memfd && rules[i].only_memfd))
			run_rule(t, &rules[i]);
	if (t->memfd)
		return;
	/* A directory is not a file that can be sealed. */
	dfd = open(t->dir, O_RDONLY | O_DIRECTORY);
	snprintf(n, sizeof(n), "add/%s/directory_is_EINVAL", t->name);
	itest_expect(n, add(dfd, GROW), dfd < 0 ? EBADF : EINVAL);
	close(dfd);
}

/* Through the map itself nobody can lower or delete a seal, not even root. */
static void map_is_frozen(void)
{
	struct bpfseal_inode v = { 0 };
	int map_fd = bpf_obj_get(BPFSEAL_PIN_SEALS), fd, r;

	snprintf(path, sizeof(path), "/mnt/tmpfs/frozen.XXXXXX");
	fd = mkostemp(path, O_CLOEXEC);
	itest_fill(fd);
	bpfseal_add_seals(fd, WRITE | GROW);
	r = bpf_map_update_elem(map_fd, &fd, &v, BPF_ANY) ? errno : 0;
	itest_expect("add/map/root_cannot_overwrite_seals_through_the_map", r, EPERM);
	r = bpf_map_delete_elem(map_fd, &fd) ? errno : 0;
	itest_expect("add/map/root_cannot_delete_seals_through_the_map", r, EPERM);
	itest_expect_seals("add/map/seals_intact_after_tampering", get(fd), WRITE | GROW);
	itest_expect("add/map/write_still_refused_after_tampering",
		     pwrite(fd, "x", 1, 0) < 0 ? errno : 0, EPERM);
	close(fd);
	unlink(path);
	close(map_fd);
}

int main(void)
{
	static const struct target targets[] = {
		{ "tmpfs", "/mnt/tmpfs", false },
		{ "ext4", "/mnt/ext4", false },
		{ "memfd", NULL, true },
	};

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (size_t i = 0; i < sizeof(targets) / sizeof(targets[0]); i++)
		run(&targets[i]);
	map_is_frozen();
	return itest_failures ? 1 : 0;
}
