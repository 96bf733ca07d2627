// SPDX-License-Identifier: GPL-2.0-only
/*
 * x86-64: everything of the layer that depends on the architecture (see
 * layer.h for the list). Kbuild builds the arch_$(SRCARCH).c of the
 * kernel's architecture; another architecture is another such file.
 */
#include <linux/entry-common.h>
#include <linux/errno.h>
#include <linux/ptrace.h>
#include <linux/string.h>

#include <asm/cpufeature.h>
#include <asm/sigframe.h>

#include "compat.h"
#include "layer.h"

#ifndef CONFIG_X86_64
#error "rseqdev supports 64-bit x86 kernels only"
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

/*
 * x86-64: a handler starts with the stack pointer at the struct
 * rt_sigframe that x64_setup_rt_frame() built, whose ucontext holds the
 * interrupted registers. The frames of 32-bit tasks differ: not handled.
 */
int rseqdev_compat_signal_frame(struct pt_regs *regs, unsigned long __user **ip,
				unsigned long __user **sp)
{
	struct rt_sigframe __user *frame;

	if (!user_64bit_mode(regs))
		return -EOPNOTSUPP;
	frame = (struct rt_sigframe __user *)user_stack_pointer(regs);
	*ip = (unsigned long __user *)&frame->uc.uc_mcontext.ip;
	*sp = (unsigned long __user *)&frame->uc.uc_mcontext.sp;
	return 0;
}

/*
 * Indirect branch tracking: a kernel built with it and running on a CPU
 * that enforces it faults on an indirect call to a function whose ENDBR
 * the kernel sealed, as it does for functions whose address no kernel
 * code takes.
 */
bool rseqdev_compat_indirect_calls_checked(void)
{
	return cpu_feature_enabled(X86_FEATURE_IBT);
}

/*
 * The generic entry code's exit loop: 6.1 inlines it into
 * exit_to_user_mode_prepare(), 6.12 into irqentry_exit_to_user_mode();
 * exit_to_user_mode_loop() is the loop itself where a kernel keeps it out
 * of line.
 */
bool rseqdev_compat_is_exit_loop_home(const char *name)
{
	return !strcmp(name, "exit_to_user_mode_prepare") ||
	       !strcmp(name, "irqentry_exit_to_user_mode") ||
	       !strcmp(name, "exit_to_user_mode_loop");
}

unsigned long rseqdev_compat_exit_work_pending(void)
{
	return read_thread_flags() & EXIT_TO_USER_MODE_WORK;
}
