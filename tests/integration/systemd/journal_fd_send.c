// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * journal_fd_send FILE: hand FILE to journald as its native protocol takes
 * a large entry (systemd's journal-send.c does the same with a sealed
 * memfd): one datagram to /run/systemd/journal/socket carrying no data and
 * one descriptor, opened read-only. journald maps it in place if
 * F_GET_SEALS says it is sealed; an unsealed one from an unprivileged
 * sender must sit directly under /dev/shm, /tmp or /var/tmp.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX, .sun_path = "/run/systemd/journal/socket" };
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} control;
	struct msghdr mh = { .msg_name = &sa, .msg_namelen = sizeof(sa), .msg_control = &control,
			     .msg_controllen = sizeof(control.buf) };
	struct cmsghdr *c;
	int fd, s;

	if (argc != 2) {
		fprintf(stderr, "usage: journal_fd_send FILE\n");
		return 2;
	}
	fd = open(argv[1], O_RDONLY | O_CLOEXEC);
	s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || s < 0) {
		perror(fd < 0 ? argv[1] : "socket");
		return 1;
	}
	memset(&control, 0, sizeof(control));
	c = CMSG_FIRSTHDR(&mh);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	if (sendmsg(s, &mh, MSG_NOSIGNAL) < 0) {
		perror("sendmsg to /run/systemd/journal/socket");
		return 1;
	}
	return 0;
}
