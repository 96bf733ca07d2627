// SPDX-License-Identifier: GPL-2.0-only
/*
 * Deferring a reschedule on the way back to user space, for the time-slice
 * extension, on kernels that have none.
 *
 * Mainline decides in exit_to_user_mode_loop() whether to call schedule()
 * before a thread returns to user space. On the supported kernels that
 * loop is noinstr, or inlined into a noinstr function: nothing on its
 * path can be probed but the call of schedule() itself. A kprobe there
 * (an ftrace-based one on these kernels) may send the call to a bare
 * return instead, as the kernel's own error injection skips a function;
 * the loop then goes on as if schedule() had returned, reads the thread's
 * flags again and, with the reschedule request cleared, returns to user
 * space.
 *
 * The probe sees every schedule() call of every task, so it is attached
 * only while the core asks for it (while some thread has the extension
 * enabled). Its handler costs a task that is none of the core's business
 * one call and a look at its notifier list.
 *
 * Whether a call is the exit loop's is told by its return address: the
 * function holding it must be one of the loop's homes (an architecture's
 * own, see arch_*.c), and the
 * thread must have entered the kernel by an interrupt or exception. The
 * name of an address is looked up once and remembered; only threads with
 * the extension enabled get that far, and their schedule() calls come
 * from a handful of places.
 */
#include <linux/hrtimer.h>
#include <linux/kallsyms.h>
#include <linux/kprobes.h>
#include <linux/percpu.h>
#include <linux/preempt.h>
#include <linux/sched.h>
#include <linux/sched/task_stack.h>

#include "compat.h"
#include "layer.h"

/* Return addresses already looked up: the exit loop's, and others. */
#define SITES_REMEMBERED	8
static unsigned long exit_sites[SITES_REMEMBERED];
static unsigned long other_sites[SITES_REMEMBERED];
static DEFINE_PER_CPU(char [KSYM_SYMBOL_LEN], site_name);

static bool site_remembered(const unsigned long *sites, unsigned long addr)
{
	int i;

	for (i = 0; i < SITES_REMEMBERED; i++) {
		unsigned long site = READ_ONCE(sites[i]);

		if (!site)
			return false;
		if (site == addr)
			return true;
	}
	return false;
}

/* A full table only costs the lookup again next time. */
static void site_remember(unsigned long *sites, unsigned long addr)
{
	int i;

	for (i = 0; i < SITES_REMEMBERED; i++) {
		if (!cmpxchg(&sites[i], 0, addr) || READ_ONCE(sites[i]) == addr)
			return;
	}
}

/* Preemption is off (a kprobe handler): the per-CPU buffer is ours. */
static bool site_is_exit_loop(unsigned long addr)
{
	char *name = this_cpu_ptr(site_name);
	bool exit_loop;

	if (site_remembered(exit_sites, addr))
		return true;
	if (site_remembered(other_sites, addr))
		return false;
	sprint_symbol_no_offset(name, addr);
	exit_loop = rseqdev_compat_is_exit_loop_home(name);
	site_remember(exit_loop ? exit_sites : other_sites, addr);
	return exit_loop;
}

bool rseqdev_compat_schedule_call_exits_to_user(struct pt_regs *call_regs)
{
	return rseqdev_compat_entered_by_interrupt(task_pt_regs(current)) &&
	       site_is_exit_loop(rseqdev_compat_entry_return_address(call_regs));
}

static const struct rseqdev_compat_events *core;

/*
 * Where a skipped schedule() call goes: a bare return, executed with the
 * stack schedule() was entered with, so it returns to schedule()'s caller.
 * The kprobe's trampoline reaches it by a return, not a call.
 */
static noinline notrace void skip_the_call(void)
{
}

static int on_schedule(struct kprobe *p, struct pt_regs *regs)
{
	if (!core->schedule_call(regs))
		return 0;
	instruction_pointer_set(regs, (unsigned long)skip_the_call);
	return 1;
}

static struct kprobe schedule_kprobe = {
	.symbol_name = "schedule",
	.pre_handler = on_schedule,
};

static bool schedule_hooked;

int rseqdev_compat_schedule_hook(bool on)
{
	int ret = 0;

	if (on == schedule_hooked)
		return 0;
	if (on) {
		/* A kprobe can be registered once only: start from a clean one. */
		schedule_kprobe = (struct kprobe) {
			.symbol_name = "schedule",
			.pre_handler = on_schedule,
		};
		ret = register_kprobe(&schedule_kprobe);
	} else {
		unregister_kprobe(&schedule_kprobe);
	}
	if (!ret)
		schedule_hooked = on;
	return ret;
}

/* Checked once at install: the extension is offered only if it works. */
bool rseqdev_compat_schedule_hook_available(const struct rseqdev_compat_events *events)
{
	int ret;

	core = events;
	if (rseqdev_compat_facility_hidden("kprobe on schedule"))
		return false;
	ret = rseqdev_compat_schedule_hook(true);
	if (ret)
		return false;
	rseqdev_compat_schedule_hook(false);
	return true;
}

/*
 * The reschedule requests a grant may defer: both kinds outside
 * PREEMPT_RT; on PREEMPT_RT only the lazy one, which only the scheduler's
 * fair class raises, as mainline defers only that one there.
 */
#ifdef TIF_NEED_RESCHED_LAZY
#define RESCHED_FLAGS		(_TIF_NEED_RESCHED | _TIF_NEED_RESCHED_LAZY)
#define DEFERRABLE_RESCHED	(IS_ENABLED(CONFIG_PREEMPT_RT) ? \
				 _TIF_NEED_RESCHED_LAZY : RESCHED_FLAGS)
#else
#define RESCHED_FLAGS		_TIF_NEED_RESCHED
#define DEFERRABLE_RESCHED	(IS_ENABLED(CONFIG_PREEMPT_RT) ? 0 : RESCHED_FLAGS)
#endif

bool rseqdev_compat_resched_deferrable(void)
{
	unsigned long work = rseqdev_compat_exit_work_pending();

	return (work & RESCHED_FLAGS) && !(work & ~DEFERRABLE_RESCHED);
}

/*
 * With interrupts off, so that no wakeup on this CPU sets the flag between
 * the thread flag and the preempt count's copy of it.
 */
void rseqdev_compat_resched_clear(void)
{
	unsigned long flags;

	local_irq_save(flags);
	clear_tsk_need_resched(current);
#ifdef TIF_NEED_RESCHED_LAZY
	clear_tsk_thread_flag(current, TIF_NEED_RESCHED_LAZY);
#endif
	clear_preempt_need_resched();
	local_irq_restore(flags);
}

void rseqdev_compat_resched_set(void)
{
	unsigned long flags;

	local_irq_save(flags);
	set_tsk_need_resched(current);
	set_preempt_need_resched();
	local_irq_restore(flags);
}

void rseqdev_compat_cpu_timer_init(struct hrtimer *timer,
				   enum hrtimer_restart (*fn)(struct hrtimer *))
{
	hrtimer_init(timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_PINNED_HARD);
	timer->function = fn;
}
