/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The per-inode slots of files the kernel opened to write itself (see
 * kernel_writers_map_t in bpfseal.bpf.h): filled by file_open
 * (kernel_writers.bpf.c), read by add_seals (EBUSY while one is open).
 */
#ifndef BPFSEAL_KERNEL_WRITERS_BPF_H
#define BPFSEAL_KERNEL_WRITERS_BPF_H

#include "bpfseal.bpf.h"

/* 6.13+: the reference count is a file_ref_t; one reference reads 0, none reads negative. */
struct file___file_ref {
	struct {
		struct {
			long counter;
		} refcnt;
	} f_ref;
} __attribute__((preserve_access_index));

/* Is the file in this slot still open for writing this inode? */
static __always_inline bool slot_file_open(__u64 slot, struct inode *inode)
{
	struct file *file = (struct file *)slot;
	bool referenced;

	if (bpf_core_field_exists(struct file___file_ref, f_ref))
		referenced = BPF_CORE_READ((struct file___file_ref *)file, f_ref.refcnt.counter) >= 0;
	else
		referenced = BPF_CORE_READ(file, f_count.counter) > 0;
	return referenced && BPF_CORE_READ(file, f_inode) == inode &&
	       (BPF_CORE_READ(file, f_mode) & FMODE_WRITE);
}

static __always_inline void release_slot(__u64 *slot, __u64 file)
{
	struct policy_state *st = get_policy_state();

	if (__sync_val_compare_and_swap(slot, file, 0) == file && st)
		__sync_fetch_and_sub(&st->kernel_writer_files, 1);
}

/* Does the kernel hold the file open to write it itself? Frees the slots of closed files. */
static __always_inline bool has_kernel_writers(struct inode *inode)
{
	struct kernel_writer_files *w = bpf_inode_storage_get(&kernel_writers, inode, 0, 0);
	bool open = false;

	if (!w)
		return false;
	for (int i = 0; i < KERNEL_WRITER_SLOTS; i++) {
		__u64 file = w->file[i];

		if (!file)
			continue;
		if (slot_file_open(file, inode))
			open = true;
		else
			release_slot(&w->file[i], file);
	}
	return open;
}

#endif
