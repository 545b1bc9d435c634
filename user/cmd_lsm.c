// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * sealctl enable-lsm | disable-lsm: put "bpf" in the kernel's lsm= through
 * the boot loader configuration this machine uses, and take it out again.
 *
 * GRUB (Debian's /etc/default/grub + update-grub): one drop-in,
 * /etc/default/grub.d/bpfseal.cfg, that edits the lsm= GRUB already passes
 * (in GRUB_CMDLINE_LINUX and/or GRUB_CMDLINE_LINUX_DEFAULT) or, when it
 * passes none, appends one to GRUB_CMDLINE_LINUX (normal and recovery
 * entries). disable-lsm deletes that file and runs update-grub.
 * kernel-install (systemd-boot): /etc/kernel/cmdline edited the same way;
 * the file as it was is kept in /var/lib/bpfseal/ for disable-lsm.
 * Anything else: refuse, change nothing, and print the lsm= to set by hand.
 *
 * security= (the legacy choice of one major LSM) is left alone: with lsm=
 * present the kernel ignores it, and the list written keeps whatever it
 * chose, because it starts from what runs now.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lsm_list.h"
#include "persist.h"
#include "sealctl.h"
#include "text.h"
#include "textbuf.h"

#define LSM_ACTIVE	"/sys/kernel/security/lsm"
#define GRUB_DEFAULT	"/etc/default/grub"
#define GRUB_DROPIN	"/etc/default/grub.d/bpfseal.cfg"
#define GRUB_CFG	"/boot/grub/grub.cfg"
#define UPDATE_GRUB	"/usr/sbin/update-grub"
#define KI_CMDLINE	"/etc/kernel/cmdline"
#define KI_SAVED	BPFSEAL_STATE_DIR "/kernel-cmdline.orig"	/* "" when there was none */
#define KI_WRITTEN	BPFSEAL_STATE_DIR "/kernel-cmdline.written"
#define DROPIN_MARK	"# Written by `sealctl enable-lsm`"

enum boot_loader { BOOT_NONE, BOOT_GRUB, BOOT_KERNEL_INSTALL };

/* The whole of a small text file, NUL-terminated, trailing newlines cut; NULL with errno. */
static char *read_text(const char *path)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t len = 0, cap = 0;
	int c;

	if (!f)
		return NULL;
	while ((c = fgetc(f)) != EOF) {
		if (len + 2 > cap) {
			char *more = realloc(buf, cap = cap ? cap * 2 : 256);

			if (!more) {
				free(buf);
				fclose(f);
				errno = ENOMEM;
				return NULL;
			}
			buf = more;
		}
		buf[len++] = (char)c;
	}
	fclose(f);
	if (!buf && !(buf = calloc(1, 1)))
		return NULL;
	while (len && buf[len - 1] == '\n')
		len--;
	buf[len] = '\0';
	return buf;
}

/*
 * Write TEXT to PATH through PATH.new, synced before the rename so that a
 * crash leaves the old file or the new one, never an empty one; mode 0644.
 * 0, or -errno with PATH untouched and PATH.new gone.
 */
static int write_text(const char *path, const char *text)
{
	char tmp[256];
	int ret = 0;
	FILE *f;

	if (snprintf(tmp, sizeof(tmp), "%s.new", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	f = fopen(tmp, "we");
	if (!f)
		return -errno;
	if (fputs(text, f) < 0 || fflush(f) || fchmod(fileno(f), 0644) || fsync(fileno(f)))
		ret = errno ? -errno : -EIO;
	if (fclose(f) && !ret)
		ret = errno ? -errno : -EIO;
	if (!ret && rename(tmp, path))
		ret = -errno;
	if (ret)
		unlink(tmp);
	return ret;
}

/* Run ARGV, its output passing through; 0 when it exits 0. */
static int run(char *const argv[])
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -errno;
	if (!pid) {
		execv(argv[0], argv);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	return WIFEXITED(status) && !WEXITSTATUS(status) ? 0 : -1;
}

static enum boot_loader detect_boot_loader(void)
{
	if (!access(GRUB_DEFAULT, R_OK) && !access(UPDATE_GRUB, X_OK))
		return BOOT_GRUB;
	if (!access("/usr/bin/kernel-install", X_OK) &&
	    (!access(KI_CMDLINE, F_OK) || !access("/boot/loader/entries", F_OK) ||
	     !access("/efi/loader/entries", F_OK) || !access("/boot/efi/loader/entries", F_OK)))
		return BOOT_KERNEL_INSTALL;
	return BOOT_NONE;
}

/* The running kernel's LSMs; NULL after saying why. */
static char *active_lsms(const char *command)
{
	char *s = read_text(LSM_ACTIVE);

	if (!s)
		sealctl_error("%s: cannot read %s: %s (is securityfs mounted?)", command, LSM_ACTIVE, strerror(errno));
	return s;
}

/*
 * GRUB_CMDLINE_LINUX and GRUB_CMDLINE_LINUX_DEFAULT as update-grub sees them
 * (it sources /etc/default/grub, then /etc/default/grub.d/\*.cfg), without
 * our own drop-in. The shell reads them: they are shell code.
 */
static int grub_cmdline_vars(char *linux_args, char *linux_default, size_t len)
{
	static const char script[] =
		". " GRUB_DEFAULT "; for f in /etc/default/grub.d/*.cfg; do "
		"[ -e \"$f\" ] && [ \"$f\" != " GRUB_DROPIN " ] && . \"$f\"; done; "
		"printf '%s\\n%s\\n' \"$GRUB_CMDLINE_LINUX\" \"$GRUB_CMDLINE_LINUX_DEFAULT\"";
	FILE *p = popen(script, "re");
	int ok;

	if (!p)
		return -errno;
	ok = fgets(linux_args, (int)len, p) && fgets(linux_default, (int)len, p);
	if (pclose(p) || !ok)
		return -EINVAL;
	linux_args[strcspn(linux_args, "\n")] = '\0';
	linux_default[strcspn(linux_default, "\n")] = '\0';
	return 0;
}

/* The command line the next boot will use, as far as it can be told. */
static bool next_boot_cmdline(char *out, size_t len)
{
	char *text = NULL;
	bool ok = false;

	switch (detect_boot_loader()) {
	case BOOT_GRUB:
		if ((text = read_text(GRUB_CFG)))
			ok = grub_cfg_default_cmdline(text, out, len);
		break;
	case BOOT_KERNEL_INSTALL:
		if ((text = read_text(KI_CMDLINE)))
			ok = snprintf(out, len, "%s", text) < (int)len;
		break;
	case BOOT_NONE:
		break;
	}
	free(text);
	return ok;
}

/* Does the boot configuration ask for bpf while the running kernel lacks it? */
static bool bpf_pending(const char *active)
{
	char next[4096];

	return *active && next_boot_cmdline(next, sizeof(next)) && lsm_enable_pending(active, next);
}

void lsm_status_text(FILE *f, const char *active)
{
	fprintf(f, "lsm:           %s\n", *active ? active : "unknown (securityfs not readable)");
	if (lsm_list_has(active, "bpf"))
		fprintf(f, "bpf lsm:       active\n");
	else if (bpf_pending(active))
		fprintf(f, "bpf lsm:       NOT active; active after reboot (the boot configuration lists bpf in lsm=)\n");
	else
		fprintf(f, "bpf lsm:       NOT active (`sealctl enable-lsm` adds bpf to lsm= in the boot configuration)\n");
}

void lsm_status_json(FILE *f, const char *active)
{
	char item[256];

	fputs(",\"lsms\":[", f);
	for (const char *p = active; *p;) {
		size_t len = strcspn(p, ",");

		snprintf(item, sizeof(item), "%.*s", (int)len, p);
		fprintf(f, "%s", p == active ? "" : ",");
		json_string(f, item);
		p += len + (p[len] == ',');
	}
	fprintf(f, "],\"bpf_lsm_pending_reboot\":%s", bpf_pending(active) ? "true" : "false");
}

struct lsm_options {
	bool yes, dry_run;
};

static int parse_lsm_options(int argc, char **argv, const char *command, struct lsm_options *o, int *exit_code)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "yes", no_argument, NULL, 'y' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ 0 },
	};
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "hyn", opts, NULL)) != -1) {
		if (c == 'h') {
			sealctl_usage(stdout, command);
			*exit_code = EXIT_OK;
			return -1;
		} else if (c == 'y') {
			o->yes = true;
		} else if (c == 'n') {
			o->dry_run = true;
		} else {
			sealctl_usage(stderr, command);
			*exit_code = EXIT_USAGE;
			return -1;
		}
	}
	if (optind != argc) {
		sealctl_error("%s: unexpected argument '%s'", command, argv[optind]);
		*exit_code = EXIT_USAGE;
		return -1;
	}
	if (!o->dry_run && geteuid() != 0) {
		sealctl_error("%s: changing the boot configuration needs root (--dry-run shows the change)", command);
		*exit_code = EXIT_REFUSED;
		return -1;
	}
	return 0;
}

/* Ask on the terminal unless --yes; false (and why) when not confirmed. */
static bool confirmed(const struct lsm_options *o, const char *command)
{
	char answer[16];

	if (o->yes)
		return true;
	if (!isatty(STDIN_FILENO)) {
		sealctl_error("%s: not confirmed: no terminal to ask on; pass --yes to make the change", command);
		return false;
	}
	printf("Proceed? [y/N] ");
	fflush(stdout);
	if (!fgets(answer, sizeof(answer), stdin) || (answer[0] != 'y' && answer[0] != 'Y')) {
		sealctl_error("%s: not confirmed; nothing changed", command);
		return false;
	}
	return true;
}

/* LSM names are [a-z0-9_]: safe inside the drop-in's shell and sed text. */
static bool plain_list(const char *list)
{
	return list[strspn(list, "abcdefghijklmnopqrstuvwxyz0123456789_,")] == '\0';
}

/* Drop-in line: every lsm= in the shell variable VAR gets the value of the %s argument. */
#define SET_LSM_IN(var) \
	var "=\"$(printf '%%s' \"$" var "\" | sed -E 's/(^|[[:space:]])lsm=[^[:space:]]*/\\1lsm=%s/g')\"\n"

/* update-grub failed with the drop-in: remove it and run update-grub again; say where that leaves the boot. */
static int undo_dropin(const char *active)
{
	const char *state = "which cannot be read";
	char next[4096];

	if (unlink(GRUB_DROPIN)) {
		sealctl_error("enable-lsm: update-grub failed, and %s cannot be removed again: %s; "
			      "delete it and run update-grub by hand", GRUB_DROPIN, strerror(errno));
		return EXIT_REFUSED;
	}
	if (!run((char *const[]){ UPDATE_GRUB, NULL })) {
		sealctl_error("enable-lsm: update-grub failed; %s removed again and %s regenerated "
			      "without it: nothing changed", GRUB_DROPIN, GRUB_CFG);
		return EXIT_REFUSED;
	}
	if (next_boot_cmdline(next, sizeof(next)))
		state = lsm_enable_pending(active, next) ? "with bpf in lsm= (the next boot enables bpf)"
			: "without bpf in lsm= (the next boot runs the LSMs it runs now)";
	sealctl_error("enable-lsm: update-grub failed, and failed again after %s was removed: %s is as "
		      "the failed runs left it, %s; fix what update-grub reports and run it by hand",
		      GRUB_DROPIN, GRUB_CFG, state);
	return EXIT_REFUSED;
}

static int enable_grub(const char *active, const struct lsm_options *o)
{
	char args[2048], deflt[2048], configured[512], proc_lsm[512], lsm[512], dropin[8192], edited[4096];
	char *cmdline = read_text("/proc/cmdline");
	bool in_args, in_default;
	size_t n = 0;
	int ret;

	if (grub_cmdline_vars(args, deflt, sizeof(args))) {
		sealctl_error("enable-lsm: cannot read GRUB_CMDLINE_LINUX from %s and /etc/default/grub.d", GRUB_DEFAULT);
		free(cmdline);
		return EXIT_REFUSED;
	}
	in_args = cmdline_param(args, "lsm", configured, sizeof(configured));
	in_default = cmdline_param(deflt, "lsm", configured, sizeof(configured));	/* the later one wins */
	if (!in_args && !in_default && !(cmdline && cmdline_param(cmdline, "lsm", proc_lsm, sizeof(proc_lsm))))
		proc_lsm[0] = '\0';
	free(cmdline);
	if (lsm_list_add_bpf(active, in_args || in_default ? configured : (proc_lsm[0] ? proc_lsm : NULL),
			     lsm, sizeof(lsm)) || !plain_list(lsm)) {
		sealctl_error("enable-lsm: cannot compose lsm= from '%s'", active);
		return EXIT_REFUSED;
	}

	/* Edit an lsm= where GRUB passes one; add one only where it passes none. */
	if (!appendf(dropin, sizeof(dropin), &n,
		     DROPIN_MARK ": adds the BPF LSM (bpf) for bpfseal.\n"
		     "# `sealctl disable-lsm` deletes this file and runs update-grub.\n"
		     "# LSMs running when it was written: %s\n", active) ||
	    (in_args && !appendf(dropin, sizeof(dropin), &n, SET_LSM_IN("GRUB_CMDLINE_LINUX"), lsm)) ||
	    (in_default && !appendf(dropin, sizeof(dropin), &n, SET_LSM_IN("GRUB_CMDLINE_LINUX_DEFAULT"), lsm)) ||
	    (!in_args && !in_default && !appendf(dropin, sizeof(dropin), &n,
						 "GRUB_CMDLINE_LINUX=\"$GRUB_CMDLINE_LINUX lsm=%s\"\n", lsm))) {
		sealctl_error("enable-lsm: the drop-in for lsm=%s does not fit in %zu bytes; nothing changed",
			      lsm, sizeof(dropin));
		return EXIT_REFUSED;
	}

	printf("The running kernel's LSMs: %s (no bpf).\n", active);
	printf("Boot loader: GRUB. Will write %s:\n\n%s\nand run update-grub. ", GRUB_DROPIN, dropin);
	if (cmdline_set_lsm(in_default ? deflt : args, lsm, edited, sizeof(edited)) == 0)
		printf("%s becomes:\n  %s\n", in_default ? "GRUB_CMDLINE_LINUX_DEFAULT" : "GRUB_CMDLINE_LINUX", edited);
	printf("bpf becomes active after a reboot.\n");
	if (o->dry_run)
		return EXIT_OK;
	if (!confirmed(o, "enable-lsm"))
		return EXIT_REFUSED;
	if (mkdir("/etc/default/grub.d", 0755) && errno != EEXIST) {
		sealctl_error("enable-lsm: cannot create /etc/default/grub.d: %s", strerror(errno));
		return EXIT_REFUSED;
	}
	ret = write_text(GRUB_DROPIN, dropin);
	if (ret) {
		sealctl_error("enable-lsm: cannot write %s: %s", GRUB_DROPIN, strerror(-ret));
		return EXIT_REFUSED;
	}
	if (run((char *const[]){ UPDATE_GRUB, NULL }))
		return undo_dropin(active);
	printf("bpfseal: lsm=%s is in the boot configuration; bpf is active after a reboot.\n", lsm);
	return EXIT_OK;
}

static int kernel_install_refresh(void)
{
	struct utsname u;
	char image[300];

	uname(&u);
	snprintf(image, sizeof(image), "/boot/vmlinuz-%s", u.release);
	if (access(image, R_OK)) {
		printf("bpfseal: %s not found: the next kernel installed gets the new command line.\n", image);
		return 0;
	}
	return run((char *const[]){ "/usr/bin/kernel-install", "add", u.release, image, NULL });
}

static int enable_kernel_install(const char *active, const struct lsm_options *o)
{
	char *orig = read_text(KI_CMDLINE), *base = orig, configured[512], lsm[512], edited[4096];
	char *proc = NULL;
	const struct {
		const char *path, *text;
	} files[] = { { KI_SAVED, orig ? orig : "" }, { KI_WRITTEN, edited }, { KI_CMDLINE, edited } };
	int ret = EXIT_REFUSED;

	if (!orig) {
		/* kernel-install falls back to the running command line. */
		proc = read_text("/proc/cmdline");
		base = proc ? proc : "";
	}
	if (lsm_list_add_bpf(active, cmdline_param(base, "lsm", configured, sizeof(configured)) ? configured : NULL,
			     lsm, sizeof(lsm)) || !plain_list(lsm) ||
	    cmdline_set_lsm(base, lsm, edited, sizeof(edited))) {
		sealctl_error("enable-lsm: cannot compose lsm= from '%s'", active);
		goto out;
	}
	printf("The running kernel's LSMs: %s (no bpf).\n", active);
	printf("Boot loader: kernel-install. Will write %s:\n  %s\nand run kernel-install for the running kernel.\n"
	       "bpf becomes active after a reboot.\n", KI_CMDLINE, edited);
	if (o->dry_run) {
		ret = EXIT_OK;
		goto out;
	}
	if (!confirmed(o, "enable-lsm"))
		goto out;
	if (mkdir(BPFSEAL_STATE_DIR, 0700) && errno != EEXIST) {
		sealctl_error("enable-lsm: cannot create %s: %s; nothing changed", BPFSEAL_STATE_DIR, strerror(errno));
		goto out;
	}
	/* KI_CMDLINE last: disable-lsm can undo it only once both saved files exist. */
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		int err = write_text(files[i].path, files[i].text);

		if (err) {
			sealctl_error("enable-lsm: cannot write %s: %s; nothing changed", files[i].path, strerror(-err));
			while (i--)
				unlink(files[i].path);
			goto out;
		}
	}
	if (kernel_install_refresh()) {
		sealctl_error("enable-lsm: %s is written, but kernel-install failed: the boot entries do not have "
			      "lsm=%s yet; run kernel-install again by hand", KI_CMDLINE, lsm);
		goto out;
	}
	printf("bpfseal: lsm=%s is in %s; bpf is active after a reboot.\n", lsm, KI_CMDLINE);
	ret = EXIT_OK;
out:
	free(orig);
	free(proc);
	return ret;
}

int cmd_enable_lsm(int argc, char **argv)
{
	struct lsm_options o = { 0 };
	char next[4096];
	char *active;
	int rc;

	if (parse_lsm_options(argc, argv, "enable-lsm", &o, &rc) < 0)
		return rc;
	if (!(active = active_lsms("enable-lsm")))
		return EXIT_REFUSED;
	if (lsm_list_has(active, "bpf")) {
		printf("bpfseal: the BPF LSM is already active (%s); nothing to do.\n", active);
		rc = EXIT_OK;
	} else if (next_boot_cmdline(next, sizeof(next)) && lsm_enable_pending(active, next)) {
		printf("bpfseal: the boot configuration already lists bpf in lsm=; active after reboot. Nothing to do.\n");
		rc = EXIT_OK;
	} else {
		switch (detect_boot_loader()) {
		case BOOT_GRUB:
			rc = enable_grub(active, &o);
			break;
		case BOOT_KERNEL_INSTALL:
			rc = enable_kernel_install(active, &o);
			break;
		default: {
			char lsm[512] = "";

			lsm_list_add_bpf(active, NULL, lsm, sizeof(lsm));
			sealctl_error("enable-lsm: neither GRUB (%s and update-grub) nor kernel-install (%s) sets "
				      "this machine's kernel command line; nothing changed. Add lsm=%s to it by hand",
				      GRUB_DEFAULT, KI_CMDLINE, lsm);
			rc = EXIT_REFUSED;
		}
		}
	}
	free(active);
	return rc;
}

int cmd_disable_lsm(int argc, char **argv)
{
	struct lsm_options o = { 0 };
	char *text;
	int rc;

	if (parse_lsm_options(argc, argv, "disable-lsm", &o, &rc) < 0)
		return rc;
	if ((text = read_text(GRUB_DROPIN))) {
		bool ours = !strncmp(text, DROPIN_MARK, strlen(DROPIN_MARK));

		free(text);
		if (!ours) {
			sealctl_error("disable-lsm: %s was not written by sealctl enable-lsm; nothing changed", GRUB_DROPIN);
			return EXIT_REFUSED;
		}
		printf("Will delete %s and run update-grub: the next boot runs the LSMs it ran before enable-lsm.\n",
		       GRUB_DROPIN);
		if (o.dry_run)
			return EXIT_OK;
		if (!confirmed(&o, "disable-lsm"))
			return EXIT_REFUSED;
		if (unlink(GRUB_DROPIN)) {
			sealctl_error("disable-lsm: cannot delete %s: %s", GRUB_DROPIN, strerror(errno));
			return EXIT_REFUSED;
		}
		if (run((char *const[]){ UPDATE_GRUB, NULL })) {
			sealctl_error("disable-lsm: update-grub failed after deleting %s; run it again", GRUB_DROPIN);
			return EXIT_REFUSED;
		}
		printf("bpfseal: bpf is out of the boot configuration; after a reboot the policy can no longer load.\n");
		return EXIT_OK;
	}
	if ((text = read_text(KI_WRITTEN))) {
		char *now = read_text(KI_CMDLINE), *orig = read_text(KI_SAVED);
		bool unchanged = now && !strcmp(now, text);

		free(text);
		free(now);
		if (!unchanged || !orig) {
			sealctl_error("disable-lsm: %s changed since enable-lsm wrote it; nothing changed (the "
				      "original is in %s)", KI_CMDLINE, KI_SAVED);
			free(orig);
			return EXIT_REFUSED;
		}
		printf("Will restore %s as it was before enable-lsm%s and run kernel-install.\n", KI_CMDLINE,
		       *orig ? "" : " (none: delete it)");
		if (o.dry_run || !confirmed(&o, "disable-lsm")) {
			free(orig);
			return o.dry_run ? EXIT_OK : EXIT_REFUSED;
		}
		rc = *orig ? write_text(KI_CMDLINE, orig) : (unlink(KI_CMDLINE) ? -errno : 0);
		free(orig);
		if (rc) {
			sealctl_error("disable-lsm: cannot restore %s: %s", KI_CMDLINE, strerror(-rc));
			return EXIT_REFUSED;
		}
		unlink(KI_SAVED);
		unlink(KI_WRITTEN);
		if (kernel_install_refresh()) {
			sealctl_error("disable-lsm: %s is restored, but kernel-install failed: the boot entries still "
				      "have bpf in lsm=; run kernel-install again by hand", KI_CMDLINE);
			return EXIT_REFUSED;
		}
		printf("bpfseal: %s restored; after a reboot the policy can no longer load.\n", KI_CMDLINE);
		return EXIT_OK;
	}
	printf("bpfseal: sealctl enable-lsm changed nothing here; nothing to undo.\n");
	return EXIT_OK;
}
