// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The program table: every program of the policy, the hook it attaches to,
 * what it enforces and the kernel features it needs. Loading, `sealctl
 * status`, bpf/README.md and the unit tests all read it; nothing here
 * touches the kernel.
 */
#include <stdio.h>
#include <string.h>

#include "programs.h"

#define F FEATURE

const struct policy_feature_info policy_feature_info[FEATURE_COUNT] = {
	[FEATURE_SETATTR_IDMAP] = { "bpf_lsm_inode_setattr(idmap, dentry, attr)", "6.9+", "before 6.9" },
	[FEATURE_SET_ACL] = { "bpf_lsm_inode_set_acl", "6.2+", "6.1" },
	[FEATURE_RW_VERIFY_AREA] = { "rw_verify_area", "every kernel", "none" },
	[FEATURE_VFS_FALLOCATE] = { "vfs_fallocate", "every kernel", "none" },
	[FEATURE_REMAP_VERIFY_AREA] = { "remap_verify_area", "6.12+", "6.1" },
	[FEATURE_CLONE_AND_DEDUPE] = { "do_clone_file_range, vfs_dedupe_file_range_one", "6.1", "6.12+" },
	[FEATURE_XATTR_SKIPCAP] = { "bpf_lsm_inode_xattr_skipcap", "6.10+", "before 6.10" },
	[FEATURE_VM_MMAP_PGOFF] = { "vm_mmap_pgoff", "every kernel", "none" },
	[FEATURE_INODE_FREE] = { "bpf_lsm_inode_free_security", "every kernel", "none" },
	[FEATURE_IOCTL_COMPAT] = { "bpf_lsm_file_ioctl_compat", "6.8+ and stable backports", "6.1" },
	[FEATURE_DUMP_EMIT] = { "dump_emit", "every kernel", "none" },
	[FEATURE_DO_COREDUMP] = { "do_coredump", "6.1, 6.12", "7.x" },
	[FEATURE_VFS_COREDUMP] = { "vfs_coredump", "7.x", "6.1, 6.12" },
	[FEATURE_REFLINK_CHECK] = { "remap_verify_area or do_clone_file_range", "every kernel", "none" },
	[FEATURE_CORE_DUMP_END] = { "do_coredump or vfs_coredump", "every kernel", "none" },
	[FEATURE_BPF_KERNEL_ARG] = { "bpf_lsm_bpf(cmd, attr, size, kernel)", "6.15+", "before 6.15" },
	[FEATURE_LOCKED_MODE] = { "sealctl load --locked", "locked mode", "unlocked" },
};

#define PROGRAM(n, h, r, req, ...) { .name = (n), .hook = (h), .role = (r), .required = (req), __VA_ARGS__ }

const struct policy_program policy_programs[] = {
	PROGRAM("check_write", "lsm/file_permission", "content writes; GROW/SHRINK on writes and fallocate", true),
	PROGRAM("stash_rw_facts", "fentry/rw_verify_area", "write offset, length, append (GROW precision)", false,
		.needs = F(FEATURE_RW_VERIFY_AREA) | F(FEATURE_REFLINK_CHECK)),
	PROGRAM("stash_fallocate_facts", "fentry/vfs_fallocate", "fallocate mode, offset, length", false,
		.needs = F(FEATURE_VFS_FALLOCATE) | F(FEATURE_REFLINK_CHECK)),
	PROGRAM("forget_facts_remap", "fentry/remap_verify_area", "reflinks never judged on write facts", true,
		.needs = F(FEATURE_REMAP_VERIFY_AREA)),
	PROGRAM("forget_facts_clone", "fentry/do_clone_file_range", "reflinks never judged on write facts", true,
		.needs = F(FEATURE_CLONE_AND_DEDUPE), .excludes = F(FEATURE_REMAP_VERIFY_AREA)),
	PROGRAM("forget_facts_dedupe", "fentry/vfs_dedupe_file_range_one", "dedupe never judged on write facts", true,
		.needs = F(FEATURE_CLONE_AND_DEDUPE), .excludes = F(FEATURE_REMAP_VERIFY_AREA)),
	PROGRAM("check_setattr", "lsm/inode_setattr", "truncate SHRINK/GROW, chmod EXEC", true,
		.needs = F(FEATURE_SETATTR_IDMAP)),
	PROGRAM("check_setattr_noidmap", "lsm/inode_setattr", "truncate SHRINK/GROW, chmod EXEC", true,
		.excludes = F(FEATURE_SETATTR_IDMAP)),
	PROGRAM("check_set_acl", "lsm/inode_set_acl", "ACL changes of x bits (EXEC)", true,
		.needs = F(FEATURE_SET_ACL)),
	PROGRAM("check_setxattr", "lsm/inode_setxattr", "ACL changes of x bits (EXEC, 6.1); the fence xattr", true,
		.excludes = F(FEATURE_XATTR_SKIPCAP)),
	PROGRAM("check_write_locked", "fmod_ret/security_inode_need_killpriv", "writes already past the LSM when a fenced seal goes in", true),
	PROGRAM("skipcap_fence", "lsm/inode_xattr_skipcap", "the fence xattr needs no CAP_SYS_ADMIN", true,
		.needs = F(FEATURE_XATTR_SKIPCAP)),
	PROGRAM("guard_fence_xattr", "lsm/inode_setxattr", "the fence xattr: one use, by the owner", true,
		.needs = F(FEATURE_XATTR_SKIPCAP)),
	PROGRAM("check_mmap", "lsm/mmap_file", "shared writable mappings", true),
	PROGRAM("check_mprotect", "lsm/file_mprotect", "mprotect to PROT_WRITE", true),
	PROGRAM("track_mmap_start", "fentry/vm_mmap_pgoff", "mappings in flight (WRITE vs mmap race)", true,
		.needs = F(FEATURE_VM_MMAP_PGOFF)),
	PROGRAM("track_mmap_end", "fexit/vm_mmap_pgoff", "mappings in flight (WRITE vs mmap race)", true,
		.needs = F(FEATURE_VM_MMAP_PGOFF)),
	PROGRAM("add_seals", "lsm/file_fcntl", "adding seals (memfd rules)", true),
	PROGRAM("answer_get_seals", "fmod_ret/security_file_fcntl", "plain fcntl(F_GET_SEALS) answers bpfseal's seals", true),
	PROGRAM("check_ioctl", "lsm/file_ioctl", "extent-swapping, trimming and loop-device ioctls", true),
	PROGRAM("check_ioctl_compat", "lsm/file_ioctl_compat", "the same ioctls from 32-bit callers", true,
		.needs = F(FEATURE_IOCTL_COMPAT)),
	PROGRAM("check_quota_on", "lsm/quota_on", "sealed files as quota files", true),
	PROGRAM("check_kernel_writer_open", "lsm/file_open", "write-opens of sealed files by the kernel (swap, acct, core dumps, nfsd, overlayfs...)", true),
	PROGRAM("note_core_dump", "fentry/dump_emit", "core dumps in progress (sealing their file: EBUSY)", false,
		.needs = F(FEATURE_DUMP_EMIT) | F(FEATURE_CORE_DUMP_END)),
	PROGRAM("end_core_dump", "fexit/do_coredump", "core dumps in progress", false,
		.needs = F(FEATURE_DUMP_EMIT) | F(FEATURE_DO_COREDUMP)),
	PROGRAM("end_core_dump_renamed", "fexit/vfs_coredump", "core dumps in progress", false,
		.needs = F(FEATURE_DUMP_EMIT) | F(FEATURE_VFS_COREDUMP)),
	PROGRAM("check_unlink", "lsm/inode_unlink", "NAME: no name removed", true),
	PROGRAM("check_rename", "lsm/inode_rename", "NAME: no name renamed away or replaced", true),
	PROGRAM("check_link", "lsm/inode_link", "NAME: no name added", true),
	PROGRAM("lock_policy", "lsm/file_fcntl", "locked mode: the one-way lock request", true,
		.needs = F(FEATURE_LOCKED_MODE)),
	PROGRAM("lock_pins", "lsm/inode_permission", "locked mode: pins read-only, map pins only", true,
		.needs = F(FEATURE_LOCKED_MODE)),
	PROGRAM("lock_umount", "lsm/sb_umount", "locked mode: pin mounts and those above stay", true,
		.needs = F(FEATURE_LOCKED_MODE)),
	PROGRAM("lock_mount", "lsm/sb_mount", "locked mode: nothing mounted over the pins; no MS_MOVE", true,
		.needs = F(FEATURE_LOCKED_MODE)),
	PROGRAM("lock_move_mount", "lsm/move_mount", "locked mode: pin mounts not moved or covered", true,
		.needs = F(FEATURE_LOCKED_MODE)),
	PROGRAM("lock_maps", "lsm/bpf_map", "locked mode: no writable descriptor to the policy's maps", true,
		.needs = F(FEATURE_LOCKED_MODE)),
	PROGRAM("lock_progs", "lsm/bpf_prog", "locked mode: no descriptor to the policy's programs", true,
		.needs = F(FEATURE_LOCKED_MODE)),
	PROGRAM("lock_bpf", "lsm/bpf", "locked mode: its links, and programs that could change a verdict", true,
		.needs = F(FEATURE_LOCKED_MODE), .excludes = F(FEATURE_BPF_KERNEL_ARG)),
	PROGRAM("lock_bpf_kernel_arg", "lsm/bpf", "locked mode: its links, and programs that could change a verdict",
		true, .needs = F(FEATURE_LOCKED_MODE) | F(FEATURE_BPF_KERNEL_ARG)),
	PROGRAM("lock_kernel", "lsm/locked_down", "locked mode: lockdown's integrity reasons refused", true,
		.needs = F(FEATURE_LOCKED_MODE)),
	PROGRAM("restore_seals", "lsm/d_instantiate", "seals back from their record when an evicted inode returns", true),
	PROGRAM("forget_inode", "lsm/inode_free_security", "records kept across eviction, dropped with the last link", true,
		.needs = F(FEATURE_INODE_FREE)),
};
const size_t policy_program_count = sizeof(policy_programs) / sizeof(policy_programs[0]);

const struct policy_shared_hook policy_shared_hooks[] = {
	{ "lsm/file_fcntl", { "add_seals", "lock_policy" },
	  "each takes only its own commands (add_seals: BPFSEAL_F_ADD_SEALS, RESTORE_SEALS and AUDIT_NOTE; "
	  "lock_policy: BPFSEAL_F_LOCK_POLICY) and passes any other, or a refusal made before it, on "
	  "unchanged: either order gives every command the same answer" },
};
const size_t policy_shared_hook_count = sizeof(policy_shared_hooks) / sizeof(policy_shared_hooks[0]);

bool policy_program_wanted(const struct policy_program *p, unsigned int present)
{
	return (present & p->needs) == p->needs && !(present & p->excludes);
}

const struct policy_program *policy_program_find(const char *name)
{
	for (size_t i = 0; i < policy_program_count; i++)
		if (!strcmp(policy_programs[i].name, name))
			return &policy_programs[i];
	return NULL;
}

/* Add "; text" to a list of conditions, once. */
static void add_condition(char *buf, size_t len, const char *text)
{
	size_t used = strlen(buf), n = strlen(text);

	for (const char *p = buf; (p = strstr(p, text)); p += n)
		if ((p == buf || p[-1] == ' ') && (p[n] == ';' || !p[n]))
			return;
	snprintf(buf + used, len > used ? len - used : 0, "%s%s", used ? "; " : "", text);
}

void policy_program_where(const struct policy_program *p, char *buf, size_t len)
{
	buf[0] = '\0';
	for (int f = 0; f < FEATURE_COUNT; f++) {
		const struct policy_feature_info *info = &policy_feature_info[f];

		if ((p->needs & F(f)) && strcmp(info->present, "every kernel"))
			add_condition(buf, len, info->present);
		if (p->excludes & F(f))
			add_condition(buf, len, info->absent);
	}
	if (!buf[0])
		snprintf(buf, len, "every kernel");
}

void policy_programs_markdown(FILE *f)
{
	char where[128];

	fprintf(f, "| program | hook | runs on | if it cannot attach | role |\n");
	fprintf(f, "|---|---|---|---|---|\n");
	for (size_t i = 0; i < policy_program_count; i++) {
		const struct policy_program *p = &policy_programs[i];

		policy_program_where(p, where, sizeof(where));
		fprintf(f, "| `%s` | `%s` | %s | %s | %s |\n", p->name, p->hook, where,
			p->required ? "load fails" : "reported inactive", p->role);
	}
	fprintf(f, "\nHooks where one kernel runs several of them (the loader attaches them in this order; "
		   "the kernel runs the last attached first):\n\n");
	fprintf(f, "| hook | programs, in attach order | why the order does not matter |\n");
	fprintf(f, "|---|---|---|\n");
	for (size_t i = 0; i < policy_shared_hook_count; i++) {
		const struct policy_shared_hook *h = &policy_shared_hooks[i];

		fprintf(f, "| `%s` |", h->hook);
		for (size_t j = 0; j < SHARED_HOOK_PROGRAMS_MAX && h->programs[j]; j++)
			fprintf(f, "%s`%s`", j ? ", " : " ", h->programs[j]);
		fprintf(f, " | %s |\n", h->why);
	}
}
