// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * A seal map pinned by an incompatible bpfseal version: `sealctl load`
 * refuses with one clear line and changes nothing; after the admin removes
 * it, load works again. The same for pins an older bpfseal left in the
 * system's bpffs, where this one would mount its own over them. Runs last:
 * it unloads the policy on the way.
 */
#include <sys/mount.h>
#include <sys/wait.h>
#include <bpf/bpf.h>

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

int main(void)
{
	char out[2048];
	int rc, fd;

	setvbuf(stdout, NULL, _IOLBF, 0);
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
