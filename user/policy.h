/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Loading, probing, pinning and unloading the BPF policy. */
#ifndef BPFSEAL_POLICY_H
#define BPFSEAL_POLICY_H

#include <stdbool.h>
#include <stddef.h>

/* One BPF program of the policy, as `sealctl status` reports it. */
struct policy_program {
	const char *name;	/* program (and link pin) name */
	const char *hook;	/* what it attaches to */
	const char *role;	/* what it enforces */
	bool required;		/* the policy refuses to load without it */
};

extern const struct policy_program policy_programs[];
extern const size_t policy_program_count;

struct policy_features {
	bool bpf_lsm;		/* "bpf" in /sys/kernel/security/lsm */
	bool setattr_idmap;	/* inode_setattr has the 6.9+ prototype */
	bool set_acl;		/* inode_set_acl hook exists (6.2+) */
	bool rw_verify_area;	/* fentry target for write facts */
	bool vfs_fallocate;	/* fentry target for fallocate facts */
	bool remap_verify_area;	/* 6.12+: the reflink check is a function of its own */
	bool clone_and_dedupe;	/* 6.1: the functions it is inlined into */
	bool xattr_skipcap;	/* 6.10+: LSMs say which security.* names skip CAP_SYS_ADMIN */
	bool vm_mmap_pgoff;	/* fentry target for in-flight mmaps */
	bool inode_free;	/* inode_free_security hook for the listing */
	bool ioctl_compat;	/* file_ioctl_compat hook (6.8+, stable backports) */
	bool dump_emit;		/* fentry target: a core dump's writes */
	bool do_coredump;	/* fexit target: the end of a core dump (6.1, 6.12) */
	bool vfs_coredump;	/* the same, renamed later (7.x) */
};

/* Fill *f from the running kernel's BTF and securityfs. */
int policy_probe(struct policy_features *f, char *err, size_t errlen);

/* Is this program used on this kernel? */
bool policy_program_wanted(const struct policy_features *f, const char *name);

/*
 * Load, attach and pin. Re-uses pinned maps, so seals survive a reload or
 * an upgrade; replaces pinned links without a gap. 0 or -errno, with a
 * one-line reason in err.
 */
int policy_load(char *err, size_t errlen);

/* Detach and unpin everything. Seals stop being enforced. */
int policy_unload(char *err, size_t errlen);

/* Is the policy loaded (seal map and links pinned)? */
bool policy_loaded(void);

/* Is the link for this program pinned? */
bool policy_link_pinned(const char *name);

/*
 * Runs of a tracing program the kernel skipped (recursion on one CPU), or
 * -1. A missed fentry means missing facts, which the policy treats as
 * "deny"; status shows the count.
 */
long policy_program_misses(const char *name);

/* Number of sealed inodes (listing map), or -errno. */
long policy_sealed_count(void);

#endif
