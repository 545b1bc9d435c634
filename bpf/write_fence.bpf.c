// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Writes that passed file_permission just before a fenced seal (WRITE,
 * FUTURE_WRITE, GROW, APPEND: BPFSEAL_SEALS_FENCED) went in. shmem checks
 * its seals under the inode lock; the LSM hook runs before the filesystem
 * takes it, so such a write could still land after the seal was reported.
 * Under the lock, every write_iter, fallocate and reflink calls
 * file_remove_privs(), which asks security_inode_need_killpriv() - unless
 * the inode carries S_NOSEC, the kernel's cached "no suid bit, no security
 * xattr". An LSM cannot hook that call (BPF LSM disables it) but fmod_ret
 * may attach to any security_* function.
 *
 * So after adding a fenced seal, bpfseal_add_seals() makes the kernel
 * forget S_NOSEC: setxattr(BPFSEAL_FENCE_XATTR, XATTR_REPLACE) of a name
 * that never exists clears the flag, under the inode lock, and fails with
 * ENODATA having written nothing. From then on each write that reaches the
 * lock is judged again here, on its facts, with the seals and size of that
 * moment - as shmem judges - before it copies a byte: an append in flight
 * under APPEND lands, a rewrite does not. A call without facts is refused,
 * but acct's records under APPEND. Truncate asks before it takes the lock
 * and is judged by inode_setattr under it.
 *
 * What stays open, all needing a kernel change (a check under the inode
 * lock on every write, or a way for BPF to clear S_NOSEC; 7.x's
 * bpf_set_dentry_xattr calls __vfs_setxattr, which does not):
 *   - the first call the fence lets through re-arms S_NOSEC, and a seal
 *     added with the raw fcntl(BPFSEAL_F_ADD_SEALS) has no fence: a writer
 *     held between its check and the lock (preempted before inode_lock, or
 *     behind a freeze) lands after the seal if an allowed call (an append
 *     under APPEND, an in-bounds write under GROW, a fallocate under WRITE)
 *     took the lock first;
 *   - on tmpfs, shmem_fallocate() reaches the privilege check only after it
 *     has punched or allocated, and ignores the answer: a held fallocate
 *     lands even through the fence.
 * tests/integration/fence_test.c holds a writer in the window every time.
 *
 * The fence xattr itself: only its owner (or CAP_FOWNER) may ask for it,
 * and only as XATTR_REPLACE of an empty value. 6.10+ asks LSMs whether to
 * skip the CAP_SYS_ADMIN check for a security.* name (inode_xattr_skipcap);
 * before that, an inode_setxattr answer of 0 skips it (acl.bpf.c).
 */
#include "audit.bpf.h"
#include "judge_write.bpf.h"

#define RWSEM_READER_OWNED	1UL	/* kernel/locking/rwsem.c */
#define RWSEM_OWNER_FLAGS	7UL

/* Does the current task hold the inode lock for writing? */
static __always_inline bool holds_inode_lock(struct inode *inode)
{
	unsigned long owner;

	if (!bpf_core_field_exists(inode->i_rwsem.owner))
		return true;	/* PREEMPT_RT: cannot tell; refusing is the safe side */
	owner = BPF_CORE_READ(inode, i_rwsem.owner.counter);
	/*
	 * The low bits are rwsem flags. A reader leaves its task there on
	 * up_read() as a hint, flagged RWSEM_READER_OWNED: only a writer
	 * (inode_lock) counts.
	 */
	if (owner & RWSEM_READER_OWNED)
		return false;
	return (owner & ~RWSEM_OWNER_FLAGS) == (unsigned long)bpf_get_current_task();
}

/*
 * The facts of the call now holding the lock, if it is a write or fallocate
 * of this inode that its fentry saw (write_facts.bpf.c): whether
 * check_write judged it before the seal, after it, or not at all.
 */
static __always_inline struct write_facts *facts_of_this_call(struct inode *inode)
{
	struct write_facts *f = bpf_task_storage_get(&write_facts, bpf_get_current_task_btf(), 0, 0);
	struct file *file;

	if (!f || f->kind == WRITE_UNKNOWN || f->syscall != current_syscall())
		return NULL;
	file = f->file;	/* a plain copy: CO-RE must not relocate our own struct */
	return BPF_CORE_READ(file, f_inode) == inode ? f : NULL;
}

/*
 * acct(2) writes its records (kernel/acct.c) at a task's exit or from the
 * acct call itself, with __kernel_write and no facts, to a file it opened
 * O_APPEND: what APPEND alone allows (seal_rules_writer_open() let it open).
 * Only to the accounting file of the task's pid namespace or one above it.
 */
#define PID_NS_WALK_MAX		8

static __always_inline bool acct_file(struct task_struct *task, struct inode *inode)
{
	struct pid *pid = BPF_CORE_READ(task, thread_pid);
	unsigned int level = BPF_CORE_READ(pid, level);
	struct pid_namespace *ns = NULL;

	/* pid->numbers[level].ns, the task's own namespace (task_active_pid_ns()). */
	bpf_probe_read_kernel(&ns, sizeof(ns), (void *)pid + bpf_core_field_offset(struct pid, numbers) +
			      (__u64)(level & 63) * bpf_core_type_size(struct upid) +
			      bpf_core_field_offset(struct upid, ns));
	for (int i = 0; i < PID_NS_WALK_MAX && ns; i++) {
		/* ns->bacct is the fs_pin at the start of the namespace's bsd_acct_struct. */
		struct bsd_acct_struct *acct = (void *)BPF_CORE_READ(ns, bacct);

		if (acct && BPF_CORE_READ(acct, file, f_inode) == inode)
			return true;
		ns = BPF_CORE_READ(ns, parent);
	}
	return false;
}

static __always_inline bool acct_record(__u32 seals, struct inode *inode)
{
	struct task_struct *task = bpf_get_current_task_btf();

	if (seals & (BPFSEAL_SEALS_NO_CONTENT_CHANGE | BPFSEAL_SEAL_GROW))
		return false;
	if (!(task->flags & PF_EXITING) && task_syscall(task) != NR_acct)
		return false;
	return acct_file(task, inode);
}

SEC("fmod_ret/security_inode_need_killpriv")
int BPF_PROG(check_write_locked, struct dentry *dentry, int ret)
{
	struct inode *inode = dentry->d_inode;
	struct write_facts *f;
	loff_t size;
	__u32 seals;

	/* Truncate asks before it takes the lock too: that ask ends here, before a sealed file's lookup. */
	if (ret || !inode || !holds_inode_lock(inode))
		return ret;
	/* Tracing programs cannot reach inode storage: the listing carries the seals. */
	seals = listed_seals(inode);
	if (!(seals & BPFSEAL_SEALS_FENCED))
		return 0;
	/* Judged again with the seals and size of now, as shmem judges under its lock. */
	size = BPF_CORE_READ(inode, i_size);
	f = facts_of_this_call(inode);
	if (!f && acct_record(seals, inode))
		return 0;
	if (!judge_call(seals, f, inode, size))
		return 0;
	audit_denied_dentry(dentry, BPFSEAL_OP_WRITE_IN_FLIGHT,
			    SEAL_RULES_BLOCKERS(seals & BPFSEAL_SEALS_FENCED, one, judge_call(one, f, inode, size)),
			    seals, EPERM, 0, BPFSEAL_REASON_NONE);
	return -EPERM;
}

SEC("lsm/inode_xattr_skipcap")
int BPF_PROG(skipcap_fence, const char *name, int ret)
{
	if (ret)
		return ret;
	return is_fence_xattr(name) ? 1 : 0;
}

SEC("lsm/inode_setxattr")
int BPF_PROG(guard_fence_xattr, struct mnt_idmap *idmap, struct dentry *dentry, const char *name,
	     const void *value, size_t size, int flags, int ret)
{
	if (ret)
		return ret;
	if (!is_fence_xattr(name) || fence_request_ok(dentry, size, flags))
		return 0;
	audit_refused_fence_xattr(dentry);
	return -EPERM;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
