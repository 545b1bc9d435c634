/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Text sealctl writes and reads in more than one place: JSON strings, errno names, trimmed lines. */
#ifndef BPFSEAL_TEXT_H
#define BPFSEAL_TEXT_H

#include <stdio.h>

/* s as a JSON string literal: quotes, backslashes and control characters (DEL too) escaped. */
void json_string(FILE *f, const char *s);

/* The errno's name ("EPERM"), or "?" for 0 and numbers libc does not know. */
const char *errno_name(int err);

/* s without leading and trailing white space: cut in place, returns its new start. */
char *trim(char *s);

#endif
