// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* LSM lists and the lsm= parameter (see lsm_list.h). */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "lsm_list.h"

bool lsm_list_has(const char *list, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = list; p && *p;) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);

		if (len == n && !strncmp(p, name, n))
			return true;
		p = end ? end + 1 : NULL;
	}
	return false;
}

/* Next whitespace-separated word of s at or after *pos: its start and length. */
static bool next_word(const char *s, size_t *pos, size_t *start, size_t *len)
{
	size_t i = *pos;

	while (s[i] && isspace((unsigned char)s[i]))
		i++;
	if (!s[i])
		return false;
	*start = i;
	while (s[i] && !isspace((unsigned char)s[i]))
		i++;
	*len = i - *start;
	*pos = i;
	return true;
}

static bool word_is_param(const char *word, size_t len, const char *key)
{
	size_t k = strlen(key);

	return len > k && !strncmp(word, key, k) && word[k] == '=';
}

bool cmdline_param(const char *cmdline, const char *key, char *out, size_t outlen)
{
	size_t pos = 0, start, len, k = strlen(key);
	bool found = false;

	while (next_word(cmdline, &pos, &start, &len)) {
		if (!word_is_param(cmdline + start, len, key))
			continue;
		if (len - k - 1 >= outlen)
			return false;
		memcpy(out, cmdline + start + k + 1, len - k - 1);
		out[len - k - 1] = '\0';
		found = true;
	}
	return found;
}

/* Append ",name" (or "name") to out unless it is already there. */
static int append_item(char *out, size_t outlen, const char *name, size_t len)
{
	char item[64];
	size_t used = strlen(out);

	if (!len || len >= sizeof(item))
		return 0;
	memcpy(item, name, len);
	item[len] = '\0';
	if (lsm_list_has(out, item))
		return 0;
	if (used + (used ? 1 : 0) + len + 1 > outlen)
		return -ENOSPC;
	snprintf(out + used, outlen - used, "%s%s", used ? "," : "", item);
	return 0;
}

static int append_list(char *out, size_t outlen, const char *list, bool skip_capability)
{
	for (const char *p = list; p && *p;) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strcspn(p, " \t\n");

		if (!(skip_capability && len == 10 && !strncmp(p, "capability", 10)) &&
		    append_item(out, outlen, p, len))
			return -ENOSPC;
		p = end ? end + 1 : NULL;
	}
	return 0;
}

int lsm_list_add_bpf(const char *active, const char *configured, char *out, size_t outlen)
{
	if (!outlen)
		return -ENOSPC;
	out[0] = '\0';
	/* An item the admin wrote stays, capability included. */
	if (configured && append_list(out, outlen, configured, false))
		return -ENOSPC;
	if (append_list(out, outlen, active, true))
		return -ENOSPC;
	return append_item(out, outlen, "bpf", 3);
}

int cmdline_set_lsm(const char *cmdline, const char *value, char *out, size_t outlen)
{
	size_t pos = 0, start, len, done = 0, used = 0;
	bool replaced = false;
	int n;

	while (next_word(cmdline, &pos, &start, &len)) {
		if (!word_is_param(cmdline + start, len, "lsm"))
			continue;
		/* Everything before this word as it was, then lsm=VALUE. */
		n = snprintf(out + used, outlen - used, "%.*slsm=%s", (int)(start - done), cmdline + done, value);
		if (n < 0 || (size_t)n >= outlen - used)
			return -ENOSPC;
		used += n;
		done = start + len;
		replaced = true;
	}
	n = snprintf(out + used, outlen - used, "%s%s%s", cmdline + done,
		     replaced ? "" : (*cmdline ? " lsm=" : "lsm="), replaced ? "" : value);
	if (n < 0 || (size_t)n >= outlen - used)
		return -ENOSPC;
	return 0;
}

bool grub_cfg_default_cmdline(const char *grub_cfg, char *out, size_t outlen)
{
	for (const char *line = grub_cfg; line && *line;) {
		const char *end = strchr(line, '\n'), *p = line;
		size_t len;

		while (*p == ' ' || *p == '\t')
			p++;
		if (!strncmp(p, "linux", 5) && (p[5] == ' ' || p[5] == '\t')) {
			p += 5;
			while (*p == ' ' || *p == '\t')
				p++;
			p += strcspn(p, " \t\n");	/* the kernel image's path */
			while (*p == ' ' || *p == '\t')
				p++;
			len = end ? (size_t)(end - p) : strlen(p);
			if (len >= outlen)
				return false;
			memcpy(out, p, len);
			out[len] = '\0';
			return true;
		}
		line = end ? end + 1 : NULL;
	}
	return false;
}

bool lsm_enable_pending(const char *active, const char *next_cmdline)
{
	char lsm[512];

	return !lsm_list_has(active, "bpf") && next_cmdline &&
	       cmdline_param(next_cmdline, "lsm", lsm, sizeof(lsm)) && lsm_list_has(lsm, "bpf");
}
