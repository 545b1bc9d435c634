// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Filesystem ioctls that move data without a write: they never reach
 * file_permission. Matched by type and number (the size part differs
 * between 32- and 64-bit callers).
 *   Swapping extents with a second file given by fd (ext4 MOVE_EXT,
 *   xfs SWAPEXT, f2fs MOVE_RANGE): both files change. The target is checked
 *   here; the second fd could only be read from the fd table, racing with
 *   dup2, so while any inode carries a content or size seal these ioctls
 *   are refused for every file.
 *   f2fs SEC_TRIM_FILE erases the file, START_ATOMIC_REPLACE truncates it.
 * Loop devices write their backing file through ->write_iter, never asking
 * file_permission: LOOP_SET_FD, LOOP_CHANGE_FD and LOOP_CONFIGURE refuse a
 * write- or future-write-sealed backing file unless the loop device will be
 * read-only. The backing fd is read from the fd table (and LOOP_CONFIGURE's
 * from user memory, which the kernel copies again), so a root caller racing
 * dup2 or a second thread against the ioctl can slip past; add_seals.bpf.c
 * covers the other order (sealing a file that already backs a loop device:
 * EBUSY).
 * md's SET_BITMAP_FILE takes a file by fd too and writes its bitmap there
 * with bios of its own: refused for a write- or future-write-sealed file.
 * (The other order cannot happen: md denies write access to its bitmap
 * file, so nobody can open it for writing to seal it.)
 * EXT4_IOC_SETFSUUID (tune2fs -U on a mounted filesystem) while seal records
 * exist would orphan them at the next mount: refused (records.bpf.h).
 */
#include "audit.bpf.h"

#define IOC_TYPE(cmd)	(((cmd) >> 8) & 0xff)
#define IOC_NR(cmd)	((cmd) & 0xff)
#define IOC(type, nr)	(((type) << 8) | (nr))

#define EXT4_MOVE_EXT		IOC('f', 15)
#define XFS_SWAPEXT		IOC('X', 109)
#define F2FS_MOVE_RANGE		IOC(0xf5, 9)
#define F2FS_SEC_TRIM_FILE	IOC(0xf5, 20)
#define F2FS_START_ATOMIC_REPLACE IOC(0xf5, 25)

#define LOOP_SET_FD		0x4C00
#define LOOP_CHANGE_FD		0x4C06
#define LOOP_CONFIGURE		0x4C0A
#define LOOP_MAJOR		7
#define LO_FLAGS_READ_ONLY	1
/* offsetof(struct loop_config, info.lo_flags): fd, block_size, 5 u64, 3 u32 */
#define LOOP_CONFIG_FLAGS_OFF	(4 + 4 + 5 * 8 + 3 * 4)
#define MAJOR(dev)		((unsigned int)((dev) >> 20))
#define SET_BITMAP_FILE		0x4004092b	/* _IOW(MD_MAJOR, 0x2b, int) */
/*
 * ext4 changes the UUID on disk but not sb->s_uuid until the next mount:
 * every record on the filesystem would then name a filesystem that is gone.
 */
#define EXT4_IOC_SETFSUUID	0x4008662c	/* _IOW('f', 44, struct fsuuid) */

/* The refusal's record, on the file the ioctl would have changed. */
static __noinline int refuse_ioctl(struct file *subject, unsigned int cmd, __u32 blockers, __u32 seals,
				   __u32 reason)
{
	audit_denied_file(subject, BPFSEAL_OP_IOCTL, blockers, seals, EPERM, cmd, reason);
	return -EPERM;
}

static __always_inline int judge_loop_ioctl(struct file *loop_dev, unsigned int cmd, unsigned long arg)
{
	struct inode *dev_inode = loop_dev->f_inode;
	unsigned int fd = (unsigned int)arg, flags = 0;
	struct file *backing;
	__u32 seals;

	if ((dev_inode->i_mode & S_IFMT) != S_IFBLK || MAJOR(dev_inode->i_rdev) != LOOP_MAJOR)
		return 0;
	if (cmd == LOOP_CONFIGURE) {
		if (bpf_probe_read_user(&fd, sizeof(fd), (void *)arg) ||
		    bpf_probe_read_user(&flags, sizeof(flags), (void *)arg + LOOP_CONFIG_FLAGS_OFF))
			return -EPERM;	/* the kernel would fail the copy too */
	}
	backing = file_of_fd(fd);
	if (!backing)
		return 0;	/* the kernel answers EBADF */
	/* A loop device writes only if both its own fd and the backing fd allow it. */
	if (!(BPF_CORE_READ(backing, f_mode) & FMODE_WRITE) || !(loop_dev->f_mode & FMODE_WRITE) ||
	    (flags & LO_FLAGS_READ_ONLY))
		return 0;
	seals = listed_file_seals(backing);
	if (seals & BPFSEAL_SEALS_NO_REWRITE)
		return refuse_ioctl(backing, cmd, seals & BPFSEAL_SEALS_NO_REWRITE, seals, BPFSEAL_REASON_LOOP);
	return 0;
}

static __always_inline int judge_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	unsigned int which = IOC(IOC_TYPE(cmd), IOC_NR(cmd));
	struct bpfseal_policy_state *st;
	struct file *bitmap;
	__u32 seals;

	switch (cmd) {
	case LOOP_SET_FD:
	case LOOP_CHANGE_FD:
	case LOOP_CONFIGURE:
		return judge_loop_ioctl(file, cmd, arg);
	case SET_BITMAP_FILE:
		bitmap = file_of_fd((unsigned int)arg);
		seals = listed_file_seals(bitmap);
		if (seals & BPFSEAL_SEALS_NO_REWRITE)
			return refuse_ioctl(bitmap, cmd, seals & BPFSEAL_SEALS_NO_REWRITE, seals,
					    BPFSEAL_REASON_MD_BITMAP);
		return 0;
	case EXT4_IOC_SETFSUUID:
		st = get_policy_state();
		if (!st || st->records > 0)
			return refuse_ioctl(file, cmd, 0, 0, BPFSEAL_REASON_FS_UUID);
		return 0;
	}
	switch (which) {
	case EXT4_MOVE_EXT:
	case XFS_SWAPEXT:
	case F2FS_MOVE_RANGE:
		seals = inode_seals(file->f_inode);
		st = get_policy_state();
		if ((seals & BPFSEAL_SEALS_CONTENT) || !st || st->content_seals_exist)
			return refuse_ioctl(file, cmd, seals & BPFSEAL_SEALS_CONTENT, seals,
					    BPFSEAL_REASON_EXTENT_SWAP);
		return 0;
	case F2FS_SEC_TRIM_FILE:
	case F2FS_START_ATOMIC_REPLACE:
		seals = inode_seals(file->f_inode);
		if (seals & BPFSEAL_SEALS_CONTENT)
			return refuse_ioctl(file, cmd, seals & BPFSEAL_SEALS_CONTENT, seals, BPFSEAL_REASON_F2FS);
		return 0;
	default:
		return 0;
	}
}

SEC("lsm/file_ioctl")
int BPF_PROG(check_ioctl, struct file *file, unsigned int cmd, unsigned long arg, int ret)
{
	if (ret)
		return ret;
	return judge_ioctl(file, cmd, arg);
}

/* 32-bit callers arrive here only. */
SEC("lsm/file_ioctl_compat")
int BPF_PROG(check_ioctl_compat, struct file *file, unsigned int cmd, unsigned long arg, int ret)
{
	if (ret)
		return ret;
	return judge_ioctl(file, cmd, arg);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
