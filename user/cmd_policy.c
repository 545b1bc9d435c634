// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* sealctl load | unload | status */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "lsm_boot.h"
#include "policy.h"
#include "sealctl.h"


int cmd_load(int argc, char **argv)
{
	char err[512] = "";
	int rc;

	if (sealctl_parse_flags(argc, argv, "load", NULL, NULL, OPERANDS_NONE, &rc) < 0)
		return rc;
	if (geteuid() != 0) {
		sealctl_error("load: loading a BPF LSM policy needs root (CAP_BPF, CAP_SYS_ADMIN, CAP_MAC_ADMIN)");
		return EXIT_REFUSED;
	}
	if (policy_load(err, sizeof(err))) {
		sealctl_error("load: %s", err);
		return EXIT_REFUSED;
	}
	printf("bpfseal: policy loaded and pinned under %s\n", "/sys/fs/bpf/bpfseal");
	return EXIT_OK;
}

int cmd_unload(int argc, char **argv)
{
	bool force = false;
	char err[512] = "";
	long sealed;
	int rc;

	if (sealctl_parse_flags(argc, argv, "unload", NULL, &force, OPERANDS_NONE, &rc) < 0)
		return rc;
	if (!policy_loaded() && access("/sys/fs/bpf/bpfseal", F_OK)) {
		printf("bpfseal: policy not loaded; nothing to do\n");
		return EXIT_OK;
	}
	sealed = policy_sealed_count();
	if (sealed > 0 && !force) {
		sealctl_error("unload: %ld inode%s sealed; unloading stops enforcing %s seals "
			      "(they cannot be restored). Use --force to do it anyway",
			      sealed, sealed == 1 ? " is" : "s are", sealed == 1 ? "its" : "their");
		return EXIT_REFUSED;
	}
	if (policy_unload(err, sizeof(err))) {
		sealctl_error("unload: %s", err);
		return EXIT_REFUSED;
	}
	printf("bpfseal: policy unloaded%s\n", sealed > 0 ? "; seals are no longer enforced" : "");
	return EXIT_OK;
}

static const char *program_state(const struct policy_features *f, const char *name, bool loaded)
{
	if (!policy_program_wanted(f, name))
		return "unused";
	if (!loaded)
		return "inactive";
	return policy_link_pinned(name) ? "active" : "inactive";
}

int cmd_status(int argc, char **argv)
{
	struct policy_features f;
	struct utsname uts;
	bool json = false, loaded;
	char err[512] = "";
	long sealed;
	int rc;

	if (sealctl_parse_flags(argc, argv, "status", &json, NULL, OPERANDS_NONE, &rc) < 0)
		return rc;
	if (policy_probe(&f, err, sizeof(err))) {
		sealctl_error("status: %s", err);
		return EXIT_REFUSED;
	}
	uname(&uts);
	loaded = policy_loaded();
	sealed = loaded ? policy_sealed_count() : 0;
	if (json) {
		printf("{\"loaded\":%s,\"kernel\":", loaded ? "true" : "false");
		json_string(stdout, uts.release);
		lsm_status_json(stdout);
		printf(",\"bpf_lsm\":%s,\"sealed_inodes\":%ld,\"hooks\":[", f.bpf_lsm ? "true" : "false",
		       sealed < 0 ? -1 : sealed);
		for (size_t i = 0; i < policy_program_count; i++) {
			const struct policy_program *p = &policy_programs[i];

			printf("%s{\"program\":\"%s\",\"hook\":\"%s\",\"state\":\"%s\",\"missed_runs\":%ld,\"role\":",
			       i ? "," : "", p->name, p->hook, program_state(&f, p->name, loaded),
			       loaded ? policy_program_misses(p->name) : -1);
			json_string(stdout, p->role);
			printf("}");
		}
		printf("]}\n");
	} else {
		printf("policy:        %s\n", loaded ? "loaded" : "not loaded");
		printf("kernel:        %s\n", uts.release);
		lsm_status_text(stdout, f.bpf_lsm);
		if (loaded)
			printf("sealed inodes: %ld\n", sealed);
		printf("hooks:\n");
		for (size_t i = 0; i < policy_program_count; i++) {
			const struct policy_program *p = &policy_programs[i];

			long missed = loaded ? policy_program_misses(p->name) : 0;

			printf("  %-8s  %-30s  %s", program_state(&f, p->name, loaded), p->hook, p->role);
			if (missed > 0)
				printf(" (%ld runs skipped by the kernel)", missed);
			printf("\n");
		}
	}
	return loaded ? EXIT_OK : EXIT_NOT_LOADED;
}
