// SPDX-License-Identifier: GPL-2.0-only
/*
 * What the cpu_opv slow path costs and how often the library takes it:
 *
 * latency	a 2-operation vector (compare, store) for the calling CPU, for
 *		another CPU, and for the caller's concurrency id, against a
 *		no-op ioctl on the device (an unknown command) and getpid();
 * fallback	the share of counter increments that fell back to cpu_opv,
 *		with two threads per CPU, then with every thread yielding
 *		between increments;
 * preempt-off	the module's longest preemption-off time for the smallest
 *		vector and for the largest one the limits allow (needs root
 *		to restart the module's maximum).
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <rseqdev/cpu_op.h>
#include <rseqdev/percpu.h>
#include <rseqdev/rseqdev.h>

#include "bench.h"

static intptr_t word;
static intptr_t expect;

static struct rseqdev_cpu_op two_ops[2] = {
	{ .op = RSEQDEV_CPU_OP_COMPARE_EQ, .len = sizeof(intptr_t),
	  .u.compare = { .a = (uintptr_t)&word, .b = (uintptr_t)&expect } },
	{ .op = RSEQDEV_CPU_OP_MEMCPY, .len = sizeof(intptr_t),
	  .u.memcpy = { .dst = (uintptr_t)&word, .src = (uintptr_t)&expect } },
};

enum call_kind { GETPID, NOOP_IOCTL, OPV_LOCAL, OPV_REMOTE, OPV_MM_CID, NR_CALLS };

static const char *const call_names[NR_CALLS] = {
	"getpid()", "no-op ioctl", "cpu_opv, this CPU", "cpu_opv, other CPU",
	"cpu_opv, own mm_cid",
};

static const char *const call_keys[NR_CALLS] = {
	"getpid", "ioctl", "local", "remote", "mm-cid",
};

/* One call of @kind; 0 when it did what it should. */
static int call_once(enum call_kind kind, int fd, int here, int there)
{
	switch (kind) {
	case GETPID:
		return syscall(SYS_getpid) > 0 ? 0 : -1;
	case NOOP_IOCTL:
		return ioctl(fd, _IO(RSEQDEV_IOC_MAGIC, 0x7f)) == -1 &&
		       errno == ENOTTY ? 0 : -1;
	case OPV_LOCAL:
		return rseqdev_cpu_opv(two_ops, 2, here, 0);
	case OPV_REMOTE:
		return rseqdev_cpu_opv(two_ops, 2, there, 0);
	case OPV_MM_CID:
		while (rseqdev_cpu_opv(two_ops, 2, rseq_current_mm_cid(),
				       RSEQDEV_CPU_OPV_MM_CID))
			if (errno != EAGAIN)
				return -1;
		return 0;
	default:
		return -1;
	}
}

static double ns_per_call(enum call_kind kind, long calls, int here, int there)
{
	double v[16];
	int fd = rseqdev_device_fd(), r, reps = bench_repetitions();
	long i;

	for (r = 0; r < reps; r++) {
		uint64_t t0 = bench_now_ns();

		for (i = 0; i < calls; i++)
			if (call_once(kind, fd, here, there))
				return -1;
		v[r] = (double)(bench_now_ns() - t0) / calls;
	}
	return bench_median(v, reps);
}

static int bench_latency(void)
{
	int ncpus = (int)sysconf(_SC_NPROCESSORS_ONLN), k;
	int here = 0, there = ncpus > 1 ? 1 : 0;
	long calls = bench_scale(20000);
	double ns[NR_CALLS];

	bench_pin(here);
	if (rseqdev_register_current_thread())
		return 1;
	bench_line("cpu_opv latency, 2-operation vector (median of %d runs of %ld calls)",
		   bench_repetitions(), calls);
	for (k = 0; k < NR_CALLS; k++) {
		ns[k] = 0;
		if ((k == OPV_REMOTE && there == here) ||
		    (k == OPV_MM_CID && !rseqdev_cpu_opv_usable(RSEQ_PERCPU_MM_CID)))
			continue;
		ns[k] = ns_per_call(k, calls, here, there);
		if (ns[k] < 0) {
			bench_line("  %-22s failed: %s", call_names[k], strerror(errno));
			return 1;
		}
	}
	/* Printed once both baselines are known. */
	for (k = 0; k < NR_CALLS; k++) {
		if (!ns[k])
			bench_line("  %-22s not measured (one CPU, or not the module's registration)",
				   call_names[k]);
		else {
			bench_line("  %-22s %9.0f ns %7.2fx getpid %7.2fx no-op ioctl",
				   call_names[k], ns[k], ns[k] / ns[GETPID],
				   ns[k] / ns[NOOP_IOCTL]);
			bench_data(ns[k], "opv/%s", call_keys[k]);
		}
	}
	return 0;
}

static struct rseqdev_percpu_counter *counter;
static long adds_per_thread;
static int yield_between;

struct adder {
	pthread_t thread;
	struct rseqdev_percpu_stats stats;
	int failed;
};

static void *add_loop(void *arg)
{
	struct adder *a = arg;
	long i;

	rseqdev_percpu_reset_thread_stats();
	for (i = 0; i < adds_per_thread && !a->failed; i++) {
		a->failed = rseqdev_percpu_counter_add(counter, 1) != 0;
		if (yield_between)
			sched_yield();
	}
	a->stats = rseqdev_percpu_thread_stats();
	return NULL;
}

static int fallback_rate(const char *load, int threads)
{
	struct adder adders[256] = { 0 };
	struct rseqdev_percpu_stats sum = { 0 };
	int i;

	counter = rseqdev_percpu_counter_create(RSEQ_PERCPU_CPU_ID);
	if (!counter)
		return 1;
	for (i = 0; i < threads; i++)
		pthread_create(&adders[i].thread, NULL, add_loop, &adders[i]);
	for (i = 0; i < threads; i++) {
		pthread_join(adders[i].thread, NULL);
		sum.commits += adders[i].stats.commits;
		sum.aborts += adders[i].stats.aborts;
		sum.fallbacks += adders[i].stats.fallbacks;
		if (adders[i].failed)
			return 1;
	}
	i = rseqdev_percpu_counter_sum(counter) != adds_per_thread * threads;
	rseqdev_percpu_counter_destroy(counter);
	if (i) {
		bench_line("  %-22s lost increments", load);
		return 1;
	}
	bench_data((double)sum.fallbacks / (adds_per_thread * threads), "opv/fallbacks/%s",
		   yield_between ? "yield" : "normal");
	bench_line("  %-22s %ld adds: %llu aborts (%.2e per add), %llu fallbacks (%.2e per add)",
		   load, adds_per_thread * threads, (unsigned long long)sum.aborts,
		   (double)sum.aborts / (adds_per_thread * threads),
		   (unsigned long long)sum.fallbacks,
		   (double)sum.fallbacks / (adds_per_thread * threads));
	return 0;
}

static int bench_fallback(void)
{
	int ncpus = (int)sysconf(_SC_NPROCESSORS_ONLN);
	int threads = 2 * ncpus > 256 ? 256 : 2 * ncpus;

	bench_line("fallback rate, %d threads on %d CPUs, abort limit %u",
		   threads, ncpus, rseqdev_percpu_policy.abort_limit);
	adds_per_thread = bench_scale(1000000);
	yield_between = 0;
	if (fallback_rate("normal", threads))
		return 1;
	adds_per_thread = bench_scale(100000);
	yield_between = 1;
	return fallback_rate("yield after every add", threads);
}

/* The largest vector: one page copied, then fifteen word operations. */
static int largest_vector(struct rseqdev_cpu_op *ops, char *dst, char *src,
			  intptr_t *words)
{
	int i;

	ops[0] = (struct rseqdev_cpu_op) {
		.op = RSEQDEV_CPU_OP_MEMCPY, .len = RSEQDEV_CPU_OPV_MAX_OP_LEN,
		.u.memcpy = { .dst = (uintptr_t)dst, .src = (uintptr_t)src },
	};
	for (i = 1; i < RSEQDEV_CPU_OPV_MAX_OPS; i++)
		ops[i] = (struct rseqdev_cpu_op) {
			.op = RSEQDEV_CPU_OP_ADD, .len = sizeof(intptr_t),
			.u.arithmetic = { .p = (uintptr_t)&words[i], .count = 1 },
		};
	return RSEQDEV_CPU_OPV_MAX_OPS;
}

static int max_preempt_off(const char *what, const struct rseqdev_cpu_op *ops,
			   int nr, long calls)
{
	int ncpus = (int)sysconf(_SC_NPROCESSORS_ONLN);
	struct rseqdev_stats st;
	long i;

	if (rseqdev_stats(&st, RSEQDEV_STATS_RESET_MAX)) {
		bench_line("  %-22s not measured: %s (restarting the maximum needs root)",
			   what, strerror(errno));
		return 0;
	}
	for (i = 0; i < calls; i++)
		if (rseqdev_cpu_opv(ops, nr, i % ncpus, 0))
			return 1;
	if (rseqdev_stats(&st, 0))
		return 1;
	bench_line("  %-22s %ld vectors: longest %llu ns with preemption off",
		   what, calls, (unsigned long long)st.cpu_opv_max_preempt_off_ns);
	bench_data(st.cpu_opv_max_preempt_off_ns, "opv/preempt-off/%d", nr);
	return 0;
}

static int bench_preempt_off(void)
{
	static char dst[RSEQDEV_CPU_OPV_MAX_OP_LEN], src[RSEQDEV_CPU_OPV_MAX_OP_LEN];
	static intptr_t words[RSEQDEV_CPU_OPV_MAX_OPS];
	struct rseqdev_cpu_op ops[RSEQDEV_CPU_OPV_MAX_OPS];
	long calls = bench_scale(20000);
	int nr = largest_vector(ops, dst, src, words);

	bench_line("preemption-off time, module's maximum over the run");
	expect = word;
	return max_preempt_off("2 operations", two_ops, 2, calls) ||
	       max_preempt_off("largest (16 ops, 4216 B)", ops, nr, calls);
}

int bench_opv(void)
{
	struct rseqdev_query q;

	if (rseqdev_query(&q) || !(q.features & RSEQDEV_FEATURE_CPU_OPV)) {
		bench_line("cpu_opv: not provided by the module");
		return 1;
	}
	return bench_latency() || bench_fallback() || bench_preempt_off();
}
