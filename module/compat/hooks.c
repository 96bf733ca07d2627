// SPDX-License-Identifier: GPL-2.0-only
/*
 * How the module sees scheduling, signal delivery and thread lifecycle on
 * a stock kernel, with nothing but exported interfaces:
 *
 *  - context switches: a preempt notifier on each registered thread;
 *  - signal delivery: a kprobe on get_signal(), which runs pending
 *    task_work before it dequeues a signal and so before the signal frame
 *    saves the user registers;
 *  - fork, exec, exit: the scheduler's tracepoints, found by name because
 *    their symbols are not exported.
 *
 * A kernel missing one of them is reported by name at load time, and the
 * module refuses to load rather than run with a hole in its semantics.
 */
#include <linux/errno.h>
#include <linux/kprobes.h>
#include <linux/preempt.h>
#include <linux/printk.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/string.h>
#include <linux/tracepoint.h>

#include "compat.h"
#include "internal.h"

#ifndef CONFIG_KPROBES
#error "rseqdev needs CONFIG_KPROBES (signal delivery hook)"
#endif
#ifndef CONFIG_PREEMPT_NOTIFIERS
#error "rseqdev needs CONFIG_PREEMPT_NOTIFIERS (context switch hook)"
#endif
#ifndef CONFIG_TRACEPOINTS
#error "rseqdev needs CONFIG_TRACEPOINTS (fork, exec and exit hooks)"
#endif
#ifndef CONFIG_X86_64
#error "rseqdev supports x86-64 only"
#endif

static int on_get_signal(struct kprobe *p, struct pt_regs *regs)
{
	rseqdev_on_signal_delivery();
	return 0;
}

static struct kprobe signal_kprobe = {
	.symbol_name = "get_signal",
	.pre_handler = on_get_signal,
};

static void on_fork(void *data, struct task_struct *parent,
		    struct task_struct *child)
{
	rseqdev_on_fork(parent, child);
}

static void on_exec(void *data, struct task_struct *p, pid_t old_pid,
		    struct linux_binprm *bprm)
{
	rseqdev_on_exec();
}

static void on_exit(void *data, struct task_struct *p)
{
	rseqdev_on_exit();
}

static struct lifecycle_hook {
	const char *name;
	void *probe;
	struct tracepoint *tp;
} lifecycle_hooks[] = {
	{ "sched_process_fork", on_fork },
	{ "sched_process_exec", on_exec },
	{ "sched_process_exit", on_exit },
};

static void match_tracepoint(struct tracepoint *tp, void *priv)
{
	struct lifecycle_hook *hook = priv;

	if (!strcmp(tp->name, hook->name))
		hook->tp = tp;
}

/* Logs a missing facility; returns true when it is present. */
static bool facility_present(const char *what, const char *name, bool present)
{
	if (present && !rseqdev_selftest_hides(name))
		return true;
	pr_err(RSEQDEV_NAME ": kernel facility missing: %s%s\n", what, name);
	return false;
}

static bool find_facilities(void)
{
	bool ok = true;
	int i;

	/* Without them the build stops at the #error above. */
	ok &= facility_present("", "preempt notifiers",
			       IS_ENABLED(CONFIG_PREEMPT_NOTIFIERS));
	for (i = 0; i < ARRAY_SIZE(lifecycle_hooks); i++) {
		lifecycle_hooks[i].tp = NULL;
		for_each_kernel_tracepoint(match_tracepoint, &lifecycle_hooks[i]);
		ok &= facility_present("tracepoint ", lifecycle_hooks[i].name,
				       lifecycle_hooks[i].tp);
	}
	return ok;
}

static void detach_tracepoints(int count)
{
	while (count--)
		tracepoint_probe_unregister(lifecycle_hooks[count].tp,
					    lifecycle_hooks[count].probe, NULL);
	tracepoint_synchronize_unregister();
}

static int attach_tracepoints(void)
{
	int i, ret;

	for (i = 0; i < ARRAY_SIZE(lifecycle_hooks); i++) {
		ret = tracepoint_probe_register(lifecycle_hooks[i].tp,
						lifecycle_hooks[i].probe, NULL);
		if (ret) {
			detach_tracepoints(i);
			return ret;
		}
	}
	return 0;
}

static int attach_signal_kprobe(void)
{
	int ret = register_kprobe(&signal_kprobe);

	if (!facility_present("kprobe on ", "get_signal", !ret)) {
		if (!ret)
			unregister_kprobe(&signal_kprobe);
		return -EOPNOTSUPP;
	}
	return 0;
}

int rseqdev_compat_hooks_install(void)
{
	int ret;

	if (!find_facilities())
		return -EOPNOTSUPP;
	ret = attach_signal_kprobe();
	if (ret)
		return ret;
	/* Notifiers fire only once the kernel's static key is on. */
	preempt_notifier_inc();
	ret = attach_tracepoints();
	if (ret) {
		preempt_notifier_dec();
		unregister_kprobe(&signal_kprobe);
	}
	return ret;
}

void rseqdev_compat_hooks_remove(void)
{
	detach_tracepoints(ARRAY_SIZE(lifecycle_hooks));
	unregister_kprobe(&signal_kprobe);
	preempt_notifier_dec();
}

/*
 * The scheduler walks a task's notifier list when it switches the task out;
 * only the task itself changes the list, so keeping preemption off while it
 * does is all the locking needed.
 */
void rseqdev_compat_notifier_attach(struct task_struct *task,
			    struct preempt_notifier *notifier)
{
	if (task != current) {
		hlist_add_head(&notifier->link, &task->preempt_notifiers);
		return;
	}
	preempt_disable();
	preempt_notifier_register(notifier);
	preempt_enable();
}

void rseqdev_compat_notifier_detach(struct preempt_notifier *notifier)
{
	preempt_disable();
	preempt_notifier_unregister(notifier);
	preempt_enable();
}

struct preempt_notifier *rseqdev_compat_notifier_find(struct task_struct *task,
					      struct preempt_ops *ops)
{
	struct preempt_notifier *notifier;

	hlist_for_each_entry(notifier, &task->preempt_notifiers, link) {
		if (notifier->ops == ops)
			return notifier;
	}
	return NULL;
}

/* x86: orig_ax == -1 tells signal delivery this is not a system call. */
void rseqdev_compat_forget_syscall_restart(struct pt_regs *regs)
{
	regs->orig_ax = -1;
}

/*
 * A task_work callback may drop the last reference to the module and then
 * be preempted before it returns; RCU Tasks waits for every task to pass a
 * voluntary context switch, which such a task has not.
 */
void rseqdev_compat_wait_module_text_unused(void)
{
	synchronize_rcu_tasks();
}
