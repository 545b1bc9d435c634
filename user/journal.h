/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Audit records into the systemd journal (`sealctl monitor --journal`). */
#ifndef BPFSEAL_JOURNAL_H
#define BPFSEAL_JOURNAL_H

#include <stdbool.h>
#include <time.h>

#include "bpfseal_abi.h"

/* MESSAGE_IDs (made once with `systemd-id128 new`; sealctl(8) lists them). */
#define JOURNAL_ID_DENIED	"b1c0a66eb9c04d20871eda8d9952e34e"
#define JOURNAL_ID_SEALED	"301dd0a5d3ac41ba8c7012ee6b7ae007"
#define JOURNAL_ID_SEAL_REFUSED	"6b5f69e4206d425a9425b4d4b48ae4cc"
#define JOURNAL_ID_POLICY	"e33807c1e2e6411eb50b9187c2251cc2"
#define JOURNAL_ID_DROPPED	"1292745f370d45be9aa863c2d07dbc23"
#define JOURNAL_ID_SUPPRESSED	"62f8d6a9142a400da28131589fa73a3d"

#define JOURNAL_BURST_DEFAULT		20
#define JOURNAL_INTERVAL_DEFAULT	10	/* seconds */

/*
 * Per offender (a process), at most `burst` records every `interval`
 * seconds reach the journal; the rest are counted, and the count is sent
 * when the interval is over. Policy changes always go through.
 */
void journal_init(unsigned int burst, unsigned int interval);

/* Forward one record (or count it against its offender's limit). */
void journal_record(const struct bpfseal_audit_record *rec, const char *path);

/* Records lost because the forwarder's ring was full. */
void journal_dropped(unsigned long long count, unsigned long long total);

/* Report the suppressed counts of every offender whose interval is over (all, if `all`). */
void journal_flush(bool all);

/* A line about the forwarder itself (SYSLOG_IDENTIFIER=bpfseal). */
void journal_notice(const char *message);

#endif
