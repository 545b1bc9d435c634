// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * sealctl monitor [--json | --journal [--rate-limit N/SECONDS]]: follow the
 * policy's audit records live (user/audit_consumer.c), across reloads and unloads,
 * until SIGINT or SIGTERM. Each record is one line of text, one JSON
 * object, or one journal entry (user/journal.c).
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <systemd/sd-daemon.h>

#include "audit.h"
#include "journal.h"
#include "sealctl.h"

enum sink { SINK_TEXT, SINK_JSON, SINK_JOURNAL };

static volatile sig_atomic_t stop;

static void on_stop(int sig)
{
	stop = sig;
}

struct monitor {
	enum sink sink;
	bool saw_unload;
	struct audit_consumer c;
	bool attached, ever_attached, waiting;
	double last_check;	/* when we last asked whether our slot is still the policy's */
};

static int on_record(void *ctx, const struct bpfseal_audit_record *rec)
{
	struct monitor *m = ctx;
	char path[4096];

	audit_path(rec, path, sizeof(path));
	switch (m->sink) {
	case SINK_JOURNAL:
		journal_record(rec, path);
		break;
	case SINK_JSON:
		audit_print_json(stdout, rec, path);
		putchar('\n');
		break;
	default:
		audit_print_text(stdout, rec, path);
		putchar('\n');
		break;
	}
	if (rec->type == BPFSEAL_AUDIT_POLICY && rec->operation == BPFSEAL_OP_UNLOAD)
		m->saw_unload = true;
	return 0;
}

static void report_dropped(struct monitor *m, struct audit_consumer *c)
{
	unsigned long long total, fresh = audit_newly_dropped(c, &total);

	if (!fresh)
		return;
	if (m->sink == SINK_JOURNAL)
		journal_dropped(fresh, total);
	else if (m->sink == SINK_JSON)
		printf("{\"type\":\"dropped\",\"count\":%llu,\"total\":%llu}\n", fresh, total);
	else
		printf("dropped %llu record%s: this monitor's buffer was full (%llu since it started)\n", fresh,
		       fresh == 1 ? "" : "s", total);
}

static void say(struct monitor *m, const char *text)
{
	if (m->sink == SINK_JOURNAL)
		journal_notice(text);
	else
		fprintf(stderr, "sealctl: monitor: %s\n", text);
}

static int parse_rate_limit(const char *arg, unsigned int *burst, unsigned int *interval)
{
	char *end;
	unsigned long b = strtoul(arg, &end, 10), i;

	if (end == arg || *end != '/' || b == 0 || b > 1000000)
		return -1;
	arg = end + 1;
	i = strtoul(arg, &end, 10);
	if (end == arg || *end || i == 0 || i > 86400)
		return -1;
	*burst = (unsigned int)b;
	*interval = (unsigned int)i;
	return 0;
}

static double seconds_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Sleep about a second, or less if a signal comes. */
static void pause_a_second(void)
{
	struct timespec one = { 1, 0 };

	nanosleep(&one, NULL);
}

/* The options: 0, or -1 with the exit code in *rc. */
static int monitor_options(int argc, char **argv, struct monitor *m, unsigned int *burst, unsigned int *interval,
			   int *rc)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "json", no_argument, NULL, 'j' },
		{ "journal", no_argument, NULL, 'J' },
		{ "rate-limit", required_argument, NULL, 'r' },
		{ 0 },
	};
	bool rate_given = false;
	int opt;

	*rc = EXIT_USAGE;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'h':
			sealctl_usage(stdout, "monitor");
			*rc = EXIT_OK;
			return -1;
		case 'j':
			m->sink = SINK_JSON;
			break;
		case 'J':
			m->sink = SINK_JOURNAL;
			break;
		case 'r':
			if (parse_rate_limit(optarg, burst, interval)) {
				sealctl_error("monitor: --rate-limit '%s': want N/SECONDS, e.g. 20/10", optarg);
				return -1;
			}
			rate_given = true;
			break;
		default:
			sealctl_usage(stderr, "monitor");
			return -1;
		}
	}
	if (optind != argc) {
		sealctl_error("monitor: unexpected argument '%s'", argv[optind]);
		return -1;
	}
	if (rate_given && m->sink != SINK_JOURNAL) {
		sealctl_error("monitor: --rate-limit applies to --journal only");
		return -1;
	}
	return 0;
}

/* No SA_RESTART: a signal ends the wait for records at once. */
static void catch_signals(void)
{
	struct sigaction sa = { .sa_handler = on_stop };

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/* Attach to the policy, or wait a second for it: false when the monitor ends, with *rc. */
static bool attach_or_wait(struct monitor *m, int *rc)
{
	char err[512];
	int ret = audit_attach(&m->c, AUDIT_RING_DEFAULT, on_record, m, err, sizeof(err));

	if (!ret) {
		m->attached = m->ever_attached = true;
		m->saw_unload = false;
		m->last_check = seconds_now();
		if (m->waiting)
			say(m, "the policy is loaded again: following its records");
		m->waiting = false;
		if (m->sink == SINK_JOURNAL)
			sd_notify(0, "READY=1\nSTATUS=forwarding bpfseal's records to the journal");
		return true;
	}
	/* The forwarder waits for a policy; a monitor that has followed one, too. */
	if (ret == -ENOENT && (m->sink == SINK_JOURNAL || m->ever_attached)) {
		if (!m->waiting) {
			say(m, "the policy is not loaded: waiting for it");
			if (m->sink == SINK_JOURNAL)
				sd_notify(0, "READY=1\nSTATUS=waiting for the bpfseal policy");
		}
		m->waiting = true;
		pause_a_second();
		return true;
	}
	sealctl_error("monitor: %s", ret == -ENOENT ? "the policy is not loaded" : err);
	*rc = ret == -ENOENT ? EXIT_NOT_LOADED : EXIT_REFUSED;
	return false;
}

/* What the policy wrote is still ours to show: show it, then leave the slot. */
static void detach(struct monitor *m)
{
	audit_drain(&m->c);
	report_dropped(m, &m->c);
	audit_detach(&m->c);
	m->attached = false;
}

/*
 * Up to a second of records. False when the monitor ends: *rc EXIT_REFUSED
 * (records cannot be read), or EXIT_OK when nobody reads our output.
 */
static bool read_records(struct monitor *m, int *rc)
{
	int ret = audit_poll(&m->c, 1000);

	if (ret < 0 && ret != -EINTR) {
		sealctl_error("monitor: cannot read records: %s", strerror(-ret));
		audit_detach(&m->c);
		*rc = EXIT_REFUSED;
		return false;
	}
	report_dropped(m, &m->c);
	if (m->sink == SINK_JOURNAL)
		journal_flush(false);
	if (ferror(stdout)) {
		stop = SIGPIPE;	/* nobody reads us any more */
		*rc = EXIT_OK;
		return false;
	}
	/* An unload says so; a policy removed without a word is noticed within a second. */
	if (m->saw_unload || seconds_now() - m->last_check >= 1.0) {
		m->last_check = seconds_now();
		if (!audit_still_attached(&m->c))
			detach(m);
	}
	return true;
}

int cmd_monitor(int argc, char **argv)
{
	unsigned int burst = JOURNAL_BURST_DEFAULT, interval = JOURNAL_INTERVAL_DEFAULT;
	struct monitor m = { .sink = SINK_TEXT };
	int rc;

	if (monitor_options(argc, argv, &m, &burst, &interval, &rc))
		return rc;
	if (geteuid() != 0) {
		sealctl_error("monitor: records show what every user's processes do: root only");
		return EXIT_REFUSED;
	}
	journal_init(burst, interval);
	catch_signals();
	setvbuf(stdout, NULL, _IOLBF, 0);

	while (!stop) {
		if (!m.attached ? !attach_or_wait(&m, &rc) : !read_records(&m, &rc)) {
			if (rc != EXIT_OK)
				return rc;
			break;
		}
	}
	if (m.attached)
		detach(&m);
	if (m.sink == SINK_JOURNAL)
		journal_flush(true);
	fflush(stdout);
	return EXIT_OK;
}
