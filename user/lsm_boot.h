/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The LSM stack as sealctl status reports it (cmd_lsm.c). */
#ifndef BPFSEAL_LSM_BOOT_H
#define BPFSEAL_LSM_BOOT_H

#include <stdbool.h>
#include <stdio.h>

/* "lsm:" and "bpf lsm:" lines of `sealctl status`; active: the LSMs probed, "" if unknown. */
void lsm_status_text(FILE *f, const char *active);

/* ,"lsms":[...],"bpf_lsm_pending_reboot":BOOL for `sealctl status --json`. */
void lsm_status_json(FILE *f, const char *active);

int cmd_enable_lsm(int argc, char **argv);
int cmd_disable_lsm(int argc, char **argv);

#endif
