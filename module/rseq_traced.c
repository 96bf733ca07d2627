// SPDX-License-Identifier: GPL-2.0-only
/*
 * Signals to a traced thread: the section a signal interrupts is aborted
 * where mainline aborts it, after the tracer's stop.
 *
 * Mainline aborts a section for a signal in handle_signal(), just before
 * the frame saves the user registers. A tracer stops the thread for every
 * signal before that (a breakpoint's and a single step's SIGTRAP too), and
 * that stop is a switch-out, which aborts the section on the way back to
 * user space: the tracer sees the thread where it stopped, in the section.
 *
 * The module hears of a signal only at get_signal()'s entry, before the
 * stop. Aborting there, as it does for an untraced thread, shows the
 * tracer the abort handler instead, and gdb, which moves a thread stopped
 * by a breakpoint back over the breakpoint's one-byte instruction, would
 * then resume it at abort_ip - 1.
 *
 * The resume work can also run before that stop for other events: it is
 * task_work, which get_signal() runs on entry, and a thread that traps into
 * the kernel with a reschedule due switches out (an event) before it
 * reaches get_signal().
 *
 * So for a traced thread the entry only notes where the thread stands, and
 * resume work that finds a signal pending waits: the stop that is coming
 * switches the thread out, and the switch-in queues the work again if a
 * section is armed. If no handler runs, that work aborts the section on
 * the way out, as on mainline. If one does, its frame has saved the
 * section's address by then: the work recognises the frame (it saved the
 * noted instruction and stack pointers), applies the generation's rules to
 * the registers it saved, and writes the abort handler's address into it.
 * The handler, and its sigreturn, see what they would see on mainline.
 */
#include <linux/ptrace.h>
#include <linux/sched/signal.h>
#include <linux/sched/task_stack.h>
#include <linux/uaccess.h>

#include "compat/compat.h"
#include "internal.h"

/**
 * rseqdev_traced_signal_note() - a signal may be dequeued for current, a
 *	traced thread: note where it stands instead of aborting now
 * @t:		state of current
 * @regs:	current's user registers
 *
 * Called at get_signal()'s entry, preemption off.
 *
 * Return: true if noted; false for a task whose signal frames the module
 * cannot read, which must be aborted now.
 */
bool rseqdev_traced_signal_note(struct rseqdev_thread *t, struct pt_regs *regs)
{
	unsigned long __user *ip, *sp;

	if (rseqdev_compat_signal_frame(regs, &ip, &sp))
		return false;
	t->traced_signal.ip = instruction_pointer(regs);
	t->traced_signal.sp = user_stack_pointer(regs);
	t->traced_signal.noted = true;
	return true;
}

/*
 * Was a handler's frame built for the noted registers? While the registers
 * are unchanged, no frame has been built (the signal is yet to come, or
 * went to no handler): the note stays. Any other registers end it: either
 * they start a handler whose frame holds the noted pointers, or the thread
 * has moved on (a tracer may also have moved it).
 */
static bool rseqdev_traced_frame(struct rseqdev_thread *t, struct pt_regs *regs,
				 unsigned long __user **saved_ip)
{
	unsigned long __user *saved_sp;
	unsigned long ip, sp;

	if (instruction_pointer(regs) == t->traced_signal.ip &&
	    user_stack_pointer(regs) == t->traced_signal.sp)
		return false;
	t->traced_signal.noted = false;
	if (rseqdev_compat_signal_frame(regs, saved_ip, &saved_sp))
		return false;
	if (get_user(ip, *saved_ip) || get_user(sp, saved_sp))
		return false;
	return ip == t->traced_signal.ip && sp == t->traced_signal.sp;
}

/*
 * The resume work of a traced thread about to run a signal handler: the
 * rules applied to the registers its frame saved, the result written back.
 */
static int rseqdev_resume_in_frame(struct rseqdev_thread *t,
				   unsigned long __user *saved_ip)
{
	struct pt_regs interrupted = *task_pt_regs(current);
	int ret;

	instruction_pointer_set(&interrupted, t->traced_signal.ip);
	local_irq_disable();
	t->events |= RSEQ_THREAD_EVENT_SIGNAL;
	local_irq_enable();
	ret = rseqdev_resume_rules(t, &interrupted);
	if (ret || instruction_pointer(&interrupted) == t->traced_signal.ip)
		return ret;
	return put_user(instruction_pointer(&interrupted), saved_ip) ? -EFAULT : 0;
}

/**
 * rseqdev_traced_resume() - the resume work of a traced thread, where it
 *	differs from an untraced one's
 * @t:		state of current, a traced thread
 * @regs:	current's user registers
 * @ret:	out, when done here: 0, or a negative errno for SIGSEGV
 *
 * Return: true when done here (for now: a signal is pending, and the work
 * comes again after the tracer's stop; or for the handler whose frame was
 * just built); false when the usual work applies to @regs.
 */
bool rseqdev_traced_resume(struct rseqdev_thread *t, struct pt_regs *regs,
			   int *ret)
{
	unsigned long __user *saved_ip;

	*ret = 0;
	if (signal_pending(current))
		return true;
	if (!t->traced_signal.noted || !rseqdev_traced_frame(t, regs, &saved_ip))
		return false;
	*ret = rseqdev_resume_in_frame(t, saved_ip);
	return true;
}
