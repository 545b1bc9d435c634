/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Seal names as users write them: SEAL_NAMES_KNOWN. */
#ifndef BPFSEAL_SEAL_NAMES_H
#define BPFSEAL_SEAL_NAMES_H

#include <stddef.h>

/* Every seal name, in table order (a unit test checks it against the table). */
#define SEAL_NAMES_KNOWN "seal,shrink,grow,write,future-write,exec,append,name"

/*
 * Parse a comma list into F_SEAL_* bits. Returns 0, or -1 with *bad pointing
 * at the offending name (empty list: *bad points at the empty string).
 */
int seal_names_parse(const char *list, unsigned int *seals, const char **bad, size_t *bad_len);

/* Write "shrink,grow,write" (or "none") into buf; returns buf. */
char *seal_names_format(unsigned int seals, char *buf, size_t size);

/* Name of one seal bit, or NULL. */
const char *seal_name(unsigned int bit);

#endif
