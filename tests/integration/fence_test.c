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

static void run(struct stall *skel, const char *fs, const char *dir, unsigned int seal, const char *seal_name,
		enum held_op op, const char *op_name, off_t at)
{
	struct itest_snapshot *reported = malloc(sizeof(*reported)), *after = malloc(sizeof(*after));
	struct held_write w = { .skel = skel, .op = op, .at = at };
	char path[256], n[256];
	pthread_t t;
	int err;

	snprintf(path, sizeof(path), "%s/fence-%s", dir, seal_name);
	unlink(path);
	w.fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	itest_fill(w.fd);
	skel->bss->held = 0;
	skel->bss->gave_up = 0;
	skel->bss->hold = 1;
	pthread_create(&t, NULL, write_held, &w);
	for (int i = 0; i < 10000 && !skel->bss->held; i++)
		usleep(1000);

	err = bpfseal_add_seals(w.fd, seal) ? errno : 0;
	itest_snapshot(w.fd, reported);
	skel->bss->hold = 0;
	pthread_join(t, NULL);
	skel->bss->stall_tid = 0;
	itest_snapshot(w.fd, after);

	snprintf(n, sizeof(n), "fence/%s/%s/%s_held_past_its_check_while_sealing", fs, seal_name, op_name);
	itest_report(skel->bss->held && !skel->bss->gave_up, n, "held %u, gave up %u",
		     skel->bss->held, skel->bss->gave_up);
	snprintf(n, sizeof(n), "fence/%s/%s/%s/seal_added", fs, seal_name, op_name);
	itest_expect(n, err, 0);
	if (op == HELD_APPEND) {
		/* What the seal allows is judged as memfd would, under the lock: it lands. */
		snprintf(n, sizeof(n), "fence/%s/%s/%s_in_flight_lands", fs, seal_name, op_name);
		itest_expect(n, w.err, 0);
		snprintf(n, sizeof(n), "fence/%s/%s/%s/lands_at_eof_only", fs, seal_name, op_name);
		itest_report(after->size == reported->size + 1 && !memcmp(after->data, reported->data, reported->len) &&
			     after->data[reported->len] == 'X', n, "size %lld -> %lld", (long long)reported->size,
			     (long long)after->size);
	} else {
		snprintf(n, sizeof(n), "fence/%s/%s/%s_in_flight_refused", fs, seal_name, op_name);
		itest_expect(n, w.err, EPERM);
		snprintf(n, sizeof(n), "fence/%s/%s/%s/no_byte_changed_after_seal_reported", fs, seal_name, op_name);
		itest_report(!itest_snapshot_diff(reported, after), n, "%s", itest_snapshot_diff(reported, after) ?: "");
	}
	close(w.fd);
	unlink(path);
	free(reported);
	free(after);
}

int main(void)
{
	struct stall *skel = stall__open_and_load();

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!skel || stall__attach(skel)) {
		itest_report(false, "fence/stall_program_attached", "%s", strerror(errno));
		return 1;
	}
	const char *fs[][2] = { { "tmpfs", "/mnt/tmpfs" }, { "ext4", "/mnt/ext4" }, { "xfs", "/mnt/xfs" } };

	for (size_t i = 0; i < sizeof(fs) / sizeof(fs[0]); i++) {
		run(skel, fs[i][0], fs[i][1], BPFSEAL_SEAL_WRITE, "write", HELD_PWRITE, "write", 0);
		run(skel, fs[i][0], fs[i][1], BPFSEAL_SEAL_FUTURE_WRITE, "future-write", HELD_PWRITE, "write", 0);
		/* A write past EOF under GROW (shmem checks that under the lock too). */
		run(skel, fs[i][0], fs[i][1], BPFSEAL_SEAL_GROW, "grow", HELD_PWRITE, "write", ITEST_FILE_SIZE);
		/* APPEND: a rewrite is refused, an append lands (at EOF, as memfd would judge it). */
		run(skel, fs[i][0], fs[i][1], BPFSEAL_SEAL_APPEND, "append", HELD_PWRITE, "rewrite", 0);
		run(skel, fs[i][0], fs[i][1], BPFSEAL_SEAL_APPEND, "append", HELD_APPEND, "append", 0);
		/*
		 * fallocate too, where the filesystem asks (file_modified) before it
		 * changes anything. shmem_fallocate() asks only afterwards and
		 * ignores the answer: README "Limits".
		 */
		if (!strcmp(fs[i][0], "tmpfs"))
			continue;
		run(skel, fs[i][0], fs[i][1], BPFSEAL_SEAL_WRITE, "write", HELD_PUNCH_HOLE, "punch_hole", 0);
		run(skel, fs[i][0], fs[i][1], BPFSEAL_SEAL_GROW, "grow", HELD_FALLOCATE, "fallocate",
		    ITEST_FILE_SIZE);
	}
	stall__destroy(skel);
	return itest_failures ? 1 : 0;
}
