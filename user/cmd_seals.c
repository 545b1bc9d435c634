// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* sealctl add | get | list */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "bpfseal.h"
#include "bpfseal_abi.h"
#include "find_paths.h"
#include "policy.h"
#include "seal_names.h"
#include "sealctl.h"

/* Resize *array to n elements; false (and *array untouched) when memory runs out. */
static bool grow_array(void **array, size_t n, size_t size)
{
	void *p = reallocarray(*array, n, size);

	if (p)
		*array = p;
	return p != NULL;
}

static const char *file_kind(mode_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFDIR: return "a directory";
	case S_IFCHR: return "a character device";
	case S_IFBLK: return "a block device";
	case S_IFIFO: return "a FIFO";
	case S_IFSOCK: return "a socket";
	default: return "not a regular file";
	}
}

/* stat() FILE and refuse what cannot be sealed; prints the reason. */
static int check_regular(const char *path, const char *what)
{
	struct stat st;

	if (stat(path, &st)) {
		if (errno == ENOENT && lstat(path, &st) == 0)
			sealctl_error("%s: cannot %s: dangling symbolic link", path, what);
		else
			sealctl_error("%s: cannot %s: %s", path, what, strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		sealctl_error("%s: cannot %s: %s; only regular files can be sealed", path, what,
			      file_kind(st.st_mode));
		return -1;
	}
	return 0;
}

static const char *errno_name(int err)
{
	const char *n = strerrorname_np(err);

	return n ? n : "?";
}

/* Why adding `seals` to fd failed, in words a user can act on. */
static void explain_add_failure(const char *path, int fd, unsigned int seals, int err)
{
	char names[128];
	int now = bpfseal_get_seals(fd);
	const char *why;
	unsigned int failing = seals;

	switch (err) {
	case EBUSY:
		why = bpfseal_busy_reason();
		if (!why)
			why = "the file is in use by a writer the seal could not stop";
		failing = seals & BPFSEAL_SEALS_FENCED;
		if (!failing)
			failing = seals;
		break;
	case EPERM:
		if (now >= 0 && (now & BPFSEAL_SEAL_SEAL))
			why = "file is already sealed with 'seal'";
		else
			why = "you neither own the file nor have CAP_FOWNER";
		break;
	case ENOSYS:
		why = "the bpfseal policy is not loaded (run `sealctl load`)";
		break;
	default:
		why = strerror(err);
	}
	seal_names_format(failing, names, sizeof(names));
	sealctl_error("%s: cannot add seal%s '%s': %s (%s)", path, strchr(names, ',') ? "s" : "",
		      names, why, errno_name(err));
}

int seal_path(const char *path, unsigned int seals)
{
	int fd, status = EXIT_OK;

	if (check_regular(path, "add seals"))
		return EXIT_REFUSED;
	/* Sealing needs the file open for writing, as F_ADD_SEALS does. */
	fd = open(path, O_RDWR | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0) {
		if (errno == EROFS)
			sealctl_error("%s: cannot add seals: file is on a read-only mount (EROFS)", path);
		else
			sealctl_error("%s: cannot add seals: cannot open for writing: %s (%s)", path,
				      strerror(errno), errno_name(errno));
		return EXIT_REFUSED;
	}
	if (bpfseal_add_seals(fd, seals)) {
		int err = errno;

		explain_add_failure(path, fd, seals, err);
		status = err == ENOSYS ? EXIT_NOT_LOADED : EXIT_REFUSED;
	}
	close(fd);
	return status;
}

bool policy_reachable(void)
{
	return policy_loaded() || access(BPFSEAL_PUBLIC_SEALS, F_OK) == 0;
}

int cmd_add(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "seals", required_argument, NULL, 's' },
		{ 0 },
	};
	const char *list = NULL, *bad;
	unsigned int seals;
	size_t bad_len;
	int c, status = EXIT_OK;

	optind = 1;
	while ((c = getopt_long(argc, argv, "hs:", opts, NULL)) != -1) {
		if (c == 'h') {
			sealctl_usage(stdout, "add");
			return EXIT_OK;
		} else if (c == 's') {
			list = optarg;
		} else {
			sealctl_usage(stderr, "add");
			return EXIT_USAGE;
		}
	}
	if (!list) {
		sealctl_error("add: --seals LIST is required (seal,shrink,grow,write,future-write,exec)");
		return EXIT_USAGE;
	}
	if (seal_names_parse(list, &seals, &bad, &bad_len)) {
		if (!bad_len)
			sealctl_error("add: empty seal name in '%s' (want seal,shrink,grow,write,future-write,exec)", list);
		else
			sealctl_error("add: unknown seal '%.*s' (want seal,shrink,grow,write,future-write,exec)",
				      (int)bad_len, bad);
		return EXIT_USAGE;
	}
	if (optind == argc) {
		sealctl_error("add: no FILE given");
		return EXIT_USAGE;
	}
	if (!policy_reachable()) {
		sealctl_error("add: the bpfseal policy is not loaded (run `sealctl load`)");
		return EXIT_NOT_LOADED;
	}
	for (int i = optind; i < argc; i++) {
		int r = seal_path(argv[i], seals);

		if (r > status)
			status = r;
	}
	return status;
}

/* Open FILE for reading seals: any access mode will do. */
static int open_for_query(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);

	if (fd < 0 && (errno == EACCES || errno == EPERM))
		fd = open(path, O_PATH | O_CLOEXEC);
	return fd;
}

int cmd_get(int argc, char **argv)
{
	bool json = false, first = true;
	int status = EXIT_OK, first_file;

	first_file = sealctl_parse_flags(argc, argv, "get", &json, NULL, OPERANDS_SOME, &status);
	if (first_file < 0)
		return status;
	if (json)
		printf("[");
	for (int i = first_file; i < argc; i++) {
		const char *path = argv[i];
		char names[128];
		int fd, seals;

		if (check_regular(path, "get seals")) {
			status = EXIT_REFUSED;
			continue;
		}
		fd = open_for_query(path);
		seals = fd < 0 ? -1 : bpfseal_get_seals(fd);
		if (seals < 0) {
			sealctl_error("%s: cannot get seals: %s (%s)", path, strerror(errno), errno_name(errno));
			status = EXIT_REFUSED;
			if (fd >= 0)
				close(fd);
			continue;
		}
		close(fd);
		seal_names_format((unsigned int)seals, names, sizeof(names));
		if (json) {
			printf("%s{\"path\":", first ? "" : ",");
			json_string(stdout, path);
			printf(",\"mask\":%d,\"seals\":[", seals);
			for (unsigned int bit = 1, n = 0; bit <= BPFSEAL_SEAL_ALL; bit <<= 1)
				if (seals & bit)
					printf("%s\"%s\"", n++ ? "," : "", seal_name(bit));
			printf("]}");
		} else {
			printf("%s: %s\n", path, names);
		}
		first = false;
	}
	if (json)
		printf("]\n");
	return status;
}

int cmd_list(int argc, char **argv)
{
	struct bpfseal_listed_inode v;
	struct inode_ref *refs = NULL;
	unsigned int *masks = NULL;
	size_t n = 0;
	bool json = false;
	__u64 key, next;
	int fd, rc;

	if (sealctl_parse_flags(argc, argv, "list", &json, NULL, OPERANDS_NONE, &rc) < 0)
		return rc;
	fd = bpf_obj_get(BPFSEAL_PIN_MAPS "/sealed_inodes");
	if (fd < 0) {
		if (errno == ENOENT) {
			sealctl_error("list: the bpfseal policy is not loaded (run `sealctl load`)");
			return EXIT_NOT_LOADED;
		}
		sealctl_error("list: cannot open %s/sealed_inodes: %s", BPFSEAL_PIN_MAPS, strerror(errno));
		return EXIT_REFUSED;
	}
	for (int ret = bpf_map_get_next_key(fd, NULL, &next); !ret;
	     ret = bpf_map_get_next_key(fd, &key, &next)) {
		key = next;
		/* Listed while a request was checked, but nothing went in. */
		if (bpf_map_lookup_elem(fd, &key, &v) || !v.seals)
			continue;
		if (!grow_array((void **)&refs, n + 1, sizeof(*refs)) ||
		    !grow_array((void **)&masks, n + 1, sizeof(*masks))) {
			sealctl_error("list: out of memory after %zu sealed inodes", n);
			close(fd);
			free(refs);
			free(masks);
			return EXIT_REFUSED;
		}
		/* The kernel's dev_t: major << 20 | minor. */
		refs[n] = (struct inode_ref){ .major = (unsigned int)(v.dev >> 20),
					      .minor = (unsigned int)(v.dev & 0xfffff), .ino = v.ino };
		masks[n++] = v.seals;
	}
	close(fd);
	find_paths(refs, n);
	if (json)
		printf("[");
	for (size_t i = 0; i < n; i++) {
		char names[128];

		seal_names_format(masks[i], names, sizeof(names));
		if (json) {
			printf("%s{\"dev\":\"%u:%u\",\"ino\":%llu,\"mask\":%u,\"seals\":\"%s\",\"path\":",
			       i ? "," : "", refs[i].major, refs[i].minor, refs[i].ino, masks[i], names);
			if (refs[i].path)
				json_string(stdout, refs[i].path);
			else
				printf("null");
			printf("}");
		} else {
			printf("%u:%u %llu %s %s\n", refs[i].major, refs[i].minor, refs[i].ino, names,
			       refs[i].path ? refs[i].path : "-");
		}
		free(refs[i].path);
	}
	if (json)
		printf("]\n");
	free(refs);
	free(masks);
	return EXIT_OK;
}
