// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Sealing WRITE while another thread maps or writes, repeated.
 *  - mmap vs seal: EBUSY exactly while a writable shared mapping exists;
 *    once the seal is reported, no mapping is made and no byte changes.
 *  - write vs seal: once the seal is reported, no write lands: neither one
 *    started after it nor one already past its permission check when the
 *    seal went in (bpf/write_fence.bpf.c checks those under the inode lock).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <sys/mman.h>

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

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	race("tmpfs", "/mnt/tmpfs", "mmap_vs_seal", mapper);
	race("tmpfs", "/mnt/tmpfs", "write_vs_seal", writer);
	race("ext4", "/mnt/ext4", "mmap_vs_seal", mapper);
	race("ext4", "/mnt/ext4", "write_vs_seal", writer);
	race("xfs", "/mnt/xfs", "write_vs_seal", writer);
	return itest_failures ? 1 : 0;
}
