// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * An unmodified wl_shm receiver: Debian's libwayland-server, as every
 * compositor uses it. shm_create_pool() asks fcntl(F_GET_SEALS); with
 * F_SEAL_SHRINK and the file at least the pool's size, the pool is
 * SIGBUS-proof and wl_shm_buffer_begin_access() installs no SIGBUS
 * handler; otherwise it does. So a compositor process with no handler after
 * begin_access took the client's pool as SIGBUS-proof.
 *
 * Each case is a fresh compositor (the handler, once in, stays for the
 * process) and a client on a socketpair that makes a pool and a buffer
 * from a 4 KiB file.
 */
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <wayland-client.h>
#include <wayland-server.h>

#include "bpfseal.h"
#include "bpfseal_abi.h"
#include "itest.h"

#define POOL_SIZE 4096
/* The compositor's exit: how it took the pool. */
enum { SIGBUS_PROOF = 10, GUARDED, NO_BUFFER };

static void bind_shm(void *data, struct wl_registry *r, uint32_t name, const char *iface, uint32_t version)
{
	(void)version;
	if (!strcmp(iface, "wl_shm"))
		*(struct wl_shm **)data = wl_registry_bind(r, name, &wl_shm_interface, 1);
}

static void global_remove(void *data, struct wl_registry *r, uint32_t name)
{
	(void)data, (void)r, (void)name;
}

static const struct wl_registry_listener registry_listener = { bind_shm, global_remove };

/* The client: a pool of the whole file, one 32x32 ARGB buffer; then wait for the compositor to hang up. */
static int client(int sock, int file)
{
	struct wl_display *d = wl_display_connect_to_fd(sock);
	struct wl_shm *shm = NULL;
	struct wl_registry *r;
	struct wl_shm_pool *pool;

	if (!d)
		return 1;
	r = wl_display_get_registry(d);
	wl_registry_add_listener(r, &registry_listener, &shm);
	if (wl_display_roundtrip(d) < 0 || !shm)
		return 1;
	pool = wl_shm_create_pool(shm, file, POOL_SIZE);
	wl_shm_pool_create_buffer(pool, 0, 32, 32, 128, WL_SHM_FORMAT_ARGB8888);
	if (wl_display_roundtrip(d) < 0)
		return 1;
	while (wl_display_dispatch(d) >= 0)
		;
	return 0;
}

static enum wl_iterator_result find_buffer(struct wl_resource *res, void *data)
{
	struct wl_shm_buffer **found = data;

	*found = wl_shm_buffer_get(res);
	return *found ? WL_ITERATOR_STOP : WL_ITERATOR_CONTINUE;
}

/* The compositor: serve until the client's buffer exists (10 s at most), then access it. */
static int compositor(int sock)
{
	struct wl_display *display = wl_display_create();
	struct wl_shm_buffer *buffer = NULL;
	struct wl_client *c;
	struct sigaction sa;

	if (!display || wl_display_init_shm(display) || !(c = wl_client_create(display, sock)))
		return NO_BUFFER;
	for (int i = 0; i < 100 && !buffer; i++) {
		wl_event_loop_dispatch(wl_display_get_event_loop(display), 100);
		wl_display_flush_clients(display);
		wl_client_for_each_resource(c, find_buffer, &buffer);
	}
	if (!buffer)
		return NO_BUFFER;
	wl_shm_buffer_begin_access(buffer);
	sigaction(SIGBUS, NULL, &sa);
	wl_shm_buffer_end_access(buffer);
	return (sa.sa_flags & SA_SIGINFO) ? GUARDED : SIGBUS_PROOF;
}

static int run_pair(int file)
{
	int sv[2], status = 0, cstatus;
	pid_t comp, cli;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		return -1;
	cli = fork();
	if (cli == 0) {
		close(sv[0]);
		_exit(client(sv[1], file));
	}
	comp = fork();
	if (comp == 0) {
		close(sv[1]);
		_exit(compositor(sv[0]));
	}
	close(sv[0]);
	close(sv[1]);
	waitpid(comp, &status, 0);
	waitpid(cli, &cstatus, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static const char *took(int r)
{
	switch (r) {
	case SIGBUS_PROOF: return "SIGBUS-proof";
	case GUARDED: return "guarded by a SIGBUS handler";
	case NO_BUFFER: return "never made a buffer";
	default: return "the compositor died";
	}
}

/* A 4 KiB file in DIR (or a memfd with no DIR), sealed as asked, handed to a client. */
static void pool_case(const char *name, const char *dir, unsigned int bpfseal, unsigned int native, int want)
{
	char path[256] = "", why[300] = "";
	int fd, r = -1;

	if (dir) {
		fd = itest_make_file(dir, "wl-shm-pool", path, sizeof(path));
		if (fd >= 0 && ftruncate(fd, POOL_SIZE))
			snprintf(why, sizeof(why), "ftruncate %s: %s", path, strerror(errno));
	} else {
		fd = memfd_create("wl-shm-pool", MFD_CLOEXEC | MFD_ALLOW_SEALING);
		if (fd >= 0 && ftruncate(fd, POOL_SIZE))
			snprintf(why, sizeof(why), "ftruncate memfd: %s", strerror(errno));
	}
	if (fd < 0)
		snprintf(why, sizeof(why), "cannot make the pool's file: %s", strerror(errno));
	else if (!why[0] && bpfseal && bpfseal_add_seals(fd, bpfseal))
		snprintf(why, sizeof(why), "cannot seal %s: %s", path, strerror(errno));
	else if (!why[0] && native && fcntl(fd, F_ADD_SEALS, native))
		snprintf(why, sizeof(why), "F_ADD_SEALS: %s", strerror(errno));
	if (!why[0])
		r = run_pair(fd);
	if (itest_runs(name, why))
		itest_report(r == want, name, "the compositor took the pool as %s, want %s", took(r), took(want));
	if (fd >= 0)
		close(fd);
	if (path[0])
		unlink(path);
}

int main(void)
{
	itest_plan(6);
	/* Native seals first: the library decides as it should here. */
	pool_case("wl_shm/memfd/shrink_sealed_is_sigbus_proof", NULL, 0, F_SEAL_SHRINK, SIGBUS_PROOF);
	pool_case("wl_shm/memfd/unsealed_is_guarded", NULL, 0, 0, GUARDED);
	pool_case("wl_shm/ext4/shrink_sealed_is_sigbus_proof", "/mnt/ext4", BPFSEAL_SEAL_SHRINK, 0, SIGBUS_PROOF);
	pool_case("wl_shm/xfs/shrink_sealed_is_sigbus_proof", "/mnt/xfs", BPFSEAL_SEAL_SHRINK, 0, SIGBUS_PROOF);
	pool_case("wl_shm/ext4/unsealed_is_guarded", "/mnt/ext4", 0, 0, GUARDED);
	/* grow alone cannot stop a truncate: still guarded. */
	pool_case("wl_shm/ext4/grow_sealed_is_guarded", "/mnt/ext4", BPFSEAL_SEAL_GROW, 0, GUARDED);
	return itest_end();
}
