// SPDX-License-Identifier: GPL-2.0-only
/*
 * What the module does to a thread's user registers that depends on the
 * architecture.
 */
#include <linux/ptrace.h>

#include "compat.h"
#include "layer.h"

#ifndef CONFIG_X86_64
#error "rseqdev supports x86-64 only"
#endif

/* x86: orig_ax == -1 tells signal delivery this is not a system call. */
void rseqdev_compat_forget_syscall_restart(struct pt_regs *regs)
{
	regs->orig_ax = -1;
}

/*
 * x86-64: the system call entry stores the call's number in orig_ax; every
 * other entry from user mode stores -1 there (the exception entries move
 * their error code out of it, the interrupt entries their vector).
 * rt_sigreturn restores a frame with -1, as the abort above does.
 */
bool rseqdev_compat_entered_by_interrupt(struct pt_regs *regs)
{
	return regs->orig_ax == -1;
}

/*
 * x86-64: at a function's first instruction, the return address its
 * caller pushed is on top of the stack.
 */
unsigned long rseqdev_compat_entry_return_address(struct pt_regs *regs)
{
	return *(unsigned long *)kernel_stack_pointer(regs);
}
