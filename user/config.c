// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpfseal_abi.h"
#include "config.h"
#include "text.h"

/* Below that, a few seals fill it; above it, the hash tables' buckets alone take gigabytes. */
#define CAPACITY_MIN	16u
#define CAPACITY_MAX	(64u << 20)

int config_parse_capacity(const char *text, unsigned int *capacity, char *err, size_t errlen)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(text, &end, 10);
	if (errno || end == text || *end || v < CAPACITY_MIN || v > CAPACITY_MAX) {
		snprintf(err, errlen, "capacity '%s': want a number of sealed inodes from %u to %u", text,
			 CAPACITY_MIN, CAPACITY_MAX);
		return -1;
	}
	*capacity = (unsigned int)v;
	return 0;
}

int config_read(const char *path, struct bpfseal_config *c, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	char line[512], why[256];
	size_t lineno = 0;

	if (!f) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		char *s = trim(line), *eq, *key, *value;

		lineno++;
		if (!*s || *s == '#')
			continue;
		eq = strchr(s, '=');
		if (!eq) {
			snprintf(err, errlen, "%s:%zu: want KEY=VALUE, got '%s'", path, lineno, s);
			goto bad;
		}
		*eq = '\0';
		key = trim(s);
		value = trim(eq + 1);
		if (!strcmp(key, "capacity")) {
			if (config_parse_capacity(value, &c->capacity, why, sizeof(why))) {
				snprintf(err, errlen, "%s:%zu: %s", path, lineno, why);
				goto bad;
			}
		} else if (!strcmp(key, "locked")) {
			if (strcmp(value, "yes") && strcmp(value, "no")) {
				snprintf(err, errlen, "%s:%zu: locked='%s': want yes or no", path, lineno, value);
				goto bad;
			}
			c->locked = !strcmp(value, "yes");
		} else {
			snprintf(err, errlen, "%s:%zu: unknown setting '%s' (known: capacity, locked)", path, lineno,
				 key);
			goto bad;
		}
	}
	fclose(f);
	return 0;
bad:
	fclose(f);
	return -1;
}
