// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * A path for an audit record's inode: from the offender's open files,
 * working directory or mappings in /proc while it lives, else by walking
 * the filesystem (user/find_paths.c), remembered for a while.
 */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "find_paths.h"

static dev_t user_dev(unsigned long long kdev)
{
	return makedev((unsigned int)(kdev >> 20), (unsigned int)(kdev & 0xfffff));
}

static bool is_inode(const char *path, dev_t dev, unsigned long long ino)
{
	struct stat st;

	return !stat(path, &st) && st.st_dev == dev && st.st_ino == ino;
}

/* One of the process's open files. */
static bool path_from_fds(unsigned int tgid, dev_t dev, unsigned long long ino, char *buf, size_t len)
{
	char dir[64], link[320];
	struct dirent *e;
	bool found = false;
	DIR *d;
	ssize_t n;

	snprintf(dir, sizeof(dir), "/proc/%u/fd", tgid);
	d = opendir(dir);
	while (d && !found && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(link, sizeof(link), "%s/%s", dir, e->d_name);
		if (!is_inode(link, dev, ino))
			continue;
		n = readlink(link, buf, len - 1);
		if (n > 0) {
			buf[n] = '\0';
			found = true;
		}
	}
	if (d)
		closedir(d);
	return found;
}

/* One of its mappings (a file mapped, its descriptor closed). */
static bool path_from_maps(unsigned int tgid, dev_t dev, unsigned long long ino, char *buf, size_t len)
{
	char file[64], line[4200], path[4096];
	unsigned int major, minor;
	unsigned long long i;
	bool found = false;
	FILE *f;

	snprintf(file, sizeof(file), "/proc/%u/maps", tgid);
	f = fopen(file, "r");
	while (f && !found && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%*s %*s %*s %x:%x %llu %4095[^\n]", &major, &minor, &i, path) == 4 &&
		    makedev(major, minor) == dev && i == ino && path[0] == '/') {
			snprintf(buf, len, "%s", path);
			found = true;
		}
	}
	if (f)
		fclose(f);
	return found;
}

/* Its name in the process's working directory (unlink, rename, link by a relative name). */
static bool path_from_cwd(unsigned int tgid, const char *name, dev_t dev, unsigned long long ino, char *buf,
			  size_t len)
{
	char link[64], cwd[4096], path[4400];
	ssize_t n;

	if (!name[0] || strchr(name, '/'))
		return false;
	snprintf(link, sizeof(link), "/proc/%u/cwd", tgid);
	n = readlink(link, cwd, sizeof(cwd) - 1);
	if (n <= 0)
		return false;
	cwd[n] = '\0';
	snprintf(path, sizeof(path), "%s/%s", strcmp(cwd, "/") ? cwd : "", name);
	if (!is_inode(path, dev, ino))
		return false;
	snprintf(buf, len, "%s", path);
	return true;
}

/* Paths found lately, and the inodes a filesystem walk did not find. */
#define PATH_CACHE		64
#define PATH_FORGET_NOT_FOUND_S	60
static struct {
	dev_t dev;
	unsigned long long ino;
	time_t when;
	char *path;		/* "" when not found */
} path_cache[PATH_CACHE];
static unsigned int path_cache_next;

static void remember(dev_t dev, unsigned long long ino, const char *path)
{
	unsigned int i = path_cache_next++ % PATH_CACHE;

	free(path_cache[i].path);
	path_cache[i].path = strdup(path);
	path_cache[i].dev = dev;
	path_cache[i].ino = ino;
	path_cache[i].when = time(NULL);
}

char *audit_path(const struct bpfseal_audit_record *rec, char *buf, size_t len)
{
	dev_t dev = user_dev(rec->dev);
	struct inode_ref ref;

	buf[0] = '\0';
	if (!rec->ino || !len)
		return buf;
	if (path_from_fds(rec->tgid, dev, rec->ino, buf, len) ||
	    path_from_cwd(rec->tgid, rec->name, dev, rec->ino, buf, len) ||
	    path_from_maps(rec->tgid, dev, rec->ino, buf, len)) {
		remember(dev, rec->ino, buf);
		return buf;
	}
	for (unsigned int i = 0; i < PATH_CACHE; i++) {
		if (!path_cache[i].path || path_cache[i].dev != dev || path_cache[i].ino != rec->ino)
			continue;
		if (path_cache[i].path[0] ? is_inode(path_cache[i].path, dev, rec->ino)
					  : time(NULL) - path_cache[i].when < PATH_FORGET_NOT_FOUND_S) {
			snprintf(buf, len, "%s", path_cache[i].path);
			return buf;
		}
	}
	/* The offender is gone: walk the filesystem, once. */
	ref = (struct inode_ref){ .major = major(dev), .minor = minor(dev), .ino = rec->ino };
	find_paths(&ref, 1);
	if (ref.path)
		snprintf(buf, len, "%s", ref.path);
	free(ref.path);
	remember(dev, rec->ino, buf);
	return buf;
}
