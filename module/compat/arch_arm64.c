// SPDX-License-Identifier: GPL-2.0-only
/*
 * arm64: everything of the layer that depends on the architecture (see
 * layer.h for the list), for 64-bit tasks. The rules are those of the
 * kernel's arch/arm64/kernel/{entry-common,signal}.c of 6.1 and 6.12,
 * which do not use the generic entry code.
 */
#include <linux/errno.h>
#include <linux/ptrace.h>
#include <linux/signal.h>
#include <linux/string.h>
#include <linux/thread_info.h>

#include <asm/ucontext.h>

#include "compat.h"
#include "layer.h"

/*
 * arm64: syscallno holds the call's number from the system call entry on;
 * every other entry from user mode stores NO_SYSCALL there, and so does
 * do_signal() before it looks for a signal, once it has decided about the
 * call's restart. rt_sigreturn stores NO_SYSCALL too.
 */
void rseqdev_compat_forget_syscall_restart(struct pt_regs *regs)
{
	forget_syscall(regs);
}

bool rseqdev_compat_entered_by_interrupt(struct pt_regs *regs)
{
	return !in_syscall(regs);
}

/* arm64: at a function's first instruction, the link register holds it. */
unsigned long rseqdev_compat_entry_return_address(struct pt_regs *regs)
{
	return regs->regs[30];
}

/*
 * The frame setup_rt_frame() builds, whose layout signal.c keeps to
 * itself: the handler starts with its stack pointer at the siginfo, and
 * the ucontext, with the interrupted registers, follows.
 */
struct rseqdev_arm64_rt_sigframe {
	struct siginfo info;
	struct ucontext uc;
};

/* 32-bit (compat) tasks' frames differ: not handled. */
int rseqdev_compat_signal_frame(struct pt_regs *regs, unsigned long __user **ip,
				unsigned long __user **sp)
{
	struct rseqdev_arm64_rt_sigframe __user *frame;

	if (compat_user_mode(regs))
		return -EOPNOTSUPP;
	frame = (struct rseqdev_arm64_rt_sigframe __user *)user_stack_pointer(regs);
	*ip = (unsigned long __user *)&frame->uc.uc_mcontext.pc;
	*sp = (unsigned long __user *)&frame->uc.uc_mcontext.sp;
	return 0;
}

/*
 * Branch target identification only asks an indirect branch to land on a
 * landing pad, which every kernel function that is not static has; the
 * kernel's own control-flow integrity checks (clang's kCFI) also check
 * the callee's type, and a function whose address no code takes may have
 * no type to check against.
 */
bool rseqdev_compat_indirect_calls_checked(void)
{
	return IS_ENABLED(CONFIG_CFI_CLANG);
}

/*
 * do_notify_resume() is the loop: it calls schedule() while a reschedule
 * is pending, and handles the rest of the work flags otherwise.
 */
bool rseqdev_compat_is_exit_loop_home(const char *name)
{
	return !strcmp(name, "do_notify_resume");
}

unsigned long rseqdev_compat_exit_work_pending(void)
{
	return read_thread_flags() & _TIF_WORK_MASK;
}
