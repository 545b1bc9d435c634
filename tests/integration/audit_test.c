// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Every refusal leaves one record, and nothing else does. The seal table
 * of ops.c runs again, reading the policy's records as sealctl does
 * (user/audit.c): each operation a seal refuses must leave exactly one
 * record naming the operation, the seals that refuse it on their own, the
 * errno, the inode and the process; each allowed one (reads included)
 * none. After each operation a refused write to a marker file closes the
 * window: every record an operation made is in the ring before its system
 * call returns, so whatever comes before the marker is the operation's.
 * Then the refusals the table has no row for: kernel writers (acct, swapon,
 * a loop device) and refused seal requests (EBUSY, EINVAL, EPERM).
 * Then the storm: two threads refused 200,000 times while a stopped
 * `sealctl monitor --json` holds a ring: they are not held up, and the
 * monitor's records plus the drops it reports are every refusal, exactly.
 */
#include <linux/loop.h>
#include <pthread.h>
#include <signal.h>
#include <sys/acct.h>
#include <sys/ioctl.h>
#include <sys/swap.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <bpf/bpf.h>

#include "audit.h"
#include "consumers.h"
#include "bpfseal.h"
#include "itest.h"
#include "ops.h"
#include "seal_names.h"

#define TMPFS "/mnt/tmpfs"
#define XFS "/mnt/xfs"
#define EXT4 "/mnt/ext4"
#define MAX_RECORDS 64

static struct audit_consumer consumer;
static struct bpfseal_audit_record seen[MAX_RECORDS];
static int n_seen, overflow;
static int marker_fd;
static ino_t marker_ino;

static int keep_record(void *ctx, const struct bpfseal_audit_record *rec)
{
	(void)ctx;
	if (n_seen < MAX_RECORDS)
		seen[n_seen++] = *rec;
	else
		overflow++;
	return 0;
}

static bool is_marker(const struct bpfseal_audit_record *r)
{
	return r->type == BPFSEAL_AUDIT_DENIED && r->ino == marker_ino && r->tgid == (unsigned int)getpid();
}

/*
 * The records made since the last call: refuse a write to the marker, then
 * take everything up to its record. false if the marker never came.
 */
static bool records_since_last(void)
{
	n_seen = overflow = 0;
	if (pwrite(marker_fd, "m", 1, 0) >= 0 || errno != EPERM)
		return false;
	for (int tries = 0; tries < 100; tries++) {
		audit_drain(&consumer);
		if (n_seen && is_marker(&seen[n_seen - 1])) {
			n_seen--;
			return true;
		}
		audit_poll(&consumer, 10);
	}
	return false;
}

/* What the policy calls each operation of ops.c (tmpfs: see mprotect). */
static const struct {
	const char *op;
	const char *operation;
} operation_names[] = {
	{ "write_in_place", "write" }, { "write_at_eof", "write" }, { "pwrite_in_bounds", "pwrite" },
	{ "pwrite_past_eof", "pwrite" }, { "pwrite_crossing_eof", "pwrite" }, { "writev_in_bounds", "writev" },
	{ "pwritev2_in_bounds", "pwritev2" }, { "pwritev2_rwf_append", "pwritev2" },
	{ "o_append_write", "pwrite" }, { "pwrite_at_eof", "pwrite" }, { "writev_at_eof", "writev" },
	{ "o_direct_write", "pwrite" }, { "aio_write_in_bounds", "aio" }, { "aio_write_past_eof", "aio" },
	{ "aio_write_rwf_append", "aio" }, { "aio_write_at_eof", "aio" },
	{ "io_uring_write_in_bounds", "io_uring" }, { "io_uring_write_past_eof", "io_uring" },
	{ "io_uring_writev_in_bounds", "io_uring" }, { "io_uring_write_rwf_append", "io_uring" },
	{ "io_uring_write_at_eof", "io_uring" }, { "io_uring_fallocate_in_bounds", "fallocate" },
	{ "io_uring_fallocate_past_eof", "fallocate" }, { "io_uring_punch_hole", "fallocate" },
	{ "io_uring_ftruncate_shrink", "ftruncate" }, { "io_uring_splice_in_bounds", "io_uring" },
	{ "splice_in_bounds", "splice" }, { "splice_past_eof", "splice" }, { "splice_at_eof", "splice" },
	{ "sendfile_in_bounds", "sendfile" }, { "sendfile_at_eof", "sendfile" },
	{ "copy_file_range_in_bounds", "copy_file_range" }, { "copy_file_range_past_eof", "copy_file_range" },
	{ "copy_file_range_at_eof", "copy_file_range" }, { "ficlone", "reflink" }, { "ficlonerange", "reflink" },
	{ "fideduperange", "reflink" }, { "fallocate_in_bounds", "fallocate" },
	{ "fallocate_past_eof", "fallocate" }, { "fallocate_keep_size_past_eof", "fallocate" },
	{ "fallocate_keep_size_in_bounds", "fallocate" }, { "fallocate_punch_hole", "fallocate" },
	{ "fallocate_unshare_range", "fallocate" }, { "fallocate_write_zeroes", "fallocate" },
	{ "fallocate_zero_range", "fallocate" }, { "fallocate_collapse_range", "fallocate" },
	{ "fallocate_insert_range", "fallocate" }, { "ftruncate_shrink", "ftruncate" },
	{ "ftruncate_grow", "ftruncate" }, { "ftruncate_same_size", "ftruncate" },
	{ "truncate_shrink", "truncate" }, { "truncate_grow", "truncate" }, { "open_o_trunc", "open_trunc" },
	{ "mmap_shared_write", "mmap" }, { "mmap_shared_read", "mmap" }, { "mmap_private_write", "mmap" },
	{ "mprotect_shared_to_write", "mprotect" }, { "fchmod_toggle_x", "chmod" },
	{ "chmod_toggle_x", "chmod" }, { "fchmod_other_bits", "chmod" }, { "setfacl_access_x", "acl" },
	{ "add_seals_again", "add_seals" }, { "rename_away", "rename" }, { "rename_over", "rename" },
	{ "rename_exchange", "rename" }, { "unlink", "unlink" }, { "link", "link" }, { "pread", "none" },
};

static const char *operation_of(const struct op *op, unsigned int seals, bool shmem)
{
	/* On tmpfs the mapping itself is refused: it goes through a writable descriptor. */
	if (!strcmp(op->name, "mprotect_shared_to_write") && shmem && (seals & BPFSEAL_SEALS_NO_REWRITE))
		return "mmap";
	for (size_t i = 0; i < sizeof(operation_names) / sizeof(operation_names[0]); i++)
		if (!strcmp(operation_names[i].op, op->name))
			return operation_names[i].operation;
	return NULL;
}

/* The model's blockers: the seals in force that refuse the operation on their own. */
static unsigned int model_blockers(unsigned int seals, unsigned int fx, bool shmem)
{
	unsigned int blockers = 0;

	for (unsigned int bit = 1; bit; bit <<= 1)
		if ((seals & bit) && expected_errno(bit, fx, shmem))
			blockers |= bit;
	return blockers;
}

/*
 * The reason a table refusal must carry: the rule that refused it. A seal
 * refused it (none), `seal` refused more seals, or, for a clone or dedupe,
 * whose range the hook never sees, the range was missing under seals that
 * let some ranges through.
 */
static unsigned int model_reason(const struct op *op, const char *operation, unsigned int seals)
{
	if (op->effects & FX_ADD_SEALS)
		return BPFSEAL_REASON_SEALED;
	if (!strcmp(operation, "reflink") && !(seals & BPFSEAL_SEALS_NO_CONTENT_CHANGE))
		return BPFSEAL_REASON_NO_FACTS;
	return BPFSEAL_REASON_NONE;
}

static dev_t user_dev(unsigned long long kdev)
{
	return makedev((unsigned int)(kdev >> 20), (unsigned int)(kdev & 0xfffff));
}

/* NULL if the record is the one wanted, else what differs. */
static const char *record_differs(const struct bpfseal_audit_record *r, unsigned int type, const char *operation,
				  int error, unsigned int seals, unsigned int reason, const struct stat *st, char *why,
				  size_t len)
{
	char got[64], want[64];

	if (r->type != type)
		snprintf(why, len, "type %s, want %s", audit_type_name(r->type), audit_type_name(type));
	else if (strcmp(audit_operation_name(r->operation), operation))
		snprintf(why, len, "operation %s, want %s", audit_operation_name(r->operation), operation);
	else if (r->error != error)
		snprintf(why, len, "errno %s, want %s", itest_errname(r->error), itest_errname(error));
	else if (r->seals != seals)
		snprintf(why, len, "seals %s, want %s", seal_names_format(r->seals, got, sizeof(got)),
			 seal_names_format(seals, want, sizeof(want)));
	else if (st && (r->ino != st->st_ino || user_dev(r->dev) != st->st_dev))
		snprintf(why, len, "inode %llu:%llu ino %llu, want ino %llu", r->dev >> 20, r->dev & 0xfffff,
			 r->ino, (unsigned long long)st->st_ino);
	else if (r->reason != reason)
		snprintf(why, len, "reason %s, want %s", audit_reason_name(r->reason) ?: "?",
			 reason ? audit_reason_name(reason) : "none");
	else if (r->tgid != (unsigned int)getpid())
		snprintf(why, len, "pid %u, want %d", r->tgid, getpid());
	else if (r->uid != getuid())
		snprintf(why, len, "uid %u, want %u", r->uid, getuid());
	else
		return NULL;
	return why;
}

/* Exactly one record, and it is this one. */
static void expect_one(const char *name, unsigned int type, const char *operation, int error, unsigned int seals,
		       unsigned int reason, const struct stat *st)
{
	char why[256];

	if (!records_since_last()) {
		itest_report(false, name, "the marker's record never came");
		return;
	}
	if (n_seen != 1) {
		itest_report(false, name, "%d records, want 1 (%s %s)", n_seen,
			     n_seen ? audit_type_name(seen[0].type) : "-",
			     n_seen ? audit_operation_name(seen[0].operation) : "-");
		return;
	}
	itest_report(!record_differs(&seen[0], type, operation, error, seals, reason, st, why, sizeof(why)), name,
		     "%s", why);
}

struct kind {
	const char *fs;
	const char *dir;
	bool only_missing_on_tmpfs;	/* run just the operations tmpfs may not have */
};

/* One subject's state while its case runs. */
struct table_run {
	const struct kind *kind;
	struct subject s;
	struct stat st;
	const char *operation;
};

static bool kind_runs(void *ctx, const struct op *op)
{
	const struct table_run *r = ctx;

	return !r->kind->only_missing_on_tmpfs || op_absent_on(op, "tmpfs") || op_feature_on(op, "tmpfs");
}

static int make_subject(const struct kind *k, const struct seal_set *set, struct subject *s)
{
	memset(s, 0, sizeof(*s));
	s->fs = k->fs;
	s->dir = k->dir;
	snprintf(s->path, sizeof(s->path), "%s/audit.XXXXXX", k->dir);
	s->fd = mkostemp(s->path, O_CLOEXEC);
	if (s->fd < 0 || itest_fill(s->fd) || fchmod(s->fd, set->mode))
		return errno;
	return set->seals ? subject_add_seals(s, set->seals, false) : 0;
}

/* The seals added to each set's first subject leave one record, by us: a case of its own. */
static bool records_seals_added(const struct table_case *c)
{
	return c->oi == 0 && c->si && c->set->seals;
}

static int run_case(void *ctx, struct table_case *c)
{
	struct table_run *r = ctx;
	bool shmem = !strcmp(r->kind->fs, "tmpfs");
	char name[256];
	int err;

	r->s.fd = -1;
	r->operation = operation_of(c->op, c->seals, shmem);
	if (!r->operation) {
		itest_report(false, c->name, "ops.c has an operation audit_test.c does not name");
		return TABLE_REPORTED;
	}
	records_since_last();	/* the last subject's removal may have been refused (name) */
	err = make_subject(r->kind, c->set, &r->s);
	fstat(r->s.fd, &r->st);
	if (records_seals_added(c)) {
		snprintf(name, sizeof(name), "audit/%s/%s/seals_added_record", r->kind->fs, c->set->name);
		if (err)
			itest_report(false, name, "setup: cannot make and seal the file: %s", itest_errname(err));
		else
			expect_one(name, BPFSEAL_AUDIT_SEALED, "add_seals", 0, c->seals, BPFSEAL_REASON_NONE, &r->st);
	} else {
		records_since_last();
	}
	if (err) {
		itest_report(false, c->name, "setup: cannot make and seal the file: %s", itest_errname(err));
		return TABLE_REPORTED;
	}
	return c->op->run(&r->s);
}

static void judge(void *ctx, struct table_case *c, int got)
{
	struct table_run *r = ctx;
	bool shmem = !strcmp(r->kind->fs, "tmpfs");
	unsigned int fx = c->op->effects;
	int want = expected_errno(c->seals, fx, shmem);

	if (got != want) {
		itest_report(false, c->name, "the operation got %s, want %s", itest_errname(got), itest_errname(want));
		records_since_last();
	} else if (!want) {
		/* Allowed: no record, except the seals an allowed add put in. */
		records_since_last();
		for (int i = 0; i < n_seen; i++)
			if (seen[i].type == BPFSEAL_AUDIT_SEALED && (fx & FX_ADD_SEALS))
				seen[i--] = seen[--n_seen];
		itest_report(n_seen == 0, c->name, "allowed, yet %d record%s (%s %s)", n_seen, n_seen == 1 ? "" : "s",
			     n_seen ? audit_type_name(seen[0].type) : "",
			     n_seen ? audit_operation_name(seen[0].operation) : "");
	} else {
		expect_one(c->name, fx & FX_ADD_SEALS ? BPFSEAL_AUDIT_SEAL_REFUSED : BPFSEAL_AUDIT_DENIED,
			   r->operation, want, fx & FX_ADD_SEALS ? 0x0004u : model_blockers(c->seals, fx, shmem),
			   model_reason(c->op, r->operation, c->seals), &r->st);
	}
}

static void done(void *ctx, struct table_case *c)
{
	struct table_run *r = ctx;

	(void)c;
	if (r->s.fd >= 0) {
		close(r->s.fd);
		unlink(r->s.path);
	}
}

static struct table table_of(struct table_run *r)
{
	return (struct table){ .prefix = "audit", .fs = r->kind->fs, .runs_op = kind_runs, .run = run_case,
			       .judge = judge, .done = done, .ctx = r };
}

/* The table's cases on this kind: its operations, and the record of each set's seals. */
static unsigned int table_cases_of(struct table_run *r)
{
	struct table t = table_of(r);
	unsigned int cases = table_cases(&t);

	for (size_t si = 0; si < n_seal_sets; si++) {
		struct table_case c = { .set = &seal_sets[si], .si = si, .op = &ops[0], .oi = 0 };

		cases += table_has_case(&t, si, 0) && records_seals_added(&c);
	}
	return cases;
}

static void run_table(struct table_run *r)
{
	struct table t = table_of(r);

	table_run(&t);
}

/* --- refusals the table has no row for */

static int make_file(const char *dir, const char *name, char *path, size_t len, struct stat *st)
{
	int fd = itest_make_file(dir, name, path, len);

	fstat(fd, st);
	return fd;
}

static void kernel_writer_cases(void)
{
	char path[256], cmd[300], dev[32];
	static char zero[1 << 20];
	struct stat st;
	int fd, loop, n;

	/* acct(2) only appends, and grow forbids it. */
	fd = make_file(EXT4, "audit-acct", path, sizeof(path), &st);
	bpfseal_add_seals(fd, BPFSEAL_SEAL_GROW);
	records_since_last();
	itest_expect("audit/kernel_writer/acct_refused", acct(path) ? errno : 0, EPERM);
	expect_one("audit/kernel_writer/acct_record", BPFSEAL_AUDIT_DENIED, "kernel_writer_open", EPERM,
		   BPFSEAL_SEAL_GROW, BPFSEAL_REASON_WRITER_ACCT, &st);
	itest_report(n_seen == 1 && seen[0].reason == BPFSEAL_REASON_WRITER_ACCT, "audit/kernel_writer/acct_reason", "reason %s",
		     audit_reason_name(seen[0].reason));
	close(fd);
	acct(NULL);

	/* swapon(2) writes blocks directly. */
	snprintf(path, sizeof(path), "%s/audit-swap", EXT4);
	unlink(path);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	snprintf(cmd, sizeof(cmd), "mkswap %s >/dev/null 2>&1", path);
	if (fd < 0 || write(fd, zero, sizeof(zero)) != sizeof(zero) || fsync(fd) || system(cmd)) {
		itest_report(false, "audit/kernel_writer/swapon_record", "cannot make a swap file");
	} else {
		fstat(fd, &st);
		bpfseal_add_seals(fd, BPFSEAL_SEAL_WRITE);
		records_since_last();
		n = swapon(path, 0) ? errno : 0;
		if (!n)
			swapoff(path);
		expect_one("audit/kernel_writer/swapon_record", BPFSEAL_AUDIT_DENIED, "kernel_writer_open", EPERM,
			   BPFSEAL_SEAL_WRITE, BPFSEAL_REASON_WRITER_IN_CALL, &st);
		itest_report(n_seen == 1 && seen[0].syscall == 167 && seen[0].reason == BPFSEAL_REASON_WRITER_IN_CALL,
			     "audit/kernel_writer/swapon_names_swapon", "syscall %d, reason %s", seen[0].syscall,
			     audit_reason_name(seen[0].reason));
	}
	if (fd >= 0)
		close(fd);

	/* A writable loop device over a write-sealed file: the record names the backing file. */
	loop = itest_loop_open(-1, dev, sizeof(dev));
	fd = make_file(EXT4, "audit-loop", path, sizeof(path), &st);
	bpfseal_add_seals(fd, BPFSEAL_SEAL_WRITE);
	records_since_last();
	if (loop < 0) {
		itest_report(false, "audit/ioctl/loop_set_fd_record", "no loop device: %s", strerror(errno));
	} else {
		n = ioctl(loop, LOOP_SET_FD, fd) ? errno : 0;
		if (!n)
			ioctl(loop, LOOP_CLR_FD, 0);
		expect_one("audit/ioctl/loop_set_fd_record", BPFSEAL_AUDIT_DENIED, "ioctl", EPERM, BPFSEAL_SEAL_WRITE,
			   BPFSEAL_REASON_LOOP, &st);
		itest_report(n_seen == 1 && seen[0].detail == LOOP_SET_FD && seen[0].reason == BPFSEAL_REASON_LOOP,
			     "audit/ioctl/loop_set_fd_names_the_ioctl", "detail %#llx, reason %s", seen[0].detail,
			     audit_reason_name(seen[0].reason));
		close(loop);
	}
	close(fd);
}

static void expect_refused_add(const char *name, int fd, unsigned int seals, int want_errno, unsigned int reason,
			       const struct stat *st)
{
	char n[200];
	int err;

	records_since_last();
	err = bpfseal_add_seals(fd, seals) ? errno : 0;
	snprintf(n, sizeof(n), "audit/refused_add/%s", name);
	itest_expect(n, err, want_errno);
	records_since_last();
	/* libbpfseal asks again while pins may be short-lived: the last attempt is the answer. */
	if (n_seen > 1)
		seen[0] = seen[n_seen - 1], n_seen = 1;
	snprintf(n, sizeof(n), "audit/refused_add/%s_record", name);
	if (n_seen != 1) {
		itest_report(false, n, "%d records, want 1", n_seen);
		return;
	}
	{
		char why[256];
		const char *d = record_differs(&seen[0], BPFSEAL_AUDIT_SEAL_REFUSED, "add_seals", want_errno, seals,
					       reason, st, why, sizeof(why));

		itest_report(!d, n, "%s", d ?: "");
	}
}

static void refused_add_cases(void)
{
	char path[256];
	struct stat st;
	void *map;
	int fd;

	/* EBUSY: a writable shared mapping. */
	fd = make_file(TMPFS, "audit-busy", path, sizeof(path), &st);
	map = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	expect_refused_add("ebusy_mappings", fd, BPFSEAL_SEAL_WRITE, EBUSY, BPFSEAL_REASON_MAPPINGS, &st);
	munmap(map, 4096);
	close(fd);
	unlink(path);

	/* EINVAL: a filesystem where no identity survives eviction. */
	fd = open("/proc/sys/kernel/domainname", O_RDWR | O_CLOEXEC);
	fstat(fd, &st);
	expect_refused_add("einval_no_identity", fd, BPFSEAL_SEAL_GROW, EINVAL, BPFSEAL_REASON_NO_IDENTITY, &st);
	close(fd);

	/* EPERM: neither owner nor CAP_FOWNER. */
	fd = make_file(TMPFS, "audit-notmine", path, sizeof(path), &st);
	fchmod(fd, 0666);
	close(fd);
	records_since_last();
	if (fork() == 0) {
		int cfd;

		if (setgid(65534) || setuid(65534))
			_exit(2);
		cfd = open(path, O_RDWR | O_CLOEXEC);
		_exit(cfd >= 0 && bpfseal_add_seals(cfd, BPFSEAL_SEAL_WRITE) && errno == EPERM ? 0 : 1);
	}
	{
		int status;

		wait(&status);
		records_since_last();
		itest_report(WIFEXITED(status) && WEXITSTATUS(status) == 0, "audit/refused_add/eperm_not_owner",
			     "the child's add was not refused with EPERM");
		itest_report(n_seen == 1 && seen[0].type == BPFSEAL_AUDIT_SEAL_REFUSED && seen[0].uid == 65534 &&
				     seen[0].reason == BPFSEAL_REASON_NOT_OWNER && seen[0].error == EPERM &&
				     seen[0].ino == st.st_ino,
			     "audit/refused_add/eperm_not_owner_record", "%d records; first: %s uid %u reason %s",
			     n_seen, n_seen ? audit_type_name(seen[0].type) : "-", n_seen ? seen[0].uid : 0,
			     n_seen ? audit_reason_name(seen[0].reason) : "-");
	}
	unlink(path);
}

/* --- the storm */

#define STORM_WRITES	200000
#define STORM_THREADS	2
#define REFERENCE_WRITES 20000

static int storm_fd;

struct storm_thread {
	pthread_t thread;
	long writes, refused;
};

static void *storm_writer(void *arg)
{
	struct storm_thread *t = arg;

	for (long i = 0; i < t->writes; i++)
		if (pwrite(storm_fd, "s", 1, 0) < 0 && errno == EPERM)
			t->refused++;
	return NULL;
}

/* Refused writes in STORM_THREADS threads: how many were refused, and the seconds it took. */
static long storm(long writes, double *seconds)
{
	struct storm_thread t[STORM_THREADS] = {};
	struct timespec a, b;
	long refused = 0;

	clock_gettime(CLOCK_MONOTONIC, &a);
	for (int i = 0; i < STORM_THREADS; i++) {
		t[i].writes = writes / STORM_THREADS;
		pthread_create(&t[i].thread, NULL, storm_writer, &t[i]);
	}
	for (int i = 0; i < STORM_THREADS; i++) {
		pthread_join(t[i].thread, NULL);
		refused += t[i].refused;
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	*seconds = (double)(b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9;
	return refused;
}

static long rss_kib(pid_t pid)
{
	char path[64], line[256];
	long kib = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f))
		sscanf(line, "VmRSS: %ld", &kib);
	if (f)
		fclose(f);
	return kib;
}

static long long state_count(size_t offset)
{
	LIBBPF_OPTS(bpf_obj_get_opts, ro, .file_flags = BPF_F_RDONLY);
	struct bpfseal_policy_state st = {};
	int fd = bpf_obj_get_opts(BPFSEAL_PIN_MAPS "/policy_state", &ro);
	__u32 zero = 0;

	if (fd >= 0) {
		bpf_map_lookup_elem(fd, &zero, &st);
		close(fd);
	}
	return *(long long *)((char *)&st + offset);
}

static void storm_cases(void)
{
	const char *out = "/tmp/audit-storm.json";
	long refused, received = 0, dropped = 0, rss_before, rss_after;
	long long dropped_before, denials_before;
	double reference_s, storm_s, per_ref, per_storm;
	char path[256], line[1024], ino_field[64];
	struct stat st;
	pid_t monitor;
	FILE *f;
	int status;

	storm_fd = make_file(TMPFS, "audit-storm", path, sizeof(path), &st);
	bpfseal_add_seals(storm_fd, BPFSEAL_SEAL_WRITE);
	/* Nobody listening: the pace of refusals alone. */
	refused = storm(REFERENCE_WRITES, &reference_s);
	itest_report(refused == REFERENCE_WRITES, "audit/storm/reference_writes_refused", "%ld of %d refused",
		     refused, REFERENCE_WRITES);

	monitor = fork();
	if (monitor == 0) {
		int o = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

		dup2(o, STDOUT_FILENO);
		execl("/usr/sbin/sealctl", "sealctl", "monitor", "--json", (char *)NULL);
		_exit(127);
	}
	if (!wait_for_consumers(1)) {
		itest_report(false, "audit/storm/monitor_attached", "sealctl monitor --json never took a slot");
		kill(monitor, SIGKILL);
		waitpid(monitor, NULL, 0);
		return;
	}
	rss_before = rss_kib(monitor);
	kill(monitor, SIGSTOP);
	waitpid(monitor, &status, WUNTRACED);
	dropped_before = state_count(offsetof(struct bpfseal_policy_state, audit_dropped));
	denials_before = state_count(offsetof(struct bpfseal_policy_state, denials));

	refused = storm(STORM_WRITES, &storm_s);
	itest_report(refused == STORM_WRITES, "audit/storm/writes_refused", "%ld of %d refused", refused,
		     STORM_WRITES);
	per_ref = reference_s / REFERENCE_WRITES * 1e6;
	per_storm = storm_s / STORM_WRITES * 1e6;
	printf("  [%s] storm: %.1f us per refused write with a stopped monitor, %.1f us with nobody listening\n",
	       itest_kernel(), per_storm, per_ref);
	/* Wall clock under TCG wanders by half: a stopped reader must not cost a multiple. */
	itest_report(per_storm < 3 * per_ref, "audit/storm/writers_not_slowed_by_stopped_monitor",
		     "%.1f us per write, %.1f us without a monitor", per_storm, per_ref);
	itest_report(state_count(offsetof(struct bpfseal_policy_state, denials)) - denials_before == STORM_WRITES,
		     "audit/storm/status_counts_every_denial", "denials went up by %lld",
		     state_count(offsetof(struct bpfseal_policy_state, denials)) - denials_before);

	kill(monitor, SIGCONT);
	/* Let it take what its ring holds, then see that its memory stayed put. */
	usleep(500 * 1000);
	rss_after = rss_kib(monitor);
	itest_report(rss_after >= 0 && rss_after <= rss_before + 1024, "audit/storm/monitor_memory_bounded",
		     "VmRSS %ld KiB before, %ld KiB after", rss_before, rss_after);
	kill(monitor, SIGTERM);
	waitpid(monitor, &status, 0);
	itest_report(WIFEXITED(status) && WEXITSTATUS(status) == 0, "audit/storm/monitor_exits_cleanly",
		     "status %#x", status);

	snprintf(ino_field, sizeof(ino_field), "\"ino\":%llu,", (unsigned long long)st.st_ino);
	f = fopen(out, "r");
	while (f && fgets(line, sizeof(line), f)) {
		long n;

		if (strstr(line, "\"type\":\"denied\"") && strstr(line, ino_field))
			received++;
		else if (sscanf(line, "{\"type\":\"dropped\",\"count\":%ld", &n) == 1)
			dropped += n;
	}
	if (f)
		fclose(f);
	printf("  [%s] storm: the monitor received %ld records and reported %ld dropped\n", itest_kernel(), received,
	       dropped);
	itest_report(received > 0 && received + dropped == STORM_WRITES, "audit/storm/received_plus_dropped_is_every_refusal",
		     "%ld received + %ld dropped, want %d", received, dropped, STORM_WRITES);
	itest_report(state_count(offsetof(struct bpfseal_policy_state, audit_dropped)) - dropped_before == dropped,
		     "audit/storm/status_counts_the_drops", "records dropped went up by %lld, the monitor said %ld",
		     state_count(offsetof(struct bpfseal_policy_state, audit_dropped)) - dropped_before, dropped);
	close(storm_fd);
	unlink(path);
	unlink(out);
}

/* How long each part took, on the console (the suite's time budget is tight). */
static void seconds(const char *what)
{
	static struct timespec last;
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	if (last.tv_sec)
		printf("  [%s] audit: %s took %.1f s\n", itest_kernel(), what,
		       (double)(now.tv_sec - last.tv_sec) + (double)(now.tv_nsec - last.tv_nsec) / 1e9);
	last = now;
}

/* The cases of each part outside the table. */
#define MARKER_CASES 1
#define KERNEL_WRITER_CASES 7
#define REFUSED_ADD_CASES 6
#define STORM_CASES 8

int main(void)
{
	static const struct kind tmpfs = { "tmpfs", TMPFS, false }, xfs = { "xfs", XFS, true };
	static struct table_run on_tmpfs = { .kind = &tmpfs }, on_xfs = { .kind = &xfs };
	char err[512], path[256];
	struct stat st;

	setvbuf(stdout, NULL, _IOLBF, 0);
	itest_plan(MARKER_CASES + table_cases_of(&on_tmpfs) + table_cases_of(&on_xfs) + KERNEL_WRITER_CASES +
		   REFUSED_ADD_CASES + STORM_CASES);
	seconds(NULL);
	ops_init();
	if (audit_attach(&consumer, AUDIT_RING_DEFAULT, keep_record, NULL, err, sizeof(err))) {
		itest_report(false, "audit/attach", "%s", err);
		return 1;
	}
	marker_fd = make_file(TMPFS, "audit-marker", path, sizeof(path), &st);
	marker_ino = st.st_ino;
	bpfseal_add_seals(marker_fd, BPFSEAL_SEAL_WRITE);
	itest_report(records_since_last(), "audit/marker_record_arrives", "no record for a refused write");

	run_table(&on_tmpfs);
	run_table(&on_xfs);	/* reflink, and O_DIRECT where tmpfs has none */
	kernel_writer_cases();
	refused_add_cases();
	audit_detach(&consumer);
	seconds("the seal table, kernel writers and refused requests");
	storm_cases();
	seconds("the storm");
	close(marker_fd);
	return itest_end();
}
