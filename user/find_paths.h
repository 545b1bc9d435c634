/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* From (device, inode number) back to a path, for `sealctl list`. */
#ifndef BPFSEAL_FIND_PATHS_H
#define BPFSEAL_FIND_PATHS_H

#include <stddef.h>

struct inode_ref {
	unsigned int major, minor;
	unsigned long long ino;
	char *path;		/* found path (malloc'd), or NULL */
};

/*
 * Walk the mount of each device (without crossing into other mounts) and
 * fill in a path for every inode that still has a name. Unlinked files and
 * devices that are not mounted keep path NULL.
 */
void find_paths(struct inode_ref *refs, size_t n);

#endif
