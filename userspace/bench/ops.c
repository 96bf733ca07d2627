// SPDX-License-Identifier: GPL-2.0-only
/*
 * Per-operation cost of a shared counter increment: the library's per-CPU
 * counter (rseq fast path), an atomic fetch-add on one shared word, a
 * mutex-protected word, and a plain increment of a per-thread word (the
 * floor: no sharing at all). One thread, then one thread per CPU.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <rseqdev/percpu.h>
#include <rseqdev/rseq.h>

#include "bench.h"

enum counter_kind { RSEQ_PERCPU, ATOMIC, MUTEX, PLAIN, NR_KINDS };

#define MAX_THREADS 64

static const char * const kind_names[NR_KINDS] = {
	"rseq per-CPU counter", "atomic fetch-add", "mutex", "plain per-thread",
};

static const char * const kind_keys[NR_KINDS] = { "rseq", "atomic", "mutex", "plain" };

static struct rseqdev_percpu_counter *percpu_counter;
static long shared_word;
static pthread_mutex_t shared_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_barrier_t start;
static long per_thread_ops;

struct worker {
	enum counter_kind kind;
	long plain;	/* the per-thread word */
	int failed;
} __attribute__((aligned(64)));

static void *count(void *arg)
{
	struct worker *w = arg;
	long i;

	if (w->kind == RSEQ_PERCPU && rseqdev_register_current_thread())
		w->failed = 1;
	pthread_barrier_wait(&start);
	for (i = 0; i < per_thread_ops && !w->failed; i++) {
		switch (w->kind) {
		case RSEQ_PERCPU:
			w->failed = rseqdev_percpu_counter_add(percpu_counter, 1) != 0;
			break;
		case ATOMIC:
			__atomic_fetch_add(&shared_word, 1, __ATOMIC_RELAXED);
			break;
		case MUTEX:
			pthread_mutex_lock(&shared_lock);
			shared_word++;
			pthread_mutex_unlock(&shared_lock);
			break;
		default:
			RSEQ_WRITE_ONCE(w->plain, w->plain + 1);
			break;
		}
	}
	return NULL;
}

/* Nanoseconds per increment with @threads threads, or -1 on failure. */
static double run_once(enum counter_kind kind, int threads)
{
	struct worker workers[MAX_THREADS] = { 0 };
	pthread_t ids[MAX_THREADS];
	uint64_t t0;
	long sum;
	int i;

	shared_word = 0;
	percpu_counter = rseqdev_percpu_counter_create(RSEQ_PERCPU_CPU_ID);
	if (!percpu_counter)
		return -1;
	pthread_barrier_init(&start, NULL, threads + 1);
	for (i = 0; i < threads; i++) {
		workers[i].kind = kind;
		pthread_create(&ids[i], NULL, count, &workers[i]);
	}
	pthread_barrier_wait(&start);
	t0 = bench_now_ns();
	for (i = 0; i < threads; i++)
		pthread_join(ids[i], NULL);
	t0 = bench_now_ns() - t0;
	pthread_barrier_destroy(&start);

	/* A benchmark that lost increments measured nothing. */
	sum = kind == RSEQ_PERCPU ? rseqdev_percpu_counter_sum(percpu_counter) : shared_word;
	for (i = 0; i < threads; i++) {
		if (workers[i].failed)
			sum = -1;
		if (kind == PLAIN)
			sum += workers[i].plain;
	}
	rseqdev_percpu_counter_destroy(percpu_counter);
	if (sum != per_thread_ops * threads)
		return -1;
	/* Per increment, as seen by one thread: wall time over its share. */
	return (double)t0 / per_thread_ops;
}

static double run_median(enum counter_kind kind, int threads)
{
	double v[16];
	int i, reps = bench_repetitions();

	for (i = 0; i < reps; i++) {
		v[i] = run_once(kind, threads);
		if (v[i] < 0)
			return -1;
	}
	return bench_median(v, reps);
}

int bench_ops(void)
{
	int ncpus = (int)sysconf(_SC_NPROCESSORS_ONLN), t, k, threads;
	double ns[NR_KINDS];

	per_thread_ops = bench_scale(1000000);
	/* One thread; one per CPU; two per CPU, so that preemption aborts. */
	for (t = 0; t < 3; t++) {
		threads = t == 0 ? 1 : t * ncpus;
		if ((t == 1 && ncpus == 1) || threads > MAX_THREADS)
			continue;
		bench_line("counter increment, %d thread%s on %d CPU%s (median of %d runs; ns per increment per thread)",
			   threads, threads > 1 ? "s" : "", ncpus, ncpus > 1 ? "s" : "",
			   bench_repetitions());
		for (k = 0; k < NR_KINDS; k++) {
			ns[k] = run_median(k, threads);
			if (ns[k] < 0) {
				bench_line("  %-24s failed or lost increments", kind_names[k]);
				return 1;
			}
		}
		/* Printed once the floor (plain) is known. */
		for (k = 0; k < NR_KINDS; k++) {
			bench_line("  %-24s %8.2f ns %7.2fx plain", kind_names[k], ns[k],
				   ns[k] / ns[PLAIN]);
			bench_data(ns[k], "ops/%d/%s", threads, kind_keys[k]);
		}
	}
	return 0;
}
