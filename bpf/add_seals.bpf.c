// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Sealing itself: fcntl(fd, BPFSEAL_F_ADD_SEALS, seals). The request arrives
 * by value in the file_fcntl hook, on the caller's own open file, so the
 * policy checks who asks and applies memfd_add_seals()'s rules. In the order
 * the code runs them:
 *   1. not a regular file                                   -> EINVAL
 *   2. seal_rules_add(), memfd's order: fd not open for writing -> EPERM;
 *      unknown bits -> EINVAL; caller neither owns the file nor has
 *      CAP_FOWNER -> EPERM (bpfseal's own: memfds are private to their
 *      holders, ordinary files are not); SEAL already set -> EPERM; EXEC on
 *      a file with an x bit also adds BPFSEAL_SEALS_IMPLIED_BY_EXEC
 *   3. new BPFSEAL_SEALS_FENCED bits while a writer no check sees holds the
 *      file -> EBUSY (bpfseal's own, memfds have none): a loop device, swap
 *      area or quota behind it (WRITE/FUTURE_WRITE), a core dump being
 *      written into it, direct I/O in flight
 *   4. WRITE newly added while a maybe-writable shared mapping exists or is
 *      being created -> EBUSY; then while pages of the file hold references
 *      beyond the page cache and its mappings (pins) -> EBUSY
 *   5. the commit: SEAL put in by a concurrent adder meanwhile -> EPERM
 * A caller asking with BPFSEAL_ADD_DETAILS gets ETXTBSY for the kernel
 * writers of 3 and EAGAIN for direct I/O and pins, to wait for short-lived
 * references as memfd_wait_for_pins() does (libbpfseal does).
 * Seals only ever grow: they are OR-ed in with compare-and-swap, and the map
 * is frozen for userspace writers, so nothing but this hook can change them.
 * On success the hook returns 0, and the caller gets EINVAL all the same
 * (the fcntl channel, include/bpfseal_abi.h).
 */
#include "audit.bpf.h"
#include "page_refs.bpf.h"
#include "records.bpf.h"

struct inode_search {
	__u64 inode;
	bool found;
};

static long match_mmap_slot(struct bpf_map *map, __u32 *idx, struct mmap_slot *slot, struct inode_search *s)
{
	if (slot->inode == s->inode) {
		s->found = true;
		return 1;
	}
	return 0;
}

static long match_dumped_inode(struct bpf_map *map, __u64 *task, __u64 *inode, struct inode_search *s)
{
	if (*inode == s->inode) {
		s->found = true;
		return 1;
	}
	return 0;
}

/* Is a process dumping core into the file (core_dumps.bpf.c)? */
static __always_inline bool core_dump_in_progress(struct inode *inode)
{
	struct bpfseal_policy_state *st = get_policy_state();
	struct inode_search s = { .inode = (__u64)inode };

	/* Nobody dumping: no walk (it visits every bucket, full or not). */
	if (st && st->core_dumps_in_progress <= 0)
		return false;
	bpf_for_each_map_elem(&core_dumps, match_dumped_inode, &s, 0);
	return s.found;
}

/*
 * Does the file back a loop device (loop clears __GFP_IO from the backing
 * mapping's allocation mask while attached: nothing else does that to a
 * regular file), an active swap area (S_SWAPFILE) or quota (quotaon marks
 * its files S_NOQUOTA until quotaoff)? Each writes it without asking
 * file_permission. A read-only loop device counts too: it cannot be told
 * apart from here.
 */
#define GFP_IO_BIT	0x40	/* ___GFP_IO, the same bit since 2.6 */
#define S_NOQUOTA	(1 << 5)
#define S_SWAPFILE	(1 << 8)

static __always_inline bool backs_loop_swap_or_quota(struct inode *inode)
{
	return !(BPF_CORE_READ(inode, i_mapping, gfp_mask) & GFP_IO_BIT) ||
	       (inode->i_flags & (S_SWAPFILE | S_NOQUOTA));
}

/* Is there, or is there about to be, a shared mapping that may be writable? */
static __always_inline bool has_writable_mappings(struct file *file, struct inode *inode)
{
	struct bpfseal_policy_state *st = get_policy_state();
	struct inode_search s = { .inode = (__u64)inode };

	if (BPF_CORE_READ(file, f_mapping, i_mmap_writable.counter) > 0)
		return true;
	if (!st || st->mmaps_untracked > 0)
		return true;
	bpf_for_each_map_elem(&mmap_slots, match_mmap_slot, &s, 0);
	return s.found;
}

/*
 * bpfseal's own EBUSY: writes that no later check will see. The kernel
 * writing the file itself (loop, swap, quota, a core dump); direct I/O
 * submitted before the seal (AIO, io_uring), whose data reaches the disk
 * after it, a wait like memfd's for pins. `adding` are the new seals among
 * WRITE, FUTURE_WRITE and GROW.
 */
static __always_inline int unchecked_writers(struct inode *inode, __u32 adding, unsigned long arg, __u32 *reason)
{
	bool details = arg & BPFSEAL_ADD_DETAILS;

	*reason = BPFSEAL_REASON_KERNEL_WRITER;
	if ((adding & BPFSEAL_SEALS_NO_REWRITE) && backs_loop_swap_or_quota(inode))
		return details ? -ETXTBSY : -EBUSY;
	if (adding && core_dump_in_progress(inode))
		return details ? -ETXTBSY : -EBUSY;
	/* Reads count too: they end as quickly. */
	*reason = BPFSEAL_REASON_DIRECT_IO;
	if (adding && inode->i_dio_count.counter > 0)
		return details ? -EAGAIN : -EBUSY;
	return 0;
}

/*
 * memfd's EBUSY for WRITE: a shared mapping that may write, or a page still
 * referenced through one that is gone. New mappings are refused already.
 */
static __always_inline int mappings_in_the_way(struct file *file, struct inode *inode, unsigned long arg,
					       __u32 *reason)
{
	*reason = BPFSEAL_REASON_MAPPINGS;
	if (has_writable_mappings(file, inode))
		return -EBUSY;
	/* No mapping can make a new pin now; are old ones still there? */
	*reason = BPFSEAL_REASON_PINS;
	if (page_cache_extra_refs(inode) != PAGE_REFS_NONE)
		return arg & BPFSEAL_ADD_DETAILS ? -EAGAIN : -EBUSY;
	return 0;
}

/*
 * A failed swap means another adder's bits went in, and seals only grow:
 * with six seal bits at most six swaps can fail, so the bound is never
 * reached (the verifier needs one).
 */
#define COMMIT_TRIES	7

static __always_inline int commit_seals(struct bpfseal_inode *v, __u32 add)
{
	for (int i = 0; i < COMMIT_TRIES; i++) {
		__u32 old = v->seals;

		if (old & BPFSEAL_SEAL_SEAL)
			return -EPERM;
		if (__sync_val_compare_and_swap(&v->seals, old, old | add) == old)
			return 0;
	}
	return -EBUSY;
}

/*
 * Where the seals will live (records.bpf.h), checked before anything is
 * made: a seal that eviction could lose is refused, and so is persistence
 * where no record can hold it. An errno, as seal_rules.h's.
 */
static __always_inline int keeping_allows(struct inode *inode, unsigned long arg, __u32 *reason)
{
	enum seal_keeping keeping = seal_keeping(inode);
	int cannot = arg & BPFSEAL_ADD_DETAILS ? EOPNOTSUPP : EINVAL;

	*reason = BPFSEAL_REASON_NO_IDENTITY;
	if (keeping == CANNOT_KEEP)
		return cannot;
	if (arg & BPFSEAL_ADD_PERSIST) {
		if (keeping != KEPT_BY_RECORD)
			return cannot;
		/* Only root persists a seal: the state file is root's (user/persist.c). */
		*reason = BPFSEAL_REASON_PERSIST_NOT_ROOT;
		if (!current_capable(CAP_FOWNER))
			return EPERM;
	}
	return 0;
}

/* How a request ended, for its audit record. */
struct add_outcome {
	__u32 reason;		/* BPFSEAL_REASON_* of a refusal */
	__u32 added;		/* bits that were not in force before */
	__u32 in_force;
};

static __always_inline int add_seals_to(struct file *file, unsigned long arg, struct add_outcome *out)
{
	struct inode *inode = file->f_inode;
	struct seal_add req = { .request = arg };
	struct bpfseal_listed_inode *listed;
	struct bpfseal_inode *v;
	__u32 *pending;
	bool fenced;
	int err;

	out->reason = BPFSEAL_REASON_NOT_REGULAR;
	if (!is_regular(inode))
		return -EINVAL;
	req.fd_writable = file->f_mode & FMODE_WRITE;
	req.caller_may_seal = caller_may_seal(inode);
	req.mode = inode->i_mode;
	v = bpf_inode_storage_get(&seals, inode, 0, 0);
	req.old = out->in_force = v ? v->seals : 0;
	err = seal_rules_add(&req);
	out->reason = req.refusal;
	if (!err)
		err = keeping_allows(inode, arg, &out->reason);
	if (err)
		return lsm_answer(err);
	/*
	 * Storage only for a request that passed; a SEAL that races in is caught
	 * by the commit. Storage an earlier policy made uncounted is counted now.
	 */
	if (!v || !(v->flags & BPFSEAL_INODE_HINTED))
		v = inode_storage_create(inode);
	out->reason = BPFSEAL_REASON_NO_MEMORY;
	if (!v)
		return -ENOMEM;
	/* Room for the record and the listing first: never a seal that could be lost. */
	out->reason = BPFSEAL_REASON_FULL;
	if (seal_keeping(inode) == KEPT_BY_RECORD) {
		err = keep_record(inode, v);
		if (err)
			return err;
	}
	listed = list_inode(inode);
	if (!listed)
		return -ENOSPC;
	note_needed_facts(req.old | req.add);

	err = unchecked_writers(inode, req.new_fenced, arg, &out->reason);
	/* New writable mappings are refused from here on (and rewrites, or every write). */
	/* Never NULL: 6.1's verifier loses a maybe-NULL pointer spilled across the commit. */
	pending = (req.add & BPFSEAL_SEAL_WRITE) ? &v->write_pending : &v->append_pending;
	fenced = !err && req.adds_write;
	if (fenced) {
		__sync_fetch_and_add(pending, 1);
		err = mappings_in_the_way(file, inode, arg, &out->reason);
	}
	if (!err) {
		out->reason = BPFSEAL_REASON_RACE;
		err = commit_seals(v, req.add);
	}
	if (fenced)
		__sync_fetch_and_sub(pending, 1);
	out->in_force = v->seals;
	if (err)
		return err;
	out->added = req.add & ~req.old;
	__sync_fetch_and_or(&listed->seals, v->seals);
	record_seals(v, arg & BPFSEAL_ADD_PERSIST);
	return 0;
}

/*
 * The request's record: seals added (none if all were in force already), or
 * the refusal with memfd's errno, as libbpfseal reports it.
 */
static __noinline void audit_seal_request(struct file *file, unsigned long arg, int err, struct add_outcome *out)
{
	struct audit_facts f = {
		.type = err ? BPFSEAL_AUDIT_SEAL_REFUSED : BPFSEAL_AUDIT_SEALED,
		.operation = BPFSEAL_OP_ADD_SEALS,
		.seals = err ? (__u32)(arg & BPFSEAL_SEAL_ALL) : out->added,
		.seals_in_force = out->in_force,
		.reason = err ? out->reason : BPFSEAL_REASON_NONE,
		.error = -err,
		.detail = arg & BPFSEAL_ADD_PERSIST,
		.inode = BPF_CORE_READ(file, f_inode),
		.dentry = BPF_CORE_READ(file, f_path.dentry),
	};

	if (err == -ETXTBSY || err == -EAGAIN)
		f.error = EBUSY;
	else if (err == -EOPNOTSUPP)
		f.error = EINVAL;
	if (err || out->added)
		audit_emit(&f);
}

/* Only an administrator of the machine speaks for the policy. */
static __always_inline void audit_policy_note(unsigned long operation)
{
	struct audit_facts f = { .type = BPFSEAL_AUDIT_POLICY, .operation = BPFSEAL_OP_OTHER };

	if (!machine_admin())
		return;
	switch (operation & 0xff) {
	case BPFSEAL_OP_LOAD:
	case BPFSEAL_OP_UNLOAD:
	case BPFSEAL_OP_LOCK:
		f.operation = operation & 0xff;
		f.detail = operation >> 8;
		audit_emit(&f);
	}
}

/*
 * Never called: two fcntl commands with one number are a duplicate case
 * value here, so the object does not build.
 */
#define FCNTL_COMMAND_CASE(cmd) case cmd:
static __attribute__((unused)) bool fcntl_commands_are_distinct(unsigned int cmd)
{
	switch (cmd) {
	BPFSEAL_FCNTL_COMMANDS(FCNTL_COMMAND_CASE)
		return true;
	}
	return false;
}

SEC("lsm/file_fcntl")
int BPF_PROG(add_seals, struct file *file, unsigned int cmd, unsigned long arg, int ret)
{
	struct inode *inode;

	if (ret)
		return ret;
	if (cmd == BPFSEAL_F_ADD_SEALS) {
		struct add_outcome out = {};
		int err = add_seals_to(file, arg, &out);

		audit_seal_request(file, arg, err, &out);
		return err;
	}
	if (cmd == BPFSEAL_F_AUDIT_NOTE) {
		audit_policy_note(arg);
		return 0;
	}
	if (cmd != BPFSEAL_F_RESTORE_SEALS)
		return 0;
	/* Adds nothing the policy did not hold: any caller may ask. */
	inode = file->f_inode;
	if (is_regular(inode) && seal_keeping(inode) == KEPT_BY_RECORD)
		restore_from_record(inode);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
