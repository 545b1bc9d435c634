// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Seals belong to the inode: every name, mount and descriptor of the file
 * obeys them, including descriptors opened before sealing and other
 * processes. Run on tmpfs and ext4.
 */
#include <sys/mount.h>
#include <sys/wait.h>

#include "bpfseal.h"
#include "bpfseal_abi.h"
#include "itest.h"

static int write_via(const char *path)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), err;

	if (fd < 0)
		return errno;
	err = pwrite(fd, "!", 1, 0) < 0 ? errno : 0;
	close(fd);
	return err;
}

/*
 * Another process, through exec: the shell's `>>` opens the sealed file
 * (opening for writing stays allowed, as with memfd) and its echo's write
 * must be refused. Exit 42 only comes from that write failing, 43 from the
 * open failing; the shell's own words must name the seal's errno.
 */
#define SHELL_APPEND "{ echo overwritten || exit 42; } >> \"$0\" || exit 43"

static void shell_append(const char *name, const char *path, int fd)
{
	struct itest_snapshot *before = malloc(sizeof(*before)), *after = malloc(sizeof(*after));
	char said[1024] = "", *nl;
	int err[2], status = 0;
	size_t n = 0;
	ssize_t got;
	pid_t pid;

	itest_snapshot(fd, before);
	if (pipe2(err, O_CLOEXEC) || (pid = fork()) < 0) {
		itest_report(false, name, "cannot start the shell: %s", strerror(errno));
		goto out;
	}
	if (pid == 0) {
		dup2(err[1], STDERR_FILENO);
		execl("/bin/sh", "sh", "-c", SHELL_APPEND, path, (char *)NULL);
		_exit(127);
	}
	close(err[1]);
	while (n < sizeof(said) - 1 && (got = read(err[0], said + n, sizeof(said) - 1 - n)) > 0)
		n += (size_t)got;
	said[n] = '\0';
	if ((nl = strrchr(said, '\n')) && !nl[1])
		*nl = '\0';
	close(err[0]);
	waitpid(pid, &status, 0);
	itest_snapshot(fd, after);
	if (!WIFEXITED(status))
		itest_report(false, name, "the shell died of signal %d", WTERMSIG(status));
	else if (WEXITSTATUS(status) == 126 || WEXITSTATUS(status) == 127)
		itest_report(false, name, "/bin/sh did not run (exit %d): %s", WEXITSTATUS(status), said);
	else if (WEXITSTATUS(status) == 0)
		itest_report(false, name, "the shell's append succeeded");
	else if (WEXITSTATUS(status) == 43)
		itest_report(false, name, "the shell could not open the file for appending: %s", said);
	else if (WEXITSTATUS(status) != 42)
		itest_report(false, name, "the shell exited %d: %s", WEXITSTATUS(status), said);
	else
		itest_report(strstr(said, strerror(EPERM)) && !itest_snapshot_diff(before, after), name,
			     "the shell's write failed, saying \"%s\", want %s; file %s", said, strerror(EPERM),
			     itest_snapshot_diff(before, after) ?: "unchanged");
out:
	free(before);
	free(after);
}

/* Inode reclaim, as memory pressure would do it; NULL or why not. */
static const char *drop_caches(void)
{
	static char why[128];
	int fd = open("/proc/sys/vm/drop_caches", O_WRONLY | O_CLOEXEC);
	bool ok = fd >= 0 && write(fd, "3", 1) == 1;

	snprintf(why, sizeof(why), "cannot drop caches: %s", strerror(errno));
	if (fd >= 0)
		close(fd);
	return ok ? NULL : why;
}

/* What run() reports on each filesystem. */
#define IDENTITY_CASES 10

static void run(const char *fs, const char *dir)
{
	char path[256], link_path[256], moved[256], bind_dir[256], bind_path[300], proc[64], n[256];
	struct itest_snapshot *before = malloc(sizeof(*before)), *after = malloc(sizeof(*after));
	const char *not_dropped;
	int fd, early;

	snprintf(path, sizeof(path), "%s/identity", dir);
	snprintf(link_path, sizeof(link_path), "%s/identity.link", dir);
	snprintf(moved, sizeof(moved), "%s/identity.moved", dir);
	snprintf(bind_dir, sizeof(bind_dir), "/mnt/bind-%s", fs);
	unlink(path);
	unlink(link_path);
	unlink(moved);
	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	itest_fill(fd);
	early = open(path, O_WRONLY | O_CLOEXEC);	/* opened before the seal */
	if (link(path, link_path))
		perror("link");
	mkdir(bind_dir, 0755);
	if (mount(dir, bind_dir, NULL, MS_BIND, NULL))
		perror("bind mount");
	snprintf(bind_path, sizeof(bind_path), "%s/identity", bind_dir);

	snprintf(n, sizeof(n), "identity/%s/seal_write", fs);
	itest_expect(n, bpfseal_add_seals(fd, BPFSEAL_SEAL_WRITE) ? errno : 0, 0);
	itest_snapshot(fd, before);

	snprintf(n, sizeof(n), "identity/%s/fd_opened_before_sealing", fs);
	itest_expect(n, pwrite(early, "!", 1, 0) < 0 ? errno : 0, EPERM);
	snprintf(n, sizeof(n), "identity/%s/same_path_reopened", fs);
	itest_expect(n, write_via(path), EPERM);
	snprintf(n, sizeof(n), "identity/%s/hard_link", fs);
	itest_expect(n, write_via(link_path), EPERM);
	snprintf(n, sizeof(n), "identity/%s/bind_mount", fs);
	itest_expect(n, write_via(bind_path), EPERM);
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	snprintf(n, sizeof(n), "identity/%s/proc_self_fd_reopen", fs);
	itest_expect(n, write_via(proc), EPERM);
	rename(path, moved);
	snprintf(n, sizeof(n), "identity/%s/after_rename", fs);
	itest_expect(n, write_via(moved), EPERM);
	rename(moved, path);

	snprintf(n, sizeof(n), "identity/%s/child_process_shell_append", fs);
	shell_append(n, path, fd);

	/* With the file open its inode stays in memory: reclaim keeps the seal. */
	not_dropped = drop_caches();
	snprintf(n, sizeof(n), "identity/%s/seal_survives_drop_caches_while_open", fs);
	if (not_dropped)
		itest_report(false, n, "%s", not_dropped);
	else
		itest_expect(n, write_via(path), EPERM);

	itest_snapshot(fd, after);
	snprintf(n, sizeof(n), "identity/%s/file_unchanged", fs);
	{
		const char *d = itest_snapshot_diff(before, after);

		itest_report(!d, n, "%s", d ? d : "");
	}
	umount(bind_dir);
	close(early);
	close(fd);
	unlink(link_path);
	unlink(path);
	free(before);
	free(after);
}

int main(void)
{
	static const char *const filesystems[][2] = {
		{ "tmpfs", "/mnt/tmpfs" }, { "ext4", "/mnt/ext4" }, { "xfs", "/mnt/xfs" },
	};
	size_t count = sizeof(filesystems) / sizeof(filesystems[0]);

	setvbuf(stdout, NULL, _IOLBF, 0);
	itest_plan(count * IDENTITY_CASES);
	for (size_t i = 0; i < count; i++)
		run(filesystems[i][0], filesystems[i][1]);
	return itest_end();
}
