// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Loader: probe the kernel, open the skeleton, keep only the programs this
 * kernel can take, re-use pinned maps, attach, pin links, freeze the seal map.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "bpfseal_abi.h"
#include "bpfseal.skel.h"
#include "policy.h"

#ifndef BPF_FS_MAGIC
#define BPF_FS_MAGIC 0xcafe4a11
#endif

const struct policy_program policy_programs[] = {
	{ "check_write", "lsm/file_permission", "content writes, GROW/SHRINK on writes and fallocate", true },
	{ "stash_rw_facts", "fentry/rw_verify_area", "write offset, length, append (GROW precision)", false },
	{ "stash_fallocate_facts", "fentry/vfs_fallocate", "fallocate mode, offset, length", false },
	{ "forget_facts_remap", "fentry/remap_verify_area (6.12+)", "reflinks never judged on write facts", true },
	{ "forget_facts_clone", "fentry/do_clone_file_range (6.1)", "reflinks never judged on write facts", true },
	{ "forget_facts_dedupe", "fentry/vfs_dedupe_file_range_one (6.1)", "dedupe never judged on write facts", true },
	{ "check_setattr", "lsm/inode_setattr (6.9+)", "truncate SHRINK/GROW, chmod EXEC", true },
	{ "check_setattr_noidmap", "lsm/inode_setattr (<6.9)", "truncate SHRINK/GROW, chmod EXEC", true },
	{ "check_set_acl", "lsm/inode_set_acl (6.2+)", "ACL changes of x bits (EXEC)", true },
	{ "check_setxattr", "lsm/inode_setxattr (<6.10)", "ACL changes of x bits on 6.1 (EXEC); the fence xattr", true },
	{ "check_write_locked", "fmod_ret/security_inode_need_killpriv", "writes already past the LSM when WRITE goes in", true },
	{ "skipcap_fence", "lsm/inode_xattr_skipcap (6.10+)", "the fence xattr needs no CAP_SYS_ADMIN", true },
	{ "guard_fence_xattr", "lsm/inode_setxattr (6.10+)", "the fence xattr: one use, by the owner", true },
	{ "check_mmap", "lsm/mmap_file", "shared writable mappings", true },
	{ "check_mprotect", "lsm/file_mprotect", "mprotect to PROT_WRITE", true },
	{ "track_mmap_start", "fentry/vm_mmap_pgoff", "mappings in flight (WRITE vs mmap race)", true },
	{ "track_mmap_end", "fexit/vm_mmap_pgoff", "mappings in flight (WRITE vs mmap race)", true },
	{ "add_seals", "lsm/file_fcntl", "adding seals (memfd rules)", true },
	{ "check_ioctl", "lsm/file_ioctl", "extent-swapping, trimming and loop-device ioctls", true },
	{ "check_quota_on", "lsm/quota_on", "sealed files as quota files", true },
	{ "check_kernel_writer_open", "lsm/file_open", "write-opens of sealed files by the kernel (swap, acct, core dumps, nfsd, overlayfs...)", true },
	{ "note_core_dump", "fentry/dump_emit", "core dumps in progress (sealing their file: EBUSY)", false },
	{ "end_core_dump", "fexit/do_coredump (6.1, 6.12)", "core dumps in progress", false },
	{ "end_core_dump_renamed", "fexit/vfs_coredump (renamed later; 7.x)", "core dumps in progress", false },
	{ "check_ioctl_compat", "lsm/file_ioctl_compat", "the same ioctls from 32-bit callers", true },
	{ "unlist_inode", "lsm/inode_free_security", "sealed-inode listing cleanup", false },
};
const size_t policy_program_count = sizeof(policy_programs) / sizeof(policy_programs[0]);

static int libbpf_quiet(enum libbpf_print_level level, const char *fmt, va_list args)
{
	if (level == LIBBPF_WARN || getenv("BPFSEAL_DEBUG"))
		return vfprintf(stderr, fmt, args);
	return 0;
}

static bool btf_has_func(const struct btf *btf, const char *name, int *nr_args)
{
	int id = btf__find_by_name_kind(btf, name, BTF_KIND_FUNC);
	const struct btf_type *proto;

	if (id < 0)
		return false;
	proto = btf__type_by_id(btf, btf__type_by_id(btf, id)->type);
	if (nr_args)
		*nr_args = proto ? btf_vlen(proto) : -1;
	return true;
}

static bool lsm_list_has_bpf(void)
{
	char buf[512] = "";
	FILE *f = fopen("/sys/kernel/security/lsm", "r");

	if (!f) {
		/* securityfs may simply not be mounted yet. */
		mount("securityfs", "/sys/kernel/security", "securityfs", 0, NULL);
		f = fopen("/sys/kernel/security/lsm", "r");
	}
	if (!f)
		return false;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = '\0';
	fclose(f);
	for (char *tok = strtok(buf, ",\n"); tok; tok = strtok(NULL, ",\n"))
		if (!strcmp(tok, "bpf"))
			return true;
	return false;
}

int policy_probe(struct policy_features *f, char *err, size_t errlen)
{
	struct btf *btf = btf__load_vmlinux_btf();
	int nr_args = 0;

	memset(f, 0, sizeof(*f));
	f->bpf_lsm = lsm_list_has_bpf();
	if (!btf) {
		snprintf(err, errlen, "cannot read kernel BTF (/sys/kernel/btf/vmlinux): %s",
			 strerror(errno));
		return -errno;
	}
	if (btf_has_func(btf, "bpf_lsm_inode_setattr", &nr_args))
		f->setattr_idmap = nr_args == 3;
	f->set_acl = btf_has_func(btf, "bpf_lsm_inode_set_acl", NULL);
	f->rw_verify_area = btf_has_func(btf, "rw_verify_area", NULL);
	f->vfs_fallocate = btf_has_func(btf, "vfs_fallocate", NULL);
	f->remap_verify_area = btf_has_func(btf, "remap_verify_area", NULL);
	f->clone_and_dedupe = btf_has_func(btf, "do_clone_file_range", NULL) &&
			      btf_has_func(btf, "vfs_dedupe_file_range_one", NULL);
	f->vm_mmap_pgoff = btf_has_func(btf, "vm_mmap_pgoff", NULL);
	f->inode_free = btf_has_func(btf, "bpf_lsm_inode_free_security", NULL);
	f->ioctl_compat = btf_has_func(btf, "bpf_lsm_file_ioctl_compat", NULL);
	f->xattr_skipcap = btf_has_func(btf, "bpf_lsm_inode_xattr_skipcap", NULL);
	f->dump_emit = btf_has_func(btf, "dump_emit", NULL);
	f->do_coredump = btf_has_func(btf, "do_coredump", NULL);
	f->vfs_coredump = btf_has_func(btf, "vfs_coredump", NULL);
	btf__free(btf);
	return 0;
}

static bool policy_can_forget_facts(const struct policy_features *f)
{
	return f->remap_verify_area || f->clone_and_dedupe;
}

bool policy_program_wanted(const struct policy_features *f, const char *name)
{
	if (!strcmp(name, "check_setattr"))
		return f->setattr_idmap;
	if (!strcmp(name, "check_setattr_noidmap"))
		return !f->setattr_idmap;
	if (!strcmp(name, "check_set_acl"))
		return f->set_acl;
	if (!strcmp(name, "check_setxattr"))
		return !f->xattr_skipcap;	/* 6.1: ACLs arrive as xattrs; <6.10: fence */
	if (!strcmp(name, "skipcap_fence") || !strcmp(name, "guard_fence_xattr"))
		return f->xattr_skipcap;
	/* Facts only where every reflink check can forget them (write_facts.bpf.c). */
	if (!strcmp(name, "stash_rw_facts"))
		return f->rw_verify_area && policy_can_forget_facts(f);
	if (!strcmp(name, "stash_fallocate_facts"))
		return f->vfs_fallocate && policy_can_forget_facts(f);
	if (!strcmp(name, "forget_facts_remap"))
		return f->remap_verify_area;
	if (!strcmp(name, "forget_facts_clone") || !strcmp(name, "forget_facts_dedupe"))
		return !f->remap_verify_area && f->clone_and_dedupe;	/* 6.1 inlines it here */
	if (!strncmp(name, "track_mmap", 10))
		return f->vm_mmap_pgoff;
	if (!strcmp(name, "unlist_inode"))
		return f->inode_free;
	if (!strcmp(name, "check_ioctl_compat"))
		return f->ioctl_compat;
	/* Core dumps: noted at their first write, forgotten when the dump returns. */
	if (!strcmp(name, "note_core_dump"))
		return f->dump_emit && (f->do_coredump || f->vfs_coredump);
	if (!strcmp(name, "end_core_dump"))
		return f->dump_emit && f->do_coredump;
	if (!strcmp(name, "end_core_dump_renamed"))
		return f->dump_emit && f->vfs_coredump;
	return true;
}

static const struct policy_program *program_info(const char *name)
{
	for (size_t i = 0; i < policy_program_count; i++)
		if (!strcmp(policy_programs[i].name, name))
			return &policy_programs[i];
	return NULL;
}

static int ensure_bpffs(const char *dir, mode_t mode)
{
	struct statfs sfs;

	if (mkdir(dir, mode) && errno != EEXIST)
		return -errno;
	if (statfs(dir, &sfs))
		return -errno;
	if ((unsigned long)sfs.f_type == BPF_FS_MAGIC)
		return 0;
	if (mount("bpffs", dir, "bpf", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL))
		return -errno;
	return chmod(dir, mode) ? -errno : 0;
}

static int ensure_dir(const char *dir, mode_t mode)
{
	return mkdir(dir, mode) && errno != EEXIST ? -errno : 0;
}

/* A pinned map from another bpfseal version cannot be re-used: say so. */
static int check_pinned_map(struct bpf_map *map, const char *path, char *err, size_t errlen)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	int fd = bpf_obj_get(path), ret = 0;

	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	if (bpf_map_get_info_by_fd(fd, &info, &len))
		ret = -errno;
	else if (info.type != bpf_map__type(map) || info.key_size != bpf_map__key_size(map) ||
		 info.value_size != bpf_map__value_size(map) ||
		 info.max_entries != bpf_map__max_entries(map)) {
		snprintf(err, errlen,
			 "%s was pinned by a different bpfseal version (map type %u, value size %u; "
			 "this version needs type %u, value size %u); `sealctl unload --force` first "
			 "(seals on it stop being enforced)",
			 path, info.type, info.value_size, bpf_map__type(map), bpf_map__value_size(map));
		ret = -EEXIST;
	}
	close(fd);
	return ret;
}

static int pin_link(struct bpf_link *link, const char *name, char *err, size_t errlen)
{
	char path[256], tmp[272];

	snprintf(path, sizeof(path), "%s/%s", BPFSEAL_PIN_LINKS, name);
	/* bpffs refuses names with a dot. */
	snprintf(tmp, sizeof(tmp), "%s__new", path);
	unlink(tmp);
	if (bpf_link__pin(link, tmp)) {
		snprintf(err, errlen, "cannot pin %s: %s", tmp, strerror(errno));
		return -errno;
	}
	/* The new link is active before the old one goes: no unenforced gap. */
	if (rename(tmp, path)) {
		int ret = -errno;

		snprintf(err, errlen, "cannot replace %s: %s", path, strerror(errno));
		unlink(tmp);
		return ret;
	}
	return 0;
}

static int publish_readonly(struct bpf_map *map, char *err, size_t errlen)
{
	struct bpf_map_info want = {}, have = {};
	__u32 len = sizeof(want);
	int ret, fd;

	ret = ensure_bpffs(BPFSEAL_PUBLIC_DIR, 0755);
	if (ret) {
		snprintf(err, errlen, "cannot mount bpffs on %s: %s", BPFSEAL_PUBLIC_DIR, strerror(-ret));
		return ret;
	}
	fd = bpf_obj_get(BPFSEAL_PUBLIC_SEALS);
	if (fd >= 0) {
		bpf_map_get_info_by_fd(bpf_map__fd(map), &want, &len);
		len = sizeof(have);
		bpf_map_get_info_by_fd(fd, &have, &len);
		close(fd);
		if (have.id == want.id)
			return 0;
		unlink(BPFSEAL_PUBLIC_SEALS);
	}
	if (bpf_obj_pin(bpf_map__fd(map), BPFSEAL_PUBLIC_SEALS) ||
	    chmod(BPFSEAL_PUBLIC_SEALS, 0444)) {
		ret = -errno;
		snprintf(err, errlen, "cannot pin %s: %s", BPFSEAL_PUBLIC_SEALS, strerror(errno));
		return ret;
	}
	return 0;
}

/*
 * Freeze the seal map for syscall writers. A re-used map is frozen already:
 * the kernel then answers EBUSY (6.1) or EPERM (later); confirm it by
 * trying a write that only a frozen map refuses with EPERM.
 */
static int freeze_seal_map(int fd)
{
	struct bpfseal_inode v = {};
	int bad_key = -1;

	if (!bpf_map_freeze(fd))
		return 0;
	if (errno != EBUSY && errno != EPERM)
		return -errno;
	if (bpf_map_update_elem(fd, &bad_key, &v, BPF_ANY) && errno == EPERM)
		return 0;
	return -EPERM;
}

/*
 * Links of programs this load did not attach: ones this kernel cannot take,
 * and ones an older bpfseal had that this version dropped.
 */
static void remove_unwanted_links(const struct policy_features *feat)
{
	char path[512];
	struct dirent *e;
	DIR *d = opendir(BPFSEAL_PIN_LINKS);

	if (!d)
		return;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.' ||
		    (program_info(e->d_name) && policy_program_wanted(feat, e->d_name)))
			continue;
		snprintf(path, sizeof(path), "%s/%s", BPFSEAL_PIN_LINKS, e->d_name);
		unlink(path);
	}
	closedir(d);
}

int policy_load(char *err, size_t errlen)
{
	struct policy_features feat;
	struct bpfseal *skel = NULL;
	struct bpf_program *prog;
	struct bpf_map *map;
	char path[256];
	int ret;

	libbpf_set_print(libbpf_quiet);
	ret = policy_probe(&feat, err, errlen);
	if (ret)
		return ret;
	if (!feat.bpf_lsm) {
		snprintf(err, errlen, "BPF LSM is not active on this kernel: add \"bpf\" to the lsm= "
			 "boot parameter (e.g. lsm=lockdown,capability,landlock,bpf) and reboot");
		return -EOPNOTSUPP;
	}
	ret = ensure_bpffs("/sys/fs/bpf", 0700);
	if (!ret)
		ret = ensure_dir(BPFSEAL_PIN_DIR, 0700);
	if (!ret)
		ret = ensure_dir(BPFSEAL_PIN_MAPS, 0700);
	if (!ret)
		ret = ensure_dir(BPFSEAL_PIN_LINKS, 0700);
	if (ret) {
		snprintf(err, errlen, "cannot prepare %s: %s", BPFSEAL_PIN_DIR, strerror(-ret));
		return ret;
	}

	skel = bpfseal__open();
	if (!skel) {
		ret = -errno;
		snprintf(err, errlen, "cannot open the BPF policy: %s", strerror(errno));
		return ret;
	}
	bpf_object__for_each_program(prog, skel->obj)
		bpf_program__set_autoload(prog, policy_program_wanted(&feat, bpf_program__name(prog)));
	bpf_object__for_each_map(map, skel->obj) {
		if (bpf_map__is_internal(map))
			continue;
		snprintf(path, sizeof(path), "%s/%s", BPFSEAL_PIN_MAPS, bpf_map__name(map));
		ret = check_pinned_map(map, path, err, errlen);
		if (!ret && bpf_map__set_pin_path(map, path))
			ret = -errno;
		if (ret)
			goto out;
	}
	ret = bpfseal__load(skel);
	if (ret) {
		snprintf(err, errlen, "the kernel refused the BPF policy: %s (BPFSEAL_DEBUG=1 shows the verifier log)",
			 strerror(-ret));
		goto out;
	}
	/* Userspace can read seals, never write or delete them. */
	ret = freeze_seal_map(bpf_map__fd(skel->maps.seals));
	if (ret) {
		snprintf(err, errlen, "cannot freeze the seal map: %s", strerror(-ret));
		goto out;
	}
	bpf_object__for_each_program(prog, skel->obj) {
		const char *name = bpf_program__name(prog);
		const struct policy_program *info = program_info(name);
		struct bpf_link *link;

		if (!bpf_program__autoload(prog))
			continue;
		link = bpf_program__attach(prog);
		if (!link) {
			ret = -errno;
			if (info && !info->required)
				continue;	/* reported inactive by `sealctl status` */
			snprintf(err, errlen, "cannot attach %s (%s): %s", name,
				 info ? info->hook : "?", strerror(errno));
			goto out;
		}
		ret = pin_link(link, name, err, errlen);
		bpf_link__destroy(link);	/* the pin keeps it attached */
		if (ret)
			goto out;
	}
	remove_unwanted_links(&feat);
	ret = publish_readonly(skel->maps.seals, err, errlen);
out:
	bpfseal__destroy(skel);
	return ret;
}

static int remove_pins(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[512];
	int ret = 0;

	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (unlink(path) && !ret)
			ret = -errno;
	}
	closedir(d);
	if (rmdir(dir) && errno != ENOENT && !ret)
		ret = -errno;
	return ret;
}

int policy_unload(char *err, size_t errlen)
{
	int ret;

	/* Links first: enforcement stops before the seal map goes. */
	ret = remove_pins(BPFSEAL_PIN_LINKS);
	if (!ret)
		ret = remove_pins(BPFSEAL_PIN_MAPS);
	if (!ret && unlink(BPFSEAL_PUBLIC_SEALS) && errno != ENOENT)
		ret = -errno;
	if (!ret && rmdir(BPFSEAL_PIN_DIR) && errno != ENOENT)
		ret = -errno;
	if (ret)
		snprintf(err, errlen, "cannot remove pins under %s: %s", BPFSEAL_PIN_DIR, strerror(-ret));
	return ret;
}

bool policy_link_pinned(const char *name)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", BPFSEAL_PIN_LINKS, name);
	return access(path, F_OK) == 0;
}

bool policy_loaded(void)
{
	return access(BPFSEAL_PIN_SEALS, F_OK) == 0 && policy_link_pinned("add_seals") &&
	       policy_link_pinned("check_write");
}

long policy_program_misses(const char *name)
{
	struct bpf_link_info link = {};
	struct bpf_prog_info prog = {};
	__u32 len = sizeof(link);
	char path[256];
	int lfd, pfd;
	long misses = -1;

	snprintf(path, sizeof(path), "%s/%s", BPFSEAL_PIN_LINKS, name);
	lfd = bpf_obj_get(path);
	if (lfd < 0)
		return -1;
	if (!bpf_link_get_info_by_fd(lfd, &link, &len)) {
		pfd = bpf_prog_get_fd_by_id(link.prog_id);
		len = sizeof(prog);
		if (pfd >= 0 && !bpf_prog_get_info_by_fd(pfd, &prog, &len))
			misses = (long)prog.recursion_misses;
		if (pfd >= 0)
			close(pfd);
	}
	close(lfd);
	return misses;
}

long policy_sealed_count(void)
{
	char path[256];
	__u64 key, next;
	long n = 0;
	int fd;

	snprintf(path, sizeof(path), "%s/sealed_inodes", BPFSEAL_PIN_MAPS);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return -errno;
	for (int ret = bpf_map_get_next_key(fd, NULL, &next); !ret;
	     ret = bpf_map_get_next_key(fd, &key, &next)) {
		key = next;
		n++;
	}
	close(fd);
	return n;
}
