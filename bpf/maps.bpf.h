/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The policy's maps: their types and values, and their declarations, made
 * from the one list in map_list.h (maps.bpf.c defines them from it too;
 * `bpftool gen object` links the other objects' externs to them).
 */
#ifndef BPFSEAL_MAPS_BPF_H
#define BPFSEAL_MAPS_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "bpfseal_abi.h"
#include "map_list.h"

typedef struct {
	__uint(type, BPF_MAP_TYPE_INODE_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct bpfseal_inode);
} seal_map_t;

/* What a write or fallocate is about to do, stashed for file_permission. */
enum write_kind {
	WRITE_UNKNOWN = 0,
	WRITE_RW = 1,
	WRITE_FALLOCATE = 2,
	/* check_write let these pass; write_fence.bpf.c asks again under the lock */
	WRITE_FALLOCATE_ALLOWED = 3,
	WRITE_RW_ALLOWED = 4,
};
struct write_facts {
	struct file *file;
	__u32 kind;
	__u32 pad;
	const loff_t *ppos;	/* WRITE_RW: rw_verify_area's ppos (NULL: f_pos) */
	__s64 pos;	/* WRITE_FALLOCATE: offset */
	__s64 len;	/* WRITE_RW: count; WRITE_FALLOCATE: len */
	__s32 mode;	/* WRITE_FALLOCATE */
	/*
	 * The system call the facts were taken in. Facts nobody consumed
	 * (rw_verify_area returned before asking the LSM, or another LSM
	 * refused first) must not be taken by a check in another system call.
	 */
	__s64 syscall;
};

typedef struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct write_facts);
} write_facts_map_t;

/*
 * Threads inside mmap() of a maybe-writable shared file mapping, one slot
 * each: {inode, thread}. An open-addressed array, not a hash: claiming a
 * slot is one compare-and-swap, where a hash update cost every shared mmap
 * some 600 instructions. Few threads are ever inside mmap() at once.
 */
#define MMAP_SLOTS	1024	/* power of two */
#define MMAP_PROBES	8
struct mmap_slot {
	__u64 inode;	/* 0: free */
	__u64 thread;
};
typedef struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MMAP_SLOTS);
	__type(key, __u32);
	__type(value, struct mmap_slot);
} mmap_slots_map_t;

typedef struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct bpfseal_policy_state);
} policy_state_map_t;

/*
 * Sealed inodes by address, for `sealctl list` and `status` (inode storage
 * cannot be iterated) and for the tracing programs, which cannot reach inode
 * storage either. Entries leave with the inode (inode_free_security).
 */
typedef struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, BPFSEAL_SEALED_INODES_MAX);
	__type(key, __u64);
	__type(value, struct bpfseal_listed_inode);
} sealed_inodes_map_t;

/*
 * How many inodes with seal storage hash to each slot. Every
 * hook asks on every file, and most files have none: a zero here answers
 * "no seals, not listed" in one inlined array load, where inode storage
 * costs some 60 instructions and the listing's hash some 130. A slot counts
 * up before its inode's storage can hold a seal bit and down when the inode
 * is freed (inode_storage_create(), forget_inode).
 */
typedef struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, BPFSEAL_SEALED_HINT_SLOTS);
	__type(key, __u32);
	__type(value, __u32);
} sealed_hint_map_t;

/* Durable seal records by inode identity: records.bpf.c. */
typedef struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, BPFSEAL_RECORDS_MAX);
	__type(key, struct bpfseal_identity);
	__type(value, struct bpfseal_record);
} records_map_t;

/*
 * Devices of filesystems where an inode was sealed (s_dev), for locked mode:
 * their block devices take no writer (lock.bpf.c). Entries stay: a device
 * that once held a sealed inode keeps being refused while locked.
 */
#define SEALED_DEVS_MAX 4096
typedef struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, SEALED_DEVS_MAX);
	__type(key, __u32);
	__type(value, __u8);
} sealed_devs_map_t;

/* The links of one load's programs (lock.bpf.c): not pinned, frozen once written. */
#define LOCK_LINKS_MAX	64
typedef struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, LOCK_LINKS_MAX);
	__type(key, __u32);
	__type(value, struct bpfseal_link_ids);
} lock_link_ids_map_t;

/* Core dumps in progress: dumping task (pid_tgid) -> inode of its core file. */
#define CORE_DUMPS_MAX 4096
typedef struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, CORE_DUMPS_MAX);
	__type(key, __u64);
	__type(value, __u64);
} core_dumps_map_t;

/* Only the template: each consumer's ring is its own map, of any size. */
struct audit_ring {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
};

typedef struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, BPFSEAL_AUDIT_CONSUMERS_MAX);
	__type(key, __u32);
	__array(values, struct audit_ring);
} audit_rings_map_t;

/* Records each slot's ring had no room for, since the policy was loaded. */
typedef struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, BPFSEAL_AUDIT_CONSUMERS_MAX);
	__type(key, __u32);
	__type(value, __u64);
} audit_dropped_map_t;

#define MAP_DECLARE(name, type, kind) extern type name SEC(".maps");
BPFSEAL_MAPS(MAP_DECLARE)
#undef MAP_DECLARE

#endif
