// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Seal a buffer file, hand the descriptor to a child, and let the child
 * verify the seals before it parses the data in place -- the memfd pattern,
 * on an ordinary file.
 *
 *   sealed_buffer [DIR]     (default: /tmp)
 *
 * The parent writes records into DIR/sealed-buffer.XXXXXX, seals it
 * shrink,grow,write,seal and execs itself as the child with the descriptor
 * number. The child refuses to parse unless those seals are in place, then
 * maps the file read-only and sums the records without copying them.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <bpfseal.h>

#ifndef F_SEAL_SEAL
#define F_SEAL_SEAL 0x0001
#define F_SEAL_SHRINK 0x0002
#define F_SEAL_GROW 0x0004
#define F_SEAL_WRITE 0x0008
#endif
#define REQUIRED (F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL)
#define RECORDS 1000

static int child(int fd)
{
	struct stat st;
	const unsigned int *rec;
	unsigned long long sum = 0;
	int seals = bpfseal_get_seals(fd);

	if (seals < 0 || (seals & REQUIRED) != REQUIRED) {
		fprintf(stderr, "child: buffer is not sealed (seals %#x): refusing to parse in place\n", seals);
		return 1;
	}
	/* Nobody can change or cut the buffer now: parse it where it is. */
	if (fstat(fd, &st) || st.st_size != RECORDS * sizeof(*rec))
		return 1;
	rec = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (rec == MAP_FAILED)
		return 1;
	for (int i = 0; i < RECORDS; i++)
		sum += rec[i];
	printf("child: seals verified, %d records parsed in place, sum %llu\n", RECORDS, sum);
	return sum == (unsigned long long)RECORDS * (RECORDS - 1) / 2 ? 0 : 1;
}

int main(int argc, char **argv)
{
	char path[4096], fdarg[16];
	unsigned int rec[RECORDS];
	int fd, status;
	pid_t pid;

	if (argc == 3 && !strcmp(argv[1], "--child"))
		return child(atoi(argv[2]));

	snprintf(path, sizeof(path), "%s/sealed-buffer.XXXXXX", argc > 1 ? argv[1] : "/tmp");
	fd = mkstemp(path);
	if (fd < 0) {
		perror(path);
		return 1;
	}
	unlink(path);
	for (int i = 0; i < RECORDS; i++)
		rec[i] = (unsigned int)i;
	if (write(fd, rec, sizeof(rec)) != (ssize_t)sizeof(rec)) {
		perror("write");
		return 1;
	}
	if (bpfseal_add_seals(fd, REQUIRED)) {
		fprintf(stderr, "parent: cannot seal the buffer: %s\n", strerror(errno));
		return 1;
	}
	printf("parent: buffer sealed (%#x)\n", bpfseal_get_seals(fd));

	pid = fork();
	if (pid == 0) {
		snprintf(fdarg, sizeof(fdarg), "%d", fd);
		execl("/proc/self/exe", argv[0], "--child", fdarg, (char *)NULL);
		_exit(127);
	}
	/* The parent cannot take it back either. */
	if (pwrite(fd, "x", 1, 0) >= 0 || errno != EPERM) {
		fprintf(stderr, "parent: write after sealing was not refused\n");
		return 1;
	}
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
