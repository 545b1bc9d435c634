// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Root against the policy: each way in, as a command that exits 0 when it
 * did what it tried, 1 (saying why) when it was refused, 3 when it did part
 * of it (some descriptors came, some not). locked.sh runs
 * every one against an unlocked policy, where it works (so no case passes
 * for the wrong reason), then against a locked one, where it must not.
 * Without a command (the main suite runs every *_test) it does nothing.
 */
#include <dirent.h>
#include <linux/kexec.h>
#include <sys/syscall.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpfseal_abi.h"
#include "fmodret.skel.h"
#include "itest.h"

#define LINKS BPFSEAL_PIN_LINKS
#define MAPS BPFSEAL_PIN_MAPS

static int refused(const char *what)
{
	printf("%s: %s\n", what, strerror(errno));
	return 1;
}

/*
 * The n-th pin under dir, as a path: 0, or -1 past the last. audit_rings is
 * left out: it stays open to audit consumers (README, "Locked mode").
 */
static int pin(const char *dir, int n, char *path, size_t len)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int i = 0, ret = -1;

	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.' || !strcmp(e->d_name, "audit_rings") || i++ != n)
			continue;
		snprintf(path, len, "%s/%s", dir, e->d_name);
		ret = 0;
		break;
	}
	if (d)
		closedir(d);
	return ret;
}

/*
 * Ids of the policy's maps, programs and links, found the way a locked
 * policy still allows: map pins opened read-only, and its lock_link_ids
 * map (which lists this load's links and programs) by id, read-only.
 */
static int list_ids(void)
{
	LIBBPF_OPTS(bpf_obj_get_opts, rdonly, .file_flags = BPF_F_RDONLY);
	LIBBPF_OPTS(bpf_get_fd_by_id_opts, ro, .open_flags = BPF_F_RDONLY);
	struct bpf_map_info info;
	char path[512];
	__u32 id = 0, len;

	for (int i = 0; !pin(MAPS, i, path, sizeof(path)); i++) {
		int fd = bpf_obj_get_opts(path, &rdonly);

		len = sizeof(info);
		memset(&info, 0, sizeof(info));
		if (fd >= 0 && !bpf_map_get_info_by_fd(fd, &info, &len))
			printf("map %u\n", info.id);
		close(fd);
	}
	/* Earlier loads' lock_link_ids may linger while they are freed: the newest is this load's. */
	__u32 newest = 0;

	while (!bpf_map_get_next_id(id, &id)) {
		int fd = bpf_map_get_fd_by_id_opts(id, &ro);

		len = sizeof(info);
		memset(&info, 0, sizeof(info));
		if (fd >= 0 && !bpf_map_get_info_by_fd(fd, &info, &len) && !strcmp(info.name, "lock_link_ids"))
			newest = id;
		close(fd);
	}
	int fd = newest ? bpf_map_get_fd_by_id_opts(newest, &ro) : -1;

	len = sizeof(info);
	memset(&info, 0, sizeof(info));
	if (fd < 0 || bpf_map_get_info_by_fd(fd, &info, &len)) {
		fprintf(stderr, "no lock_link_ids map: %s\n", strerror(errno));
		return 1;
	}
	for (__u32 k = 0; k < info.max_entries; k++) {
		struct bpfseal_link_ids e;

		if (!bpf_map_lookup_elem(fd, &k, &e) && e.link)
			printf("link %u\nprog %u\n", e.link, e.prog);
	}
	printf("map %u\n", info.id);
	close(fd);
	return 0;
}

/* 0 when every try gave a descriptor, 1 when none did, 3 in between. */
static int tally(int got, int tries)
{
	printf("%d of %d descriptors\n", got, tries);
	return !tries ? 2 : got == tries ? 0 : !got ? 1 : 3;
}

/* " (name)" of a map or program descriptor, for a failure report. */
static const char *describe(const char *kind, int fd)
{
	static char out[64];
	struct bpf_map_info m = { 0 };
	struct bpf_prog_info p = { 0 };
	__u32 len;

	out[0] = 0;
	if (!strcmp(kind, "map") && (len = sizeof(m), !bpf_map_get_info_by_fd(fd, &m, &len)))
		snprintf(out, sizeof(out), " (map %s)", m.name);
	else if (!strcmp(kind, "prog") && (len = sizeof(p), !bpf_prog_get_info_by_fd(fd, &p, &len)))
		snprintf(out, sizeof(out), " (program %s)", p.name);
	return out;
}

/* A read-write descriptor by id, for every id on standard input; names what it got. */
static int get_fds_by_id(void)
{
	int got = 0, tries = 0;
	unsigned int id;
	char kind[8];

	while (scanf("%7s %u", kind, &id) == 2) {
		int fd = !strcmp(kind, "map") ? bpf_map_get_fd_by_id(id) :
			 !strcmp(kind, "prog") ? bpf_prog_get_fd_by_id(id) : bpf_link_get_fd_by_id(id);

		tries++;
		if (fd < 0)
			continue;
		printf("got %s %u%s\n", kind, id, describe(kind, fd));
		close(fd);
		got++;
	}
	printf("%d of %d ids refused\n", tries - got, tries);
	return tally(got, tries);
}

/* BPF_OBJ_GET of every pin, read-write, the public one too. */
static int obj_get_all(void)
{
	const char *dirs[] = { LINKS, MAPS, BPFSEAL_PUBLIC_DIR };
	int got = 0, tries = 0;
	char path[512];

	for (size_t d = 0; d < sizeof(dirs) / sizeof(dirs[0]); d++) {
		for (int i = 0; !pin(dirs[d], i, path, sizeof(path)); i++) {
			int fd = bpf_obj_get(path);

			tries++;
			if (fd < 0) {
				printf("%s: %s\n", path, strerror(errno));
				continue;
			}
			close(fd);
			got++;
		}
	}
	return tally(got, tries);
}

/* A link of the policy: detached, or its program swapped for itself (the kernel's answer is not EPERM). */
static int link_op(bool update)
{
	char path[512];
	struct bpf_link_info info = {};
	__u32 len = sizeof(info);
	int fd, prog, ret;

	pin(LINKS, 0, path, sizeof(path));
	fd = bpf_obj_get(path);
	if (fd < 0)
		return refused("cannot even get the link to try");
	if (update) {
		bpf_link_get_info_by_fd(fd, &info, &len);
		prog = bpf_prog_get_fd_by_id(info.prog_id);
		ret = bpf_link_update(fd, prog, NULL);
	} else {
		ret = bpf_link_detach(fd);
	}
	/* Tracing links have neither op: the kernel says so; only the policy says EPERM. */
	if (ret && errno == EPERM)
		return refused(update ? "link update" : "link detach");
	printf("%s reached the kernel: %s\n", update ? "link update" : "link detach", ret ? strerror(errno) : "done");
	return 0;
}

/* Load one program of fmodret.bpf.c and attach it: 0 when both worked. */
static int load_and_attach(const char *name, struct fmodret **out)
{
	struct fmodret *skel = fmodret__open();
	struct bpf_program *prog;

	if (!skel)
		return refused("open fmodret.bpf.o");
	bpf_object__for_each_program(prog, skel->obj)
		bpf_program__set_autoload(prog, !strcmp(bpf_program__name(prog), name));
	if (fmodret__load(skel)) {
		fmodret__destroy(skel);
		return refused(name);
	}
	if (fmodret__attach(skel)) {
		fmodret__destroy(skel);
		return refused(name);
	}
	*out = skel;
	return 0;
}

/* fmod_ret on security_file_permission: loaded and attached. */
static int fmod_ret(void)
{
	struct fmodret *skel;

	if (load_and_attach("around_file_permission", &skel))
		return 1;
	fmodret__destroy(skel);
	return 0;
}

/*
 * fmod_ret on security_file_fcntl, as bpf/get_seals.bpf.c answers: attached
 * after bpfseal's, it runs first and tells receivers an unsealed file is
 * sealed. It worked if an unsealed file's F_GET_SEALS says so.
 */
static int fmod_ret_get_seals(void)
{
	struct fmodret *skel;
	int fd, seals;

	if (load_and_attach("spoof_get_seals", &skel))
		return 1;
	fd = open("/mnt/ext4", O_RDWR | O_TMPFILE | O_CLOEXEC, 0600);
	seals = fcntl(fd, F_GET_SEALS);
	close(fd);
	fmodret__destroy(skel);
	if (seals != 0xf) {
		printf("attached, but an unsealed file answered %d\n", seals);
		return 2;
	}
	return 0;
}

/*
 * An LSM program of root's own, loaded and attached. (One that answers 0
 * cannot undo bpfseal's refusals: the kernel stops at the first non-zero
 * answer. But it could refuse, or watch, what bpfseal lets through.)
 */
static int lsm_program(void)
{
	struct fmodret *skel;

	if (load_and_attach("allow_every_write", &skel))
		return 1;
	fmodret__destroy(skel);
	return 0;
}

/* The lock request, on the root directory instead of the pin filesystems. */
static int lock_request(void)
{
	int fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fcntl(fd, BPFSEAL_F_LOCK_POLICY, fd) == 0)
		return 0;
	return refused("lock request");
}

static int load_module(const char *ko)
{
	int fd = open(ko, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || syscall(SYS_finit_module, fd, "", 0))
		return refused("finit_module");
	close(fd);
	syscall(SYS_delete_module, "tcp_bic", O_NONBLOCK);
	return 0;
}

static int kexec_image(const char *kernel)
{
	int fd = open(kernel, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || syscall(SYS_kexec_file_load, fd, -1, 1, "", KEXEC_FILE_NO_INITRAMFS))
		return refused("kexec_file_load");
	close(fd);
	syscall(SYS_kexec_file_load, -1, -1, 0, NULL, KEXEC_FILE_UNLOAD);
	return 0;
}

static int open_dev_mem(void)
{
	int fd = open("/dev/mem", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return refused("/dev/mem");
	close(fd);
	return 0;
}

/* Write the block device under a mounted filesystem with a sealed file (the same bytes back). */
static int write_block_device(const char *dev)
{
	char block[512];
	int fd = open(dev, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return refused(dev);
	if (pread(fd, block, sizeof(block), 1 << 20) != sizeof(block) ||
	    pwrite(fd, block, sizeof(block), 1 << 20) != sizeof(block)) {
		close(fd);
		return refused("write");
	}
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return 0;
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(argv[1], "list-ids"))
		return list_ids();
	if (!strcmp(argv[1], "get-fds-by-id"))
		return get_fds_by_id();
	if (!strcmp(argv[1], "obj-get-pins"))
		return obj_get_all();
	if (!strcmp(argv[1], "link-detach"))
		return link_op(false);
	if (!strcmp(argv[1], "link-update"))
		return link_op(true);
	if (!strcmp(argv[1], "fmod-ret"))
		return fmod_ret();
	if (!strcmp(argv[1], "fmod-ret-get-seals"))
		return fmod_ret_get_seals();
	if (!strcmp(argv[1], "lock-request"))
		return lock_request();
	if (!strcmp(argv[1], "lsm-program"))
		return lsm_program();
	if (!strcmp(argv[1], "load-module") && argc == 3)
		return load_module(argv[2]);
	if (!strcmp(argv[1], "kexec") && argc == 3)
		return kexec_image(argv[2]);
	if (!strcmp(argv[1], "dev-mem"))
		return open_dev_mem();
	if (!strcmp(argv[1], "write-block-device") && argc == 3)
		return write_block_device(argv[2]);
	fprintf(stderr, "locked_test: unknown command %s\n", argv[1]);
	return 2;
}
