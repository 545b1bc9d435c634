/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* For the audit tests: wait until n consumers hold a slot (10 s at most). */
#ifndef BPFSEAL_TEST_CONSUMERS_H
#define BPFSEAL_TEST_CONSUMERS_H

#include <stdbool.h>
#include <unistd.h>
#include "audit.h"

static inline bool wait_for_consumers(int n)
{
	for (int i = 0; i < 500; i++) {
		if (audit_consumer_count() == n)
			return true;
		usleep(20000);
	}
	return false;
}

#endif
