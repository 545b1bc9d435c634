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

#define SIZE_SEALS (SHRINK | GROW | WRITE | FWRITE)

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

static void name(char *buf, size_t len, const struct target *t, const char *rule)
{
	snprintf(buf, len, "add/%s/%s", t->name, rule);
}

static void run(const struct target *t)
{
	char n[256];
	int fd, rfd, s;
	char *map;

	/* 1. Not open for writing -> EPERM. */
	fd = make(t, 0644);
	rfd = open(path, O_RDONLY | O_CLOEXEC);
	name(n, sizeof(n), t, "fd_not_open_for_writing_is_EPERM");
	itest_expect(n, add(rfd, GROW), EPERM);
	name(n, sizeof(n), t, "refused_add_changes_no_seal");
	itest_expect_seals(n, get(fd), 0);
	close(rfd);
	drop(t, fd);

	/* 2. Unknown bits -> EINVAL, nothing added. */
	fd = make(t, 0644);
	name(n, sizeof(n), t, "unknown_bit_is_EINVAL");
	itest_expect(n, add(fd, GROW | 0x40), EINVAL);
	name(n, sizeof(n), t, "unknown_bit_adds_nothing");
	itest_expect_seals(n, get(fd), 0);
	drop(t, fd);

	/* 3. SEAL set -> EPERM, even when adding nothing. */
	fd = make(t, 0644);
	name(n, sizeof(n), t, "seal_then_add_is_EPERM");
	add(fd, SEAL);
	itest_expect(n, add(fd, GROW), EPERM);
	name(n, sizeof(n), t, "seal_then_add_nothing_is_EPERM");
	itest_expect(n, add(fd, 0), EPERM);
	name(n, sizeof(n), t, "seal_then_add_keeps_only_seal");
	itest_expect_seals(n, get(fd), SEAL);
	drop(t, fd);

	/* Seals only grow. */
	fd = make(t, 0644);
	add(fd, GROW);
	add(fd, SHRINK);
	name(n, sizeof(n), t, "seals_accumulate");
	itest_expect_seals(n, get(fd), GROW | SHRINK);
	name(n, sizeof(n), t, "adding_a_subset_removes_nothing");
	itest_expect(n, add(fd, GROW), 0);
	itest_expect_seals(n, get(fd), GROW | SHRINK);
	drop(t, fd);

	/* 4. EXEC on a file with an x bit implies the write and size seals. */
	fd = make(t, 0755);
	name(n, sizeof(n), t, "exec_on_x_file_implies_size_and_write_seals");
	s = add(fd, EXEC);
	if (t->memfd && s == EINVAL) {
		drop(t, fd);	/* F_SEAL_EXEC is 6.3+ */
	} else {
		itest_expect_seals(n, get(fd), EXEC | SIZE_SEALS);
		drop(t, fd);
		fd = make(t, 0644);
		add(fd, EXEC);
		name(n, sizeof(n), t, "exec_on_non_x_file_is_exec_alone");
		itest_expect_seals(n, get(fd), EXEC);
		drop(t, fd);

		/* ...and applies them before the mapping check (upstream order since 2026). */
		fd = make(t, 0755);
		map = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		name(n, sizeof(n), t, "exec_on_x_file_with_writable_mapping_is_EBUSY");
		if (t->memfd)
			s = add(fd, EXEC);	/* older kernels check before implying */
		else
			itest_expect(n, s = add(fd, EXEC), EBUSY);
		munmap(map, 4096);
		drop(t, fd);
	}

	/* 5. WRITE while a maybe-writable shared mapping exists -> EBUSY, nothing added. */
	fd = make(t, 0644);
	map = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	name(n, sizeof(n), t, "write_with_shared_writable_mapping_is_EBUSY");
	itest_expect(n, add(fd, GROW | WRITE), EBUSY);
	name(n, sizeof(n), t, "EBUSY_reason_names_the_mappings");
	itest_reason(n, "writable shared mappings");
	name(n, sizeof(n), t, "EBUSY_adds_no_other_seal");
	itest_expect_seals(n, get(fd), 0);
	munmap(map, 4096);
	name(n, sizeof(n), t, "write_after_munmap_succeeds");
	itest_expect(n, add(fd, WRITE), 0);
	drop(t, fd);

	fd = make(t, 0644);
	map = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);	/* VM_MAYWRITE: O_RDWR fd */
	name(n, sizeof(n), t, "write_with_shared_readonly_maywrite_mapping_is_EBUSY");
	itest_expect(n, add(fd, WRITE), EBUSY);
	munmap(map, 4096);
	drop(t, fd);

	fd = make(t, 0644);
	map = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	name(n, sizeof(n), t, "write_with_private_mapping_succeeds");
	itest_expect(n, add(fd, WRITE), 0);
	munmap(map, 4096);
	drop(t, fd);

	/* FUTURE_WRITE skips the check; existing mappings keep working. */
	fd = make(t, 0644);
	map = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	name(n, sizeof(n), t, "future_write_with_writable_mapping_succeeds");
	itest_expect(n, add(fd, FWRITE), 0);
	name(n, sizeof(n), t, "future_write_existing_mapping_still_writes");
	map[0] = '!';
	{
		char c = 0;

		pread(fd, &c, 1, 0);
		itest_report(c == '!', n, "byte 0 is '%c' after writing through the old mapping", c);
	}
	name(n, sizeof(n), t, "future_write_blocks_write_syscall");
	itest_expect(n, pwrite(fd, "x", 1, 0) < 0 ? errno : 0, EPERM);
	munmap(map, 4096);
	drop(t, fd);

	/* A directory is not a file that can be sealed. */
	if (!t->memfd) {
		int dfd = open(t->dir, O_RDONLY | O_DIRECTORY);

		name(n, sizeof(n), t, "directory_is_EINVAL");
		itest_expect(n, add(dfd, GROW), dfd < 0 ? EBADF : EINVAL);
		close(dfd);
	}
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
