// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Paths around the ordinary write hooks, each tried for real:
 *  - ext4 EXT4_IOC_MOVE_EXT with the sealed file as target or as donor;
 *  - xfs XFS_IOC_SWAPEXT on a sealed file;
 *  - userfaultfd UFFDIO_COPY filling a hole of a sealed tmpfs file through a
 *    shared mapping.
 * Each must be refused and leave the file unchanged.
 */
#include <linux/userfaultfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/xattr.h>

#include "bpfseal.h"
#include "bpfseal_abi.h"

#include "itest.h"

struct move_extent {
	__u32 reserved;
	__u32 donor_fd;
	__u64 orig_start;
	__u64 donor_start;
	__u64 len;
	__u64 moved_len;
};
#define EXT4_IOC_MOVE_EXT _IOWR('f', 15, struct move_extent)
#define XFS_IOC_SWAPEXT_NR 109

/*
 * A filled file on dir, sealed: the refusals below mean something only
 * for a file that is. -1, and why, if not.
 */
static int sealed_file(const char *dir, const char *name, char *path, size_t len, unsigned int seals, char *why,
		       size_t why_len)
{
	int fd = itest_make_file(dir, name, path, len);

	if (fd < 0 || bpfseal_add_seals(fd, seals)) {
		snprintf(why, why_len, "cannot make %s sealed: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

static void move_ext(bool sealed_is_donor)
{
	char a[256], b[256], name[128], why[512] = "";
	int orig = itest_make_file("/mnt/ext4", "move-orig", a, sizeof(a));
	int donor = itest_make_file("/mnt/ext4", "move-donor", b, sizeof(b));
	int sealed = sealed_is_donor ? donor : orig, err = 0;
	struct move_extent me = { .donor_fd = (unsigned int)donor, .len = 1 };
	struct itest_snapshot *before = malloc(sizeof(*before)), *after = malloc(sizeof(*after));
	const char *d;

	/* Different bytes in the donor, so a swap would show. */
	if (orig < 0 || donor < 0 || pwrite(donor, "DONORDONOR", 10, 0) != 10 || fsync(donor))
		snprintf(why, sizeof(why), "cannot make the two files: %s", strerror(errno));
	/* The policy refuses extent swaps wherever sealed inodes exist: only this one's seal shows it is ours. */
	else if (bpfseal_add_seals(sealed, BPFSEAL_SEAL_WRITE))
		snprintf(why, sizeof(why), "cannot seal the %s: %s", sealed_is_donor ? "donor" : "target",
			 itest_errname(errno));
	itest_snapshot(sealed, before);
	if (!why[0])
		err = ioctl(orig, EXT4_IOC_MOVE_EXT, &me) ? errno : 0;
	itest_snapshot(sealed, after);
	snprintf(name, sizeof(name), "bypass/ext4_move_ext_sealed_%s", sealed_is_donor ? "donor" : "target");
	if (why[0])
		itest_report(false, name, "not run: %s", why);
	else
		itest_expect(name, err, EPERM);
	d = itest_snapshot_diff(before, after);
	snprintf(name, sizeof(name), "bypass/ext4_move_ext_sealed_%s_unchanged", sealed_is_donor ? "donor" : "target");
	if (why[0])
		itest_report(false, name, "not run: %s", why);
	else
		itest_report(!d, name, "%s", d ? d : "");
	close(orig);
	close(donor);
	unlink(a);
	unlink(b);
	free(before);
	free(after);
}

static void xfs_swapext(void)
{
	char a[256], buf[512] = { 0 }, why[512] = "";
	int fd = sealed_file("/mnt/xfs", "swapext", a, sizeof(a), BPFSEAL_SEAL_GROW, why, sizeof(why));

	/* Any size: the policy matches type and number, before xfs reads the struct. */
	if (fd < 0)
		itest_report(false, "bypass/xfs_swapext_on_sealed_file", "not run: %s", why);
	else
		itest_expect("bypass/xfs_swapext_on_sealed_file",
			     ioctl(fd, _IOC(_IOC_READ | _IOC_WRITE, 'X', XFS_IOC_SWAPEXT_NR, 256), buf) ? errno : 0,
			     EPERM);
	if (fd >= 0)
		close(fd);
	unlink(a);
}

/*
 * A sealed tmpfs file with a hole in its second page: can userfaultfd fill
 * it? The policy stops it at the mapping: on shmem a shared mapping through
 * a writable descriptor is refused under WRITE, even read-only, since
 * userfaultfd fills holes of any shared mapping. An error of any other step
 * (userfaultfd missing, say) is not that refusal.
 */
static void uffd_fill_hole(void)
{
	char path[256], zero[4096] = { 0 }, got[4096], src[4096], why[512] = "";
	const char *step = "mmap";
	int fd, uffd, err = 0;
	char *map;

	snprintf(path, sizeof(path), "/mnt/tmpfs/uffd-hole");
	unlink(path);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0 || pwrite(fd, "first page", 10, 0) != 10 || ftruncate(fd, 8192))	/* page 2 is a hole */
		snprintf(why, sizeof(why), "cannot make %s: %s", path, strerror(errno));
	else if (bpfseal_add_seals(fd, BPFSEAL_SEAL_WRITE))
		snprintf(why, sizeof(why), "cannot seal %s: %s", path, itest_errname(errno));
	if (why[0]) {
		itest_report(false, "bypass/userfaultfd_copy_into_sealed_tmpfs_hole_refused", "not run: %s", why);
		itest_report(false, "bypass/userfaultfd_hole_still_empty", "not run: %s", why);
		goto out;
	}

	map = mmap(NULL, 8192, PROT_READ, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED) {
		err = errno;
	} else {
		struct uffdio_api api = { .api = UFFD_API };
		struct uffdio_register reg = { .range = { (unsigned long)map, 8192 },
					       .mode = UFFDIO_REGISTER_MODE_MISSING };
		struct uffdio_copy copy = { .dst = (unsigned long)map + 4096, .len = 4096 };

		memset(src, 'U', sizeof(src));
		copy.src = (unsigned long)src;
		uffd = syscall(SYS_userfaultfd, O_CLOEXEC | UFFD_USER_MODE_ONLY);
		if ((step = "userfaultfd", uffd < 0) || (step = "UFFDIO_API", ioctl(uffd, UFFDIO_API, &api)) ||
		    (step = "UFFDIO_REGISTER", ioctl(uffd, UFFDIO_REGISTER, &reg)) ||
		    (step = "UFFDIO_COPY", ioctl(uffd, UFFDIO_COPY, &copy)))
			err = errno;
		if (uffd >= 0)
			close(uffd);
		munmap(map, 8192);
	}
	itest_report(err == EPERM && !strcmp(step, "mmap"), "bypass/userfaultfd_copy_into_sealed_tmpfs_hole_refused",
		     "%s answered %s, want the shared mapping refused with EPERM", step, itest_errname(err));
	itest_report(pread(fd, got, sizeof(got), 4096) == (ssize_t)sizeof(got) && !memcmp(got, zero, sizeof(zero)),
		     "bypass/userfaultfd_hole_still_empty", "the hole was filled, or cannot be read back");
out:
	if (fd >= 0)
		close(fd);
	unlink(path);
}

/*
 * The fence xattr that makes the kernel re-check writes under the inode lock
 * (bpf/write_fence.bpf.c) must never become a real xattr: not left behind by
 * sealing, not creatable, not even by root.
 */
static void fence_xattr(void)
{
	char a[256], v[8], why[512] = "";
	/* Sealing WRITE is what uses the fence: on a file left unsealed there is nothing to leave behind. */
	int fd = sealed_file("/mnt/ext4", "fence", a, sizeof(a), BPFSEAL_SEAL_WRITE, why, sizeof(why));

	if (fd < 0)
		itest_report(false, "bypass/fence_xattr_left_nothing_behind", "not run: %s", why);
	else
		itest_expect("bypass/fence_xattr_left_nothing_behind",
			     fgetxattr(fd, BPFSEAL_FENCE_XATTR, v, sizeof(v)) < 0 ? errno : 0, ENODATA);
	if (fd < 0)
		itest_report(false, "bypass/fence_xattr_root_cannot_create", "not run: %s", why);
	else
		itest_expect("bypass/fence_xattr_root_cannot_create",
			     fsetxattr(fd, BPFSEAL_FENCE_XATTR, "x", 1, 0) < 0 ? errno : 0, EPERM);
	if (fd < 0)
		itest_report(false, "bypass/fence_xattr_root_cannot_create_empty", "not run: %s", why);
	else
		itest_expect("bypass/fence_xattr_root_cannot_create_empty",
			     fsetxattr(fd, BPFSEAL_FENCE_XATTR, "", 0, XATTR_CREATE) < 0 ? errno : 0, EPERM);
	if (fd >= 0)
		close(fd);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	/* move_ext 2 + 2, xfs_swapext 1, uffd_fill_hole 2, fence_xattr 3. */
	itest_plan(2 + 2 + 1 + 2 + 3);
	move_ext(false);
	move_ext(true);
	xfs_swapext();
	uffd_fill_hole();
	fence_xattr();
	return itest_end();
}
