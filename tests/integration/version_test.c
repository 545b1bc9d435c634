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
#include <dirent.h>
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
	size_t n = p ? fread(out, 1, len - 1, p) : 0;
	int status = p ? pclose(p) : -1;

	out[n] = '\0';
	return status != -1 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Exactly one line of output. */
static bool one_line(const char *out)
{
	const char *nl = strchr(out, '\n');

	return nl && !nl[1];
}

/* What reload_keeps_grow() reports. */
#define RELOAD_CASES 3

/*
 * Append to a file sealed `grow` is refused, and a write in place allowed,
 * after `sealctl load`; with not_run, each case reports that instead.
 */
static void reload_keeps_grow(const char *what, const char *file, const char *not_run)
{
	char name[160], out[2048];
	int rc, fd;

	snprintf(name, sizeof(name), "version/%s/reload", what);
	if (not_run) {
		itest_report(false, name, "not run: %s", not_run);
	} else {
		rc = run("sealctl load 2>&1", out, sizeof(out));
		itest_report(rc == 0, name, "exit %d: %s", rc, out);
	}
	snprintf(name, sizeof(name), "version/%s/grow_append_refused", what);
	if (not_run) {
		itest_report(false, name, "not run: %s", not_run);
	} else {
		fd = open(file, O_WRONLY | O_APPEND);
		itest_expect(name, fd >= 0 && write(fd, "x", 1) < 0 ? errno : 0, EPERM);
		if (fd >= 0)
			close(fd);
	}
	snprintf(name, sizeof(name), "version/%s/write_in_place_allowed", what);
	if (not_run) {
		itest_report(false, name, "not run: %s", not_run);
	} else {
		fd = open(file, O_WRONLY);
		itest_expect(name, fd >= 0 && pwrite(fd, "V", 1, 0) == 1 ? 0 : errno, 0);
		if (fd >= 0)
			close(fd);
	}
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
	char dev[32];

	if (itest_loop_attach(HINT_IMAGE, n, dev, sizeof(dev)))
		return -1;
	mkdir(HINT_MNT, 0755);
	return mount(dev, HINT_MNT, "ext4", 0, NULL) ? -1 : atoi(dev + strlen("/dev/loop"));
}

static void detach_image(int n)
{
	char dev[32];

	umount(HINT_MNT);
	snprintf(dev, sizeof(dev), "/dev/loop%d", n);
	itest_loop_detach(dev);
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

/* What untrusted_hints() reports: its two set-ups, two reloads, the slot mate. */
#define HINT_CASES (2 + 2 * RELOAD_CASES + 1)

/*
 * Seal hints a reload must not trust (bpf/bpfseal.bpf.h, user/policy.c
 * distrust_sealed_hint): none pinned, as a version without it leaves; and
 * an empty one the attached programs never used, as a downgrade leaves.
 */
static void untrusted_hints(void)
{
	char file[] = "/mnt/tmpfs/version-hint", freed[] = "/mnt/tmpfs/version-hint-freed", why[256] = "";
	int fd = open(file, O_RDWR | O_CREAT | O_TRUNC, 0644), loop = -1;
	const char *not_run = NULL;

	if (fd < 0 || write(fd, "v1\n", 3) != 3 || bpfseal_add_seals(fd, GROW))
		snprintf(why, sizeof(why), "%s: %s", file, strerror(errno));
	if (fd >= 0)
		close(fd);
	/* Counted in the hint of now, so taken off the new one when freed; its slot mate stays. */
	if (!why[0]) {
		fd = open(freed, O_RDWR | O_CREAT | O_TRUNC, 0644);
		if (fd >= 0)
			close(fd);
		loop = system("cp /mnt/images/ext4-a.img " HINT_IMAGE) ? -1 : image_in_slot(hint_slot(freed));
		if (fd < 0 || loop < 0 || seal_grow(freed) || seal_grow(HINT_MNT "/file"))
			snprintf(why, sizeof(why), "no two sealed files in one hint slot: %s", strerror(errno));
	}
	itest_report(!why[0], "version/hint/setup", "%s", why);
	if (why[0])
		not_run = "no sealed files to reload over";
	if (!not_run)
		unlink(BPFSEAL_PIN_MAPS "/sealed_hint");
	reload_keeps_grow("hint_missing", file, not_run);

	fd = -1;
	if (!not_run) {
		fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "sealed_hint", sizeof(__u32), sizeof(__u32),
				    BPFSEAL_SEALED_HINT_SLOTS, NULL);
		unlink(BPFSEAL_PIN_MAPS "/sealed_hint");
		itest_report(fd >= 0 && !bpf_obj_pin(fd, BPFSEAL_PIN_MAPS "/sealed_hint"),
			     "version/hint_not_kept/empty_hint_pinned", "cannot pin an empty hint: %s", strerror(errno));
		reload_keeps_grow("hint_not_kept", file, fd >= 0 && access(BPFSEAL_PIN_MAPS "/sealed_hint", F_OK) == 0 ?
				  NULL : "no empty hint pinned");
	} else {
		itest_report(false, "version/hint_not_kept/empty_hint_pinned", "not run: %s", not_run);
		reload_keeps_grow("hint_not_kept", file, not_run);
	}
	if (fd >= 0)
		close(fd);
	unlink(file);
	/* Its slot's count goes down by one: the other file there stays sealed. */
	unlink(freed);
	if (not_run) {
		itest_report(false, "version/hint_not_kept/slot_mate_freed/grow_append_refused", "not run: %s", not_run);
	} else {
		fd = open(HINT_MNT "/file", O_WRONLY | O_APPEND);
		itest_expect("version/hint_not_kept/slot_mate_freed/grow_append_refused",
			     fd >= 0 && write(fd, "x", 1) < 0 ? errno : 0, EPERM);
		if (fd >= 0)
			close(fd);
	}
	if (loop >= 0)
		detach_image(loop);
	unlink(HINT_IMAGE);
}

/* Whether a link of the policy is pinned (none when its directory cannot be read). */
static bool links_pinned(void)
{
	DIR *d = opendir(BPFSEAL_PIN_LINKS);
	struct dirent *e;
	bool any = false;

	while (d && !any && (e = readdir(d)))
		any = e->d_name[0] != '.';
	if (d)
		closedir(d);
	return any;
}

int main(void)
{
	char out[2048];
	int rc, fd;

	setvbuf(stdout, NULL, _IOLBF, 0);
	itest_plan(HINT_CASES + 5);
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
	itest_report(rc == 1 && strstr(out, "was pinned by a different bpfseal version") && one_line(out),
		     "version/load_refuses_foreign_pinned_map_in_one_line", "exit %d: %s", rc, out);
	/* Any link, not one by name: load_after_cleanup shows the same look finds them. */
	itest_report(!links_pinned(), "version/refused_load_attached_nothing", "a link was pinned");
	unlink(BPFSEAL_PIN_SEALS);
	umount(BPFSEAL_PIN_DIR);

	/* An older bpfseal pinned into a directory of the system's bpffs. */
	mkdir(BPFSEAL_PIN_DIR, 0700);
	mkdir(BPFSEAL_PIN_MAPS, 0700);
	if (bpf_obj_pin(fd, BPFSEAL_PIN_SEALS))
		perror("pin into the system bpffs");
	rc = run("sealctl load 2>&1", out, sizeof(out));
	itest_report(rc == 1 && strstr(out, "holds pins of an older bpfseal") && one_line(out),
		     "version/load_refuses_to_hide_older_pins_in_one_line", "exit %d: %s", rc, out);
	unlink(BPFSEAL_PIN_SEALS);
	rmdir(BPFSEAL_PIN_MAPS);
	rmdir(BPFSEAL_PIN_DIR);
	close(fd);
	rc = run("sealctl load 2>&1", out, sizeof(out));
	itest_report(rc == 0 && links_pinned(), "version/load_after_cleanup", "exit %d, links %s: %s", rc,
		     links_pinned() ? "pinned" : "none pinned", out);
	return itest_end();
}
