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

static void expect_field(const char *name, const struct entry *e, const char *key, const char *want)
{
	const char *got = field(e, key);

	itest_report(got && !strcmp(got, want), name, "%s=%s, want %s", key, got ? got : "(missing)", want);
}

int main(void)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	char path[256], dev[32], ino[32], pid[32], cmd[512], limit[32];
	struct entry *e = malloc(sizeof(*e));
	int sock, fd, consumers, denied = 0, status;
	const char *suppressed = NULL;
	struct timespec start, end;
	struct stat st;
	pid_t forwarder;

	setvbuf(stdout, NULL, _IOLBF, 0);
	clock_gettime(CLOCK_MONOTONIC, &start);
	mkdir("/run/systemd", 0755);
	mkdir(SOCKET_DIR, 0755);
	unlink(SOCKET);
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", SOCKET);
	sock = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (sock < 0 || bind(sock, (struct sockaddr *)&addr, sizeof(addr))) {
		itest_report(false, "journal/stand_in_socket", "cannot bind %s: %s", SOCKET, strerror(errno));
		return 1;
	}
	consumers = audit_consumer_count();
	snprintf(limit, sizeof(limit), "%d/%d", BURST, INTERVAL_S);
	forwarder = fork();
	if (forwarder == 0) {
		execl("/usr/sbin/sealctl", "sealctl", "monitor", "--journal", "--rate-limit", limit, (char *)NULL);
		_exit(127);
	}
	if (!wait_for_consumers(consumers + 1)) {
		itest_report(false, "journal/forwarder_attached", "sealctl monitor --journal never took a slot");
		kill(forwarder, SIGKILL);
		return 1;
	}

	fd = itest_make_file("/mnt/ext4", "journal-subject", path, sizeof(path));
	fstat(fd, &st);
	snprintf(dev, sizeof(dev), "%u:%u", major(st.st_dev), minor(st.st_dev));
	snprintf(ino, sizeof(ino), "%llu", (unsigned long long)st.st_ino);
	snprintf(pid, sizeof(pid), "%d", getpid());
	/* Sealed by another process, so that its entry is not counted against ours. */
	snprintf(cmd, sizeof(cmd), "sealctl add --seals write %s", path);
	itest_expect("journal/seal_added", system(cmd), 0);
	for (int i = 0; i < REFUSALS; i++)
		pwrite(fd, "x", 1, 0);

	/* The seal, the first BURST refusals, then (after the interval) the count of the rest. */
	while (next_entry(sock, e, (INTERVAL_S + 3) * 1000)) {
		const char *id = field(e, "MESSAGE_ID");

		if (!id)
			continue;
		if (!strcmp(id, JOURNAL_ID_SEALED) && field(e, "BPFSEAL_INODE") &&
		    !strcmp(field(e, "BPFSEAL_INODE"), ino)) {
			expect_field("journal/sealed/priority", e, "PRIORITY", "5");
			expect_field("journal/sealed/operation", e, "BPFSEAL_OPERATION", "add_seals");
			expect_field("journal/sealed/seals", e, "BPFSEAL_SEALS", "write");
			expect_field("journal/sealed/device", e, "BPFSEAL_DEVICE", dev);
			expect_field("journal/sealed/path", e, "BPFSEAL_PATH", path);
			expect_field("journal/sealed/by_whom", e, "OBJECT_COMM", "sealctl");
			expect_field("journal/sealed/identifier", e, "SYSLOG_IDENTIFIER", "bpfseal");
		} else if (!strcmp(id, JOURNAL_ID_DENIED) && field(e, "OBJECT_PID") &&
			   !strcmp(field(e, "OBJECT_PID"), pid)) {
			if (denied++)
				continue;
			expect_field("journal/denied/priority", e, "PRIORITY", "4");
			expect_field("journal/denied/operation", e, "BPFSEAL_OPERATION", "pwrite");
			expect_field("journal/denied/seals", e, "BPFSEAL_SEALS", "write");
			expect_field("journal/denied/errno", e, "BPFSEAL_ERRNO", "EPERM");
			expect_field("journal/denied/device", e, "BPFSEAL_DEVICE", dev);
			expect_field("journal/denied/inode", e, "BPFSEAL_INODE", ino);
			expect_field("journal/denied/path", e, "BPFSEAL_PATH", path);
			expect_field("journal/denied/object_comm", e, "OBJECT_COMM", "journal_test");
			expect_field("journal/denied/object_uid", e, "OBJECT_UID", "0");
			itest_report(field(e, "MESSAGE") && strstr(field(e, "MESSAGE"), "denied pwrite"),
				     "journal/denied/message", "MESSAGE=%s", field(e, "MESSAGE") ?: "(missing)");
		} else if (!strcmp(id, JOURNAL_ID_SUPPRESSED) && field(e, "OBJECT_PID") &&
			   !strcmp(field(e, "OBJECT_PID"), pid)) {
			static char count[32];

			snprintf(count, sizeof(count), "%s", field(e, "BPFSEAL_SUPPRESSED") ?: "");
			suppressed = count;
			break;
		}
	}
	itest_report(denied == BURST, "journal/rate_limit/burst_forwarded", "%d denial entries, want %d", denied,
		     BURST);
	snprintf(cmd, sizeof(cmd), "%d", REFUSALS - BURST);
	itest_report(suppressed && !strcmp(suppressed, cmd), "journal/rate_limit/suppressed_count_reported",
		     "BPFSEAL_SUPPRESSED=%s, want %s", suppressed ? suppressed : "(no entry)", cmd);

	kill(forwarder, SIGTERM);
	waitpid(forwarder, &status, 0);
	itest_report(WIFEXITED(status) && WEXITSTATUS(status) == 0, "journal/forwarder_stops_cleanly", "status %#x",
		     status);
	close(fd);
	unlink(path);
	close(sock);
	unlink(SOCKET);
	free(e);
	clock_gettime(CLOCK_MONOTONIC, &end);
	printf("  [%s] journal: journal_test took %.1f s\n", itest_kernel(),
	       (double)(end.tv_sec - start.tv_sec) + (double)(end.tv_nsec - start.tv_nsec) / 1e9);
	return itest_failures ? 1 : 0;
}
