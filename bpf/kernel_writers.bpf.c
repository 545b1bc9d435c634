// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Files the kernel itself writes, with no permission check per write: the
 * file is opened once, and that is where the policy refuses a sealed one.
 * A write- or future-write-sealed file may be opened for writing only by
 * the open system calls (open, openat, openat2, creat, open_by_handle_at,
 * io_uring), whose writes all pass file_permission. That leaves out:
 *   swapon(2): swap writes the file's blocks directly;
 *   acct(2): accounting appends records with __kernel_write (also refused
 *            under GROW: it only ever appends);
 *   kernel threads (nfsd, ksmbd, LIO and NVMe-target file backends) and
 *            configfs writes that open backing files for their own I/O;
 *   overlayfs and FUSE passthrough opening the real file under the one the
 *            user opened: splice and sendfile into the overlay file reach
 *            the real one without a check on it (6.1). Both kinds are
 *            opened "noaccount", as the kernel's own internal files are.
 * Under GROW alone, every opener inside another call (acct, a core dump,
 * a configfs-attached backend) is refused: their writes may append. Under
 * APPEND alone, acct keeps its file: it only ever appends.
 * file_open runs on every open: an unsealed file costs one lookup, and only
 * sealed ones go further. (The other order, sealing a file the kernel
 * already writes, is EBUSY in add_seals.bpf.c for loop, swap, quota and
 * core dumps in progress.)
 * Quota files are written through ->quota_write once quotaon has taken
 * them; the quota_on hook refuses a sealed one.
 */
#include "audit.bpf.h"
#include "records.bpf.h"

/* x86_64 system call numbers */
#define NR_open			2
#define NR_creat		85
#define NR_open_by_handle_at	304
#define NR_openat2		437
#define NR_openat		257

static __always_inline bool open_syscall(__s64 nr)
{
	return nr == NR_open || nr == NR_openat || nr == NR_openat2 || nr == NR_creat ||
	       nr == NR_open_by_handle_at || nr == NR_io_uring_enter;
}

/*
 * Files the kernel opens for itself, outside any file table: overlayfs and
 * FUSE passthrough backing files (6.1: open_with_fake_path), kernel_file_open
 * users. All are allocated "noaccount"; the bit has been 29 from 6.1 to 7.2,
 * where FMODE_BACKING has moved between kernels.
 */
#define FMODE_NOACCOUNT	(1U << 29)

static __always_inline bool kernel_internal_file(struct file *file)
{
	return file->f_mode & FMODE_NOACCOUNT;
}

/*
 * Who opens a file for writing. Open system calls (and io_uring's workers
 * running openat requests) write through read/write/io_uring, every write
 * checked. Kernel threads (nfsd, ksmbd) write with vfs_iter_write and
 * kernel_write, checked too. The rest open inside some other call and then
 * write with __kernel_write or ->write_iter, never asking file_permission:
 * acct(2), a core dump (PF_DUMPCORE), LIO and NVMe-target file backends
 * configured through configfs writes, swapon(2).
 */
static __always_inline enum seal_rules_opener opener(void)
{
	struct task_struct *task = bpf_get_current_task_btf();
	unsigned int flags = task->flags;
	__s64 syscall;

	if (flags & PF_IO_WORKER)
		return SEAL_RULES_OPENER_USER;	/* io_uring's own threads: openat requests */
	if (flags & PF_KTHREAD)
		return SEAL_RULES_OPENER_KERNEL_THREAD;
	syscall = task_syscall(task);
	if (!(flags & PF_DUMPCORE) && open_syscall(syscall))
		return SEAL_RULES_OPENER_USER;
	return syscall == NR_acct ? SEAL_RULES_OPENER_ACCT : SEAL_RULES_OPENER_IN_CALL;
}

/* The refusal's record: which writer, and which seals keep it out. */
static __noinline void audit_refused_writer(struct file *file, __u32 seals, enum seal_rules_opener who, int error)
{
	unsigned int flags = bpf_get_current_task_btf()->flags;
	__u32 reason = BPFSEAL_REASON_WRITER_IN_CALL;

	if (seals & SEALS_UNKNOWN)
		reason = BPFSEAL_REASON_SEALS_UNKNOWN;
	else if (kernel_internal_file(file))
		reason = BPFSEAL_REASON_WRITER_BACKING_FILE;
	else if (flags & PF_DUMPCORE)
		reason = BPFSEAL_REASON_WRITER_CORE_DUMP;
	else if (who == SEAL_RULES_OPENER_KERNEL_THREAD)
		reason = BPFSEAL_REASON_WRITER_KERNEL_THREAD;
	else if (who == SEAL_RULES_OPENER_ACCT)
		reason = BPFSEAL_REASON_WRITER_ACCT;
	audit_denied_file(file, BPFSEAL_OP_KERNEL_WRITER_OPEN,
			  SEAL_RULES_BLOCKERS(seals, one, seal_rules_writer_open(one, who)), seals, error, 0, reason);
}

/*
 * Unsealed files cost one lookup: who opens is worked out for sealed ones
 * only. (Sealing a file the kernel already writes is add_seals.bpf.c's
 * EBUSY; core dumps in progress are tracked by core_dumps.bpf.c.)
 */
/*
 * Locked mode (lock.bpf.c): the block device under a filesystem with sealed
 * inodes takes no writer, who would change the blocks underneath the seals.
 */
static __always_inline int lock_refuses_block_write(struct inode *bdev_inode)
{
	struct bpfseal_policy_state *st = get_policy_state();
	__u32 dev = (__u32)bdev_inode->i_rdev;

	if (!st || !st->locked)
		return 0;
	return refuse_if(bpf_map_lookup_elem(&sealed_devs, &dev));
}

SEC("lsm/file_open")
int BPF_PROG(check_kernel_writer_open, struct file *file, int ret)
{
	enum seal_rules_opener who;
	__u32 seals;
	int refuse;

	if (ret)
		return ret;
	seals = inode_seals_by_path(file->f_inode);
	if (!seals && (file->f_mode & FMODE_WRITE) && (file->f_inode->i_mode & S_IFMT) == S_IFBLK)
		return lock_refuses_block_write(file->f_inode);
	if (!(seals & BPFSEAL_SEALS_FENCED) || !(file->f_mode & FMODE_WRITE))
		return 0;
	who = kernel_internal_file(file) ? SEAL_RULES_OPENER_KERNEL_THREAD : opener();
	/* Sealed, but the seals could not be brought back (records.bpf.h): no writer. */
	if (seals & SEALS_UNKNOWN) {
		audit_refused_writer(file, seals, who, ENOMEM);
		return -ENOMEM;
	}
	refuse = seal_rules_writer_open(seals, who);
	if (refuse)
		audit_refused_writer(file, seals, who, refuse);
	return lsm_answer(refuse);
}

SEC("lsm/quota_on")
int BPF_PROG(check_quota_on, struct dentry *dentry, int ret)
{
	struct inode *inode = dentry->d_inode;
	__u32 seals;

	if (ret || !inode)
		return ret;
	seals = inode_seals_by_path(inode);
	if (!(seals & BPFSEAL_SEALS_CONTENT))
		return 0;
	audit_denied_dentry(dentry, BPFSEAL_OP_QUOTA_ON, seals & BPFSEAL_SEALS_CONTENT, seals, EPERM, 0,
			    BPFSEAL_REASON_NONE);
	return -EPERM;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
