// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdio.h>
#include <string.h>

#include "bpfseal_abi.h"
#include "seal_names.h"

static const struct {
	unsigned int bit;
	const char *name;
} seal_table[] = {
	{ BPFSEAL_SEAL_SEAL, "seal" },
	{ BPFSEAL_SEAL_SHRINK, "shrink" },
	{ BPFSEAL_SEAL_GROW, "grow" },
	{ BPFSEAL_SEAL_WRITE, "write" },
	{ BPFSEAL_SEAL_FUTURE_WRITE, "future-write" },
	{ BPFSEAL_SEAL_EXEC, "exec" },
	{ BPFSEAL_SEAL_APPEND, "append" },
	{ BPFSEAL_SEAL_NAME, "name" },
};
#define N_SEALS (sizeof(seal_table) / sizeof(seal_table[0]))

const char *seal_name(unsigned int bit)
{
	for (size_t i = 0; i < N_SEALS; i++)
		if (seal_table[i].bit == bit)
			return seal_table[i].name;
	return NULL;
}

static int lookup(const char *name, size_t len, unsigned int *bit)
{
	for (size_t i = 0; i < N_SEALS; i++) {
		if (strlen(seal_table[i].name) == len && !strncmp(seal_table[i].name, name, len)) {
			*bit = seal_table[i].bit;
			return 0;
		}
	}
	return -1;
}

int seal_names_parse(const char *list, unsigned int *seals, const char **bad, size_t *bad_len)
{
	const char *p = list;
	unsigned int out = 0, bit;

	if (!*list) {
		*bad = list;
		*bad_len = 0;
		return -1;
	}
	for (;;) {
		size_t len = strcspn(p, ",");

		if (len == 0 || lookup(p, len, &bit)) {
			*bad = p;
			*bad_len = len;
			return -1;
		}
		out |= bit;
		if (!p[len])
			break;
		p += len + 1;
	}
	*seals = out;
	return 0;
}

char *seal_names_format(unsigned int seals, char *buf, size_t size)
{
	size_t used = 0;

	if (size)
		buf[0] = '\0';
	/* Table order is the order a reader scans: seal, shrink, grow, write, ... */
	for (size_t i = 0; i < N_SEALS; i++) {
		if (!(seals & seal_table[i].bit))
			continue;
		int n = snprintf(buf + used, size > used ? size - used : 0, "%s%s",
				 used ? "," : "", seal_table[i].name);
		if (n > 0)
			used += (size_t)n;
	}
	if (!used)
		snprintf(buf, size, "none");
	return buf;
}
