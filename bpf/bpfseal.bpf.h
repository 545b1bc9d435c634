/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What every bpfseal BPF file includes, by concern (each header says its
 * own): the maps, defined once in maps.bpf.c and linked by `bpftool gen
 * object`, and the helpers the programs share.
 */
#ifndef BPFSEAL_BPF_H
#define BPFSEAL_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "bpfseal_abi.h"

#include "answers.bpf.h"	/* errnos, and a hook's answer */
#include "seal_rules.h"		/* what each seal allows (needs the errnos) */
#include "kernel.bpf.h"		/* the kernel's macros */
#include "maps.bpf.h"		/* the maps (map_list.h) */
#include "syscalls.bpf.h"	/* the current system call */
#include "creds.bpf.h"		/* capabilities, who may seal */
#include "seal_lookup.bpf.h"	/* an inode's seals, the hint, the listing */
#include "fence.bpf.h"		/* the fence xattr */
#include "overlay.bpf.h"	/* overlayfs' real file */
#include "fd_table.bpf.h"	/* the caller's descriptors */

#endif
