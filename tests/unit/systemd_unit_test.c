// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The shipped units pass `systemd-analyze verify`; the policy's never
 * unloads, the journal forwarder's runs sealctl monitor --journal.
 */
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
#define JOURNAL_UNIT BUILD_DIR "/bpfseal-journal.service"

static void unit_verifies(void **state)
{
	char cmd[2048], tmp[] = "/tmp/bpfseal-unit.XXXXXX";
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
		 "for u in %s %s; do sed 's|^\\(Exec[A-Za-z]*=\\)[^ ]*/sealctl|\\1%s/sealctl|' $u > %s/${u##*/}; "
		 "done && cp %s %s/ && SYSTEMD_LOG_LEVEL=warning systemd-analyze verify --man=no "
		 "%s/bpfseal.service %s/bpfseal-journal.service %s/run-bpfseal.mount %s/sys-fs-bpf-bpfseal.mount 2>&1 | "
		 "grep -v 'sys-fs-bpf.mount' | tee /dev/stderr | grep -q . ; test $? -ne 0",
		 UNIT, JOURNAL_UNIT, BUILD_DIR, tmp, MOUNT_UNITS, tmp, tmp, tmp, tmp, tmp);
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
