// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* An audit record as one line of text or one JSON object. */
#include <string.h>
#include <time.h>

#include "audit.h"
#include "seal_names.h"
#include "text.h"

/* Control characters would break the line: '?' in text. */
static void print_clean(FILE *f, const char *s)
{
	for (; *s; s++)
		fputc((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s, f);
}

static void print_subject_text(FILE *f, const struct bpfseal_audit_record *rec, const char *path)
{
	fputc(' ', f);
	if (path && path[0]) {
		print_clean(f, path);
	} else if (rec->name[0]) {
		fputs(".../", f);
		print_clean(f, rec->name);
	} else {
		fputc('?', f);
	}
	fprintf(f, " (%llu:%llu ino %llu)", rec->dev >> 20, rec->dev & 0xfffff, rec->ino);
}

void audit_print_text(FILE *f, const struct bpfseal_audit_record *rec, const char *path)
{
	char seals[128], in_force[128], detail[160];
	const char *reason = audit_reason_name(rec->reason);

	audit_detail(rec, detail, sizeof(detail));
	switch (rec->type) {
	case BPFSEAL_AUDIT_DENIED:
		fprintf(f, "denied %s", audit_operation_name(rec->operation));
		print_subject_text(f, rec, path);
		fprintf(f, " seals=%s errno=%s", seal_names_format(rec->seals, seals, sizeof(seals)),
			errno_name(rec->error));
		break;
	case BPFSEAL_AUDIT_SEALED:
		fprintf(f, "sealed");
		print_subject_text(f, rec, path);
		fprintf(f, " added=%s seals=%s", seal_names_format(rec->seals, seals, sizeof(seals)),
			seal_names_format(rec->seals_in_force, in_force, sizeof(in_force)));
		break;
	case BPFSEAL_AUDIT_SEAL_REFUSED:
		fprintf(f, "refused add_seals");
		print_subject_text(f, rec, path);
		fprintf(f, " asked=%s errno=%s", seal_names_format(rec->seals, seals, sizeof(seals)),
			errno_name(rec->error));
		break;
	default:
		fprintf(f, "policy %s", audit_operation_name(rec->operation));
		break;
	}
	if (detail[0])
		fprintf(f, " %s", detail);
	if (reason[0])
		fprintf(f, " reason=%s", reason);
	fprintf(f, " pid=%u comm=", rec->tgid);
	print_clean(f, rec->comm);
	fprintf(f, " uid=%u", rec->uid);
}

static void json_seals(FILE *f, unsigned int seals)
{
	char names[128], *save = NULL, *name;
	bool first = true;

	fputc('[', f);
	if (seals & BPFSEAL_SEAL_ALL) {
		seal_names_format(seals & BPFSEAL_SEAL_ALL, names, sizeof(names));
		for (name = strtok_r(names, ",", &save); name; name = strtok_r(NULL, ",", &save)) {
			fprintf(f, "%s\"%s\"", first ? "" : ",", name);
			first = false;
		}
	}
	fputc(']', f);
}

/* The record's boot-clock time as UTC wall-clock time. */
static void json_time(FILE *f, unsigned long long boot_ns)
{
	struct timespec real, boot;
	long long wall;
	struct tm tm;
	time_t secs;

	clock_gettime(CLOCK_REALTIME, &real);
	clock_gettime(CLOCK_BOOTTIME, &boot);
	wall = (real.tv_sec - boot.tv_sec) * 1000000000LL + (real.tv_nsec - boot.tv_nsec) + (long long)boot_ns;
	secs = (time_t)(wall / 1000000000LL);
	gmtime_r(&secs, &tm);
	fprintf(f, "\"%04d-%02d-%02dT%02d:%02d:%02d.%06lldZ\"", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
		tm.tm_hour, tm.tm_min, tm.tm_sec, (wall % 1000000000LL) / 1000);
}

void audit_print_json(FILE *f, const struct bpfseal_audit_record *rec, const char *path)
{
	char buf[160];
	const char *reason = audit_reason_name(rec->reason);

	fprintf(f, "{\"seq\":%llu,\"time\":", rec->seq);
	json_time(f, rec->boot_ns);
	fprintf(f, ",\"type\":\"%s\",\"operation\":\"%s\",\"errno\":", audit_type_name(rec->type),
		audit_operation_name(rec->operation));
	if (rec->error)
		fprintf(f, "\"%s\"", errno_name(rec->error));
	else
		fputs("null", f);
	fprintf(f, ",\"errno_value\":%d,\"seals\":", rec->error);
	json_seals(f, rec->seals);
	fputs(",\"seals_in_force\":", f);
	json_seals(f, rec->seals_in_force);
	fputs(",\"reason\":", f);
	if (reason[0])
		fprintf(f, "\"%s\"", reason);
	else
		fputs("null", f);
	fputs(",\"detail\":", f);
	json_string(f, audit_detail(rec, buf, sizeof(buf)));
	fprintf(f, ",\"detail_value\":%llu,\"syscall\":", rec->detail);
	json_string(f, audit_syscall_name(rec->syscall, buf, sizeof(buf)));
	if (rec->type == BPFSEAL_AUDIT_POLICY) {
		fputs(",\"device\":null,\"ino\":null,\"name\":null,\"path\":null", f);
	} else {
		fprintf(f, ",\"device\":\"%llu:%llu\",\"ino\":%llu,\"name\":", rec->dev >> 20, rec->dev & 0xfffff,
			rec->ino);
		json_string(f, rec->name);
		fputs(",\"path\":", f);
		if (path && path[0])
			json_string(f, path);
		else
			fputs("null", f);
	}
	fprintf(f, ",\"pid\":%u,\"tid\":%u,\"comm\":", rec->tgid, rec->pid);
	json_string(f, rec->comm);
	fprintf(f, ",\"uid\":%u,\"loginuid\":", rec->uid);
	if (rec->loginuid == 0xffffffffu)
		fputs("null", f);
	else
		fprintf(f, "%u", rec->loginuid);
	fprintf(f, ",\"cgroup_id\":%llu}", rec->cgroup_id);
}
