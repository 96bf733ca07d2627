// SPDX-License-Identifier: GPL-2.0-only
/*
 * The rseq fence: RSEQDEV_IOC_FENCE, the module's
 * membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ).
 *
 * A fence interrupts each targeted CPU that runs a registered thread of the
 * caller's process; the interrupt records an event that aborts the
 * thread's critical section before it runs another user instruction, as a
 * preemption does. A thread that does not run is switched out, and its
 * switch-out already recorded that event.
 *
 * Mainline reads each runqueue's current task to choose the CPUs; a module
 * cannot reach runqueues, so registered threads say where they run: their
 * switch-in writes their process's state into a per-CPU slot and their
 * switch-out clears it. Only the slots of registered threads are written,
 * so other tasks' switches cost nothing, and only CPUs whose slot names the
 * caller's process are interrupted.
 *
 * Ordering. A thread whose section read data before the fencer changed it
 * must be seen running by the fence: the slot store happens before the
 * thread returns to user space and is followed by a full barrier, and the
 * fencer reads the slots after a full barrier that follows its own stores.
 * Either the fencer sees the slot, or the thread's section starts after the
 * fencer's stores and sees the new data.
 */
#include <linux/atomic.h>
#include <linux/cpumask.h>
#include <linux/percpu.h>
#include <linux/sched.h>
#include <linux/smp.h>

#include <linux/rseqdev.h>

#include "internal.h"
#include "rseqdev_trace.h"

DEFINE_PER_CPU(struct rseqdev_mm *, rseqdev_running_mm);

struct rseqdev_fence_target {
	struct rseqdev_mm *rmm;	/* the caller's process */
	int skip_cpu;		/* the caller's CPU, or -1 */
	/*
	 * What the trace event reports, counted only while it is on: the
	 * interrupts run concurrently, and would otherwise share the line.
	 */
	bool count;
	atomic_t nr_cpus;	/* CPUs interrupted */
	atomic_t nr_threads;	/* threads of rmm found running there */
};

/* Runs on the caller's CPU for every candidate: one interrupt per yes. */
static bool rseqdev_fence_wanted(int cpu, void *info)
{
	const struct rseqdev_fence_target *target = info;

	return cpu != target->skip_cpu &&
	       READ_ONCE(per_cpu(rseqdev_running_mm, cpu)) == target->rmm;
}

/* Hard interrupt context, on a targeted CPU. */
static void rseqdev_fence_interrupt(void *info)
{
	struct rseqdev_fence_target *target = info;
	struct rseqdev_thread *t;
	bool hit;

	/* The fencer's stores before anything the thread does next. */
	smp_mb();
	rseqdev_count_event(RSEQDEV_EV_FENCE_IPI);
	t = rseqdev_thread_of_current();
	hit = t && t->rmm == target->rmm;
	if (hit)
		rseqdev_thread_fence_hit(t);
	if (target->count) {
		atomic_inc(&target->nr_cpus);
		if (hit)
			atomic_inc(&target->nr_threads);
	}
}

static int rseqdev_fence_check(const struct rseqdev_fence *req)
{
	if (req->reserved)
		return -EINVAL;
	switch (req->flags) {
	case RSEQDEV_FENCE_REGISTER:
	case 0:
		return req->cpu ? -EINVAL : 0;
	case RSEQDEV_FENCE_CPU:
		return req->cpu < -1 || req->cpu >= (int)nr_cpu_ids ?
		       -EINVAL : 0;
	default:
		return -EINVAL;
	}
}

/*
 * Every CPU but the caller's (it runs no section: it is in a system call),
 * or just @cpu, which may be the caller's own: then the function runs
 * here, with interrupts off. (An offline @cpu runs nothing to interrupt.)
 */
static void rseqdev_fence_cpus(struct rseqdev_fence_target *target, int cpu)
{
	/* The caller's stores before the slots are read. */
	smp_mb();
	if (cpu >= 0) {
		if (rseqdev_fence_wanted(cpu, target))
			smp_call_function_single(cpu, rseqdev_fence_interrupt,
						 target, true);
	} else {
		preempt_disable();
		target->skip_cpu = smp_processor_id();
		on_each_cpu_cond_mask(rseqdev_fence_wanted, rseqdev_fence_interrupt,
				      target, true, cpu_online_mask);
		preempt_enable();
	}
	/* What the interrupted threads did before, before the caller goes on. */
	smp_mb();
}

static int rseqdev_fence_do(const struct rseqdev_fence *req,
			    struct rseqdev_fence_target *target)
{
	struct rseqdev_thread *t;
	int ret;

	ret = rseqdev_fence_check(req);
	if (ret)
		return ret;
	if (req->flags & RSEQDEV_FENCE_REGISTER)
		return rseqdev_mm_fence_register();
	t = rseqdev_thread_of_current();
	target->rmm = rseqdev_mm_fence_registered(t ? t->rmm : NULL);
	if (!target->rmm)
		return -EPERM;
	rseqdev_count_event(RSEQDEV_EV_FENCE);
	/* A process of one thread has no other thread to fence. */
	if (atomic_read(&current->mm->mm_users) == 1)
		return 0;
	rseqdev_fence_cpus(target, req->flags & RSEQDEV_FENCE_CPU ? req->cpu : -1);
	return 0;
}

/**
 * rseqdev_fence_run() - RSEQDEV_IOC_FENCE
 * @req: the request, size already checked
 *
 * Return: 0, -EINVAL, -EPERM (not registered) or -ENOMEM (registration).
 */
long rseqdev_fence_run(const struct rseqdev_fence *req)
{
	struct rseqdev_fence_target target = {
		.skip_cpu = -1,
		.count = trace_rseqdev_fence_enabled(),
		.nr_cpus = ATOMIC_INIT(0),
		.nr_threads = ATOMIC_INIT(0),
	};
	int ret = rseqdev_fence_do(req, &target);

	trace_rseqdev_fence(req->flags, req->cpu, atomic_read(&target.nr_cpus),
			    atomic_read(&target.nr_threads), ret);
	return ret;
}
