// SPDX-License-Identifier: GPL-2.0-only
/*
 * Per-thread state of threads registered through the module, and the path
 * from a kernel event to the work done on the thread's return to user
 * space.
 *
 * Events (a switch-out, a signal delivery, a fence interrupt) come in
 * contexts that may not touch user memory: the switch-out runs under the
 * runqueue lock, the fence in hard interrupt context. They only record the
 * event and queue resume_work with task_work_add(TWA_RESUME);
 * the callback runs in process context, preemptible, before the thread
 * returns to user space, and before get_signal() dequeues a signal.
 *
 * A switch-out is the common event, and mostly finds no critical section
 * armed. The switch-in that follows it runs with the thread's memory
 * mapped: it writes the IDs there without faulting, and queues the
 * callback only when that is not all there is to do. The kernel's own rseq pays for a notify-resume on every switch;
 * this path pays for none in the common case.
 *
 * The state is found from the thread itself through its list of preempt
 * notifiers, so there is no global table to lock. Queued task_work cannot
 * be withdrawn by a module, so the callback owns the end of the state's
 * life: unregister, exec and exit mark the state dead and make sure the
 * callback is queued, and the callback, in process context, frees it.
 */
#include <linux/module.h>
#include <linux/ptrace.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sched/task_stack.h>
#include <linux/slab.h>
#include <linux/task_work.h>

#include "compat/compat.h"
#include "internal.h"
#include "rseqdev_trace.h"

static void rseqdev_resume_work_fn(struct callback_head *work);
static struct preempt_ops rseqdev_preempt_ops;

struct rseqdev_thread *rseqdev_thread_of_current(void)
{
	struct preempt_notifier *notifier;

	notifier = rseqdev_compat_notifier_find(current, &rseqdev_preempt_ops);
	return notifier ? container_of(notifier, struct rseqdev_thread, notifier)
			: NULL;
}

static struct rseqdev_thread *rseqdev_thread_alloc(gfp_t gfp)
{
	if (!(gfp & __GFP_NOFAIL) &&
	    rseqdev_selftest_fails_alloc(RSEQDEV_ALLOC_THREAD))
		return NULL;
	return kzalloc(sizeof(struct rseqdev_thread), gfp);
}

/* Process context: drops the module reference the state held. */
static void rseqdev_thread_free(struct rseqdev_thread *t)
{
	if (t->rmm)
		rseqdev_mm_put(t->rmm);
	kfree(t->spare);
	rseqdev_mm_free_unused(t->spare_rmm);
	kfree(t);
	rseqdev_count_object(RSEQDEV_OBJ_THREAD, -1);
	module_put(THIS_MODULE);
}

/*
 * A state starts to live: it pins the module, is counted, and is listed
 * in its process. Its rmm is set.
 */
static void rseqdev_thread_activate(struct rseqdev_thread *t, struct task_struct *task,
				    enum rseqdev_setup_how how)
{
	__module_get(THIS_MODULE);
	rseqdev_count_object(RSEQDEV_OBJ_THREAD, 1);
	rseqdev_count_event(RSEQDEV_EV_REGISTER);
	t->task = task;
	rseqdev_mm_add_thread(t->rmm, &t->mm_node);
	rseqdev_compat_notifier_attach(task, &t->notifier);
	trace_rseqdev_register(t, how);
}

/*
 * The callback will run before @task next enters user mode. Called by the
 * owner with interrupts off, or on a child that has never run. It cannot
 * fail: the task's final task_work flush comes after its exit hook, the
 * last place that queues.
 */
static void rseqdev_queue_resume(struct rseqdev_thread *t, struct task_struct *task)
{
	if (t->work_queued)
		return;
	t->work_queued = true;
	task_work_add(task, &t->resume_work, TWA_RESUME);
}

/**
 * rseqdev_thread_post() - record @events for current and make sure its
 *	resume callback runs; any context
 * @t:		state of current
 * @events:	RSEQ_THREAD_EVENT_*, or 0 for the callback alone
 */
void rseqdev_thread_post(struct rseqdev_thread *t, unsigned int events)
{
	unsigned long flags;

	local_irq_save(flags);
	t->events |= events;
	rseqdev_queue_resume(t, current);
	local_irq_restore(flags);
}

static void rseqdev_drop_cid(struct rseqdev_thread *t)
{
	if (t->cid >= 0) {
		rseqdev_mm_cid_drop(t->rmm, t->cid);
		t->cid = -1;
	}
}

/*
 * Runs under the runqueue lock with interrupts off: record. The switch-in
 * that must follow before the thread runs user code again does the rest.
 */
static void rseqdev_sched_out(struct preempt_notifier *notifier,
			   struct task_struct *next)
{
	struct rseqdev_thread *t = container_of(notifier, struct rseqdev_thread,
					     notifier);

	t->events |= RSEQ_THREAD_EVENT_PREEMPT;
	t->nr_preempts++;
	if (unlikely(t->slice.granted))
		rseqdev_slice_switched_out(t);
	rseqdev_drop_cid(t);
	rseqdev_fence_note_stopped(t->rmm);
}

/*
 * Whether the switch-in may do the resume work itself: the callback is not
 * coming anyway, and the thread still has its memory. A callback that was
 * preempted must run again instead: it may hold the IDs of the CPU it was
 * preempted on, and would write them after anything done here.
 */
static bool rseqdev_switch_in_may_resume(const struct rseqdev_thread *t)
{
	return !READ_ONCE(t->work_queued) && !t->resuming && current->mm &&
	       !(current->flags & PF_EXITING);
}

/*
 * Preemption off, interrupts on, current's mm active: the usual switch
 * ends here; the rest wait for the callback.
 */
static void rseqdev_sched_in(struct preempt_notifier *notifier, int cpu)
{
	struct rseqdev_thread *t = container_of(notifier, struct rseqdev_thread,
					     notifier);

	t->cpu = cpu;
	rseqdev_fence_note_running(t->rmm);
	if (rseqdev_switch_in_may_resume(t)) {
		if (rseqdev_resume_at_switch_in(t, task_pt_regs(current)))
			return;
		/*
		 * t->cpu, not @cpu: keeping @cpu alive across the call above
		 * cost every switch three instructions (a saved register).
		 */
		trace_rseqdev_fallback(RSEQDEV_FALLBACK_SWITCH_IN, t->cpu, 0);
	}
	rseqdev_thread_post(t, 0);
}

static struct preempt_ops rseqdev_preempt_ops = {
	.sched_in = rseqdev_sched_in,
	.sched_out = rseqdev_sched_out,
};

static void rseqdev_thread_init(struct rseqdev_thread *t, struct rseqdev_rseq __user *area,
				u32 len, u32 sig, const struct rseqdev_gen_rules *rules)
{
	preempt_notifier_init(&t->notifier, &rseqdev_preempt_ops);
	init_task_work(&t->resume_work, rseqdev_resume_work_fn);
	INIT_LIST_HEAD(&t->mm_node);
	t->area = area;
	t->len = len;
	t->sig = sig;
	t->rules = rules;
	t->optimized = rseqdev_rseq_optimized(rules, len);
	/* What a 7.1 registration writes (see rseqdev_prepare_area()). */
	t->written = (struct rseqdev_ids) {
		.cpu_start = (u32)RSEQDEV_RSEQ_CPU_ID_UNINITIALIZED,
		.cpu = (u32)RSEQDEV_RSEQ_CPU_ID_UNINITIALIZED,
	};
	t->cid = -1;
	t->last_cid = -1;
}

/*
 * Process context: what a fork of this thread will need, allocated ahead
 * because the fork hook runs with preemption off. After a fork the parent
 * refills with __GFP_NOFAIL in its resume callback, which runs before the
 * parent can fork again, so a fork never finds the spares missing.
 */
static int rseqdev_thread_fill_spares(struct rseqdev_thread *t, gfp_t gfp)
{
	if (!t->spare)
		t->spare = rseqdev_thread_alloc(gfp);
	if (!t->spare_rmm)
		t->spare_rmm = rseqdev_mm_alloc(gfp);
	return t->spare && t->spare_rmm ? 0 : -ENOMEM;
}

/**
 * rseqdev_thread_register() - register current, checks already done
 * @area:	the thread's struct rseqdev_rseq
 * @len:	its registered length
 * @sig:	abort signature
 * @rules:	its generation
 * @area_flags:	the feature bits registration wrote into the area
 *
 * The IDs are written by the resume callback before the ioctl returns to
 * user space, as mainline writes them on the way out of the system call.
 *
 * Return: 0, -ENOMEM, or the error of attaching the time-slice
 * extension's hooks for a registration that starts with it enabled.
 */
int rseqdev_thread_register(struct rseqdev_rseq __user *area, u32 len, u32 sig,
			    const struct rseqdev_gen_rules *rules, u32 area_flags)
{
	struct rseqdev_mm *rmm = rseqdev_mm_alloc(GFP_KERNEL);
	struct rseqdev_thread *t = rseqdev_thread_alloc(GFP_KERNEL);

	int ret = -ENOMEM;

	if (t && rmm && !rseqdev_thread_fill_spares(t, GFP_KERNEL))
		ret = rseqdev_slice_start_thread(t, area_flags);
	if (ret) {
		rseqdev_mm_free_unused(rmm);
		if (t) {
			kfree(t->spare);
			rseqdev_mm_free_unused(t->spare_rmm);
		}
		kfree(t);
		return ret;
	}
	rseqdev_thread_init(t, area, len, sig, rules);
	t->rmm = rseqdev_mm_get(current->mm, &rmm);
	rseqdev_mm_free_unused(rmm);

	/* The open device pins the module; from here on the state does too. */
	rseqdev_thread_activate(t, current, RSEQDEV_SETUP_REGISTER);
	preempt_disable();
	t->cpu = smp_processor_id();
	rseqdev_fence_note_running(t->rmm);
	rseqdev_thread_post(t, 0);
	preempt_enable();
	return 0;
}

/**
 * rseqdev_thread_teardown() - end a registration (unregister, exec, exit)
 * @t:		the state of current
 * @cause:	which of them, for the trace event
 *
 * Safe with preemption off (exec and exit hooks): the free itself is left
 * to the resume callback queued here, which runs in process context and
 * never touches user memory for a dead state. Once the notifier is off,
 * nothing but current touches the state.
 */
void rseqdev_thread_teardown(struct rseqdev_thread *t,
			     enum rseqdev_teardown_cause cause)
{
	/*
	 * What the switch-out notifier would give up goes with the notifier,
	 * in one preemption-off region. A switch-out in between would leave
	 * the concurrency id held by a task that is not running, and
	 * rseqdev_mm_cid_take() spins, preemption off, on the promise that
	 * every holder runs: with every id stranded that way, every CPU
	 * spins.
	 */
	trace_rseqdev_unregister(t, cause);
	preempt_disable();
	rseqdev_compat_notifier_detach(&t->notifier);
	rseqdev_slice_stop_thread(t);
	rseqdev_drop_cid(t);
	rseqdev_fence_note_stopped(t->rmm);
	preempt_enable();
	/* Only an unregistration runs in process context. */
	rseqdev_selftest_preemptible_point(cause == RSEQDEV_TEARDOWN_UNREGISTER);
	rseqdev_mm_del_thread(t->rmm, &t->mm_node);
	preempt_disable();
	t->dead = true;
	rseqdev_thread_post(t, 0);
	preempt_enable();
}

/**
 * rseqdev_thread_hold_cid() - make sure current holds concurrency id @cid
 * @cid: the id current's area showed it
 *
 * Called with preemption off, which keeps the id held until preemption is
 * enabled again. A thread switched out during the system call gave its id
 * up and takes one now, as its return to user space would have; that
 * switch-out queued the callback that shows the new id in the area.
 *
 * Return: 0 when current holds @cid, -EINVAL when it is not registered
 * through the module, -EAGAIN when it holds another id.
 */
int rseqdev_thread_hold_cid(int cid)
{
	struct rseqdev_thread *t = rseqdev_thread_of_current();

	if (!t)
		return -EINVAL;
	return rseqdev_thread_take_cid(t) == cid ? 0 : -EAGAIN;
}

/**
 * rseqdev_thread_reject() - current broke @rule of the ABI
 * @t:		the state of current
 * @rule:	which one
 *
 * Remembers the rule for rseqdev_thread_kill(), which the error returned
 * here reaches through the resume work's callers.
 *
 * Return: -EINVAL.
 */
int rseqdev_thread_reject(struct rseqdev_thread *t, enum rseqdev_reject_rule rule)
{
	t->reject = rule;
	return -EINVAL;
}

/**
 * rseqdev_thread_kill() - SIGSEGV for current after a failed check
 * @t:		the state of current
 * @err:	0 (nothing to do), -EFAULT for memory the thread's area or
 *		descriptor names but that cannot be accessed, or the -EINVAL
 *		of rseqdev_thread_reject()
 *
 * A thread that handles SIGSEGV lives on, so the rule is forgotten here.
 */
void rseqdev_thread_kill(struct rseqdev_thread *t, int err)
{
	if (!err)
		return;
	if (err == -EFAULT)
		t->reject = RSEQDEV_REJECT_FAULT;
	trace_rseqdev_rejected(t, t->reject, err,
			       instruction_pointer(task_pt_regs(current)));
	t->reject = RSEQDEV_REJECT_FAULT;
	force_sig(SIGSEGV);
}

static void rseqdev_resume_work_fn(struct callback_head *work)
{
	struct rseqdev_thread *t = container_of(work, struct rseqdev_thread,
					     resume_work);
	bool needs_spares;

	if (t->dead) {
		rseqdev_thread_free(t);
		return;
	}
	/* Events from here on queue the callback again. */
	local_irq_disable();
	t->work_queued = false;
	needs_spares = t->needs_spares;
	t->needs_spares = false;
	local_irq_enable();
	/* No user memory once exiting; the exit hook tears down next. */
	if (current->flags & PF_EXITING)
		return;
	if (needs_spares)
		rseqdev_thread_fill_spares(t, GFP_KERNEL | __GFP_NOFAIL);
	/* Only this thread's own switch-in reads it: no ordering needed. */
	t->resuming = true;
	rseqdev_thread_kill(t, rseqdev_handle_resume(t, task_pt_regs(current)));
	t->resuming = false;
}

static void rseqdev_on_signal_delivery(void)
{
	struct rseqdev_thread *t = rseqdev_thread_of_current();

	if (!t)
		return;
	t->nr_signals++;
	/* A tracer's stop comes first: see rseq_traced.c. */
	if (unlikely(current->ptrace) &&
	    rseqdev_traced_signal_note(t, task_pt_regs(current)))
		return;
	rseqdev_thread_post(t, RSEQ_THREAD_EVENT_SIGNAL);
}

/**
 * rseqdev_thread_fence_hit() - a fence interrupted current, a thread of the
 *	fencing process: abort its critical section, as a preemption would
 * @t: the state of current
 *
 * Hard interrupt context.
 */
void rseqdev_thread_fence_hit(struct rseqdev_thread *t)
{
	if (t->dead)
		return;
	t->nr_fences++;
	rseqdev_thread_post(t, RSEQ_THREAD_EVENT_INTERRUPT);
}

/**
 * rseqdev_thread_opv_hit() - a cpu_opv vector ran in an interrupt of
 *	current's CPU: abort the critical section current may be in, as the
 *	kworker's preemption would have, whichever rseq it registered with
 *
 * Hard interrupt context. Any process's thread: the vector's data may be
 * shared memory.
 */
void rseqdev_thread_opv_hit(void)
{
	struct rseqdev_thread *t = rseqdev_thread_of_current();

	if (t && !t->dead)
		rseqdev_thread_post(t, RSEQ_THREAD_EVENT_CPU_OPV);
	rseqdev_compat_native_abort_current();
}

/* 7.1's debug mode checks rseq_cs on the way out of every system call. */
static void rseqdev_on_syscall_exit(void)
{
	struct rseqdev_thread *t = rseqdev_thread_of_current();

	if (t && t->rules->gen == RSEQDEV_GEN_7_1)
		rseqdev_thread_post(t, RSEQ_THREAD_EVENT_SYSCALL_EXIT);
}

/* The child of a registered parent without CLONE_VM inherits the area. */
static void rseqdev_thread_inherit(struct rseqdev_thread *parent,
				struct task_struct *child)
{
	struct rseqdev_thread *t = parent->spare;
	struct rseqdev_mm *rmm = parent->spare_rmm;

	if (!t || !rmm) {
		/* See rseqdev_thread_fill_spares(): only a broken invariant. */
		pr_err_ratelimited(RSEQDEV_NAME ": no preallocated state for the child of pid %d; it runs unregistered\n",
				   task_pid_nr(current));
		return;
	}
	parent->spare = NULL;
	parent->spare_rmm = NULL;
	parent->needs_spares = true;
	rseqdev_thread_post(parent, 0);

	rseqdev_thread_init(t, parent->area, parent->len, parent->sig,
			    parent->rules);
	/* The child's copy of the area holds what the parent's does. */
	t->written = parent->written;
	rseqdev_slice_inherit(t, parent);
	rseqdev_mm_adopt(rmm, child->mm, parent->rmm);
	t->rmm = rmm;
	rseqdev_thread_activate(t, child, RSEQDEV_SETUP_FORK);
	rseqdev_queue_resume(t, child);
}

static void rseqdev_on_fork(struct task_struct *parent, struct task_struct *child)
{
	struct rseqdev_thread *t;

	/* Threads and vfork children share the mm: they start unregistered. */
	if (!child->mm || child->mm == parent->mm)
		return;
	t = rseqdev_thread_of_current();
	if (t)
		rseqdev_thread_inherit(t, child);
}

/*
 * The new program must register again; the old area is gone with the mm,
 * which may have lost its last user, and with it its fence registration.
 */
static void rseqdev_on_exec(void)
{
	struct rseqdev_thread *t = rseqdev_thread_of_current();

	if (t)
		rseqdev_thread_teardown(t, RSEQDEV_TEARDOWN_EXEC);
	rseqdev_mm_reap_soon();
}

/* Called after the task has left its mm, maybe the mm's last user. */
static void rseqdev_on_exit(void)
{
	struct rseqdev_thread *t = rseqdev_thread_of_current();

	if (t)
		rseqdev_thread_teardown(t, RSEQDEV_TEARDOWN_EXIT);
	rseqdev_mm_reap_soon();
}

/* What the compatibility layer's hooks report, and where. */
const struct rseqdev_compat_events rseqdev_thread_events = {
	.signal_delivery = rseqdev_on_signal_delivery,
	.fork = rseqdev_on_fork,
	.exec = rseqdev_on_exec,
	.exit = rseqdev_on_exit,
	.syscall_exit = rseqdev_on_syscall_exit,
	.syscall_entry = rseqdev_slice_syscall_entry,
	.schedule_call = rseqdev_slice_schedule_call,
	.facility_hidden = rseqdev_selftest_hides,
};
