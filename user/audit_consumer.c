// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Audit consumers. The policy writes each record into the ring of every
 * slot of its audit_rings map (bpf/audit.bpf.h); a consumer:
 *   1. takes an open-file-description lock on byte N of AUDIT_LOCK_FILE:
 *      slot N is its own until it exits, however it exits. Free slots that
 *      still hold a ring (its consumer was killed) are emptied on the way;
 *   2. empties its slot and, if a ring was there, waits for the programs
 *      that may still be writing to it (they run under RCU), so that the
 *      slot's drop counter is quiet; reads the counter as its baseline;
 *   3. makes its own ring buffer and puts it into the slot.
 * Records dropped for this consumer are then the counter minus the
 * baseline, exactly. Leaving undoes 3 and 2 before the lock goes.
 * Once its ring is in place a consumer needs no policy descriptor to keep
 * receiving: only the ring's, which is its own.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/membarrier.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "audit.h"
#include "textbuf.h"

/* Claim byte `slot` of the lock file: 1 claimed, 0 held by another consumer, -errno. */
static int lock_slot(int fd, unsigned int slot, short type)
{
	struct flock fl = { .l_type = type, .l_whence = SEEK_SET, .l_start = slot, .l_len = 1 };

	if (fcntl(fd, F_OFD_SETLK, &fl) == 0)
		return 1;
	return errno == EAGAIN || errno == EACCES ? 0 : -errno;
}

/* Does a running consumer hold this slot's lock? */
static bool slot_held(int fd, unsigned int slot)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = slot, .l_len = 1 };

	return fcntl(fd, F_OFD_GETLK, &fl) == 0 && fl.l_type != F_UNLCK;
}

/*
 * Programs run under RCU: after a grace period none still holds a ring a
 * slot no longer has. membarrier(MEMBARRIER_CMD_GLOBAL) waits for one on
 * every kernel with more than one CPU; nohz_full kernels refuse it.
 */
static void wait_for_programs(void)
{
	if (syscall(__NR_membarrier, MEMBARRIER_CMD_GLOBAL, 0, 0))
		usleep(50 * 1000);
}

static unsigned long long slot_dropped(int dropped_fd, unsigned int slot)
{
	unsigned long long n = 0;

	bpf_map_lookup_elem(dropped_fd, &slot, &n);
	return n;
}

static int on_sample(void *ctx, void *data, size_t size)
{
	struct audit_consumer *c = ctx;
	const struct bpfseal_audit_record *rec = data;

	if (size < sizeof(*rec) || rec->size != sizeof(*rec)) {
		c->malformed++;
		return 0;
	}
	return c->fn(c->ctx, rec);
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* Everything a consumer holds; the lock goes last. */
static void release(struct audit_consumer *c)
{
	ring_buffer__free(c->rb);
	c->rb = NULL;
	close_fd(&c->ring_fd);
	close_fd(&c->dropped_fd);
	close_fd(&c->rings_fd);
	close_fd(&c->lock_fd);
}

static unsigned int map_id(int fd)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	return bpf_map_get_info_by_fd(fd, &info, &len) ? 0 : info.id;
}

int audit_attach(struct audit_consumer *c, size_t ring_bytes, audit_record_fn fn, void *ctx, char *err,
		 size_t errlen)
{
	LIBBPF_OPTS(bpf_obj_get_opts, ro, .file_flags = BPF_F_RDONLY);
	int ret, claimed = -1;
	__u32 inner;

	memset(c, 0, sizeof(*c));
	c->rings_fd = c->dropped_fd = c->ring_fd = c->lock_fd = -1;
	c->fn = fn;
	c->ctx = ctx;
	c->rings_fd = bpf_obj_get(AUDIT_RINGS_PIN);
	if (c->rings_fd < 0) {
		ret = fail(err, errlen, -errno, "cannot open %s", AUDIT_RINGS_PIN);
		goto out;
	}
	c->dropped_fd = bpf_obj_get_opts(AUDIT_DROPPED_PIN, &ro);
	if (c->dropped_fd < 0) {
		ret = fail(err, errlen, -errno, "cannot open %s", AUDIT_DROPPED_PIN);
		goto out;
	}
	c->lock_fd = open(AUDIT_LOCK_FILE, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (c->lock_fd < 0) {
		ret = fail(err, errlen, -errno, "cannot open %s", AUDIT_LOCK_FILE);
		goto out;
	}
	for (unsigned int slot = 0; slot < BPFSEAL_AUDIT_CONSUMERS_MAX; slot++) {
		ret = lock_slot(c->lock_fd, slot, F_WRLCK);
		if (ret < 0) {
			ret = fail(err, errlen, ret, "cannot lock %s", AUDIT_LOCK_FILE);
			goto out;
		}
		if (!ret)
			continue;
		if (claimed < 0) {
			claimed = (int)slot;
			continue;
		}
		/* Free, yet holding a ring: its consumer died. Nobody reads it. */
		if (!bpf_map_lookup_elem(c->rings_fd, &slot, &inner))
			bpf_map_delete_elem(c->rings_fd, &slot);
		lock_slot(c->lock_fd, slot, F_UNLCK);
	}
	if (claimed < 0) {
		snprintf(err, errlen, "all %d audit slots are taken by running consumers (sealctl monitor, "
			 "the journal forwarder)", BPFSEAL_AUDIT_CONSUMERS_MAX);
		ret = -EBUSY;
		goto out;
	}
	c->slot = (unsigned int)claimed;
	if (!bpf_map_delete_elem(c->rings_fd, &c->slot))
		wait_for_programs();
	c->dropped_base = c->dropped_reported = slot_dropped(c->dropped_fd, c->slot);
	c->ring_fd = bpf_map_create(BPF_MAP_TYPE_RINGBUF, "bpfseal_audit", 0, 0, (__u32)ring_bytes, NULL);
	if (c->ring_fd < 0) {
		ret = fail(err, errlen, -errno, "cannot make a ring buffer of %zu bytes", ring_bytes);
		goto out;
	}
	c->rb = ring_buffer__new(c->ring_fd, on_sample, c, NULL);
	if (!c->rb) {
		ret = fail(err, errlen, -errno, "cannot map the ring buffer");
		goto out;
	}
	if (bpf_map_update_elem(c->rings_fd, &c->slot, &c->ring_fd, BPF_ANY)) {
		ret = fail(err, errlen, -errno, "cannot put the ring buffer into slot %u of %s", c->slot,
			   AUDIT_RINGS_PIN);
		goto out;
	}
	c->rings_id = map_id(c->rings_fd);
	return 0;
out:
	release(c);
	return ret;
}

int audit_poll(struct audit_consumer *c, int timeout_ms)
{
	return ring_buffer__poll(c->rb, timeout_ms);
}

int audit_drain(struct audit_consumer *c)
{
	return ring_buffer__consume(c->rb);
}

unsigned long long audit_newly_dropped(struct audit_consumer *c, unsigned long long *total)
{
	unsigned long long now = slot_dropped(c->dropped_fd, c->slot) - c->dropped_base;
	unsigned long long fresh = now - (c->dropped_reported - c->dropped_base);

	c->dropped_reported = c->dropped_base + now;
	if (total)
		*total = now;
	return fresh;
}

bool audit_still_attached(const struct audit_consumer *c)
{
	LIBBPF_OPTS(bpf_obj_get_opts, ro, .file_flags = BPF_F_RDONLY);
	int fd = bpf_obj_get_opts(AUDIT_RINGS_PIN, &ro);
	unsigned int id;

	/* Only a pin that is gone means the policy is: a refused look (a locked policy) does not. */
	if (fd < 0)
		return errno != ENOENT;
	id = map_id(fd);
	close(fd);
	return id == c->rings_id;
}

void audit_detach(struct audit_consumer *c)
{
	if (c->rings_fd >= 0 && !bpf_map_delete_elem(c->rings_fd, &c->slot))
		wait_for_programs();
	release(c);
}

int audit_consumer_count(void)
{
	LIBBPF_OPTS(bpf_obj_get_opts, ro, .file_flags = BPF_F_RDONLY);
	int fd = bpf_obj_get_opts(AUDIT_RINGS_PIN, &ro), lock, n = 0;
	__u32 inner;

	if (fd < 0)
		return -errno;
	/* A ring whose consumer was killed stays until the next attach: count running consumers. */
	lock = open(AUDIT_LOCK_FILE, O_RDONLY | O_CLOEXEC);
	for (unsigned int slot = 0; slot < BPFSEAL_AUDIT_CONSUMERS_MAX; slot++)
		n += !bpf_map_lookup_elem(fd, &slot, &inner) && (lock < 0 || slot_held(lock, slot));
	if (lock >= 0)
		close(lock);
	close(fd);
	return n;
}

int audit_note(unsigned int operation, unsigned long long detail)
{
	int fd = open("/", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	/* Answered EINVAL even when heard (the fcntl channel, bpfseal_abi.h). */
	fcntl(fd, BPFSEAL_F_AUDIT_NOTE, (unsigned long)operation | (unsigned long)(detail << 8));
	close(fd);
	return 0;
}
