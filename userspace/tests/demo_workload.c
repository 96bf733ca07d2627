// SPDX-License-Identifier: GPL-2.0-only
/*
 * The workload of "make demo" (tests/vm/demo.sh): worker threads, two per
 * CPU, add to a per-CPU counter and move nodes between per-CPU lists
 * through the library, while
 *
 *   - a storm of SIGUSR1, whose handler adds to a second per-CPU counter,
 *   - a hopper thread, which moves a worker to another CPU every
 *     millisecond,
 *
 * abort their sequences. At the end it says what happened, in words, and
 * checks every total exactly: the counter against the adds made, the
 * handler's counter against the handler runs, every node on exactly one
 * list. Exit status 0 only if all of them hold.
 *
 * usage: demo_workload [SECONDS]   (how long the workers run; default 3)
 */
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rseqdev/percpu.h>

#include "rseq_test_util.h"

#define NODES_PER_THREAD	4
#define STORM_PERIOD_NS		500000L		/* 2000 signals a second */
#define HOP_PERIOD_NS		1000000L

struct worker {
	pthread_t thread;
	pid_t tid;		/* set once the thread is registered */
	long adds;
	long moves;		/* nodes popped and pushed back */
	struct rseqdev_percpu_stats stats;
};

static struct rseqdev_percpu_counter *counter, *signal_counter;
static struct rseqdev_percpu_list *list;
static struct rseqdev_percpu_list_node *nodes;
static struct worker *workers;
static unsigned int nr_workers, nr_cpus;
static int seconds = 3;
static pthread_barrier_t start;	/* workers registered, disturbers started */
static int stop;		/* set by main when the time is up */
static int running;		/* workers not finished */
static unsigned long signals_sent, signals_handled, hops;
static sigset_t storm_signal;	/* SIGUSR1 alone */
static unsigned long failures;	/* operations that returned an error */
static int first_errno;

/* An operation returned -1: counted, with the first errno. */
static void failed(void)
{
	int expected = 0;

	__atomic_compare_exchange_n(&first_errno, &expected, errno, false,
				    __ATOMIC_RELAXED, __ATOMIC_RELAXED);
	__atomic_fetch_add(&failures, 1, __ATOMIC_RELAXED);
}

static void on_sigusr1(int sig)
{
	int saved_errno = errno;

	(void)sig;
	if (rseqdev_percpu_counter_add(signal_counter, 1))
		failed();
	else
		__atomic_fetch_add(&signals_handled, 1, __ATOMIC_RELAXED);
	errno = saved_errno;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct rseqdev_percpu_list_node *node;
	int i;

	if (rseqdev_register_current_thread()) {
		perror("demo_workload: registration");
		exit(2);
	}
	__atomic_store_n(&w->tid, gettid(), __ATOMIC_RELEASE);
	for (i = 0; i < NODES_PER_THREAD; i++)
		rseqdev_percpu_list_push(list, &nodes[(w - workers) * NODES_PER_THREAD + i]);
	pthread_barrier_wait(&start);
	while (!__atomic_load_n(&stop, __ATOMIC_RELAXED)) {
		if (rseqdev_percpu_counter_add(counter, 1)) {
			failed();
			continue;
		}
		w->adds++;
		node = rseqdev_percpu_list_pop(list);
		if (node && rseqdev_percpu_list_push(list, node))
			failed();
		else if (node)
			w->moves++;
	}
	w->stats = rseqdev_percpu_thread_stats();
	/*
	 * The library unregisters the thread as it exits, and a handler's
	 * operation after that fails: no more handlers from here on.
	 */
	pthread_sigmask(SIG_BLOCK, &storm_signal, NULL);
	__atomic_fetch_sub(&running, 1, __ATOMIC_RELEASE);
	return NULL;
}

static void sleep_ns(long ns)
{
	struct timespec ts = { .tv_nsec = ns };

	nanosleep(&ts, NULL);
}

/* Every period, one SIGUSR1 to each worker still running. */
static void *storm_main(void *arg)
{
	unsigned int i;

	(void)arg;
	while (__atomic_load_n(&running, __ATOMIC_ACQUIRE)) {
		for (i = 0; i < nr_workers; i++) {
			pid_t tid = __atomic_load_n(&workers[i].tid, __ATOMIC_ACQUIRE);

			if (tid && !tgkill(getpid(), tid, SIGUSR1))
				signals_sent++;
		}
		sleep_ns(STORM_PERIOD_NS);
	}
	return NULL;
}

/* Every period, one worker to the next CPU: its section there aborts. */
static void *hopper_main(void *arg)
{
	unsigned int i = 0;
	cpu_set_t set;

	(void)arg;
	while (__atomic_load_n(&running, __ATOMIC_ACQUIRE)) {
		struct worker *w = &workers[i % nr_workers];

		CPU_ZERO(&set);
		CPU_SET(i % nr_cpus, &set);
		if (__atomic_load_n(&w->tid, __ATOMIC_ACQUIRE) &&
		    !pthread_setaffinity_np(w->thread, sizeof(set), &set))
			hops++;
		i++;
		sleep_ns(HOP_PERIOD_NS);
	}
	return NULL;
}

/* Every node on exactly one list: returns the number found so. */
static long count_nodes(long *misplaced)
{
	long total = nr_workers * NODES_PER_THREAD, found = 0;
	unsigned char *seen = calloc(total, 1);
	unsigned int slot;

	*misplaced = 0;
	if (!seen)
		return -1;
	for (slot = 0; slot < rseqdev_percpu_nr_slots(); slot++) {
		struct rseqdev_percpu_list_node *node =
			rseqdev_percpu_list_take_all(list, slot);

		for (; node && found + *misplaced <= total; node = node->next) {
			long n = node - nodes;

			if (n < 0 || n >= total || seen[n]++)
				(*misplaced)++;
			else
				found++;
		}
	}
	free(seen);
	return found;
}

static void run_threads(void)
{
	pthread_t storm, hopper;
	unsigned int i;

	running = nr_workers;
	pthread_barrier_init(&start, NULL, nr_workers + 1);
	for (i = 0; i < nr_workers; i++)
		if (pthread_create(&workers[i].thread, NULL, worker_main, &workers[i]))
			exit(2);
	if (pthread_create(&storm, NULL, storm_main, NULL) ||
	    pthread_create(&hopper, NULL, hopper_main, NULL))
		exit(2);
	pthread_barrier_wait(&start);
	sleep(seconds);
	__atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
	for (i = 0; i < nr_workers; i++)
		pthread_join(workers[i].thread, NULL);
	pthread_join(storm, NULL);
	pthread_join(hopper, NULL);
}

static int report(void)
{
	struct rseqdev_percpu_stats sum = { 0 };
	long adds = 0, moves = 0, found, misplaced;
	long counted = rseqdev_percpu_counter_sum(counter);
	long handled = rseqdev_percpu_counter_sum(signal_counter);
	unsigned int i;
	int exact;

	for (i = 0; i < nr_workers; i++) {
		adds += workers[i].adds;
		moves += workers[i].moves;
		sum.commits += workers[i].stats.commits;
		sum.aborts += workers[i].stats.aborts;
		sum.fallbacks += workers[i].stats.fallbacks;
	}
	found = count_nodes(&misplaced);
	printf("workers:      %u threads on %u CPUs for %d s, %ld rounds (an add, a pop, a push)\n",
	       nr_workers, nr_cpus, seconds, adds);
	printf("disturbance:  %lu signals sent, %lu handled; %lu moves to another CPU\n",
	       signals_sent, signals_handled, hops);
	printf("operations:   %llu committed by rseq, %llu through cpu_opv, %llu aborted attempts retried\n",
	       (unsigned long long)sum.commits, (unsigned long long)sum.fallbacks,
	       (unsigned long long)sum.aborts);
	printf("counter:      %ld, expected %ld\n", counted, adds);
	printf("in handlers:  %ld, expected %lu\n", handled, signals_handled);
	printf("list nodes:   %ld of %u found, each once (%ld misplaced; %ld moved)\n",
	       found, nr_workers * NODES_PER_THREAD, misplaced, moves);
	exact = !failures && counted == adds && handled == (long)signals_handled &&
		found == nr_workers * NODES_PER_THREAD && !misplaced;
	if (failures)
		printf("failed:       %lu operations returned an error, the first %s\n",
		       failures, strerror(first_errno));
	printf("totals:       %s\n", exact ? "exact" : "WRONG");
	return exact ? 0 : 1;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_sigusr1, .sa_flags = SA_RESTART };

	if (argc == 2)
		seconds = atoi(argv[1]);
	if (argc > 2 || seconds <= 0) {
		fprintf(stderr, "usage: demo_workload [SECONDS]\n");
		return 2;
	}
	nr_cpus = sysconf(_SC_NPROCESSORS_ONLN);
	nr_workers = 2 * nr_cpus;
	counter = rseqdev_percpu_counter_create(RSEQ_PERCPU_CPU_ID);
	signal_counter = rseqdev_percpu_counter_create(RSEQ_PERCPU_CPU_ID);
	list = rseqdev_percpu_list_create(RSEQ_PERCPU_CPU_ID);
	workers = calloc(nr_workers, sizeof(*workers));
	nodes = calloc(nr_workers * NODES_PER_THREAD, sizeof(*nodes));
	sigemptyset(&storm_signal);
	sigaddset(&storm_signal, SIGUSR1);
	if (!counter || !signal_counter || !list || !workers || !nodes ||
	    sigaction(SIGUSR1, &sa, NULL)) {
		perror("demo_workload: setup");
		return 2;
	}
	run_threads();
	return report();
}
