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
 * a configfs-attached backend) is refused: their writes may append.
 * The other order, sealing a file the kernel already writes, is EBUSY in
 * add_seals.bpf.c: swap and loop devices mark the file itself, the others
 * are noted here, per inode, at their open (kernel_writers.bpf.h).
 * file_open runs on every open: reads return at once; a write-open costs
 * one lookup and a look at who opens.
 * Quota files are written through ->quota_write once quotaon has taken
 * them; the quota_on hook refuses a sealed one.
 */
#include "bpfseal.bpf.h"
#include "kernel_writers.bpf.h"

/* x86_64 system call numbers */
#define NR_open			2
#define NR_creat		85
#define NR_acct			163
#define NR_open_by_handle_at	304
#define NR_io_uring_enter	426
#define NR_openat2		437
#define NR_openat		257

#define PF_IO_WORKER	0x00000010
#define PF_KTHREAD	0x00200000

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
enum opener {
	OPENER_USER,
	OPENER_KERNEL_THREAD,
	OPENER_IN_CALL,
};

#define PF_DUMPCORE	0x00000200

static __always_inline enum opener opener(void)
{
	struct task_struct *task = bpf_get_current_task_btf();
	unsigned int flags = task->flags;

	if (flags & PF_IO_WORKER)
		return OPENER_USER;	/* io_uring's own threads: openat requests */
	if (flags & PF_KTHREAD)
		return OPENER_KERNEL_THREAD;
	if (!(flags & PF_DUMPCORE) && open_syscall(current_syscall()))
		return OPENER_USER;
	return OPENER_IN_CALL;
}

/*
 * Note an in-call writer's file in its inode's slots, before the seals are
 * read: add_seals raises `adding` before it reads the slots, so one of the
 * two sees the other. A full set of slots is first purged of closed files.
 */
static __always_inline bool record_kernel_writer(struct file *file)
{
	struct kernel_writer_files *w;
	struct policy_state *st = get_policy_state();
	struct inode *inode = file->f_inode;
	__u64 me = (__u64)file;

	w = bpf_inode_storage_get(&kernel_writers, inode, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!w || !st)
		return false;
	for (int pass = 0; pass < 2; pass++) {
		for (int i = 0; i < KERNEL_WRITER_SLOTS; i++) {
			if (!w->file[i] && __sync_val_compare_and_swap(&w->file[i], 0, me) == 0) {
				__sync_fetch_and_add(&st->kernel_writer_files, 1);
				return true;
			}
		}
		has_kernel_writers(inode);
	}
	return false;
}

/*
 * struct file is reused once freed: an open that gets a slot's old file
 * back for the same inode proves that file closed. Without this, the
 * owner's own descriptor could look like the core dump it replaced.
 */
static __always_inline void forget_reused_file(struct file *file)
{
	struct policy_state *st = get_policy_state();
	struct kernel_writer_files *w;

	if (!st || !st->kernel_writer_files)
		return;
	w = bpf_inode_storage_get(&kernel_writers, file->f_inode, 0, 0);
	if (!w)
		return;
	for (int i = 0; i < KERNEL_WRITER_SLOTS; i++)
		if (w->file[i] == (__u64)file)
			release_slot(&w->file[i], (__u64)file);
}

SEC("lsm/file_open")
int BPF_PROG(check_kernel_writer_open, struct file *file, int ret)
{
	struct bpfseal_listed_inode *listed;
	int denied = -EPERM;
	struct inode *inode;
	enum opener who;
	bool refuse;
	__u32 seals;

	if (ret)
		return ret;
	if (!(file->f_mode & FMODE_WRITE))
		return 0;
	inode = file->f_inode;
	forget_reused_file(file);
	who = kernel_internal_file(file) ? OPENER_KERNEL_THREAD : opener();
	/* Unrecorded, such a writer could outlive a seal added later: refuse it. */
	if (who == OPENER_IN_CALL && is_regular(inode) && !record_kernel_writer(file))
		return -ENFILE;
	seals = inode_seals(inode);
	if (who == OPENER_IN_CALL && !(seals & (SEALS_BLOCKING_WRITES | BPFSEAL_SEAL_GROW))) {
		listed = listed_inode(inode);
		if (listed && listed->adding)
			seals |= BPFSEAL_SEAL_GROW;	/* being sealed: refuse, do not race */
	}
	if (!(seals & (SEALS_BLOCKING_WRITES | BPFSEAL_SEAL_GROW)) || who == OPENER_USER)
		return 0;
	/* Checked writers (kernel threads) still may not hold write-sealed files open. */
	refuse = (seals & SEALS_BLOCKING_WRITES) || who == OPENER_IN_CALL;
	/* Hidden from clang, or it returns -refuse (EPERM is 1): a negation 6.12's verifier cannot follow. */
	barrier_var(denied);
	return refuse ? denied : 0;
}

SEC("lsm/quota_on")
int BPF_PROG(check_quota_on, struct dentry *dentry, int ret)
{
	struct inode *inode = dentry->d_inode;

	if (ret)
		return ret;
	if (inode && (inode_seals(inode) & (SEALS_BLOCKING_WRITES | SEALS_ON_SIZE)))
		return -EPERM;
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
