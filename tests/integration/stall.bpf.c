// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Test-only: hold one chosen thread between its write permission check
 * (security_file_permission) and the filesystem, the window in which a
 * seal can go in after the check has passed. fence_test.c uses it to make
 * that race happen every time instead of now and then.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#define MAY_WRITE 0x2

__u32 stall_tid;	/* the thread to hold (0: nobody) */
volatile __u32 hold;	/* cleared by the test to let it go */
volatile __u32 held;	/* set once the thread is being held */
volatile __u32 gave_up;	/* the loop ran out before the test let go */

static long wait_for_release(__u32 i, void *ctx)
{
	return hold ? 0 : 1;
}

SEC("fexit/security_file_permission")
int BPF_PROG(stall_after_check, struct file *file, int mask, int ret)
{
	if (ret || !(mask & MAY_WRITE) || !stall_tid || (__u32)bpf_get_current_pid_tgid() != stall_tid)
		return 0;
	held = 1;
	/* bpf_loop's limit is 2^23 rounds: some 0.1 s even under TCG. */
	for (int i = 0; i < 16 && hold; i++)
		bpf_loop(1 << 23, wait_for_release, NULL, 0);
	if (hold)
		gave_up = 1;
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
