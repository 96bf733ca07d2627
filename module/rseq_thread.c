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
 * The state is found from the thread itself through its list of preempt
 * notifiers, so there is no global table to lock. Queued task_work cannot
 * be withdrawn by a module, so the callback owns the end of the state's
 * life: unregister, exec and exit mark the state dead and make sure the
 * callback is queued, and the callback, in process context, frees it.
 */
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sched/task_stack.h>
#include <linux/slab.h>
#include <linux/task_work.h>

#include "compat/compat.h"
#include "internal.h"

static void rseq_resume_work_fn(struct callback_head *work);

struct rseq_thread *rseq_thread_of_current(void)
{
	struct preempt_notifier *notifier;

	notifier = compat_notifier_find(current, &rseq_preempt_ops);
	return notifier ? container_of(notifier, struct rseq_thread, notifier)
			: NULL;
}

static struct rseq_thread *rseq_thread_alloc(gfp_t gfp)
{
	if (!(gfp & __GFP_NOFAIL) &&
	    rseqdev_selftest_fails_alloc(RSEQDEV_ALLOC_THREAD))
		return NULL;
	return kzalloc(sizeof(struct rseq_thread), gfp);
}

/* Process context: drops the module reference the state held. */
static void rseq_thread_free(struct rseq_thread *t)
{
	if (t->rmm)
		rseq_mm_put(t->rmm);
	kfree(t->spare);
	rseq_mm_free_unused(t->spare_rmm);
	kfree(t);
	rseqdev_count_object(RSEQDEV_OBJ_THREAD, -1);
	module_put(THIS_MODULE);
}

/*
 * A state starts to live: it pins the module, is counted, and is listed
 * in its process. Its rmm is set.
 */
static void rseq_thread_activate(struct rseq_thread *t, struct task_struct *task)
{
	__module_get(THIS_MODULE);
	rseqdev_count_object(RSEQDEV_OBJ_THREAD, 1);
	rseqdev_count_event(RSEQDEV_EV_REGISTER);
	t->task = task;
	rseq_mm_add_thread(t->rmm, &t->mm_node);
	compat_notifier_attach(task, &t->notifier);
}

/*
 * The callback will run before @task next enters user mode. Called by the
 * owner with interrupts off, or on a child that has never run. It cannot
 * fail: the task's final task_work flush comes after its exit hook, the
 * last place that queues.
 */
static void rseq_queue_resume(struct rseq_thread *t, struct task_struct *task)
{
	if (t->work_queued)
		return;
	t->work_queued = true;
	task_work_add(task, &t->resume_work, TWA_RESUME);
}

/* Record @events for current and make sure the callback runs; any context. */
static void rseq_post_events(struct rseq_thread *t, unsigned int events)
{
	unsigned long flags;

	local_irq_save(flags);
	t->events |= events;
	rseq_queue_resume(t, current);
	local_irq_restore(flags);
}

static void rseq_drop_cid(struct rseq_thread *t)
{
	if (t->cid >= 0) {
		rseq_mm_cid_drop(t->rmm, t->cid);
		t->cid = -1;
	}
}

/* Runs under the runqueue lock with interrupts off: record and queue. */
static void rseq_sched_out(struct preempt_notifier *notifier,
			   struct task_struct *next)
{
	struct rseq_thread *t = container_of(notifier, struct rseq_thread,
					     notifier);

	t->events |= RSEQ_THREAD_EVENT_PREEMPT;
	t->nr_preempts++;
	rseq_drop_cid(t);
	rseq_fence_note_stopped(t->rmm);
	rseq_queue_resume(t, current);
}

static void rseq_sched_in(struct preempt_notifier *notifier, int cpu)
{
	struct rseq_thread *t = container_of(notifier, struct rseq_thread,
					     notifier);

	t->cpu = cpu;
	rseq_fence_note_running(t->rmm);
}

struct preempt_ops rseq_preempt_ops = {
	.sched_in = rseq_sched_in,
	.sched_out = rseq_sched_out,
};

static void rseq_thread_init(struct rseq_thread *t, struct rseq_abi __user *area,
			     u32 len, u32 sig)
{
	preempt_notifier_init(&t->notifier, &rseq_preempt_ops);
	init_task_work(&t->resume_work, rseq_resume_work_fn);
	INIT_LIST_HEAD(&t->mm_node);
	t->area = area;
	t->len = len;
	t->sig = sig;
	t->cid = -1;
	t->last_cid = -1;
}

/*
 * Process context: what a fork of this thread will need, allocated ahead
 * because the fork hook runs with preemption off. After a fork the parent
 * refills with __GFP_NOFAIL in its resume callback, which runs before the
 * parent can fork again, so a fork never finds the spares missing.
 */
static int rseq_thread_fill_spares(struct rseq_thread *t, gfp_t gfp)
{
	if (!t->spare)
		t->spare = rseq_thread_alloc(gfp);
	if (!t->spare_rmm)
		t->spare_rmm = rseq_mm_alloc(gfp);
	return t->spare && t->spare_rmm ? 0 : -ENOMEM;
}

/**
 * rseq_thread_register() - register current, checks already done
 * @area:	the thread's struct rseq_abi
 * @len:	its registered length
 * @sig:	abort signature
 *
 * The IDs are written by the resume callback before the ioctl returns to
 * user space, as mainline writes them on the way out of the system call.
 *
 * Return: 0 or -ENOMEM.
 */
int rseq_thread_register(struct rseq_abi __user *area, u32 len, u32 sig)
{
	struct rseq_mm *rmm = rseq_mm_alloc(GFP_KERNEL);
	struct rseq_thread *t = rseq_thread_alloc(GFP_KERNEL);

	if (!t || !rmm || rseq_thread_fill_spares(t, GFP_KERNEL)) {
		rseq_mm_free_unused(rmm);
		if (t) {
			kfree(t->spare);
			rseq_mm_free_unused(t->spare_rmm);
		}
		kfree(t);
		return -ENOMEM;
	}
	rseq_thread_init(t, area, len, sig);
	t->rmm = rseq_mm_get(current->mm, &rmm);
	rseq_mm_free_unused(rmm);

	/* The open device pins the module; from here on the state does too. */
	rseq_thread_activate(t, current);
	preempt_disable();
	t->cpu = smp_processor_id();
	rseq_fence_note_running(t->rmm);
	rseq_post_events(t, 0);
	preempt_enable();
	return 0;
}

/**
 * rseq_thread_teardown() - end a registration (unregister, exec, exit)
 * @t: the state of current
 *
 * Safe with preemption off (exec and exit hooks): the free itself is left
 * to the resume callback queued here, which runs in process context and
 * never touches user memory for a dead state. Once the notifier is off,
 * nothing but current touches the state.
 */
void rseq_thread_teardown(struct rseq_thread *t)
{
	/*
	 * What the switch-out notifier would give up goes with the notifier,
	 * in one preemption-off region. A switch-out in between would leave
	 * the concurrency id held by a task that is not running, and
	 * rseq_mm_cid_take() spins, preemption off, on the promise that
	 * every holder runs: with every id stranded that way, every CPU
	 * spins.
	 */
	preempt_disable();
	compat_notifier_detach(&t->notifier);
	rseq_drop_cid(t);
	rseq_fence_note_stopped(t->rmm);
	preempt_enable();
	rseqdev_selftest_preemptible_point();
	rseq_mm_del_thread(t->rmm, &t->mm_node);
	preempt_disable();
	t->dead = true;
	rseq_post_events(t, 0);
	preempt_enable();
}

/**
 * rseq_thread_take_cid() - the concurrency id @t holds, taken if it has none
 * @t: the state of current
 *
 * Called with preemption off: only a switch-out gives the id up.
 *
 * Return: the id.
 */
int rseq_thread_take_cid(struct rseq_thread *t)
{
	if (t->cid < 0)
		t->cid = rseq_mm_cid_take(t->rmm, t->last_cid);
	t->last_cid = t->cid;
	return t->cid;
}

/**
 * rseq_thread_hold_cid() - make sure current holds concurrency id @cid
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
int rseq_thread_hold_cid(int cid)
{
	struct rseq_thread *t = rseq_thread_of_current();

	if (!t)
		return -EINVAL;
	return rseq_thread_take_cid(t) == cid ? 0 : -EAGAIN;
}

static void rseq_resume_work_fn(struct callback_head *work)
{
	struct rseq_thread *t = container_of(work, struct rseq_thread,
					     resume_work);
	bool needs_spares;

	if (t->dead) {
		rseq_thread_free(t);
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
		rseq_thread_fill_spares(t, GFP_KERNEL | __GFP_NOFAIL);
	if (rseq_handle_resume(t, task_pt_regs(current)))
		force_sig(SIGSEGV);
}

void rseq_on_signal_delivery(void)
{
	struct rseq_thread *t = rseq_thread_of_current();

	if (!t)
		return;
	t->nr_signals++;
	rseq_post_events(t, RSEQ_THREAD_EVENT_SIGNAL);
}

/**
 * rseq_thread_fence_hit() - a fence interrupted current, a thread of the
 *	fencing process: abort its critical section, as a preemption would
 * @t: the state of current
 *
 * Hard interrupt context.
 */
void rseq_thread_fence_hit(struct rseq_thread *t)
{
	if (t->dead)
		return;
	t->nr_fences++;
	rseq_post_events(t, RSEQ_THREAD_EVENT_FENCE);
}

/* The child of a registered parent without CLONE_VM inherits the area. */
static void rseq_thread_inherit(struct rseq_thread *parent,
				struct task_struct *child)
{
	struct rseq_thread *t = parent->spare;
	struct rseq_mm *rmm = parent->spare_rmm;

	if (!t || !rmm) {
		/* See rseq_thread_fill_spares(): only a broken invariant. */
		pr_err_ratelimited(RSEQDEV_NAME ": no preallocated state for the child of pid %d; it runs unregistered\n",
				   task_pid_nr(current));
		return;
	}
	parent->spare = NULL;
	parent->spare_rmm = NULL;
	parent->needs_spares = true;
	rseq_post_events(parent, 0);

	rseq_thread_init(t, parent->area, parent->len, parent->sig);
	rseq_mm_adopt(rmm, child->mm, parent->rmm);
	t->rmm = rmm;
	rseq_thread_activate(t, child);
	rseq_queue_resume(t, child);
}

void rseq_on_fork(struct task_struct *parent, struct task_struct *child)
{
	struct rseq_thread *t;

	/* Threads and vfork children share the mm: they start unregistered. */
	if (!child->mm || child->mm == parent->mm)
		return;
	t = rseq_thread_of_current();
	if (t)
		rseq_thread_inherit(t, child);
}

/*
 * The new program must register again; the old area is gone with the mm,
 * which may have lost its last user, and with it its fence registration.
 */
void rseq_on_exec(void)
{
	struct rseq_thread *t = rseq_thread_of_current();

	if (t)
		rseq_thread_teardown(t);
	rseq_mm_reap_soon();
}

/* Called after the task has left its mm, maybe the mm's last user. */
void rseq_on_exit(void)
{
	struct rseq_thread *t = rseq_thread_of_current();

	if (t)
		rseq_thread_teardown(t);
	rseq_mm_reap_soon();
}
