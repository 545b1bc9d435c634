// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* How an audit record's numbers read: its type, operation, reason, system call and detail. */
#include <stdio.h>

#include "audit.h"
#include "textbuf.h"

static const char *const type_names[] = {
	[BPFSEAL_AUDIT_DENIED] = "denied",
	[BPFSEAL_AUDIT_SEALED] = "sealed",
	[BPFSEAL_AUDIT_SEAL_REFUSED] = "seal_refused",
	[BPFSEAL_AUDIT_POLICY] = "policy",
};

static const char *const operation_names[BPFSEAL_OP_COUNT] = {
	[BPFSEAL_OP_OTHER] = "other",
	[BPFSEAL_OP_WRITE] = "write",
	[BPFSEAL_OP_PWRITE] = "pwrite",
	[BPFSEAL_OP_WRITEV] = "writev",
	[BPFSEAL_OP_PWRITEV] = "pwritev",
	[BPFSEAL_OP_PWRITEV2] = "pwritev2",
	[BPFSEAL_OP_AIO] = "aio",
	[BPFSEAL_OP_IO_URING] = "io_uring",
	[BPFSEAL_OP_SPLICE] = "splice",
	[BPFSEAL_OP_SENDFILE] = "sendfile",
	[BPFSEAL_OP_COPY_FILE_RANGE] = "copy_file_range",
	[BPFSEAL_OP_REFLINK] = "reflink",
	[BPFSEAL_OP_FALLOCATE] = "fallocate",
	[BPFSEAL_OP_TRUNCATE] = "truncate",
	[BPFSEAL_OP_FTRUNCATE] = "ftruncate",
	[BPFSEAL_OP_OPEN_TRUNC] = "open_trunc",
	[BPFSEAL_OP_MMAP] = "mmap",
	[BPFSEAL_OP_MPROTECT] = "mprotect",
	[BPFSEAL_OP_CHMOD] = "chmod",
	[BPFSEAL_OP_ACL] = "acl",
	[BPFSEAL_OP_IOCTL] = "ioctl",
	[BPFSEAL_OP_KERNEL_WRITER_OPEN] = "kernel_writer_open",
	[BPFSEAL_OP_QUOTA_ON] = "quotaon",
	[BPFSEAL_OP_UNLINK] = "unlink",
	[BPFSEAL_OP_RENAME] = "rename",
	[BPFSEAL_OP_LINK] = "link",
	[BPFSEAL_OP_ADD_SEALS] = "add_seals",
	[BPFSEAL_OP_FENCE_XATTR] = "fence_xattr",
	[BPFSEAL_OP_WRITE_IN_FLIGHT] = "write_in_flight",
	[BPFSEAL_OP_KERNEL_WRITE] = "kernel_write",
	[BPFSEAL_OP_LOAD] = "load",
	[BPFSEAL_OP_UNLOAD] = "unload",
	[BPFSEAL_OP_LOCK] = "lock",
};

static const char *const reason_names[BPFSEAL_REASON_COUNT] = {
	[BPFSEAL_REASON_NO_FACTS] = "no_position",
	[BPFSEAL_REASON_OVERLAY] = "overlay_real_file_sealed",
	[BPFSEAL_REASON_SEALS_UNKNOWN] = "seals_unknown",
	[BPFSEAL_REASON_WRITER_KERNEL_THREAD] = "kernel_thread",
	[BPFSEAL_REASON_WRITER_BACKING_FILE] = "backing_file",
	[BPFSEAL_REASON_WRITER_IN_CALL] = "in_call",
	[BPFSEAL_REASON_WRITER_ACCT] = "acct",
	[BPFSEAL_REASON_WRITER_CORE_DUMP] = "core_dump",
	[BPFSEAL_REASON_LOOP] = "loop_device",
	[BPFSEAL_REASON_MD_BITMAP] = "md_bitmap",
	[BPFSEAL_REASON_EXTENT_SWAP] = "extent_swap",
	[BPFSEAL_REASON_F2FS] = "f2fs",
	[BPFSEAL_REASON_FS_UUID] = "fs_uuid_change",
	[BPFSEAL_REASON_NOT_REGULAR] = "not_regular",
	[BPFSEAL_REASON_NOT_WRITABLE] = "not_open_for_writing",
	[BPFSEAL_REASON_UNKNOWN_BITS] = "unknown_seal",
	[BPFSEAL_REASON_NOT_OWNER] = "not_owner",
	[BPFSEAL_REASON_SEALED] = "sealed",
	[BPFSEAL_REASON_NO_IDENTITY] = "no_identity",
	[BPFSEAL_REASON_PERSIST_NOT_ROOT] = "persist_needs_root",
	[BPFSEAL_REASON_FULL] = "full",
	[BPFSEAL_REASON_NO_MEMORY] = "no_memory",
	[BPFSEAL_REASON_KERNEL_WRITER] = "kernel_writer",
	[BPFSEAL_REASON_DIRECT_IO] = "direct_io",
	[BPFSEAL_REASON_MAPPINGS] = "mappings",
	[BPFSEAL_REASON_PINS] = "pins",
	[BPFSEAL_REASON_RACE] = "sealed_meanwhile",
};

const char *audit_type_name(unsigned int type)
{
	return type < sizeof(type_names) / sizeof(type_names[0]) && type_names[type] ? type_names[type] : "unknown";
}

const char *audit_operation_name(unsigned int operation)
{
	return operation < BPFSEAL_OP_COUNT && operation_names[operation] ? operation_names[operation] : "unknown";
}

const char *audit_reason_name(unsigned int reason)
{
	return reason < BPFSEAL_REASON_COUNT && reason_names[reason] ? reason_names[reason] : "";
}

static const struct {
	int nr;
	const char *name;
} syscalls[] = {
	{ 1, "write" }, { 2, "open" }, { 16, "ioctl" }, { 18, "pwrite64" }, { 20, "writev" },
	{ 40, "sendfile" }, { 72, "fcntl" }, { 76, "truncate" }, { 77, "ftruncate" }, { 82, "rename" },
	{ 85, "creat" }, { 86, "link" }, { 87, "unlink" }, { 90, "chmod" }, { 91, "fchmod" },
	{ 163, "acct" }, { 167, "swapon" }, { 179, "quotactl" }, { 188, "setxattr" }, { 189, "lsetxattr" },
	{ 190, "fsetxattr" }, { 209, "io_submit" }, { 257, "openat" }, { 263, "unlinkat" },
	{ 264, "renameat" }, { 265, "linkat" }, { 268, "fchmodat" }, { 275, "splice" },
	{ 285, "fallocate" }, { 296, "pwritev" }, { 304, "open_by_handle_at" }, { 316, "renameat2" },
	{ 326, "copy_file_range" }, { 328, "pwritev2" }, { 426, "io_uring_enter" }, { 437, "openat2" },
	{ 452, "fchmodat2" }, { 9, "mmap" }, { 10, "mprotect" }, { 443, "quotactl_fd" },
};

char *audit_syscall_name(int nr, char *buf, size_t len)
{
	for (size_t i = 0; i < sizeof(syscalls) / sizeof(syscalls[0]); i++) {
		if (syscalls[i].nr == nr) {
			snprintf(buf, len, "%s", syscalls[i].name);
			return buf;
		}
	}
	if (nr < 0)
		snprintf(buf, len, "none");
	else
		snprintf(buf, len, "%d", nr);
	return buf;
}

/* Flag names, "a|b|0x40" for what is left; cut where buf ends. */
static void flag_names(char *buf, size_t len, unsigned long long v, const unsigned long long *bits,
		       const char *const *names, size_t n, const char *none)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		if (!(v & bits[i]))
			continue;
		if (!appendf(buf, len, &used, "%s%s", used ? "|" : "", names[i]))
			return;
		v &= ~bits[i];
	}
	if (v && !appendf(buf, len, &used, "%s%#llx", used ? "|" : "", v))
		return;
	if (!used)
		snprintf(buf, len, "%s", none);
}

static const char *ioctl_name(unsigned int cmd)
{
	static const struct {
		unsigned int cmd;
		const char *name;
	} known[] = {
		{ 0x4C00, "LOOP_SET_FD" }, { 0x4C06, "LOOP_CHANGE_FD" }, { 0x4C0A, "LOOP_CONFIGURE" },
		{ 0x092b, "SET_BITMAP_FILE" }, { 0x662c, "EXT4_IOC_SETFSUUID" },
		{ 0x9409, "FICLONE" }, { 0x940d, "FICLONERANGE" }, { 0x9436, "FIDEDUPERANGE" },
		{ 0x660f, "EXT4_IOC_MOVE_EXT" }, { 0x586d, "XFS_IOC_SWAPEXT" },
		{ 0xf509, "F2FS_IOC_MOVE_RANGE" }, { 0xf514, "F2FS_IOC_SEC_TRIM_FILE" },
		{ 0xf519, "F2FS_IOC_START_ATOMIC_REPLACE" },
	};

	/* By type and number, as the policy matches them: the size part varies. */
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (known[i].cmd == (cmd & 0xffff))
			return known[i].name;
	return NULL;
}

char *audit_detail(const struct bpfseal_audit_record *rec, char *buf, size_t len)
{
	static const unsigned long long falloc_bits[] = { 0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80 };
	static const char *const falloc_names[] = { "keep_size", "punch_hole", "no_hide_stale", "collapse_range",
						    "zero_range", "insert_range", "unshare_range", "write_zeroes" };
	static const unsigned long long prot_bits[] = { 1, 2, 4 };
	static const char *const prot_names[] = { "read", "write", "exec" };
	char names[128];
	const char *n;

	buf[0] = '\0';
	switch (rec->operation) {
	case BPFSEAL_OP_FALLOCATE:
		flag_names(names, sizeof(names), rec->detail, falloc_bits, falloc_names, 8, "0");
		snprintf(buf, len, "mode=%s", names);
		break;
	case BPFSEAL_OP_MMAP:
	case BPFSEAL_OP_MPROTECT:
		flag_names(names, sizeof(names), rec->detail & 0xffffffff, prot_bits, prot_names, 3, "none");
		snprintf(buf, len, "prot=%s", names);
		break;
	case BPFSEAL_OP_TRUNCATE:
	case BPFSEAL_OP_FTRUNCATE:
	case BPFSEAL_OP_OPEN_TRUNC:
		snprintf(buf, len, "size=%lld", (long long)rec->detail);
		break;
	case BPFSEAL_OP_CHMOD:
		snprintf(buf, len, "mode=%04llo", rec->detail & 07777);
		break;
	case BPFSEAL_OP_IOCTL:
	case BPFSEAL_OP_REFLINK:
		n = ioctl_name((unsigned int)rec->detail);
		if (n)
			snprintf(buf, len, "ioctl=%s", n);
		else if (rec->detail)
			snprintf(buf, len, "ioctl=%#llx", rec->detail);
		break;
	case BPFSEAL_OP_ADD_SEALS:
		if (rec->detail & BPFSEAL_ADD_PERSIST)
			snprintf(buf, len, "persist");
		break;
	case BPFSEAL_OP_LOAD:
		snprintf(buf, len, "%s", rec->detail ? "fresh" : "reload");
		break;
	}
	return buf;
}
