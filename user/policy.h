/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Loading, probing, pinning and unloading the BPF policy. */
#ifndef BPFSEAL_POLICY_H
#define BPFSEAL_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "bpfseal_abi.h"
#include "config.h"
#include "programs.h"

struct policy_features {
	char lsms[256];		/* /sys/kernel/security/lsm: the active LSMs */
	bool bpf_lsm;		/* "bpf" among them */
	unsigned int present;	/* FEATURE() bits */
};

/* Fill *f from the running kernel's BTF and securityfs. */
int policy_probe(struct policy_features *f, char *err, size_t errlen);

/* A seal record a fresh policy starts with (persisted seals: user/persist.c). */
struct policy_record {
	struct bpfseal_identity id;
	unsigned int seals;
};

/* Are the maps pinned, so a load re-uses them (and the records they hold)? */
bool policy_maps_pinned(void);

/*
 * Load, attach and pin. Re-uses pinned maps, so seals survive a reload or
 * an upgrade; replaces pinned links without a gap. Maps made afresh start
 * with `records` (persisted) before they are frozen. 0 or -errno, with a
 * one-line reason in err.
 */
int policy_load(const struct bpfseal_config *config, const struct policy_record *records, size_t n_records,
		char *err, size_t errlen);

/* Detach and unpin everything, and wait until no program of the policy is attached: seals then stop being enforced. */
int policy_unload(char *err, size_t errlen);

/* Is the policy loaded (seal map and links pinned)? */
bool policy_loaded(void);

/* Is it locked until reboot? */
bool policy_locked(void);

/* Is the link for this program pinned? */
bool policy_link_pinned(const char *name);

/*
 * Runs of a tracing program the kernel skipped (recursion on one CPU), or
 * -1. A missed fentry means missing facts, which the policy treats as
 * "deny"; status shows the count.
 */
long policy_program_misses(const char *name);

/* The policy's counts (its policy_state map): 0 or -errno. */
int policy_state_read(struct bpfseal_policy_state *out);

/*
 * A pinned map's capacity (max_entries) and the kernel memory it takes now
 * (its fdinfo's memlock), or -errno.
 */
int policy_map_usage(const char *map, unsigned int *capacity, long long *bytes);

#endif
