/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* /etc/bpfseal/bpfseal.conf: what `sealctl load` (and so the service) reads. */
#ifndef BPFSEAL_CONFIG_H
#define BPFSEAL_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#define BPFSEAL_CONF "/etc/bpfseal/bpfseal.conf"

struct bpfseal_config {
	unsigned int capacity;	/* records and in-memory sealed inodes; 0: the default */
	bool locked;		/* lock the policy until reboot (bpf/lock.bpf.c) */
};

/*
 * Read KEY=VALUE lines ('#' comments, blank lines) from path into *c,
 * leaving fields the file does not set. A missing file is fine. 0, or -1
 * with "FILE:LINE: why" in err.
 */
int config_read(const char *path, struct bpfseal_config *c, char *err, size_t errlen);

/* A capacity as given on a command line or in the file: 0 or -1 with err. */
int config_parse_capacity(const char *text, unsigned int *capacity, char *err, size_t errlen);

#endif
