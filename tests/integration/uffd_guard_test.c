// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * FUTURE_WRITE on tmpfs, as memfd (bpf/uffd_guard.bpf.c): a read-only
 * MAP_SHARED mapping through a writable descriptor is allowed, it cannot be
 * made writable, and userfaultfd cannot fill the file's holes through it:
 * UFFDIO_REGISTER answers EPERM in that process, in a forked copy of it, and
 * from another process holding its userfaultfd. After exec the process has
 * userfaultfd back. A memfd sealed natively shows the same answers.
 * Each scenario runs in a child of its own: a guard lasts for the process.
 */
#include <linux/userfaultfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "bpfseal.h"
#include "bpfseal_abi.h"
#include "itest.h"

#define PAGE 4096
#define FILE_PAGES 2	/* the second page is a hole */

/* A tmpfs file (or with MEMFD a memfd sealed natively) of two pages, the second a hole, sealed FUTURE_WRITE. */
static int sealed_file(bool memfd, bool sealed, char *why, size_t len)
{
	char path[] = "/mnt/tmpfs/uffd-guard.XXXXXX";
	int fd = memfd ? memfd_create("uffd-guard", MFD_CLOEXEC | MFD_ALLOW_SEALING) : mkostemp(path, O_CLOEXEC);

	if (fd >= 0 && !memfd)
		unlink(path);
	if (fd < 0 || pwrite(fd, "first page", 10, 0) != 10 || ftruncate(fd, FILE_PAGES * PAGE)) {
		snprintf(why, len, "cannot make the file: %s", strerror(errno));
		return -1;
	}
	if (sealed && (memfd ? fcntl(fd, F_ADD_SEALS, F_SEAL_FUTURE_WRITE) :
			       bpfseal_add_seals(fd, BPFSEAL_SEAL_FUTURE_WRITE))) {
		snprintf(why, len, "cannot seal it future_write: %s", strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static int new_userfaultfd(void)
{
	struct uffdio_api api = { .api = UFFD_API };
	int uffd = syscall(SYS_userfaultfd, O_CLOEXEC | UFFD_USER_MODE_ONLY);

	if (uffd >= 0 && ioctl(uffd, UFFDIO_API, &api)) {
		close(uffd);
		return -1;
	}
	return uffd;
}

/* UFFDIO_REGISTER of the mapping for missing pages: 0 or the errno. */
static int register_range(int uffd, char *map)
{
	struct uffdio_register reg = { .range = { (unsigned long)map, FILE_PAGES * PAGE },
				       .mode = UFFDIO_REGISTER_MODE_MISSING };

	return ioctl(uffd, UFFDIO_REGISTER, &reg) ? errno : 0;
}

/* Fill the hole through a registered mapping, as an attacker would. */
static void fill_hole(int uffd, char *map)
{
	static char src[PAGE];
	struct uffdio_copy copy = { .dst = (unsigned long)map + PAGE, .src = (unsigned long)src, .len = PAGE };

	memset(src, 'U', sizeof(src));
	ioctl(uffd, UFFDIO_COPY, &copy);
}

static bool hole_empty(int fd)
{
	char got[PAGE], zero[PAGE] = { 0 };

	return pread(fd, got, sizeof(got), PAGE) == (ssize_t)sizeof(got) && !memcmp(got, zero, sizeof(zero));
}

/* The child's exit: its cases were reported. */
static int wait_child(pid_t pid)
{
	int status = 0;

	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* An unsealed tmpfs file: userfaultfd registers over its read-only shared mapping (it is there to refuse). */
static int control(const char *name)
{
	char why[300] = "";
	int fd = sealed_file(false, false, why, sizeof(why)), uffd = new_userfaultfd(), err = -1;
	char *map = fd < 0 ? MAP_FAILED : mmap(NULL, FILE_PAGES * PAGE, PROT_READ, MAP_SHARED, fd, 0);

	if (!why[0] && (map == MAP_FAILED || uffd < 0))
		snprintf(why, sizeof(why), "%s: %s", map == MAP_FAILED ? "mmap" : "userfaultfd", strerror(errno));
	if (!why[0])
		err = register_range(uffd, map);
	if (itest_runs(name, why))
		itest_expect(name, err, 0);
	return 0;
}

/* Receive a userfaultfd and an address over SOCK; register that range: 0, the errno, or 100 if none came. */
static int register_received_range(int sock)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} control;
	char *map;
	struct iovec iov = { &map, sizeof(map) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = &control,
			     .msg_controllen = sizeof(control.buf) };
	int uffd;

	if (recvmsg(sock, &mh, 0) != sizeof(map) || !CMSG_FIRSTHDR(&mh))
		return 100;
	memcpy(&uffd, CMSG_DATA(CMSG_FIRSTHDR(&mh)), sizeof(int));
	return register_range(uffd, map);
}

/* The peer: register what it received and send the answer back. */
static int register_received(int sock)
{
	int err = register_received_range(sock);

	return write(sock, &err, sizeof(err)) == sizeof(err) ? 0 : 1;
}

static void send_userfaultfd(int sock, int uffd, char *map)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} control;
	struct iovec iov = { &map, sizeof(map) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = &control,
			     .msg_controllen = sizeof(control.buf) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);

	memset(&control, 0, sizeof(control));
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &uffd, sizeof(int));
	sendmsg(sock, &mh, 0);
}

/*
 * The scenario on a FUTURE_WRITE-sealed file: bpfseal's on tmpfs, or memfd's
 * own. PEER is a process forked before this one mapped anything, waiting on
 * SOCK for this one's userfaultfd (it answers there).
 */
static int scenario(const char *kind, bool memfd, int sock)
{
	char why[300] = "", n[128];
	int fd = sealed_file(memfd, true, why, sizeof(why)), uffd = -1, err = -1, got;
	char *map = MAP_FAILED;

	snprintf(n, sizeof(n), "uffd/%s/read_only_shared_mapping_through_writable_fd", kind);
	if (!why[0]) {
		map = mmap(NULL, FILE_PAGES * PAGE, PROT_READ, MAP_SHARED, fd, 0);
		err = map == MAP_FAILED ? errno : 0;
		itest_expect(n, err, 0);
		if (err)
			snprintf(why, sizeof(why), "the mapping was refused: %s", itest_errname(err));
	} else {
		itest_runs(n, why);
	}
	snprintf(n, sizeof(n), "uffd/%s/mprotect_to_write_refused", kind);
	if (itest_runs(n, why))
		itest_expect(n, mprotect(map, PAGE, PROT_READ | PROT_WRITE) ? errno : 0, EACCES);
	if (!why[0] && (uffd = new_userfaultfd()) < 0)
		snprintf(why, sizeof(why), "userfaultfd: %s", strerror(errno));
	snprintf(n, sizeof(n), "uffd/%s/register_refused", kind);
	if (itest_runs(n, why)) {
		err = register_range(uffd, map);
		if (!err)
			fill_hole(uffd, map);
		itest_expect(n, err, EPERM);
	}
	snprintf(n, sizeof(n), "uffd/%s/hole_still_empty", kind);
	if (itest_runs(n, why))
		itest_report(hole_empty(fd), n, "the hole was filled, or cannot be read back");
	snprintf(n, sizeof(n), "uffd/%s/forked_copy_register_refused", kind);
	if (itest_runs(n, why)) {
		pid_t child = fork();

		/* Its own userfaultfd, on its own copy of the mapping. */
		if (child == 0) {
			int own = new_userfaultfd();

			_exit(own < 0 ? 102 : register_range(own, map));
		}
		got = wait_child(child);
		itest_report(got == EPERM, n, "the forked copy's UFFDIO_REGISTER answered %s, want EPERM",
			     got < 128 ? itest_errname(got) : "a signal");
	}
	snprintf(n, sizeof(n), "uffd/%s/register_by_another_process_refused", kind);
	if (itest_runs(n, why)) {
		send_userfaultfd(sock, uffd, map);
		if (read(sock, &got, sizeof(got)) != sizeof(got))
			got = -1;
		itest_report(got == EPERM, n, "another process's UFFDIO_REGISTER with this one's userfaultfd answered %s",
			     got < 0 ? "nothing (it died)" : got == 100 ? "nothing (no descriptor came)" : itest_errname(got));
	}
	snprintf(n, sizeof(n), "uffd/%s/userfaultfd_back_after_exec", kind);
	if (itest_runs(n, why)) {
		pid_t child = fork();

		if (child == 0) {
			execl("/proc/self/exe", "uffd_guard_test", "--control", (char *)NULL);
			_exit(127);
		}
		got = wait_child(child);
		itest_report(got == 0, n, "after exec, UFFDIO_REGISTER over an unsealed file answered %s",
			     got < 128 ? itest_errname(got) : "a signal");
	}
	return 0;
}

/* After exec: a fresh process registers over an unsealed file's mapping; exit with the answer. */
static int after_exec(void)
{
	char why[300] = "";
	int fd = sealed_file(false, false, why, sizeof(why)), uffd = new_userfaultfd();
	char *map = fd < 0 ? MAP_FAILED : mmap(NULL, FILE_PAGES * PAGE, PROT_READ, MAP_SHARED, fd, 0);

	if (map == MAP_FAILED || uffd < 0)
		return 101;
	return register_range(uffd, map);
}

static void run_scenario(const char *kind, bool memfd)
{
	int sv[2];
	pid_t peer, child;
	char n[128];

	snprintf(n, sizeof(n), "uffd/%s/ran_every_case", kind);
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv)) {
		itest_report(false, n, "socketpair: %s", strerror(errno));
		return;
	}
	peer = fork();
	if (peer == 0) {
		close(sv[0]);
		_exit(register_received(sv[1]));
	}
	close(sv[1]);
	child = fork();
	if (child == 0)
		_exit(scenario(kind, memfd, sv[0]));
	close(sv[0]);
	itest_report(wait_child(child) == 0, n, "the scenario's process died before reporting every case");
	waitpid(peer, NULL, 0);
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "--control"))
		return after_exec();
	setvbuf(stdout, NULL, _IOLBF, 0);
	itest_plan(1 + 2 * 8);
	control("uffd/unsealed/register_works");
	run_scenario("memfd", true);
	run_scenario("tmpfs", false);
	return itest_end();
}
