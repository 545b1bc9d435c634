// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Harness self-test: announces four cases, reports two, then crashes. */
#include <signal.h>

#include "itest.h"

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	itest_plan(4);
	itest_report(true, "selftest/crash_halfway/first", " ");
	itest_report(true, "selftest/crash_halfway/second", " ");
	raise(SIGSEGV);
	itest_report(true, "selftest/crash_halfway/third", " ");
	itest_report(true, "selftest/crash_halfway/fourth", " ");
	return itest_end();
}
