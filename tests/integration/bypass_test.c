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

static void move_ext(bool sealed_is_donor)
{
	char a[256], b[256], name[128];
	int orig = itest_make_file("/mnt/ext4", "move-orig", a, sizeof(a));
	int donor = itest_make_file("/mnt/ext4", "move-donor", b, sizeof(b));
	int sealed = sealed_is_donor ? donor : orig, err;
	struct move_extent me = { .donor_fd = (unsigned int)donor, .len = 1 };
	struct itest_snapshot *before = malloc(sizeof(*before)), *after = malloc(sizeof(*after));
	const char *d;

	/* Different bytes in the donor, so a swap would show. */
	pwrite(donor, "DONORDONOR", 10, 0);
	fsync(donor);
	bpfseal_add_seals(sealed, BPFSEAL_SEAL_WRITE);
	itest_snapshot(sealed, before);
	err = ioctl(orig, EXT4_IOC_MOVE_EXT, &me) ? errno : 0;
	itest_snapshot(sealed, after);
	snprintf(name, sizeof(name), "bypass/ext4_move_ext_sealed_%s", sealed_is_donor ? "donor" : "target");
	itest_expect(name, err, EPERM);
	d = itest_snapshot_diff(before, after);
	snprintf(name, sizeof(name), "bypass/ext4_move_ext_sealed_%s_unchanged", sealed_is_donor ? "donor" : "target");
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
	char a[256], buf[512] = { 0 };
	int fd = itest_make_file("/mnt/xfs", "swapext", a, sizeof(a));

	bpfseal_add_seals(fd, BPFSEAL_SEAL_GROW);
	/* Any size: the policy matches type and number, before xfs reads the struct. */
	itest_expect("bypass/xfs_swapext_on_sealed_file",
		     ioctl(fd, _IOC(_IOC_READ | _IOC_WRITE, 'X', XFS_IOC_SWAPEXT_NR, 256), buf) ? errno : 0, EPERM);
	close(fd);
	unlink(a);
}

/* A sealed tmpfs file with a hole in its second page: can userfaultfd fill it? */
static void uffd_fill_hole(void)
{
	char path[256], zero[4096] = { 0 }, got[4096], src[4096];
	int fd, uffd, err = 0;
	char *map;

	snprintf(path, sizeof(path), "/mnt/tmpfs/uffd-hole");
	unlink(path);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	pwrite(fd, "first page", 10, 0);
	ftruncate(fd, 8192);		/* page 2 is a hole */
	bpfseal_add_seals(fd, BPFSEAL_SEAL_WRITE);

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
		if (uffd < 0 || ioctl(uffd, UFFDIO_API, &api) || ioctl(uffd, UFFDIO_REGISTER, &reg) ||
		    ioctl(uffd, UFFDIO_COPY, &copy))
			err = errno;
		if (uffd >= 0)
			close(uffd);
		munmap(map, 8192);
	}
	itest_report(err != 0, "bypass/userfaultfd_copy_into_sealed_tmpfs_hole_refused", "UFFDIO_COPY succeeded");
	pread(fd, got, sizeof(got), 4096);
	itest_report(!memcmp(got, zero, sizeof(zero)), "bypass/userfaultfd_hole_still_empty", "the hole was filled");
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
	char a[256], v[8];
	int fd = itest_make_file("/mnt/ext4", "fence", a, sizeof(a));

	bpfseal_add_seals(fd, BPFSEAL_SEAL_WRITE);
	itest_expect("bypass/fence_xattr_left_nothing_behind",
		     fgetxattr(fd, BPFSEAL_FENCE_XATTR, v, sizeof(v)) < 0 ? errno : 0, ENODATA);
	itest_expect("bypass/fence_xattr_root_cannot_create",
		     fsetxattr(fd, BPFSEAL_FENCE_XATTR, "x", 1, 0) < 0 ? errno : 0, EPERM);
	itest_expect("bypass/fence_xattr_root_cannot_create_empty",
		     fsetxattr(fd, BPFSEAL_FENCE_XATTR, "", 0, XATTR_CREATE) < 0 ? errno : 0, EPERM);
	close(fd);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	move_ext(false);
	move_ext(true);
	xfs_swapext();
	uffd_fill_hole();
	fence_xattr();
	return itest_failures ? 1 : 0;
}
