/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The audit trail: one record (struct bpfseal_audit_record) for every
 * refusal, seal added, refused seal request and policy change, made on the
 * refusal branch of the hook that decided, so allowed operations run none
 * of this.
 *
 * Fan-out. A BPF ring buffer has one consumer position, and every consumer
 * (each `sealctl monitor`, the journal forwarder) must see every record. So
 * each consumer brings its own ring buffer, of the size it wants, and puts
 * it into a slot of "audit_rings" (an array of maps); a record is written
 * into every ring found there. A full ring never waits: the record is
 * counted in that slot's "audit_dropped" counter and in
 * policy_state.audit_dropped, and the consumer reads its own count
 * (user/audit_consumer.c: claiming a slot, with a lock that dies with its holder,
 * and the counter's baseline). Empty slots cost an inlined array lookup
 * each.
 *
 * Counts kept whether anyone listens: denials, seal_requests_refused,
 * audit_records (the sequence number) in policy_state.
 */
#ifndef BPFSEAL_AUDIT_BPF_H
#define BPFSEAL_AUDIT_BPF_H

#include "bpfseal.bpf.h"

/* What a hook knows about what it refused (or did); the rest is read here. */
struct audit_facts {
	__u32 type;		/* BPFSEAL_AUDIT_* */
	__u32 operation;	/* BPFSEAL_OP_* */
	__u32 seals;		/* as struct bpfseal_audit_record */
	__u32 seals_in_force;
	__u32 reason;
	__s32 error;
	__u64 detail;
	struct inode *inode;	/* NULL for POLICY */
	struct dentry *dentry;	/* its name, or NULL */
};

/* Which write path the current task is on, from its system call. */
static __always_inline __u32 audit_write_operation(void)
{
	struct task_struct *task = bpf_get_current_task_btf();
	unsigned int flags = task->flags;

	if (flags & PF_IO_WORKER)
		return BPFSEAL_OP_IO_URING;
	if (flags & PF_KTHREAD)
		return BPFSEAL_OP_KERNEL_WRITE;
	switch (task_syscall(task)) {
	case NR_write: return BPFSEAL_OP_WRITE;
	case NR_pwrite64: return BPFSEAL_OP_PWRITE;
	case NR_writev: return BPFSEAL_OP_WRITEV;
	case NR_pwritev: return BPFSEAL_OP_PWRITEV;
	case NR_pwritev2: return BPFSEAL_OP_PWRITEV2;
	case NR_io_submit: return BPFSEAL_OP_AIO;
	case NR_io_uring_enter: return BPFSEAL_OP_IO_URING;
	case NR_splice: return BPFSEAL_OP_SPLICE;
	case NR_sendfile: return BPFSEAL_OP_SENDFILE;
	case NR_copy_file_range: return BPFSEAL_OP_COPY_FILE_RANGE;
	case NR_fallocate: return BPFSEAL_OP_FALLOCATE;
	case NR_ioctl: return BPFSEAL_OP_REFLINK;	/* the remap ioctls are the ones that write */
	default: return BPFSEAL_OP_OTHER;
	}
}

static __always_inline void audit_count_dropped(struct bpfseal_policy_state *st, __u32 slot)
{
	__u64 *dropped = bpf_map_lookup_elem(&audit_dropped, &slot);

	if (dropped)
		__sync_fetch_and_add(dropped, 1);
	__sync_fetch_and_add(&st->audit_dropped, 1);
}

static __always_inline void audit_fill(struct bpfseal_audit_record *rec, const struct audit_facts *f, __u64 seq)
{
	struct task_struct *task = bpf_get_current_task_btf();
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct inode *inode = f->inode;
	struct dentry *dentry = f->dentry;
	const unsigned char *name;

	rec->size = sizeof(*rec);
	rec->type = f->type;
	rec->seq = seq;
	rec->boot_ns = bpf_ktime_get_boot_ns();
	rec->operation = f->operation;
	rec->error = f->error;
	rec->seals = f->seals;
	rec->seals_in_force = f->seals_in_force;
	rec->reason = f->reason;
	rec->syscall = (int)task_syscall(task);
	rec->detail = f->detail;
	rec->dev = inode ? BPF_CORE_READ(inode, i_sb, s_dev) : 0;
	rec->ino = inode ? BPF_CORE_READ(inode, i_ino) : 0;
	rec->cgroup_id = bpf_get_current_cgroup_id();
	rec->tgid = pid_tgid >> 32;
	rec->pid = (__u32)pid_tgid;
	rec->uid = (__u32)bpf_get_current_uid_gid();
	rec->loginuid = bpf_core_field_exists(task->loginuid) ? BPF_CORE_READ(task, loginuid.val) : (__u32)-1;
	bpf_get_current_comm(rec->comm, sizeof(rec->comm));
	rec->name[0] = '\0';
	if (dentry) {
		name = BPF_CORE_READ(dentry, d_name.name);
		if (name)
			bpf_probe_read_kernel_str(rec->name, sizeof(rec->name), name);
	}
}

/* Count the record, then write it into every consumer's ring. */
static __noinline void audit_emit(const struct audit_facts *f)
{
	struct bpfseal_policy_state *st = get_policy_state();
	struct bpfseal_audit_record *rec;
	__u64 seq;

	if (!st)
		return;
	if (f->type == BPFSEAL_AUDIT_DENIED)
		__sync_fetch_and_add(&st->denials, 1);
	else if (f->type == BPFSEAL_AUDIT_SEAL_REFUSED)
		__sync_fetch_and_add(&st->seal_requests_refused, 1);
	seq = __sync_fetch_and_add(&st->audit_records, 1);
	/*
	 * Unrolled, and each record reserved, filled and submitted within one
	 * iteration: the verifier of 6.1 cannot follow a reservation from one
	 * iteration into the next.
	 */
#pragma unroll
	for (__u32 slot = 0; slot < BPFSEAL_AUDIT_CONSUMERS_MAX; slot++) {
		__u32 key = slot;
		void *ring = bpf_map_lookup_elem(&audit_rings, &key);

		if (!ring)
			continue;
		rec = bpf_ringbuf_reserve(ring, sizeof(*rec), 0);
		if (!rec) {
			audit_count_dropped(st, slot);
			continue;
		}
		audit_fill(rec, f, seq);
		bpf_ringbuf_submit(rec, 0);
	}
}

/* A refusal of an operation on an inode, with its name where there is one. */
static __always_inline void audit_denied(struct inode *inode, struct dentry *dentry, __u32 operation,
					 __u32 blockers, __u32 seals_in_force, int error, __u64 detail, __u32 reason)
{
	struct audit_facts f = {
		.type = BPFSEAL_AUDIT_DENIED,
		.operation = operation,
		.seals = blockers,
		.seals_in_force = seals_in_force,
		.reason = reason,
		.error = error,
		.detail = detail,
		.inode = inode,
		.dentry = dentry,
	};

	audit_emit(&f);
}

#define audit_denied_file(file, ...) \
	audit_denied(BPF_CORE_READ(file, f_inode), BPF_CORE_READ(file, f_path.dentry), __VA_ARGS__)
#define audit_denied_dentry(dentry, ...) audit_denied(BPF_CORE_READ(dentry, d_inode), dentry, __VA_ARGS__)

/* A use of the fence xattr the policy refuses (write_fence.bpf.c). */
static __always_inline void audit_refused_fence_xattr(struct dentry *dentry)
{
	struct inode *inode = BPF_CORE_READ(dentry, d_inode);

	audit_denied_dentry(dentry, BPFSEAL_OP_FENCE_XATTR, 0, listed_seals_at((__u64)inode), EPERM, 0,
			    BPFSEAL_REASON_NONE);
}

#endif
