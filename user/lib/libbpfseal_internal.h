/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What sealctl uses of libbpfseal beyond the public API (not exported from
 * the shared library: sealctl links the static one).
 */
#ifndef BPFSEAL_LIBBPFSEAL_INTERNAL_H
#define BPFSEAL_LIBBPFSEAL_INTERNAL_H

#include "bpfseal_abi.h"

/* bpfseal_add_seals() with request flags (BPFSEAL_ADD_PERSIST). */
int bpfseal__add_seals(int fd, unsigned int seals, unsigned int flags);

/* The policy's value for fd's inode: 1 found, 0 none, -1 with errno. */
int bpfseal__inode_value(int fd, struct bpfseal_inode *out);

#endif
