// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The journal forwarder's side of a record: structured fields through
 * sd_journal_sendv() (the native protocol, on /run/systemd/journal/socket),
 * with a rate limit per offending process so that one process refused in a
 * loop cannot flood the journal, and every record it costs counted.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <syslog.h>
#include <systemd/sd-journal.h>

#include "audit.h"
#include "journal.h"
#include "seal_names.h"
#include "text.h"

#define MAX_FIELDS	32
#define OFFENDERS	256	/* processes tracked at once; the oldest makes room */

struct fields {
	struct iovec iov[MAX_FIELDS];
	int n;
};

static void __attribute__((format(printf, 2, 3))) add(struct fields *f, const char *fmt, ...)
{
	va_list ap;
	char *s;

	if (f->n >= MAX_FIELDS)
		return;
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) >= 0)
		f->iov[f->n++] = (struct iovec){ .iov_base = s, .iov_len = strlen(s) };
	va_end(ap);
}

static void send_fields(struct fields *f)
{
	static bool failing;
	int r = sd_journal_sendv(f->iov, f->n);

	/* Say so once per run of failures, not once per record. */
	if (r < 0 && !failing)
		fprintf(stderr, "sealctl: monitor: cannot send to the journal: %s\n", strerror(-r));
	failing = r < 0;
	for (int i = 0; i < f->n; i++)
		free(f->iov[i].iov_base);
	f->n = 0;
}

static void add_offender(struct fields *f, unsigned int tgid, const char *comm, unsigned int uid)
{
	add(f, "OBJECT_PID=%u", tgid);
	add(f, "OBJECT_COMM=%s", comm);
	add(f, "OBJECT_UID=%u", uid);
}

static struct {
	unsigned int burst, interval;
	struct offender {
		unsigned int tgid;	/* 0: free */
		unsigned int uid;
		char comm[16];
		time_t window;		/* start of its interval */
		unsigned int sent;
		unsigned long long suppressed;
	} offenders[OFFENDERS];
} limit = { .burst = JOURNAL_BURST_DEFAULT, .interval = JOURNAL_INTERVAL_DEFAULT };

void journal_init(unsigned int burst, unsigned int interval)
{
	limit.burst = burst;
	limit.interval = interval ? interval : 1;
}

static void send_suppressed(struct offender *o)
{
	struct fields f = {};

	if (!o->suppressed)
		return;
	add(&f, "MESSAGE=bpfseal: %llu more record%s about pid %u (%s, uid %u) not forwarded: more than %u in %u s",
	    o->suppressed, o->suppressed == 1 ? "" : "s", o->tgid, o->comm, o->uid, limit.burst, limit.interval);
	add(&f, "MESSAGE_ID=" JOURNAL_ID_SUPPRESSED);
	add(&f, "PRIORITY=%d", LOG_WARNING);
	add(&f, "SYSLOG_IDENTIFIER=bpfseal");
	add(&f, "BPFSEAL_SUPPRESSED=%llu", o->suppressed);
	add_offender(&f, o->tgid, o->comm, o->uid);
	send_fields(&f);
	o->suppressed = 0;
}

/* May a record about this offender go out now? */
static bool within_limit(const struct bpfseal_audit_record *rec)
{
	time_t now = time(NULL);
	struct offender *o = NULL, *room = NULL;

	for (int i = 0; i < OFFENDERS; i++) {
		struct offender *e = &limit.offenders[i];

		if (e->tgid == rec->tgid && !strncmp(e->comm, rec->comm, sizeof(e->comm))) {
			o = e;
			break;
		}
		/* A free entry, else the one whose interval began first. */
		if (!room || (room->tgid && (!e->tgid || e->window < room->window)))
			room = e;
	}
	if (!o) {
		o = room;
		send_suppressed(o);
		*o = (struct offender){ .tgid = rec->tgid, .uid = rec->uid, .window = now };
		memcpy(o->comm, rec->comm, sizeof(o->comm));
		o->comm[sizeof(o->comm) - 1] = '\0';
	}
	if (now - o->window >= (time_t)limit.interval) {
		send_suppressed(o);
		o->window = now;
		o->sent = 0;
	}
	if (o->sent < limit.burst) {
		o->sent++;
		return true;
	}
	o->suppressed++;
	return false;
}

void journal_flush(bool all)
{
	time_t now = time(NULL);

	for (int i = 0; i < OFFENDERS; i++) {
		struct offender *o = &limit.offenders[i];

		if (o->tgid && (all || now - o->window >= (time_t)limit.interval))
			send_suppressed(o);
	}
}

static const char *message_id(unsigned int type)
{
	switch (type) {
	case BPFSEAL_AUDIT_DENIED: return JOURNAL_ID_DENIED;
	case BPFSEAL_AUDIT_SEALED: return JOURNAL_ID_SEALED;
	case BPFSEAL_AUDIT_SEAL_REFUSED: return JOURNAL_ID_SEAL_REFUSED;
	default: return JOURNAL_ID_POLICY;
	}
}

static int priority(unsigned int type)
{
	return type == BPFSEAL_AUDIT_DENIED || type == BPFSEAL_AUDIT_SEAL_REFUSED ? LOG_WARNING : LOG_NOTICE;
}

void journal_record(const struct bpfseal_audit_record *rec, const char *path)
{
	struct fields f = {};
	char *text = NULL, buf[160];
	size_t len = 0;
	FILE *m;

	if (rec->type != BPFSEAL_AUDIT_POLICY && !within_limit(rec))
		return;
	m = open_memstream(&text, &len);
	if (m) {
		audit_print_text(m, rec, path);
		fclose(m);
	}
	add(&f, "MESSAGE=bpfseal: %s", text ? text : "");
	free(text);
	add(&f, "MESSAGE_ID=%s", message_id(rec->type));
	add(&f, "PRIORITY=%d", priority(rec->type));
	add(&f, "SYSLOG_IDENTIFIER=bpfseal");
	add(&f, "BPFSEAL_TYPE=%s", audit_type_name(rec->type));
	add(&f, "BPFSEAL_OPERATION=%s", audit_operation_name(rec->operation));
	add(&f, "BPFSEAL_SEQ=%llu", rec->seq);
	if (rec->type != BPFSEAL_AUDIT_POLICY) {
		add(&f, "BPFSEAL_SEALS=%s", seal_names_format(rec->seals, buf, sizeof(buf)));
		add(&f, "BPFSEAL_SEALS_IN_FORCE=%s", seal_names_format(rec->seals_in_force, buf, sizeof(buf)));
		add(&f, "BPFSEAL_DEVICE=%llu:%llu", rec->dev >> 20, rec->dev & 0xfffff);
		add(&f, "BPFSEAL_INODE=%llu", rec->ino);
		if (rec->name[0])
			add(&f, "BPFSEAL_NAME=%s", rec->name);
		if (path && path[0])
			add(&f, "BPFSEAL_PATH=%s", path);
	}
	if (rec->error)
		add(&f, "BPFSEAL_ERRNO=%s", errno_name(rec->error));
	if (audit_reason_name(rec->reason)[0])
		add(&f, "BPFSEAL_REASON=%s", audit_reason_name(rec->reason));
	if (audit_detail(rec, buf, sizeof(buf))[0])
		add(&f, "BPFSEAL_DETAIL=%s", buf);
	add(&f, "BPFSEAL_SYSCALL=%s", audit_syscall_name(rec->syscall, buf, sizeof(buf)));
	add(&f, "BPFSEAL_TID=%u", rec->pid);
	add(&f, "BPFSEAL_CGROUP_ID=%llu", rec->cgroup_id);
	add_offender(&f, rec->tgid, rec->comm, rec->uid);
	if (rec->loginuid != 0xffffffffu)
		add(&f, "OBJECT_AUDIT_LOGINUID=%u", rec->loginuid);
	send_fields(&f);
}

void journal_dropped(unsigned long long count, unsigned long long total)
{
	struct fields f = {};

	add(&f, "MESSAGE=bpfseal: %llu record%s lost: the forwarder's buffer was full (%llu since it started)",
	    count, count == 1 ? "" : "s", total);
	add(&f, "MESSAGE_ID=" JOURNAL_ID_DROPPED);
	add(&f, "PRIORITY=%d", LOG_ERR);
	add(&f, "SYSLOG_IDENTIFIER=bpfseal");
	add(&f, "BPFSEAL_DROPPED=%llu", count);
	add(&f, "BPFSEAL_DROPPED_TOTAL=%llu", total);
	send_fields(&f);
}

void journal_notice(const char *message)
{
	struct fields f = {};

	add(&f, "MESSAGE=bpfseal: %s", message);
	add(&f, "PRIORITY=%d", LOG_NOTICE);
	add(&f, "SYSLOG_IDENTIFIER=bpfseal");
	send_fields(&f);
}
