// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * A seal map pinned by an incompatible bpfseal version: `sealctl load`
 * refuses with one clear line and changes nothing; after the admin removes
 * it, load works again. The same for pins an older bpfseal left in the
 * system's bpffs, where this one would mount its own over them. And a
 * reload over a seal hint the attached policy did not keep (a version
 * without it, or downgraded to one and back): sealed files stay sealed.
 * Runs last: it unloads the policy on the way, and leaves the hint off.
 */
#include <limits.h>
#include <linux/loop.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <bpf/bpf.h>

#include "bpfseal.h"
#include "bpfseal_abi.h"
#include "itest.h"

static int run(const char *cmd, char *out, size_t len)
{
	FILE *p = popen(cmd, "r");
	size_t n = fread(out, 1, len - 1, p);
	int status = pclose(p);

	out[n] = '\0';
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Append to a file sealed `grow` is refused, and a write in place allowed, after `sealctl load`. */
static void reload_keeps_grow(const char *what, const char *file)
{
	char name[160], out[2048];
	int rc, fd;

	snprintf(name, sizeof(name), "version/%s/reload", what);
	rc = run("sealctl load 2>&1", out, sizeof(out));
	itest_report(rc == 0, name, "exit %d: %s", rc, out);
	fd = open(file, O_WRONLY | O_APPEND);
	snprintf(name, sizeof(name), "version/%s/grow_append_refused", what);
	itest_expect(name, fd >= 0 && write(fd, "x", 1) < 0 ? errno : 0, EPERM);
	if (fd >= 0)
		close(fd);
	fd = open(file, O_WRONLY);
	snprintf(name, sizeof(name), "version/%s/write_in_place_allowed", what);
	itest_expect(name, fd >= 0 && pwrite(fd, "V", 1, 0) == 1 ? 0 : errno, 0);
	if (fd >= 0)
		close(fd);
}

/* The hint slot of a file, from the kernel's encoding of its device. */
static __u32 hint_slot(const char *path)
{
	struct stat st;

	if (stat(path, &st))
		return 0;
	return BPFSEAL_SEALED_HINT_SLOT(((__u64)major(st.st_dev) << 20) | minor(st.st_dev), st.st_ino);
}

/*
 * A file whose inode shares a hint slot with another's. The hash spreads
 * a filesystem's consecutive inode numbers over distinct slots, so the
 * device number is what is chosen: a copy of an ext4 image on the loop
 * device whose minor puts its file in the slot wanted.
 */
#define HINT_IMAGE	"/mnt/tmpfs/version-hint.img"
#define HINT_MNT	"/mnt/version-hint"
#define LOOP_MAJOR_NR	7

/* HINT_IMAGE on /dev/loopN (a free one if n < 0), mounted on HINT_MNT: N, or -1. */
static int attach_image(int n)
{
	struct loop_config cfg = {};
	char dev[32];
	int ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC), loop, backing, err;

	if (ctl < 0)
		return -1;
	n = ioctl(ctl, n < 0 ? LOOP_CTL_GET_FREE : LOOP_CTL_ADD, n);
	close(ctl);
	if (n < 0)
		return -1;
	snprintf(dev, sizeof(dev), "/dev/loop%d", n);
	loop = open(dev, O_RDWR | O_CLOEXEC);
	backing = open(HINT_IMAGE, O_RDWR | O_CLOEXEC);
	cfg.fd = (__u32)backing;
	err = loop < 0 || backing < 0 || ioctl(loop, LOOP_CONFIGURE, &cfg);
	if (backing >= 0)
		close(backing);
	if (loop >= 0)
		close(loop);
	mkdir(HINT_MNT, 0755);
	return err || mount(dev, HINT_MNT, "ext4", 0, NULL) ? -1 : n;
}

static void detach_image(int n)
{
	char dev[32];
	int loop;

	umount(HINT_MNT);
	snprintf(dev, sizeof(dev), "/dev/loop%d", n);
	loop = open(dev, O_RDWR | O_CLOEXEC);
	if (loop >= 0) {
		ioctl(loop, LOOP_CLR_FD, 0);
		close(loop);
	}
}

/* Mount HINT_IMAGE where its file's inode falls in slot; the loop device's number, or -1. */
static int image_in_slot(__u32 slot)
{
	struct stat st;
	int n = attach_image(-1);
	bool ok = n >= 0 && !stat(HINT_MNT "/file", &st);

	if (n >= 0)
		detach_image(n);
	if (!ok)
		return -1;
	/* Above the low minors other tests and the system may hold. */
	for (int minor = 256; minor < (1 << 20); minor++) {
		if (BPFSEAL_SEALED_HINT_SLOT(((__u64)LOOP_MAJOR_NR << 20) | minor, st.st_ino) != slot)
			continue;
		n = attach_image(minor);
		if (n >= 0)
			return n;
	}
	return -1;
}

static int seal_grow(const char *path)
{
	int fd = open(path, O_RDWR), ret = fd >= 0 && !bpfseal_add_seals(fd, GROW) ? 0 : -1;

	if (fd >= 0)
		close(fd);
	return ret;
}

/*
 * Seal hints a reload must not trust (bpf/bpfseal.bpf.h, user/policy.c
 * distrust_sealed_hint): none pinned, as a version without it leaves; and
 * an empty one the attached programs never used, as a downgrade leaves.
 */
static void untrusted_hints(void)
{
	char file[] = "/mnt/tmpfs/version-hint", freed[] = "/mnt/tmpfs/version-hint-freed";
	int fd = open(file, O_RDWR | O_CREAT | O_TRUNC, 0644), loop;

	if (fd < 0 || write(fd, "v1\n", 3) != 3 || bpfseal_add_seals(fd, GROW)) {
		itest_report(false, "version/hint/setup", "%s: %s", file, strerror(errno));
		return;
	}
	close(fd);
	/* Counted in the hint of now, so taken off the new one when freed; its slot mate stays. */
	fd = open(freed, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd >= 0)
		close(fd);
	loop = system("cp /mnt/images/ext4-a.img " HINT_IMAGE) ? -1 : image_in_slot(hint_slot(freed));
	if (fd < 0 || loop < 0 || seal_grow(freed) || seal_grow(HINT_MNT "/file")) {
		itest_report(false, "version/hint/setup", "no two sealed files in one hint slot: %s", strerror(errno));
		if (loop >= 0)
			detach_image(loop);
		return;
	}
	unlink(BPFSEAL_PIN_MAPS "/sealed_hint");
	reload_keeps_grow("hint_missing", file);

	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "sealed_hint", sizeof(__u32), sizeof(__u32),
			    BPFSEAL_SEALED_HINT_SLOTS, NULL);
	unlink(BPFSEAL_PIN_MAPS "/sealed_hint");
	if (fd < 0 || bpf_obj_pin(fd, BPFSEAL_PIN_MAPS "/sealed_hint"))
		itest_report(false, "version/hint/setup", "cannot pin an empty hint: %s", strerror(errno));
	else
		reload_keeps_grow("hint_not_kept", file);
	if (fd >= 0)
		close(fd);
	unlink(file);
	/* Its slot's count goes down by one: the other file there stays sealed. */
	unlink(freed);
	fd = open(HINT_MNT "/file", O_WRONLY | O_APPEND);
	itest_expect("version/hint_not_kept/slot_mate_freed/grow_append_refused",
		     fd >= 0 && write(fd, "x", 1) < 0 ? errno : 0, EPERM);
	if (fd >= 0)
		close(fd);
	detach_image(loop);
	unlink(HINT_IMAGE);
}

int main(void)
{
	char out[2048];
	int rc, fd;

	setvbuf(stdout, NULL, _IOLBF, 0);
	untrusted_hints();
	rc = run("sealctl unload --force 2>&1", out, sizeof(out));
	itest_report(rc == 0, "version/unload_force", "exit %d: %s", rc, out);

	/* What a bpfseal of another layout might have left: a map of another shape, on its bpffs. */
	mkdir(BPFSEAL_PIN_DIR, 0700);
	mount("bpffs", BPFSEAL_PIN_DIR, "bpf", 0, NULL);
	mkdir(BPFSEAL_PIN_MAPS, 0700);
	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "seals", 4, 4, 1, NULL);
	if (fd < 0 || bpf_obj_pin(fd, BPFSEAL_PIN_SEALS))
		perror("pin a foreign map");
	rc = run("sealctl load 2>&1", out, sizeof(out));
	itest_report(rc == 1 && strstr(out, "was pinned by a different bpfseal version") && !strchr(strchr(out, '\n') + 1, '\n'),
		     "version/load_refuses_foreign_pinned_map_in_one_line", "exit %d: %s", rc, out);
	itest_report(access(BPFSEAL_PIN_LINKS "/check_write", F_OK) != 0, "version/refused_load_attached_nothing",
		     "a link was pinned");
	unlink(BPFSEAL_PIN_SEALS);
	umount(BPFSEAL_PIN_DIR);

	/* An older bpfseal pinned into a directory of the system's bpffs. */
	mkdir(BPFSEAL_PIN_DIR, 0700);
	mkdir(BPFSEAL_PIN_MAPS, 0700);
	if (bpf_obj_pin(fd, BPFSEAL_PIN_SEALS))
		perror("pin into the system bpffs");
	rc = run("sealctl load 2>&1", out, sizeof(out));
	itest_report(rc == 1 && strstr(out, "holds pins of an older bpfseal") && !strchr(strchr(out, '\n') + 1, '\n'),
		     "version/load_refuses_to_hide_older_pins_in_one_line", "exit %d: %s", rc, out);
	unlink(BPFSEAL_PIN_SEALS);
	rmdir(BPFSEAL_PIN_MAPS);
	rmdir(BPFSEAL_PIN_DIR);
	close(fd);
	rc = run("sealctl load 2>&1", out, sizeof(out));
	itest_report(rc == 0, "version/load_after_cleanup", "exit %d: %s", rc, out);
	return itest_failures ? 1 : 0;
}
