// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * sealctl enable-lsm's list arithmetic, on the LSM stacks distributions boot.
 *
 * Active lists are what /sys/kernel/security/lsm shows. The Debian rows were
 * read from the suite's own VMs (the BPFSEAL-LSM console line) and from the
 * kernels' CONFIG_LSM; the others follow from each distribution's CONFIG_LSM
 * as we know it (assumption, not measured here):
 *   Ubuntu 22.04 (5.15) and 24.04 (6.8): "landlock,lockdown,yama,integrity,apparmor"
 *   RHEL 9 (5.14): "lockdown,yama,integrity,selinux,bpf"
 *   Fedora 40+ (6.9+, where integrity became ima and evm):
 *     "lockdown,yama,integrity,selinux,bpf,landlock,ipe"
 * The kernel shows capability first, and lockdown before it when it is built
 * to start early (Debian, Ubuntu).
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "lsm_list.h"

struct stack_case {
	const char *name;
	const char *active;	/* /sys/kernel/security/lsm */
	const char *configured;	/* lsm= in the boot configuration, or NULL */
	const char *want;	/* the lsm= enable-lsm writes */
};

static const struct stack_case stacks[] = {
	/* Debian 12 (6.1) and 13 (6.12), and 7.x with IPE: bpf is in CONFIG_LSM. */
	{ "debian12 default", "lockdown,capability,landlock,yama,apparmor,tomoyo,bpf", NULL,
	  "lockdown,landlock,yama,apparmor,tomoyo,bpf" },
	{ "debian13 default", "lockdown,capability,landlock,yama,apparmor,tomoyo,bpf", NULL,
	  "lockdown,landlock,yama,apparmor,tomoyo,bpf" },
	{ "debian 7.x default", "lockdown,capability,landlock,yama,apparmor,tomoyo,bpf,ipe", NULL,
	  "lockdown,landlock,yama,apparmor,tomoyo,bpf,ipe" },
	{ "debian12 booted lsm=apparmor", "lockdown,capability,apparmor", "apparmor", "apparmor,lockdown,bpf" },
	{ "debian12 without apparmor (apparmor=0)", "lockdown,capability,landlock,yama,tomoyo", NULL,
	  "lockdown,landlock,yama,tomoyo,bpf" },
	{ "debian12 the suite's no-bpf boot", "lockdown,capability,landlock,yama,apparmor,tomoyo",
	  "lockdown,capability,landlock,yama,apparmor,tomoyo", "lockdown,capability,landlock,yama,apparmor,tomoyo,bpf" },
	/* Ubuntu: no bpf in CONFIG_LSM. */
	{ "ubuntu22.04 default", "lockdown,capability,landlock,yama,integrity,apparmor", NULL,
	  "lockdown,landlock,yama,integrity,apparmor,bpf" },
	{ "ubuntu24.04 default", "lockdown,capability,landlock,yama,integrity,apparmor", NULL,
	  "lockdown,landlock,yama,integrity,apparmor,bpf" },
	{ "ubuntu with its lsm= written out", "lockdown,capability,landlock,yama,integrity,apparmor",
	  "landlock,lockdown,yama,integrity,apparmor", "landlock,lockdown,yama,integrity,apparmor,bpf" },
	{ "ubuntu without landlock (lsm= lacks it)", "lockdown,capability,yama,integrity,apparmor",
	  "lockdown,yama,integrity,apparmor", "lockdown,yama,integrity,apparmor,bpf" },
	{ "ubuntu without lockdown (not early)", "capability,landlock,yama,integrity,apparmor", NULL,
	  "landlock,yama,integrity,apparmor,bpf" },
	/* Red Hat: SELinux, bpf already there; a stack without it gets it once. */
	{ "rhel9 default", "lockdown,capability,yama,integrity,selinux,bpf", NULL,
	  "lockdown,yama,integrity,selinux,bpf" },
	{ "rhel9 booted without bpf", "lockdown,capability,yama,integrity,selinux", "lockdown,yama,integrity,selinux",
	  "lockdown,yama,integrity,selinux,bpf" },
	{ "fedora 6.9+ default", "lockdown,capability,yama,selinux,bpf,landlock,ipe,ima,evm", NULL,
	  "lockdown,yama,selinux,bpf,landlock,ipe,ima,evm" },
	{ "fedora 6.9+ without bpf", "lockdown,capability,yama,selinux,landlock,ipe,ima,evm", NULL,
	  "lockdown,yama,selinux,landlock,ipe,ima,evm,bpf" },
	{ "fedora lsm= naming integrity on 6.9+ (kept as written)", "lockdown,capability,yama,selinux,landlock,ima,evm",
	  "lockdown,yama,integrity,selinux,landlock", "lockdown,yama,integrity,selinux,landlock,ima,evm,bpf" },
	/* An lsm= naming LSMs this kernel lacks keeps them: another kernel may have them. */
	{ "lsm= with an LSM not built in", "lockdown,capability,yama,apparmor", "yama,smack,apparmor",
	  "yama,smack,apparmor,lockdown,bpf" },
	{ "lsm= already naming bpf (kernel lost it)", "lockdown,capability,yama,apparmor", "yama,apparmor,bpf",
	  "yama,apparmor,bpf,lockdown" },
	{ "lsm= with an empty item", "lockdown,capability,yama,apparmor", "yama,,apparmor", "yama,apparmor,lockdown,bpf" },
};

static int count_items(const char *list, const char *name)
{
	char copy[512], *save, *item;
	int n = 0;

	snprintf(copy, sizeof(copy), "%s", list);
	for (item = strtok_r(copy, ",", &save); item; item = strtok_r(NULL, ",", &save))
		n += !strcmp(item, name);
	return n;
}

static void every_stack_keeps_its_lsms_and_gains_bpf_once(void **state)
{
	char out[512], copy[512], *save, *item;

	(void)state;
	for (size_t i = 0; i < sizeof(stacks) / sizeof(stacks[0]); i++) {
		const struct stack_case *c = &stacks[i];

		print_message("%s\n", c->name);
		assert_int_equal(lsm_list_add_bpf(c->active, c->configured, out, sizeof(out)), 0);
		assert_string_equal(out, c->want);
		assert_int_equal(count_items(out, "bpf"), 1);
		assert_int_equal(count_items(out, "capability"),
				 c->configured && lsm_list_has(c->configured, "capability") ? 1 : 0);
		snprintf(copy, sizeof(copy), "%s", c->active);
		for (item = strtok_r(copy, ",", &save); item; item = strtok_r(NULL, ",", &save))
			if (strcmp(item, "capability"))
				assert_int_equal(count_items(out, item), 1);
	}
}

static void the_result_does_not_fit(void **state)
{
	char out[16];

	(void)state;
	assert_int_equal(lsm_list_add_bpf("lockdown,capability,landlock,yama,apparmor", NULL, out, sizeof(out)),
			 -ENOSPC);
}

struct cmdline_case {
	const char *cmdline, *value, *want;
};

static const struct cmdline_case cmdlines[] = {
	/* Edited where it is, not added a second time; the rest untouched. */
	{ "BOOT_IMAGE=/vmlinuz root=/dev/vda1 ro lsm=landlock,lockdown,yama,integrity,apparmor quiet",
	  "landlock,lockdown,yama,integrity,apparmor,bpf",
	  "BOOT_IMAGE=/vmlinuz root=/dev/vda1 ro lsm=landlock,lockdown,yama,integrity,apparmor,bpf quiet" },
	{ "lsm=apparmor", "apparmor,bpf", "lsm=apparmor,bpf" },
	{ "quiet  lsm=a   lsm=b splash", "a,bpf", "quiet  lsm=a,bpf   lsm=a,bpf splash" },
	/* None yet: appended. */
	{ "console=ttyS0 quiet", "lockdown,landlock,yama,apparmor,tomoyo,bpf",
	  "console=ttyS0 quiet lsm=lockdown,landlock,yama,apparmor,tomoyo,bpf" },
	{ "", "yama,bpf", "lsm=yama,bpf" },
	/* security= is left alone: lsm= supersedes it. */
	{ "security=apparmor apparmor=1", "lockdown,yama,apparmor,bpf",
	  "security=apparmor apparmor=1 lsm=lockdown,yama,apparmor,bpf" },
	/* Lookalikes are not lsm=. */
	{ "xlsm=a lsm.debug=1", "yama,bpf", "xlsm=a lsm.debug=1 lsm=yama,bpf" },
};

static void lsm_parameter_is_edited_not_duplicated(void **state)
{
	char out[512];

	(void)state;
	for (size_t i = 0; i < sizeof(cmdlines) / sizeof(cmdlines[0]); i++) {
		assert_int_equal(cmdline_set_lsm(cmdlines[i].cmdline, cmdlines[i].value, out, sizeof(out)), 0);
		assert_string_equal(out, cmdlines[i].want);
	}
	assert_int_equal(cmdline_set_lsm("root=/dev/vda1 quiet", "lockdown,yama,bpf", out, 12), -ENOSPC);
}

static void the_kernel_takes_the_last_lsm(void **state)
{
	char out[128];

	(void)state;
	assert_true(cmdline_param("lsm=a,b quiet lsm=c,d", "lsm", out, sizeof(out)));
	assert_string_equal(out, "c,d");
	assert_false(cmdline_param("xlsm=a lsm.x=1 quiet", "lsm", out, sizeof(out)));
	assert_false(cmdline_param("lsm=a-very-long-list", "lsm", out, 4));
}

static void pending_means_next_boot_asks_for_bpf_and_it_is_not_running(void **state)
{
	(void)state;
	assert_true(lsm_enable_pending("lockdown,capability,yama,apparmor", "root=/dev/vda1 lsm=yama,apparmor,bpf"));
	assert_false(lsm_enable_pending("lockdown,capability,yama,apparmor,bpf", "lsm=yama,apparmor,bpf"));
	assert_false(lsm_enable_pending("lockdown,capability,yama,apparmor", "lsm=yama,apparmor"));
	assert_false(lsm_enable_pending("lockdown,capability,yama,apparmor", "quiet"));
	assert_false(lsm_enable_pending("lockdown,capability,yama,apparmor", NULL));
	assert_false(lsm_enable_pending("capability,yama", "lsm=yama,bpfx"));
}

static void grub_default_entry_command_line(void **state)
{
	const char *cfg =
		"### BEGIN /etc/grub.d/10_linux ###\n"
		"menuentry 'Debian GNU/Linux' --class debian {\n"
		"\tload_video\n"
		"\tlinux\t/boot/vmlinuz-6.1.0-56-cloud-amd64 root=UUID=1234 ro console=ttyS0 lsm=yama,bpf\n"
		"\tinitrd\t/boot/initrd.img-6.1.0-56-cloud-amd64\n"
		"}\n"
		"submenu 'Advanced options' {\n"
		"\tlinux\t/boot/vmlinuz-6.1.0-56-cloud-amd64 root=UUID=1234 ro single\n"
		"}\n";
	char out[256];

	(void)state;
	assert_true(grub_cfg_default_cmdline(cfg, out, sizeof(out)));
	assert_string_equal(out, "root=UUID=1234 ro console=ttyS0 lsm=yama,bpf");
	assert_false(grub_cfg_default_cmdline("menuentry 'x' {\n\tlinux16 /x\n}\n", out, sizeof(out)));
}

static void list_membership_is_by_whole_item(void **state)
{
	(void)state;
	assert_true(lsm_list_has("lockdown,capability,bpf", "bpf"));
	assert_true(lsm_list_has("bpf", "bpf"));
	assert_false(lsm_list_has("lockdown,capability,bpfx", "bpf"));
	assert_false(lsm_list_has("", "bpf"));
	assert_false(lsm_list_has("xbpf,yama", "bpf"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_stack_keeps_its_lsms_and_gains_bpf_once),
		cmocka_unit_test(the_result_does_not_fit),
		cmocka_unit_test(lsm_parameter_is_edited_not_duplicated),
		cmocka_unit_test(the_kernel_takes_the_last_lsm),
		cmocka_unit_test(pending_means_next_boot_asks_for_bpf_and_it_is_not_running),
		cmocka_unit_test(grub_default_entry_command_line),
		cmocka_unit_test(list_membership_is_by_whole_item),
	};

	return cmocka_run_group_tests_name("lsm_list", tests, NULL, NULL);
}
