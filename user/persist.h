/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Seals kept across reboots (sealctl add --persist): the state file, one
 * record per line, appended to and never rewritten while the policy is
 * loaded. The design: persist.c.
 */
#ifndef BPFSEAL_PERSIST_H
#define BPFSEAL_PERSIST_H

#include <stdbool.h>
#include <stddef.h>

#include "bpfseal_abi.h"

#define BPFSEAL_STATE_DIR	"/var/lib/bpfseal"
#define BPFSEAL_STATE_FILE	BPFSEAL_STATE_DIR "/persisted"

#define PERSIST_HANDLE_MAX	128	/* MAX_HANDLE_SZ */

struct persisted {
	struct bpfseal_identity id;
	unsigned int seals;
	int handle_type;
	unsigned int handle_bytes;
	unsigned char handle[PERSIST_HANDLE_MAX];
	char path[4096];	/* where it was when persisted, for people */
};

/*
 * Append fd's record (its identity as the policy keeps it, a file handle,
 * its path) with these seals, and fsync. 0, or -1 with the reason in err.
 */
int persist_append(const char *state, int fd, const char *path, unsigned int seals, char *err, size_t errlen);

/*
 * Every record of the state file (a missing file has none), one per inode
 * with the union of its seals. *rewrite: the file holds lines that should
 * go (repeats, lines that are not records). 0, or -1 with err.
 */
int persist_read(const char *state, struct persisted **out, size_t *n, bool *rewrite, char *err, size_t errlen);

/*
 * Drop the records whose inode is gone (its filesystem is mounted and the
 * handle answers ESTALE), and write the file anew if any went or `rewrite`.
 * Records of filesystems not mounted now stay. Returns how many were
 * dropped, or -1.
 */
long persist_compact(const char *state, struct persisted *records, size_t *n, bool rewrite, char *err,
		     size_t errlen);

/*
 * Ask the policy to restore the seals of records whose inode is already in
 * memory (looked up before the policy loaded): open each by handle and
 * fcntl(BPFSEAL_F_RESTORE_SEALS). Returns how many files were reached.
 */
size_t persist_restore_in_memory(const struct persisted *records, size_t n);

/*
 * Seal the state file append,name (making it, empty, if there is none):
 * while the policy is loaded, records are added, never changed or removed.
 * 0, or -1 with err.
 */
int persist_protect(const char *state, char *err, size_t errlen);

/* Is fd's inode's record marked persisted (by the policy, from the state file or --persist)? */
bool persist_recorded(int fd);

/* One line of the state file, for the unit tests: 0 or -1. */
int persist_parse_line(const char *line, struct persisted *p);
int persist_format_line(const struct persisted *p, char *buf, size_t len);

#endif
