// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The shipped units pass `systemd-analyze verify`; the policy's never
 * unloads, the journal forwarder's runs sealctl monitor --journal.
 */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
#include <cmocka.h>

#define UNIT BUILD_DIR "/bpfseal.service"
#define JOURNAL_UNIT BUILD_DIR "/bpfseal-journal.service"

/*
 * SRC copied into DIR, with its Exec lines' sealctl pointed at the built one
 * (verify checks ExecStart binaries). How many lines were, or -1 and why.
 */
static int copy_unit(const char *src, const char *dir, char *why, size_t len)
{
	const char *base = strrchr(src, '/') + 1;
	char dst[512], line[1024];
	FILE *in = fopen(src, "r"), *out;
	int pointed = 0;

	snprintf(dst, sizeof(dst), "%s/%s", dir, base);
	out = fopen(dst, "w");
	if (!in || !out) {
		snprintf(why, len, "cannot copy %s to %s: %s", src, dir, strerror(errno));
		pointed = -1;
		goto out;
	}
	while (fgets(line, sizeof(line), in)) {
		char *eq = strchr(line, '='), *tool = strstr(line, "/sealctl");

		if (!strncmp(line, "Exec", 4) && eq && tool && tool > eq && !memchr(eq, ' ', (size_t)(tool - eq))) {
			fprintf(out, "%.*s%s%s", (int)(eq + 1 - line), line, BUILD_DIR, tool);
			pointed++;
		} else {
			fputs(line, out);
		}
	}
	if (ferror(in) || fflush(out) || ferror(out)) {
		snprintf(why, len, "cannot copy %s to %s: %s", src, dst, strerror(errno));
		pointed = -1;
	}
out:
	if (in)
		fclose(in);
	if (out && fclose(out) && pointed >= 0) {
		snprintf(why, len, "cannot write %s: %s", dst, strerror(errno));
		pointed = -1;
	}
	return pointed;
}

/*
 * `systemd-analyze verify` on the units in dir: its exit status and what it
 * said, or -1 and why it did not run.
 */
static int verify(const char *dir, char *out, size_t len, char *why, size_t why_len)
{
	static const char *const units[] = { "bpfseal.service", "bpfseal-journal.service", "run-bpfseal.mount",
					     "sys-fs-bpf-bpfseal.mount" };
	char paths[4][512], log[512];
	char *argv[] = { "systemd-analyze", "verify", "--man=no", paths[0], paths[1], paths[2], paths[3], NULL };
	posix_spawn_file_actions_t io;
	int status, err, fd;
	size_t n = 0;
	ssize_t got;
	pid_t pid;

	for (int i = 0; i < 4; i++)
		snprintf(paths[i], sizeof(paths[i]), "%s/%s", dir, units[i]);
	snprintf(log, sizeof(log), "%s/verify.log", dir);
	posix_spawn_file_actions_init(&io);
	posix_spawn_file_actions_addopen(&io, 1, log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	posix_spawn_file_actions_adddup2(&io, 1, 2);
	setenv("SYSTEMD_LOG_LEVEL", "warning", 1);
	/* glibc's posix_spawnp reports a failed exec itself: no exit status 127 to mistake. */
	err = posix_spawnp(&pid, "systemd-analyze", &io, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&io);
	if (err) {
		snprintf(why, why_len, "cannot run systemd-analyze: %s", strerror(err));
		return -1;
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status)) {
		snprintf(why, why_len, "systemd-analyze did not exit (status %#x)", status);
		return -1;
	}
	fd = open(log, O_RDONLY | O_CLOEXEC);
	while (fd >= 0 && n < len - 1 && (got = read(fd, out + n, len - 1 - n)) > 0)
		n += (size_t)got;
	out[n] = '\0';
	if (fd < 0) {
		snprintf(why, why_len, "cannot read what systemd-analyze said: %s", strerror(errno));
		return -1;
	}
	close(fd);
	return WEXITSTATUS(status);
}

static void unit_verifies(void **state)
{
	static const char *const services[] = { UNIT, JOURNAL_UNIT };
	static const char *const mounts[] = { BUILD_DIR "/run-bpfseal.mount", BUILD_DIR "/sys-fs-bpf-bpfseal.mount" };
	char tmp[] = "/tmp/bpfseal-unit.XXXXXX", cmd[128], out[8192], rest[8192] = "", why[1024] = "";
	bool theirs = false;
	int rc = -1, pointed;

	(void)state;
	if (!mkdtemp(tmp))
		fail_msg("mkdtemp: %s", strerror(errno));
	for (size_t i = 0; i < 2 && !why[0]; i++) {
		pointed = copy_unit(services[i], tmp, why, sizeof(why));
		if (pointed == 0)
			snprintf(why, sizeof(why), "%s: no Exec line runs sealctl", services[i]);
	}
	for (size_t i = 0; i < 2 && !why[0]; i++)
		copy_unit(mounts[i], tmp, why, sizeof(why));
	if (!why[0])
		rc = verify(tmp, out, sizeof(out), why, sizeof(why));
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmp);
	if (system(cmd))
		fprintf(stderr, "cannot remove %s\n", tmp);
	if (rc < 0)
		fail_msg("%s", why);
	/*
	 * sys-fs-bpf.mount is systemd's own unit; build hosts without it
	 * (containers) report it missing, which says nothing about ours.
	 * Anything else it says is a finding, whatever its exit status.
	 */
	for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
		if (strstr(line, "sys-fs-bpf.mount"))
			theirs = true;
		else
			snprintf(rest + strlen(rest), sizeof(rest) - strlen(rest), "%s\n", line);
	}
	if (rest[0])
		fail_msg("systemd-analyze verify (exit %d) says:\n%s", rc, rest);
	/* A failing exit is excused only by that missing unit, not by silence. */
	if (rc != 0 && !theirs)
		fail_msg("systemd-analyze verify exited %d without a word", rc);
}

static void unit_has_no_exec_stop(void **state)
{
	char line[512];
	FILE *f = fopen(UNIT, "r");
	int stop = 0, start = 0;

	(void)state;
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		stop += !strncmp(line, "ExecStop", 8);
		start += !strncmp(line, "ExecStart=", 10);
	}
	fclose(f);
	assert_int_equal(stop, 0);	/* seals are meant to outlive the service */
	assert_int_equal(start, 2);	/* load, then apply seals.d */
}

static void journal_unit_forwards_records(void **state)
{
	char line[512];
	FILE *f = fopen(JOURNAL_UNIT, "r");
	int start = 0, notify = 0, after = 0;

	(void)state;
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		start += !strncmp(line, "ExecStart=", 10) && strstr(line, "/sealctl monitor --journal\n");
		notify += !strcmp(line, "Type=notify\n");	/* sealctl says READY=1 once attached or waiting */
		after += !strncmp(line, "After=", 6) && strstr(line, "bpfseal.service");
	}
	fclose(f);
	assert_int_equal(start, 1);
	assert_int_equal(notify, 1);
	assert_int_equal(after, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(unit_verifies),
		cmocka_unit_test(unit_has_no_exec_stop),
		cmocka_unit_test(journal_unit_forwards_records),
	};

	return cmocka_run_group_tests_name("systemd_unit", tests, NULL, NULL);
}
