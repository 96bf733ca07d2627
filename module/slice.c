// SPDX-License-Identifier: GPL-2.0-only
/*
 * The time-slice extension of mainline 7.0, for the 7.1 generation's
 * optimized registrations (mainline-7x.md section 4).
 *
 * A thread sets slice_ctrl's "request" byte around a short critical
 * section, a user-space lock held, say. When a reschedule is requested
 * while it runs and it is on its way back to user space from an interrupt
 * or exception, the module may grant it a few microseconds instead of
 * scheduling it out: it writes {request 0, granted 1} in one store,
 * withdraws the reschedule request and starts a timer on the CPU. The
 * grant ends at the thread's next system call (rseq_slice_yield() being
 * the polite one), when the timer fires, at a second reschedule request,
 * or when the thread is scheduled in any other way.
 *
 * Where mainline works in its exit loop and its system call entry work,
 * the module has two hooks of the compatibility layer, attached only
 * while some thread has the extension enabled: a probe on the exit loop's
 * call of schedule(), which may skip that call, and the sys_enter
 * tracepoint. Both run with preemption off. The probe touches user memory
 * only without faulting: a fault means no grant (mainline would fault the
 * page in). The sys_enter probe leaves the user word to the thread's
 * resume callback, which clears it before the system call returns.
 */
#include <linux/atomic.h>
#include <linux/hrtimer.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/uaccess.h>
#include <linux/workqueue.h>

#include <asm/unistd.h>

#include "compat/compat.h"
#include "internal.h"

/* Mainline's bounds and default for rseq/slice_ext_nsec. */
#define RSEQDEV_SLICE_NSECS_MIN	(5 * NSEC_PER_USEC)
#define RSEQDEV_SLICE_NSECS_MAX	(50 * NSEC_PER_USEC)

static unsigned int rseqdev_slice_nsecs = RSEQDEV_SLICE_NSECS_MIN;
static bool rseqdev_slice_wanted = true;
static bool rseqdev_slice_possible;

static int rseqdev_slice_nsecs_set(const char *val, const struct kernel_param *kp)
{
	unsigned int nsecs;

	if (kstrtouint(val, 10, &nsecs))
		return -EINVAL;
	if (nsecs < RSEQDEV_SLICE_NSECS_MIN || nsecs > RSEQDEV_SLICE_NSECS_MAX)
		return -ERANGE;
	WRITE_ONCE(rseqdev_slice_nsecs, nsecs);
	return 0;
}

static const struct kernel_param_ops rseqdev_slice_nsecs_ops = {
	.set = rseqdev_slice_nsecs_set,
	.get = param_get_uint,
};

module_param_cb(slice_ext_nsec, &rseqdev_slice_nsecs_ops, &rseqdev_slice_nsecs, 0644);
MODULE_PARM_DESC(slice_ext_nsec,
		 "longest time-slice extension in ns, 5000 (default) to 50000");

module_param_named(slice_ext, rseqdev_slice_wanted, bool, 0644);
MODULE_PARM_DESC(slice_ext,
		 "7.1 generation: offer the time-slice extension to later registrations (default Y)");

/**
 * rseqdev_slice_offered() - does the 7.1 generation offer the extension?
 *
 * Return: true unless the parameter "slice_ext" is off or the kernel
 * lacks what the hooks need.
 */
bool rseqdev_slice_offered(void)
{
	return READ_ONCE(rseqdev_slice_wanted) && rseqdev_slice_possible;
}

/**
 * rseqdev_slice_area_flags() - the feature bits a registration writes
 * @rules:	its generation
 * @optimized:	whether it gets the optimized rules
 * @reg_flags:	the registration's flags
 *
 * Return: none for classic and legacy registrations; AVAILABLE, and
 * ENABLED when asked for, for optimized ones while the extension is
 * offered.
 */
u32 rseqdev_slice_area_flags(const struct rseqdev_gen_rules *rules,
			     bool optimized, u32 reg_flags)
{
	u32 flags = RSEQDEV_RSEQ_CS_FLAG_SLICE_EXT_AVAILABLE;

	if (rules->gen != RSEQDEV_GEN_7_1 || !optimized || !rseqdev_slice_offered())
		return 0;
	if (reg_flags & RSEQDEV_RSEQ_FLAG_SLICE_EXT_DEFAULT_ON)
		flags |= RSEQDEV_RSEQ_CS_FLAG_SLICE_EXT_ENABLED;
	return flags;
}

/*
 * The hooks, attached while at least one thread has the extension
 * enabled. A thread enabling it attaches them before it returns; the last
 * one to leave hands the detach to a work item, since it may leave from
 * a context that cannot sleep (its exit).
 */
static DEFINE_MUTEX(rseqdev_slice_lock);
static atomic_t rseqdev_slice_users = ATOMIC_INIT(0);
static bool rseqdev_slice_armed;

/* One timer per CPU, for the grant of the thread running there. */
struct rseqdev_slice_timer {
	struct hrtimer timer;
	struct task_struct *holder;	/* compared, never dereferenced */
};

static DEFINE_PER_CPU(struct rseqdev_slice_timer, rseqdev_slice_timers);

static int rseqdev_slice_arm(void)
{
	int ret;

	if (rseqdev_slice_armed)
		return 0;
	ret = rseqdev_compat_syscall_entry_watch(true);
	if (ret)
		return ret;
	ret = rseqdev_compat_schedule_hook(true);
	if (ret) {
		rseqdev_compat_syscall_entry_watch(false);
		return ret;
	}
	rseqdev_slice_armed = true;
	return 0;
}

/* No grant can start once the schedule() probe is gone. */
static void rseqdev_slice_disarm(void)
{
	int cpu;

	if (!rseqdev_slice_armed)
		return;
	rseqdev_compat_schedule_hook(false);
	rseqdev_compat_syscall_entry_watch(false);
	for_each_possible_cpu(cpu)
		hrtimer_cancel(&per_cpu(rseqdev_slice_timers, cpu).timer);
	rseqdev_slice_armed = false;
}

static void rseqdev_slice_disarm_fn(struct work_struct *work)
{
	mutex_lock(&rseqdev_slice_lock);
	if (!atomic_read(&rseqdev_slice_users))
		rseqdev_slice_disarm();
	mutex_unlock(&rseqdev_slice_lock);
}

static DECLARE_WORK(rseqdev_slice_disarm_work, rseqdev_slice_disarm_fn);

/* Process context: one more thread with the extension enabled. */
static int rseqdev_slice_get(void)
{
	int ret;

	mutex_lock(&rseqdev_slice_lock);
	ret = rseqdev_slice_arm();
	if (!ret)
		atomic_inc(&rseqdev_slice_users);
	mutex_unlock(&rseqdev_slice_lock);
	return ret;
}

static void rseqdev_slice_put(void)
{
	if (atomic_dec_and_test(&rseqdev_slice_users))
		schedule_work(&rseqdev_slice_disarm_work);
}

/* Single-copy accesses that fail rather than fault the page in. */
static int rseqdev_slice_read_nofault(struct rseqdev_thread *t, u32 *ctrl)
{
	int ret;

	pagefault_disable();
	ret = __get_user(*ctrl, &t->area->slice_ctrl);
	pagefault_enable();
	return ret;
}

static int rseqdev_slice_write_nofault(struct rseqdev_thread *t, u32 ctrl)
{
	int ret;

	pagefault_disable();
	ret = __put_user(ctrl, &t->area->slice_ctrl);
	pagefault_enable();
	return ret;
}

static void rseqdev_slice_end_grant(struct rseqdev_thread *t,
				    enum rseqdev_event why)
{
	if (!t->slice.granted)
		return;
	t->slice.granted = false;
	rseqdev_count_event(why);
}

/*
 * No grant now: a second request during one, another kind of request, or
 * other work on the way out. The user word is cleared as mainline clears
 * it, by the resume callback when it cannot be here.
 */
static void rseqdev_slice_refuse(struct rseqdev_thread *t)
{
	rseqdev_slice_end_grant(t, RSEQDEV_EV_SLICE_REVOKED);
	if (rseqdev_slice_write_nofault(t, 0))
		rseqdev_thread_post(t, RSEQ_THREAD_EVENT_SLICE_ENDED);
}

static void rseqdev_slice_start_timer(void)
{
	struct rseqdev_slice_timer *st = this_cpu_ptr(&rseqdev_slice_timers);

	st->holder = current;
	hrtimer_start(&st->timer, ns_to_ktime(READ_ONCE(rseqdev_slice_nsecs)),
		      HRTIMER_MODE_REL_PINNED_HARD);
}

/* mainline-7x.md 4.2, the grant decision. Return: true when granted. */
static bool rseqdev_slice_decide(struct rseqdev_thread *t)
{
	u32 ctrl;

	if (t->slice.granted || !rseqdev_compat_resched_deferrable()) {
		rseqdev_slice_refuse(t);
		return false;
	}
	if (rseqdev_slice_read_nofault(t, &ctrl) || !(ctrl & RSEQDEV_SLICE_CTRL_REQUEST))
		return false;
	ctrl = (ctrl & ~RSEQDEV_SLICE_CTRL_REQUEST) | RSEQDEV_SLICE_CTRL_GRANTED;
	if (rseqdev_slice_write_nofault(t, ctrl))
		return false;
	t->slice.granted = true;
	rseqdev_count_event(RSEQDEV_EV_SLICE_GRANTED);
	rseqdev_slice_start_timer();
	rseqdev_compat_resched_clear();
	return true;
}

/**
 * rseqdev_slice_schedule_call() - current calls schedule(): grant instead?
 * @call_regs: what identifies the call to the compatibility layer
 *
 * Interrupts on, preemption off. Everything but a thread with the
 * extension enabled leaves after one look at its notifier list.
 *
 * Return: true to skip the call.
 */
bool rseqdev_slice_schedule_call(struct pt_regs *call_regs)
{
	struct rseqdev_thread *t = rseqdev_thread_of_current();

	if (!t || !t->slice.enabled)
		return false;
	if (!rseqdev_compat_schedule_call_exits_to_user(call_regs))
		return false;
	return rseqdev_slice_decide(t);
}

/**
 * rseqdev_slice_syscall_entry() - current enters a system call
 * @nr:		its number
 * @arg1:	its second argument
 *
 * Any system call ends a grant and reschedules; the yield ioctl's ending
 * is a yield, any other's an abort (mainline's rseq_syscall_enter_work()).
 * (A 32-bit task's ioctl has another number: its yield counts as an
 * abort and returns 0.)
 */
void rseqdev_slice_syscall_entry(long nr, unsigned long arg1)
{
	struct rseqdev_thread *t = rseqdev_thread_of_current();
	struct rseqdev_slice_timer *st;
	bool yield;

	if (!t || !t->slice.granted)
		return;
	yield = nr == __NR_ioctl && (unsigned int)arg1 == RSEQDEV_IOC_SLICE_YIELD;
	preempt_disable();
	st = this_cpu_ptr(&rseqdev_slice_timers);
	if (st->holder == current)
		hrtimer_try_to_cancel(&st->timer);
	t->slice.yielded = yield;
	rseqdev_slice_end_grant(t, yield ? RSEQDEV_EV_SLICE_YIELDED
					 : RSEQDEV_EV_SLICE_ABORTED);
	rseqdev_thread_post(t, RSEQ_THREAD_EVENT_SLICE_ENDED);
	rseqdev_compat_resched_set();
	preempt_enable();
}

/* Hard interrupt context, on the CPU of the grant. */
static enum hrtimer_restart rseqdev_slice_expired(struct hrtimer *timer)
{
	struct rseqdev_slice_timer *st = container_of(timer, struct rseqdev_slice_timer,
						      timer);
	struct rseqdev_thread *t;

	if (st->holder != current)
		return HRTIMER_NORESTART;
	t = rseqdev_thread_of_current();
	if (t && t->slice.granted) {
		rseqdev_count_event(RSEQDEV_EV_SLICE_EXPIRED);
		rseqdev_compat_resched_set();
	}
	return HRTIMER_NORESTART;
}

/**
 * rseqdev_slice_switched_out() - @t's thread is scheduled out: no grant
 *	survives that. Interrupts off.
 * @t: its state
 */
void rseqdev_slice_switched_out(struct rseqdev_thread *t)
{
	rseqdev_slice_end_grant(t, RSEQDEV_EV_SLICE_REVOKED);
}

/**
 * rseqdev_slice_clear_user() - the resume callback's part: clear
 *	slice_ctrl after a scheduling event or a grant a system call ended
 * @t:		state of current
 * @check:	debug mode, and a system call ended a grant: the word must
 *		read exactly {granted} first
 *
 * Return: 0, -EFAULT, or -EINVAL for a word user space broke.
 */
int rseqdev_slice_clear_user(struct rseqdev_thread *t, bool check)
{
	u32 ctrl;

	if (check) {
		if (get_user(ctrl, &t->area->slice_ctrl))
			return -EFAULT;
		if (ctrl != RSEQDEV_SLICE_CTRL_GRANTED)
			return rseqdev_thread_reject(t, RSEQDEV_REJECT_SLICE_CTRL);
	}
	return put_user(0U, &t->area->slice_ctrl) ? -EFAULT : 0;
}

/**
 * rseqdev_slice_start_thread() - a registration's extension state
 * @t:		the new state
 * @area_flags:	the feature bits the registration wrote into the area
 *
 * Return: 0, or the error of attaching the hooks for a thread that starts
 * with the extension enabled.
 */
int rseqdev_slice_start_thread(struct rseqdev_thread *t, u32 area_flags)
{
	int ret = 0;

	t->slice.available = area_flags & RSEQDEV_RSEQ_CS_FLAG_SLICE_EXT_AVAILABLE;
	t->slice.enabled = area_flags & RSEQDEV_RSEQ_CS_FLAG_SLICE_EXT_ENABLED;
	if (t->slice.enabled)
		ret = rseqdev_slice_get();
	if (ret)
		t->slice.enabled = false;
	return ret;
}

/*
 * A forked child's state copies its parent's enabled state: the parent's
 * reference keeps the hooks on, so taking another cannot fail or sleep.
 */
void rseqdev_slice_inherit(struct rseqdev_thread *child,
			   const struct rseqdev_thread *parent)
{
	child->slice.available = parent->slice.available;
	child->slice.enabled = parent->slice.enabled;
	if (child->slice.enabled)
		atomic_inc(&rseqdev_slice_users);
}

/* A registration ends; current's own state, any context. */
void rseqdev_slice_stop_thread(struct rseqdev_thread *t)
{
	rseqdev_slice_end_grant(t, RSEQDEV_EV_SLICE_REVOKED);
	if (t->slice.enabled) {
		t->slice.enabled = false;
		rseqdev_slice_put();
	}
}

/* prctl SET (mainline's order after the generic checks). */
static long rseqdev_slice_set(struct rseqdev_thread *t, u64 arg3)
{
	bool enable = arg3 & RSEQDEV_PR_RSEQ_SLICE_EXT_ENABLE;
	u32 valid = RSEQDEV_RSEQ_CS_FLAG_SLICE_EXT_AVAILABLE;
	u32 flags;
	int ret;

	if (arg3 & ~(u64)RSEQDEV_PR_RSEQ_SLICE_EXT_ENABLE)
		return -EINVAL;
	if (!rseqdev_slice_offered())
		return -ENOTSUPP;
	if (!t)
		return -ENXIO;
	if (!t->slice.available)
		return -ENOTSUPP;
	if (enable == t->slice.enabled)
		return 0;
	if (get_user(flags, &t->area->flags))
		goto die;
	if (t->slice.enabled)
		valid |= RSEQDEV_RSEQ_CS_FLAG_SLICE_EXT_ENABLED;
	if ((flags & valid) != valid) {
		rseqdev_thread_kill(t, rseqdev_thread_reject(t, RSEQDEV_REJECT_SLICE_FLAGS));
		return -EFAULT;
	}
	flags &= ~RSEQDEV_RSEQ_CS_FLAG_SLICE_EXT_ENABLED;
	if (enable)
		flags |= RSEQDEV_RSEQ_CS_FLAG_SLICE_EXT_ENABLED;
	if (enable) {
		ret = rseqdev_slice_get();
		if (ret)
			return ret;
	}
	if (put_user(flags, &t->area->flags)) {
		if (enable)
			rseqdev_slice_put();
		goto die;
	}
	t->slice.enabled = enable;
	if (!enable)
		rseqdev_slice_put();
	return 0;
die:
	rseqdev_thread_kill(t, -EFAULT);
	return -EFAULT;
}

/**
 * rseqdev_slice_prctl() - RSEQDEV_IOC_SLICE_PRCTL
 * @req: the prctl's arguments
 *
 * Under the classic generation (the thread's, or the one the caller names
 * for an unregistered thread) the prctl does not exist: EINVAL, as on the
 * kernels that generation stands for.
 *
 * Return: what mainline's prctl(PR_RSEQ_SLICE_EXTENSION) returns.
 */
long rseqdev_slice_prctl(const struct rseqdev_slice_prctl *req)
{
	struct rseqdev_thread *t = rseqdev_thread_of_current();
	const struct rseqdev_gen_rules *rules = rseqdev_gen_rules(req->generation);

	if (!rules || req->flags || req->reserved)
		return -EINVAL;
	if (t)
		rules = t->rules;
	if (rules->gen == RSEQDEV_GEN_CLASSIC)
		return -EINVAL;
	if (req->arg4 || req->arg5)
		return -EINVAL;
	switch (req->op) {
	case RSEQDEV_PR_RSEQ_SLICE_EXTENSION_GET:
		if (req->arg3)
			return -EINVAL;
		return t && t->slice.enabled ? RSEQDEV_PR_RSEQ_SLICE_EXT_ENABLE : 0;
	case RSEQDEV_PR_RSEQ_SLICE_EXTENSION_SET:
		return rseqdev_slice_set(t, req->arg3);
	default:
		return -EINVAL;
	}
}

/**
 * rseqdev_slice_yield() - RSEQDEV_IOC_SLICE_YIELD, mainline's
 *	rseq_slice_yield(): the system call entry has done the work
 *
 * Return: 1 when this call ended a grant, else 0.
 */
long rseqdev_slice_yield(void)
{
	struct rseqdev_thread *t = rseqdev_thread_of_current();
	bool yielded;

	if (!t)
		return 0;
	yielded = t->slice.yielded;
	t->slice.yielded = false;
	return yielded;
}

/* The hooks are in place: can the extension be offered? */
void rseqdev_slice_start(void)
{
	int cpu;

	for_each_possible_cpu(cpu)
		rseqdev_compat_cpu_timer_init(&per_cpu(rseqdev_slice_timers, cpu).timer,
					      rseqdev_slice_expired);
	rseqdev_slice_possible = rseqdev_compat_can_defer_resched();
	if (!rseqdev_slice_possible)
		pr_warn(RSEQDEV_NAME ": no hook on the way to user space: the time-slice extension is not offered\n");
}

/* Before the hooks go; no thread is registered any more. */
void rseqdev_slice_stop(void)
{
	flush_work(&rseqdev_slice_disarm_work);
	mutex_lock(&rseqdev_slice_lock);
	rseqdev_slice_disarm();
	mutex_unlock(&rseqdev_slice_lock);
}
