/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The C side of the integration suite: one line per case, with the kernel,
 *   PASS <kernel> <case>
 *   FAIL <kernel> <case>: <what happened>
 *   SKIP <kernel> <case>: kernel lacks <feature>: <detail>
 * and helpers to make, seal and snapshot test files.
 *
 * Every case is accounted for (account() in lib.sh checks it): main()
 * announces how many cases it runs with itest_plan() before the first
 * report, reports each once, and ends with `return itest_end();`. Each line
 * also goes to $ITEST_RESULTS, appended with one write, so forked children
 * count and a crash keeps what was already reported.
 */
#ifndef BPFSEAL_ITEST_H
#define BPFSEAL_ITEST_H

#include <errno.h>
#include <fcntl.h>
#include <linux/loop.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "bpfseal_abi.h"

/* Short names for the seal bits, as the tables read. */
#define SEAL BPFSEAL_SEAL_SEAL
#define SHRINK BPFSEAL_SEAL_SHRINK
#define GROW BPFSEAL_SEAL_GROW
#define WRITE BPFSEAL_SEAL_WRITE
#define FWRITE BPFSEAL_SEAL_FUTURE_WRITE
#define EXEC BPFSEAL_SEAL_EXEC

static int itest_failures;

static inline const char *itest_kernel(void)
{
	static struct utsname u;

	if (!u.release[0])
		uname(&u);
	return u.release;
}

/* One line to stdout and, whole, to $ITEST_RESULTS. */
static inline void __attribute__((format(printf, 1, 2))) itest_line(const char *fmt, ...)
{
	static int results = -2;
	char line[4096];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (n > (int)sizeof(line) - 2)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	fwrite(line, 1, n, stdout);
	fflush(stdout);
	if (results == -2) {
		const char *p = getenv("ITEST_RESULTS");

		results = p && *p ? open(p, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644) : -1;
	}
	if (results >= 0 && write(results, line, n) != n)
		perror("ITEST_RESULTS");
}

/* How many cases this program runs, skipped ones included: before the first report. */
static inline void itest_plan(unsigned int cases)
{
	itest_line("PLAN %s %u", itest_kernel(), cases);
}

/* The closing line: without it the run counts as cut short. */
static inline int itest_end(void)
{
	itest_line("END %s %s", itest_kernel(), itest_failures ? "failed" : "ok");
	return itest_failures ? 1 : 0;
}

static inline void __attribute__((format(printf, 3, 4)))
itest_report(bool ok, const char *name, const char *fmt, ...)
{
	char what[3072] = "";
	va_list ap;

	if (ok) {
		itest_line("PASS %s %s", itest_kernel(), name);
		return;
	}
	itest_failures++;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	itest_line("FAIL %s %s: %s", itest_kernel(), name, what);
}

/*
 * A case this kernel cannot run: `feature` names a line of
 * tests/integration/features, which says from which kernel on it exists;
 * a skip on a kernel that has it is a failure.
 */
static inline void __attribute__((format(printf, 3, 4)))
itest_skip(const char *name, const char *feature, const char *fmt, ...)
{
	char why[3072] = "";
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	itest_line("SKIP %s %s: kernel lacks %s: %s", itest_kernel(), name, feature, why);
}

/*
 * not_run says why the set-up a group of cases needs failed (NULL or "":
 * it did not): each case then reports that instead of running, so none
 * goes missing and none passes on what was never set up.
 */
static inline bool itest_runs(const char *name, const char *not_run)
{
	if (!not_run || !not_run[0])
		return true;
	itest_report(false, name, "not run: %s", not_run);
	return false;
}

/* "ok" or the errno's name: how results read in a failure line. */
static inline const char *itest_errname(int err)
{
	const char *n;

	if (!err)
		return "ok";
	if (err == 10000)	/* ITEST_SHORT_WRITE */
		return "short write";
	n = strerrorname_np(err);
	return n ? n : "?";
}

/* Expect an errno (0 = success). */
static inline void itest_expect(const char *name, int got, int want)
{
	itest_report(got == want, name, "got %s, want %s", itest_errname(got), itest_errname(want));
}

/* Expect a seal mask (F_SEAL_* bits; -1 for an error). */
static inline void itest_expect_seals(const char *name, int got, int want)
{
	itest_report(got == want, name, "seals %#x, want %#x%s%s", got, want,
		     got < 0 ? ": " : "", got < 0 ? strerror(errno) : "");
}

/*
 * Expect bpfseal_busy_reason() to say `words` (callers include bpfseal.h).
 * A macro, so itest.h stays usable without libbpfseal.
 */
#define itest_reason(name, words)                                                              \
	do {                                                                                   \
		const char *why_ = bpfseal_busy_reason();                                      \
		itest_report(why_ && strstr(why_, (words)), (name), "reason %s, want one naming %s", \
			     why_ ? why_ : "(none)", (words));                                 \
	} while (0)

/* Everything a refused operation must leave alone. */
#define ITEST_FILE_SIZE 16384
struct itest_snapshot {
	off_t size;
	mode_t mode;
	unsigned char data[ITEST_FILE_SIZE * 2];
	ssize_t len;
};

static inline void itest_snapshot(int fd, struct itest_snapshot *s)
{
	struct stat st;

	fstat(fd, &st);
	s->size = st.st_size;
	s->mode = st.st_mode & 07777;
	s->len = pread(fd, s->data, sizeof(s->data), 0);
}

/* NULL if equal, else what changed. */
static inline const char *itest_snapshot_diff(const struct itest_snapshot *a, const struct itest_snapshot *b)
{
	if (a->size != b->size)
		return "size changed";
	if (a->mode != b->mode)
		return "mode changed";
	if (a->len != b->len || memcmp(a->data, b->data, a->len > 0 ? (size_t)a->len : 0))
		return "content changed";
	return NULL;
}

/* Drop every unused inode and dentry from memory, as memory pressure would. */
static inline void itest_evict_caches(void)
{
	int fd = open("/proc/sys/vm/drop_caches", O_WRONLY | O_CLOEXEC);

	sync();
	if (fd >= 0) {
		if (write(fd, "3", 1) != 1)
			perror("/proc/sys/vm/drop_caches");
		close(fd);
	}
}

/* Fill fd with ITEST_FILE_SIZE bytes of a known pattern. */
static inline int itest_fill(int fd)
{
	unsigned char buf[ITEST_FILE_SIZE];

	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (unsigned char)('a' + i % 26);
	return pwrite(fd, buf, sizeof(buf), 0) == (ssize_t)sizeof(buf) ? 0 : -1;
}

/* DIR/NAME, created afresh, filled with the pattern and synced; open O_RDWR. */
static inline int itest_make_file(const char *dir, const char *name, char *path, size_t len)
{
	int fd;

	snprintf(path, len, "%s/%s", dir, name);
	unlink(path);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	itest_fill(fd);
	fsync(fd);
	return fd;
}

/* A fresh sealable memfd named NAME, unfilled; PATH gets its /proc/self/fd name. */
static inline int itest_make_memfd(const char *name, char *path, size_t len)
{
	int fd = memfd_create(name, MFD_ALLOW_SEALING | MFD_CLOEXEC);

	snprintf(path, len, "/proc/self/fd/%d", fd);
	return fd;
}

/*
 * Loop devices: a free one (n < 0) or /dev/loop<n>, made if need be, opened
 * read-write, its name in dev; -1 and errno if there is none.
 */
static inline int itest_loop_open(int n, char *dev, size_t len)
{
	int ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC), err;

	if (ctl < 0)
		return -1;
	n = ioctl(ctl, n < 0 ? LOOP_CTL_GET_FREE : LOOP_CTL_ADD, n);
	err = errno;
	close(ctl);
	if (n < 0) {
		errno = err;
		return -1;
	}
	snprintf(dev, len, "/dev/loop%d", n);
	return open(dev, O_RDWR | O_CLOEXEC);
}

/* The file at path behind a loop device (as itest_loop_open) by LOOP_CONFIGURE: 0 or the errno. */
static inline int itest_loop_attach(const char *path, int n, char *dev, size_t len)
{
	struct loop_config cfg = {};
	int loop = itest_loop_open(n, dev, len), backing, err;

	if (loop < 0)
		return errno;
	backing = open(path, O_RDWR | O_CLOEXEC);
	if (backing < 0) {
		err = errno;
		close(loop);
		return err;
	}
	cfg.fd = (__u32)backing;
	err = ioctl(loop, LOOP_CONFIGURE, &cfg) ? errno : 0;
	close(backing);
	close(loop);
	return err;
}

static inline void itest_loop_detach(const char *dev)
{
	int loop = open(dev, O_RDWR | O_CLOEXEC);

	if (loop >= 0) {
		ioctl(loop, LOOP_CLR_FD, 0);
		close(loop);
	}
}

#endif
