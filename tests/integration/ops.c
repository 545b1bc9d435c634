// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <fcntl.h>
#include <libaio.h>
#include <liburing.h>
#include <linux/falloc.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "bpfseal.h"
#include "itest.h"
#include "ops.h"

#ifndef F_ADD_SEALS
#define F_ADD_SEALS 1033
#endif
#ifndef RWF_APPEND
#define RWF_APPEND 0x10
#endif
#define F_SEAL_GROW_BIT 0x0004
#define IORING_OP_FTRUNCATE_NR 55	/* 6.9+; liburing 2.3 has no helper */

static struct io_uring ring;
static bool ring_ok;
static io_context_t aio_ctx;
static bool aio_ok;

int ops_init(void)
{
	ring_ok = io_uring_queue_init(8, &ring, 0) == 0;
	aio_ok = io_setup(8, &aio_ctx) == 0;
	return 0;
}

int subject_add_seals(struct subject *s, unsigned int seals, bool memfd)
{
	if (memfd)
		return fcntl(s->fd, F_ADD_SEALS, seals) ? errno : 0;
	return bpfseal_add_seals(s->fd, seals) ? errno : 0;
}

static int result(long r)
{
	return r < 0 ? errno : 0;
}

static off_t size_of(int fd)
{
	struct stat st;

	return fstat(fd, &st) ? -1 : st.st_size;
}

static int op_pread(struct subject *s)
{
	char buf[16];

	return result(pread(s->fd, buf, sizeof(buf), 0));
}

static int op_write_in_place(struct subject *s)
{
	lseek(s->fd, 0, SEEK_SET);
	return result(write(s->fd, "Z", 1));
}

static int op_write_at_eof(struct subject *s)
{
	lseek(s->fd, 0, SEEK_END);
	return result(write(s->fd, "Z", 1));
}

static int op_pwrite_in_bounds(struct subject *s)
{
	return result(pwrite(s->fd, "ZZZZZZZZZZ", 10, 100));
}

static int op_pwrite_past_eof(struct subject *s)
{
	return result(pwrite(s->fd, "ZZZZZZZZZZ", 10, size_of(s->fd) + 100));
}

static int op_pwrite_crossing_eof(struct subject *s)
{
	ssize_t r = pwrite(s->fd, "ZZZZZZZZZZ", 10, size_of(s->fd) - 5);

	return r < 0 ? errno : r < 10 ? ITEST_SHORT_WRITE : 0;
}

static int op_writev_in_bounds(struct subject *s)
{
	struct iovec iov[2] = { { "ZZ", 2 }, { "YY", 2 } };

	lseek(s->fd, 10, SEEK_SET);
	return result(writev(s->fd, iov, 2));
}

static int op_pwritev2_in_bounds(struct subject *s)
{
	struct iovec iov = { "ZZ", 2 };

	return result(pwritev2(s->fd, &iov, 1, 10, 0));
}

static int op_pwritev2_rwf_append(struct subject *s)
{
	struct iovec iov = { "ZZ", 2 };

	/* Offset 0 looks in bounds: only RWF_APPEND puts it at EOF. */
	return result(pwritev2(s->fd, &iov, 1, 0, RWF_APPEND));
}

static int op_o_append_write(struct subject *s)
{
	int fd = open(s->path, O_WRONLY | O_APPEND | O_CLOEXEC), err;

	if (fd < 0)
		return errno;
	err = result(pwrite(fd, "Z", 1, 0));	/* O_APPEND: lands at EOF */
	close(fd);
	return err;
}

static int op_o_direct_write(struct subject *s)
{
	void *buf;
	int fd, err;

	fd = open(s->path, O_RDWR | O_DIRECT | O_CLOEXEC);
	if (fd < 0)
		return errno;
	if (posix_memalign(&buf, 4096, 4096)) {
		close(fd);
		return ENOMEM;
	}
	memset(buf, 'D', 4096);
	err = result(pwrite(fd, buf, 4096, 0));
	free(buf);
	close(fd);
	return err;
}

static int aio_pwrite(struct subject *s, off_t off, int rw_flags)
{
	struct iocb cb, *cbs[1] = { &cb };
	struct io_event ev;
	int r;

	if (!aio_ok)
		return ENOSYS;
	io_prep_pwrite(&cb, s->fd, "AAAA", 4, off);
	cb.aio_rw_flags = rw_flags;
	r = io_submit(aio_ctx, 1, cbs);
	if (r < 0)
		return -r;
	r = io_getevents(aio_ctx, 1, 1, &ev, NULL);
	if (r < 1)
		return EIO;
	return (long)ev.res < 0 ? (int)-(long)ev.res : 0;
}

static int op_aio_write_in_bounds(struct subject *s) { return aio_pwrite(s, 20, 0); }
static int op_aio_write_past_eof(struct subject *s) { return aio_pwrite(s, size_of(s->fd) + 10, 0); }
static int op_aio_write_rwf_append(struct subject *s) { return aio_pwrite(s, 0, RWF_APPEND); }

/* Submit one prepared SQE, wait, and return its errno. */
static int uring_run(void)
{
	struct io_uring_cqe *cqe;
	int r;

	r = io_uring_submit(&ring);
	if (r < 0)
		return -r;
	r = io_uring_wait_cqe(&ring, &cqe);
	if (r < 0)
		return -r;
	r = cqe->res;
	io_uring_cqe_seen(&ring, cqe);
	return r < 0 ? -r : 0;
}

static struct io_uring_sqe *uring_sqe(void)
{
	return ring_ok ? io_uring_get_sqe(&ring) : NULL;
}

static int uring_write(struct subject *s, off_t off, int rw_flags)
{
	struct io_uring_sqe *sqe = uring_sqe();

	if (!sqe)
		return ENOSYS;
	io_uring_prep_write(sqe, s->fd, "UUUU", 4, off);
	sqe->rw_flags = rw_flags;
	return uring_run();
}

static int op_uring_write_in_bounds(struct subject *s) { return uring_write(s, 30, 0); }
static int op_uring_write_past_eof(struct subject *s) { return uring_write(s, size_of(s->fd) + 10, 0); }
static int op_uring_write_rwf_append(struct subject *s) { return uring_write(s, 0, RWF_APPEND); }

static int op_uring_writev_in_bounds(struct subject *s)
{
	static struct iovec iov[2] = { { "VV", 2 }, { "WW", 2 } };
	struct io_uring_sqe *sqe = uring_sqe();

	if (!sqe)
		return ENOSYS;
	io_uring_prep_writev(sqe, s->fd, iov, 2, 40);
	return uring_run();
}

static int uring_fallocate(struct subject *s, int mode, off_t off, off_t len)
{
	struct io_uring_sqe *sqe = uring_sqe();

	if (!sqe)
		return ENOSYS;
	io_uring_prep_fallocate(sqe, s->fd, mode, off, len);
	return uring_run();
}

static int op_uring_fallocate_in_bounds(struct subject *s) { return uring_fallocate(s, 0, 0, 4096); }
static int op_uring_fallocate_past_eof(struct subject *s) { return uring_fallocate(s, 0, size_of(s->fd), 4096); }
static int op_uring_punch_hole(struct subject *s)
{
	return uring_fallocate(s, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, 4096);
}

static int op_uring_ftruncate_shrink(struct subject *s)
{
	struct io_uring_sqe *sqe = uring_sqe();

	if (!sqe)
		return ENOSYS;
	io_uring_prep_rw(IORING_OP_FTRUNCATE_NR, sqe, s->fd, NULL, 0, 100);
	return uring_run();
}

static int op_uring_splice_in_bounds(struct subject *s)
{
	struct io_uring_sqe *sqe;
	int p[2], err;

	if (pipe(p))
		return errno;
	if (write(p[1], "SPLICE", 6) != 6) {
		close(p[0]);
		close(p[1]);
		return EIO;
	}
	sqe = uring_sqe();
	if (!sqe)
		err = ENOSYS;
	else {
		io_uring_prep_splice(sqe, p[0], -1, s->fd, 50, 6, 0);
		err = uring_run();
	}
	close(p[0]);
	close(p[1]);
	return err;
}

static int splice_into(struct subject *s, loff_t off)
{
	int p[2], err;

	if (pipe(p))
		return errno;
	if (write(p[1], "SPLICE", 6) != 6)
		err = EIO;
	else
		err = result(splice(p[0], NULL, s->fd, &off, 6, 0));
	close(p[0]);
	close(p[1]);
	return err;
}

static int op_splice_in_bounds(struct subject *s) { return splice_into(s, 60); }
static int op_splice_past_eof(struct subject *s) { return splice_into(s, size_of(s->fd) + 10); }

/* A small source file beside the subject. */
static int make_source(struct subject *s, size_t len)
{
	char path[4200];
	char buf[8192];
	int fd;

	snprintf(path, sizeof(path), "%s/source.XXXXXX", s->dir);
	fd = mkstemp(path);
	if (fd < 0)
		return -1;
	unlink(path);
	memset(buf, 'S', sizeof(buf));
	if (len > sizeof(buf) || pwrite(fd, buf, len, 0) != (ssize_t)len) {
		close(fd);
		return -1;
	}
	return fd;
}

static int op_sendfile_in_bounds(struct subject *s)
{
	int src = make_source(s, 8), err;
	off_t in_off = 0;

	if (src < 0)
		return EIO;
	lseek(s->fd, 70, SEEK_SET);
	err = result(sendfile(s->fd, src, &in_off, 8));
	close(src);
	return err;
}

static int copy_range(struct subject *s, loff_t out_off)
{
	int src = make_source(s, 8), err;
	loff_t in_off = 0;

	if (src < 0)
		return EIO;
	err = result(copy_file_range(src, &in_off, s->fd, &out_off, 8, 0));
	close(src);
	return err;
}

static int op_copy_file_range_in_bounds(struct subject *s) { return copy_range(s, 80); }
static int op_copy_file_range_past_eof(struct subject *s) { return copy_range(s, size_of(s->fd) + 10); }

static int op_ficlone(struct subject *s)
{
	int src = make_source(s, 4096), err;

	if (src < 0)
		return EIO;
	err = result(ioctl(s->fd, FICLONE, src));
	close(src);
	return err;
}

static int op_ficlonerange(struct subject *s)
{
	int src = make_source(s, 4096), err;
	struct file_clone_range r = { .src_length = 4096, .dest_offset = 0 };

	if (src < 0)
		return EIO;
	r.src_fd = src;
	err = result(ioctl(s->fd, FICLONERANGE, &r));
	close(src);
	return err;
}

static int op_fideduperange(struct subject *s)
{
	struct {
		struct file_dedupe_range r;
		struct file_dedupe_range_info info;
	} d = {};
	int err;

	/* Source: the subject's own first block, deduped onto its second. */
	d.r.src_offset = 0;
	d.r.src_length = 4096;
	d.r.dest_count = 1;
	d.info.dest_fd = s->fd;
	d.info.dest_offset = 4096;
	err = result(ioctl(s->fd, FIDEDUPERANGE, &d));
	if (!err && d.info.status < 0)
		err = -d.info.status;
	return err;
}

static int falloc(struct subject *s, int mode, off_t off, off_t len)
{
	return result(fallocate(s->fd, mode, off, len));
}

static int op_fallocate_in_bounds(struct subject *s) { return falloc(s, 0, 0, 4096); }
static int op_fallocate_past_eof(struct subject *s) { return falloc(s, 0, size_of(s->fd), 4096); }
static int op_fallocate_keep_size_past_eof(struct subject *s)
{
	return falloc(s, FALLOC_FL_KEEP_SIZE, size_of(s->fd), 4096);
}
static int op_fallocate_punch_hole(struct subject *s)
{
	return falloc(s, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 4096, 4096);
}
static int op_fallocate_keep_size_in_bounds(struct subject *s) { return falloc(s, FALLOC_FL_KEEP_SIZE, 0, 4096); }
static int op_fallocate_unshare_range(struct subject *s) { return falloc(s, FALLOC_FL_UNSHARE_RANGE, 0, 4096); }
#ifndef FALLOC_FL_WRITE_ZEROES
#define FALLOC_FL_WRITE_ZEROES 0x80	/* 6.17 */
#endif
static int op_fallocate_write_zeroes(struct subject *s) { return falloc(s, FALLOC_FL_WRITE_ZEROES, 0, 4096); }
static int op_fallocate_zero_range(struct subject *s) { return falloc(s, FALLOC_FL_ZERO_RANGE, 0, 4096); }
static int op_fallocate_collapse_range(struct subject *s) { return falloc(s, FALLOC_FL_COLLAPSE_RANGE, 4096, 4096); }
static int op_fallocate_insert_range(struct subject *s) { return falloc(s, FALLOC_FL_INSERT_RANGE, 4096, 4096); }

static int op_ftruncate_shrink(struct subject *s) { return result(ftruncate(s->fd, 100)); }
static int op_ftruncate_grow(struct subject *s) { return result(ftruncate(s->fd, size_of(s->fd) + 4096)); }
static int op_ftruncate_same(struct subject *s) { return result(ftruncate(s->fd, size_of(s->fd))); }
static int op_truncate_shrink(struct subject *s) { return result(truncate(s->path, 100)); }
static int op_truncate_grow(struct subject *s) { return result(truncate(s->path, size_of(s->fd) + 4096)); }

static int op_open_o_trunc(struct subject *s)
{
	int fd = open(s->path, O_WRONLY | O_TRUNC | O_CLOEXEC);

	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

static int map_and_touch(struct subject *s, int prot, int flags)
{
	char *p = mmap(NULL, 4096, prot, flags, s->fd, 0);

	if (p == MAP_FAILED)
		return errno;
	if (prot & PROT_WRITE)
		p[0] = 'M';
	else
		(void)*(volatile char *)p;
	munmap(p, 4096);
	return 0;
}

static int op_mmap_shared_write(struct subject *s) { return map_and_touch(s, PROT_READ | PROT_WRITE, MAP_SHARED); }
static int op_mmap_shared_read(struct subject *s) { return map_and_touch(s, PROT_READ, MAP_SHARED); }
static int op_mmap_private_write(struct subject *s) { return map_and_touch(s, PROT_READ | PROT_WRITE, MAP_PRIVATE); }

static int op_mprotect_shared_write(struct subject *s)
{
	char *p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, s->fd, 0);
	int err;

	if (p == MAP_FAILED)
		return errno;
	err = result(mprotect(p, 4096, PROT_READ | PROT_WRITE));
	if (!err)
		p[0] = 'P';
	munmap(p, 4096);
	return err;
}

static mode_t mode_of(int fd)
{
	struct stat st;

	return fstat(fd, &st) ? 0 : st.st_mode & 07777;
}

static int op_fchmod_toggle_x(struct subject *s) { return result(fchmod(s->fd, mode_of(s->fd) ^ 0100)); }
static int op_chmod_toggle_x(struct subject *s) { return result(chmod(s->path, mode_of(s->fd) ^ 0010)); }
static int op_fchmod_other_bits(struct subject *s) { return result(fchmod(s->fd, mode_of(s->fd) ^ 0040)); }

/* An access ACL whose mask grants x: the group class x bit of i_mode changes. */
static int op_setfacl_access_x(struct subject *s)
{
	struct {
		unsigned int version;
		struct { unsigned short tag, perm; unsigned int id; } e[5];
	} __attribute__((packed)) acl = {
		2, { { 0x01, 6, ~0u }, { 0x02, 7, 65534 }, { 0x04, 4, ~0u }, { 0x10, 7, ~0u }, { 0x20, 4, ~0u } }
	};

	return result(fsetxattr(s->fd, "system.posix_acl_access", &acl, sizeof(acl), 0));
}

static int op_add_seals_again(struct subject *s)
{
	return subject_add_seals(s, F_SEAL_GROW_BIT, s->memfd);
}

/* Appends that name their position: at EOF exactly, without O_APPEND. */
static int op_pwrite_at_eof(struct subject *s) { return result(pwrite(s->fd, "ZZ", 2, size_of(s->fd))); }

static int op_writev_at_eof(struct subject *s)
{
	struct iovec iov[2] = { { "ZZ", 2 }, { "YY", 2 } };

	lseek(s->fd, 0, SEEK_END);
	return result(writev(s->fd, iov, 2));
}

static int op_aio_write_at_eof(struct subject *s) { return aio_pwrite(s, size_of(s->fd), 0); }
static int op_uring_write_at_eof(struct subject *s) { return uring_write(s, size_of(s->fd), 0); }
static int op_splice_at_eof(struct subject *s) { return splice_into(s, size_of(s->fd)); }

static int op_sendfile_at_eof(struct subject *s)
{
	int src = make_source(s, 8), err;
	off_t in_off = 0;

	if (src < 0)
		return EIO;
	lseek(s->fd, 0, SEEK_END);
	err = result(sendfile(s->fd, src, &in_off, 8));
	close(src);
	return err;
}

static int op_copy_file_range_at_eof(struct subject *s) { return copy_range(s, size_of(s->fd)); }

/*
 * Name changes. Each undoes itself when it succeeds, so the subject keeps
 * its path; a memfd has no name to change (ENOSYS: not applicable).
 */
static int op_rename_away(struct subject *s)
{
	char moved[4200];

	if (s->memfd)
		return ENOSYS;
	snprintf(moved, sizeof(moved), "%s.moved", s->path);
	if (rename(s->path, moved))
		return errno;
	rename(moved, s->path);
	return 0;
}

/* A new file at "PATH.other", to put over the subject's name. */
static int make_other(struct subject *s, char *other, size_t len)
{
	int fd;

	snprintf(other, len, "%s.other", s->path);
	fd = open(other, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

static int op_rename_over(struct subject *s)
{
	char other[4200];
	int err;

	if (s->memfd)
		return ENOSYS;
	err = make_other(s, other, sizeof(other));
	if (!err && rename(other, s->path))
		err = errno;
	unlink(other);
	return err;
}

static int op_rename_exchange(struct subject *s)
{
	char other[4200];
	int err;

	if (s->memfd)
		return ENOSYS;
	err = make_other(s, other, sizeof(other));
	if (!err && renameat2(AT_FDCWD, other, AT_FDCWD, s->path, RENAME_EXCHANGE))
		err = errno;
	else if (!err)
		renameat2(AT_FDCWD, other, AT_FDCWD, s->path, RENAME_EXCHANGE);
	unlink(other);
	return err;
}

static int op_unlink(struct subject *s)
{
	if (s->memfd)
		return ENOSYS;
	return result(unlink(s->path));
}

static int op_link(struct subject *s)
{
	char link_path[4200];

	if (s->memfd)
		return ENOSYS;
	snprintf(link_path, sizeof(link_path), "%s.link", s->path);
	if (link(s->path, link_path))
		return errno;
	unlink(link_path);
	return 0;
}

#define OP(n, fx, fn) { .name = (n), .effects = (fx), .run = (fn) }
#define W FX_WRITE
#define G FX_GROW
#define S FX_SHRINK
#define E FX_AT_EOF
const struct op ops[] = {
	OP("pread", 0, op_pread),
	OP("write_in_place", W, op_write_in_place),
	OP("write_at_eof", W | G | E, op_write_at_eof),
	OP("pwrite_in_bounds", W, op_pwrite_in_bounds),
	OP("pwrite_past_eof", W | G, op_pwrite_past_eof),
	{ .name = "pwrite_crossing_eof", .effects = W | G, .run = op_pwrite_crossing_eof,
	  .memfd_differs = true, .memfd_effects = W | G, .memfd_alternative = ITEST_SHORT_WRITE,
	  .why = "under grow, memfd may write the in-bounds prefix (6.1 does); bpfseal refuses the whole write" },
	OP("writev_in_bounds", W, op_writev_in_bounds),
	OP("pwritev2_in_bounds", W, op_pwritev2_in_bounds),
	OP("pwritev2_rwf_append", W | G | E, op_pwritev2_rwf_append),
	OP("o_append_write", W | G | E, op_o_append_write),
	OP("pwrite_at_eof", W | G | E, op_pwrite_at_eof),
	OP("writev_at_eof", W | G | E, op_writev_at_eof),
	OP("o_direct_write", W, op_o_direct_write),
	OP("aio_write_in_bounds", W, op_aio_write_in_bounds),
	OP("aio_write_past_eof", W | G, op_aio_write_past_eof),
	OP("aio_write_rwf_append", W | G | E, op_aio_write_rwf_append),
	OP("aio_write_at_eof", W | G | E, op_aio_write_at_eof),
	OP("io_uring_write_in_bounds", W, op_uring_write_in_bounds),
	OP("io_uring_write_past_eof", W | G, op_uring_write_past_eof),
	OP("io_uring_writev_in_bounds", W, op_uring_writev_in_bounds),
	OP("io_uring_write_rwf_append", W | G | E, op_uring_write_rwf_append),
	OP("io_uring_write_at_eof", W | G | E, op_uring_write_at_eof),
	OP("io_uring_fallocate_in_bounds", 0, op_uring_fallocate_in_bounds),
	OP("io_uring_fallocate_past_eof", G, op_uring_fallocate_past_eof),
	OP("io_uring_punch_hole", W, op_uring_punch_hole),
	OP("io_uring_ftruncate_shrink", S, op_uring_ftruncate_shrink),
	OP("io_uring_splice_in_bounds", W, op_uring_splice_in_bounds),
	OP("splice_in_bounds", W, op_splice_in_bounds),
	OP("splice_past_eof", W | G, op_splice_past_eof),
	OP("splice_at_eof", W | G | E, op_splice_at_eof),
	OP("sendfile_in_bounds", W, op_sendfile_in_bounds),
	OP("sendfile_at_eof", W | G | E, op_sendfile_at_eof),
	OP("copy_file_range_in_bounds", W, op_copy_file_range_in_bounds),
	OP("copy_file_range_past_eof", W | G, op_copy_file_range_past_eof),
	OP("copy_file_range_at_eof", W | G | E, op_copy_file_range_at_eof),
	/* A clone's range is not shown to the LSM: refused under any size seal. */
	OP("ficlone", W | G | S, op_ficlone),
	OP("ficlonerange", W | G | S, op_ficlonerange),
	OP("fideduperange", W | G | S, op_fideduperange),
	OP("fallocate_in_bounds", 0, op_fallocate_in_bounds),
	OP("fallocate_past_eof", G, op_fallocate_past_eof),
	OP("fallocate_keep_size_past_eof", G, op_fallocate_keep_size_past_eof),
	OP("fallocate_keep_size_in_bounds", 0, op_fallocate_keep_size_in_bounds),
	OP("fallocate_punch_hole", W, op_fallocate_punch_hole),
	/* Unsharing rewrites extents; bpfseal counts every mode beyond KEEP_SIZE as a write. */
	OP("fallocate_unshare_range", W, op_fallocate_unshare_range),
	OP("fallocate_write_zeroes", W, op_fallocate_write_zeroes),
	OP("fallocate_zero_range", W, op_fallocate_zero_range),
	OP("fallocate_collapse_range", W | S, op_fallocate_collapse_range),
	OP("fallocate_insert_range", W | G, op_fallocate_insert_range),
	OP("ftruncate_shrink", S, op_ftruncate_shrink),
	OP("ftruncate_grow", G, op_ftruncate_grow),
	OP("ftruncate_same_size", 0, op_ftruncate_same),
	OP("truncate_shrink", S, op_truncate_shrink),
	OP("truncate_grow", G, op_truncate_grow),
	OP("open_o_trunc", S, op_open_o_trunc),
	OP("mmap_shared_write", W, op_mmap_shared_write),
	OP("mmap_shared_read", FX_SHARED_MAP, op_mmap_shared_read),
	OP("mmap_private_write", 0, op_mmap_private_write),
	OP("mprotect_shared_to_write", W | FX_MPROTECT | FX_SHARED_MAP, op_mprotect_shared_write),
	OP("fchmod_toggle_x", FX_EXEC, op_fchmod_toggle_x),
	OP("chmod_toggle_x", FX_EXEC, op_chmod_toggle_x),
	OP("fchmod_other_bits", 0, op_fchmod_other_bits),
	{ .name = "setfacl_access_x", .effects = FX_EXEC, .run = op_setfacl_access_x,
	  .memfd_differs = true, .memfd_effects = 0,
	  .why = "tmpfs applies an access ACL's mask to i_mode without asking the seals; bpfseal refuses" },
	OP("add_seals_again", FX_ADD_SEALS, op_add_seals_again),
	OP("rename_away", FX_NAME, op_rename_away),
	OP("rename_over", FX_NAME, op_rename_over),
	OP("rename_exchange", FX_NAME, op_rename_exchange),
	OP("unlink", FX_NAME, op_unlink),
	OP("link", FX_NAME, op_link),
};
const size_t n_ops = sizeof(ops) / sizeof(ops[0]);

const struct seal_set seal_sets[] = {
	{ "none", 0, 0644 },	/* first: tells which operations the fs supports */
	{ "seal", SEAL, 0644 },
	{ "shrink", SHRINK, 0644 },
	{ "grow", GROW, 0644 },
	{ "write", WRITE, 0644 },
	{ "future-write", FWRITE, 0644 },
	{ "exec", EXEC, 0644 },
	{ "exec+x", EXEC, 0755 },	/* x bits: implies shrink,grow,write,future-write */
	{ "shrink,grow", SHRINK | GROW, 0644 },
	{ "grow,future-write", GROW | FWRITE, 0644 },
	/* bpfseal's own; memfds cannot take them */
	{ "append", BPFSEAL_SEAL_APPEND, 0644 },
	{ "append,grow", BPFSEAL_SEAL_APPEND | GROW, 0644 },
	{ "name", BPFSEAL_SEAL_NAME, 0644 },
	{ "append,name", BPFSEAL_SEAL_APPEND | BPFSEAL_SEAL_NAME, 0644 },
};
const size_t n_seal_sets = sizeof(seal_sets) / sizeof(seal_sets[0]);

unsigned int seals_in_force(const struct seal_set *set)
{
	if ((set->seals & EXEC) && (set->mode & 0111))
		return set->seals | BPFSEAL_SEALS_IMPLIED_BY_EXEC;
	return set->seals;
}

int expected_errno(unsigned int seals, unsigned int fx, bool bpfseal_shmem)
{
	bool rewrites = (fx & FX_WRITE) && !(fx & FX_AT_EOF);

	if ((fx & FX_SHARED_MAP) && bpfseal_shmem && (seals & BPFSEAL_SEALS_NO_REWRITE))
		return EPERM;
	if ((fx & FX_ADD_SEALS) && (seals & SEAL))
		return EPERM;
	if (((fx & FX_WRITE) && (seals & (WRITE | FWRITE))) || (rewrites && (seals & BPFSEAL_SEAL_APPEND)))
		return (fx & FX_MPROTECT) ? EACCES : EPERM;
	if ((fx & FX_GROW) && (seals & GROW))
		return EPERM;
	if ((fx & FX_SHRINK) && (seals & (SHRINK | BPFSEAL_SEAL_APPEND)))
		return EPERM;
	if ((fx & FX_EXEC) && (seals & EXEC))
		return EPERM;
	if ((fx & FX_NAME) && (seals & BPFSEAL_SEAL_NAME))
		return EPERM;
	return 0;
}

bool unsupported_errno(int err)
{
	return err == EINVAL || err == EOPNOTSUPP || err == ENOTTY || err == EXDEV || err == ENOSYS;
}

/*
 * Operations a filesystem does not have (feature NULL), and those that need
 * a kernel feature there. "*" is every subject; "memfd" a native memfd.
 */
static const struct {
	const char *op;
	const char *where;	/* subjects, space-separated */
	const char *feature;
} absences[] = {
	/* Reflink and dedupe: xfs (made with reflink=1) has them. */
	{ "ficlone", "tmpfs ext4 memfd", NULL },
	{ "ficlonerange", "tmpfs ext4 memfd", NULL },
	{ "fideduperange", "tmpfs ext4 memfd", NULL },
	{ "fallocate_unshare_range", "tmpfs ext4 memfd", NULL },
	{ "fallocate_zero_range", "tmpfs memfd", NULL },
	{ "fallocate_collapse_range", "tmpfs memfd", NULL },
	{ "fallocate_insert_range", "tmpfs memfd", NULL },
	/* shmem has no such mode; ext4 and xfs only over a device that unmaps zeroes, which virtio-blk here does not. */
	{ "fallocate_write_zeroes", "*", NULL },
	/* copy_file_range from a file on another filesystem into a memfd: EXDEV. */
	{ "copy_file_range_in_bounds", "memfd", NULL },
	{ "copy_file_range_past_eof", "memfd", NULL },
	{ "copy_file_range_at_eof", "memfd", NULL },
	/* A memfd has no name to change (ops.c answers ENOSYS). */
	{ "rename_away", "memfd", NULL },
	{ "rename_over", "memfd", NULL },
	{ "rename_exchange", "memfd", NULL },
	{ "unlink", "memfd", NULL },
	{ "link", "memfd", NULL },
	{ "io_uring_ftruncate_shrink", "*", "io_uring_ftruncate" },
	{ "o_direct_write", "tmpfs memfd", "tmpfs_o_direct" },
};

static const char *absence_on(const struct op *op, const char *fs, bool *found)
{
	size_t n = strlen(fs);

	for (size_t i = 0; i < sizeof(absences) / sizeof(absences[0]); i++) {
		const char *w = absences[i].where, *hit;

		if (strcmp(absences[i].op, op->name))
			continue;
		for (hit = strstr(w, fs); hit; hit = strstr(hit + 1, fs))
			if ((hit == w || hit[-1] == ' ') && (hit[n] == ' ' || !hit[n]))
				break;
		if (hit || !strcmp(w, "*")) {
			*found = true;
			return absences[i].feature;
		}
	}
	*found = false;
	return NULL;
}

bool op_absent_on(const struct op *op, const char *fs)
{
	bool found;

	return !absence_on(op, fs, &found) && found;
}

const char *op_feature_on(const struct op *op, const char *fs)
{
	bool found;

	return absence_on(op, fs, &found);
}

static bool table_runs_set(const struct table *t, size_t si)
{
	return !t->runs_set || t->runs_set(t->ctx, &seal_sets[si]);
}

bool table_has_case(const struct table *t, size_t si, size_t oi)
{
	return table_runs_set(t, si) && (!t->runs_op || t->runs_op(t->ctx, &ops[oi])) &&
	       (si == 0 || !op_absent_on(&ops[oi], t->fs));
}

unsigned int table_cases(const struct table *t)
{
	unsigned int cases = 0;

	for (size_t si = 0; si < n_seal_sets; si++)
		for (size_t oi = 0; oi < n_ops; oi++)
			cases += table_has_case(t, si, oi);
	return cases;
}

void table_run(const struct table *t)
{
	const char *lacking[256] = { NULL };

	for (size_t si = 0; si < n_seal_sets; si++) {
		if (!table_runs_set(t, si))
			continue;
		if (t->begin_set)
			t->begin_set(t->ctx, t, si);
		for (size_t oi = 0; oi < n_ops; oi++) {
			struct table_case c = { .set = &seal_sets[si], .si = si, .op = &ops[oi], .oi = oi,
						.seals = seals_in_force(&seal_sets[si]) };
			const char *feature = op_feature_on(c.op, t->fs);
			int got;

			if (!table_has_case(t, si, oi))
				continue;
			snprintf(c.name, sizeof(c.name), "%s/%s/%s/%s", t->prefix, t->fs, c.set->name, c.op->name);
			if (lacking[oi]) {
				itest_skip(c.name, lacking[oi], "nothing to run");
				continue;
			}
			got = t->run(t->ctx, &c);
			if (got == TABLE_REPORTED)
				;
			else if (op_absent_on(c.op, t->fs))
				itest_report(unsupported_errno(got), c.name,
					     "got %s: %s has it now; take it out of ops.c's absences", itest_errname(got),
					     t->fs);
			else if (si == 0 && got && unsupported_errno(got) && feature)
				itest_skip(c.name, lacking[oi] = feature, "%s answers %s", c.op->name,
					   itest_errname(got));
			else
				t->judge(t->ctx, &c, got);
			if (t->done)
				t->done(t->ctx, &c);
		}
	}
}
