// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Plain fcntl(fd, F_GET_SEALS) answers with bpfseal's seals, so receivers
 * that ask the kernel (journald, wl_shm) see them with no library.
 *
 * fcntl(2) returns a non-zero security_file_fcntl() result as it is and
 * skips do_fcntl(); an fmod_ret program may attach to any security_*
 * function and return any value (an LSM program may only return 0 or an
 * errno). So on a regular file with memfd seals from bpfseal, this returns
 * them as the answer: bpfseal's F_SEAL_* bits (never APPEND or NAME, which
 * no F_SEAL_* bit means), OR-ed with the file's own on shmem and hugetlbfs,
 * as memfd_get_seals() would read them. Any other file, or one with no
 * such seal, gets the kernel's own answer.
 *
 * The seals come from the listing (tracing programs cannot reach inode
 * storage): an inode is listed before its first seal bit, its seals are
 * OR-ed in once committed or restored from a record, and it is unlisted
 * when it is freed; unload detaches this program with the rest. A seal is
 * in the answer from the moment its adder's fcntl returns, as with memfd.
 *
 * What answering skips, for this one command: the LSMs' file_fcntl checks
 * and the fmod_ret programs attached before this one. No in-tree LSM checks
 * F_GET_SEALS (SELinux checks locks and the owner, signal and flag
 * commands; Smack locks and owners; TOMOYO F_SETFL; AppArmor and Landlock
 * have no file_fcntl; bpfseal's own file_fcntl programs take only their
 * commands), and the answer is what memfd_fcntl() would give: facts about
 * a file the caller already holds. The last fmod_ret program attached runs
 * first: root could attach one that answers instead; locked mode refuses
 * new fmod_ret programs (lock.bpf.c).
 */
#include "bpfseal.bpf.h"

#define F_GET_SEALS	1034	/* F_LINUX_SPECIFIC_BASE + 10 */

/* memfd_file_seals_ptr()'s answer: a shmem or hugetlbfs inode's own seals. */
static __always_inline __u32 native_seals(struct file *file)
{
	unsigned long magic = file->f_inode->i_sb->s_magic;
	__u64 inode = (__u64)BPF_CORE_READ(file, f_inode);
	__u32 seals = 0;

	if (magic == TMPFS_MAGIC) {
		struct shmem_inode_info *info =
			(void *)(inode - bpf_core_field_offset(struct shmem_inode_info, vfs_inode));

		bpf_core_read(&seals, sizeof(seals), &info->seals);
	} else if (magic == HUGETLBFS_MAGIC && bpf_core_type_exists(struct hugetlbfs_inode_info)) {
		struct hugetlbfs_inode_info *info =
			(void *)(inode - bpf_core_field_offset(struct hugetlbfs_inode_info, vfs_inode));

		bpf_core_read(&seals, sizeof(seals), &info->seals);
	}
	return seals;
}

SEC("fmod_ret/security_file_fcntl")
int BPF_PROG(answer_get_seals, struct file *file, unsigned int cmd, unsigned long arg, int ret)
{
	__u32 seals;

	if (ret || cmd != F_GET_SEALS || !is_regular(file->f_inode))
		return ret;
	seals = listed_seals(file->f_inode) & BPFSEAL_SEALS_MEMFD;
	if (!seals)
		return 0;
	return (int)(seals | native_seals(file));
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
