/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Consuming the policy's audit records (bpf/audit.bpf.h): a consumer
 * claims one of the policy's slots, puts its own ring buffer there and
 * reads every record the policy makes from then on (audit_consumer.c);
 * and how records read: names (audit_names.c), paths (audit_paths.c),
 * text and JSON (audit_print.c); journal fields are journal.c's.
 */
#ifndef BPFSEAL_AUDIT_H
#define BPFSEAL_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "bpfseal_abi.h"

/* Slot claims: an open-file-description lock on byte N claims slot N. */
#define AUDIT_LOCK_FILE		"/run/bpfseal-audit.lock"
#define AUDIT_RINGS_PIN		BPFSEAL_PIN_MAPS "/audit_rings"
#define AUDIT_DROPPED_PIN	BPFSEAL_PIN_MAPS "/audit_dropped"
#define AUDIT_RING_DEFAULT	(256 * 1024)	/* about 650 records */

/* Called for each record; a non-zero return stops the current poll. */
typedef int (*audit_record_fn)(void *ctx, const struct bpfseal_audit_record *rec);

struct audit_consumer {
	int rings_fd;		/* the policy's audit_rings, read-write: to put our ring in */
	int dropped_fd;		/* the policy's audit_dropped, read-only */
	int ring_fd;		/* our own ring buffer */
	int lock_fd;
	unsigned int slot;
	unsigned int rings_id;	/* the audit_rings map we are in */
	unsigned long long dropped_base;	/* the slot's drop count when we claimed it */
	unsigned long long dropped_reported;
	struct ring_buffer *rb;
	audit_record_fn fn;
	void *ctx;
	long long malformed;	/* records of a layout this sealctl does not know */
};

/*
 * Claim a slot and start receiving records into a ring of ring_bytes (a
 * power of two, at least a page). 0, or -errno with the reason in err
 * (-ENOENT: the policy is not loaded).
 */
int audit_attach(struct audit_consumer *c, size_t ring_bytes, audit_record_fn fn, void *ctx, char *err,
		 size_t errlen);

/* Wait up to timeout_ms for records and hand each to fn: their number, or -errno. */
int audit_poll(struct audit_consumer *c, int timeout_ms);

/* Hand over every record already in the ring, without waiting. */
int audit_drain(struct audit_consumer *c);

/* Records our ring had no room for since the last call (and *total since attach). */
unsigned long long audit_newly_dropped(struct audit_consumer *c, unsigned long long *total);

/* Is our slot still in the loaded policy (not unloaded, not replaced)? */
bool audit_still_attached(const struct audit_consumer *c);

/* Leave the slot: the ring goes, and the slot's count is quiet for the next claimant. */
void audit_detach(struct audit_consumer *c);

/* Slots a consumer holds now, or -errno. */
int audit_consumer_count(void);

/* Ask the policy to record a change made to it (BPFSEAL_F_AUDIT_NOTE). 0 or -errno. */
int audit_note(unsigned int operation, unsigned long long detail);

/* --- reading records */

const char *audit_type_name(unsigned int type);
const char *audit_operation_name(unsigned int operation);
const char *audit_reason_name(unsigned int reason);	/* "" for none */
/* What the operation's detail says, e.g. "mode=punch_hole|keep_size", or "". */
char *audit_detail(const struct bpfseal_audit_record *rec, char *buf, size_t len);
/* The system call's name, or its number. */
char *audit_syscall_name(int nr, char *buf, size_t len);

/*
 * A path for the record's inode, into buf: from the offender's open files,
 * mappings or working directory while it lives, else by walking the
 * filesystem (remembered). "" if none was found.
 */
char *audit_path(const struct bpfseal_audit_record *rec, char *buf, size_t len);

/* One line of text (no newline) or one JSON object (no newline). */
void audit_print_text(FILE *f, const struct bpfseal_audit_record *rec, const char *path);
void audit_print_json(FILE *f, const struct bpfseal_audit_record *rec, const char *path);

#endif
