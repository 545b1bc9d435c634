// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The shipped unit passes `systemd-analyze verify` and never unloads. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#define UNIT BUILD_DIR "/bpfseal.service"
/* The service requires these two. */
#define MOUNT_UNITS BUILD_DIR "/run-bpfseal.mount " BUILD_DIR "/sys-fs-bpf-bpfseal.mount"

static void unit_verifies(void **state)
{
	char cmd[1024], tmp[] = "/tmp/bpfseal-unit.XXXXXX";
	int rc;

	(void)state;
	/*
	 * verify checks ExecStart binaries: point them at the built sealctl.
	 * sys-fs-bpf.mount is systemd's own unit; build hosts without it
	 * (containers) report it missing, which says nothing about ours.
	 */
	if (!mkdtemp(tmp))
		fail_msg("mkdtemp");
	snprintf(cmd, sizeof(cmd),
		 "sed 's|^\\(Exec[A-Za-z]*=\\)[^ ]*/sealctl|\\1%s/sealctl|' %s > %s/bpfseal.service && "
		 "cp %s %s/ && SYSTEMD_LOG_LEVEL=warning systemd-analyze verify --man=no "
		 "%s/bpfseal.service %s/run-bpfseal.mount %s/sys-fs-bpf-bpfseal.mount 2>&1 | "
		 "grep -v 'sys-fs-bpf.mount' | tee /dev/stderr | grep -q . ; test $? -ne 0",
		 BUILD_DIR, UNIT, tmp, MOUNT_UNITS, tmp, tmp, tmp, tmp);
	rc = system(cmd);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmp);
	system(cmd);
	assert_int_equal(rc, 0);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(unit_verifies),
		cmocka_unit_test(unit_has_no_exec_stop),
	};

	return cmocka_run_group_tests_name("systemd_unit", tests, NULL, NULL);
}
