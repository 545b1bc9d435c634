/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* overlayfs: the seals of the real file behind an overlay file. */
#ifndef BPFSEAL_OVERLAY_BPF_H
#define BPFSEAL_OVERLAY_BPF_H

#include "seal_lookup.bpf.h"

#define OVERLAYFS_SUPER_MAGIC	0x794c7630

/*
 * The seals of the real (upper or lower) file behind an overlayfs file, 0
 * for any other file. overlayfs writes the real file itself for splice and
 * sendfile (->write_iter, no check on the real file) and, on 6.1, maps it
 * for mmap: a descriptor opened on the overlay before the real file was
 * sealed must obey the seal too. private_data is the real struct file up
 * to 6.12, and since 6.13 a struct ovl_file whose first two fields are the
 * real and the upper file. Both readings are tried rather than trusting a
 * version number (release candidates such as "7.3-cloud-amd64" carry none
 * libbpf can parse): the pointers come from the listing, which holds only
 * sealed inodes, so the reading that does not apply finds nothing.
 */
static __always_inline __u32 overlay_real_seals(struct file *file)
{
	struct file *real[3] = {};
	void *priv;
	__u32 seals = 0;

	if (file->f_inode->i_sb->s_magic != OVERLAYFS_SUPER_MAGIC)
		return 0;
	priv = file->private_data;
	real[0] = priv;
	bpf_probe_read_kernel(&real[1], 2 * sizeof(real[1]), priv);
	for (int i = 0; i < 3; i++)
		seals |= listed_file_seals(real[i]);
	return seals;
}

#endif
