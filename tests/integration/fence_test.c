// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * A write that passed its permission check just before WRITE (or
 * FUTURE_WRITE, GROW for a write past EOF, APPEND for a rewrite) went in
 * must not land once bpfseal_add_seals() has returned, and one the new seal
 * allows (an append under APPEND) must: memfd gets this from checking under
 * the inode lock, bpfseal from its fence (bpf/write_fence.bpf.c).
 * race_test.c hits that window now and then; here stall.bpf.c holds the
 * writer inside it while the seal goes in, every time. Writes on tmpfs,
 * ext4 and xfs; fallocate on ext4 and xfs.
 */
#include <pthread.h>
#include <sys/syscall.h>
#include <sys/uio.h>

#include "bpfseal.h"
#include "bpfseal_abi.h"
#include "itest.h"
#include "stall.skel.h"

enum held_op { HELD_PWRITE, HELD_APPEND, HELD_PUNCH_HOLE, HELD_FALLOCATE };

struct held_write {
	int fd;
	enum held_op op;
	off_t at;
	struct stall *skel;
	int err;
};

static void *write_held(void *arg)
{
	struct held_write *w = arg;

	w->skel->bss->stall_tid = (__u32)syscall(SYS_gettid);
	switch (w->op) {
	case HELD_PWRITE:
		w->err = pwrite(w->fd, "X", 1, w->at) == 1 ? 0 : errno;
		break;
	case HELD_APPEND: {
		struct iovec iov = { "X", 1 };

		w->err = pwritev2(w->fd, &iov, 1, 0, RWF_APPEND) == 1 ? 0 : errno;
		break;
	}
	case HELD_PUNCH_HOLE:
		w->err = fallocate(w->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, w->at, 4096) ? errno : 0;
		break;
	case HELD_FALLOCATE:
		w->err = fallocate(w->fd, 0, w->at, 4096) ? errno : 0;
		break;
	}
	return NULL;
}

/* What run() reports: the hold, the seal, the held write's answer, the file after. */
#define RUN_CASES 4

/*
 * One held write while `seal` goes in; with not_run (no stall program, no
 * file) each case reports that instead.
 */
static void run(struct stall *skel, const char *fs, const char *dir, unsigned int seal, const char *seal_name,
		enum held_op op, const char *op_name, off_t at, const char *not_run)
{
	struct itest_snapshot *reported = malloc(sizeof(*reported)), *after = malloc(sizeof(*after));
	struct held_write w = { .skel = skel, .op = op, .at = at, .fd = -1 };
	char path[256], n[4][256], why[512];
	bool held_at_seal = false, held_after_seal = false;
	pthread_t t;
	int err = 0;

	snprintf(n[0], sizeof(n[0]), "fence/%s/%s/%s_held_past_its_check_while_sealing", fs, seal_name, op_name);
	snprintf(n[1], sizeof(n[1]), "fence/%s/%s/%s/seal_added", fs, seal_name, op_name);
	if (op == HELD_APPEND) {
		snprintf(n[2], sizeof(n[2]), "fence/%s/%s/%s_in_flight_lands", fs, seal_name, op_name);
		snprintf(n[3], sizeof(n[3]), "fence/%s/%s/%s/lands_at_eof_only", fs, seal_name, op_name);
	} else {
		snprintf(n[2], sizeof(n[2]), "fence/%s/%s/%s_in_flight_refused", fs, seal_name, op_name);
		snprintf(n[3], sizeof(n[3]), "fence/%s/%s/%s/no_byte_changed_after_seal_reported", fs, seal_name,
			 op_name);
	}
	snprintf(path, sizeof(path), "%s/fence-%s", dir, seal_name);
	if (!not_run) {
		unlink(path);
		w.fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (w.fd < 0 || itest_fill(w.fd)) {
			snprintf(why, sizeof(why), "cannot make %s: %s", path, strerror(errno));
			not_run = why;
		}
	}
	if (not_run) {
		for (int i = 0; i < RUN_CASES; i++)
			itest_report(false, n[i], "not run: %s", not_run);
		goto out;
	}
	skel->bss->held = 0;
	skel->bss->gave_up = 0;
	skel->bss->hold = 1;
	pthread_create(&t, NULL, write_held, &w);
	for (int i = 0; i < 10000 && !skel->bss->held; i++)
		usleep(1000);

	/* The race is the point: the write must be held before the seal starts and until it is done. */
	held_at_seal = skel->bss->held;
	err = bpfseal_add_seals(w.fd, seal) ? errno : 0;
	held_after_seal = !skel->bss->gave_up;
	itest_snapshot(w.fd, reported);
	skel->bss->hold = 0;
	pthread_join(t, NULL);
	skel->bss->stall_tid = 0;
	itest_snapshot(w.fd, after);

	itest_report(held_at_seal && held_after_seal, n[0], "%s", !held_at_seal ?
		     "the write was not held past its check when the seal went in" :
		     "the write gave up being held before the seal was done");
	itest_expect(n[1], err, 0);
	if (op == HELD_APPEND) {
		/* What the seal allows is judged as memfd would, under the lock: it lands. */
		itest_expect(n[2], w.err, 0);
		itest_report(after->size == reported->size + 1 && !memcmp(after->data, reported->data, reported->len) &&
			     after->data[reported->len] == 'X', n[3], "size %lld -> %lld", (long long)reported->size,
			     (long long)after->size);
	} else {
		itest_expect(n[2], w.err, EPERM);
		itest_report(!itest_snapshot_diff(reported, after), n[3], "%s", itest_snapshot_diff(reported, after) ?: "");
	}
	close(w.fd);
	unlink(path);
out:
	free(reported);
	free(after);
}

int main(void)
{
	static const char *const fs[][2] = { { "tmpfs", "/mnt/tmpfs" }, { "ext4", "/mnt/ext4" }, { "xfs", "/mnt/xfs" } };
	static const struct {
		unsigned int seal;
		const char *seal_name;
		enum held_op op;
		const char *op_name;
		off_t at;
		bool not_tmpfs;
	} runs[] = {
		{ BPFSEAL_SEAL_WRITE, "write", HELD_PWRITE, "write", 0, false },
		{ BPFSEAL_SEAL_FUTURE_WRITE, "future-write", HELD_PWRITE, "write", 0, false },
		/* A write past EOF under GROW (shmem checks that under the lock too). */
		{ BPFSEAL_SEAL_GROW, "grow", HELD_PWRITE, "write", ITEST_FILE_SIZE, false },
		/* APPEND: a rewrite is refused, an append lands (at EOF, as memfd would judge it). */
		{ BPFSEAL_SEAL_APPEND, "append", HELD_PWRITE, "rewrite", 0, false },
		{ BPFSEAL_SEAL_APPEND, "append", HELD_APPEND, "append", 0, false },
		/*
		 * fallocate too, where the filesystem asks (file_modified) before it
		 * changes anything. shmem_fallocate() asks only afterwards and
		 * ignores the answer: README "Limits".
		 */
		{ BPFSEAL_SEAL_WRITE, "write", HELD_PUNCH_HOLE, "punch_hole", 0, true },
		{ BPFSEAL_SEAL_GROW, "grow", HELD_FALLOCATE, "fallocate", ITEST_FILE_SIZE, true },
	};
	size_t nfs = sizeof(fs) / sizeof(fs[0]), nruns = sizeof(runs) / sizeof(runs[0]), cases = 1;
	struct stall *skel;
	char why[256] = "";

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (size_t i = 0; i < nfs; i++)
		for (size_t j = 0; j < nruns; j++)
			if (!(runs[j].not_tmpfs && !strcmp(fs[i][0], "tmpfs")))
				cases += RUN_CASES;
	itest_plan(cases);
	skel = stall__open_and_load();
	if (!skel || stall__attach(skel))
		snprintf(why, sizeof(why), "the stall program does not attach: %s", strerror(errno));
	itest_report(!why[0], "fence/stall_program_attached", "%s", why);
	for (size_t i = 0; i < nfs; i++)
		for (size_t j = 0; j < nruns; j++)
			if (!(runs[j].not_tmpfs && !strcmp(fs[i][0], "tmpfs")))
				run(skel, fs[i][0], fs[i][1], runs[j].seal, runs[j].seal_name, runs[j].op,
				    runs[j].op_name, runs[j].at, why[0] ? why : NULL);
	stall__destroy(skel);
	return itest_end();
}
