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
#define OWN_EXT4 "/mnt/ext4/unpriv-own-persist"

/* The child's cases (all but the parent's one on how the child ended). */
#define CHILD_CASES 20
/* The child's exit when it could not become nobody: none of its cases ran. */
#define CANNOT_DROP 3

static void as_nobody(void)
{
	if (setgroups(0, NULL) || setresgid(NOBODY, NOBODY, NOBODY) || setresuid(NOBODY, NOBODY, NOBODY)) {
		perror("drop privileges");
		_exit(CANNOT_DROP);
	}
}

/*
 * What the kernel says this process is: uid and gid 65534 (real, effective,
 * saved, fs), no supplementary group, no effective capability. NULL, or
 * the line that differs.
 */
static const char *not_nobody(void)
{
	static char line[256];
	FILE *f = fopen("/proc/self/status", "r");
	const char *bad = NULL;

	if (!f)
		return "cannot read /proc/self/status";
	while (!bad && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if ((!strncmp(line, "Uid:", 4) || !strncmp(line, "Gid:", 4)) &&
		    strcmp(line + 4, "\t65534\t65534\t65534\t65534"))
			bad = line;
		else if (!strncmp(line, "Groups:", 7) && line[7 + strspn(line + 7, " \t")])
			bad = line;
		else if (!strncmp(line, "CapEff:", 7) && strcmp(line + 7, "\t0000000000000000"))
			bad = line;
	}
	fclose(f);
	return bad;
}

/* sealctl as this process's user: its exit status and its first line. */
static int sealctl(const char *args, char *out, size_t len)
{
	char cmd[256];
	FILE *p;
	int status;

	snprintf(cmd, sizeof(cmd), "/usr/sbin/sealctl %s 2>&1", args);
	out[0] = '\0';
	p = popen(cmd, "r");
	if (!p)
		return -1;
	if (!fgets(out, (int)len, p))
		out[0] = '\0';
	out[strcspn(out, "\n")] = '\0';
	while (fgetc(p) != EOF)
		;
	status = pclose(p);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void child(void)
{
	LIBBPF_OPTS(bpf_obj_get_opts, rw);
	char out[512];
	int fd, r;

	as_nobody();
	itest_report(!not_nobody(), "unprivileged/running_as_65534", "%s", not_nobody() ?: "");

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

	/*
	 * Persisting needs root even on one's own file (the state file is
	 * root's): the policy refuses the raw request, not only sealctl.
	 */
	fd = open(OWN_EXT4, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	itest_fill(fd);
	r = fcntl(fd, BPFSEAL_F_ADD_SEALS, BPFSEAL_SEAL_WRITE | BPFSEAL_ADD_PERSIST) < 0 ? errno : 0;
	itest_expect("unprivileged/persist_request_refused", r, EPERM);
	itest_expect_seals("unprivileged/refused_persist_left_no_seal", bpfseal_get_seals(fd), 0);
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
	/* Refused, and for the reason: 126/127 (no sealctl) or a usage error are not a refusal. */
	r = sealctl("load", out, sizeof(out));
	itest_report(r == 1 && strstr(out, "needs root"), "unprivileged/cannot_load_policy",
		     "sealctl load exited %d (want 1, refused): %s", r, out);

	/*
	 * Each fcntl command reaches its own handler: the policy ignores an
	 * audit note from an unprivileged caller, so the kernel answers EINVAL
	 * as for any command it does not know; the lock command refuses one
	 * (bpf/lock.bpf.c). Commands sharing a number would answer EPERM to both.
	 */
	fd = open(ROOT_SEALED, O_RDONLY | O_CLOEXEC);
	itest_expect("unprivileged/fcntl_audit_note_is_not_a_lock_request",
		     fcntl(fd, BPFSEAL_F_AUDIT_NOTE, BPFSEAL_OP_LOAD) < 0 ? errno : 0, EINVAL);
	/* Unlocked, no program takes the lock request: the kernel's EINVAL (locked.sh locks). */
	itest_expect("unprivileged/fcntl_lock_policy_unlocked_is_einval",
		     fcntl(fd, BPFSEAL_F_LOCK_POLICY, fd) < 0 ? errno : 0, EINVAL);
	close(fd);
	exit(itest_failures ? 1 : 0);
}

int main(void)
{
	int fd, status = 0;
	pid_t pid;

	setvbuf(stdout, NULL, _IOLBF, 0);
	itest_plan(CHILD_CASES + 1);
	unlink(OWN);
	unlink(OWN_EXT4);
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
	/* Its cases count only if it ran them all: 0, or 1 with its failures reported. */
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		itest_report(false, "unprivileged/child_ran_its_cases", "no child: %s", strerror(errno));
	else if (WIFEXITED(status) && WEXITSTATUS(status) == CANNOT_DROP)
		itest_report(false, "unprivileged/child_ran_its_cases",
			     "it could not become uid %d: its %d cases did not run", NOBODY, CHILD_CASES);
	else
		itest_report(WIFEXITED(status) && WEXITSTATUS(status) <= 1, "unprivileged/child_ran_its_cases",
			     "it ended with status %#x, before reporting every case", status);
	/* The child's failures are this program's. */
	itest_failures += WIFEXITED(status) && WEXITSTATUS(status) == 1;
	return itest_end();
}
