// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <ftw.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>

#include "find_paths.h"

/* nftw() takes no context pointer: the walk in progress. */
static struct {
	struct inode_ref **wanted;	/* refs on the device being walked, sorted by ino */
	size_t n, left;
	dev_t dev;
} walk;

static int by_ino(const void *a, const void *b)
{
	const struct inode_ref *x = *(struct inode_ref *const *)a, *y = *(struct inode_ref *const *)b;

	return x->ino < y->ino ? -1 : x->ino > y->ino;
}

static int visit(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	struct inode_ref key = { .ino = st->st_ino }, *kp = &key, **hit;

	(void)type;
	(void)ftw;
	if (!S_ISREG(st->st_mode) || st->st_dev != walk.dev)
		return 0;
	hit = bsearch(&kp, walk.wanted, walk.n, sizeof(*walk.wanted), by_ino);
	if (hit && !(*hit)->path) {
		(*hit)->path = strdup(path);
		if (--walk.left == 0)
			return 1;	/* all found: stop walking */
	}
	return 0;
}

/* mountinfo escapes space, tab, newline and backslash as \ooo. */
static void unescape(char *s)
{
	char *out = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '7' && s[2] && s[3]) {
			*out++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 3;
		} else {
			*out++ = *s;
		}
	}
	*out = '\0';
}

/* The mount point showing the whole of device major:minor, or NULL. */
static char *mount_point(unsigned int major, unsigned int minor)
{
	FILE *f = fopen("/proc/self/mountinfo", "r");
	char line[8192], root[4096], point[4096], *found = NULL;
	unsigned int ma, mi;

	if (!f)
		return NULL;
	while (!found && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%*d %*d %u:%u %4095s %4095s", &ma, &mi, root, point) != 4)
			continue;
		if (ma == major && mi == minor && !strcmp(root, "/")) {
			unescape(point);
			found = strdup(point);
		}
	}
	fclose(f);
	return found;
}

void find_paths(struct inode_ref *refs, size_t n)
{
	struct inode_ref **wanted = calloc(n ? n : 1, sizeof(*wanted));
	bool *done = calloc(n ? n : 1, sizeof(*done));

	/* Paths are a courtesy: without memory for the walk, none is shown. */
	if (!wanted || !done)
		n = 0;

	for (size_t i = 0; i < n; i++) {
		char *point;
		size_t m = 0;

		if (done[i])
			continue;
		/* Everything on this device, walked once. */
		for (size_t j = i; j < n; j++) {
			if (refs[j].major == refs[i].major && refs[j].minor == refs[i].minor) {
				wanted[m++] = &refs[j];
				done[j] = true;
			}
		}
		point = mount_point(refs[i].major, refs[i].minor);
		if (!point)
			continue;
		qsort(wanted, m, sizeof(*wanted), by_ino);
		walk.wanted = wanted;
		walk.n = walk.left = m;
		walk.dev = makedev(refs[i].major, refs[i].minor);
		nftw(point, visit, 32, FTW_PHYS | FTW_MOUNT);
		free(point);
	}
	free(wanted);
	free(done);
}
