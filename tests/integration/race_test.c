// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Sealing WRITE while another thread maps or writes, repeated.
 *  - mmap vs seal: EBUSY exactly while a writable shared mapping exists;
 *    once the seal is reported, no mapping is made and no byte changes.
 *  - write vs seal: once the seal is reported, no write lands: neither one
 *    started after it nor one already past its permission check when the
 *    seal went in (bpf/write_fence.bpf.c checks those under the inode lock).
 *  - two appenders vs adding APPEND: no append is refused, in flight or not;
 *    once APPEND is reported, no byte the file held changes, rewrites are
 *    refused and appends keep landing.
 *  - many appenders to an APPEND-sealed log: it is exactly the concatenation
 *    of their records, each whole, each writer's in order.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <sys/wait.h>

#include "bpfseal.h"
#include "bpfseal_abi.h"
#include "itest.h"

#define ROUNDS 40

struct race {
	int fd;
	atomic_int stop;
	atomic_long writes_ok;
	atomic_long late_writes;	/* writes that succeeded after the seal was reported */
	atomic_int sealed;
	atomic_int writer_saw_seal;	/* the writer's next write starts after the seal */
	/* mapper timeline, for a failure report (CLOCK_MONOTONIC ns) */
	atomic_llong last_map_start, last_map_done, last_unmap_start, last_unmap_done;
};

static long long now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000000000LL + t.tv_nsec;
}

static void *mapper(void *arg)
{
	struct race *r = arg;

	while (!atomic_load(&r->stop)) {
		long long t0 = now_ns();
		char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, r->fd, 0);

		if (p == MAP_FAILED)
			continue;
		atomic_store(&r->last_map_start, t0);
		atomic_store(&r->last_map_done, now_ns());
		if (atomic_load(&r->sealed))
			atomic_fetch_add(&r->late_writes, 1);	/* a mapping after the seal */
		p[0]++;
		atomic_fetch_add(&r->writes_ok, 1);
		atomic_store(&r->last_unmap_start, now_ns());
		munmap(p, 4096);
		atomic_store(&r->last_unmap_done, now_ns());
	}
	return NULL;
}

static void *writer(void *arg)
{
	struct race *r = arg;
	long v = 0;

	while (!atomic_load(&r->stop)) {
		int sealed_before = atomic_load(&r->sealed);

		v++;
		if (pwrite(r->fd, &v, sizeof(v), 0) == sizeof(v) && sealed_before)
			atomic_fetch_add(&r->late_writes, 1);	/* started after the seal: must not land */
		if (sealed_before)
			atomic_store(&r->writer_saw_seal, 1);
	}
	return NULL;
}

static void race(const char *fs, const char *dir, const char *what, void *(*fn)(void *))
{
	char path[256], n[256];
	int ebusy = 0, bad_ebusy = 0, changed = 0, late = 0;

	for (int round = 0; round < ROUNDS; round++) {
		struct itest_snapshot *snap = malloc(sizeof(*snap)), *end = malloc(sizeof(*end));
		struct race r = { 0 };
		pthread_t t;
		int err;

		snprintf(path, sizeof(path), "%s/race.XXXXXX", dir);
		r.fd = mkostemp(path, O_CLOEXEC);
		itest_fill(r.fd);
		pthread_create(&t, NULL, fn, &r);
		usleep(200 + (round * 137) % 2000);
		/* Keep asking until the seal goes in; EBUSY only while mapped. */
		long long seal_start = 0, seal_done;

		while (seal_start = now_ns(), (err = bpfseal_add_seals(r.fd, BPFSEAL_SEAL_WRITE) ? errno : 0) == EBUSY) {
			ebusy++;
			if (fn == writer)
				bad_ebusy++;	/* no mapping exists: EBUSY is wrong */
			usleep(50);
		}
		seal_done = now_ns();
		atomic_store(&r.sealed, 1);
		itest_snapshot(r.fd, snap);
		/* Let the other thread try for a while, writes in flight at the seal included. */
		while (fn == writer && !atomic_load(&r.writer_saw_seal))
			usleep(10);
		usleep(5000);
		atomic_store(&r.stop, 1);
		pthread_join(t, NULL);
		itest_snapshot(r.fd, end);
		if (err) {
			snprintf(n, sizeof(n), "race/%s/%s/seal", fs, what);
			itest_report(false, n, "round %d: add WRITE failed: %s", round, itest_errname(err));
		}
		if (itest_snapshot_diff(snap, end)) {
			long at = 0;

			while (at < snap->len && snap->data[at] == end->data[at])
				at++;
			changed++;
			printf("  [%s] race/%s/%s: round %d: byte %ld went %#x -> %#x after the seal (%ld ok ops); "
			       "relative to the successful seal call's start (us): map %lld..%lld, unmap %lld..%lld, seal done %lld\n",
			       itest_kernel(), fs, what, round, at, at < snap->len ? snap->data[at] : 0,
			       at < end->len ? end->data[at] : 0, (long)atomic_load(&r.writes_ok),
			       (atomic_load(&r.last_map_start) - seal_start) / 1000, (atomic_load(&r.last_map_done) - seal_start) / 1000,
			       (atomic_load(&r.last_unmap_start) - seal_start) / 1000, (atomic_load(&r.last_unmap_done) - seal_start) / 1000,
			       (seal_done - seal_start) / 1000);
		}
		late += (int)atomic_load(&r.late_writes);
		close(r.fd);
		unlink(path);
		free(snap);
		free(end);
	}
	snprintf(n, sizeof(n), "race/%s/%s/no_write_lands_after_seal_reported", fs, what);
	itest_report(!changed && !late, n, "%d of %d rounds changed after the seal, %d %s after it",
		     changed, ROUNDS, late, fn == writer ? "writes started" : "mappings");
	snprintf(n, sizeof(n), "race/%s/%s/ebusy_only_with_writable_mappings", fs, what);
	itest_report(!bad_ebusy, n, "%d EBUSY answers with no mapping", bad_ebusy);
	printf("  [%s] race/%s/%s: %d EBUSY answers over %d rounds\n", itest_kernel(), fs, what, ebusy, ROUNDS);
}

/*
 * Appends by write(2) on an O_APPEND descriptor and by pwritev2(RWF_APPEND)
 * on a plain one, from two threads, while the main thread adds APPEND.
 */
struct append_race {
	int fd, append_fd;
	atomic_int stop, sealed;
	atomic_long refused, after_seal;
	atomic_int last_refusal, refused_rwf;	/* errno, and how many by pwritev2(RWF_APPEND) */
};

struct appender_thread {
	struct append_race *race;
	bool by_rwf;
};

static void *appender(void *arg)
{
	struct append_race *r = ((struct appender_thread *)arg)->race;
	bool by_rwf = ((struct appender_thread *)arg)->by_rwf;
	long v = 0;

	while (!atomic_load(&r->stop)) {
		int sealed_before = atomic_load(&r->sealed);
		struct iovec iov = { &v, sizeof(v) };
		ssize_t n;

		v++;
		n = by_rwf ? pwritev2(r->fd, &iov, 1, 0, RWF_APPEND) : write(r->append_fd, &v, sizeof(v));
		if (n != sizeof(v)) {
			atomic_fetch_add(&r->refused, 1);
			atomic_fetch_add(&r->refused_rwf, by_rwf);
			atomic_store(&r->last_refusal, n < 0 ? errno : 10000);
		} else if (sealed_before)
			atomic_fetch_add(&r->after_seal, 1);
	}
	return NULL;
}

static void race_appends(const char *fs, const char *dir)
{
	struct itest_snapshot *reported = malloc(sizeof(*reported)), *end = malloc(sizeof(*end));
	int changed = 0, failed = 0, rewrites = 0, add_err = 0, refusal = 0, refused_rwf = 0, ebusy = 0;
	long refused = 0, after_seal = 0;
	char path[256], n[256];

	for (int round = 0; round < ROUNDS; round++) {
		struct append_race r = { 0 };
		struct appender_thread a[2] = { { &r, false }, { &r, true } };
		pthread_t t[2];
		int err;

		snprintf(path, sizeof(path), "%s/race-append.XXXXXX", dir);
		r.fd = mkostemp(path, O_CLOEXEC);
		r.append_fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
		itest_fill(r.fd);
		for (int i = 0; i < 2; i++)
			pthread_create(&t[i], NULL, appender, &a[i]);
		usleep(200 + (round * 137) % 2000);
		/* Appends in flight hold page references for an instant: README "Limits". */
		while ((err = bpfseal_add_seals(r.fd, BPFSEAL_SEAL_APPEND) ? errno : 0) == EBUSY)
			ebusy++;
		atomic_store(&r.sealed, 1);
		itest_snapshot(r.fd, reported);
		/* After the report: rewrites of what the file held, appends still going. */
		for (int i = 0; i < 200; i++)
			rewrites += pwrite(r.fd, "X", 1, (i * 997) % ITEST_FILE_SIZE) == 1;
		usleep(2000);
		atomic_store(&r.stop, 1);
		for (int i = 0; i < 2; i++)
			pthread_join(t[i], NULL);
		itest_snapshot(r.fd, end);
		failed += err != 0;
		add_err = err ?: add_err;
		refusal = atomic_load(&r.last_refusal) ?: refusal;
		refused_rwf += atomic_load(&r.refused_rwf);
		changed += end->size < reported->size || end->len < reported->len ||
			   memcmp(reported->data, end->data, (size_t)reported->len);
		refused += atomic_load(&r.refused);
		after_seal += atomic_load(&r.after_seal);
		close(r.append_fd);
		close(r.fd);
		unlink(path);
	}
	snprintf(n, sizeof(n), "race/%s/appends_vs_adding_append/seal_added", fs);
	itest_report(!failed, n, "%d of %d adds failed, with %s", failed, ROUNDS, itest_errname(add_err));
	printf("  [%s] race/%s/appends_vs_adding_append: %d EBUSY answers over %d rounds\n", itest_kernel(), fs, ebusy,
	       ROUNDS);
	snprintf(n, sizeof(n), "race/%s/appends_vs_adding_append/no_append_refused", fs);
	itest_report(!refused, n, "%ld appends refused over %d rounds (%d by pwritev2 RWF_APPEND), with %s", refused,
		     ROUNDS, refused_rwf, itest_errname(refusal));
	snprintf(n, sizeof(n), "race/%s/appends_vs_adding_append/appends_land_after_seal", fs);
	itest_report(after_seal > 0, n, "no append landed after APPEND was reported, over %d rounds", ROUNDS);
	snprintf(n, sizeof(n), "race/%s/appends_vs_adding_append/no_rewrite_lands_after_seal_reported", fs);
	itest_report(!changed && !rewrites, n, "%d of %d rounds changed what the file held at the report, "
		     "%d rewrites succeeded", changed, ROUNDS, rewrites);
	free(reported);
	free(end);
}

/*
 * WRITERS processes append RECORDS fixed-size records each, by write, writev
 * and pwritev2(RWF_APPEND) in turn, to a log sealed APPEND while they run;
 * the parent tries to rewrite its head meanwhile.
 */
#define WRITERS 4
#define RECORDS 400
#define RECORD_LEN 32

static void format_record(char *rec, size_t len, int writer_id, int seq)
{
	snprintf(rec, len, "writer %d record %05d %*s\n", writer_id, seq, RECORD_LEN - 23, "");
}

static void append_records(int fd, int writer_id)
{
	for (int seq = 0; seq < RECORDS; seq++) {
		char rec[RECORD_LEN + 1];
		struct iovec iov[2] = { { rec, RECORD_LEN / 2 }, { rec + RECORD_LEN / 2, RECORD_LEN / 2 } };
		ssize_t n;

		format_record(rec, sizeof(rec), writer_id, seq);
		switch (seq % 3) {
		case 0: n = write(fd, rec, RECORD_LEN); break;
		case 1: n = writev(fd, iov, 2); break;
		default: n = pwritev2(fd, iov, 2, 0, RWF_APPEND); break;
		}
		if (n != RECORD_LEN)
			_exit(1);
	}
	_exit(0);
}

/* Records after the head, each whole and each writer's in order; how many are not. */
static int bad_records(int fd, off_t size)
{
	char rec[RECORD_LEN], want[RECORD_LEN + 1];
	int next[WRITERS] = { 0 }, bad = 0;

	for (off_t at = ITEST_FILE_SIZE; at + RECORD_LEN <= size; at += RECORD_LEN) {
		int w, seq;

		if (pread(fd, rec, RECORD_LEN, at) != RECORD_LEN ||
		    sscanf(rec, "writer %d record %d", &w, &seq) != 2 || w < 0 || w >= WRITERS || seq != next[w]) {
			bad++;
			continue;
		}
		format_record(want, sizeof(want), w, seq);
		bad += memcmp(rec, want, RECORD_LEN) != 0;
		next[w]++;
	}
	return bad;
}

static void many_appenders(const char *fs, const char *dir)
{
	struct itest_snapshot *before = malloc(sizeof(*before)), *after = malloc(sizeof(*after));
	char path[256], n[256];
	int fd = itest_make_file(dir, "appended.log", path, sizeof(path));
	int afd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC), failed = 0, running = WRITERS, rewrites = 0, bad;
	off_t want = ITEST_FILE_SIZE + (off_t)WRITERS * RECORDS * RECORD_LEN;
	struct stat st;

	itest_snapshot(fd, before);
	for (int w = 0; w < WRITERS; w++)
		if (fork() == 0)
			append_records(afd, w);
	snprintf(n, sizeof(n), "appenders/%s/seal_while_appending", fs);
	itest_expect(n, bpfseal_add_seals(fd, BPFSEAL_SEAL_APPEND) ? errno : 0, 0);
	while (running) {
		int status;

		rewrites += pwrite(fd, "X", 1, 0) == 1;
		if (waitpid(-1, &status, WNOHANG) > 0) {
			running--;
			failed += !WIFEXITED(status) || WEXITSTATUS(status);
		}
	}
	itest_snapshot(fd, after);
	fstat(fd, &st);
	bad = bad_records(fd, st.st_size);
	snprintf(n, sizeof(n), "appenders/%s/log_is_exact_concatenation", fs);
	itest_report(!failed && st.st_size == want && !bad && !memcmp(before->data, after->data, ITEST_FILE_SIZE), n,
		     "%d writers had an append refused, size %lld want %lld, %d records torn or out of order, head %s",
		     failed, (long long)st.st_size, (long long)want, bad,
		     memcmp(before->data, after->data, ITEST_FILE_SIZE) ? "rewritten" : "intact");
	snprintf(n, sizeof(n), "appenders/%s/rewrites_refused", fs);
	itest_report(!rewrites, n, "%d rewrites of the head landed", rewrites);
	close(afd);
	close(fd);
	unlink(path);
	free(before);
	free(after);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	race("tmpfs", "/mnt/tmpfs", "mmap_vs_seal", mapper);
	race("tmpfs", "/mnt/tmpfs", "write_vs_seal", writer);
	race("ext4", "/mnt/ext4", "mmap_vs_seal", mapper);
	race("ext4", "/mnt/ext4", "write_vs_seal", writer);
	race("xfs", "/mnt/xfs", "write_vs_seal", writer);
	race_appends("tmpfs", "/mnt/tmpfs");
	race_appends("ext4", "/mnt/ext4");
	race_appends("xfs", "/mnt/xfs");
	many_appenders("tmpfs", "/mnt/tmpfs");
	many_appenders("ext4", "/mnt/ext4");
	many_appenders("xfs", "/mnt/xfs");
	return itest_failures ? 1 : 0;
}
