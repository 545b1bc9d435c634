/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Loading, probing, pinning and unloading the BPF policy. */
#ifndef BPFSEAL_POLICY_H
#define BPFSEAL_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "bpfseal_abi.h"
#include "config.h"

/*
 * What the running kernel offers that some program needs (or must not have):
 * each is one function or LSM hook in its BTF, probed at load.
 */
enum policy_feature {
	FEATURE_SETATTR_IDMAP,		/* inode_setattr takes a mnt_idmap first (6.9+) */
	FEATURE_SET_ACL,		/* inode_set_acl hook (6.2+) */
	FEATURE_RW_VERIFY_AREA,		/* fentry target for write facts */
	FEATURE_VFS_FALLOCATE,		/* fentry target for fallocate facts */
	FEATURE_REMAP_VERIFY_AREA,	/* the reflink check is its own function (6.12+) */
	FEATURE_CLONE_AND_DEDUPE,	/* the functions 6.1 inlines it into */
	FEATURE_XATTR_SKIPCAP,		/* LSMs say which security.* names skip CAP_SYS_ADMIN (6.10+) */
	FEATURE_VM_MMAP_PGOFF,		/* fentry target for mmaps in flight */
	FEATURE_INODE_FREE,		/* inode_free_security hook */
	FEATURE_IOCTL_COMPAT,		/* file_ioctl_compat hook (6.8+, stable backports) */
	FEATURE_DUMP_EMIT,		/* fentry target: a core dump's writes */
	FEATURE_DO_COREDUMP,		/* fexit target: the end of a core dump (6.1, 6.12) */
	FEATURE_VFS_COREDUMP,		/* the same, renamed (7.x) */
	/* Derived: one of the above is there. */
	FEATURE_REFLINK_CHECK,		/* REMAP_VERIFY_AREA or CLONE_AND_DEDUPE: facts can be forgotten */
	FEATURE_CORE_DUMP_END,		/* DO_COREDUMP or VFS_COREDUMP */
	FEATURE_BPF_KERNEL_ARG,		/* the bpf LSM hook takes a 4th argument, `kernel` (6.15+) */
	/* Not the kernel's: the load asked for locked mode (bpf/lock.bpf.c). */
	FEATURE_LOCKED_MODE,
	FEATURE_COUNT
};

#define FEATURE(f) (1u << (f))

/* How `sealctl status` and bpf/README.md name a feature, and where it is. */
struct policy_feature_info {
	const char *name;	/* the BTF function probed */
	const char *present;	/* which kernels have it, e.g. "6.9+" */
	const char *absent;	/* which lack it */
};

extern const struct policy_feature_info policy_feature_info[FEATURE_COUNT];

/*
 * One BPF program of the policy: the one table that drives loading,
 * `sealctl status` and the program table in bpf/README.md (a unit test ties
 * it to the skeleton and to the README).
 */
struct policy_program {
	const char *name;	/* program (and link pin) name */
	const char *hook;	/* its ELF section: what it attaches to */
	const char *role;	/* what it enforces */
	bool required;		/* the policy refuses to load without it, where it is wanted */
	unsigned int needs;	/* FEATURE() bits that must all be present */
	unsigned int excludes;	/* FEATURE() bits that must all be absent */
};

extern const struct policy_program policy_programs[];
extern const size_t policy_program_count;

struct policy_features {
	char lsms[256];		/* /sys/kernel/security/lsm: the active LSMs */
	bool bpf_lsm;		/* "bpf" among them */
	unsigned int present;	/* FEATURE() bits */
};

/* Fill *f from the running kernel's BTF and securityfs. */
int policy_probe(struct policy_features *f, char *err, size_t errlen);

/* Is this program used on a kernel with these features? */
bool policy_program_wanted(const struct policy_program *p, unsigned int present);

/* The table entry of a program, or NULL. */
const struct policy_program *policy_program_find(const char *name);

/*
 * The program table as the markdown section of bpf/README.md (between its
 * "programs:begin" and "programs:end" markers; tests/unit/programs_test.c
 * compares them).
 */
void policy_programs_markdown(FILE *f);

/* Where a program runs ("6.9+", "6.1", "every kernel"), from the features it needs. */
void policy_program_where(const struct policy_program *p, char *buf, size_t len);

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
