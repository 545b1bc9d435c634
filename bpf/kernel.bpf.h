/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The kernel's constants the policy reads: macros, which vmlinux.h cannot carry. */
#ifndef BPFSEAL_KERNEL_BPF_H
#define BPFSEAL_KERNEL_BPF_H

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
#define XATTR_REPLACE	0x2
#define PF_EXITING	0x00000004	/* task->flags */
#define PF_IO_WORKER	0x00000010
#define PF_DUMPCORE	0x00000200
#define PF_KTHREAD	0x00200000

#endif
