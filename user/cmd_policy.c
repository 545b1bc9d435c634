// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* sealctl load | unload | status */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

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

static const char *program_state(const struct policy_features *f, const struct policy_program *p, bool loaded)
{
	if (!policy_program_wanted(p, f->present))
		return "unused";
	if (!loaded)
		return "inactive";
	return policy_link_pinned(p->name) ? "active" : "inactive";
}

static void status_json(const struct policy_features *f, const char *kernel, bool loaded, long sealed)
{
	char where[128];

	printf("{\"loaded\":%s,\"kernel\":", loaded ? "true" : "false");
	json_string(stdout, kernel);
	printf(",\"lsms\":[");
	for (const char *p = f->lsms; *p;) {
		size_t n = strcspn(p, ",");

		printf("%s\"%.*s\"", p == f->lsms ? "" : ",", (int)n, p);
		p += n + (p[n] == ',');
	}
	printf("],\"bpf_lsm\":%s,\"sealed_inodes\":%ld,\"hooks\":[", f->bpf_lsm ? "true" : "false",
	       sealed < 0 ? -1 : sealed);
	for (size_t i = 0; i < policy_program_count; i++) {
		const struct policy_program *p = &policy_programs[i];

		policy_program_where(p, where, sizeof(where));
		printf("%s{\"program\":\"%s\",\"hook\":\"%s\",\"kernels\":\"%s\",\"required\":%s,"
		       "\"state\":\"%s\",\"missed_runs\":%ld,\"role\":",
		       i ? "," : "", p->name, p->hook, where, p->required ? "true" : "false",
		       program_state(f, p, loaded), loaded ? policy_program_misses(p->name) : -1);
		json_string(stdout, p->role);
		printf("}");
	}
	printf("]}\n");
}

static void status_text(const struct policy_features *f, const char *kernel, bool loaded, long sealed)
{
	printf("policy:        %s\n", loaded ? "loaded" : "not loaded");
	printf("kernel:        %s\n", kernel);
	printf("lsm:           %s\n", f->lsms[0] ? f->lsms : "(securityfs not readable)");
	printf("bpf lsm:       %s\n", f->bpf_lsm ? "active" : "NOT active (add bpf to lsm= on the kernel command line)");
	if (loaded)
		printf("sealed inodes: %ld\n", sealed);
	printf("hooks:\n");
	for (size_t i = 0; i < policy_program_count; i++) {
		const struct policy_program *p = &policy_programs[i];
		long missed = loaded ? policy_program_misses(p->name) : 0;

		printf("  %-8s  %-38s  %s", program_state(f, p, loaded), p->hook, p->role);
		if (missed > 0)
			printf(" (%ld runs skipped by the kernel)", missed);
		printf("\n");
	}
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
	if (json)
		status_json(&f, uts.release, loaded, sealed);
	else
		status_text(&f, uts.release, loaded, sealed);
	return loaded ? EXIT_OK : EXIT_NOT_LOADED;
}
