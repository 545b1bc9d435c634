// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Locked mode: until reboot, nobody, root included, removes a seal or the
 * policy. memfd seals cannot be removed by anyone; a BPF policy can be, by
 * whoever reaches its objects or the kernel's memory. Once locked
 * (`sealctl load --locked`, which attaches these programs, then asks
 * fcntl(BPFSEAL_F_LOCK_POLICY)), for every process:
 *  - the policy's pins live on two bpffs instances of its own (private and
 *    public); their files cannot be opened for writing, nor link and
 *    program pins at all (inode_permission), and no entry can be made,
 *    removed or renamed there; those mounts and the mounts above them
 *    cannot be unmounted, moved or mounted over (sb_umount, sb_mount,
 *    move_mount). The pins hold the links, so the programs stay attached;
 *  - no read-write descriptor to a map of the policy is handed out
 *    (bpf_map), none to its programs (bpf_prog), none to its links by id
 *    (bpf: BPF_LINK_GET_FD_BY_ID), and its links cannot be detached or
 *    updated. Every map is frozen for syscall writers from load on anyway;
 *  - no program that could change what a security hook answers or what the
 *    policy's programs see is loaded or attached: LSM programs (they cannot
 *    undo a refusal, the kernel stops at the first non-zero answer, but they
 *    add decisions of their own), fmod_ret programs (they may skip any
 *    security_* call with an answer of their own), freplace programs and
 *    tracing programs aimed at BPF programs. Other BPF users (tracing,
 *    networking, cgroups, iterators) keep working;
 *  - the kernel's own roads into its memory close: lockdown's integrity
 *    reasons (/dev/mem, /dev/port, kexec of an unsigned image, hibernation,
 *    MSRs, ...) are refused here whatever lockdown mode the kernel booted
 *    with, and the loader also sets the one-way switches modules_disabled
 *    and kexec_load_disabled;
 *  - a block device holding a filesystem with sealed inodes cannot be
 *    opened for writing (kernel_writers.bpf.c asks lock_refuses_block_write).
 * Whatever was attached or opened before locking stays: the service locks at
 * boot, before other software runs. What stays open (reboot, offline edits,
 * firmware): README, "Locked mode".
 */
#include "audit.bpf.h"
#include "records.bpf.h"

#define BPF_FS_MAGIC		0xcafe4a11
#define MAY_EXEC		0x1
#define MAY_READ		0x4
#define FMODE_WRITE_MASK	0x2
#define MS_MOVE			8192
#define MOUNT_WALK_MAX		16	/* mounts between a pin fs and the root */
#define USED_MAPS_MAX		64	/* maps one program may use, to look through */

static __always_inline bool is_locked(struct bpfseal_policy_state *st)
{
	return st && st->locked;
}

/*
 * One of the maps that hold the policy's state (MAP_KIND_STATE in
 * map_list.h: all but audit_rings)? Their addresses, as the verifier fixed
 * them.
 */
#define IS_STATE_MAP(name, type, kind) || (kind == MAP_KIND_STATE && map == (void *)&name)
static __always_inline bool policy_map(const void *map)
{
	return false BPFSEAL_MAPS(IS_STATE_MAP);
}
#undef IS_STATE_MAP

/*
 * audit_rings is not the policy's state: audit consumers put their own ring
 * buffers into it, so it stays open read-write once locked (README,
 * "Locked mode": root can silence the records, not lift a seal).
 */
static __always_inline bool audit_rings_map(const void *map)
{
	return map == (void *)&audit_rings;
}

/* Is this id one of this load's links (or, with of_prog, of their programs)? */
static __always_inline bool lock_link_id(__u32 id, bool of_prog)
{
	for (int i = 0; i < LOCK_LINKS_MAX; i++) {
		__u32 key = i;	/* its own slot: a counter whose address is taken loses its bounds */
		struct bpfseal_link_ids *have = bpf_map_lookup_elem(&lock_link_ids, &key);

		if (!have || !have->link)
			break;
		if ((of_prog ? have->prog : have->link) == id)
			return true;
	}
	return false;
}

/* One of this policy's programs: it uses one of its maps, which nobody else can reach. */
static __always_inline bool policy_prog(struct bpf_prog *prog)
{
	struct bpf_map **used = BPF_CORE_READ(prog, aux, used_maps);
	__u32 n = BPF_CORE_READ(prog, aux, used_map_cnt);

	for (int i = 0; i < USED_MAPS_MAX; i++) {
		struct bpf_map *map = NULL;

		if (i >= n)
			break;
		bpf_probe_read_kernel(&map, sizeof(map), &used[i]);
		if (policy_map(map))
			return true;
	}
	/* Programs that use no map (skipcap_fence) are known by id. */
	return lock_link_id(BPF_CORE_READ(prog, aux, id), true);
}

/* The struct mount around a vfsmount (fs/mount.h: real_mount()). */
static __always_inline struct mount *real_mount_of(const struct vfsmount *mnt)
{
	return (struct mount *)((void *)mnt - bpf_core_field_offset(struct mount, mnt));
}

/*
 * The pins' filesystems are told by superblock; their mounts are found
 * through it (sb->s_mounts, every mount of it in every namespace), so the
 * checks hold wherever the locker stood. A mount and its way up to the
 * root of its namespace: up to MOUNT_WALK_MAX of each.
 */
struct mount_walk {
	struct mount *target;		/* holds_pins: a mount being unmounted or moved */
	struct dentry *mountpoint;	/* covers_pins: where a new mount would go */
	bool hit;
};

/* 7.x lists a superblock's mounts through the mounts themselves. */
struct mount___sb_chain {
	struct mount *mnt_next_for_sb;
} __attribute__((preserve_access_index));

struct super_block___sb_chain {
	struct mount *s_mounts;
} __attribute__((preserve_access_index));

/* Does m, or a mount above it, match the walk's question? */
static __always_inline void walk_up(struct mount *m, struct mount_walk *w)
{
	for (int up = 0; up < MOUNT_WALK_MAX && m; up++) {
		struct mount *parent = BPF_CORE_READ(m, mnt_parent);

		if (!w->mountpoint && m == w->target)
			w->hit = true;
		/* m is mounted on mnt_mountpoint in parent: a new mount there hides it. */
		if (w->mountpoint && parent == w->target && BPF_CORE_READ(m, mnt_mountpoint) == w->mountpoint)
			w->hit = true;
		if (w->hit || parent == m)
			break;	/* found, or the root of its namespace */
		m = parent;
	}
}

/* Does some mount of sb, or a mount above one, match the walk's question? */
static __always_inline void walk_mounts_of(struct super_block *sb, struct mount_walk *w)
{
	if (bpf_core_field_exists(struct mount___sb_chain, mnt_next_for_sb)) {
		struct mount *m = BPF_CORE_READ((struct super_block___sb_chain *)sb, s_mounts);

		for (int i = 0; i < MOUNT_WALK_MAX && m && !w->hit; i++) {
			walk_up(m, w);
			m = BPF_CORE_READ((struct mount___sb_chain *)m, mnt_next_for_sb);
		}
		return;
	}
	struct list_head *head = &sb->s_mounts, *pos = BPF_CORE_READ(sb, s_mounts.next);

	for (int i = 0; i < MOUNT_WALK_MAX && pos && pos != head && !w->hit; i++) {
		walk_up((struct mount *)((void *)pos - bpf_core_field_offset(struct mount, mnt_instance)), w);
		pos = BPF_CORE_READ(pos, next);
	}
}

/* Is `m` a mount of a pin filesystem, or one they hang below (whose loss would take them)? */
static __always_inline bool holds_pins(struct bpfseal_policy_state *st, struct mount *m)
{
	struct mount_walk w = { .target = m };

	walk_mounts_of((struct super_block *)st->lock_private_sb, &w);
	walk_mounts_of((struct super_block *)st->lock_public_sb, &w);
	return w.hit;
}

/* Would a mount on this path go inside a pin filesystem, or over one or a mount above one? */
static __always_inline bool covers_pins(struct bpfseal_policy_state *st, const struct path *path)
{
	struct dentry *mountpoint = BPF_CORE_READ(path, dentry);
	struct mount_walk w = { .target = real_mount_of(BPF_CORE_READ(path, mnt)),
				.mountpoint = mountpoint };
	/* From the local: CO-RE must not try to relocate our own struct's fields. */
	__u64 sb = (__u64)BPF_CORE_READ(mountpoint, d_sb);

	if (sb == st->lock_private_sb || sb == st->lock_public_sb)
		return true;
	walk_mounts_of((struct super_block *)st->lock_private_sb, &w);
	walk_mounts_of((struct super_block *)st->lock_public_sb, &w);
	return w.hit;
}

/* A bpffs directory that is the root of its mount: where pins of the policy live. */
static __always_inline bool pin_fs_root(struct file *file)
{
	struct dentry *dentry = BPF_CORE_READ(file, f_path.dentry);

	return file && BPF_CORE_READ(dentry, d_sb, s_magic) == BPF_FS_MAGIC &&
	       dentry == BPF_CORE_READ(file, f_path.mnt, mnt_root);
}

/* The lock request: the two pin mounts, recorded once, then the lock, never undone. */
SEC("lsm/file_fcntl")
int BPF_PROG(lock_policy, struct file *file, unsigned int cmd, unsigned long arg, int ret)
{
	struct bpfseal_policy_state *st = get_policy_state();
	struct file *public;
	__u64 v;

	if (ret)
		return ret;
	if (cmd != BPFSEAL_F_LOCK_POLICY)
		return 0;
	if (!machine_admin())
		return -EPERM;
	public = file_of_fd((unsigned int)arg);
	if (!st || !pin_fs_root(file) || !pin_fs_root(public))
		return -EINVAL;
	v = (__u64)BPF_CORE_READ(file, f_inode, i_sb);
	__sync_val_compare_and_swap(&st->lock_private_sb, 0, v);
	v = (__u64)BPF_CORE_READ(public, f_inode, i_sb);
	__sync_val_compare_and_swap(&st->lock_public_sb, 0, v);
	__sync_fetch_and_or(&st->locked, 1);
	return 0;
}

/*
 * Pins: only map pins, only for reading (sealctl status, unprivileged
 * verification through the public pin), audit_rings aside. Directories
 * there take no new, removed or renamed entry.
 */
SEC("lsm/inode_permission")
int BPF_PROG(lock_pins, struct inode *inode, int mask, int ret)
{
	struct bpfseal_policy_state *st;
	struct super_block *sb;

	if (ret)
		return ret;
	if (!(mask & (MAY_READ | MAY_WRITE)))
		return 0;
	st = get_policy_state();
	if (!is_locked(st))
		return 0;
	sb = inode->i_sb;
	if ((__u64)sb != st->lock_private_sb && (__u64)sb != st->lock_public_sb)
		return 0;
	if ((inode->i_mode & S_IFMT) == S_IFDIR)
		return refuse_if(mask & MAY_WRITE);
	if (audit_rings_map(inode->i_private))
		return 0;
	if (mask & MAY_WRITE)
		return -EPERM;
	return refuse_if(!policy_map(inode->i_private));
}

SEC("lsm/sb_umount")
int BPF_PROG(lock_umount, struct vfsmount *mnt, int flags, int ret)
{
	struct bpfseal_policy_state *st;

	if (ret)
		return ret;
	st = get_policy_state();
	if (!is_locked(st))
		return 0;
	return refuse_if(holds_pins(st, real_mount_of(mnt)));
}

/*
 * The legacy mount(2) names a moved mount by a string the hook cannot
 * resolve safely: once locked, MS_MOVE is refused (move_mount(2), below,
 * shows both paths).
 */
SEC("lsm/sb_mount")
int BPF_PROG(lock_mount, const char *dev_name, const struct path *path, const char *type, unsigned long flags,
	     void *data, int ret)
{
	struct bpfseal_policy_state *st;

	if (ret)
		return ret;
	st = get_policy_state();
	if (!is_locked(st))
		return 0;
	if (flags & MS_MOVE)
		return -EPERM;
	return refuse_if(covers_pins(st, path));
}

SEC("lsm/move_mount")
int BPF_PROG(lock_move_mount, const struct path *from_path, const struct path *to_path, int ret)
{
	struct bpfseal_policy_state *st;

	if (ret)
		return ret;
	st = get_policy_state();
	if (!is_locked(st))
		return 0;
	if (holds_pins(st, real_mount_of(BPF_CORE_READ(from_path, mnt))) || covers_pins(st, to_path))
		return -EPERM;
	return 0;
}

SEC("lsm/bpf_map")
int BPF_PROG(lock_maps, struct bpf_map *map, fmode_t fmode, int ret)
{
	if (ret)
		return ret;
	if (!is_locked(get_policy_state()) || !policy_map(map))
		return 0;
	return refuse_if(fmode & FMODE_WRITE_MASK);
}

SEC("lsm/bpf_prog")
int BPF_PROG(lock_progs, struct bpf_prog *prog, int ret)
{
	if (ret)
		return ret;
	if (!is_locked(get_policy_state()))
		return 0;
	return refuse_if(policy_prog(prog));
}

/* A program that could change a verdict: an LSM one, fmod_ret, freplace, or one aimed at a BPF program. */
static __always_inline bool verdict_changer(__u32 type, __u32 attach_type, __u32 attach_prog_fd)
{
	if (type == BPF_PROG_TYPE_LSM || type == BPF_PROG_TYPE_EXT)
		return true;
	return type == BPF_PROG_TYPE_TRACING && (attach_type == BPF_MODIFY_RETURN || attach_prog_fd);
}

/* The program behind a descriptor of the caller, if it is one. */
static __always_inline struct bpf_prog *prog_of_fd(unsigned int fd)
{
	struct file *file = file_of_fd(fd);

	return file ? BPF_CORE_READ(file, private_data) : NULL;
}

/* Is the link behind this descriptor one of the policy's? */
static __always_inline bool policy_link_fd(unsigned int fd)
{
	struct file *file = file_of_fd(fd);
	struct bpf_link *link = file ? BPF_CORE_READ(file, private_data) : NULL;

	return link && lock_link_id(BPF_CORE_READ(link, id), false);
}

static __always_inline int judge_bpf_cmd(int cmd, union bpf_attr *attr)
{
	struct bpf_prog *prog;

	switch (cmd) {
	case BPF_LINK_GET_FD_BY_ID:
		return refuse_if(lock_link_id(BPF_CORE_READ(attr, link_id), false));
	case BPF_LINK_DETACH:
		return refuse_if(policy_link_fd(BPF_CORE_READ(attr, link_detach.link_fd)));
	case BPF_LINK_UPDATE:
		return refuse_if(policy_link_fd(BPF_CORE_READ(attr, link_update.link_fd)));
	case BPF_PROG_LOAD:
		return refuse_if(verdict_changer(BPF_CORE_READ(attr, prog_type), BPF_CORE_READ(attr, expected_attach_type),
				       BPF_CORE_READ(attr, attach_prog_fd)));
	case BPF_LINK_CREATE:
		prog = prog_of_fd(BPF_CORE_READ(attr, link_create.prog_fd));
		break;
	case BPF_RAW_TRACEPOINT_OPEN:
		prog = prog_of_fd(BPF_CORE_READ(attr, raw_tracepoint.prog_fd));
		break;
	default:
		return 0;
	}
	/* A program loaded before the lock and attached after it. */
	if (!prog)
		return 0;
	return refuse_if(verdict_changer(BPF_CORE_READ(prog, type), BPF_CORE_READ(prog, expected_attach_type),
			       BPF_CORE_READ(prog, aux, dst_prog) != NULL));
}

SEC("lsm/bpf")
int BPF_PROG(lock_bpf, int cmd, union bpf_attr *attr, unsigned int size, int ret)
{
	if (ret)
		return ret;
	if (!is_locked(get_policy_state()))
		return 0;
	return judge_bpf_cmd(cmd, attr);
}

/* 6.15+: bpf(cmd, attr, size, kernel). */
SEC("lsm/bpf")
int BPF_PROG(lock_bpf_kernel_arg, int cmd, union bpf_attr *attr, unsigned int size, bool kernel, int ret)
{
	if (ret)
		return ret;
	if (kernel || !is_locked(get_policy_state()))
		return 0;
	return judge_bpf_cmd(cmd, attr);
}

SEC("lsm/locked_down")
int BPF_PROG(lock_kernel, enum lockdown_reason what, int ret)
{
	if (ret)
		return ret;
	if (!is_locked(get_policy_state()))
		return 0;
	return refuse_if(what <= bpf_core_enum_value(enum lockdown_reason, LOCKDOWN_INTEGRITY_MAX));
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
