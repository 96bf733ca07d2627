// SPDX-License-Identifier: GPL-2.0-only
/*
 * What the module does to a thread's user registers that depends on the
 * architecture.
 */
#include <linux/ptrace.h>

#include "compat.h"

#ifndef CONFIG_X86_64
#error "rseqdev supports x86-64 only"
#endif

/* x86: orig_ax == -1 tells signal delivery this is not a system call. */
void rseqdev_compat_forget_syscall_restart(struct pt_regs *regs)
{
	regs->orig_ax = -1;
}
