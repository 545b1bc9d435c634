// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Harness self-test: announces three cases, reports one, exits 0 early. */
#include "itest.h"

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	itest_plan(3);
	itest_report(true, "selftest/exit_early/first", " ");
	_exit(0);
}
