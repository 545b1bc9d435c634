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
 * Each race also shows it happened: a call of the other side in flight
 * while the successful seal call ran, or appends both before and after it.
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
#define SPANS_KEPT 262144	/* a racing thread's latest calls, per round */
#define EBUSY_KEPT 4096		/* EBUSY answers a round may take before it gives up */

static long long now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000000000LL + t.tv_nsec;
}

/*
 * One call of a racing thread, CLOCK_MONOTONIC ns: issued and returned.
 * For a mapping made, also munmap's start and end: it surely existed
 * from `end` to `unmap_start`, and may have from `start` to `unmap_end`.
 * A refused mmap was a mapping being made while it ran: its `unmap_end`
 * is its `end`.
 */
struct span {
	long long start, end, unmap_start, unmap_end;
};

/* A thread's latest calls: it alone writes them; read once it is joined. */
struct timeline {
	struct span *spans;
	atomic_long n;
};

static void timeline_add(struct timeline *t, struct span s)
{
	long n = atomic_load(&t->n);

	t->spans[n % SPANS_KEPT] = s;
	atomic_store(&t->n, n + 1);
}

static bool timeline_init(struct timeline *t)
{
	t->spans = malloc(SPANS_KEPT * sizeof(*t->spans));
	atomic_store(&t->n, 0);
	return t->spans;
}

/* A call, or with `mapped` a mapping's possible life, reaching into [from, to]. */
static bool in_flight(const struct timeline *t, long long from, long long to, bool mapped)
{
	long n = atomic_load(&t->n);

	for (long i = n > SPANS_KEPT ? n - SPANS_KEPT : 0; i < n; i++) {
		const struct span *s = &t->spans[i % SPANS_KEPT];

		if (mapped ? s->unmap_end && s->start <= to && s->unmap_end >= from : s->start <= to && s->end >= from)
			return true;
	}
	return false;
}

/* A mapping that surely existed all through [from, to]. */
static bool mapped_throughout(const struct timeline *t, long long from, long long to)
{
	long n = atomic_load(&t->n);

	for (long i = n > SPANS_KEPT ? n - SPANS_KEPT : 0; i < n; i++) {
		const struct span *s = &t->spans[i % SPANS_KEPT];

		if (s->unmap_start && s->end <= from && s->unmap_start >= to)
			return true;
	}
	return false;
}

/* Until the thread has made a call (up to 2 s): the race starts with both sides running. */
static bool wait_for_first_call(const struct timeline *t)
{
	for (int i = 0; i < 2000 && !atomic_load(&t->n); i++)
		usleep(1000);
	return atomic_load(&t->n) > 0;
}

struct race {
	int fd;
	atomic_int stop;
	atomic_long writes_ok;
	atomic_long late_writes;	/* writes that succeeded after the seal was reported */
	atomic_int sealed;
	atomic_int writer_saw_seal;	/* the writer's next write starts after the seal */
	struct timeline calls;		/* mmap calls and the mappings made, or pwrite calls */
};

static void *mapper(void *arg)
{
	struct race *r = arg;

	while (!atomic_load(&r->stop)) {
		int sealed_before = atomic_load(&r->sealed);
		struct span s = { now_ns(), 0, 0, 0 };
		char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, r->fd, 0);

		s.end = now_ns();
		if (p == MAP_FAILED) {
			s.unmap_end = s.end;
			/* Started after the seal was reported: it overlaps no seal call. */
			if (!sealed_before)
				timeline_add(&r->calls, s);
			continue;
		}
		if (atomic_load(&r->sealed))
			atomic_fetch_add(&r->late_writes, 1);	/* a mapping after the seal */
		p[0]++;
		atomic_fetch_add(&r->writes_ok, 1);
		s.unmap_start = now_ns();
		munmap(p, 4096);
		s.unmap_end = now_ns();
		timeline_add(&r->calls, s);
	}
	return NULL;
}

static void *writer(void *arg)
{
	struct race *r = arg;
	long v = 0;

	while (!atomic_load(&r->stop)) {
		int sealed_before = atomic_load(&r->sealed);
		struct span s = { now_ns(), 0, 0, 0 };
		bool landed;

		v++;
		landed = pwrite(r->fd, &v, sizeof(v), 0) == sizeof(v);
		s.end = now_ns();
		timeline_add(&r->calls, s);
		if (landed && sealed_before)
			atomic_fetch_add(&r->late_writes, 1);	/* started after the seal: must not land */
		if (sealed_before)
			atomic_store(&r->writer_saw_seal, 1);
	}
	return NULL;
}

/* What race() reports per filesystem and kind of race. */
#define RACE_CASES 4

static void race(const char *fs, const char *dir, const char *what, void *(*fn)(void *))
{
	static long long busy_from[EBUSY_KEPT], busy_to[EBUSY_KEPT];
	static bool busy_mapped[EBUSY_KEPT];	/* the EBUSY named mappings, not page references */
	static bool busy_pinned[EBUSY_KEPT];	/* it named page references that stayed */
	struct itest_snapshot *snap = malloc(sizeof(*snap)), *end = malloc(sizeof(*end));
	int ebusy = 0, bad_ebusy = 0, mapped_seals = 0, changed = 0, late = 0, raced = 0;
	char path[256], n[256], why[512] = "";
	struct race r;

	if (!timeline_init(&r.calls))
		snprintf(why, sizeof(why), "out of memory");
	for (int round = 0; round < ROUNDS && !why[0]; round++) {
		long long seal_start = 0, seal_done = 0;
		int busy = 0, err = EBUSY;
		pthread_t t;

		atomic_store(&r.calls.n, 0);
		r.fd = -1;
		atomic_store(&r.stop, 0);
		atomic_store(&r.writes_ok, 0);
		atomic_store(&r.late_writes, 0);
		atomic_store(&r.sealed, 0);
		atomic_store(&r.writer_saw_seal, 0);
		snprintf(path, sizeof(path), "%s/race.XXXXXX", dir);
		r.fd = mkostemp(path, O_CLOEXEC);
		if (r.fd < 0 || itest_fill(r.fd)) {
			snprintf(why, sizeof(why), "round %d: cannot make %s: %s", round, path, strerror(errno));
			break;
		}
		if (pthread_create(&t, NULL, fn, &r)) {
			snprintf(why, sizeof(why), "round %d: cannot start the thread", round);
			break;
		}
		if (!wait_for_first_call(&r.calls))
			snprintf(why, sizeof(why), "round %d: the thread made no call in 2 s", round);
		usleep(200 + (round * 137) % 2000);
		/* Keep asking until the seal goes in; EBUSY only while mapped. */
		while (!why[0] && err == EBUSY && busy < EBUSY_KEPT) {
			seal_start = now_ns();
			err = bpfseal_add_seals(r.fd, BPFSEAL_SEAL_WRITE) ? errno : 0;
			seal_done = now_ns();
			if (err != EBUSY)
				break;
			busy_mapped[busy] = bpfseal_busy_reason() && strstr(bpfseal_busy_reason(), "mapping");
			busy_pinned[busy] = bpfseal_busy_reason() && strstr(bpfseal_busy_reason(), "pinned");
			busy_from[busy] = seal_start;
			busy_to[busy++] = seal_done;
			usleep(50);
		}
		atomic_store(&r.sealed, 1);
		itest_snapshot(r.fd, snap);
		/* Let the other thread try for a while, writes in flight at the seal included. */
		for (int i = 0; fn == writer && !err && i < 200000 && !atomic_load(&r.writer_saw_seal); i++)
			usleep(10);
		usleep(5000);
		atomic_store(&r.stop, 1);
		pthread_join(t, NULL);
		itest_snapshot(r.fd, end);
		ebusy += busy;
		if (err && !why[0]) {
			snprintf(why, sizeof(why), "round %d: add WRITE failed: %s%s", round, itest_errname(err),
				 busy == EBUSY_KEPT ? " (gave up)" : "");
		}
		raced += !err && in_flight(&r.calls, seal_start, seal_done, false);
		for (int i = 0; i < busy; i++) {
			/*
			 * Pages a gone mapping left referenced may answer EBUSY too, as memfd's
			 * pins do; so may a page a pwrite in flight is copying into (README,
			 * "Limits": page references).
			 */
			if (fn == writer)
				bad_ebusy += !busy_pinned[i] || !in_flight(&r.calls, busy_from[i], busy_to[i], false);
			else
				bad_ebusy += busy_mapped[i] && !in_flight(&r.calls, busy_from[i], busy_to[i], true);
		}
		mapped_seals += fn == mapper && !err && mapped_throughout(&r.calls, seal_start, seal_done);
		if (itest_snapshot_diff(snap, end)) {
			long at = 0;

			while (at < snap->len && snap->data[at] == end->data[at])
				at++;
			changed++;
			printf("  [%s] race/%s/%s: round %d: byte %ld went %#x -> %#x after the seal (%ld ok ops)\n",
			       itest_kernel(), fs, what, round, at, at < snap->len ? snap->data[at] : 0,
			       at < end->len ? end->data[at] : 0, (long)atomic_load(&r.writes_ok));
		}
		late += (int)atomic_load(&r.late_writes);
		close(r.fd);
		r.fd = -1;
		unlink(path);
	}
	if (r.fd >= 0) {
		close(r.fd);
		unlink(path);
	}
	snprintf(n, sizeof(n), "race/%s/%s/seal_added", fs, what);
	itest_report(!why[0], n, "%s", why);
	/* The race itself: the other side's call in flight while the seal call that succeeded ran. */
	snprintf(n, sizeof(n), "race/%s/%s/race_happened", fs, what);
	itest_report(!why[0] && raced > 0, n, "%s%s in flight during the seal in %d of %d rounds",
		     why[0] ? "not run in full: " : "",
		     fn == writer ? "no pwrite" : "no mmap", raced, ROUNDS);
	snprintf(n, sizeof(n), "race/%s/%s/no_write_lands_after_seal_reported", fs, what);
	itest_report(!why[0] && !changed && !late, n, "%s%d of %d rounds changed after the seal, %d %s after it",
		     why[0] ? "not run in full: " : "", changed, ROUNDS, late,
		     fn == writer ? "writes started" : "mappings");
	snprintf(n, sizeof(n), "race/%s/%s/ebusy_only_with_writable_mappings", fs, what);
	itest_report(!why[0] && !bad_ebusy && !mapped_seals, n,
		     "%s%d EBUSY answers with no mapping alive (nor, for pins, a write in flight), %d seals added while a mapping lived throughout",
		     why[0] ? "not run in full: " : "", bad_ebusy, mapped_seals);
	printf("  [%s] race/%s/%s: %d EBUSY answers, the race in %d of %d rounds\n", itest_kernel(), fs, what, ebusy,
	       raced, ROUNDS);
	free(r.calls.spans);
	free(snap);
	free(end);
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
	struct timeline calls;	/* its append calls */
};

static void *appender(void *arg)
{
	struct appender_thread *a = arg;
	struct append_race *r = a->race;
	long v = 0;

	while (!atomic_load(&r->stop)) {
		int sealed_before = atomic_load(&r->sealed);
		struct iovec iov = { &v, sizeof(v) };
		struct span s = { now_ns(), 0, 0, 0 };
		ssize_t n;

		v++;
		n = a->by_rwf ? pwritev2(r->fd, &iov, 1, 0, RWF_APPEND) : write(r->append_fd, &v, sizeof(v));
		s.end = now_ns();
		timeline_add(&a->calls, s);
		if (n != sizeof(v)) {
			atomic_fetch_add(&r->refused, 1);
			atomic_fetch_add(&r->refused_rwf, a->by_rwf);
			atomic_store(&r->last_refusal, n < 0 ? errno : 10000);
		} else if (sealed_before)
			atomic_fetch_add(&r->after_seal, 1);
	}
	return NULL;
}

/* What race_appends() reports per filesystem. */
#define APPEND_RACE_CASES 5

static void race_appends(const char *fs, const char *dir)
{
	struct itest_snapshot *reported = malloc(sizeof(*reported)), *end = malloc(sizeof(*end));
	int changed = 0, rewrites = 0, refusal = 0, refused_rwf = 0, ebusy = 0, raced = 0;
	struct append_race r = { .fd = -1, .append_fd = -1 };
	struct appender_thread a[2] = { { &r, false, { 0 } }, { &r, true, { 0 } } };
	char path[256], n[256], why[512] = "";
	long refused = 0, after_seal = 0;

	if (!timeline_init(&a[0].calls) || !timeline_init(&a[1].calls))
		snprintf(why, sizeof(why), "out of memory");
	for (int round = 0; round < ROUNDS && !why[0]; round++) {
		long long seal_start, seal_done;
		pthread_t t[2];
		int err, started = 0;

		atomic_store(&r.stop, 0);
		atomic_store(&r.sealed, 0);
		atomic_store(&r.refused, 0);
		atomic_store(&r.after_seal, 0);
		atomic_store(&r.last_refusal, 0);
		atomic_store(&r.refused_rwf, 0);
		snprintf(path, sizeof(path), "%s/race-append.XXXXXX", dir);
		r.fd = mkostemp(path, O_CLOEXEC);
		r.append_fd = r.fd < 0 ? -1 : open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
		if (r.fd < 0 || r.append_fd < 0 || itest_fill(r.fd)) {
			snprintf(why, sizeof(why), "round %d: cannot make %s: %s", round, path, strerror(errno));
			break;
		}
		for (int i = 0; i < 2; i++) {
			atomic_store(&a[i].calls.n, 0);
			started += !pthread_create(&t[i], NULL, appender, &a[i]);
		}
		if (started < 2)
			snprintf(why, sizeof(why), "round %d: cannot start the appenders", round);
		for (int i = 0; i < started && !why[0]; i++)
			if (!wait_for_first_call(&a[i].calls))
				snprintf(why, sizeof(why), "round %d: an appender made no call in 2 s", round);
		usleep(200 + (round * 137) % 2000);
		/* Appends in flight hold page references for an instant: README "Limits". */
		for (int busy = 0; busy < 100 * EBUSY_KEPT; busy++, ebusy++) {
			seal_start = now_ns();
			err = why[0] ? ECANCELED : bpfseal_add_seals(r.fd, BPFSEAL_SEAL_APPEND) ? errno : 0;
			seal_done = now_ns();
			if (err != EBUSY)
				break;
		}
		atomic_store(&r.sealed, 1);
		itest_snapshot(r.fd, reported);
		/* After the report: rewrites of what the file held, appends still going. */
		for (int i = 0; i < 200 && !err; i++)
			rewrites += pwrite(r.fd, "X", 1, (i * 997) % ITEST_FILE_SIZE) == 1;
		usleep(2000);
		atomic_store(&r.stop, 1);
		for (int i = 0; i < started; i++)
			pthread_join(t[i], NULL);
		itest_snapshot(r.fd, end);
		if (err && !why[0])
			snprintf(why, sizeof(why), "round %d: adding APPEND failed: %s", round, itest_errname(err));
		raced += !err && (in_flight(&a[0].calls, seal_start, seal_done, false) ||
				  in_flight(&a[1].calls, seal_start, seal_done, false));
		refusal = atomic_load(&r.last_refusal) ?: refusal;
		refused_rwf += atomic_load(&r.refused_rwf);
		changed += end->size < reported->size || end->len < reported->len ||
			   memcmp(reported->data, end->data, (size_t)reported->len);
		refused += atomic_load(&r.refused);
		after_seal += atomic_load(&r.after_seal);
		close(r.append_fd);
		close(r.fd);
		r.fd = r.append_fd = -1;
		unlink(path);
	}
	if (r.fd >= 0)
		unlink(path);
	if (r.fd >= 0)
		close(r.fd);
	if (r.append_fd >= 0)
		close(r.append_fd);
	snprintf(n, sizeof(n), "race/%s/appends_vs_adding_append/seal_added", fs);
	itest_report(!why[0], n, "%s", why);
	printf("  [%s] race/%s/appends_vs_adding_append: %d EBUSY answers, the race in %d of %d rounds\n",
	       itest_kernel(), fs, ebusy, raced, ROUNDS);
	/* The race itself: an append in flight while the successful add ran. */
	snprintf(n, sizeof(n), "race/%s/appends_vs_adding_append/race_happened", fs);
	itest_report(!why[0] && raced > 0, n, "%sno append in flight while APPEND was added, in %d rounds",
		     why[0] ? "not run in full: " : "", ROUNDS);
	snprintf(n, sizeof(n), "race/%s/appends_vs_adding_append/no_append_refused", fs);
	itest_report(!why[0] && !refused, n, "%s%ld appends refused over %d rounds (%d by pwritev2 RWF_APPEND), with %s",
		     why[0] ? "not run in full: " : "", refused, ROUNDS, refused_rwf, itest_errname(refusal));
	snprintf(n, sizeof(n), "race/%s/appends_vs_adding_append/appends_land_after_seal", fs);
	itest_report(!why[0] && after_seal > 0, n, "%sno append landed after APPEND was reported, over %d rounds",
		     why[0] ? "not run in full: " : "", ROUNDS);
	snprintf(n, sizeof(n), "race/%s/appends_vs_adding_append/no_rewrite_lands_after_seal_reported", fs);
	itest_report(!why[0] && !changed && !rewrites, n, "%s%d of %d rounds changed what the file held at the report, "
		     "%d rewrites succeeded", why[0] ? "not run in full: " : "", changed, ROUNDS, rewrites);
	free(a[0].calls.spans);
	free(a[1].calls.spans);
	free(reported);
	free(end);
}

/*
 * WRITERS processes append RECORDS fixed-size records each, by write, writev
 * and pwritev2(RWF_APPEND) in turn, to a log sealed APPEND while they run;
 * the parent tries to rewrite its head meanwhile.
 */
#define WRITERS 4
#define RECORDS 1600	/* enough that sealing, under load, starts and ends while they append */
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

/* What many_appenders() reports per filesystem. */
#define APPENDERS_CASES 4

/* The log's size now, or -1. */
static off_t size_of(int fd)
{
	struct stat st;

	return fstat(fd, &st) ? -1 : st.st_size;
}

static void many_appenders(const char *fs, const char *dir)
{
	struct itest_snapshot *before = malloc(sizeof(*before)), *after = malloc(sizeof(*after));
	char path[256], n[256];
	int fd = itest_make_file(dir, "appended.log", path, sizeof(path));
	int afd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC), failed = 0, running = 0, rewrites = 0, bad;
	off_t want = ITEST_FILE_SIZE + (off_t)WRITERS * RECORDS * RECORD_LEN, at_seal_start, at_seal_done;
	struct stat st;

	itest_snapshot(fd, before);
	for (int w = 0; fd >= 0 && afd >= 0 && w < WRITERS; w++) {
		pid_t pid = fork();

		if (pid == 0)
			append_records(afd, w);
		running += pid > 0;
	}
	failed = WRITERS - running;	/* not even started */
	/* The seal goes in once the appends have begun (up to 2 s), and they go on after it. */
	for (int i = 0; i < 2000 && size_of(fd) == ITEST_FILE_SIZE; i++)
		usleep(1000);
	at_seal_start = size_of(fd);
	snprintf(n, sizeof(n), "appenders/%s/seal_while_appending", fs);
	itest_expect(n, bpfseal_add_seals(fd, BPFSEAL_SEAL_APPEND) ? errno : 0, 0);
	at_seal_done = size_of(fd);
	while (running) {
		int status;

		rewrites += pwrite(fd, "X", 1, 0) == 1;
		if (waitpid(-1, &status, WNOHANG) > 0) {
			running--;
			failed += !WIFEXITED(status) || WEXITSTATUS(status);
		}
	}
	/* The race itself: records appended before the seal call, and after it returned. */
	snprintf(n, sizeof(n), "appenders/%s/race_happened", fs);
	itest_report(at_seal_start > ITEST_FILE_SIZE && at_seal_done >= 0 && at_seal_done < want, n,
		     "the log held %lld bytes when sealing began and %lld when it was done, of %lld to %lld",
		     (long long)at_seal_start, (long long)at_seal_done, (long long)ITEST_FILE_SIZE, (long long)want);
	itest_snapshot(fd, after);
	if (fstat(fd, &st))
		st.st_size = -1;
	bad = bad_records(fd, st.st_size);
	snprintf(n, sizeof(n), "appenders/%s/log_is_exact_concatenation", fs);
	itest_report(!failed && st.st_size == want && !bad && !memcmp(before->data, after->data, ITEST_FILE_SIZE), n,
		     "%d writers failed to start or had an append refused, size %lld want %lld, "
		     "%d records torn or out of order, head %s",
		     failed, (long long)st.st_size, (long long)want, bad,
		     memcmp(before->data, after->data, ITEST_FILE_SIZE) ? "rewritten" : "intact");
	snprintf(n, sizeof(n), "appenders/%s/rewrites_refused", fs);
	itest_report(!rewrites && fd >= 0, n, "%d rewrites of the head landed%s", rewrites, fd < 0 ? ": no log" : "");
	close(afd);
	close(fd);
	unlink(path);
	free(before);
	free(after);
}

int main(void)
{
	static const struct {
		const char *fs, *dir, *what;
		void *(*fn)(void *);
	} races[] = {
		{ "tmpfs", "/mnt/tmpfs", "mmap_vs_seal", mapper },
		{ "tmpfs", "/mnt/tmpfs", "write_vs_seal", writer },
		{ "ext4", "/mnt/ext4", "mmap_vs_seal", mapper },
		{ "ext4", "/mnt/ext4", "write_vs_seal", writer },
		{ "xfs", "/mnt/xfs", "write_vs_seal", writer },
	};
	static const char *const filesystems[][2] = {
		{ "tmpfs", "/mnt/tmpfs" }, { "ext4", "/mnt/ext4" }, { "xfs", "/mnt/xfs" },
	};
	size_t nraces = sizeof(races) / sizeof(races[0]), nfs = sizeof(filesystems) / sizeof(filesystems[0]);

	setvbuf(stdout, NULL, _IOLBF, 0);
	itest_plan(nraces * RACE_CASES + nfs * (APPEND_RACE_CASES + APPENDERS_CASES));
	for (size_t i = 0; i < nraces; i++)
		race(races[i].fs, races[i].dir, races[i].what, races[i].fn);
	for (size_t i = 0; i < nfs; i++)
		race_appends(filesystems[i][0], filesystems[i][1]);
	for (size_t i = 0; i < nfs; i++)
		many_appenders(filesystems[i][0], filesystems[i][1]);
	return itest_end();
}
