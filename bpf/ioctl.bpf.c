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
 */
#include "bpfseal.bpf.h"

#define IOC_TYPE(cmd)	(((cmd) >> 8) & 0xff)
#define IOC_NR(cmd)	((cmd) & 0xff)
#define IOC(type, nr)	(((type) << 8) | (nr))

#define EXT4_MOVE_EXT		IOC('f', 15)
#define XFS_SWAPEXT		IOC('X', 109)
#define F2FS_MOVE_RANGE		IOC(0xf5, 9)
#define F2FS_SEC_TRIM_FILE	IOC(0xf5, 20)
#define F2FS_START_ATOMIC_REPLACE IOC(0xf5, 25)

static __always_inline int judge_ioctl(struct file *file, unsigned int cmd)
{
	unsigned int which = IOC(IOC_TYPE(cmd), IOC_NR(cmd));
	struct policy_state *st;
	__u32 seals;

	switch (which) {
	case EXT4_MOVE_EXT:
	case XFS_SWAPEXT:
	case F2FS_MOVE_RANGE:
		seals = inode_seals(file->f_inode);
		if (seals & (SEALS_BLOCKING_WRITES | SEALS_ON_SIZE))
			return -EPERM;
		st = get_policy_state();
		if (!st || st->content_seals_exist)
			return -EPERM;
		return 0;
	case F2FS_SEC_TRIM_FILE:
	case F2FS_START_ATOMIC_REPLACE:
		seals = inode_seals(file->f_inode);
		return seals & (SEALS_BLOCKING_WRITES | SEALS_ON_SIZE) ? -EPERM : 0;
	default:
		return 0;
	}
}

SEC("lsm/file_ioctl")
int BPF_PROG(check_ioctl, struct file *file, unsigned int cmd, unsigned long arg, int ret)
{
	if (ret)
		return ret;
	return judge_ioctl(file, cmd);
}

/* 32-bit callers arrive here only. */
SEC("lsm/file_ioctl_compat")
int BPF_PROG(check_ioctl_compat, struct file *file, unsigned int cmd, unsigned long arg, int ret)
{
	if (ret)
		return ret;
	return judge_ioctl(file, cmd);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
