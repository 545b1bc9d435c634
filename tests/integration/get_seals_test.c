// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Plain fcntl(fd, F_GET_SEALS), as receivers that never heard of bpfseal
 * ask it (bpf/get_seals.bpf.c):
 *  - on ext4, xfs and tmpfs a sealed file answers its memfd seals, never
 *    append or name, to its sealer and to any other process;
 *  - a memfd answers its own seals and bpfseal's together;
 *  - a file with no memfd seal from bpfseal gets the kernel's own answer;
 *  - the answer comes back with the seals after eviction;
 *  - plain F_ADD_SEALS keeps the kernel's answer and adds nothing, and
 *    F_GETFL is untouched.
 */
#include <grp.h>
#include <sys/wait.h>
#include <bpf/bpf.h>

#include "bpfseal.h"
#include "bpfseal_abi.h"
#include "itest.h"

#define NOBODY 65534
#define SHRINK BPFSEAL_SEAL_SHRINK
#define GROW BPFSEAL_SEAL_GROW
#define WRITE BPFSEAL_SEAL_WRITE
#define SEAL BPFSEAL_SEAL_SEAL
#define RECEIVER_SEALS (SHRINK | GROW | WRITE)	/* what journald and an RPC peer want */

struct fs {
	const char *name, *dir;
	bool shmem;	/* tmpfs: a file memfd_create() did not make answers F_SEAL_SEAL */
	bool evicts;	/* drop_caches frees its closed inodes (tmpfs keeps them) */
};

static const struct fs filesystems[] = {
	{ "ext4", "/mnt/ext4", false, true },
	{ "xfs", "/mnt/xfs", false, true },
	{ "tmpfs", "/mnt/tmpfs", true, false },
};
#define N_FS (sizeof(filesystems) / sizeof(filesystems[0]))

static const struct seal_set {
	const char *name;
	unsigned int seals;
} seal_sets[] = {
	{ "seal", SEAL },
	{ "shrink", SHRINK },
	{ "grow", GROW },
	{ "write", WRITE },
	{ "future_write", BPFSEAL_SEAL_FUTURE_WRITE },
	{ "exec", BPFSEAL_SEAL_EXEC },
	{ "shrink,grow,write", RECEIVER_SEALS },
	{ "shrink,append", SHRINK | BPFSEAL_SEAL_APPEND },
	{ "append,name", BPFSEAL_SEALS_OWN },
};
#define N_SETS (sizeof(seal_sets) / sizeof(seal_sets[0]))

/* Cases per filesystem besides its seal sets (one more where it evicts); the memfd cases. */
#define FS_CASES 5
#define MEMFD_CASES 4

/* What fcntl(F_GET_SEALS) answered: the seals, or -errno. */
static int get_seals(int fd)
{
	int r = fcntl(fd, F_GET_SEALS);

	return r < 0 ? -errno : r;
}

static const char *answer(int a)
{
	static char buf[2][64];
	static int i;

	i ^= 1;
	if (a < 0)
		snprintf(buf[i], sizeof(buf[i]), "-1 %s", itest_errname(-a));
	else
		snprintf(buf[i], sizeof(buf[i]), "%#x", a);
	return buf[i];
}

static void expect_answer(const char *name, int got, int want)
{
	itest_report(got == want, name, "F_GET_SEALS answered %s, want %s", answer(got), answer(want));
}

/* The kernel's own answer for a file bpfseal never sealed. */
static int kernel_answer(const struct fs *fs)
{
	return fs->shmem ? (int)SEAL : -EINVAL;
}

/* The answer for these bpfseal seals: their memfd bits, the kernel's own with them. */
static int sealed_answer(const struct fs *fs, unsigned int seals)
{
	unsigned int memfd = seals & BPFSEAL_SEALS_MEMFD;

	if (!memfd)
		return kernel_answer(fs);
	return (int)(memfd | (fs->shmem ? SEAL : 0));
}

static int make_sealed(const struct fs *fs, const char *name, unsigned int seals, char *path, size_t len)
{
	int fd = itest_make_file(fs->dir, name, path, len);

	if (fd >= 0 && seals && bpfseal_add_seals(fd, seals)) {
		int err = errno;

		close(fd);
		errno = err;
		return -1;
	}
	return fd;
}

static void seal_sets_answer(const struct fs *fs)
{
	for (size_t i = 0; i < N_SETS; i++) {
		const struct seal_set *set = &seal_sets[i];
		char path[256], name[128], file[64], why[300] = "";
		int fd;

		snprintf(file, sizeof(file), "get-seals-%zu", i);
		snprintf(name, sizeof(name), "get_seals/%s/%s", fs->name, set->name);
		fd = make_sealed(fs, file, set->seals, path, sizeof(path));
		if (fd < 0)
			snprintf(why, sizeof(why), "cannot seal %s %s: %s", path, set->name, strerror(errno));
		if (itest_runs(name, why))
			expect_answer(name, get_seals(fd), sealed_answer(fs, set->seals));
		if (fd >= 0)
			close(fd);
		unlink(path);
	}
}

/* F_GET_SEALS as uid 65534 with no capability, on its own read-only descriptor. */
static int answer_as_nobody(const char *path)
{
	int pipefd[2], got = -EIO, status;
	pid_t child;

	if (pipe(pipefd))
		return -errno;
	child = fork();
	if (child == 0) {
		int fd, a;

		close(pipefd[0]);
		if (setgroups(0, NULL) || setresgid(NOBODY, NOBODY, NOBODY) || setresuid(NOBODY, NOBODY, NOBODY))
			_exit(1);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		a = fd < 0 ? -1000 - errno : get_seals(fd);
		_exit(write(pipefd[1], &a, sizeof(a)) == sizeof(a) ? 0 : 1);
	}
	close(pipefd[1]);
	if (child < 0 || read(pipefd[0], &got, sizeof(got)) != sizeof(got))
		got = -EIO;
	close(pipefd[0]);
	waitpid(child, &status, 0);
	return got;
}

static long long records_evicted(void)
{
	struct bpfseal_policy_state st = {};
	__u32 zero = 0;
	int fd = bpf_obj_get(BPFSEAL_PIN_MAPS "/policy_state");

	if (fd >= 0) {
		bpf_map_lookup_elem(fd, &zero, &st);
		close(fd);
	}
	return st.records_evicted;
}

static void others_and_eviction(const struct fs *fs)
{
	char path[256], name[128], why[300] = "";
	int fd = make_sealed(fs, "get-seals-receiver", RECEIVER_SEALS, path, sizeof(path)), flags;
	long long before;

	if (fd < 0)
		snprintf(why, sizeof(why), "cannot seal %s shrink,grow,write: %s", path, strerror(errno));
	else
		fchmod(fd, 0644);
	snprintf(name, sizeof(name), "get_seals/%s/other_process_as_nobody", fs->name);
	if (itest_runs(name, why))
		expect_answer(name, answer_as_nobody(path), sealed_answer(fs, RECEIVER_SEALS));
	snprintf(name, sizeof(name), "get_seals/%s/f_getfl_unchanged", fs->name);
	flags = fd < 0 ? -1 : fcntl(fd, F_GETFL);
	if (itest_runs(name, why))
		itest_report(flags >= 0 && (flags & O_ACCMODE) == O_RDWR, name, "F_GETFL answered %#x, want O_RDWR",
			     flags);
	if (fd >= 0)
		close(fd);
	snprintf(name, sizeof(name), "get_seals/%s/after_eviction", fs->name);
	if (fs->evicts && itest_runs(name, why)) {
		before = records_evicted();
		itest_evict_caches();
		if (records_evicted() <= before) {
			itest_report(false, name, "drop_caches evicted no sealed inode");
		} else {
			fd = open(path, O_RDONLY | O_CLOEXEC);
			expect_answer(name, fd < 0 ? -1000 - errno : get_seals(fd), sealed_answer(fs, RECEIVER_SEALS));
			close(fd);
		}
	}
	unlink(path);
}

/* Plain F_ADD_SEALS: the kernel's own answer, and no seal added by it. */
static void plain_add_seals(const struct fs *fs)
{
	char path[256], name[128];
	int fd = itest_make_file(fs->dir, "get-seals-plain-add", path, sizeof(path));
	int got = fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK) < 0 ? errno : 0;

	snprintf(name, sizeof(name), "get_seals/%s/plain_f_add_seals_as_the_kernel", fs->name);
	itest_expect(name, got, fs->shmem ? EPERM : EINVAL);
	snprintf(name, sizeof(name), "get_seals/%s/plain_f_add_seals_adds_nothing", fs->name);
	itest_expect_seals(name, bpfseal_get_seals(fd), 0);
	close(fd);
	unlink(path);
}

/*
 * A memfd: NATIVE through the kernel's F_ADD_SEALS, BPFSEAL through the
 * policy's own request (libbpfseal would seal a memfd natively).
 */
static void memfd_case(const char *name, unsigned int flags, unsigned int native, unsigned int bpfseal, int want)
{
	int fd = memfd_create("get-seals", MFD_CLOEXEC | flags);
	char why[300] = "";

	if (fd < 0)
		snprintf(why, sizeof(why), "memfd_create: %s", strerror(errno));
	else if (ftruncate(fd, flags & MFD_HUGETLB ? 2 << 20 : 4096))
		snprintf(why, sizeof(why), "ftruncate: %s", strerror(errno));
	else if (native && fcntl(fd, F_ADD_SEALS, native))
		snprintf(why, sizeof(why), "F_ADD_SEALS %#x: %s", native, strerror(errno));
	/* A request the policy takes answers EINVAL all the same (include/bpfseal_abi.h). */
	else if (bpfseal && fcntl(fd, BPFSEAL_F_ADD_SEALS, bpfseal) < 0 && errno != EINVAL)
		snprintf(why, sizeof(why), "fcntl(BPFSEAL_F_ADD_SEALS, %#x): %s", bpfseal, strerror(errno));
	if (itest_runs(name, why))
		expect_answer(name, get_seals(fd), want);
	if (fd >= 0)
		close(fd);
}

int main(void)
{
	unsigned int cases = MEMFD_CASES;
	int fd;

	for (size_t i = 0; i < N_FS; i++)
		cases += N_SETS + FS_CASES + filesystems[i].evicts;
	itest_plan(cases);
	/* Two huge pages for the hugetlbfs memfd. */
	fd = open("/proc/sys/vm/nr_hugepages", O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, "2", 1) != 1)
		perror("/proc/sys/vm/nr_hugepages");
	if (fd >= 0)
		close(fd);
	for (size_t i = 0; i < N_FS; i++) {
		const struct fs *fs = &filesystems[i];
		char path[256], name[128];

		fd = itest_make_file(fs->dir, "get-seals-never-sealed", path, sizeof(path));
		snprintf(name, sizeof(name), "get_seals/%s/never_sealed", fs->name);
		expect_answer(name, get_seals(fd), kernel_answer(fs));
		close(fd);
		unlink(path);
		seal_sets_answer(fs);
		others_and_eviction(fs);
		plain_add_seals(fs);
	}
	memfd_case("get_seals/memfd/native_only", MFD_ALLOW_SEALING, F_SEAL_SHRINK, 0, F_SEAL_SHRINK);
	/* Made without MFD_ALLOW_SEALING, it answers F_SEAL_SEAL of its own. */
	memfd_case("get_seals/memfd/bpfseal_without_allow_sealing", 0, 0, GROW, F_SEAL_SEAL | F_SEAL_GROW);
	memfd_case("get_seals/memfd/native_and_bpfseal", MFD_ALLOW_SEALING, F_SEAL_SHRINK, WRITE,
		   F_SEAL_SHRINK | F_SEAL_WRITE);
	/* hugetlbfs keeps its own seals apart from shmem's (HUGETLBFS_I). */
	memfd_case("get_seals/memfd_hugetlb/native_and_bpfseal", MFD_ALLOW_SEALING | MFD_HUGETLB, F_SEAL_SHRINK, GROW,
		   F_SEAL_SHRINK | F_SEAL_GROW);
	return itest_end();
}
