// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * An O_DIRECT write submitted before the seal (AIO here; io_uring is the
 * same) reaches the disk after it: its check is long past, and no lock is
 * held while the device works. Adding write must therefore wait, and answer
 * EBUSY while direct I/O to the file is in flight, then succeed once it is
 * done. A blk-throttle limit on the scratch disk keeps the write in flight
 * for a couple of seconds. On ext4 and xfs.
 */
#include <libaio.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "bpfseal.h"
#include "itest.h"

#define CGROUP "/sys/fs/cgroup"
#define SLOW CGROUP "/bpfseal-slow-io"
#define LEN 16384
#define WRITE_BPS 8192	/* LEN takes two seconds */

static bool write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	bool ok = fd >= 0 && write(fd, text, strlen(text)) == (ssize_t)strlen(text);

	if (fd >= 0)
		close(fd);
	return ok;
}

/* Move this process into a cgroup whose writes to dev crawl; false if it cannot. */
static bool slow_down_writes(dev_t dev)
{
	char limit[64], pid[32];

	mkdir(CGROUP, 0755);
	if (mount("cgroup2", CGROUP, "cgroup2", 0, NULL) && errno != EBUSY)
		return false;
	mkdir(SLOW, 0755);
	snprintf(limit, sizeof(limit), "%u:%u wbps=%d", major(dev), minor(dev), WRITE_BPS);
	snprintf(pid, sizeof(pid), "%d", getpid());
	return write_file(CGROUP "/cgroup.subtree_control", "+io") && write_file(SLOW "/io.max", limit) &&
	       write_file(SLOW "/cgroup.procs", pid);
}

static void back_to_full_speed(void)
{
	char pid[32];

	snprintf(pid, sizeof(pid), "%d", getpid());
	write_file(CGROUP "/cgroup.procs", pid);
}

/* What in_flight_case() reports per filesystem. */
#define IN_FLIGHT_CASES 7

static void in_flight_case(const char *fs, const char *dir)
{
	struct itest_snapshot *sealed = malloc(sizeof(*sealed)), *later = malloc(sizeof(*later));
	struct iocb iocb, *list[1] = { &iocb };
	struct io_event event = { 0 };
	io_context_t ctx = 0;
	char path[256], n[256], why[512] = "", *want = malloc(LEN);
	const char *not_run = NULL;
	struct stat st;
	void *buf = NULL;
	int fd = itest_make_file(dir, "direct-io", path, sizeof(path)), dfd = -1, err = 0;
	bool slowed = false, landed_at_seal = false, landed_later = false;
	long done = -1;

	if (fd < 0 || fstat(fd, &st))
		snprintf(why, sizeof(why), "cannot make %s: %s", path, strerror(errno));
	else if ((dfd = open(path, O_RDWR | O_DIRECT | O_CLOEXEC)) < 0)
		snprintf(why, sizeof(why), "O_DIRECT open: %s", strerror(errno));
	else if (posix_memalign(&buf, 4096, LEN) || !want || io_setup(1, &ctx))
		snprintf(why, sizeof(why), "io_setup: %s", strerror(errno));
	else if (!(slowed = slow_down_writes(st.st_dev)))
		snprintf(why, sizeof(why), "cannot throttle writes to the disk: %s", strerror(errno));
	if (!why[0]) {
		memset(buf, 'D', LEN);
		memset(want, 'D', LEN);
		io_prep_pwrite(&iocb, dfd, buf, LEN, 0);
		if (io_submit(ctx, 1, list) != 1)
			snprintf(why, sizeof(why), "io_submit: %s", strerror(errno));
	}
	snprintf(n, sizeof(n), "direct_io/%s/setup", fs);
	itest_report(!why[0], n, "%s", why);
	if (why[0])
		not_run = "set-up failed";

	if (!not_run) {
		err = bpfseal_add_seals(fd, WRITE) ? errno : 0;
		itest_snapshot(fd, sealed);
		landed_at_seal = sealed->len == LEN && !memcmp(sealed->data, want, LEN);
	}
	snprintf(n, sizeof(n), "direct_io/%s/write_in_flight_makes_write_seal_EBUSY", fs);
	if (itest_runs(n, not_run))
		itest_expect(n, err, EBUSY);
	snprintf(n, sizeof(n), "direct_io/%s/EBUSY_reason_names_it", fs);
	if (itest_runs(n, not_run)) {
		if (err == EBUSY)
			itest_reason(n, "in flight");
		else
			itest_report(false, n, "no EBUSY to explain: %s", itest_errname(err));
	}
	snprintf(n, sizeof(n), "direct_io/%s/refused_seal_left_no_seal", fs);
	if (itest_runs(n, not_run)) {
		if (err)
			itest_expect_seals(n, bpfseal_get_seals(fd), 0);
		else
			itest_report(false, n, "the seal was not refused");
	}
	if (!not_run) {
		if (io_getevents(ctx, 1, 1, &event, NULL) == 1)
			done = (long)event.res;
		itest_snapshot(fd, later);
		landed_later = later->len == LEN && !memcmp(later->data, want, LEN);
	}
	if (slowed)
		back_to_full_speed();
	/* The race itself: the write had not landed when the seal was asked, and then did. */
	snprintf(n, sizeof(n), "direct_io/%s/write_was_in_flight_at_the_seal", fs);
	if (itest_runs(n, not_run))
		itest_report(!landed_at_seal && done == LEN && (landed_later || !err), n,
			     "the write %s when sealing, completed with %ld of %d bytes, %s afterwards",
			     landed_at_seal ? "had landed already" : "had not landed", done, LEN,
			     landed_later ? "in the file" : "not in the file");
	snprintf(n, sizeof(n), "direct_io/%s/no_direct_write_lands_after_the_seal", fs);
	if (itest_runs(n, not_run))
		itest_report(err || !itest_snapshot_diff(sealed, later), n, "sealed, then the in-flight write landed: %s",
			     itest_snapshot_diff(sealed, later));
	/* Sealed already or not, adding write once the I/O is done succeeds. */
	snprintf(n, sizeof(n), "direct_io/%s/write_seal_ok_once_done", fs);
	if (itest_runs(n, not_run))
		itest_expect(n, bpfseal_add_seals(fd, WRITE) ? errno : 0, 0);
	if (ctx)
		io_destroy(ctx);
	if (dfd >= 0)
		close(dfd);
	if (fd >= 0)
		close(fd);
	free(buf);
	free(want);
	free(sealed);
	free(later);
}

int main(void)
{
	static const char *const filesystems[][2] = { { "ext4", "/mnt/ext4" }, { "xfs", "/mnt/xfs" } };
	size_t count = sizeof(filesystems) / sizeof(filesystems[0]);

	setvbuf(stdout, NULL, _IOLBF, 0);
	itest_plan(count * IN_FLIGHT_CASES);
	for (size_t i = 0; i < count; i++)
		in_flight_case(filesystems[i][0], filesystems[i][1]);
	rmdir(SLOW);
	return itest_end();
}
