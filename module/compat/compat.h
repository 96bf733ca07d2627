/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The compatibility layer: every difference between kernel versions and
 * flavours, every architecture detail, every use of a kernel internal, and
 * every facility a kernel may lack sits behind the plain helpers declared
 * here. The rest of the module includes no version header and tests no
 * kernel version or configuration.
 *
 * The layer is a leaf: it includes nothing of the core and calls nothing
 * of it by name. What it must deliver to the core (the events it hooks)
 * goes through the table of callbacks the core hands it at install time.
 *
 * Files, one concern each:
 *   events.c	 kprobe and tracepoints: signal delivery, fork, exec, exit
 *   notifiers.c preempt notifiers: context switches
 *   access.c	 the kernel's ptrace read check, for inspecting a process
 *   arch_*.c	 one per architecture: user registers (system call restart,
 *		 how the kernel was entered, signal frames), the exit loop
 *   resched.c	 deferring the reschedule on the way to user space
 *   facility.c	 the load-time report of a missing facility
 *   native.c	 the kernel's own rseq: aborting a natively registered section
 *   uaccess.h	 user-access regions that check the address once (inline)
 */
#ifndef RSEQDEV_COMPAT_H
#define RSEQDEV_COMPAT_H

#include <linux/hrtimer.h>
#include <linux/types.h>

struct preempt_notifier;
struct preempt_ops;
struct pt_regs;
struct task_struct;

/**
 * struct rseqdev_compat_events - what the core wants to hear about
 * @signal_delivery:	current is about to dequeue a signal (get_signal()),
 *			preemption off; its pending task_work runs right after
 * @fork:		@child, a new task that has not run yet, was forked by
 *			@parent (current); preemption off
 * @exec:		current replaced its program; preemption off
 * @exit:		current is exiting and has left its mm; preemption off
 * @syscall_exit:	current is leaving a system call (only while watched,
 *			see rseqdev_compat_syscall_exit_watch())
 * @syscall_entry:	current enters system call @nr, whose second argument
 *			is @arg1; preemption off (only while watched, see
 *			rseqdev_compat_syscall_entry_watch())
 * @schedule_call:	current calls schedule(); interrupts on, preemption
 *			off; @call_regs identify the call for
 *			rseqdev_compat_schedule_call_exits_to_user(). Return
 *			true to skip the call, only for a call that helper
 *			says is the exit loop's (only while hooked, see
 *			rseqdev_compat_schedule_hook())
 * @facility_hidden:	test-only, may be NULL: true to treat the facility
 *			named @name as missing
 *
 * Every callback but @facility_hidden may run on any CPU, concurrently.
 */
struct rseqdev_compat_events {
	void (*signal_delivery)(void);
	void (*fork)(struct task_struct *parent, struct task_struct *child);
	void (*exec)(void);
	void (*exit)(void);
	void (*syscall_exit)(void);
	void (*syscall_entry)(long nr, unsigned long arg1);
	bool (*schedule_call)(struct pt_regs *call_regs);
	bool (*facility_hidden)(const char *name);
};

/**
 * rseqdev_compat_syscall_exit_watch() - start or stop calling @syscall_exit
 * @on: whether to
 *
 * Through the raw_syscalls sys_exit tracepoint, which makes every system
 * call of every task take the kernel's slow exit path while it is
 * attached: a debugging aid only. Process context; the caller serializes
 * calls, and stops the watch before rseqdev_compat_hooks_remove().
 *
 * Return: 0, or -EOPNOTSUPP when the kernel has no such tracepoint.
 */
int rseqdev_compat_syscall_exit_watch(bool on);

/**
 * rseqdev_compat_syscall_entry_watch() - start or stop calling @syscall_entry
 * @on: whether to
 *
 * Through the raw_syscalls sys_enter tracepoint, with the cost to every
 * task that rseqdev_compat_syscall_exit_watch() has. Process context; the
 * caller serializes calls, and stops the watch before
 * rseqdev_compat_hooks_remove().
 *
 * Return: 0, or -EOPNOTSUPP when the kernel has no such tracepoint.
 */
int rseqdev_compat_syscall_entry_watch(bool on);

/**
 * rseqdev_compat_can_defer_resched() - can @schedule_call skip the exit
 *	loop's reschedule on this kernel?
 *
 * Known from rseqdev_compat_hooks_install() on: the kprobe on schedule()
 * could be placed, and the sys_enter tracepoint exists.
 */
bool rseqdev_compat_can_defer_resched(void);

/**
 * rseqdev_compat_schedule_hook() - start or stop calling @schedule_call
 * @on: whether to
 *
 * A kprobe on schedule(): every call of every task pays for it while it is
 * on. Process context; the caller serializes calls, and stops the hook
 * before rseqdev_compat_hooks_remove().
 *
 * Return: 0 or the kprobe's error.
 */
int rseqdev_compat_schedule_hook(bool on);

/**
 * rseqdev_compat_schedule_call_exits_to_user() - is a schedule() call the
 *	one mainline's exit_to_user_mode_loop() makes for a reschedule
 *	request, after current entered the kernel from user mode by an
 *	interrupt or exception?
 * @call_regs: what @schedule_call received
 *
 * Wrong in the rare cases rseqdev_compat_entered_by_interrupt() is.
 */
bool rseqdev_compat_schedule_call_exits_to_user(struct pt_regs *call_regs);

/**
 * rseqdev_compat_resched_deferrable() - may current's pending reschedule
 *	request wait, as far as the kernel's flags go?
 *
 * Return: true when a request is pending, is of a kind a time-slice
 * extension may defer (on PREEMPT_RT the lazy kind only) and no other work
 * (a signal, task_work, a uprobe...) waits on the way to user space.
 */
bool rseqdev_compat_resched_deferrable(void);

/* Withdraw current's reschedule request (a grant); any context. */
void rseqdev_compat_resched_clear(void);

/* Request a reschedule of current (a grant's end); any context. */
void rseqdev_compat_resched_set(void);

/**
 * rseqdev_compat_cpu_timer_init() - set up a timer started with
 *	HRTIMER_MODE_REL_PINNED_HARD: relative expiry (CLOCK_MONOTONIC), in
 *	hard interrupt context on the CPU that started it, PREEMPT_RT included
 * @timer:	the timer
 * @fn:		its function
 */
void rseqdev_compat_cpu_timer_init(struct hrtimer *timer,
				   enum hrtimer_restart (*fn)(struct hrtimer *));

/**
 * rseqdev_compat_hooks_install() - attach the module to the kernel's events
 * @events: the core's callbacks; must stay valid until
 *	    rseqdev_compat_hooks_remove() returns
 *
 * Checks every facility first and logs one line naming each one missing:
 * the kprobe on get_signal() (signal delivery), preempt notifiers (context
 * switches) and the sched_process_{fork,exec,exit} tracepoints; then
 * attaches @events to them. Also looks up the kernel's ptrace check for
 * rseqdev_compat_may_inspect(); its absence only narrows that check.
 *
 * Return: 0, -EOPNOTSUPP when a facility is missing, or another errno.
 */
int rseqdev_compat_hooks_install(const struct rseqdev_compat_events *events);

/**
 * rseqdev_compat_hooks_remove() - detach from every event, and wait until no
 * handler of this module runs any more
 */
void rseqdev_compat_hooks_remove(void);

/**
 * rseqdev_compat_wait_module_text_unused() - wait until no task can still be
 * preempted inside this module's code (a task_work callback that dropped
 * the last reference to the module, say), before the code is freed
 */
void rseqdev_compat_wait_module_text_unused(void);

/**
 * rseqdev_compat_notifier_attach() - register a preempt notifier on a task
 * @task:	current, or a task fork has created that has never run
 * @notifier:	initialised with preempt_notifier_init()
 */
void rseqdev_compat_notifier_attach(struct task_struct *task,
				    struct preempt_notifier *notifier);

/**
 * rseqdev_compat_notifier_detach() - unregister a notifier of current
 * @notifier:	attached to current
 */
void rseqdev_compat_notifier_detach(struct preempt_notifier *notifier);

/**
 * rseqdev_compat_notifier_find() - the notifier with @ops on @task
 * @task:	current, or a task fork has created that has never run (only
 *		they may walk the list without a lock)
 * @ops:	the operations that identify the owner
 *
 * Return: the notifier, or NULL.
 */
struct preempt_notifier *rseqdev_compat_notifier_find(struct task_struct *task,
						      struct preempt_ops *ops);

/**
 * rseqdev_compat_may_inspect() - may current read @task's details, as it
 *	may read /proc/PID/maps or /proc/PID/environ of it?
 * @task: any task, referenced by the caller
 *
 * The kernel's own decision, ptrace_may_access(PTRACE_MODE_READ_FSCREDS):
 * credentials, dumpability, CAP_SYS_PTRACE in the target's namespace and
 * every LSM's ptrace hook (Yama, AppArmor, SELinux...). When the kernel's
 * check cannot be reached, only current's own process may be inspected.
 *
 * Return: true when allowed.
 */
bool rseqdev_compat_may_inspect(struct task_struct *task);

/**
 * rseqdev_compat_forget_syscall_restart() - make an interrupted system call
 * return instead of restarting, once its return address has been changed
 * @regs: the user registers of current
 */
void rseqdev_compat_forget_syscall_restart(struct pt_regs *regs);

/**
 * rseqdev_compat_entered_by_interrupt() - did current enter the kernel from
 *	user mode by an interrupt or an exception, rather than a system call?
 * @regs: the user registers of current, on its way back to user space
 *
 * What mainline 6.19+ records as "user_irq" at entry, which a module
 * cannot hook. Wrong in two rare cases, both returning true after a
 * system call: rt_sigreturn, and a system call aborted by
 * rseqdev_compat_forget_syscall_restart() (one made inside a critical
 * section); a tracer can also rewrite the register the answer is read
 * from.
 *
 * Return: true for an interrupt or exception.
 */
bool rseqdev_compat_entered_by_interrupt(struct pt_regs *regs);

/**
 * rseqdev_compat_signal_frame() - where a signal frame saved the interrupted
 *	instruction and stack pointers
 * @regs:	the user registers of current, just set up to run a handler
 *		(the frame lies at their stack pointer)
 * @ip:		out: the user address of the saved instruction pointer
 * @sp:		out: the user address of the saved stack pointer
 *
 * Computes addresses only: reading them may fault, and finds the frame
 * only when @regs really are at a handler's start.
 *
 * Return: 0, or -EOPNOTSUPP for a kind of task whose frames are not known.
 */
int rseqdev_compat_signal_frame(struct pt_regs *regs, unsigned long __user **ip,
				unsigned long __user **sp);

/**
 * rseqdev_compat_native_abort_current() - abort the critical section of the
 *	kernel's own rseq that current may be in, as a preemption would
 *
 * Hard interrupt context (an interrupt that changed data current's section
 * may have read). Nothing for a thread not registered with the kernel.
 */
void rseqdev_compat_native_abort_current(void);

#endif /* RSEQDEV_COMPAT_H */
