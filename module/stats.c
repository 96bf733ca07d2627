// SPDX-License-Identifier: GPL-2.0-only
/*
 * The module's counters, read through RSEQDEV_IOC_STATS.
 *
 * Event counters are per CPU so that counting an abort or a vector costs
 * one unlocked increment and no shared cache line. The object counts
 * (thread states, id tables) change only at registration and teardown and
 * are plain atomics: a test reads them back to zero to prove nothing leaks.
 */
#include <linux/atomic.h>
#include <linux/capability.h>
#include <linux/percpu.h>

#include "internal.h"

static DEFINE_PER_CPU(unsigned long, rseqdev_events[RSEQDEV_NR_EVENTS]);
static atomic_long_t rseqdev_objects[RSEQDEV_NR_OBJECTS];
static atomic64_t rseqdev_max_preempt_off_ns;

void rseqdev_count_event(enum rseqdev_event event)
{
	this_cpu_inc(rseqdev_events[event]);
}

void rseqdev_count_object(enum rseqdev_object object, int delta)
{
	atomic_long_add(delta, &rseqdev_objects[object]);
}

/* A new maximum is rare: read first, exchange only to raise it. */
void rseqdev_note_preempt_off(u64 ns)
{
	s64 old = atomic64_read(&rseqdev_max_preempt_off_ns);

	while ((u64)old < ns) {
		if (atomic64_try_cmpxchg(&rseqdev_max_preempt_off_ns, &old, ns))
			break;
	}
}

static u64 rseqdev_event_sum(enum rseqdev_event event)
{
	unsigned long sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += per_cpu(rseqdev_events[event], cpu);
	return sum;
}

/**
 * rseqdev_stats_read() - fill the counters of RSEQDEV_IOC_STATS
 * @stats: size and flags as the caller sent them; the rest is written
 *
 * Return: 0, -EINVAL for unknown flags, -EPERM for a reset without
 * CAP_SYS_ADMIN.
 */
int rseqdev_stats_read(struct rseqdev_stats *stats)
{
	if (stats->flags & ~RSEQDEV_STATS_RESET_MAX)
		return -EINVAL;
	if ((stats->flags & RSEQDEV_STATS_RESET_MAX) && !capable(CAP_SYS_ADMIN))
		return -EPERM;
	/* Processes gone are not counted: drop their fence registrations. */
	rseqdev_mm_reap_now();
	stats->threads = atomic_long_read(&rseqdev_objects[RSEQDEV_OBJ_THREAD]);
	stats->processes = atomic_long_read(&rseqdev_objects[RSEQDEV_OBJ_MM]);
	stats->registrations = rseqdev_event_sum(RSEQDEV_EV_REGISTER);
	stats->aborts = rseqdev_event_sum(RSEQDEV_EV_ABORT);
	stats->cpu_opv_calls = rseqdev_event_sum(RSEQDEV_EV_CPU_OPV);
	stats->fences = rseqdev_event_sum(RSEQDEV_EV_FENCE);
	stats->fence_ipis = rseqdev_event_sum(RSEQDEV_EV_FENCE_IPI);
	stats->slice_granted = rseqdev_event_sum(RSEQDEV_EV_SLICE_GRANTED);
	stats->slice_expired = rseqdev_event_sum(RSEQDEV_EV_SLICE_EXPIRED);
	stats->slice_revoked = rseqdev_event_sum(RSEQDEV_EV_SLICE_REVOKED);
	stats->slice_yielded = rseqdev_event_sum(RSEQDEV_EV_SLICE_YIELDED);
	stats->slice_aborted = rseqdev_event_sum(RSEQDEV_EV_SLICE_ABORTED);
	if (stats->flags & RSEQDEV_STATS_RESET_MAX)
		stats->cpu_opv_max_preempt_off_ns =
			atomic64_xchg(&rseqdev_max_preempt_off_ns, 0);
	else
		stats->cpu_opv_max_preempt_off_ns =
			atomic64_read(&rseqdev_max_preempt_off_ns);
	return 0;
}
