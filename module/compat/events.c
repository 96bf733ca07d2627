// SPDX-License-Identifier: GPL-2.0-only
/*
 * How the module sees signal delivery and thread lifecycle on a stock
 * kernel, with nothing but exported interfaces:
 *
 *  - signal delivery: a kprobe on get_signal(), which runs pending
 *    task_work before it dequeues a signal and so before the signal frame
 *    saves the user registers;
 *  - fork, exec, exit: the scheduler's tracepoints, found by name because
 *    their symbols are not exported.
 *
 * Context switches come through notifiers.c. A kernel missing one of them
 * is reported by name at load time, and the module refuses to load rather
 * than run with a hole in its semantics. Each event is passed on to the
 * core's callbacks, the only way this layer reaches the core.
 */
#include <linux/errno.h>
#include <linux/kprobes.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/string.h>
#include <linux/tracepoint.h>

#include <asm/syscall.h>

#include "compat.h"
#include "layer.h"

#ifndef CONFIG_KPROBES
#error "rseqdev needs CONFIG_KPROBES (signal delivery hook)"
#endif
#ifndef CONFIG_TRACEPOINTS
#error "rseqdev needs CONFIG_TRACEPOINTS (fork, exec and exit hooks)"
#endif

/* Set before any hook is attached, for as long as one is. */
static const struct rseqdev_compat_events *core;

static int on_get_signal(struct kprobe *p, struct pt_regs *regs)
{
	core->signal_delivery();
	return 0;
}

static struct kprobe signal_kprobe = {
	.symbol_name = "get_signal",
	.pre_handler = on_get_signal,
};

/* The probes' arguments are those of each tracepoint's TP_PROTO. */
static void on_fork(void *data, struct task_struct *parent,
		    struct task_struct *child)
{
	core->fork(parent, child);
}

static void on_exec(void *data, struct task_struct *p, pid_t old_pid,
		    struct linux_binprm *bprm)
{
	core->exec();
}

static void on_exit(void *data, struct task_struct *p)
{
	core->exit();
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

static void on_sys_exit(void *data, struct pt_regs *regs, long ret)
{
	core->syscall_exit();
}

static void on_sys_enter(void *data, struct pt_regs *regs, long id)
{
	unsigned long args[6];

	syscall_get_arguments(current, regs, args);
	core->syscall_entry(id, args[1]);
}

/*
 * Optional: each attached only while the core watches that side of every
 * system call. Attaching makes every task take the kernel's slow system
 * call path, the price of a hook on all of them.
 */
struct rseqdev_syscall_watch {
	struct lifecycle_hook hook;
	bool on;
};

static struct rseqdev_syscall_watch sys_exit_watch = { { "sys_exit", on_sys_exit } };
static struct rseqdev_syscall_watch sys_enter_watch = { { "sys_enter", on_sys_enter } };
static bool resched_deferrable;

static void match_tracepoint(struct tracepoint *tp, void *priv)
{
	struct lifecycle_hook *hook = priv;

	if (!strcmp(tp->name, hook->name))
		hook->tp = tp;
}

static bool find_tracepoints(void)
{
	bool ok = true;
	int i;

	for (i = 0; i < ARRAY_SIZE(lifecycle_hooks); i++) {
		lifecycle_hooks[i].tp = NULL;
		for_each_kernel_tracepoint(match_tracepoint, &lifecycle_hooks[i]);
		ok &= rseqdev_compat_facility_present("tracepoint ",
						      lifecycle_hooks[i].name,
						      lifecycle_hooks[i].tp);
	}
	sys_exit_watch.hook.tp = NULL;
	for_each_kernel_tracepoint(match_tracepoint, &sys_exit_watch.hook);
	sys_enter_watch.hook.tp = NULL;
	for_each_kernel_tracepoint(match_tracepoint, &sys_enter_watch.hook);
	return ok;
}

static int syscall_watch_set(struct rseqdev_syscall_watch *watch, bool on)
{
	struct lifecycle_hook *hook = &watch->hook;
	int ret = 0;

	if (on == watch->on)
		return 0;
	if (!hook->tp)
		return -EOPNOTSUPP;
	if (on) {
		ret = tracepoint_probe_register(hook->tp, hook->probe, NULL);
	} else {
		tracepoint_probe_unregister(hook->tp, hook->probe, NULL);
		tracepoint_synchronize_unregister();
	}
	if (!ret)
		watch->on = on;
	return ret;
}

int rseqdev_compat_syscall_exit_watch(bool on)
{
	return syscall_watch_set(&sys_exit_watch, on);
}

int rseqdev_compat_syscall_entry_watch(bool on)
{
	return syscall_watch_set(&sys_enter_watch, on);
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

	if (!rseqdev_compat_facility_present("kprobe on ", "get_signal", !ret)) {
		if (!ret)
			unregister_kprobe(&signal_kprobe);
		return -EOPNOTSUPP;
	}
	return 0;
}

int rseqdev_compat_hooks_install(const struct rseqdev_compat_events *events)
{
	bool ok;
	int ret;

	core = events;
	rseqdev_compat_facility_hide_with(events->facility_hidden);
	/* Evaluate both, so that every missing facility is named. */
	ok = rseqdev_compat_notifiers_available();
	ok &= find_tracepoints();
	if (!ok)
		return -EOPNOTSUPP;
	ret = attach_signal_kprobe();
	if (ret)
		return ret;
	rseqdev_compat_notifiers_start();
	ret = attach_tracepoints();
	if (ret) {
		rseqdev_compat_notifiers_stop();
		unregister_kprobe(&signal_kprobe);
		return ret;
	}
	rseqdev_compat_access_init();
	resched_deferrable = sys_enter_watch.hook.tp &&
			     rseqdev_compat_schedule_hook_available(events);
	return 0;
}

bool rseqdev_compat_can_defer_resched(void)
{
	return resched_deferrable;
}

void rseqdev_compat_hooks_remove(void)
{
	detach_tracepoints(ARRAY_SIZE(lifecycle_hooks));
	unregister_kprobe(&signal_kprobe);
	rseqdev_compat_notifiers_stop();
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
