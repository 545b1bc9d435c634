/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Formatted text into a fixed buffer, never past its end. */
#ifndef BPFSEAL_TEXTBUF_H
#define BPFSEAL_TEXTBUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/*
 * Fill err with "what: strerror(-ret)" and return ret (a -errno): every
 * failure says what failed and why.
 */
static inline int __attribute__((format(printf, 4, 5)))
fail(char *err, size_t errlen, int ret, const char *fmt, ...)
{
	va_list ap;
	size_t used;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	used = strlen(err);
	snprintf(err + used, errlen > used ? errlen - used : 0, ": %s", strerror(-ret));
	return ret;
}

/*
 * Append to buf (size bytes) at *used and advance *used. False when the text
 * does not fit: buf then ends in a cut copy of it and *used stays.
 */
static inline bool __attribute__((format(printf, 4, 5)))
appendf(char *buf, size_t size, size_t *used, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*used >= size)
		return false;
	va_start(ap, fmt);
	n = vsnprintf(buf + *used, size - *used, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= size - *used)
		return false;
	*used += (size_t)n;
	return true;
}

#endif
