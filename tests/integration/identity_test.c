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

static void run(const char *fs, const char *dir)
{
	char path[256], link_path[256], moved[256], bind_dir[256], bind_path[300], proc[64], n[256];
	struct itest_snapshot *before = malloc(sizeof(*before)), *after = malloc(sizeof(*after));
	int fd, early, status;
	pid_t pid;

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

	/* Another process, through exec: the shell's own write must fail. */
	pid = fork();
	if (pid == 0) {
		execl("/bin/sh", "sh", "-c", "echo overwritten >> \"$0\"", path, (char *)NULL);
		_exit(127);
	}
	waitpid(pid, &status, 0);
	snprintf(n, sizeof(n), "identity/%s/child_process_shell_append", fs);
	itest_report(WIFEXITED(status) && WEXITSTATUS(status) != 0, n, "shell append exited %d",
		     WEXITSTATUS(status));

	/* With the file open its inode stays in memory: reclaim keeps the seal. */
	if (write(open("/proc/sys/vm/drop_caches", O_WRONLY | O_CLOEXEC), "3", 1) < 0)
		perror("drop_caches");
	snprintf(n, sizeof(n), "identity/%s/seal_survives_drop_caches_while_open", fs);
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
	setvbuf(stdout, NULL, _IOLBF, 0);
	run("tmpfs", "/mnt/tmpfs");
	run("ext4", "/mnt/ext4");
	run("xfs", "/mnt/xfs");
	return itest_failures ? 1 : 0;
}
