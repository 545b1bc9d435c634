// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* sealctl load | unload | status */
#include <errno.h>
#include <stdlib.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "audit.h"
#include "persist.h"
#include "policy.h"
#include "sealctl.h"
#include "text.h"


/* The state file's records, without those whose inode is gone. */
static int load_persisted(struct persisted **records, size_t *n, char *err, size_t errlen)
{
	bool rewrite;
	long dropped;

	if (persist_read(BPFSEAL_STATE_FILE, records, n, &rewrite, err, errlen))
		return -1;
	dropped = persist_compact(BPFSEAL_STATE_FILE, *records, n, rewrite, err, errlen);
	if (dropped < 0) {
		free(*records);
		return -1;
	}
	if (dropped)
		fprintf(stderr, "sealctl: load: %ld persisted seal%s dropped: the file%s deleted\n", dropped,
			dropped == 1 ? "" : "s", dropped == 1 ? " was" : "s were");
	return 0;
}

/* The options and the configuration file into *config: 0, or -1 with the exit code in *rc. */
static int load_options(int argc, char **argv, struct bpfseal_config *config, int *rc)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "capacity", required_argument, NULL, 'c' },
		{ "locked", no_argument, NULL, 'l' },
		{ 0 },
	};
	const char *capacity = NULL;
	char err[512] = "";
	bool locked = false;
	int c;

	*rc = EXIT_USAGE;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'h') {
			sealctl_usage(stdout, "load");
			*rc = EXIT_OK;
			return -1;
		} else if (c == 'c') {
			capacity = optarg;
		} else if (c == 'l') {
			locked = true;
		} else {
			sealctl_usage(stderr, "load");
			return -1;
		}
	}
	if (optind != argc) {
		sealctl_error("load: unexpected argument '%s'", argv[optind]);
		return -1;
	}
	if (config_read(BPFSEAL_CONF, config, err, sizeof(err))) {
		sealctl_error("load: %s", err);
		return -1;
	}
	if (capacity && config_parse_capacity(capacity, &config->capacity, err, sizeof(err))) {
		sealctl_error("load: --%s", err);
		return -1;
	}
	config->locked |= locked;
	return 0;
}

/* Load the policy; a fresh one starts with the persisted records (*persisted). 0, or -1 having said why. */
static int load_policy(const struct bpfseal_config *config, bool fresh, struct persisted **persisted, size_t *n)
{
	struct policy_record *records;
	char err[512] = "";
	int ret;

	if (fresh && load_persisted(persisted, n, err, sizeof(err))) {
		sealctl_error("load: %s", err);
		return -1;
	}
	records = calloc(*n ? *n : 1, sizeof(*records));
	if (!records) {
		sealctl_error("load: out of memory for %zu persisted records", *n);
		return -1;
	}
	for (size_t i = 0; i < *n; i++)
		records[i] = (struct policy_record){ (*persisted)[i].id, (*persisted)[i].seals };
	ret = policy_load(config, records, *n, err, sizeof(err));
	free(records);
	if (ret)
		sealctl_error("load: %s", err);
	return ret ? -1 : 0;
}

int cmd_load(int argc, char **argv)
{
	struct bpfseal_config config = {};
	struct persisted *persisted = NULL;
	char err[512] = "";
	size_t n = 0;
	bool fresh;
	int rc;

	if (load_options(argc, argv, &config, &rc))
		return rc;
	if (geteuid() != 0) {
		sealctl_error("load: loading a BPF LSM policy needs root (CAP_BPF, CAP_SYS_ADMIN, CAP_MAC_ADMIN)");
		return EXIT_REFUSED;
	}
	fresh = !policy_maps_pinned();
	if (load_policy(&config, fresh, &persisted, &n)) {
		free(persisted);
		return EXIT_REFUSED;
	}
	audit_note(BPFSEAL_OP_LOAD, fresh);
	if (config.locked)
		audit_note(BPFSEAL_OP_LOCK, 0);
	/* Inodes already in memory missed their lookup: restore them now. */
	if (fresh && n)
		persist_restore_in_memory(persisted, n);
	free(persisted);
	if (persist_protect(BPFSEAL_STATE_FILE, err, sizeof(err)))
		fprintf(stderr, "sealctl: load: warning: persisted seals are not protected: %s\n", err);
	printf("bpfseal: policy loaded and pinned under %s", BPFSEAL_PIN_DIR);
	if (fresh && n)
		printf("; %zu persisted seal record%s restored", n, n == 1 ? "" : "s");
	if (config.locked)
		printf("; locked until reboot");
	printf("\n");
	return EXIT_OK;
}

int cmd_unload(int argc, char **argv)
{
	struct bpfseal_policy_state st = {};
	bool force = false;
	char err[512] = "";
	long long sealed;
	int rc;

	if (sealctl_parse_flags(argc, argv, "unload", NULL, &force, OPERANDS_NONE, &rc) < 0)
		return rc;
	if (!policy_loaded() && access("/sys/fs/bpf/bpfseal", F_OK)) {
		printf("bpfseal: policy not loaded; nothing to do\n");
		return EXIT_OK;
	}
	if (policy_locked()) {
		sealctl_error("unload: the policy is locked until reboot (sealctl load --locked): nobody, root "
			      "included, can unload it before then");
		return EXIT_REFUSED;
	}
	policy_state_read(&st);
	sealed = st.sealed_in_memory + st.records_evicted;
	if (sealed > 0 && !force) {
		sealctl_error("unload: %lld inode%s sealed; unloading stops enforcing %s seals "
			      "(they cannot be restored). Use --force to do it anyway",
			      sealed, sealed == 1 ? " is" : "s are", sealed == 1 ? "its" : "their");
		return EXIT_REFUSED;
	}
	/* Before the first pin goes: the unload cannot be undone from there on. */
	audit_note(BPFSEAL_OP_UNLOAD, 0);
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

static void status_json(const struct policy_features *f, const char *kernel, bool loaded,
			const struct bpfseal_policy_state *st)
{
	unsigned int capacity = 0, listing_capacity = 0;
	long long memory = -1, listing_memory = -1;
	int consumers = loaded ? audit_consumer_count() : 0;
	char where[128];

	if (loaded) {
		policy_map_usage("records", &capacity, &memory);
		policy_map_usage("sealed_inodes", &listing_capacity, &listing_memory);
	}
	printf("{\"loaded\":%s,\"kernel\":", loaded ? "true" : "false");
	json_string(stdout, kernel);
	lsm_status_json(stdout, f->lsms);
	printf(",\"bpf_lsm\":%s,\"locked\":%s", f->bpf_lsm ? "true" : "false", st->locked ? "true" : "false");
	if (loaded)
		printf(",\"sealed_inodes\":%lld,\"sealed_in_memory\":%lld,\"records\":{\"count\":%lld,"
		       "\"evicted\":%lld,\"persisted\":%lld,\"capacity\":%u,\"memory_bytes\":%lld,"
		       "\"refused_full\":%lld,\"restore_failures\":%lld},\"sealed_in_memory_capacity\":%u",
		       st->sealed_in_memory + st->records_evicted, st->sealed_in_memory, st->records,
		       st->records_evicted, st->records_persisted, capacity, memory, st->seals_refused_full,
		       st->restore_failures, listing_capacity);
	if (loaded)
		printf(",\"denials\":%lld,\"seal_requests_refused\":%lld,\"audit\":{\"consumers\":%d,"
		       "\"records\":%lld,\"records_dropped\":%lld}",
		       st->denials, st->seal_requests_refused, consumers > 0 ? consumers : 0, st->audit_records,
		       st->audit_dropped);
	printf(",\"hooks\":[");
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

static void status_text(const struct policy_features *f, const char *kernel, bool loaded,
			const struct bpfseal_policy_state *st)
{
	unsigned int capacity = 0;
	long long memory = -1;
	int consumers;

	if (loaded)
		policy_map_usage("records", &capacity, &memory);

	printf("policy:        %s\n", loaded ? "loaded" : "not loaded");
	printf("kernel:        %s\n", kernel);
	lsm_status_text(stdout, f->lsms);
	if (loaded)
		printf("locked:        %s\n", st->locked ? "yes, until reboot" : "no");
	if (loaded) {
		printf("sealed inodes: %lld (%lld in memory, %lld evicted and kept by their records)\n",
		       st->sealed_in_memory + st->records_evicted, st->sealed_in_memory, st->records_evicted);
		printf("records:       %lld of %u (%lld persisted across reboots)", st->records, capacity,
		       st->records_persisted);
		if (memory >= 0)
			printf(", %.1f MiB", memory / 1048576.0);
		printf("\n");
		if (st->seals_refused_full)
			printf("refused:       %lld seals, for lack of room\n", st->seals_refused_full);
		if (st->restore_failures)
			printf("restores:      %lld inodes came back without room for their seals; "
			       "path hooks restore them\n", st->restore_failures);
		printf("refusals:      %lld operations denied, %lld seal requests refused since the policy "
		       "was loaded\n", st->denials, st->seal_requests_refused);
		consumers = audit_consumer_count();
		printf("audit:         %d consumer%s attached, %lld records dropped (a consumer's buffer was full)\n",
		       consumers > 0 ? consumers : 0, consumers == 1 ? "" : "s", st->audit_dropped);
	}
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
	struct bpfseal_policy_state st = {};
	bool json = false, loaded;
	char err[512] = "";
	int rc;

	if (sealctl_parse_flags(argc, argv, "status", &json, NULL, OPERANDS_NONE, &rc) < 0)
		return rc;
	if (policy_probe(&f, err, sizeof(err))) {
		sealctl_error("status: %s", err);
		return EXIT_REFUSED;
	}
	uname(&uts);
	loaded = policy_loaded();
	if (loaded && policy_state_read(&st))
		sealctl_error("status: cannot read the policy's counts: %s", strerror(errno));
	if (json)
		status_json(&f, uts.release, loaded, &st);
	else
		status_text(&f, uts.release, loaded, &st);
	return loaded ? EXIT_OK : EXIT_NOT_LOADED;
}
