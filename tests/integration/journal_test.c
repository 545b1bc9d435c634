// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The journal forwarder, `sealctl monitor --journal` as bpfseal-journal.service
 * runs it, against a stand-in journal: the test binds the datagram socket
 * sd_journal_send() writes to (/run/systemd/journal/socket; the VM runs no
 * systemd) and reads the native protocol, KEY=value lines, or KEY, a
 * 64-bit little-endian length and the bytes for values with a newline.
 * A seal added and refused writes must arrive with their MESSAGE_ID and
 * fields; a process refused more often than the rate limit allows must
 * get that many entries, then one saying how many were suppressed.
 */
#include <signal.h>
#include <time.h>
#include <sys/socket.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/wait.h>

#include "audit.h"
#include "consumers.h"
#include "itest.h"
#include "journal.h"

#define SOCKET_DIR "/run/systemd/journal"
#define SOCKET SOCKET_DIR "/socket"
#define BURST 5
#define INTERVAL_S 4	/* wide enough that a slow guest forwards the burst within one */
#define REFUSALS 20

struct entry {
	char fields[64][512];
	int n;
};

/* The value of KEY in an entry, or NULL. */
static const char *field(const struct entry *e, const char *key)
{
	size_t k = strlen(key);

	for (int i = 0; i < e->n; i++)
		if (!strncmp(e->fields[i], key, k) && e->fields[i][k] == '=')
			return e->fields[i] + k + 1;
	return NULL;
}

/* One datagram into fields. */
static void parse(const char *buf, size_t len, struct entry *e)
{
	size_t at = 0;

	e->n = 0;
	while (at < len && e->n < 64) {
		const char *nl = memchr(buf + at, '\n', len - at), *eq;
		size_t line = nl ? (size_t)(nl - (buf + at)) : len - at;

		eq = memchr(buf + at, '=', line);
		if (eq) {
			snprintf(e->fields[e->n++], sizeof(e->fields[0]), "%.*s", (int)line, buf + at);
			at += line + 1;
		} else {
			/* KEY\n, a little-endian 64-bit length, the value, \n */
			unsigned long long vlen = 0;

			if (at + line + 9 > len)
				break;
			memcpy(&vlen, buf + at + line + 1, 8);
			snprintf(e->fields[e->n++], sizeof(e->fields[0]), "%.*s=%.*s", (int)line, buf + at,
				 (int)(vlen < 400 ? vlen : 400), buf + at + line + 9);
			at += line + 9 + vlen + 1;
		}
	}
}

/* The next entry, waiting up to ms; false when none came. */
static bool next_entry(int sock, struct entry *e, int ms)
{
	static char buf[65536];
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };
	ssize_t n;

	setsockopt(sock, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	n = recv(sock, buf, sizeof(buf), 0);
	if (n <= 0)
		return false;
	parse(buf, (size_t)n, e);
	return true;
}

/* A field an entry must carry; MESSAGE, being prose, need only contain the words. */
struct want_field {
	const char *name, *key, *want;
};

/*
 * Each field of the entry (NULL: none came), or each as not run when the
 * setup the entry needed failed: every case is reported either way.
 */
static void expect_fields(const struct want_field *w, size_t n, const struct entry *e, const char *missing,
			  const char *not_run)
{
	for (size_t i = 0; i < n; i++) {
		const char *got = e ? field(e, w[i].key) : NULL;
		bool prose = !strcmp(w[i].key, "MESSAGE");

		if (not_run)
			itest_report(false, w[i].name, "not run: %s", not_run);
		else if (!e)
			itest_report(false, w[i].name, "%s", missing);
		else
			itest_report(got && (prose ? !!strstr(got, w[i].want) : !strcmp(got, w[i].want)), w[i].name,
				     "%s=%s, want %s%s", w[i].key, got ? got : "(missing)", prose ? "one containing " : "",
				     w[i].want);
	}
}

/* Why the forwarder did not take a slot: it died (and how), or it hangs. */
static void forwarder_gone(pid_t forwarder, char *why, size_t len)
{
	int status;

	if (waitpid(forwarder, &status, WNOHANG) != forwarder)
		snprintf(why, len, "sealctl monitor --journal runs, but never took a slot");
	else if (WIFEXITED(status) && (WEXITSTATUS(status) == 126 || WEXITSTATUS(status) == 127))
		snprintf(why, len, "cannot run /usr/sbin/sealctl (exit %d)", WEXITSTATUS(status));
	else if (WIFEXITED(status))
		snprintf(why, len, "sealctl monitor --journal exited %d before taking a slot", WEXITSTATUS(status));
	else
		snprintf(why, len, "sealctl monitor --journal died of signal %d", WTERMSIG(status));
}

int main(void)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	char path[256] = "", dev[32] = "", ino[32] = "", pid[32], cmd[512], limit[32], why[256] = "";
	struct entry *e = malloc(sizeof(*e)), *sealed = malloc(sizeof(*sealed)), *denial = malloc(sizeof(*denial));
	int sock, fd = -1, consumers, denied = 0, refused = 0, status = 0;
	bool got_sealed = false, got_denial = false;
	const char *suppressed = NULL, *not_run = NULL;
	struct timespec start, end;
	pid_t forwarder = -1;
	struct stat st;
	/* Filled in once the file is made: they point at its device, inode and path. */
	const struct want_field sealed_fields[] = {
		{ "journal/sealed/priority", "PRIORITY", "5" },
		{ "journal/sealed/operation", "BPFSEAL_OPERATION", "add_seals" },
		{ "journal/sealed/seals", "BPFSEAL_SEALS", "write" },
		{ "journal/sealed/device", "BPFSEAL_DEVICE", dev },
		{ "journal/sealed/path", "BPFSEAL_PATH", path },
		{ "journal/sealed/by_whom", "OBJECT_COMM", "sealctl" },
		{ "journal/sealed/identifier", "SYSLOG_IDENTIFIER", "bpfseal" },
	};
	const struct want_field denied_fields[] = {
		{ "journal/denied/priority", "PRIORITY", "4" },
		{ "journal/denied/operation", "BPFSEAL_OPERATION", "pwrite" },
		{ "journal/denied/seals", "BPFSEAL_SEALS", "write" },
		{ "journal/denied/errno", "BPFSEAL_ERRNO", "EPERM" },
		{ "journal/denied/device", "BPFSEAL_DEVICE", dev },
		{ "journal/denied/inode", "BPFSEAL_INODE", ino },
		{ "journal/denied/path", "BPFSEAL_PATH", path },
		{ "journal/denied/object_comm", "OBJECT_COMM", "journal_test" },
		{ "journal/denied/object_uid", "OBJECT_UID", "0" },
		{ "journal/denied/message", "MESSAGE", "denied pwrite" },
	};
	size_t sealed_count = sizeof(sealed_fields) / sizeof(sealed_fields[0]);
	size_t denied_count = sizeof(denied_fields) / sizeof(denied_fields[0]);

	setvbuf(stdout, NULL, _IOLBF, 0);
	/* Set up (2), seal added and writes refused (2), the two entries' fields, rate limit (2), stop. */
	itest_plan(2 + 2 + sealed_count + denied_count + 2 + 1);
	clock_gettime(CLOCK_MONOTONIC, &start);
	mkdir("/run/systemd", 0755);
	mkdir(SOCKET_DIR, 0755);
	unlink(SOCKET);
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", SOCKET);
	sock = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (sock < 0 || bind(sock, (struct sockaddr *)&addr, sizeof(addr))) {
		snprintf(why, sizeof(why), "cannot bind %s: %s", SOCKET, strerror(errno));
		not_run = "no stand-in journal socket";
	}
	itest_report(!why[0], "journal/stand_in_socket", "%s", why);
	consumers = audit_consumer_count();
	snprintf(limit, sizeof(limit), "%d/%d", BURST, INTERVAL_S);
	if (!not_run) {
		forwarder = fork();
		if (forwarder == 0) {
			execl("/usr/sbin/sealctl", "sealctl", "monitor", "--journal", "--rate-limit", limit, (char *)NULL);
			_exit(127);
		}
		if (forwarder < 0)
			snprintf(why, sizeof(why), "fork: %s", strerror(errno));
		else if (!wait_for_consumers(consumers + 1))
			forwarder_gone(forwarder, why, sizeof(why));
		itest_report(!why[0], "journal/forwarder_attached", "%s", why);
		if (why[0]) {
			not_run = "the forwarder is not attached";
			if (forwarder > 0 && kill(forwarder, SIGKILL) == 0)
				waitpid(forwarder, &status, 0);
			forwarder = -1;
		}
	} else {
		itest_report(false, "journal/forwarder_attached", "not run: %s", not_run);
	}

	if (!not_run) {
		fd = itest_make_file("/mnt/ext4", "journal-subject", path, sizeof(path));
		if (fd < 0 || fstat(fd, &st)) {
			itest_report(false, "journal/seal_added", "cannot make %s: %s", path, strerror(errno));
			not_run = "no file to seal";
		}
	} else {
		itest_report(false, "journal/seal_added", "not run: %s", not_run);
	}
	if (!not_run) {
		snprintf(dev, sizeof(dev), "%u:%u", major(st.st_dev), minor(st.st_dev));
		snprintf(ino, sizeof(ino), "%llu", (unsigned long long)st.st_ino);
		/* Sealed by another process, so that its entry is not counted against ours. */
		snprintf(cmd, sizeof(cmd), "sealctl add --seals write %s", path);
		status = system(cmd);
		itest_report(WIFEXITED(status) && WEXITSTATUS(status) == 0, "journal/seal_added",
			     "`%s` exited %d%s", cmd, WIFEXITED(status) ? WEXITSTATUS(status) : -1,
			     WIFEXITED(status) && WEXITSTATUS(status) == 127 ? ": no sealctl" : "");
		for (int i = 0; i < REFUSALS; i++)
			refused += pwrite(fd, "x", 1, 0) < 0 && errno == EPERM;
		/* The rate limit's counts below add up only if every one of them was refused. */
		itest_report(refused == REFUSALS, "journal/writes_refused", "%d of %d writes refused with EPERM",
			     refused, REFUSALS);
	} else {
		itest_report(false, "journal/writes_refused", "not run: %s", not_run);
	}
	snprintf(pid, sizeof(pid), "%d", getpid());

	/* The seal, the first BURST refusals, then (after the interval) the count of the rest. */
	while (!not_run && next_entry(sock, e, (INTERVAL_S + 3) * 1000)) {
		const char *id = field(e, "MESSAGE_ID");

		if (!id)
			continue;
		if (!strcmp(id, JOURNAL_ID_SEALED) && field(e, "BPFSEAL_INODE") &&
		    !strcmp(field(e, "BPFSEAL_INODE"), ino)) {
			if (!got_sealed)
				*sealed = *e;
			got_sealed = true;
		} else if (!strcmp(id, JOURNAL_ID_DENIED) && field(e, "OBJECT_PID") &&
			   !strcmp(field(e, "OBJECT_PID"), pid)) {
			if (!denied++)
				*denial = *e;
			got_denial = true;
		} else if (!strcmp(id, JOURNAL_ID_SUPPRESSED) && field(e, "OBJECT_PID") &&
			   !strcmp(field(e, "OBJECT_PID"), pid)) {
			static char count[32];

			snprintf(count, sizeof(count), "%s", field(e, "BPFSEAL_SUPPRESSED") ?: "");
			suppressed = count;
			break;
		}
	}
	expect_fields(sealed_fields, sealed_count, got_sealed ? sealed : NULL, "no entry for the seal added", not_run);
	expect_fields(denied_fields, denied_count, got_denial ? denial : NULL, "no entry for a refused write", not_run);
	snprintf(cmd, sizeof(cmd), "%d", REFUSALS - BURST);
	if (not_run) {
		itest_report(false, "journal/rate_limit/burst_forwarded", "not run: %s", not_run);
		itest_report(false, "journal/rate_limit/suppressed_count_reported", "not run: %s", not_run);
	} else {
		itest_report(denied == BURST, "journal/rate_limit/burst_forwarded", "%d denial entries, want %d",
			     denied, BURST);
		itest_report(suppressed && !strcmp(suppressed, cmd), "journal/rate_limit/suppressed_count_reported",
			     "BPFSEAL_SUPPRESSED=%s, want %s", suppressed ? suppressed : "(no entry)", cmd);
	}

	if (forwarder > 0) {
		kill(forwarder, SIGTERM);
		waitpid(forwarder, &status, 0);
		itest_report(WIFEXITED(status) && WEXITSTATUS(status) == 0, "journal/forwarder_stops_cleanly",
			     "status %#x", status);
	} else {
		itest_report(false, "journal/forwarder_stops_cleanly", "not run: %s", not_run);
	}
	if (fd >= 0)
		close(fd);
	if (path[0])
		unlink(path);
	if (sock >= 0)
		close(sock);
	unlink(SOCKET);
	free(e);
	free(sealed);
	free(denial);
	clock_gettime(CLOCK_MONOTONIC, &end);
	printf("  [%s] journal: journal_test took %.1f s\n", itest_kernel(),
	       (double)(end.tv_sec - start.tv_sec) + (double)(end.tv_nsec - start.tv_nsec) / 1e9);
	return itest_end();
}
