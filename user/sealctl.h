/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* What the sealctl command modules share. */
#ifndef BPFSEAL_SEALCTL_H
#define BPFSEAL_SEALCTL_H

#include <stdbool.h>
#include <stdio.h>

/* Exit codes (documented in sealctl(8)). */
enum {
	EXIT_OK = 0,
	EXIT_REFUSED = 1,	/* an operation was refused or failed */
	EXIT_USAGE = 2,		/* bad command line or input */
	EXIT_NOT_LOADED = 3,	/* the policy is not loaded */
};

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *usage;
	const char *summary;
};

int cmd_load(int argc, char **argv);
int cmd_unload(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_add(int argc, char **argv);
int cmd_get(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_apply(int argc, char **argv);
int cmd_monitor(int argc, char **argv);
int cmd_enable_lsm(int argc, char **argv);
int cmd_disable_lsm(int argc, char **argv);

/* Add seals to one path (and persist them); prints why on failure. Returns an exit code. */
int seal_path(const char *path, unsigned int seals, bool persist);

/* May this process persist seals (root, state file writable)? 0, or -1 having said why. */
int persist_allowed(const char *command);

/* Can seals be added (policy loaded and its public pin present)? */
bool policy_reachable(void);

/* "sealctl: <fmt>\n" on stderr. */
void sealctl_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Print usage of one command to f. */
void sealctl_usage(FILE *f, const char *command);

enum operands { OPERANDS_NONE, OPERANDS_SOME, OPERANDS_ANY };

/*
 * Parse --help, and --json/--force where the pointer is given. Returns the
 * index of the first FILE operand, or -1 when the command is done (help
 * printed, or a usage error reported) with *exit_code set.
 */
int sealctl_parse_flags(int argc, char **argv, const char *command, bool *json, bool *force,
			enum operands operands, int *exit_code);

/* "lsm:" and "bpf lsm:" lines of `sealctl status`; active: the LSMs probed, "" if unknown (cmd_lsm.c). */
void lsm_status_text(FILE *f, const char *active);

/* ,"lsms":[...],"bpf_lsm_pending_reboot":BOOL for `sealctl status --json` (cmd_lsm.c). */
void lsm_status_json(FILE *f, const char *active);

#endif
