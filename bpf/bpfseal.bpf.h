/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Declarations every bpfseal BPF file shares: the maps (defined once, in
 * maps.bpf.c, and linked by `bpftool gen object`), the kernel constants that
 * vmlinux.h cannot carry (they are macros), and the seal lookup.
 */
#ifndef BPFSEAL_BPF_H
#define BPFSEAL_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "bpfseal_abi.h"

#define EPERM	1
#define EAGAIN	11
#define ENOMEM	12
#define EACCES	13
#define EBUSY	16
#define EINVAL	22
#define ETXTBSY	26

#include "seal_rules.h"

/*
 * A rule's errno (seal_rules.h) as an LSM hook's answer. The verifier wants
 * the value seen to stay within [-4095, 0]; spelled as branches, clang keeps
 * them. Anything but 0 or an errno is a bug, and refuses.
 */
static __always_inline int lsm_answer(int err)
{
	if (err > 0 && err < 4096)
		return -err;
	return err ? -EPERM : 0;
}

/*
 * -EPERM if cond, else 0. Hidden from clang, or it returns -(cond): a
 * negation whose range the verifier cannot follow.
 */
static __always_inline int refuse_if(bool cond)
{
	int denied = -EPERM;

	barrier_var(denied);
	return cond ? denied : 0;
}

#define MAY_WRITE	0x2
#define FMODE_WRITE	0x2
#define O_APPEND	02000
#define S_IFMT		00170000
#define S_IFREG		0100000
#define S_IFDIR		0040000
#define S_IFBLK		0060000
#define S_IXUGO		00111
#define TMPFS_MAGIC	0x01021994
#define HUGETLBFS_MAGIC	0x958458f6
#define PROT_WRITE	0x2
#define MAP_TYPE	0x0f
#define MAP_PRIVATE	0x02
#define VM_WRITE	0x2
#define VM_SHARED	0x8
#define ATTR_MODE	(1 << 0)
#define ATTR_SIZE	(1 << 3)
#define RWF_APPEND	0x10	/* == IOCB_APPEND since 5.x */
#define CAP_FOWNER	3
#define CAP_SYS_ADMIN	21
#define XATTR_REPLACE	0x2
/* x86_64 system call numbers */
#define NR_write		1
#define NR_ioctl		16
#define NR_pwrite64		18
#define NR_writev		20
#define NR_sendfile		40
#define NR_acct			163
#define NR_io_submit		209
#define NR_splice		275
#define NR_fallocate		285
#define NR_pwritev		296
#define NR_copy_file_range	326
#define NR_pwritev2		328
#define NR_io_uring_enter	426
#define PF_EXITING	0x00000004	/* task->flags */
#define PF_IO_WORKER	0x00000010
#define PF_DUMPCORE	0x00000200
#define PF_KTHREAD	0x00200000


#include "maps.bpf.h"

/* The system call a task is in (orig_ax), or -1. A direct load: no probe-read call. */
static __always_inline __s64 task_syscall(struct task_struct *task)
{
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(task);

	return regs ? (__s64)regs->orig_ax : -1;
}

static __always_inline __s64 current_syscall(void)
{
	return task_syscall(bpf_get_current_task_btf());
}

/*
 * Does cred hold cap in the initial user namespace (level 0), the only one
 * whose capabilities reach every file and the whole machine? kernel_cap_t
 * is u32[2] before 6.3 and u64 after: the same 8 bytes.
 */
static __always_inline bool cred_capable(const struct cred *cred, int cap)
{
	__u64 caps = 0;

	bpf_core_read(&caps, sizeof(caps), &cred->cap_effective);
	return (caps & (1ULL << cap)) && BPF_CORE_READ(cred, user_ns, level) == 0;
}

static __always_inline bool current_capable(int cap)
{
	return cred_capable(bpf_get_current_task_btf()->cred, cap);
}

/* CAP_SYS_ADMIN: an administrator of the machine. */
static __always_inline bool machine_admin(void)
{
	return current_capable(CAP_SYS_ADMIN);
}

/*
 * The seals in force on an inode, from its storage. A WRITE (APPEND) being
 * added counts as WRITE (APPEND) from the moment the request starts
 * checking for mappings.
 */
static __always_inline __u32 stored_seals(struct bpfseal_inode *v)
{
	__u32 s, write_pending, append_pending;

	if (!v)
		return 0;
	/*
	 * The pending counts first: add_seals commits into seals and only
	 * then drops its count, so a reader that loads them in this order
	 * sees one or the other. (The other order can load seals just before
	 * the commit and the count just after the drop, and see neither.)
	 * x86 keeps loads in order; volatile keeps clang from swapping them.
	 */
	write_pending = *(volatile __u32 *)&v->write_pending;
	append_pending = *(volatile __u32 *)&v->append_pending;
	s = *(volatile __u32 *)&v->seals;
	if (write_pending)
		s |= BPFSEAL_SEAL_WRITE;
	if (append_pending)
		s |= BPFSEAL_SEAL_APPEND;
	return s;
}

static __always_inline __u32 *sealed_hint_slot(struct inode *inode)
{
	/* Not the address: the verifier allows no arithmetic on a trusted pointer. */
	__u32 slot = BPFSEAL_SEALED_HINT_SLOT(inode->i_sb->s_dev, inode->i_ino);

	return bpf_map_lookup_elem(&sealed_hint, &slot);
}

/* False: the inode has no seal storage, so no seal and no listing. */
static __always_inline bool maybe_sealed(struct inode *inode)
{
	__u32 *hint = sealed_hint_slot(inode);

	return !hint || *(volatile __u32 *)hint;
}

/* The inode's storage, if it may have any. */
static __always_inline struct bpfseal_inode *inode_storage(struct inode *inode)
{
	return maybe_sealed(inode) ? bpf_inode_storage_get(&seals, inode, 0, 0) : NULL;
}

static __always_inline __u32 inode_seals(struct inode *inode)
{
	return stored_seals(inode_storage(inode));
}

/*
 * An inode's storage, made if missing, and counted in sealed_hint before it
 * is returned, so before any seal bit can go in. Two CPUs creating it at
 * once: the loser gets NULL from the helper, not the winner's value; look
 * again. The count goes up before the flag says so: whoever finds the flag
 * set finds the count up too.
 */
static __always_inline struct bpfseal_inode *inode_storage_create(struct inode *inode)
{
	struct bpfseal_inode *v = bpf_inode_storage_get(&seals, inode, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	__u32 *hint;

	if (!v)
		v = bpf_inode_storage_get(&seals, inode, 0, 0);
	if (!v || (v->flags & BPFSEAL_INODE_HINTED))
		return v;
	hint = sealed_hint_slot(inode);
	if (!hint)
		return NULL;
	__sync_fetch_and_add(hint, 1);
	if (__sync_fetch_and_or(&v->flags, BPFSEAL_INODE_HINTED) & BPFSEAL_INODE_HINTED)
		__sync_fetch_and_sub(hint, 1);
	return v;
}

/*
 * Is the inode listed (about to be sealed, or sealed)? For tracing programs,
 * which cannot reach inode storage. An inode is listed before its first
 * seal bit and unlisted only when it is freed.
 */
static __always_inline struct bpfseal_listed_inode *listed_inode(struct inode *inode)
{
	__u64 key = (__u64)inode;

	if (!maybe_sealed(inode))
		return NULL;
	return bpf_map_lookup_elem(&sealed_inodes, &key);
}

/* Its committed seals, for the programs that must use the listing. */
static __always_inline __u32 listed_seals(struct inode *inode)
{
	struct bpfseal_listed_inode *l = listed_inode(inode);

	return l ? l->seals : 0;
}

/*
 * The same for an inode or struct file the policy reached through an
 * untrusted pointer (an fd table, private_data): inode storage wants a
 * trusted one, and the hint loads through it.
 */
static __always_inline __u32 listed_seals_at(__u64 inode)
{
	struct bpfseal_listed_inode *l = inode ? bpf_map_lookup_elem(&sealed_inodes, &inode) : NULL;

	return l ? l->seals : 0;
}

static __always_inline __u32 listed_file_seals(struct file *file)
{
	return file ? listed_seals_at((__u64)BPF_CORE_READ(file, f_inode)) : 0;
}

static __always_inline struct bpfseal_policy_state *get_policy_state(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&policy_state, &zero);
}

/* Who may add seals to an inode: its owner, or CAP_FOWNER over all files. */
static __always_inline bool caller_may_seal(struct inode *inode)
{
	struct task_struct *task = bpf_get_current_task_btf();
	const struct cred *cred = task->cred;

	if (BPF_CORE_READ(cred, fsuid.val) == BPF_CORE_READ(inode, i_uid.val))
		return true;
	return cred_capable(cred, CAP_FOWNER);
}

#define FENCE_XATTR_LEN sizeof(BPFSEAL_FENCE_XATTR)

static __always_inline bool is_fence_xattr(const char *name)
{
	char buf[FENCE_XATTR_LEN] = {};

	if (bpf_probe_read_kernel_str(buf, sizeof(buf), name) != sizeof(buf))
		return false;
	return __builtin_memcmp(buf, BPFSEAL_FENCE_XATTR, sizeof(buf)) == 0;
}

/* The one use of the fence name the policy allows (write_fence.bpf.c). */
static __always_inline bool fence_request_ok(struct dentry *dentry, size_t size, int flags)
{
	struct inode *inode = dentry->d_inode;

	return inode && size == 0 && flags == XATTR_REPLACE && caller_may_seal(inode);
}

#define OVERLAYFS_SUPER_MAGIC	0x794c7630

/*
 * The seals of the real (upper or lower) file behind an overlayfs file, 0
 * for any other file. overlayfs writes the real file itself for splice and
 * sendfile (->write_iter, no check on the real file) and, on 6.1, maps it
 * for mmap: a descriptor opened on the overlay before the real file was
 * sealed must obey the seal too. private_data is the real struct file up
 * to 6.12, and since 6.13 a struct ovl_file whose first two fields are the
 * real and the upper file. Both readings are tried rather than trusting a
 * version number (release candidates such as "7.3-cloud-amd64" carry none
 * libbpf can parse): the pointers come from the listing, which holds only
 * sealed inodes, so the reading that does not apply finds nothing.
 */
static __always_inline __u32 overlay_real_seals(struct file *file)
{
	struct file *real[3] = {};
	void *priv;
	__u32 seals = 0;

	if (file->f_inode->i_sb->s_magic != OVERLAYFS_SUPER_MAGIC)
		return 0;
	priv = file->private_data;
	real[0] = priv;
	bpf_probe_read_kernel(&real[1], 2 * sizeof(real[1]), priv);
	for (int i = 0; i < 3; i++)
		seals |= listed_file_seals(real[i]);
	return seals;
}

/*
 * The file behind fd in the caller's table. Racy by nature (another thread
 * may dup2 over it meanwhile): only for decisions a racing caller gains
 * nothing from, or that only the caller's own privilege could abuse.
 */
static __always_inline struct file *file_of_fd(unsigned int fd)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	struct file **fds;
	struct file *f = NULL;

	if (!fdt || fd >= BPF_CORE_READ(fdt, max_fds))
		return NULL;
	fds = BPF_CORE_READ(fdt, fd);
	bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]);
	return f;
}

static __always_inline bool is_regular(struct inode *inode)
{
	return (inode->i_mode & S_IFMT) == S_IFREG;
}

#endif
