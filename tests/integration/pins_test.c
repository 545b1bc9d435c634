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

static int make(const struct target *t, const char *what)
{
	int fd;

	if (!t->dir) {
		fd = itest_make_memfd(what, path, sizeof(path));
		if (fd >= 0 && itest_fill(fd))
			fd = -1;
	} else {
		fd = itest_make_file(t->dir, what, path, sizeof(path));
	}
	if (fd < 0) {
		perror(what);
		exit(2);
	}
	return fd;
}

static void drop(const struct target *t, int fd)
{
	close(fd);
	if (t->dir)
		unlink(path);
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
static void fixed_buffer(const struct target *t)
{
	struct itest_snapshot before, after;
	struct io_uring ring;
	struct iovec iov;
	char n[256];
	int fd = make(t, "fixed"), reg, err, seals;
	void *map;

	if (io_uring_queue_init(4, &ring, 0)) {
		name(n, sizeof(n), t, "fixed_buffer_setup");
		itest_report(false, n, "io_uring_queue_init failed");
		drop(t, fd);
		return;
	}
	map = mmap(NULL, LEN, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	iov = (struct iovec){ map, LEN };
	reg = map == MAP_FAILED ? -errno : io_uring_register_buffers(&ring, &iov, 1);
	if (map != MAP_FAILED)
		munmap(map, LEN);
	err = add_write(fd);
	seals = bpfseal_get_seals(fd);
	if (reg) {
		if (t->shmem) {
			name(n, sizeof(n), t, "fixed_buffer_registers");
			itest_report(false, n, "io_uring_register_buffers: %s", strerror(-reg));
		} else {
			name(n, sizeof(n), t, "unpinnable_pages_seal_write");
			itest_expect(n, err, 0);
		}
		io_uring_queue_exit(&ring);
		drop(t, fd);
		return;
	}
	name(n, sizeof(n), t, "fixed_buffer_pin_makes_write_seal_EBUSY");
	itest_expect(n, err, EBUSY);
	name(n, sizeof(n), t, "EBUSY_reason_names_pins");
	itest_reason(n, "pinned for I/O");
	name(n, sizeof(n), t, "refused_write_seal_left_no_seal");
	itest_expect_seals(n, seals, 0);

	/* Whatever the answer, a seal reported must hold against the pin. */
	itest_snapshot(fd, &before);
	read_fixed_into(&ring, map);
	itest_snapshot(fd, &after);
	name(n, sizeof(n), t, "no_write_through_pin_once_sealed");
	itest_report(!(seals > 0 && (seals & WRITE)) || !itest_snapshot_diff(&before, &after), n,
		     "the fixed buffer changed a file sealed with write: %s",
		     itest_snapshot_diff(&before, &after));

	io_uring_unregister_buffers(&ring);
	name(n, sizeof(n), t, "write_seal_ok_once_pin_released");
	itest_expect(n, add_write_after_release(fd), 0);
	io_uring_queue_exit(&ring);
	drop(t, fd);
}

/* vmsplice() hands the pages themselves to the pipe until they are read. */
static void spliced_pages(const struct target *t)
{
	char n[256], buf[4096];
	int fd = make(t, "vmsplice"), p[2] = { -1, -1 };
	struct iovec iov;
	void *map = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
	ssize_t spliced = -1;

	if (map != MAP_FAILED && !pipe(p)) {
		iov = (struct iovec){ map, 4096 };
		spliced = vmsplice(p[1], &iov, 1, 0);
		munmap(map, 4096);
	}
	name(n, sizeof(n), t, "vmspliced_pages_make_write_seal_EBUSY");
	if (spliced != 4096)
		itest_report(false, n, "vmsplice: %s", strerror(errno));
	else
		itest_expect(n, add_write(fd), EBUSY);
	if (p[0] >= 0)
		(void)!read(p[0], buf, sizeof(buf));
	name(n, sizeof(n), t, "write_seal_ok_once_pipe_drained");
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
	if (pwrite(fd, big, sizeof(big), 0) != (ssize_t)sizeof(big))
		itest_report(false, n, "pwrite: %s", strerror(errno));
	else
		itest_expect(n, add_write(fd), 0);
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
	if (pwrite(fd, big, sizeof(big), 0) != (ssize_t)sizeof(big) || fsync(fd))
		perror("mapped_pages");
	/* Evicted, the pages come back through readahead: large folios on xfs/ext4. */
	posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
	rfd = open(path, O_RDONLY | O_CLOEXEC);
	if (rfd >= 0)
		shared = mmap(NULL, BIG, PROT_READ, MAP_SHARED, rfd, 0);
	priv = mmap(NULL, BIG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	for (size_t i = 0; shared != MAP_FAILED && priv != MAP_FAILED && i < BIG; i += 4096)
		sum += shared[i] + priv[i];
	name(n, sizeof(n), t, "read_only_shared_and_private_mappings_allow_write_seal");
	if (shared == MAP_FAILED || priv == MAP_FAILED)
		itest_report(false, n, "mmap: %s", strerror(errno));
	else
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

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (size_t i = 0; i < sizeof(targets) / sizeof(targets[0]); i++) {
		fixed_buffer(&targets[i]);
		spliced_pages(&targets[i]);
		fresh_pages(&targets[i]);
		mapped_pages(&targets[i]);
	}
	return itest_failures ? 1 : 0;
}
