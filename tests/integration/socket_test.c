// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* `sealctl add` on a UNIX socket: refused with one clear line, exit 1. */
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#include "itest.h"

int main(void)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX, .sun_path = "/mnt/tmpfs/sealctl.sock" };
	char out[512] = "";
	FILE *p;
	int s = socket(AF_UNIX, SOCK_STREAM, 0), status;

	setvbuf(stdout, NULL, _IOLBF, 0);
	itest_plan(1);
	unlink(addr.sun_path);
	if (s < 0 || bind(s, (struct sockaddr *)&addr, sizeof(addr))) {
		itest_report(false, "sealctl/bad/socket", "cannot make a socket: %s", strerror(errno));
		return itest_end();
	}
	p = popen("sealctl add --seals write /mnt/tmpfs/sealctl.sock 2>&1", "r");
	if (!p || !fgets(out, sizeof(out), p))
		out[0] = '\0';
	status = p ? pclose(p) : -1;
	itest_report(status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 1 &&
		     strstr(out, "a socket; only regular files can be sealed"),
		     "sealctl/bad/socket", "exit %d: %s", status != -1 && WIFEXITED(status) ? WEXITSTATUS(status) : -1,
		     out);
	close(s);
	unlink(addr.sun_path);
	return itest_end();
}
