/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The kernel's LSM list ("lockdown,capability,landlock,...", as
 * /sys/kernel/security/lsm shows it) and the lsm= boot parameter: pure
 * string work for `sealctl enable-lsm`, no I/O (tests/unit/lsm_list_test.c).
 */
#ifndef BPFSEAL_LSM_LIST_H
#define BPFSEAL_LSM_LIST_H

#include <stdbool.h>
#include <stddef.h>

/* Is NAME an item of the comma-separated LIST? */
bool lsm_list_has(const char *list, const char *name);

/*
 * The value of the last KEY= parameter of CMDLINE (the kernel takes the
 * last lsm=), copied to out. False when there is none (or it does not fit).
 */
bool cmdline_param(const char *cmdline, const char *key, char *out, size_t outlen);

/*
 * The lsm= value that adds bpf and drops no LSM that runs now.
 * active: the running kernel's list; configured: the lsm= the boot
 * configuration passes today, or NULL. An lsm= is edited, not replaced:
 * its items stay as written, in its order; any active LSM it lacks
 * follows (capability never: the kernel always runs it first); bpf comes
 * last, once. Without lsm=, the active LSMs in the kernel's order, less
 * capability, then bpf. 0, or -ENOSPC.
 */
int lsm_list_add_bpf(const char *active, const char *configured, char *out, size_t outlen);

/*
 * CMDLINE with the value of every lsm= parameter replaced by VALUE (other
 * parameters and spacing untouched), or with " lsm=VALUE" appended when it
 * has none. 0, or -ENOSPC.
 */
int cmdline_set_lsm(const char *cmdline, const char *value, char *out, size_t outlen);

/* The arguments of the first `linux` line of a grub.cfg (GRUB's default entry). */
bool grub_cfg_default_cmdline(const char *grub_cfg, char *out, size_t outlen);

/*
 * "Active after reboot": bpf does not run now, but the command line the next
 * boot uses asks for it in lsm=.
 */
bool lsm_enable_pending(const char *active, const char *next_cmdline);

#endif
