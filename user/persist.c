// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Seals kept across reboots.
 *
 * A persisted seal is a line in /var/lib/bpfseal/persisted, root's and
 * mode 0600, written by `sealctl add --persist` after the policy accepted
 * the seal with BPFSEAL_ADD_PERSIST: the identity the policy keeps the
 * inode's record under (filesystem UUID, inode number, generation: read
 * back from the seal map, so both sides agree), the seals, a file handle
 * (name_to_handle_at) and the path, for people. One mechanism on every
 * kernel: security.bpf.* xattrs would need 6.15 to write from BPF, would
 * be copied along by `cp -a` to another inode, and exist only where the
 * filesystem has xattrs.
 *
 * At boot, `sealctl load` on a fresh policy reads the file, drops the
 * records whose inode is gone (its filesystem is mounted and the handle is
 * stale), hands the rest to the loader, which puts them in the records map
 * before it freezes it, and then opens the ones already in memory by
 * handle so the policy restores them (the others come back at their first
 * lookup: bpf/records.bpf.h). Then the loader seals the file itself
 * `append,name`: while the policy is loaded, records can be added but not
 * changed, removed, renamed away or replaced, by root included.
 *
 * Lines are appended whole with one write(2) that starts and ends with a
 * newline, so a torn or foreign line never swallows the next record; lines
 * that do not parse are skipped and counted.
 */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "bpfseal.h"
#include "libbpfseal_internal.h"
#include "persist.h"

#define LINE_TAG "v1 "

static void hex(char *out, const unsigned char *in, size_t n)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", in[i]);
}

static int unhex(unsigned char *out, size_t n, const char *in, size_t len)
{
	if (len != 2 * n)
		return -1;
	for (size_t i = 0; i < n; i++) {
		unsigned int byte;

		if (sscanf(in + 2 * i, "%2x", &byte) != 1)
			return -1;
		out[i] = (unsigned char)byte;
	}
	return 0;
}

/* Paths are %-escaped: spaces, newlines and '%' cannot end a field early. */
static void escape(char *out, size_t len, const char *in)
{
	size_t used = 0;

	for (const unsigned char *p = (const unsigned char *)in; *p && used + 4 < len; p++) {
		if (*p <= ' ' || *p == '%' || *p >= 0x7f)
			used += (size_t)sprintf(out + used, "%%%02x", *p);
		else
			out[used++] = (char)*p;
	}
	out[used] = '\0';
}

static void unescape(char *out, size_t len, const char *in)
{
	size_t used = 0;

	for (; *in && used + 1 < len; in++) {
		unsigned int byte;

		if (in[0] == '%' && sscanf(in + 1, "%2x", &byte) == 1) {
			out[used++] = (char)byte;
			in += 2;
		} else {
			out[used++] = *in;
		}
	}
	out[used] = '\0';
}

int persist_format_line(const struct persisted *p, char *buf, size_t len)
{
	char uuid[33], handle[2 * PERSIST_HANDLE_MAX + 1], path[3 * sizeof(p->path)];
	int n;

	if (p->handle_bytes > PERSIST_HANDLE_MAX)
		return -1;
	hex(uuid, p->id.fs_uuid, sizeof(p->id.fs_uuid));
	hex(handle, p->handle, p->handle_bytes);
	handle[2 * p->handle_bytes] = '\0';
	escape(path, sizeof(path), p->path);
	n = snprintf(buf, len, "\n" LINE_TAG "%s %llu %u %#x %d %s %s\n", uuid, p->id.ino, p->id.generation,
		     p->seals, p->handle_type, p->handle_bytes ? handle : "-", path);
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

int persist_parse_line(const char *line, struct persisted *p)
{
	char uuid[64], handle[2 * PERSIST_HANDLE_MAX + 8], path[3 * sizeof(p->path)];
	unsigned long long ino;
	unsigned int gen, seals;
	int type;

	memset(p, 0, sizeof(*p));
	if (strncmp(line, LINE_TAG, strlen(LINE_TAG)) ||
	    sscanf(line + strlen(LINE_TAG), "%63s %llu %u %x %d %263s %12287s", uuid, &ino, &gen, &seals, &type,
		   handle, path) != 7)
		return -1;
	if (unhex(p->id.fs_uuid, sizeof(p->id.fs_uuid), uuid, strlen(uuid)) || !seals ||
	    (seals & ~BPFSEAL_SEAL_ALL))
		return -1;
	if (strcmp(handle, "-")) {
		p->handle_bytes = (unsigned int)strlen(handle) / 2;
		if (p->handle_bytes > PERSIST_HANDLE_MAX || unhex(p->handle, p->handle_bytes, handle, strlen(handle)))
			return -1;
	}
	p->id.ino = ino;
	p->id.generation = gen;
	p->seals = seals;
	p->handle_type = type;
	unescape(p->path, sizeof(p->path), path);
	return 0;
}

static int open_state_dir(char *err, size_t errlen)
{
	int dfd;

	if (mkdir(BPFSEAL_STATE_DIR, 0700) && errno != EEXIST) {
		snprintf(err, errlen, "cannot make %s: %s", BPFSEAL_STATE_DIR, strerror(errno));
		return -1;
	}
	dfd = open(BPFSEAL_STATE_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		snprintf(err, errlen, "cannot open %s: %s", BPFSEAL_STATE_DIR, strerror(errno));
	return dfd;
}

int persist_append(const char *state, int fd, const char *path, unsigned int seals, char *err, size_t errlen)
{
	struct {
		struct file_handle fh;
		unsigned char bytes[PERSIST_HANDLE_MAX];
	} handle = { .fh.handle_bytes = PERSIST_HANDLE_MAX };
	struct persisted p = { .seals = seals };
	struct bpfseal_inode v;
	char line[2 * sizeof(p.path) + 512];
	int mount_id, sfd, dfd, ret = -1;

	if (bpfseal__inode_value(fd, &v) != 1 || !(v.flags & BPFSEAL_INODE_HAS_RECORD)) {
		snprintf(err, errlen, "the policy keeps no record for it");
		return -1;
	}
	p.id = v.id;
	if (!name_to_handle_at(fd, "", &handle.fh, &mount_id, AT_EMPTY_PATH)) {
		p.handle_type = handle.fh.handle_type;
		p.handle_bytes = handle.fh.handle_bytes;
		memcpy(p.handle, handle.fh.f_handle, p.handle_bytes);
	}
	snprintf(p.path, sizeof(p.path), "%s", path);
	if (persist_format_line(&p, line, sizeof(line))) {
		snprintf(err, errlen, "its record does not fit a line");
		return -1;
	}
	dfd = open_state_dir(err, errlen);
	if (dfd < 0)
		return -1;
	sfd = open(state, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (sfd < 0)
		snprintf(err, errlen, "cannot open %s: %s", state, strerror(errno));
	else if (write(sfd, line, strlen(line)) != (ssize_t)strlen(line) || fsync(sfd) || fsync(dfd))
		snprintf(err, errlen, "cannot write %s: %s", state, strerror(errno));
	else
		ret = 0;
	if (sfd >= 0)
		close(sfd);
	close(dfd);
	return ret;
}

int persist_read(const char *state, struct persisted **out, size_t *n, bool *rewrite, char *err, size_t errlen)
{
	FILE *f = fopen(state, "re");
	struct persisted *records = NULL, p;
	char *line = NULL;
	size_t cap = 0, count = 0, skipped = 0, lines = 0;

	*out = NULL;
	*n = 0;
	*rewrite = false;
	if (!f) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "cannot read %s: %s", state, strerror(errno));
		return -1;
	}
	while (getline(&line, &cap, f) > 0) {
		struct persisted *grown;
		size_t i;

		line[strcspn(line, "\n")] = '\0';
		if (!line[0] || line[0] == '#')
			continue;
		if (persist_parse_line(line, &p)) {
			skipped++;
			continue;
		}
		lines++;
		/* The same inode persisted twice: one record with every seal. */
		for (i = 0; i < count; i++)
			if (!memcmp(&records[i].id, &p.id, sizeof(p.id)))
				break;
		if (i < count) {
			records[i].seals |= p.seals;
			continue;
		}
		grown = reallocarray(records, count + 1, sizeof(*records));
		if (!grown) {
			snprintf(err, errlen, "cannot read %s: out of memory after %zu records", state, count);
			free(records);
			free(line);
			fclose(f);
			return -1;
		}
		records = grown;
		records[count++] = p;
	}
	free(line);
	fclose(f);
	if (skipped)
		fprintf(stderr, "sealctl: %s: %zu line%s not a record, skipped\n", state, skipped,
			skipped == 1 ? " is" : "s are");
	*out = records;
	*n = count;
	/* Records persisted again (seals.d at every boot) or lines to drop: write it anew. */
	*rewrite = lines != count || skipped;
	return 0;
}

/* FS_IOC_GETFSUUID (6.9+), EXT4_IOC_GETFSUUID (6.0+), XFS geometry: sb->s_uuid of a mount. */
struct fsuuid2 {
	unsigned char len;
	unsigned char uuid[16];
};
#define FS_IOC_GETFSUUID	_IOR(0x15, 0, struct fsuuid2)
struct ext4_fsuuid {
	unsigned int fsu_len;
	unsigned int fsu_flags;
	unsigned char fsu_uuid[16];
};
struct ext4_fsuuid_header {
	unsigned int fsu_len;
	unsigned int fsu_flags;
};
#define EXT4_IOC_GETFSUUID	_IOR('f', 44, struct ext4_fsuuid_header)
#define XFS_GEOM_V1_SIZE	112
#define XFS_GEOM_UUID_OFFSET	64
#define XFS_IOC_FSGEOMETRY_V1	_IOR('X', 100, unsigned char[XFS_GEOM_V1_SIZE])

static int mount_uuid(int dfd, unsigned char uuid[16])
{
	struct fsuuid2 u2 = {};
	struct ext4_fsuuid e4 = { .fsu_len = 16 };
	unsigned char geom[XFS_GEOM_V1_SIZE];

	if (!ioctl(dfd, FS_IOC_GETFSUUID, &u2) && u2.len == 16) {
		memcpy(uuid, u2.uuid, 16);
		return 0;
	}
	if (!ioctl(dfd, EXT4_IOC_GETFSUUID, &e4) && e4.fsu_len == 16) {
		memcpy(uuid, e4.fsu_uuid, 16);
		return 0;
	}
	if (!ioctl(dfd, XFS_IOC_FSGEOMETRY_V1, geom)) {
		memcpy(uuid, geom + XFS_GEOM_UUID_OFFSET, 16);
		return 0;
	}
	return -1;
}

/* The ext2/3/4 and xfs mounts of this process, with their UUIDs: read once. */
static struct mounted {
	unsigned char uuid[16];
	int fd;
} *mounts;
static size_t n_mounts;
static bool mounts_read;

static void read_mounts(void)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char line[8192], point[4096], type[64];

	mounts_read = true;
	while (f && fgets(line, sizeof(line), f)) {
		const char *sep = strstr(line, " - ");
		struct mounted m, *grown;

		if (!sep || sscanf(line, "%*d %*d %*u:%*u %*s %4095s", point) != 1 ||
		    sscanf(sep + 3, "%63s", type) != 1)
			continue;
		if (strcmp(type, "ext4") && strcmp(type, "ext3") && strcmp(type, "ext2") && strcmp(type, "xfs"))
			continue;
		/* mountinfo escapes spaces as \040: such mount points are skipped. */
		m.fd = open(point, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (m.fd < 0)
			continue;
		grown = mount_uuid(m.fd, m.uuid) ? NULL : reallocarray(mounts, n_mounts + 1, sizeof(*mounts));
		if (!grown) {
			close(m.fd);
			continue;
		}
		mounts = grown;
		mounts[n_mounts++] = m;
	}
	if (f)
		fclose(f);
}

/* A descriptor on a mount of the filesystem with this UUID (not to be closed), or -1. */
static int mount_of_uuid(const unsigned char uuid[16])
{
	if (!mounts_read)
		read_mounts();
	for (size_t i = 0; i < n_mounts; i++)
		if (!memcmp(mounts[i].uuid, uuid, 16))
			return mounts[i].fd;
	return -1;
}

/* Open a record's inode by handle: a descriptor, or -1 with errno (ESTALE: it is gone). */
static int open_record(const struct persisted *p, int flags)
{
	struct {
		struct file_handle fh;
		unsigned char bytes[PERSIST_HANDLE_MAX];
	} handle;
	int mfd;

	if (!p->handle_bytes) {
		errno = ENOENT;
		return -1;
	}
	mfd = mount_of_uuid(p->id.fs_uuid);
	if (mfd < 0) {
		errno = ENODEV;
		return -1;
	}
	handle.fh.handle_bytes = p->handle_bytes;
	handle.fh.handle_type = p->handle_type;
	memcpy(handle.fh.f_handle, p->handle, p->handle_bytes);
	return open_by_handle_at(mfd, &handle.fh, flags | O_CLOEXEC);
}

long persist_compact(const char *state, struct persisted *records, size_t *n, bool rewrite, char *err,
		     size_t errlen)
{
	char tmp[4200], line[2 * sizeof(records->path) + 512];
	size_t kept = 0, dropped = 0;
	int tfd, dfd, ok = 1;

	for (size_t i = 0; i < *n; i++) {
		int fd = open_record(&records[i], O_PATH);

		if (fd < 0 && errno == ESTALE) {
			dropped++;
			continue;
		}
		if (fd >= 0)
			close(fd);
		records[kept++] = records[i];
	}
	if (!dropped && !rewrite)
		return 0;
	dfd = open_state_dir(err, errlen);
	if (dfd < 0)
		return -1;
	snprintf(tmp, sizeof(tmp), "%s.new", state);
	tfd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	ok = tfd >= 0;
	for (size_t i = 0; ok && i < kept; i++)
		ok = !persist_format_line(&records[i], line, sizeof(line)) &&
		     write(tfd, line, strlen(line)) == (ssize_t)strlen(line);
	ok = ok && !fsync(tfd) && !rename(tmp, state) && !fsync(dfd);
	/*
	 * The file stays as it was: its stale lines come back next time. (A
	 * policy detached a moment ago may still hold its old name seal.)
	 */
	if (!ok) {
		fprintf(stderr, "sealctl: cannot rewrite %s without its stale records: %s\n", state,
			strerror(errno));
		unlink(tmp);
	}
	if (tfd >= 0)
		close(tfd);
	close(dfd);
	*n = kept;
	return (long)dropped;
}

size_t persist_restore_in_memory(const struct persisted *records, size_t n)
{
	size_t reached = 0;

	for (size_t i = 0; i < n; i++) {
		int fd = open_record(&records[i], O_RDONLY | O_NONBLOCK | O_NOCTTY);

		if (fd < 0)
			continue;
		/* Answered EINVAL even when taken (the fcntl channel, bpfseal_abi.h). */
		fcntl(fd, BPFSEAL_F_RESTORE_SEALS, 0);
		close(fd);
		reached++;
	}
	return reached;
}

int persist_protect(const char *state, char *err, size_t errlen)
{
	int dfd = open_state_dir(err, errlen), fd, ret = 0;

	if (dfd < 0)
		return -1;
	close(dfd);
	fd = open(state, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		snprintf(err, errlen, "cannot open %s: %s", state, strerror(errno));
		return -1;
	}
	if (bpfseal__add_seals(fd, BPFSEAL_SEAL_APPEND | BPFSEAL_SEAL_NAME, 0)) {
		snprintf(err, errlen, "cannot seal %s append,name: %s", state,
			 bpfseal_refusal_reason() ?: strerror(errno));
		ret = -1;
	}
	close(fd);
	return ret;
}

bool persist_recorded(int fd)
{
	LIBBPF_OPTS(bpf_obj_get_opts, rdonly, .file_flags = BPF_F_RDONLY);
	struct bpfseal_record rec;
	struct bpfseal_inode v;
	bool persisted = false;
	int map;

	if (bpfseal__inode_value(fd, &v) != 1 || !(v.flags & BPFSEAL_INODE_HAS_RECORD))
		return false;
	map = bpf_obj_get_opts(BPFSEAL_PIN_MAPS "/records", &rdonly);
	if (map >= 0 && !bpf_map_lookup_elem(map, &v.id, &rec))
		persisted = rec.flags & BPFSEAL_RECORD_PERSISTED;
	if (map >= 0)
		close(map);
	return persisted;
}
