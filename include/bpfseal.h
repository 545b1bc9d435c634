/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * libbpfseal: memfd-style seals for any regular file.
 *
 * Same contract as fcntl(fd, F_ADD_SEALS, seals) / fcntl(fd, F_GET_SEALS):
 * F_SEAL_* bits, -1 and errno on failure. Works on memfds too (native seals
 * are used where the kernel offers them), so porting memfd code is one line.
 *
 *   bpfseal_add_seals(fd, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE);
 *   if ((bpfseal_get_seals(fd) & wanted) == wanted) parse_in_place(...);
 *
 * Errors of bpfseal_add_seals() are memfd's: EPERM (fd not open for writing,
 * F_SEAL_SEAL already set, or the caller neither owns the file nor has
 * CAP_FOWNER), EBUSY (F_SEAL_WRITE while writable shared mappings exist,
 * or pages stay referenced outside the page cache for ~150 ms: pins; and
 * bpfseal's own: F_SEAL_WRITE, F_SEAL_FUTURE_WRITE or F_SEAL_GROW while the
 * kernel writes the file itself: see bpfseal_busy_reason()),
 * EINVAL (unknown bits, not a regular file, a filesystem where seals cannot
 * be kept: see bpfseal_refusal_reason()); bpfseal's own ENOSPC (its table
 * of sealed inodes is full); plus ENOSYS when the bpfseal policy is not
 * loaded. bpfseal_get_seals() needs no privilege.
 */
#ifndef BPFSEAL_H
#define BPFSEAL_H

#ifdef __cplusplus
extern "C" {
#endif

int bpfseal_add_seals(int fd, unsigned int seals);
int bpfseal_get_seals(int fd);
/*
 * After bpfseal_add_seals() failed with EBUSY in this thread: what holds
 * the file, in words (writable shared mappings, pages pinned for I/O, the
 * kernel writing it); NULL after any other outcome. memfd has one EBUSY.
 */
const char *bpfseal_busy_reason(void);
/*
 * After bpfseal_add_seals() failed in this thread: why, in words, where
 * the errno alone does not say: every EBUSY case above, EINVAL for a file
 * on a filesystem where a seal could not be kept once the inode leaves
 * memory, ENOSPC when the policy's table of sealed inodes is full. NULL
 * otherwise.
 */
const char *bpfseal_refusal_reason(void);

#ifdef __cplusplus
}
#endif

#endif
