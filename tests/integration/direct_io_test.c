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

static void in_flight_case(const char *fs, const char *dir)
{
	struct itest_snapshot *sealed = malloc(sizeof(*sealed)), *later = malloc(sizeof(*later));
	struct iocb iocb, *list[1] = { &iocb };
	struct io_event event;
	io_context_t ctx = 0;
	char path[256], n[256];
	struct stat st;
	void *buf = NULL;
	int fd = itest_make_file(dir, "direct-io", path, sizeof(path)), dfd, err;

	fstat(fd, &st);
	snprintf(n, sizeof(n), "direct_io/%s/setup", fs);
	dfd = open(path, O_RDWR | O_DIRECT | O_CLOEXEC);
	if (dfd < 0 || posix_memalign(&buf, 4096, LEN) || io_setup(1, &ctx) || !slow_down_writes(st.st_dev)) {
		itest_report(false, n, "%s", strerror(errno));
		goto out;
	}
	memset(buf, 'D', LEN);
	io_prep_pwrite(&iocb, dfd, buf, LEN, 0);
	if (io_submit(ctx, 1, list) != 1) {
		itest_report(false, n, "io_submit: %s", strerror(errno));
		back_to_full_speed();
		goto out;
	}

	err = bpfseal_add_seals(fd, WRITE) ? errno : 0;
	itest_snapshot(fd, sealed);
	snprintf(n, sizeof(n), "direct_io/%s/write_in_flight_makes_write_seal_EBUSY", fs);
	itest_expect(n, err, EBUSY);
	if (err == EBUSY) {
		snprintf(n, sizeof(n), "direct_io/%s/EBUSY_reason_names_it", fs);
		itest_reason(n, "in flight");
		snprintf(n, sizeof(n), "direct_io/%s/refused_seal_left_no_seal", fs);
		itest_expect_seals(n, bpfseal_get_seals(fd), 0);
	}
	io_getevents(ctx, 1, 1, &event, NULL);
	back_to_full_speed();
	itest_snapshot(fd, later);
	snprintf(n, sizeof(n), "direct_io/%s/no_direct_write_lands_after_the_seal", fs);
	itest_report(err || !itest_snapshot_diff(sealed, later), n, "sealed, then the in-flight write landed: %s",
		     itest_snapshot_diff(sealed, later));
	snprintf(n, sizeof(n), "direct_io/%s/write_seal_ok_once_done", fs);
	if (err)
		itest_expect(n, bpfseal_add_seals(fd, WRITE) ? errno : 0, 0);
out:
	if (ctx)
		io_destroy(ctx);
	if (dfd >= 0)
		close(dfd);
	close(fd);
	free(buf);
	free(sealed);
	free(later);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	in_flight_case("ext4", "/mnt/ext4");
	in_flight_case("xfs", "/mnt/xfs");
	rmdir(SLOW);
	return itest_failures ? 1 : 0;
}
