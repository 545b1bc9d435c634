// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * As uid/gid 65534 with no capabilities: seal a file you own and hold open
 * for writing, verify seals on any file you can open, and nothing more --
 * no sealing of other users' files, no write access to the seal map, no
 * policy loading.
 */
#include <grp.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <bpf/bpf.h>

#include "bpfseal.h"
#include "bpfseal_abi.h"
#include "itest.h"

#define NOBODY 65534
#define ROOT_OPEN "/mnt/tmpfs/unpriv-root-0666"
#define ROOT_SEALED "/mnt/tmpfs/unpriv-root-sealed"
#define OWN "/mnt/tmpfs/unpriv-own"

static void as_nobody(void)
{
	if (setgroups(0, NULL) || setresgid(NOBODY, NOBODY, NOBODY) || setresuid(NOBODY, NOBODY, NOBODY)) {
		perror("drop privileges");
		_exit(2);
	}
}

static void child(void)
{
	LIBBPF_OPTS(bpf_obj_get_opts, rw);
	int fd, r;

	as_nobody();
	itest_report(geteuid() == NOBODY, "unprivileged/running_as_65534", "euid %d", geteuid());

	fd = open(OWN, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	itest_fill(fd);
	itest_expect("unprivileged/seal_own_file", bpfseal_add_seals(fd, BPFSEAL_SEAL_WRITE | BPFSEAL_SEAL_GROW) ? errno : 0, 0);
	itest_expect_seals("unprivileged/verify_own_file", bpfseal_get_seals(fd), BPFSEAL_SEAL_WRITE | BPFSEAL_SEAL_GROW);
	itest_expect("unprivileged/own_sealed_file_refuses_write", pwrite(fd, "x", 1, 0) < 0 ? errno : 0, EPERM);
	/* The policy's inode_setxattr program (6.1) must keep the capability check. */
	itest_expect("unprivileged/security_xattr_still_needs_cap_sys_admin",
		     fsetxattr(fd, "security.bpfseal-test", "x", 1, 0) < 0 ? errno : 0, EPERM);
	/* The fence xattr (bpf/write_fence.bpf.c): its one use, by the owner, writes nothing. */
	itest_expect("unprivileged/fence_xattr_replace_by_owner_writes_nothing",
		     fsetxattr(fd, BPFSEAL_FENCE_XATTR, "", 0, XATTR_REPLACE) < 0 ? errno : 0, ENODATA);
	itest_expect("unprivileged/fence_xattr_cannot_be_created",
		     fsetxattr(fd, BPFSEAL_FENCE_XATTR, "x", 1, 0) < 0 ? errno : 0, EPERM);
	close(fd);

	fd = open(ROOT_OPEN, O_RDWR | O_CLOEXEC);
	itest_report(fd >= 0, "unprivileged/open_others_0666_file_for_writing", "%s", strerror(errno));
	itest_expect("unprivileged/cannot_seal_file_owned_by_root",
		     bpfseal_add_seals(fd, BPFSEAL_SEAL_WRITE) ? errno : 0, EPERM);
	itest_expect("unprivileged/fence_xattr_not_on_others_files",
		     fsetxattr(fd, BPFSEAL_FENCE_XATTR, "", 0, XATTR_REPLACE) < 0 ? errno : 0, EPERM);
	itest_expect_seals("unprivileged/refused_seal_left_no_seal", bpfseal_get_seals(fd), 0);
	itest_expect("unprivileged/others_file_still_writable", pwrite(fd, "x", 1, 0) < 0 ? errno : 0, 0);
	close(fd);

	fd = open(ROOT_SEALED, O_RDONLY | O_CLOEXEC);
	itest_expect_seals("unprivileged/verify_file_sealed_by_root", bpfseal_get_seals(fd),
			   BPFSEAL_SEAL_WRITE | BPFSEAL_SEAL_SHRINK);
	close(fd);

	r = bpf_obj_get(BPFSEAL_PIN_SEALS) < 0 ? errno : 0;
	itest_expect("unprivileged/cannot_reach_private_pins", r, EACCES);
	r = bpf_obj_get_opts(BPFSEAL_PUBLIC_SEALS, &rw) < 0 ? errno : 0;
	itest_expect("unprivileged/cannot_open_public_pin_writable", r, EACCES);
	r = system("sealctl load >/dev/null 2>&1");
	itest_report(WIFEXITED(r) && WEXITSTATUS(r) != 0, "unprivileged/cannot_load_policy",
		     "sealctl load exited %d", WEXITSTATUS(r));
	exit(itest_failures ? 1 : 0);
}

int main(void)
{
	int fd, status;
	pid_t pid;

	setvbuf(stdout, NULL, _IOLBF, 0);
	unlink(OWN);
	unlink(ROOT_OPEN);
	unlink(ROOT_SEALED);
	fd = open(ROOT_OPEN, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
	fchmod(fd, 0666);
	itest_fill(fd);
	close(fd);
	fd = open(ROOT_SEALED, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	itest_fill(fd);
	if (bpfseal_add_seals(fd, BPFSEAL_SEAL_WRITE | BPFSEAL_SEAL_SHRINK))
		perror("root seal");
	close(fd);

	pid = fork();
	if (pid == 0)
		child();
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
