/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The program table (user/programs.c) and the kernel features it names. */
#ifndef BPFSEAL_PROGRAMS_H
#define BPFSEAL_PROGRAMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

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

/*
 * A hook where one kernel runs more than one program of the table: them in
 * the order the loader attaches them (the skeleton's order, which is the
 * link order of the bpf/ files; the trampoline then runs the last attached
 * first, each program seeing the answer so far as `ret`), and why that
 * order cannot change an answer. tests/unit/programs_test.c holds every
 * such hook to this list and the list to the skeleton's order.
 */
#define SHARED_HOOK_PROGRAMS_MAX 4
struct policy_shared_hook {
	const char *hook;
	const char *programs[SHARED_HOOK_PROGRAMS_MAX];	/* in attach order; NULL ends */
	const char *why;
};

extern const struct policy_shared_hook policy_shared_hooks[];
extern const size_t policy_shared_hook_count;

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

#endif
