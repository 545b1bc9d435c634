// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* sealctl: command dispatch, usage and shared output helpers. */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "seal_names.h"
#include "sealctl.h"

static const struct command commands[] = {
	{ "load", cmd_load, "load [--capacity N] [--locked]",
	  "load, attach and pin the policy (idempotent; keeps seals); --locked: until reboot" },
	{ "unload", cmd_unload, "unload [--force]", "detach and unpin the policy" },
	{ "status", cmd_status, "status [--json]", "is the policy loaded, which hooks are active" },
	{ "add", cmd_add, "add [--persist] --seals LIST FILE...",
	  "add seals (" SEAL_NAMES_KNOWN "); --persist keeps them across reboots" },
	{ "get", cmd_get, "get [--json] FILE...", "print the seals of files" },
	{ "list", cmd_list, "list [--json]", "print every sealed inode" },
	{ "apply", cmd_apply, "apply [FILE...]", "apply seal files (default /etc/bpfseal/seals.d/*.conf)" },
	{ "enable-lsm", cmd_enable_lsm, "enable-lsm [--yes] [--dry-run]", "add bpf to lsm= in the boot configuration (active after reboot)" },
	{ "disable-lsm", cmd_disable_lsm, "disable-lsm [--yes] [--dry-run]", "undo what enable-lsm changed" },
	{ "monitor", cmd_monitor, "monitor [--json | --journal [--rate-limit N/SECONDS]]",
	  "follow refusals, seals added and policy changes live (root)" },
};
#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

void sealctl_error(const char *fmt, ...)
{
	va_list ap;

	fputs("sealctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void sealctl_usage(FILE *f, const char *command)
{
	for (size_t i = 0; i < N_COMMANDS; i++) {
		if (command && strcmp(command, commands[i].name))
			continue;
		fprintf(f, "%s  sealctl %s\n", command ? "usage:" : "", commands[i].usage);
		if (command)
			fprintf(f, "%s\n", commands[i].summary);
		else
			fprintf(f, "      %s\n", commands[i].summary);
	}
}

static void usage(FILE *f)
{
	fprintf(f, "usage: sealctl COMMAND [OPTIONS] [FILE...]\n\n"
		   "memfd-style seals for any regular file, enforced by a BPF LSM policy.\n\n"
		   "commands:\n");
	sealctl_usage(f, NULL);
	fprintf(f, "\n`sealctl COMMAND --help` describes one command; see sealctl(8).\n"
		   "exit status: 0 ok, 1 refused, 2 usage, 3 policy not loaded\n");
}

int sealctl_parse_flags(int argc, char **argv, const char *command, bool *json, bool *force,
			enum operands operands, int *exit_code)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "json", no_argument, NULL, 'j' },
		{ "force", no_argument, NULL, 'f' },
		{ 0 },
	};
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'h') {
			sealctl_usage(stdout, command);
			*exit_code = EXIT_OK;
			return -1;
		} else if (c == 'j' && json) {
			*json = true;
		} else if (c == 'f' && force) {
			*force = true;
		} else {
			sealctl_usage(stderr, command);
			*exit_code = EXIT_USAGE;
			return -1;
		}
	}
	if (operands == OPERANDS_NONE && optind != argc) {
		sealctl_error("%s: unexpected argument '%s'", command, argv[optind]);
		*exit_code = EXIT_USAGE;
		return -1;
	}
	if (operands == OPERANDS_SOME && optind == argc) {
		sealctl_error("%s: no FILE given", command);
		*exit_code = EXIT_USAGE;
		return -1;
	}
	return optind;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("sealctl %s\n", BPFSEAL_VERSION);
		return EXIT_OK;
	}
	for (size_t i = 0; i < N_COMMANDS; i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].run(argc - 1, argv + 1);
	sealctl_error("unknown command '%s' (try `sealctl --help`)", argv[1]);
	return EXIT_USAGE;
}
