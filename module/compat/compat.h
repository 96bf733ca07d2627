/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The compatibility layer: every difference between kernel versions and
 * flavours, every use of a kernel internal, and every facility a kernel
 * may lack sits behind the plain helpers declared here. The rest of the
 * module includes no version header and tests no kernel version.
 */
#ifndef RSEQDEV_COMPAT_H
#define RSEQDEV_COMPAT_H

struct preempt_notifier;
struct preempt_ops;
struct pt_regs;
struct task_struct;

/**
 * rseqdev_compat_hooks_install() - attach the module to the kernel's events
 *
 * Checks every facility first and logs one line naming each one missing:
 * the kprobe on get_signal() (signal delivery), preempt notifiers (context
 * switches) and the sched_process_{fork,exec,exit} tracepoints; then
 * attaches the rseqdev_on_*() entry points of internal.h to them.
 *
 * Return: 0, -EOPNOTSUPP when a facility is missing, or another errno.
 */
int rseqdev_compat_hooks_install(void);

/**
 * rseqdev_compat_hooks_remove() - detach from every event, and wait until no
 * handler of this module runs any more
 */
void rseqdev_compat_hooks_remove(void);

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
 * rseqdev_compat_forget_syscall_restart() - make an interrupted system call
 * return instead of restarting, once its return address has been changed
 * @regs: the user registers of current
 */
void rseqdev_compat_forget_syscall_restart(struct pt_regs *regs);

/**
 * rseqdev_compat_wait_module_text_unused() - wait until no task can still be
 * preempted inside this module's code (a task_work callback that dropped
 * the last reference to the module, say), before the code is freed
 */
void rseqdev_compat_wait_module_text_unused(void);

#endif /* RSEQDEV_COMPAT_H */
