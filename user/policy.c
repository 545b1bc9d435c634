// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Loader: probe the kernel, open the skeleton, keep only the programs this
 * kernel can take, re-use pinned maps, attach, pin links, freeze the seal map.
 */
#include <dirent.h>
#include <stdarg.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <fcntl.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "bpfseal_abi.h"
#include "bpfseal.skel.h"
#include "lsm_list.h"
#include "policy.h"
#include "textbuf.h"

#ifndef BPF_FS_MAGIC
#define BPF_FS_MAGIC 0xcafe4a11
#endif

#define F FEATURE

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

/* The active LSMs, comma-separated, into buf ("" if securityfs cannot tell). */
static void read_lsm_list(char *buf, size_t len)
{
	FILE *f = fopen("/sys/kernel/security/lsm", "r");

	if (!f) {
		/* securityfs may simply not be mounted yet. */
		mount("securityfs", "/sys/kernel/security", "securityfs", 0, NULL);
		f = fopen("/sys/kernel/security/lsm", "r");
	}
	buf[0] = '\0';
	if (!f)
		return;
	if (!fgets(buf, (int)len, f))
		buf[0] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	fclose(f);
}

int policy_probe(struct policy_features *f, char *err, size_t errlen)
{
	struct btf *btf = btf__load_vmlinux_btf();
	unsigned int present = 0;
	int nr_args = 0;

	memset(f, 0, sizeof(*f));
	read_lsm_list(f->lsms, sizeof(f->lsms));
	f->bpf_lsm = lsm_list_has(f->lsms, "bpf");
	if (!btf)
		return fail(err, errlen, -errno, "cannot read kernel BTF (/sys/kernel/btf/vmlinux)");
	for (int i = 0; i < FEATURE_COUNT; i++) {
		const char *name = policy_feature_info[i].name;

		/* Probed by hand below: a prototype, a pair, derived, or not the kernel's. */
		if (i == FEATURE_SETATTR_IDMAP || i == FEATURE_CLONE_AND_DEDUPE || i == FEATURE_REFLINK_CHECK ||
		    i == FEATURE_CORE_DUMP_END || i == FEATURE_BPF_KERNEL_ARG || i == FEATURE_LOCKED_MODE)
			continue;
		if (btf_has_func(btf, name, NULL))
			present |= F(i);
	}
	if (btf_has_func(btf, "bpf_lsm_inode_setattr", &nr_args) && nr_args == 3)
		present |= F(FEATURE_SETATTR_IDMAP);
	if (btf_has_func(btf, "bpf_lsm_bpf", &nr_args) && nr_args == 4)
		present |= F(FEATURE_BPF_KERNEL_ARG);
	if (policy_locked())
		present |= F(FEATURE_LOCKED_MODE);
	if (btf_has_func(btf, "do_clone_file_range", NULL) &&
	    btf_has_func(btf, "vfs_dedupe_file_range_one", NULL))
		present |= F(FEATURE_CLONE_AND_DEDUPE);
	if (present & (F(FEATURE_REMAP_VERIFY_AREA) | F(FEATURE_CLONE_AND_DEDUPE)))
		present |= F(FEATURE_REFLINK_CHECK);
	if (present & (F(FEATURE_DO_COREDUMP) | F(FEATURE_VFS_COREDUMP)))
		present |= F(FEATURE_CORE_DUMP_END);
	f->present = present;
	btf__free(btf);
	return 0;
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

/*
 * The policy's pins get a bpffs instance of their own (locked mode tells
 * its files from everybody else's by superblock). A plain directory of the
 * system's bpffs with pins in it belongs to an older bpfseal: say so rather
 * than hide them under a new mount.
 */
static int ensure_own_bpffs(const char *dir, mode_t mode, char *err, size_t errlen)
{
	struct statx stx;
	DIR *d;
	struct dirent *e;

	if (mkdir(dir, mode) && errno != EEXIST)
		return fail(err, errlen, -errno, "cannot make %s", dir);
	if (statx(AT_FDCWD, dir, 0, STATX_BASIC_STATS, &stx))
		return fail(err, errlen, -errno, "cannot look at %s", dir);
	if (stx.stx_attributes & STATX_ATTR_MOUNT_ROOT)
		return ensure_bpffs(dir, mode) ? fail(err, errlen, -errno, "cannot mount bpffs on %s", dir) : 0;
	d = opendir(dir);
	while (d && (e = readdir(d)))
		if (e->d_name[0] != '.') {
			closedir(d);
			snprintf(err, errlen, "%s holds pins of an older bpfseal in the system's bpffs: "
				 "`sealctl unload --force` with that version first (its seals stop being enforced)",
				 dir);
			return -EEXIST;
		}
	if (d)
		closedir(d);
	if (mount("bpffs", dir, "bpf", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) || chmod(dir, mode))
		return fail(err, errlen, -errno, "cannot mount bpffs on %s", dir);
	return 0;
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
		return errno == ENOENT ? 0 : fail(err, errlen, -errno, "cannot open pinned map %s", path);
	if (bpf_map_get_info_by_fd(fd, &info, &len))
		ret = fail(err, errlen, -errno, "cannot inspect pinned map %s", path);
	else if (info.type == bpf_map__type(map) && info.key_size == bpf_map__key_size(map) &&
		 info.value_size == bpf_map__value_size(map) && info.max_entries != bpf_map__max_entries(map)) {
		snprintf(err, errlen,
			 "%s is loaded with room for %u entries and this load asks for %u; a capacity "
			 "changes only with a fresh policy (`sealctl unload --force`: its seals stop "
			 "being enforced)", path, info.max_entries, bpf_map__max_entries(map));
		ret = -EEXIST;
	} else if (info.type != bpf_map__type(map) || info.key_size != bpf_map__key_size(map) ||
		   info.value_size != bpf_map__value_size(map)) {
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
	int ret;

	snprintf(path, sizeof(path), "%s/%s", BPFSEAL_PIN_LINKS, name);
	/* bpffs refuses names with a dot. */
	snprintf(tmp, sizeof(tmp), "%s__new", path);
	unlink(tmp);
	if (bpf_link__pin(link, tmp))
		return fail(err, errlen, -errno, "cannot pin %s", tmp);
	/* The new link is active before the old one goes: no unenforced gap. */
	if (rename(tmp, path)) {
		ret = fail(err, errlen, -errno, "cannot replace %s", path);
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
	if (ret)
		return fail(err, errlen, ret, "cannot mount bpffs on %s", BPFSEAL_PUBLIC_DIR);
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
	if (bpf_obj_pin(bpf_map__fd(map), BPFSEAL_PUBLIC_SEALS) || chmod(BPFSEAL_PUBLIC_SEALS, 0444))
		return fail(err, errlen, -errno, "cannot pin %s", BPFSEAL_PUBLIC_SEALS);
	return 0;
}

/* Is the map frozen? The kernel says so in the descriptor's fdinfo. */
static bool map_frozen(int fd)
{
	char path[64], line[128];
	bool frozen = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f))
		if (!strcmp(line, "frozen:\t1\n"))
			frozen = true;
	fclose(f);
	return frozen;
}

/*
 * Freeze every map for syscall writers: userspace, root included, can read
 * the policy's state but never write or delete it; only the programs change
 * it. A re-used map is frozen already (the kernel then answers EBUSY).
 * The one exception, audit_rings, holds no policy state: audit consumers
 * put their own ring buffers into it (bpf/audit.bpf.h).
 */
static int freeze_maps(struct bpfseal *skel, char *err, size_t errlen)
{
	struct bpf_map *map;

	bpf_object__for_each_map(map, skel->obj) {
		int fd = bpf_map__fd(map);

		/* audit_rings takes each consumer's ring (bpf/audit.bpf.h). */
		if (map == skel->maps.audit_rings)
			continue;
		if (bpf_map__is_internal(map) || map == skel->maps.lock_link_ids || !bpf_map_freeze(fd) ||
		    map_frozen(fd))
			continue;
		return fail(err, errlen, -errno, "cannot freeze map %s", bpf_map__name(map));
	}
	return 0;
}

/*
 * Links of programs this load did not attach: ones this kernel cannot take,
 * and ones an older bpfseal had that this version dropped.
 */
static void remove_unwanted_links(unsigned int present)
{
	const struct policy_program *p;
	char path[512];
	struct dirent *e;
	DIR *d = opendir(BPFSEAL_PIN_LINKS);

	if (!d)
		return;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		p = policy_program_find(e->d_name);
		if (p && policy_program_wanted(p, present))
			continue;
		snprintf(path, sizeof(path), "%s/%s", BPFSEAL_PIN_LINKS, e->d_name);
		unlink(path);
	}
	closedir(d);
}

static int note_link_id(int ids, __u32 slot, int link_fd, char *err, size_t errlen)
{
	struct bpf_link_info info = {};
	struct bpfseal_link_ids entry;
	__u32 len = sizeof(info);

	if (bpf_link_get_info_by_fd(link_fd, &info, &len))
		return fail(err, errlen, -errno, "cannot read a new link's id");
	entry = (struct bpfseal_link_ids){ .link = info.id, .prog = info.prog_id };
	if (bpf_map_update_elem(ids, &slot, &entry, BPF_ANY))
		return fail(err, errlen, -errno, "cannot note link %u (more links than lock_link_ids holds?)",
			    info.id);
	return 0;
}

/*
 * Every program of the skeleton must be in policy_programs (a unit test
 * checks it too). Attached in the skeleton's order, which
 * policy_shared_hooks states for the hooks with several programs. The new
 * links' ids go into lock_link_ids.
 */
static int attach_and_pin(struct bpfseal *skel, unsigned int present, char *err, size_t errlen)
{
	int ids = bpf_map__fd(skel->maps.lock_link_ids);
	struct bpf_program *prog;
	__u32 n = 0;
	int ret;

	bpf_object__for_each_program(prog, skel->obj) {
		const char *name = bpf_program__name(prog);
		const struct policy_program *p = policy_program_find(name);
		struct bpf_link *link;

		if (!p)
			return fail(err, errlen, -ENOENT, "program %s is missing from the program table", name);
		if (!policy_program_wanted(p, present))
			continue;
		link = bpf_program__attach(prog);
		if (!link) {
			if (!p->required)
				continue;	/* reported inactive by `sealctl status` */
			return fail(err, errlen, -errno, "cannot attach %s (%s)", name, p->hook);
		}
		ret = pin_link(link, name, err, errlen);
		if (!ret)
			ret = note_link_id(ids, n++, bpf_link__fd(link), err, errlen);
		bpf_link__destroy(link);	/* the pin keeps it attached */
		if (ret)
			return ret;
	}
	/* Written once, for this load's programs: read-only from now on. */
	if (bpf_map_freeze(ids))
		return fail(err, errlen, -errno, "cannot freeze the link ids");
	return 0;
}

bool policy_maps_pinned(void)
{
	return access(BPFSEAL_PIN_MAPS "/records", F_OK) == 0;
}

/* A fresh policy's persisted records, before its maps are frozen. */
static int seed_records(struct bpfseal *skel, const struct policy_record *records, size_t n, char *err,
			size_t errlen)
{
	struct bpfseal_policy_state st = {};
	int fd = bpf_map__fd(skel->maps.records);
	__u32 zero = 0;

	for (size_t i = 0; i < n; i++) {
		struct bpfseal_record rec = { .seals = records[i].seals, .flags = BPFSEAL_RECORD_PERSISTED };

		if (bpf_map_update_elem(fd, &records[i].id, &rec, BPF_NOEXIST) && errno != EEXIST)
			return fail(err, errlen, -errno, "cannot load persisted record %zu of %zu (capacity %u)",
				    i + 1, n, bpf_map__max_entries(skel->maps.records));
	}
	/* Records no in-memory inode carries yet: every one of them. */
	st.records = st.records_evicted = st.records_persisted = (long long)n;
	if (bpf_map_update_elem(bpf_map__fd(skel->maps.policy_state), &zero, &st, BPF_ANY))
		return fail(err, errlen, -errno, "cannot count the persisted records");
	return 0;
}

/*
 * The info of the program behind the pinned link name; the caller may ask
 * for arrays in *prog (map_ids) beforehand. 0, or -1.
 */
static int pinned_link_prog_info(const char *name, struct bpf_prog_info *prog)
{
	struct bpf_link_info link = {};
	__u32 len = sizeof(link);
	char path[256];
	int lfd, pfd = -1, ret = -1;

	snprintf(path, sizeof(path), "%s/%s", BPFSEAL_PIN_LINKS, name);
	lfd = bpf_obj_get(path);
	if (lfd >= 0 && !bpf_link_get_info_by_fd(lfd, &link, &len))
		pfd = bpf_prog_get_fd_by_id(link.prog_id);
	len = sizeof(*prog);
	if (pfd >= 0 && !bpf_prog_get_info_by_fd(pfd, prog, &len))
		ret = 0;
	if (pfd >= 0)
		close(pfd);
	if (lfd >= 0)
		close(lfd);
	return ret;
}

/*
 * The distrusted seal hint. Only programs that use sealed_hint count the
 * inodes they give storage: a pinned hint the policy attached now does not
 * use (an upgrade from a version without the hint, a downgrade and back, a
 * load that stopped half-way) misses the inodes sealed meanwhile. Such a
 * hint is made anew (its pin removed before the load) and every slot
 * starts at SEALED_HINT_DISTRUSTED, a count that never reaches zero: every
 * hook looks for storage, as before the hint, until the next fresh load (a
 * reboot). Slower, never unsealed. The count is large because inodes
 * counted in the old hint are still taken off this one when they are
 * freed. No program uses the new map before it is attached, so filling it
 * cannot race.
 */
#define SEALED_HINT_DISTRUSTED	(1u << 31)

/* Has the pinned hint been kept by every load since the seals were pinned? */
static bool sealed_hint_kept(void)
{
	struct bpf_prog_info prog = {};
	struct bpf_map_info map = {};
	__u32 ids[64], len = sizeof(map);
	int hfd = bpf_obj_get(BPFSEAL_PIN_MAPS "/sealed_hint");
	bool kept = false;

	if (hfd < 0)
		return false;
	prog.nr_map_ids = sizeof(ids) / sizeof(ids[0]);
	prog.map_ids = (__u64)(unsigned long)ids;
	if (!bpf_map_get_info_by_fd(hfd, &map, &len) && !pinned_link_prog_info("add_seals", &prog))
		for (__u32 i = 0; i < prog.nr_map_ids && i < sizeof(ids) / sizeof(ids[0]); i++)
			kept |= ids[i] == map.id;
	close(hfd);
	return kept;
}

/* Every slot of a hint not kept all along at SEALED_HINT_DISTRUSTED. */
static int distrust_sealed_hint(struct bpfseal *skel, char *err, size_t errlen)
{
	__u32 n = bpf_map__max_entries(skel->maps.sealed_hint), count = n, *keys, *counts;
	int ret = 0;

	keys = calloc(n, sizeof(*keys));
	counts = calloc(n, sizeof(*counts));
	if (!keys || !counts) {
		ret = fail(err, errlen, -ENOMEM, "cannot fill the seal hint");
		goto out;
	}
	for (__u32 slot = 0; slot < n; slot++) {
		keys[slot] = slot;
		counts[slot] = SEALED_HINT_DISTRUSTED;
	}
	if (bpf_map_update_batch(bpf_map__fd(skel->maps.sealed_hint), keys, counts, &count, NULL) || count != n)
		ret = fail(err, errlen, errno ? -errno : -EIO, "cannot fill the seal hint (%u of %u slots)", count, n);
out:
	free(keys);
	free(counts);
	return ret;
}

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, text, strlen(text)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

/*
 * Lock the policy (bpf/lock.bpf.c), then close the kernel's own one-way
 * doors: no more modules, no kexec. Lockdown's integrity reasons are the
 * policy's (lock_kernel), whatever lockdown mode the kernel booted with;
 * where the lockdown LSM runs it is set to integrity too.
 */
static int lock_policy(char *err, size_t errlen)
{
	int dir = open(BPFSEAL_PIN_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int pub = open(BPFSEAL_PUBLIC_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	char mode[128] = "";
	int ret;
	FILE *f;

	if (dir < 0 || pub < 0) {
		ret = fail(err, errlen, -errno, "cannot open %s and %s to lock them", BPFSEAL_PIN_DIR,
			   BPFSEAL_PUBLIC_DIR);
		goto out;
	}
	/* Answered EINVAL even when taken (the fcntl channel, bpfseal_abi.h): policy_state says. */
	fcntl(dir, BPFSEAL_F_LOCK_POLICY, pub);
	if (!policy_locked()) {
		ret = fail(err, errlen, -EPERM, "the policy did not take the lock request");
		goto out;
	}
	ret = write_file("/proc/sys/kernel/modules_disabled", "1");
	if (!ret)
		ret = write_file("/proc/sys/kernel/kexec_load_disabled", "1");
	if (ret) {
		ret = fail(err, errlen, ret, "locked, but the kernel's module and kexec switches stayed open");
		goto out;
	}
	f = fopen("/sys/kernel/security/lockdown", "re");
	if (f && fgets(mode, sizeof(mode), f) && strstr(mode, "[none]"))
		write_file("/sys/kernel/security/lockdown", "integrity");
	if (f)
		fclose(f);
out:
	if (dir >= 0)
		close(dir);
	if (pub >= 0)
		close(pub);
	return ret;
}

bool policy_locked(void)
{
	struct bpfseal_policy_state st = {};

	return !policy_state_read(&st) && st.locked;
}

/* The system's bpffs, the policy's own, and the maps and links directories on it. */
static int prepare_pin_dirs(char *err, size_t errlen)
{
	int ret = ensure_bpffs("/sys/fs/bpf", 0700);

	if (ret)
		return fail(err, errlen, ret, "cannot mount bpffs on /sys/fs/bpf");
	ret = ensure_own_bpffs(BPFSEAL_PIN_DIR, 0700, err, errlen);
	if (ret)
		return ret;
	ret = ensure_dir(BPFSEAL_PIN_MAPS, 0700);
	if (!ret)
		ret = ensure_dir(BPFSEAL_PIN_LINKS, 0700);
	if (ret)
		return fail(err, errlen, ret, "cannot prepare %s", BPFSEAL_PIN_DIR);
	return 0;
}

/*
 * Before the load: the capacity asked for, and a pin path for every map
 * (a pinned one is re-used, if this version can). A seal hint that is not
 * to be trusted is unpinned first, so the load makes it anew.
 */
static int prepare_maps(struct bpfseal *skel, const struct bpfseal_config *config, bool hint_trusted, char *err,
			size_t errlen)
{
	struct bpf_map *map;
	char path[256];
	int ret;

	if (config->capacity && (bpf_map__set_max_entries(skel->maps.records, config->capacity) ||
				 bpf_map__set_max_entries(skel->maps.sealed_inodes, config->capacity)))
		return fail(err, errlen, -errno, "cannot size the maps for %u sealed inodes", config->capacity);
	if (!hint_trusted && unlink(BPFSEAL_PIN_MAPS "/sealed_hint") && errno != ENOENT)
		return fail(err, errlen, -errno, "cannot remove the stale %s/sealed_hint", BPFSEAL_PIN_MAPS);
	bpf_object__for_each_map(map, skel->obj) {
		/* lock_link_ids belongs to this load's programs only: not pinned, not re-used. */
		if (bpf_map__is_internal(map) || map == skel->maps.lock_link_ids)
			continue;
		snprintf(path, sizeof(path), "%s/%s", BPFSEAL_PIN_MAPS, bpf_map__name(map));
		ret = check_pinned_map(map, path, err, errlen);
		if (!ret && bpf_map__set_pin_path(map, path))
			ret = fail(err, errlen, -errno, "cannot set the pin path of map %s", path);
		if (ret)
			return ret;
	}
	return 0;
}

int policy_load(const struct bpfseal_config *config, const struct policy_record *records, size_t n_records,
		char *err, size_t errlen)
{
	bool fresh = !policy_maps_pinned(), hint_kept = !fresh && sealed_hint_kept();
	unsigned int present;
	struct policy_features feat;
	struct bpfseal *skel = NULL;
	struct bpf_program *prog;
	int ret;

	libbpf_set_print(libbpf_quiet);
	ret = policy_probe(&feat, err, errlen);
	if (ret)
		return ret;
	if (!feat.bpf_lsm) {
		snprintf(err, errlen, "BPF LSM is not active on this kernel: add \"bpf\" to the lsm= "
			 "boot parameter (e.g. lsm=%s%sbpf) and reboot", feat.lsms, feat.lsms[0] ? "," : "");
		return -EOPNOTSUPP;
	}
	if (policy_locked()) {
		snprintf(err, errlen, "the policy is locked until reboot: nothing reloaded (a new version "
			 "takes effect at the next boot)");
		return -EALREADY;
	}
	ret = prepare_pin_dirs(err, errlen);
	if (ret)
		return ret;

	skel = bpfseal__open();
	if (!skel)
		return fail(err, errlen, -errno, "cannot open the BPF policy");
	present = feat.present | (config->locked ? F(FEATURE_LOCKED_MODE) : 0);
	bpf_object__for_each_program(prog, skel->obj) {
		const struct policy_program *p = policy_program_find(bpf_program__name(prog));

		bpf_program__set_autoload(prog, p && policy_program_wanted(p, present));
	}
	ret = prepare_maps(skel, config, fresh || hint_kept, err, errlen);
	if (ret)
		goto out;
	ret = bpfseal__load(skel);
	if (ret) {
		ret = fail(err, errlen, ret, "the kernel refused the BPF policy "
			   "(BPFSEAL_DEBUG=1 shows the verifier log)");
		goto out;
	}
	if (fresh && n_records) {
		ret = seed_records(skel, records, n_records, err, errlen);
		if (ret)
			goto out;
	}
	if (!fresh && !hint_kept) {
		ret = distrust_sealed_hint(skel, err, errlen);
		if (ret)
			goto out;
	}
	ret = freeze_maps(skel, err, errlen);
	if (ret)
		goto out;
	ret = attach_and_pin(skel, present, err, errlen);
	if (ret)
		goto out;
	remove_unwanted_links(present);
	ret = publish_readonly(skel->maps.seals, err, errlen);
	if (!ret && config->locked)
		ret = lock_policy(err, errlen);
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

/* The programs behind the pinned links (up to `max`), by id. */
static size_t attached_program_ids(__u32 *ids, size_t max)
{
	DIR *d = opendir(BPFSEAL_PIN_LINKS);
	struct dirent *e;
	char path[512];
	size_t n = 0;

	while (d && n < max && (e = readdir(d))) {
		struct bpf_link_info info = {};
		__u32 len = sizeof(info);
		int fd;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", BPFSEAL_PIN_LINKS, e->d_name);
		fd = bpf_obj_get(path);
		if (fd >= 0 && !bpf_link_get_info_by_fd(fd, &info, &len))
			ids[n++] = info.prog_id;
		if (fd >= 0)
			close(fd);
	}
	if (d)
		closedir(d);
	return n;
}

/*
 * Dropping the last reference to a link detaches its program later, from a
 * workqueue, and the program goes after that: wait until none of them
 * exists any more, so "no longer enforced" is true when it is said.
 */
#define DETACH_WAIT_MS 60000

static size_t wait_detached(const __u32 *ids, size_t n)
{
	size_t left = n;

	for (int waited = 0; left && waited < DETACH_WAIT_MS; waited += 50) {
		left = 0;
		for (size_t i = 0; i < n; i++) {
			int fd = bpf_prog_get_fd_by_id(ids[i]);

			if (fd >= 0) {
				close(fd);
				left++;
			}
		}
		if (left)
			usleep(50 * 1000);
	}
	return left;
}

int policy_unload(char *err, size_t errlen)
{
	__u32 ids[256];
	size_t n = attached_program_ids(ids, sizeof(ids) / sizeof(ids[0])), left;
	int ret;

	/* Links first: enforcement stops before the seal map goes. */
	ret = remove_pins(BPFSEAL_PIN_LINKS);
	if (!ret)
		ret = remove_pins(BPFSEAL_PIN_MAPS);
	if (!ret && unlink(BPFSEAL_PUBLIC_SEALS) && errno != ENOENT)
		ret = -errno;
	/* The policy's own bpffs instances: nothing left on them. */
	if (!ret && umount(BPFSEAL_PIN_DIR) && errno != EINVAL && errno != ENOENT)
		ret = -errno;
	if (!ret && rmdir(BPFSEAL_PIN_DIR) && errno != ENOENT)
		ret = -errno;
	if (!ret && umount(BPFSEAL_PUBLIC_DIR) && errno != EINVAL && errno != ENOENT)
		ret = -errno;
	if (ret)
		return fail(err, errlen, ret, "cannot remove pins under %s", BPFSEAL_PIN_DIR);
	left = wait_detached(ids, n);
	if (left) {
		snprintf(err, errlen, "unpinned, but %zu of the policy's %zu programs are still attached after "
			 "%d s: seals may still be enforced until the kernel lets them go", left, n,
			 DETACH_WAIT_MS / 1000);
		return -EBUSY;
	}
	return 0;
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
	struct bpf_prog_info prog = {};

	return pinned_link_prog_info(name, &prog) ? -1 : (long)prog.recursion_misses;
}

/* Read-only: what locked mode still hands out. */
static int open_pinned_map(const char *name)
{
	LIBBPF_OPTS(bpf_obj_get_opts, opts, .file_flags = BPF_F_RDONLY);
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", BPFSEAL_PIN_MAPS, name);
	return bpf_obj_get_opts(path, &opts);
}

int policy_state_read(struct bpfseal_policy_state *out)
{
	__u32 zero = 0;
	int fd = open_pinned_map("policy_state"), ret = 0;

	if (fd < 0)
		return -errno;
	if (bpf_map_lookup_elem(fd, &zero, out))
		ret = -errno;
	close(fd);
	return ret;
}

int policy_map_usage(const char *map, unsigned int *capacity, long long *bytes)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	char path[256], line[128];
	FILE *f;
	int fd;

	fd = open_pinned_map(map);
	if (fd < 0)
		return -errno;
	*capacity = bpf_map_get_info_by_fd(fd, &info, &len) ? 0 : info.max_entries;
	*bytes = -1;
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f))
		sscanf(line, "memlock: %lld", bytes);
	if (f)
		fclose(f);
	close(fd);
	return 0;
}
