// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Pages referenced outside the page cache: a reference taken through a
 * shared mapping outlives munmap(). An io_uring fixed buffer keeps writing
 * the page after the mapping is gone, so adding WRITE then must fail with
 * EBUSY, as memfd_wait_for_pins() makes it on a memfd, and succeed once
 * the reference is dropped. Mappings and fresh pages alone must never make
 * it fail. Each case runs on tmpfs, ext4, xfs and a native memfd.
 */
#include <liburing.h>
#include <sys/mman.h>
#include <sys/uio.h>

#include "bpfseal.h"
#include "itest.h"

#define LEN ITEST_FILE_SIZE
#define BIG (1 << 20)	/* large folios on xfs and 7.x ext4 */

struct target {
	const char *name;
	const char *dir;	/* NULL: memfd */
	bool shmem;		/* long-term pins of its pages are allowed */
};

static char path[4096];

/* Why the cases that follow cannot run, or NULL: each then reports it. */
static char not_run[512];

/* A fresh filled file, or -1 with not_run set. */
static int make(const struct target *t, const char *what)
{
	int fd;

	not_run[0] = '\0';
	if (!t->dir) {
		fd = itest_make_memfd(what, path, sizeof(path));
		if (fd >= 0 && itest_fill(fd)) {
			close(fd);
			fd = -1;
		}
	} else {
		fd = itest_make_file(t->dir, what, path, sizeof(path));
	}
	if (fd < 0)
		snprintf(not_run, sizeof(not_run), "cannot make %.256s: %s", path, strerror(errno));
	return fd;
}

static void drop(const struct target *t, int fd)
{
	if (fd >= 0)
		close(fd);
	if (t->dir)
		unlink(path);
	not_run[0] = '\0';
}

static int add_write(int fd)
{
	return bpfseal_add_seals(fd, WRITE) ? errno : 0;
}

/*
 * The same once a pin is being released: io_uring may drop a fixed
 * buffer's pages after unregistering it returns (a native memfd answered
 * EBUSY then, on 7.3 on a busy host), as it may for any file. Up to 5 s.
 */
static int add_write_after_release(int fd)
{
	int err = add_write(fd);

	for (int i = 0; i < 100 && err == EBUSY; i++) {
		usleep(50 * 1000);
		err = add_write(fd);
	}
	return err;
}

static void name(char *buf, size_t len, const struct target *t, const char *c)
{
	snprintf(buf, len, "pins/%s/%s", t->name, c);
}

/* Read LEN bytes of 'X' into the ring's fixed buffer 0: a write to the pinned page. */
static int read_fixed_into(struct io_uring *ring, void *buf)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(ring);
	struct io_uring_cqe *cqe;
	char xs[LEN];
	int src = memfd_create("xs", MFD_CLOEXEC), res;

	memset(xs, 'X', sizeof(xs));
	if (src < 0 || pwrite(src, xs, sizeof(xs), 0) != (ssize_t)sizeof(xs))
		return -EIO;
	io_uring_prep_read_fixed(sqe, src, buf, LEN, 0, 0);
	io_uring_submit(ring);
	res = io_uring_wait_cqe(ring, &cqe) ? -EIO : cqe->res;
	io_uring_cqe_seen(ring, cqe);
	close(src);
	return res;
}

/*
 * Register a fixed buffer over a shared mapping, unmap it, try to seal.
 * 6.1's io_uring and later kernels' GUP refuse long-term pins of pages
 * that need dirty tracking (ext4, xfs): there the seal has nothing to wait
 * for. On tmpfs and memfd the pin holds and the seal must wait.
 */
#define PINNED_CASES 6
#define UNPINNABLE_CASES 1

static void fixed_buffer(const struct target *t)
{
	struct itest_snapshot before, after;
	struct io_uring ring;
	struct iovec iov;
	char n[256];
	int fd = make(t, "fixed"), reg = -1, err = 0, seals = -1, res = 0;
	bool ring_up = false;
	void *map = MAP_FAILED;

	if (!not_run[0] && io_uring_queue_init(4, &ring, 0))
		snprintf(not_run, sizeof(not_run), "io_uring_queue_init failed");
	ring_up = !not_run[0];
	if (ring_up) {
		map = mmap(NULL, LEN, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		iov = (struct iovec){ map, LEN };
		reg = map == MAP_FAILED ? -errno : io_uring_register_buffers(&ring, &iov, 1);
		if (map != MAP_FAILED)
			munmap(map, LEN);
		err = add_write(fd);
		seals = bpfseal_get_seals(fd);
	}
	if (!t->shmem) {
		/* No pin to wait for, unless this kernel pins such pages after all: then the seal must wait. */
		name(n, sizeof(n), t, "unpinnable_pages_seal_write");
		if (itest_runs(n, not_run))
			itest_report(reg ? err == 0 : err == EBUSY, n, "fixed buffer %s, then adding WRITE: %s",
				     reg ? "refused" : "registered", itest_errname(err));
		if (!reg)
			io_uring_unregister_buffers(&ring);
		goto out;
	}
	if (ring_up && reg)
		snprintf(not_run, sizeof(not_run), "io_uring_register_buffers: %s", strerror(-reg));
	name(n, sizeof(n), t, "fixed_buffer_pin_makes_write_seal_EBUSY");
	if (itest_runs(n, not_run))
		itest_expect(n, err, EBUSY);
	name(n, sizeof(n), t, "EBUSY_reason_names_pins");
	if (itest_runs(n, not_run))
		itest_reason(n, "pinned for I/O");
	name(n, sizeof(n), t, "refused_write_seal_left_no_seal");
	if (itest_runs(n, not_run))
		itest_expect_seals(n, seals, 0);

	/* The pin writes the page whatever the seal: the file changes unless sealed write. */
	itest_snapshot(fd, &before);
	if (!not_run[0])
		res = read_fixed_into(&ring, map);
	itest_snapshot(fd, &after);
	name(n, sizeof(n), t, "fixed_buffer_writes_through_the_pin");
	if (itest_runs(n, not_run))
		itest_report(res == LEN && ((seals > 0 && (seals & WRITE)) || itest_snapshot_diff(&before, &after)), n,
			     "read_fixed: %s; the file %s", res < 0 ? strerror(-res) : res == LEN ? "ok" : "short",
			     itest_snapshot_diff(&before, &after) ? "changed" : "did not change: the pin is not real");
	/* Whatever the answer, a seal reported must hold against the pin. */
	name(n, sizeof(n), t, "no_write_through_pin_once_sealed");
	if (itest_runs(n, not_run))
		itest_report(!(seals > 0 && (seals & WRITE)) || !itest_snapshot_diff(&before, &after), n,
			     "the fixed buffer changed a file sealed with write: %s",
			     itest_snapshot_diff(&before, &after));

	if (!not_run[0])
		io_uring_unregister_buffers(&ring);
	name(n, sizeof(n), t, "write_seal_ok_once_pin_released");
	if (itest_runs(n, not_run))
		itest_expect(n, add_write_after_release(fd), 0);
out:
	if (ring_up)
		io_uring_queue_exit(&ring);
	drop(t, fd);
}

/* vmsplice() hands the pages themselves to the pipe until they are read. */
static void spliced_pages(const struct target *t)
{
	char n[256], buf[4096];
	int fd = make(t, "vmsplice"), p[2] = { -1, -1 };
	struct iovec iov;
	void *map = fd < 0 ? MAP_FAILED : mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
	ssize_t spliced = -1;

	if (map != MAP_FAILED && !pipe(p)) {
		iov = (struct iovec){ map, 4096 };
		spliced = vmsplice(p[1], &iov, 1, 0);
		munmap(map, 4096);
	}
	if (!not_run[0] && spliced != 4096)
		snprintf(not_run, sizeof(not_run), "vmsplice: %s", strerror(errno));
	name(n, sizeof(n), t, "vmspliced_pages_make_write_seal_EBUSY");
	if (itest_runs(n, not_run))
		itest_expect(n, add_write(fd), EBUSY);
	/* The pipe drained: all of it read back, or the pages are still in it. */
	if (!not_run[0] && read(p[0], buf, sizeof(buf)) != (ssize_t)sizeof(buf))
		snprintf(not_run, sizeof(not_run), "the pipe gave back less than was spliced: %s", strerror(errno));
	name(n, sizeof(n), t, "write_seal_ok_once_pipe_drained");
	if (itest_runs(n, not_run))
		itest_expect(n, add_write(fd), 0);
	if (p[0] >= 0) {
		close(p[0]);
		close(p[1]);
	}
	drop(t, fd);
}

/* Freshly written pages sit in per-CPU LRU batches with an extra reference. */
static void fresh_pages(const struct target *t)
{
	static char big[BIG];
	char n[256];
	int fd = make(t, "fresh");

	memset(big, 'f', sizeof(big));
	name(n, sizeof(n), t, "freshly_written_file_seals_write");
	if (itest_runs(n, not_run)) {
		if (pwrite(fd, big, sizeof(big), 0) != (ssize_t)sizeof(big))
			itest_report(false, n, "pwrite: %s", strerror(errno));
		else
			itest_expect(n, add_write(fd), 0);
	}
	drop(t, fd);
}

/* Read-only shared and private mappings count as mappings, not as pins. */
static void mapped_pages(const struct target *t)
{
	static char big[BIG];
	char n[256];
	int fd = make(t, "mapped"), rfd;
	char *shared = MAP_FAILED, *priv = MAP_FAILED;
	volatile char sum = 0;

	memset(big, 'm', sizeof(big));
	if (!not_run[0] && (pwrite(fd, big, sizeof(big), 0) != (ssize_t)sizeof(big) || fsync(fd)))
		snprintf(not_run, sizeof(not_run), "cannot write %.256s: %s", path, strerror(errno));
	/* Evicted, the pages come back through readahead: large folios on xfs/ext4. */
	rfd = -1;
	if (!not_run[0]) {
		posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
		rfd = open(path, O_RDONLY | O_CLOEXEC);
		if (rfd >= 0)
			shared = mmap(NULL, BIG, PROT_READ, MAP_SHARED, rfd, 0);
		priv = mmap(NULL, BIG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
		if (shared == MAP_FAILED || priv == MAP_FAILED)
			snprintf(not_run, sizeof(not_run), "mmap: %s", strerror(errno));
	}
	for (size_t i = 0; shared != MAP_FAILED && priv != MAP_FAILED && i < BIG; i += 4096)
		sum += shared[i] + priv[i];
	name(n, sizeof(n), t, "read_only_shared_and_private_mappings_allow_write_seal");
	if (itest_runs(n, not_run))
		itest_expect(n, add_write(fd), 0);
	if (shared != MAP_FAILED)
		munmap(shared, BIG);
	if (priv != MAP_FAILED)
		munmap(priv, BIG);
	if (rfd >= 0)
		close(rfd);
	drop(t, fd);
}

int main(void)
{
	static const struct target targets[] = {
		{ "tmpfs", "/mnt/tmpfs", true },
		{ "ext4", "/mnt/ext4", false },
		{ "xfs", "/mnt/xfs", false },
		{ "memfd", NULL, true },
	};

	size_t count = sizeof(targets) / sizeof(targets[0]), cases = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	/* Per target: the fixed buffer's cases, vmsplice's two, fresh and mapped pages' one each. */
	for (size_t i = 0; i < count; i++)
		cases += (targets[i].shmem ? PINNED_CASES : UNPINNABLE_CASES) + 2 + 1 + 1;
	itest_plan(cases);
	for (size_t i = 0; i < count; i++) {
		fixed_buffer(&targets[i]);
		spliced_pages(&targets[i]);
		fresh_pages(&targets[i]);
		mapped_pages(&targets[i]);
	}
	return itest_end();
}
