/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Keeping userfaultfd away from the read-only shmem mappings FUTURE_WRITE
 * allows: the mmap side and the UFFDIO_REGISTER side (uffd_guard.bpf.c
 * explains the mechanism).
 */
#ifndef BPFSEAL_UFFD_GUARD_BPF_H
#define BPFSEAL_UFFD_GUARD_BPF_H

#include "audit.bpf.h"

#define UFFDIO_REGISTER		0xc020aa00	/* _IOWR(0xAA, 0x00, struct uffdio_register): 32- and 64-bit */
#define ANON_INODE_FS_MAGIC	0x09041934

static __always_inline struct uffd_guard_state *uffd_state(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&uffd_guard_state, &zero);
}

/* The mm's entry, made if missing; NULL when the map is full. */
static __always_inline struct uffd_guard *uffd_guard_entry(__u64 mm)
{
	struct uffd_guard fresh = {};
	struct uffd_guard *g = bpf_map_lookup_elem(&uffd_guarded_mms, &mm);

	if (g)
		return g;
	bpf_map_update_elem(&uffd_guarded_mms, &mm, &fresh, BPF_NOEXIST);
	return bpf_map_lookup_elem(&uffd_guarded_mms, &mm);
}

/*
 * No UFFDIO_REGISTER on MM passes from now on. -EPERM when it cannot be
 * guarded, or a registration on it is in flight (it may be about to walk
 * the mapping being made). The locked or and the registration's locked add
 * are full fences: whichever comes second sees the first.
 */
static __always_inline int uffd_guard_mm(__u64 mm)
{
	struct uffd_guard_state *st = uffd_state();
	struct uffd_guard *g = uffd_guard_entry(mm);

	if (!g || !st)
		return -EPERM;
	if (!(__sync_fetch_and_or(&g->guarded, 1) & 1))
		__sync_fetch_and_add(&st->guarded_mms, 1);
	return *(volatile __u32 *)&g->registering ? -EPERM : 0;
}

static __always_inline __u64 current_mm(void)
{
	return (__u64)BPF_CORE_READ(bpf_get_current_task_btf(), mm);
}

/* A userfaultfd: an anonymous inode named so (its private_data is then a userfaultfd_ctx). */
static __always_inline bool is_userfaultfd(struct file *file)
{
	static const char want[] = "[userfaultfd]";
	char name[sizeof(want)] = {};

	if (BPF_CORE_READ(file, f_inode, i_sb, s_magic) != ANON_INODE_FS_MAGIC)
		return false;
	if (bpf_probe_read_kernel_str(name, sizeof(name), BPF_CORE_READ(file, f_path.dentry, d_name.name)) !=
	    sizeof(name))
		return false;
	for (int i = 0; i < (int)sizeof(want); i++)
		if (name[i] != want[i])
			return false;
	return true;
}

/* The mm a userfaultfd registers ranges of: its creator's, wherever the fd went since. */
static __always_inline __u64 userfaultfd_mm(struct file *file)
{
	struct userfaultfd_ctx *ctx = BPF_CORE_READ(file, private_data);

	return (__u64)BPF_CORE_READ(ctx, mm);
}

/*
 * A UFFDIO_REGISTER about to run: refused on a guarded mm (and on every mm
 * once one could not be guarded); otherwise counted in flight until
 * userfaultfd_ioctl returns (end_uffd_register).
 */
static __always_inline int uffd_register_begin(struct file *file, unsigned int cmd)
{
	struct uffd_guard_state *st;
	struct uffd_guard *g;

	if (cmd != UFFDIO_REGISTER || !is_userfaultfd(file))
		return 0;
	st = uffd_state();
	g = uffd_guard_entry(userfaultfd_mm(file));
	if (!st || !g)
		return -EPERM;
	__sync_fetch_and_add(&g->registering, 1);
	if (*(volatile __u32 *)&g->guarded || *(volatile __u32 *)&st->overflow) {
		__sync_fetch_and_sub(&g->registering, 1);
		audit_denied_file(file, BPFSEAL_OP_IOCTL, BPFSEAL_SEAL_FUTURE_WRITE, BPFSEAL_SEAL_FUTURE_WRITE, EPERM,
				  cmd, BPFSEAL_REASON_NONE);
		return -EPERM;
	}
	return 0;
}

#endif
