// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * sealctl apply: declarative seal files. Each line is "PATH SEALS", or
 * "PATH SEALS persist" to keep the seals across reboots too (sealctl add
 * --persist); the seal list is the last word (before `persist`), so paths
 * may contain spaces. '#' starts a comment line; blank lines are ignored.
 * A file with a bad line is reported as FILE:LINE and none of its lines is
 * applied.
 */
#include <ctype.h>
#include <stdbool.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bpfseal.h"
#include "seal_names.h"
#include "persist.h"
#include "sealctl.h"
#include "text.h"

#define SEALS_DIR "/etc/bpfseal/seals.d"

struct entry {
	char *path;
	unsigned int seals;
	bool persist;
};

/* Cut the last word off s: returns it; s keeps the rest (trimmed), or NULL if one word. */
static char *last_word(char *s)
{
	char *sp = s + strlen(s);

	while (sp > s && !isspace((unsigned char)sp[-1]))
		sp--;
	if (sp == s)
		return NULL;
	sp[-1] = '\0';
	return sp;
}

/* Parse all of FILE; on any bad line report it and return -1. */
static int parse_file(const char *file, struct entry **out, size_t *count)
{
	FILE *f = fopen(file, "r");
	char *line = NULL, *bad;
	size_t cap = 0, lineno = 0, n = 0, bad_len;
	struct entry *entries = NULL, *grown;
	int ret = 0;

	if (!f) {
		sealctl_error("apply: %s: %s", file, strerror(errno));
		return -1;
	}
	while (getline(&line, &cap, f) > 0) {
		char *s = trim(line), *list;
		unsigned int seals;
		bool persist = false;

		lineno++;
		if (!*s || *s == '#')
			continue;
		list = last_word(s);
		if (list && !strcmp(list, "persist")) {
			persist = true;
			list = last_word(trim(s));
		}
		if (!list) {
			sealctl_error("apply: %s:%zu: want \"PATH SEALS [persist]\", got '%s'", file, lineno, s);
			ret = -1;
			continue;
		}
		s = trim(s);
		if (seal_names_parse(list, &seals, (const char **)&bad, &bad_len)) {
			sealctl_error("apply: %s:%zu: unknown seal '%.*s' (want " SEAL_NAMES_KNOWN ")",
				      file, lineno, (int)bad_len, bad);
			ret = -1;
			continue;
		}
		grown = realloc(entries, (n + 1) * sizeof(*entries));
		if (grown)
			entries = grown;
		if (!grown || !(entries[n].path = strdup(s))) {
			sealctl_error("apply: %s:%zu: out of memory", file, lineno);
			ret = -1;
			break;
		}
		entries[n].seals = seals;
		entries[n].persist = persist;
		n++;
	}
	free(line);
	fclose(f);
	if (ret) {
		sealctl_error("apply: %s: not applied (fix the lines above)", file);
		for (size_t i = 0; i < n; i++)
			free(entries[i].path);
		free(entries);
		return -1;
	}
	*out = entries;
	*count = n;
	return 0;
}

/*
 * A line whose seals the file already carries is done: applying again (a
 * reload, a restart) must not fail on a file sealed with `seal`, which
 * refuses every further add, even of nothing new.
 */
static bool already_sealed(const char *path, unsigned int seals, bool persist)
{
	/* O_PATH runs no driver's open: a device node (a tape rewinds) is only looked at. */
	int fd = open(path, O_PATH | O_CLOEXEC), have;
	struct stat st;
	bool done;

	if (fd < 0)
		return false;
	/* Anything but a regular file goes on to seal_path, which refuses it and says why. */
	done = !fstat(fd, &st) && S_ISREG(st.st_mode) && (have = bpfseal_get_seals(fd)) >= 0 &&
	       ((unsigned int)have & seals) == seals && (!persist || persist_recorded(fd));
	close(fd);
	return done;
}

int cmd_apply(int argc, char **argv)
{
	glob_t g = { 0 };
	char **files;
	size_t nfiles;
	int status = EXIT_OK, first_file;

	first_file = sealctl_parse_flags(argc, argv, "apply", NULL, NULL, OPERANDS_ANY, &status);
	if (first_file < 0)
		return status;
	if (first_file < argc) {
		files = argv + first_file;
		nfiles = (size_t)(argc - first_file);
	} else {
		glob(SEALS_DIR "/*.conf", 0, NULL, &g);
		files = g.gl_pathv;
		nfiles = g.gl_pathc;
	}
	if (nfiles && !policy_reachable()) {
		sealctl_error("apply: the bpfseal policy is not loaded (run `sealctl load`)");
		globfree(&g);
		return EXIT_NOT_LOADED;
	}
	for (size_t i = 0; i < nfiles; i++) {
		struct entry *entries = NULL;
		size_t n = 0;

		if (parse_file(files[i], &entries, &n)) {
			status = EXIT_USAGE > status ? EXIT_USAGE : status;
			continue;
		}
		for (size_t j = 0; j < n; j++) {
			const struct entry *e = &entries[j];
			int r = already_sealed(e->path, e->seals, e->persist) ? EXIT_OK :
				e->persist && persist_allowed("apply") ? EXIT_REFUSED :
				seal_path(e->path, e->seals, e->persist);

			if (r > status)
				status = r;
			free(entries[j].path);
		}
		free(entries);
	}
	globfree(&g);
	return status;
}
