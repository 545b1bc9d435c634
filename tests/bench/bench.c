// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * bpfseal benchmark (`make bench`). Runs inside the bench VM, as root, on
 * tmpfs (tests/vm/bench.sh boots it with `bpfseal.mode=bench`; init.sh runs
 * it before the policy is loaded and it loads the policy itself).
 *
 * UNIT. The VM runs under qemu `-icount shift=0,align=off,sleep=off`: the
 * guest clock advances one nanosecond per guest instruction, so what
 * clock_gettime(CLOCK_MONOTONIC) deltas count here is guest instructions per
 * operation (qemu icount, shift=0) -- kernel, user and interrupt instructions
 * alike. Cache misses, TLB refills and branch mispredictions do not show,
 * and qemu counts every iteration of a rep-prefixed string instruction: the
 * kernel's 4 KiB copy to or from user memory (rep movsb, FSRM) counts about
 * 4,000, most of a 4 KiB pread. The 1-byte pread/pwrite rows show the same
 * paths without it.
 * Every figure is the median of RUNS runs, after one warm-up run, each of
 * at least ITERS iterations and 10 M instructions.
 *
 * CONFIGURATIONS, for each operation:
 *   1   no policy loaded (baseline; measured first, in the same boot)
 *   2   policy loaded, this file unsealed, another inode sealed `grow`
 *       (so the write-facts programs are armed: the steady state)
 *   2z  policy loaded, no inode sealed yet since the load (the write-facts
 *       programs return at once)
 *   3   policy loaded, this file sealed with a seal that allows the operation
 *   4   a native memfd sealed with the same seal (F_ADD_SEALS), no policy
 * Every run uses a fresh file (created, filled, sealed outside the timed
 * loop; unlinked after it), on /mnt/tmpfs.
 *
 * Then: which BPF programs the time goes to (kernel.bpf_stats_enabled), seal
 * adding throughput (API loop, `sealctl add` over 10,000 files), policy load
 * time after an unload, the overhead ratios with 1 .. 1,000,000 other
 * inodes sealed, and with 1,000,000 sealed files evicted (their records kept).
 *
 * OUTPUT. Lines starting with "BENCH " are the report (markdown, the prefix
 * stripped); "BENCH-SCALE op N r21 r31" are plot data; "bench: " lines are
 * progress. "BENCH-OK" ends a complete run.
 *
 * Options (argv, or `bpfseal.bench.NAME=VALUE` on the kernel command line):
 *   runs=5 iters=2000 scale=1,1000,100000,1000000 api=10000 cli=10000 evicted=1000000
 * e.g. `bench runs=3 scale=1,1000` by hand in a VM without the policy loaded.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "bpfseal.h"
#include "bpfseal_abi.h"

#define UNIT		"guest instructions per operation (qemu icount, shift=0)"
#define BENCH_DIR	"/mnt/tmpfs/bench"
#define POP_DIR		"/mnt/pop"	/* its own tmpfs, without an inode limit */
#define FILE_SIZE	(64 * 1024)
#define IO_SIZE		4096
#define MAX_LEVELS	8
#define MAX_RUNS	64
#define PER_DIR		1000		/* population files per directory */

#define SEAL_SHRINK	BPFSEAL_SEAL_SHRINK
#define SEAL_GROW	BPFSEAL_SEAL_GROW

static struct {
	int runs;
	long iters;
	long scale[MAX_LEVELS];
	int levels;
	long api_files;
	long cli_files;
	long evicted;		/* files sealed, then evicted, for the records' part */
} opt = {
	.runs = 5,
	.iters = 2000,
	.scale = { 1, 1000, 100000, 1000000 },
	.levels = 4,
	.api_files = 10000,
	.cli_files = 10000,
	.evicted = 1000000,
};

static char iobuf[IO_SIZE] __attribute__((aligned(4096)));

/* ------------------------------------------------------------------ */
/* Output and errors */

static void __attribute__((format(printf, 1, 2))) report(const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	printf("BENCH %s\n", line);
}

static void blank(void)
{
	printf("BENCH \n");
}

static void __attribute__((format(printf, 1, 2))) progress(const char *fmt, ...)
{
	va_list ap;

	printf("bench: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

static void __attribute__((format(printf, 1, 2), noreturn)) die(const char *fmt, ...)
{
	va_list ap;

	printf("BENCH-FAILED ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	exit(1);
}

#define die_errno(what, ...) die(what ": %s", ##__VA_ARGS__, strerror(errno))

/* Guest "nanoseconds": guest instructions under icount shift=0. */
static long long now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* "12,345,678" */
static const char *grouped(long long v, char *buf, size_t len)
{
	char tmp[32];
	int n = snprintf(tmp, sizeof(tmp), "%lld", v < 0 ? -v : v), o = 0;

	if (v < 0 && (size_t)o + 1 < len)
		buf[o++] = '-';
	for (int i = 0; i < n && (size_t)o + 2 < len; i++) {
		if (i && (n - i) % 3 == 0)
			buf[o++] = ',';
		buf[o++] = tmp[i];
	}
	buf[o] = '\0';
	return buf;
}

/* ------------------------------------------------------------------ */
/* Commands: sealctl */

/*
 * Run argv with stdout to /dev/null (stderr kept); exit status, or -1.
 * *cpu (if given): the child's user+system time, in guest ns.
 */
static int run_cmd(char *const argv[], long long *cpu)
{
	struct rusage ru;
	int status;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		die_errno("fork");
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		if (null >= 0)
			dup2(null, STDOUT_FILENO);
		execvp(argv[0], argv);
		_exit(127);
	}
	if (wait4(pid, &status, 0, &ru) < 0)
		die_errno("wait4");
	if (cpu)
		*cpu = (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000LL +
		       (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000LL;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Guest time of `sealctl load` (idle included, see main), and its CPU time. */
static long long sealctl_load_timed(long long *cpu)
{
	char *argv[] = { "sealctl", "load", NULL };
	long long t0 = now();
	int rc = run_cmd(argv, cpu);
	long long t1 = now();

	if (rc)
		die("sealctl load exited %d", rc);
	return t1 - t0;
}

static void sealctl_unload(void)
{
	char *argv[] = { "sealctl", "unload", "--force", NULL };
	int rc = run_cmd(argv, NULL);

	if (rc)
		die("sealctl unload --force exited %d", rc);
}

static void report_policy_status(void)
{
	char line[256];
	FILE *p = popen("sealctl status", "r");

	if (!p)
		die_errno("popen sealctl status");
	report("```");
	while (fgets(line, sizeof(line), p)) {
		line[strcspn(line, "\n")] = '\0';
		report("%s", line);
	}
	report("```");
	pclose(p);
}

/* ------------------------------------------------------------------ */
/* Operations */

struct target {
	int fd;
	char path[128];	/* what open(2) reaches: the tmpfs name, or /proc/self/fd/N */
	bool memfd;
};

typedef void (*op_fn)(const struct target *t, long n);

static void op_append(const struct target *t, long n)
{
	for (long i = 0; i < n; i++)
		if (write(t->fd, iobuf, IO_SIZE) != IO_SIZE)
			die_errno("append: write");
}

static void op_pread(const struct target *t, long n)
{
	for (long i = 0; i < n; i++)
		if (pread(t->fd, iobuf, IO_SIZE, 0) != IO_SIZE)
			die_errno("pread");
}

static void op_pwrite(const struct target *t, long n)
{
	for (long i = 0; i < n; i++)
		if (pwrite(t->fd, iobuf, IO_SIZE, 0) != IO_SIZE)
			die_errno("pwrite");
}

static void op_pread1(const struct target *t, long n)
{
	for (long i = 0; i < n; i++)
		if (pread(t->fd, iobuf, 1, 0) != 1)
			die_errno("pread 1 byte");
}

static void op_pwrite1(const struct target *t, long n)
{
	for (long i = 0; i < n; i++)
		if (pwrite(t->fd, iobuf, 1, 0) != 1)
			die_errno("pwrite 1 byte");
}

static void op_open_close(const struct target *t, long n)
{
	for (long i = 0; i < n; i++) {
		int fd = open(t->path, O_RDWR | O_CLOEXEC);

		if (fd < 0)
			die_errno("open %s", t->path);
		close(fd);
	}
}

static void op_mmap(const struct target *t, long n)
{
	for (long i = 0; i < n; i++) {
		void *p = mmap(NULL, IO_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, t->fd, 0);

		if (p == MAP_FAILED)
			die_errno("mmap MAP_SHARED PROT_READ|PROT_WRITE");
		munmap(p, IO_SIZE);
	}
}

static void op_ftruncate(const struct target *t, long n)
{
	for (long i = 0; i < n; i++)
		if (ftruncate(t->fd, FILE_SIZE))
			die_errno("ftruncate to the same size");
}

static void op_fallocate(const struct target *t, long n)
{
	for (long i = 0; i < n; i++)
		if (fallocate(t->fd, 0, 0, IO_SIZE))
			die_errno("fallocate mode 0 in bounds");
}

static void op_fstat(const struct target *t, long n)
{
	struct stat st;

	for (long i = 0; i < n; i++)
		if (fstat(t->fd, &st))
			die_errno("fstat");
}

static void op_get_seals(const struct target *t, long n)
{
	for (long i = 0; i < n; i++)
		if (fcntl(t->fd, F_GET_SEALS) < 0)
			die_errno("fcntl F_GET_SEALS");
}

static void op_getfl(const struct target *t, long n)
{
	for (long i = 0; i < n; i++)
		if (fcntl(t->fd, F_GETFL) < 0)
			die_errno("fcntl F_GETFL");
}

enum cfg { CFG_BASE, CFG_UNSEALED, CFG_FRESH, CFG_SEALED, CFG_MEMFD, NCFG };
static const char *const cfg_name[NCFG] = { "1", "2", "2z", "3", "4" };

struct op {
	const char *key;	/* plot and file names */
	const char *name;	/* table */
	const char *what;	/* how it is measured */
	unsigned int seals;	/* for configurations 3 and 4: allows the operation */
	const char *seal_names;
	bool empty;		/* starts from an empty file (else FILE_SIZE bytes) */
	bool scaling;		/* measured against the number of sealed inodes */
	op_fn fn;
	double cost[NCFG];
	double spread[NCFG];	/* of the runs behind cost[] */
	long iters;		/* iterations per run (the most measure() used) */
};

static struct op ops[] = {
	{ .key = "append", .name = "write 4 KiB (append)", .fn = op_append, .empty = true,
	  .what = "write(2) of 4 KiB at EOF of a file that starts empty each run (it grows 4 KiB per "
		  "iteration); sealed `shrink`, which allows appends (`grow` refuses them)",
	  .seals = SEAL_SHRINK, .seal_names = "shrink" },
	{ .key = "pread", .name = "pread 4 KiB", .fn = op_pread, .scaling = true,
	  .what = "pread(2) 4 KiB at offset 0 of a 64 KiB file",
	  .seals = SEAL_GROW, .seal_names = "grow" },
	{ .key = "pwrite", .name = "pwrite 4 KiB in place", .fn = op_pwrite, .scaling = true,
	  .what = "pwrite(2) 4 KiB at offset 0 of a 64 KiB file (in bounds)",
	  .seals = SEAL_GROW, .seal_names = "grow" },
	{ .key = "pread1", .name = "pread 1 byte", .fn = op_pread1,
	  .what = "pread(2) of 1 byte at offset 0 of a 64 KiB file: the read path without the 4 KiB copy",
	  .seals = SEAL_GROW, .seal_names = "grow" },
	{ .key = "pwrite1", .name = "pwrite 1 byte in place", .fn = op_pwrite1,
	  .what = "pwrite(2) of 1 byte at offset 0 of a 64 KiB file: the write path without the 4 KiB copy",
	  .seals = SEAL_GROW, .seal_names = "grow" },
	{ .key = "open", .name = "open+close", .fn = op_open_close, .scaling = true,
	  .what = "open(2) O_RDWR by path + close(2); the memfd is opened as /proc/self/fd/N",
	  .seals = SEAL_GROW, .seal_names = "grow" },
	{ .key = "mmap", .name = "mmap+munmap shared", .fn = op_mmap,
	  .what = "mmap(2) 4 KiB MAP_SHARED PROT_READ|PROT_WRITE of an O_RDWR fd + munmap(2), no page touched",
	  .seals = SEAL_SHRINK, .seal_names = "shrink" },
	{ .key = "ftruncate", .name = "ftruncate same size", .fn = op_ftruncate,
	  .what = "ftruncate(2) of a 64 KiB file to 64 KiB",
	  .seals = SEAL_SHRINK | SEAL_GROW, .seal_names = "shrink,grow" },
	{ .key = "fallocate", .name = "fallocate in bounds", .fn = op_fallocate,
	  .what = "fallocate(2) mode 0, offset 0, 4 KiB, in a 64 KiB file",
	  .seals = SEAL_GROW, .seal_names = "grow" },
	{ .key = "getseals", .name = "fcntl F_GET_SEALS", .fn = op_get_seals,
	  .what = "fcntl(2) F_GET_SEALS, a receiver's question (on tmpfs every file answers: F_SEAL_SEAL unsealed)",
	  .seals = SEAL_SHRINK | SEAL_GROW | BPFSEAL_SEAL_WRITE, .seal_names = "shrink,grow,write" },
	{ .key = "getfl", .name = "fcntl F_GETFL", .fn = op_getfl,
	  .what = "fcntl(2) F_GETFL: the same hooks as F_GET_SEALS, another command",
	  .seals = SEAL_GROW, .seal_names = "grow" },
	{ .key = "fstat", .name = "fstat (control)", .fn = op_fstat,
	  .what = "fstat(2); no bpfseal hook on this path",
	  .seals = SEAL_GROW, .seal_names = "grow" },
};
#define N_OPS (sizeof(ops) / sizeof(ops[0]))

static void fill(int fd)
{
	static char data[FILE_SIZE];

	memset(data, 'x', sizeof(data));
	if (pwrite(fd, data, sizeof(data), 0) != (ssize_t)sizeof(data))
		die_errno("filling a test file");
}

static void make_target(struct target *t, const struct op *op, enum cfg c)
{
	bool sealed = c == CFG_SEALED || c == CFG_MEMFD;

	memset(t, 0, sizeof(*t));
	t->memfd = c == CFG_MEMFD;
	if (t->memfd) {
		t->fd = memfd_create("bench", MFD_CLOEXEC | MFD_ALLOW_SEALING);
		if (t->fd < 0)
			die_errno("memfd_create");
		snprintf(t->path, sizeof(t->path), "/proc/self/fd/%d", t->fd);
	} else {
		snprintf(t->path, sizeof(t->path), "%s/%s-%s", BENCH_DIR, op->key, cfg_name[c]);
		unlink(t->path);
		t->fd = open(t->path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (t->fd < 0)
			die_errno("create %s", t->path);
	}
	if (!op->empty)
		fill(t->fd);
	if (!sealed)
		return;
	if (t->memfd) {
		if (fcntl(t->fd, F_ADD_SEALS, op->seals))
			die_errno("memfd F_ADD_SEALS %s", op->seal_names);
		if ((fcntl(t->fd, F_GET_SEALS) & (int)op->seals) != (int)op->seals)
			die("memfd: seals %s not in place", op->seal_names);
	} else {
		if (bpfseal_add_seals(t->fd, op->seals))
			die_errno("bpfseal_add_seals(%s) on %s", op->seal_names, t->path);
		if ((bpfseal_get_seals(t->fd) & (int)op->seals) != (int)op->seals)
			die("%s: seals %s not in place", t->path, op->seal_names);
	}
}

static void drop_target(struct target *t)
{
	close(t->fd);
	if (!t->memfd)
		unlink(t->path);
}

/*
 * Median guest instructions per operation over opt.runs runs, after a
 * warm-up run of opt.iters that also sizes them: at least opt.iters
 * iterations and MIN_RUN instructions per run, so that a timer tick or an
 * RCU callback batch weighs little even on the cheapest operations.
 * *spread (if given): (slowest - fastest) / median of those runs.
 */
#define MIN_RUN 10000000.0
static double measure(struct op *op, enum cfg c, double *spread)
{
	double per_op[MAX_RUNS], mid;
	long iters = opt.iters;
	struct target t;

	for (int r = -1; r < opt.runs; r++) {
		long long t0, t1;

		make_target(&t, op, c);
		t0 = now();
		op->fn(&t, iters);
		t1 = now();
		drop_target(&t);
		if (r >= 0) {
			per_op[r] = (double)(t1 - t0) / (double)iters;
		} else if ((double)(t1 - t0) < MIN_RUN) {
			iters = (long)(MIN_RUN / ((double)(t1 - t0) / (double)iters)) + 1;
			if (iters > 50 * opt.iters)
				iters = 50 * opt.iters;
		}
	}
	if (iters > op->iters)
		op->iters = iters;
	mid = median(per_op, opt.runs);	/* sorts per_op */
	if (spread)
		*spread = (per_op[opt.runs - 1] - per_op[0]) / mid;
	return mid;
}

/* ------------------------------------------------------------------ */
/* Where the time goes: per-program run time with kernel.bpf_stats_enabled. */

#define MAX_PROGS 64
struct prog_stat {
	__u32 id;
	char name[BPF_OBJ_NAME_LEN];
	__u64 run_time_ns, run_cnt;
};

static int prog_stats(struct prog_stat *s)
{
	__u32 id = 0;
	int n = 0;

	while (n < MAX_PROGS && !bpf_prog_get_next_id(id, &id)) {
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);
		int fd = bpf_prog_get_fd_by_id(id);

		if (fd < 0)
			continue;
		if (!bpf_prog_get_info_by_fd(fd, &info, &len)) {
			s[n].id = id;
			memcpy(s[n].name, info.name, sizeof(s[n].name));
			s[n].run_time_ns = info.run_time_ns;
			s[n].run_cnt = info.run_cnt;
			n++;
		}
		close(fd);
	}
	return n;
}

/* Rounds to 0 rather than print "-0". */
#define NO_MINUS_ZERO(x) ((x) > -0.5 && (x) < 0.5 ? 0.0 : (x))

/* Instructions inside each program per unit of work done by fn(arg) (per_units units). */
static int prog_share(void (*fn)(const void *arg), const void *arg, double per_units, char *progs, size_t len,
		      double *in_progs)
{
	struct prog_stat before[MAX_PROGS], after[MAX_PROGS];
	int nb, na;
	size_t o = 0;

	*in_progs = 0;
	progs[0] = '\0';
	nb = prog_stats(before);
	fn(arg);
	na = prog_stats(after);
	for (int i = 0; i < na; i++) {
		for (int j = 0; j < nb; j++) {
			double calls, instr;
			int n;

			if (after[i].id != before[j].id || after[i].run_cnt == before[j].run_cnt)
				continue;
			calls = (double)(after[i].run_cnt - before[j].run_cnt) / per_units;
			instr = (double)(after[i].run_time_ns - before[j].run_time_ns) / per_units;
			*in_progs += instr;
			n = snprintf(progs + o, len - o, "%s%s %.0f", o ? ", " : "", after[i].name, instr);
			if (n > 0 && (calls > 1.01 || calls < 0.99))
				n += snprintf(progs + o + n, len - o - n, " (%.2f calls)", calls);
			o = n > 0 && o + n < len ? o + n : len - 1;
		}
	}
	return (int)o;
}



/*
 * One stats run of op in configuration c: instructions per operation inside
 * each BPF program, against the overhead the main table measured.
 */
struct op_run {
	const struct op *op;
	const struct target *t;
};

static void op_run(const void *arg)
{
	const struct op_run *r = arg;

	r->op->fn(r->t, opt.iters);
}

static void attribute(const struct op *op, enum cfg c)
{
	double in_progs, overhead = op->cost[c] - op->cost[CFG_BASE];
	char progs[512];
	struct target t;
	struct op_run run = { op, &t };
	int o;

	make_target(&t, op, c);
	op->fn(&t, opt.iters / 4);	/* warm up */
	o = prog_share(op_run, &run, (double)opt.iters, progs, sizeof(progs), &in_progs);
	drop_target(&t);
	report("| %s | %s | %.0f | %.0f | %.0f | %s |", op->name, cfg_name[c], NO_MINUS_ZERO(overhead),
	       in_progs, NO_MINUS_ZERO(overhead - in_progs), o ? progs : "none");
}

/* ------------------------------------------------------------------ */
/* Sealed-inode population (for scaling), on its own tmpfs */

static long population;		/* files sealed `grow` under POP_DIR/pop */
static long long pop_seal_time;	/* instructions spent in bpfseal_add_seals for them */

static long mem_available_kib(void)
{
	char line[128];
	long kib = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "MemAvailable: %ld kB", &kib) == 1)
			break;
	fclose(f);
	return kib;
}

static void mkdir_p(const char *path)
{
	if (mkdir(path, 0755) && errno != EEXIST)
		die_errno("mkdir %s", path);
}

/* Create DIR/dNNNN/fNNNNNNN for [from, to): sealed `grow` if seal; kept open in fds if given. */
static void create_files(const char *dir, long from, long to, int *fds, bool seal)
{
	char path[128];

	for (long i = from; i < to; i++) {
		int fd;

		if (i % PER_DIR == 0) {
			snprintf(path, sizeof(path), "%s/d%04ld", dir, i / PER_DIR);
			mkdir_p(path);
		}
		snprintf(path, sizeof(path), "%s/d%04ld/f%07ld", dir, i / PER_DIR, i);
		fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd < 0)
			die_errno("create %s", path);
		if (seal) {
			long long t0 = now();

			if (bpfseal_add_seals(fd, SEAL_GROW))
				die_errno("bpfseal_add_seals(grow) on %s", path);
			pop_seal_time += now() - t0;
		}
		if (fds)
			fds[i - from] = fd;
		else
			close(fd);
		if (seal && i + 1 < to && (i + 1) % 100000 == 0)
			progress("  ... %ld inodes sealed", i + 1);
	}
}

static void remove_files(const char *dir, long count)
{
	char path[128];

	for (long i = 0; i < count; i++) {
		snprintf(path, sizeof(path), "%s/d%04ld/f%07ld", dir, i / PER_DIR, i);
		if (unlink(path))
			die_errno("unlink %s", path);
		if (i % PER_DIR == PER_DIR - 1 || i == count - 1) {
			snprintf(path, sizeof(path), "%s/d%04ld", dir, i / PER_DIR);
			rmdir(path);
		}
	}
	rmdir(dir);
}

/* ------------------------------------------------------------------ */
/* A macro workload: file churn */

#define CHURN_FILES	3000
#define CHURN_MAX	(64 * 1024)
#define EXT4_DIR	"/mnt/ext4"
#define EXT4_SUPER_MAGIC 0xEF53

static char churn_buf[CHURN_MAX];

/*
 * Per file: create, write 4-64 KiB (4 KiB steps, the same sequence every
 * run), read it back three times, close, rename, unlink.
 */
static void churn_once(const char *dir)
{
	char path[160], moved[160];
	unsigned int seed = 12345;

	for (long i = 0; i < CHURN_FILES; i++) {
		size_t len;
		int fd;

		seed = seed * 1103515245 + 12345;
		len = 4096 * (1 + (seed >> 16) % 16);
		snprintf(path, sizeof(path), "%s/c%ld", dir, i);
		snprintf(moved, sizeof(moved), "%s/m%ld", dir, i);
		fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd < 0)
			die_errno("churn: create %s", path);
		if (write(fd, churn_buf, len) != (ssize_t)len)
			die_errno("churn: write %s", path);
		for (int r = 0; r < 3; r++)
			if (pread(fd, churn_buf, len, 0) != (ssize_t)len)
				die_errno("churn: read back %s", path);
		close(fd);
		if (rename(path, moved))
			die_errno("churn: rename %s", path);
		if (unlink(moved))
			die_errno("churn: unlink %s", moved);
	}
}

struct churn_fs {
	const char *name;
	const char *dir;
	int runs;		/* ext4's journal threads move its figures: more runs */
	bool present;
	double cost[NCFG], spread[NCFG];
};

static struct churn_fs churn_fs[] = {
	{ .name = "tmpfs", .dir = BENCH_DIR "/churn", .runs = 3 },
	{ .name = "ext4", .dir = EXT4_DIR "/churn", .runs = 5 },
};
#define N_CHURN_FS (sizeof(churn_fs) / sizeof(churn_fs[0]))

static void churn_setup(void)
{
	struct statfs sfs;

	memset(churn_buf, 'c', sizeof(churn_buf));
	for (size_t i = 0; i < N_CHURN_FS; i++) {
		struct churn_fs *c = &churn_fs[i];

		if (!strcmp(c->name, "ext4") && (statfs(EXT4_DIR, &sfs) || sfs.f_type != EXT4_SUPER_MAGIC)) {
			progress("churn: no ext4 on %s, tmpfs only", EXT4_DIR);
			continue;
		}
		mkdir_p(c->dir);
		c->present = true;
	}
}

/* Guest instructions per file: median of the runs after a warm-up run; *spread, their spread. */
static double churn_cost(const struct churn_fs *c, double *spread)
{
	double per_file[MAX_RUNS], mid;

	for (int r = -1; r < c->runs; r++) {
		long long t0;

		sync();
		t0 = now();
		churn_once(c->dir);
		if (r >= 0)
			per_file[r] = (double)(now() - t0) / CHURN_FILES;
	}
	mid = median(per_file, c->runs);
	*spread = (per_file[c->runs - 1] - per_file[0]) / mid;
	return mid;
}

static void churn_measure(enum cfg cfg)
{
	for (size_t i = 0; i < N_CHURN_FS; i++) {
		struct churn_fs *c = &churn_fs[i];

		if (!c->present)
			continue;
		c->cost[cfg] = churn_cost(c, &c->spread[cfg]);
		progress("churn %-5s %s: %8.0f per file (spread %.1f%%)", c->name, cfg_name[cfg], c->cost[cfg],
			 100 * c->spread[cfg]);
	}
}

static void churn_table(void)
{
	report("| filesystem | 1 no policy | 2 policy loaded | 2/1 | runs | spread 1 | spread 2 |");
	report("|---|--:|--:|--:|--:|--:|--:|");
	for (size_t i = 0; i < N_CHURN_FS; i++) {
		const struct churn_fs *c = &churn_fs[i];

		if (c->present)
			report("| %s | %.0f | %.0f | %.3f | %d | %.1f%% | %.1f%% |", c->name, c->cost[CFG_BASE],
			       c->cost[CFG_UNSEALED], c->cost[CFG_UNSEALED] / c->cost[CFG_BASE], c->runs,
			       100 * c->spread[CFG_BASE], 100 * c->spread[CFG_UNSEALED]);
	}
}

static void churn_tmpfs(const void *arg)
{
	(void)arg;
	churn_once(BENCH_DIR "/churn");
}

/* Which programs run on every file of the churn, per file. */
static void churn_attribute(void)
{
	double in_progs, overhead = churn_fs[0].cost[CFG_UNSEALED] - churn_fs[0].cost[CFG_BASE];
	char progs[768];

	prog_share(churn_tmpfs, NULL, CHURN_FILES, progs, sizeof(progs), &in_progs);
	report("| file churn (tmpfs), per file | 2 | %.0f | %.0f | %.0f | %s |", NO_MINUS_ZERO(overhead), in_progs,
	       NO_MINUS_ZERO(overhead - in_progs), progs[0] ? progs : "none");
}

/* ------------------------------------------------------------------ */
/* Phases */

static double max_spread(const struct op *op)
{
	double m = 0;

	for (int c = 0; c < NCFG; c++)
		if (op->spread[c] > m)
			m = op->spread[c];
	return m;
}

static void table(void)
{
	report("| operation | seal (3, 4) | 1 no policy | 2 unsealed | 3 sealed | 4 memfd | 2/1 | 3/1 | 3/4 | 2z/1 | run spread |");
	report("|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|");
	for (size_t i = 0; i < N_OPS; i++) {
		const double *c = ops[i].cost;

		report("| %s | %s | %.0f | %.0f | %.0f | %.0f | %.3f | %.3f | %.3f%s | %.3f | %.1f%% |",
		       ops[i].name, ops[i].seal_names, c[CFG_BASE], c[CFG_UNSEALED], c[CFG_SEALED],
		       c[CFG_MEMFD], c[CFG_UNSEALED] / c[CFG_BASE], c[CFG_SEALED] / c[CFG_BASE],
		       c[CFG_SEALED] / c[CFG_MEMFD], ops[i].fn == op_open_close ? "\\*" : "",
		       c[CFG_FRESH] / c[CFG_BASE], 100 * max_spread(&ops[i]));
	}
}

static const struct op *op_by_key(const char *key)
{
	for (size_t i = 0; i < N_OPS; i++)
		if (!strcmp(ops[i].key, key))
			return &ops[i];
	die("no operation '%s'", key);
}

/* The project's targets (icount ratios, this boot), checked against the tables. */
static void targets(void)
{
	static const struct { const char *key, *beside; enum cfg num, den; double limit; } rows[] = {
		{ "pread", "pread1", CFG_UNSEALED, CFG_BASE, 1.035 },
		{ "pwrite", "pwrite1", CFG_UNSEALED, CFG_BASE, 1.06 },
		{ "append", NULL, CFG_UNSEALED, CFG_BASE, 1.03 },
		{ "open", NULL, CFG_UNSEALED, CFG_BASE, 1.03 },
		{ "mmap", NULL, CFG_UNSEALED, CFG_BASE, 1.04 },
		{ "fallocate", NULL, CFG_UNSEALED, CFG_BASE, 1.20 },
		{ "pwrite", "pwrite1", CFG_SEALED, CFG_MEMFD, 1.10 },
		{ "ftruncate", NULL, CFG_SEALED, CFG_MEMFD, 1.10 },
		{ "fallocate", NULL, CFG_SEALED, CFG_MEMFD, 1.30 },
	};
	const struct churn_fs *tmpfs = &churn_fs[0];
	double r;

	report("Targets (%s; ratios in this boot):", UNIT);
	blank();
	report("| row | ratio | target | 1-byte row | |");
	report("|---|--:|--:|--:|---|");
	for (size_t k = 0; k < sizeof(rows) / sizeof(rows[0]); k++) {
		const struct op *op = op_by_key(rows[k].key), *b = rows[k].beside ? op_by_key(rows[k].beside) : NULL;
		char beside[32] = "";

		r = op->cost[rows[k].num] / op->cost[rows[k].den];
		if (b)
			snprintf(beside, sizeof(beside), "%.3f", b->cost[rows[k].num] / b->cost[rows[k].den]);
		report("| %s, %s/%s | %.3f | <= %.3f | %s | %s |", op->name, cfg_name[rows[k].num], cfg_name[rows[k].den],
		       r, rows[k].limit, beside, r <= rows[k].limit ? "met" : "**missed**");
	}
	if (tmpfs->present) {
		r = tmpfs->cost[CFG_UNSEALED] / tmpfs->cost[CFG_BASE];
		report("| file churn (tmpfs), 2/1 | %.3f | <= 1.015 | | %s |", r, r <= 1.015 ? "met" : "**missed**");
	}
}

static void seal_throughput(void)
{
	char dir[64], path[128], n1[32], n2[32];
	int *fds = calloc(opt.api_files, sizeof(int));
	char **argv = calloc(opt.cli_files + 4, sizeof(char *));
	long long t0, t1;
	int rc;

	if (!fds || !argv)
		die("out of memory");
	/* bpfseal_add_seals() in a loop, on files already open. */
	snprintf(dir, sizeof(dir), "%s/api", POP_DIR);
	mkdir_p(dir);
	create_files(dir, 0, opt.api_files, fds, false);
	t0 = now();
	for (long i = 0; i < opt.api_files; i++)
		if (bpfseal_add_seals(fds[i], SEAL_GROW))
			die_errno("bpfseal_add_seals(grow) #%ld", i);
	t1 = now();
	for (long i = 0; i < opt.api_files; i++)
		close(fds[i]);
	remove_files(dir, opt.api_files);
	report("| bpfseal_add_seals(fd, F_SEAL_GROW) in a loop, %s open tmpfs files | %s | %.0f |",
	       grouped(opt.api_files, n1, sizeof(n1)), grouped((t1 - t0) / opt.api_files, n2, sizeof(n2)),
	       1e9 * (double)opt.api_files / (double)(t1 - t0));

	/* One `sealctl add --seals grow` over many files (process start included). */
	snprintf(dir, sizeof(dir), "%s/cli", POP_DIR);
	mkdir_p(dir);
	create_files(dir, 0, opt.cli_files, NULL, false);
	argv[0] = "sealctl";
	argv[1] = "add";
	argv[2] = "--seals";
	argv[3] = "grow";
	for (long i = 0; i < opt.cli_files; i++) {
		snprintf(path, sizeof(path), "%s/d%04ld/f%07ld", dir, i / PER_DIR, i);
		argv[4 + i] = strdup(path);
	}
	t0 = now();
	rc = run_cmd(argv, NULL);
	t1 = now();
	if (rc)
		die("sealctl add --seals grow (%ld files) exited %d", opt.cli_files, rc);
	for (long i = 0; i < opt.cli_files; i += opt.cli_files / 10 + 1) {
		int fd = open(argv[4 + i], O_RDONLY | O_CLOEXEC);

		if (fd < 0 || !(bpfseal_get_seals(fd) & SEAL_GROW))
			die("sealctl add: %s not sealed grow", argv[4 + i]);
		close(fd);
	}
	for (long i = 0; i < opt.cli_files; i++)
		free(argv[4 + i]);
	remove_files(dir, opt.cli_files);
	report("| `sealctl add --seals grow` with %s tmpfs files in one call (exec included) | %s | %.0f |",
	       grouped(opt.cli_files, n1, sizeof(n1)), grouped((t1 - t0) / opt.cli_files, n2, sizeof(n2)),
	       1e9 * (double)opt.cli_files / (double)(t1 - t0));
	free(fds);
	free(argv);
}

/* Grow the population to `target` sealed inodes; returns the level reached. */
static long populate(long target, long *bytes_per_inode)
{
	char dir[64];
	long avail = mem_available_kib(), reserve_kib = 192 * 1024;

	snprintf(dir, sizeof(dir), "%s/pop", POP_DIR);
	mkdir_p(dir);
	if (*bytes_per_inode > 0 && avail > 0) {
		long fits = (long)((double)(avail - reserve_kib) * 1024.0 / (double)*bytes_per_inode);

		if (population + fits < target) {
			long reduced = (population + fits) / 1000 * 1000;

			progress("memory: %ld KiB available, ~%ld bytes per sealed inode: %ld inodes do not fit, using %ld",
				 avail, *bytes_per_inode, target, reduced);
			target = reduced > population ? reduced : population;
		}
	}
	create_files(dir, population, target, NULL, true);
	if (target - population >= 1000 && avail > 0) {
		long after = mem_available_kib();

		*bytes_per_inode = (long)((double)(avail - after) * 1024.0 / (double)(target - population));
	}
	population = target;
	return target;
}

static void scaling(void)
{
	double r21[MAX_LEVELS][N_OPS], r31[MAX_LEVELS][N_OPS];
	long reached[MAX_LEVELS], seal_cost[MAX_LEVELS], bytes_per_inode = 0, per_inode = 0;
	const char *order[] = { "pwrite", "pread", "open" };
	char n1[32], n2[32], n3[32];
	long want = 0;
	int levels = 0;

	for (int l = 0; l < opt.levels; l++) {
		long long t0 = now(), seal_time_before = pop_seal_time;
		long from = population, got;

		want = opt.scale[l];
		if (want < population)
			continue;
		got = populate(want, &bytes_per_inode);
		seal_cost[levels] = got > from ? (long)((pop_seal_time - seal_time_before) / (got - from)) : 0;
		if (got > from)
			per_inode = (long)((now() - t0) / (got - from));	/* create + seal + close */
		progress("scaling: %ld inodes sealed (grow), %.1f G guest instructions for this step, ~%ld bytes each",
			 got, (double)(now() - t0) / 1e9, bytes_per_inode);
		reached[levels] = got;
		for (size_t i = 0; i < N_OPS; i++) {
			if (!ops[i].scaling)
				continue;
			r21[levels][i] = measure(&ops[i], CFG_UNSEALED, NULL) / ops[i].cost[CFG_BASE];
			r31[levels][i] = measure(&ops[i], CFG_SEALED, NULL) / ops[i].cost[CFG_BASE];
			printf("BENCH-SCALE %s %ld %.4f %.4f\n", ops[i].key, got, r21[levels][i], r31[levels][i]);
		}
		levels++;
		if (got < want)
			break;
	}
	report("| sealed inodes | pwrite 2/1 | pwrite 3/1 | pread 2/1 | pread 3/1 | open+close 2/1 | open+close 3/1 "
	       "| instructions per bpfseal_add_seals while sealing them |");
	report("|--:|--:|--:|--:|--:|--:|--:|--:|");
	for (int l = 0; l < levels; l++) {
		char row[256];
		size_t o = 0;

		for (size_t k = 0; k < 3; k++)
			for (size_t i = 0; i < N_OPS; i++)
				if (!strcmp(ops[i].key, order[k]))
					o += snprintf(row + o, sizeof(row) - o, " %.3f | %.3f |", r21[l][i], r31[l][i]);
		report("| %s |%s %s |", grouped(reached[l], n1, sizeof(n1)), row,
		       grouped(seal_cost[l], n2, sizeof(n2)));
	}
	blank();
	if (levels && reached[levels - 1] < want) {
		report("**Reduced:** %s sealed inodes were asked for; %s fit in the VM's memory "
		       "(~%ld bytes per sealed empty tmpfs inode, %s KiB available): larger levels were skipped.",
		       grouped(want, n1, sizeof(n1)), grouped(reached[levels - 1], n2, sizeof(n2)),
		       bytes_per_inode, grouped(mem_available_kib(), n3, sizeof(n3)));
		blank();
	}
	if (levels && reached[levels - 1] < 1000000 && reached[levels - 1] == want) {
		report("**Reduced:** the largest level of this run is %s sealed inodes, not 1,000,000 "
		       "(the harness's `--scale`, for time): sealing the other %s "
		       "would take ~%.0f G more guest instructions (%s per file created, sealed and closed). "
		       "`make bench BENCH_SCALE=1,1000,10000,100000,1000000` runs the full scale.",
		       grouped(want, n1, sizeof(n1)), grouped(1000000 - want, n2, sizeof(n2)),
		       (double)(1000000 - want) * (double)per_inode / 1e9, grouped(per_inode, n3, sizeof(n3)));
		blank();
	}
}

/* ------------------------------------------------------------------ */
/* Sealed, then evicted: only their records stay (bpf/records.bpf.c) */

#define EVICT_DIR	"/mnt/evict"	/* its own ext4 disk (tests/vm/bench.sh) */
#define EVICT_STEP	100000		/* inodes evicted every so many, to bound memory */

/* A count from `sealctl status --json`, e.g. "evicted" (the first such key). */
static long long status_count(const char *key)
{
	char buf[16384], pat[64];
	size_t n;
	const char *at;
	FILE *p = popen("sealctl status --json", "r");

	if (!p)
		die_errno("popen sealctl status --json");
	n = fread(buf, 1, sizeof(buf) - 1, p);
	buf[n] = '\0';
	pclose(p);
	snprintf(pat, sizeof(pat), "\"%s\":", key);
	at = strstr(buf, pat);
	if (!at)
		die("sealctl status --json has no \"%s\"", key);
	return atoll(at + strlen(pat));
}

static void drop_caches(void)
{
	int fd = open("/proc/sys/vm/drop_caches", O_WRONLY | O_CLOEXEC);

	sync();
	if (fd < 0 || write(fd, "2", 1) != 1)
		die_errno("drop_caches");
	close(fd);
}

/* Unmount and mount again: every inode of the filesystem leaves memory. */
static void remount_evicting(const char *dir)
{
	char line[512], dev[256] = "", mnt[256] = "";
	FILE *f = fopen("/proc/self/mounts", "r");

	if (!f)
		die_errno("/proc/self/mounts");
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%255s %255s", dev, mnt) == 2 && !strcmp(mnt, dir))
			break;
	fclose(f);
	if (strcmp(mnt, dir))
		die("%s is not mounted", dir);
	sync();
	if (umount(dir))
		die_errno("umount %s", dir);
	if (mount(dev, dir, "ext4", 0, NULL))
		die_errno("mount %s on %s", dev, dir);
}

/*
 * The unsealed rows with opt.evicted sealed files whose inodes left memory:
 * each is looked for in `records` when any inode comes back (d_instantiate),
 * so a big table must not slow every file down.
 */
static void evicted_scaling(void)
{
	double r21[N_OPS], r31[N_OPS], churn[N_CHURN_FS], churn_spread[N_CHURN_FS];
	struct statfs sfs;
	char dir[64], n1[32], n2[32], n3[32], n4[32];
	long long t0 = now(), seal_time_before, evicted_before, evicted;

	if (!opt.evicted)
		return;
	blank();
	report("## Sealed, then evicted");
	blank();
	if (statfs(EVICT_DIR, &sfs) || sfs.f_type != EXT4_SUPER_MAGIC) {
		report("Not measured: no ext4 disk on %s.", EVICT_DIR);
		blank();
		return;
	}
	/* Only the evicted files count from here: the tmpfs population goes. */
	snprintf(dir, sizeof(dir), "%s/pop", POP_DIR);
	remove_files(dir, population);
	population = 0;
	evicted_before = status_count("evicted");

	snprintf(dir, sizeof(dir), "%s/sealed", EVICT_DIR);
	mkdir_p(dir);
	seal_time_before = pop_seal_time;
	for (long from = 0; from < opt.evicted; from += EVICT_STEP) {
		long to = from + EVICT_STEP < opt.evicted ? from + EVICT_STEP : opt.evicted;

		create_files(dir, from, to, NULL, true);
		drop_caches();
	}
	remount_evicting(EVICT_DIR);
	evicted = status_count("evicted") - evicted_before;
	progress("evicted: %ld files sealed (grow) on ext4 and evicted, %lld records for evicted inodes, %.1f G "
		 "guest instructions", opt.evicted, evicted, (double)(now() - t0) / 1e9);
	if (evicted < opt.evicted)
		die("evicted: %ld files sealed, but only %lld records for evicted inodes", opt.evicted, evicted);

	for (size_t i = 0; i < N_OPS; i++) {
		if (!ops[i].scaling)
			continue;
		r21[i] = measure(&ops[i], CFG_UNSEALED, NULL) / ops[i].cost[CFG_BASE];
		r31[i] = measure(&ops[i], CFG_SEALED, NULL) / ops[i].cost[CFG_BASE];
	}
	for (size_t i = 0; i < N_CHURN_FS; i++)
		if (churn_fs[i].present)
			churn[i] = churn_cost(&churn_fs[i], &churn_spread[i]);

	report("%s empty files on a second ext4 disk, each sealed `grow` with bpfseal_add_seals() "
	       "(%s instructions a seal) and closed, the page cache's inodes dropped every %s files, then "
	       "the filesystem unmounted and mounted again: none of their inodes is in memory, and "
	       "`sealctl status` counts %s records for evicted inodes. Every inode that comes into "
	       "memory is looked for among them (`restore_seals`). Ratios to configuration 1 (%s), "
	       "measured as above, before (the tables above: no evicted inode) and with them:",
	       grouped(opt.evicted, n1, sizeof(n1)),
	       grouped((pop_seal_time - seal_time_before) / opt.evicted, n2, sizeof(n2)),
	       grouped(EVICT_STEP, n3, sizeof(n3)), grouped(evicted, n4, sizeof(n4)), UNIT);
	blank();
	report("| row | 2/1, none evicted | 2/1, %s evicted | 3/1, none evicted | 3/1, %s evicted |",
	       grouped(opt.evicted, n1, sizeof(n1)), n1);
	report("|---|--:|--:|--:|--:|");
	for (size_t i = 0; i < N_OPS; i++)
		if (ops[i].scaling)
			report("| %s | %.3f | %.3f | %.3f | %.3f |", ops[i].name,
			       ops[i].cost[CFG_UNSEALED] / ops[i].cost[CFG_BASE], r21[i],
			       ops[i].cost[CFG_SEALED] / ops[i].cost[CFG_BASE], r31[i]);
	for (size_t i = 0; i < N_CHURN_FS; i++)
		if (churn_fs[i].present)
			report("| file churn, %s (spread %.1f%%) | %.3f | %.3f | | |", churn_fs[i].name,
			       100 * churn_spread[i], churn_fs[i].cost[CFG_UNSEALED] / churn_fs[i].cost[CFG_BASE],
			       churn[i] / churn_fs[i].cost[CFG_BASE]);
	blank();
}

/* ------------------------------------------------------------------ */

static void parse_opt(const char *arg)
{
	const char *eq = strchr(arg, '=');
	const char *v = eq ? eq + 1 : "";
	size_t klen = eq ? (size_t)(eq - arg) : strlen(arg);

	if (!strncmp(arg, "runs", klen) && klen == 4)
		opt.runs = atoi(v);
	else if (!strncmp(arg, "iters", klen) && klen == 5)
		opt.iters = atol(v);
	else if (!strncmp(arg, "api", klen) && klen == 3)
		opt.api_files = atol(v);
	else if (!strncmp(arg, "cli", klen) && klen == 3)
		opt.cli_files = atol(v);
	else if (!strncmp(arg, "evicted", klen) && klen == 7)
		opt.evicted = atol(v);
	else if (!strncmp(arg, "scale", klen) && klen == 5) {
		char *end;

		opt.levels = 0;
		for (const char *p = v; *p && opt.levels < MAX_LEVELS; p = *end ? end + 1 : end) {
			opt.scale[opt.levels++] = strtol(p, &end, 10);
			if (end == p)
				die("bad scale list '%s'", v);
		}
	} else {
		die("unknown option '%s' (runs=, iters=, scale=, api=, cli=, evicted=)", arg);
	}
	if (opt.runs < 1 || opt.runs > MAX_RUNS || opt.iters < 1 || opt.api_files < 1 || opt.cli_files < 1 ||
	    opt.evicted < 0)
		die("option out of range: '%s'", arg);
}

static void parse_cmdline(void)
{
	char buf[4096], *tok, *save;
	FILE *f = fopen("/proc/cmdline", "r");

	if (!f)
		return;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = '\0';
	fclose(f);
	for (tok = strtok_r(buf, " \n", &save); tok; tok = strtok_r(NULL, " \n", &save))
		if (!strncmp(tok, "bpfseal.bench.", 14))
			parse_opt(tok + 14);
}

static void setup(void)
{
	struct rlimit rl = { 1 << 20, 1 << 20 };

	setvbuf(stdout, NULL, _IOLBF, 0);
	memset(iobuf, 'w', sizeof(iobuf));
	if (setrlimit(RLIMIT_NOFILE, &rl)) {
		rl.rlim_cur = rl.rlim_max = 65536;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	mkdir_p(BENCH_DIR);
	mkdir_p(POP_DIR);
	if (mount("pop", POP_DIR, "tmpfs", 0, "nr_inodes=0,mode=0755"))
		die_errno("mount tmpfs on %s", POP_DIR);
	if (!access(BPFSEAL_PIN_DIR, F_OK))
		die("the policy is already loaded: the baseline needs a boot without it");
}

int main(int argc, char **argv)
{
	struct op sentinel_op = { .key = "sentinel", .seals = SEAL_GROW, .seal_names = "grow" };
	struct target sentinel;
	struct utsname u;
	long long load_first, load_first_cpu, load[3], load_cpu[3];
	double loads[3], cpus[3];
	int stats_fd;
	char n1[32];

	parse_cmdline();
	for (int i = 1; i < argc; i++)
		parse_opt(argv[i][0] == '-' && argv[i][1] == '-' ? argv[i] + 2 : argv[i]);
	setup();
	churn_setup();
	uname(&u);
	progress("kernel %s, runs %d x %ld iterations, scale up to %ld sealed inodes", u.release,
		 opt.runs, opt.iters, opt.scale[opt.levels - 1]);

	/* 1 and 4: no policy anywhere yet. */
	for (size_t i = 0; i < N_OPS; i++) {
		ops[i].cost[CFG_BASE] = measure(&ops[i], CFG_BASE, &ops[i].spread[CFG_BASE]);
		ops[i].cost[CFG_MEMFD] = measure(&ops[i], CFG_MEMFD, &ops[i].spread[CFG_MEMFD]);
		progress("%-24s 1: %8.0f   4: %8.0f", ops[i].name, ops[i].cost[CFG_BASE], ops[i].cost[CFG_MEMFD]);
	}

	churn_measure(CFG_BASE);

	/* 2z: loaded, nothing sealed since. */
	load_first = sealctl_load_timed(&load_first_cpu);
	for (size_t i = 0; i < N_OPS; i++)
		ops[i].cost[CFG_FRESH] = measure(&ops[i], CFG_FRESH, &ops[i].spread[CFG_FRESH]);

	/* 2 and 3: one inode sealed `grow` for good arms the write-facts programs. */
	make_target(&sentinel, &sentinel_op, CFG_SEALED);
	for (size_t i = 0; i < N_OPS; i++) {
		ops[i].cost[CFG_UNSEALED] = measure(&ops[i], CFG_UNSEALED, &ops[i].spread[CFG_UNSEALED]);
		ops[i].cost[CFG_SEALED] = measure(&ops[i], CFG_SEALED, &ops[i].spread[CFG_SEALED]);
		progress("%-24s 2: %8.0f   3: %8.0f   (2z: %.0f)", ops[i].name, ops[i].cost[CFG_UNSEALED],
			 ops[i].cost[CFG_SEALED], ops[i].cost[CFG_FRESH]);
	}

	churn_measure(CFG_UNSEALED);

	report("## Overhead per operation");
	blank();
	report("Unit: %s; median of %d runs (each at least %s iterations and 10 M instructions) "
	       "after a warm-up run; tmpfs; every run on a fresh file.", UNIT, opt.runs, grouped(opt.iters, n1, sizeof(n1)));
	report("1 = no policy loaded (same boot, before `sealctl load`); 2 = policy loaded, file unsealed, "
	       "another inode sealed `grow`; 3 = policy loaded, file sealed with the seal shown; "
	       "4 = native memfd with the same seal (F_ADD_SEALS), no policy loaded; "
	       "2z = policy loaded, no inode sealed since the load.");
	blank();
	table();
	blank();
	report("## File churn (macro)");
	blank();
	report("Per file, %d files a run: create, write 4-64 KiB (4 KiB steps, the same sequence every run), "
	       "read it back three times, close, rename, unlink; %s per file, median of the runs after a "
	       "warm-up run. 1 = no policy loaded, 2 = policy loaded with another inode sealed `grow` (as above). "
	       "ext4 (a virtio disk, `cache=unsafe`) moves with its journal threads: its spread is over %d runs.",
	       CHURN_FILES, UNIT, churn_fs[1].runs);
	blank();
	churn_table();
	blank();
	targets();
	blank();
	report("\\* open+close of the memfd goes through /proc/self/fd/N (a memfd has no other name): "
	       "a different path walk, so 3/4 compares unlike things for this row.");
	blank();
	report("How each operation is measured:");
	blank();
	for (size_t i = 0; i < N_OPS; i++)
		report("- %s: %s; %s iterations per run.", ops[i].name, ops[i].what,
		       grouped(ops[i].iters, n1, sizeof(n1)));
	blank();

	/* Which programs run, and how much of the overhead they are. */
	stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
	if (stats_fd >= 0) {
		report("## Where the time goes");
		blank();
		report("`overhead` is from the table above (configuration 2 or 3 minus 1). `in BPF programs`: "
		       "one more run of %s iterations with `kernel.bpf_stats_enabled`, run_time_ns / iterations "
		       "per program (under icount, instructions inside the program). The rest is the "
		       "BPF trampolines around the hooked functions and the LSM dispatch to them. "
		       "Each program figure also holds the stats' own clock read, some 70-85 instructions "
		       "per call: a program that returns at once (check_write on a read) shows about 85. So "
		       "the programs' own work is that much smaller per call, and the trampolines' share "
		       "that much larger, than the columns say.",
		       grouped(opt.iters, n1, sizeof(n1)));
		blank();
		report("| operation | config | overhead | in BPF programs | rest (trampolines, dispatch) | programs: instructions per operation |");
		report("|---|---|--:|--:|--:|---|");
		for (size_t i = 0; i < N_OPS; i++) {
			attribute(&ops[i], CFG_UNSEALED);
			attribute(&ops[i], CFG_SEALED);
		}
		if (churn_fs[0].present)
			churn_attribute();
		blank();
		close(stats_fd);	/* stats off again for what follows */
	}

	report("## Adding seals");
	blank();
	report("| what | instructions per seal | seals per guest second (10^9 instructions) |");
	report("|---|--:|--:|");
	seal_throughput();
	blank();

	/* Policy load time after an unload (unload --force drops the seals). */
	for (int i = 0; i < 3; i++) {
		sealctl_unload();
		load[i] = sealctl_load_timed(&load_cpu[i]);
		loads[i] = (double)load[i];
		cpus[i] = (double)load_cpu[i];
	}
	report("## Policy load time");
	blank();
	report("`sealctl load` after `sealctl unload --force` (median of 3), process start included:");
	blank();
	report("- CPU time of the sealctl process: %.0f M guest instructions (%.0f, %.0f, %.0f M);",
	       median(cpus, 3) / 1e6, cpus[0] / 1e6, cpus[1] / 1e6, cpus[2] / 1e6);
	report("- guest clock from fork to exit: %.0f M guest ns (%.0f, %.0f, %.0f M). With `sleep=off` "
	       "an idle guest's clock jumps to the next timer, so this includes waits (RCU grace periods "
	       "while attaching), not only instructions;",
	       median(loads, 3) / 1e6, loads[0] / 1e6, loads[1] / 1e6, loads[2] / 1e6);
	report("- the first load of the boot: %.0f M CPU, %.0f M guest clock.", (double)load_first_cpu / 1e6,
	       (double)load_first / 1e6);
	blank();
	report("Hooks in force on this kernel (`sealctl status`):");
	blank();
	report_policy_status();
	blank();

	/* Scaling: unsealed (2) and sealed (3) against the number of other sealed inodes. */
	report("## Scaling with the number of sealed inodes");
	blank();
	report("Ratios to configuration 1 (%s), medians as above. Sealed inodes: empty files on a "
	       "second tmpfs, each sealed `grow` with bpfseal_add_seals() and closed; the measured file "
	       "is on /mnt/tmpfs as before.", UNIT);
	blank();
	scaling();
	evicted_scaling();
	printf("BENCH-OK\n");
	return 0;
}
