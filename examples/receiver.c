// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * A receiver that has never heard of bpfseal: like journald and wl_shm, it
 * asks the kernel whether a file is sealed shrink,grow,write and only then
 * parses it in place. With the policy loaded, fcntl(F_GET_SEALS) answers
 * for any sealed regular file, not only for memfds.
 *
 *   receiver FILE    exit 0: sealed, its lines counted in place;
 *                    1: not sealed (refused); 2: cannot open or map it
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef F_GET_SEALS
#define F_GET_SEALS 1034
#define F_SEAL_SHRINK 0x0002
#define F_SEAL_GROW 0x0004
#define F_SEAL_WRITE 0x0008
#endif
#define REQUIRED (F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

int main(int argc, char **argv)
{
	struct stat st;
	const char *data;
	long lines = 0;
	int fd, seals;

	if (argc != 2) {
		fprintf(stderr, "usage: receiver FILE\n");
		return 2;
	}
	fd = open(argv[1], O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "receiver: cannot open %s: %s\n", argv[1], strerror(errno));
		return 2;
	}
	seals = fcntl(fd, F_GET_SEALS);
	if (seals < 0)
		printf("%s: F_GET_SEALS: %s: not sealed, refusing to parse in place\n", argv[1], strerror(errno));
	else if ((seals & REQUIRED) != REQUIRED)
		printf("%s: seals %#x: not shrink,grow,write, refusing to parse in place\n", argv[1], seals);
	if (seals < 0 || (seals & REQUIRED) != REQUIRED)
		return 1;
	/* Nobody can change, cut or extend it now: its size, taken after the seals, holds. No copy, no SIGBUS. */
	if (fstat(fd, &st)) {
		fprintf(stderr, "receiver: cannot stat %s: %s\n", argv[1], strerror(errno));
		return 2;
	}
	data = st.st_size ? mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0) : "";
	if (data == MAP_FAILED) {
		fprintf(stderr, "receiver: cannot map %s: %s\n", argv[1], strerror(errno));
		return 2;
	}
	for (off_t i = 0; i < st.st_size; i++)
		lines += data[i] == '\n';
	printf("%s: seals %#x: %ld lines parsed in place\n", argv[1], seals, lines);
	return 0;
}
