// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* sealctl add | get | list */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "bpfseal.h"
#include "bpfseal_abi.h"
#include "find_paths.h"
#include "libbpfseal_internal.h"
#include "persist.h"
#include "policy.h"
#include "seal_names.h"
#include "sealctl.h"
#include "text.h"

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

static bool is_memory_backed(int fd)
{
	struct statfs sfs;

	return !fstatfs(fd, &sfs) && (sfs.f_type == TMPFS_MAGIC || sfs.f_type == HUGETLBFS_MAGIC ||
				       sfs.f_type == RAMFS_MAGIC);
}

/* Why adding `seals` to fd failed, in words a user can act on. */
static void explain_add_failure(const char *path, int fd, unsigned int seals, bool persist, int err)
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
	case EINVAL:
	case ENOSPC:
		why = bpfseal_refusal_reason();
		if (persist && err == EINVAL && (!why || is_memory_backed(fd)))
			why = "a file on a memory-backed filesystem (tmpfs) does not outlive a reboot";
		if (!why)
			why = strerror(err);
		break;
	case EPERM:
		if (now >= 0 && (now & BPFSEAL_SEAL_SEAL))
			why = "file is already sealed with 'seal'";
		else if (persist)
			why = "persisting a seal needs CAP_FOWNER";
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

/* Write the persisted record of a file just sealed (user/persist.c). */
static int persist_sealed(const char *path, int fd, unsigned int seals)
{
	char err[512], real[PATH_MAX];
	struct stat st;

	if (!fstat(fd, &st) && (seals & BPFSEAL_SEAL_EXEC) && (st.st_mode & 0111))
		seals |= BPFSEAL_SEALS_IMPLIED_BY_EXEC;
	if (persist_append(BPFSEAL_STATE_FILE, fd, realpath(path, real) ? real : path, seals, err, sizeof(err)) ||
	    persist_protect(BPFSEAL_STATE_FILE, err, sizeof(err))) {
		sealctl_error("%s: sealed, but the seal could not be persisted (%s): it will not survive a "
			      "reboot", path, err);
		return EXIT_REFUSED;
	}
	return EXIT_OK;
}

int seal_path(const char *path, unsigned int seals, bool persist)
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
	if (bpfseal__add_seals(fd, seals, persist ? BPFSEAL_ADD_PERSIST : 0)) {
		int err = errno;

		explain_add_failure(path, fd, seals, persist, err);
		status = err == ENOSYS ? EXIT_NOT_LOADED : EXIT_REFUSED;
	} else if (persist) {
		status = persist_sealed(path, fd, seals);
	}
	close(fd);
	return status;
}

/* --persist: only root writes the state file; say so before anything is sealed. */
int persist_allowed(const char *command)
{
	int fd;

	if (geteuid() != 0) {
		sealctl_error("%s: --persist needs root: persisted seals live in %s, root's", command,
			      BPFSEAL_STATE_FILE);
		return -1;
	}
	mkdir(BPFSEAL_STATE_DIR, 0700);
	fd = open(BPFSEAL_STATE_FILE, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		sealctl_error("%s: --persist: cannot open %s for appending: %s", command, BPFSEAL_STATE_FILE,
			      strerror(errno));
		return -1;
	}
	close(fd);
	return 0;
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
		{ "persist", no_argument, NULL, 'p' },
		{ 0 },
	};
	const char *list = NULL, *bad;
	unsigned int seals;
	bool persist = false;
	size_t bad_len;
	int c, status = EXIT_OK;

	optind = 1;
	while ((c = getopt_long(argc, argv, "hs:", opts, NULL)) != -1) {
		if (c == 'h') {
			sealctl_usage(stdout, "add");
			return EXIT_OK;
		} else if (c == 's') {
			list = optarg;
		} else if (c == 'p') {
			persist = true;
		} else {
			sealctl_usage(stderr, "add");
			return EXIT_USAGE;
		}
	}
	if (!list) {
		sealctl_error("add: --seals LIST is required (" SEAL_NAMES_KNOWN ")");
		return EXIT_USAGE;
	}
	if (seal_names_parse(list, &seals, &bad, &bad_len)) {
		if (!bad_len)
			sealctl_error("add: empty seal name in '%s' (want " SEAL_NAMES_KNOWN ")", list);
		else
			sealctl_error("add: unknown seal '%.*s' (want " SEAL_NAMES_KNOWN ")",
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
	if (persist && persist_allowed("add"))
		return EXIT_REFUSED;
	for (int i = optind; i < argc; i++) {
		int r = seal_path(argv[i], seals, persist);

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

/* One line of `sealctl list`. */
struct listed {
	unsigned int seals;
	bool in_memory, persisted, recorded;
	unsigned char fs_uuid[16];
};

struct listing {
	struct inode_ref *refs;
	struct listed *items;
	size_t n;
};

static bool listing_add(struct listing *l, unsigned long long dev, unsigned long long ino,
			const struct listed *item)
{
	if (!grow_array((void **)&l->refs, l->n + 1, sizeof(*l->refs)) ||
	    !grow_array((void **)&l->items, l->n + 1, sizeof(*l->items)))
		return false;
	/* The kernel's dev_t: major << 20 | minor. */
	l->refs[l->n] = (struct inode_ref){ .major = (unsigned int)(dev >> 20),
					    .minor = (unsigned int)(dev & 0xfffff), .ino = ino };
	l->items[l->n++] = *item;
	return true;
}

struct dev_ino {
	unsigned long long dev, ino;
};

static int by_dev_ino(const void *a, const void *b)
{
	const struct dev_ino *x = a, *y = b;

	if (x->dev != y->dev)
		return x->dev < y->dev ? -1 : 1;
	return x->ino < y->ino ? -1 : x->ino > y->ino;
}

/* Every record (in memory or evicted), then in-memory inodes that need none (tmpfs). */
static int collect(struct listing *l)
{
	struct bpfseal_identity key, next;
	struct bpfseal_listed_inode v;
	struct bpfseal_record rec;
	LIBBPF_OPTS(bpf_obj_get_opts, rdonly, .file_flags = BPF_F_RDONLY);
	struct dev_ino *recorded = NULL, probe;
	size_t n_recorded;
	__u64 addr, next_addr;
	int fd, ret;

	fd = bpf_obj_get_opts(BPFSEAL_PIN_MAPS "/records", &rdonly);
	if (fd < 0)
		return -errno;
	for (ret = bpf_map_get_next_key(fd, NULL, &next); !ret; ret = bpf_map_get_next_key(fd, &key, &next)) {
		struct listed item = { .recorded = true };

		key = next;
		if (bpf_map_lookup_elem(fd, &key, &rec) || !rec.seals)
			continue;
		item.seals = rec.seals;
		item.in_memory = rec.in_memory > 0;
		item.persisted = rec.flags & BPFSEAL_RECORD_PERSISTED;
		memcpy(item.fs_uuid, key.fs_uuid, sizeof(item.fs_uuid));
		if (!listing_add(l, rec.dev, key.ino, &item))
			goto nomem;
	}
	close(fd);
	/* Inodes listed in memory that have a record were shown above. */
	n_recorded = l->n;
	recorded = calloc(n_recorded ? n_recorded : 1, sizeof(*recorded));
	if (!recorded)
		return -ENOMEM;
	for (size_t i = 0; i < n_recorded; i++)
		recorded[i] = (struct dev_ino){ (unsigned long long)l->refs[i].major << 20 | l->refs[i].minor,
						l->refs[i].ino };
	qsort(recorded, n_recorded, sizeof(*recorded), by_dev_ino);
	fd = bpf_obj_get_opts(BPFSEAL_PIN_MAPS "/sealed_inodes", &rdonly);
	if (fd < 0) {
		free(recorded);
		return -errno;
	}
	for (ret = bpf_map_get_next_key(fd, NULL, &next_addr); !ret;
	     ret = bpf_map_get_next_key(fd, &addr, &next_addr)) {
		struct listed item = { .in_memory = true };

		addr = next_addr;
		/* Listed while a request was checked, but nothing went in; or recorded above. */
		if (bpf_map_lookup_elem(fd, &addr, &v) || !v.seals)
			continue;
		probe = (struct dev_ino){ v.dev, v.ino };
		if (bsearch(&probe, recorded, n_recorded, sizeof(*recorded), by_dev_ino))
			continue;
		item.seals = v.seals;
		if (!listing_add(l, v.dev, v.ino, &item))
			goto nomem;
	}
	close(fd);
	free(recorded);
	return 0;
nomem:
	close(fd);
	free(recorded);
	return -ENOMEM;
}

static void print_uuid(const unsigned char *u)
{
	for (int i = 0; i < 16; i++)
		printf("%s%02x", i == 4 || i == 6 || i == 8 || i == 10 ? "-" : "", u[i]);
}

int cmd_list(int argc, char **argv)
{
	struct listing l = {};
	bool json = false;
	int rc, ret;

	if (sealctl_parse_flags(argc, argv, "list", &json, NULL, OPERANDS_NONE, &rc) < 0)
		return rc;
	ret = collect(&l);
	if (ret == -ENOENT) {
		sealctl_error("list: the bpfseal policy is not loaded (run `sealctl load`)");
		return EXIT_NOT_LOADED;
	}
	if (ret) {
		sealctl_error("list: cannot read the policy's maps under %s: %s", BPFSEAL_PIN_MAPS, strerror(-ret));
		free(l.refs);
		free(l.items);
		return EXIT_REFUSED;
	}
	find_paths(l.refs, l.n);
	if (json)
		printf("[");
	for (size_t i = 0; i < l.n; i++) {
		const struct listed *it = &l.items[i];
		char names[128];

		seal_names_format(it->seals, names, sizeof(names));
		if (json) {
			printf("%s{\"dev\":\"%u:%u\",\"ino\":%llu,\"mask\":%u,\"seals\":\"%s\",\"in_memory\":%s,"
			       "\"persisted\":%s,\"fs_uuid\":",
			       i ? "," : "", l.refs[i].major, l.refs[i].minor, l.refs[i].ino, it->seals, names,
			       it->in_memory ? "true" : "false", it->persisted ? "true" : "false");
			if (it->recorded) {
				printf("\"");
				print_uuid(it->fs_uuid);
				printf("\"");
			} else {
				printf("null");
			}
			printf(",\"path\":");
			if (l.refs[i].path)
				json_string(stdout, l.refs[i].path);
			else
				printf("null");
			printf("}");
		} else {
			printf("%u:%u %llu %s %s%s%s\n", l.refs[i].major, l.refs[i].minor, l.refs[i].ino, names,
			       l.refs[i].path ? l.refs[i].path : "-", it->in_memory ? "" : " (evicted)",
			       it->persisted ? " (persisted)" : "");
		}
		free(l.refs[i].path);
	}
	if (json)
		printf("]\n");
	free(l.refs);
	free(l.items);
	return EXIT_OK;
}
