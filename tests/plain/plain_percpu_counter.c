// SPDX-License-Identifier: GPL-2.0-only
/*
 * A per-CPU counter on the plain rseq system call: more threads than CPUs,
 * each with its own registered area in TLS, increment the counter of the
 * CPU they run on with a restartable sequence (compare cpu_id, load, add,
 * store as the commit), while another thread showers them with signals.
 * The load and the store are separate instructions, so an abort the kernel
 * (or whatever stands in for it) misses loses an update: the total must be
 * exact.
 *
 * usage: plain_percpu_counter [THREADS [INCREMENTS]]
 * (default: 4 threads per CPU, 1000000 increments each). Prints TAP.
 */
#define _GNU_SOURCE
#include "plain.h"

#include <pthread.h>
#include <signal.h>

#define USAGE	"plain_percpu_counter [THREADS [INCREMENTS]]"

static struct slot counters[NR_SLOTS];

static long increments;
static pthread_barrier_t start;	/* workers and the storm start together */
static int running;		/* workers not finished yet */
static long register_failures;
static long unregister_failures;
static long total_aborts;
static long signals_received;

/*
 * counters[cpu].count++ as one restartable sequence: 0 once committed, -1
 * when aborted or when the thread no longer runs on @cpu.
 */
static int percpu_increment(int cpu)
{
	return test_rseq_increment(&thread_area.rseq_cs, &thread_area.cpu_id, cpu,
				   &counters[cpu].count);
}

static void *worker(void *unused)
{
	long aborts = 0;
	long i;

	(void)unused;
	if (rseq_thread(0)) {
		__atomic_add_fetch(&register_failures, 1, __ATOMIC_RELAXED);
		printf("# registration failed: %s\n", strerror(errno));
		pthread_barrier_wait(&start);
		goto out;
	}
	pthread_barrier_wait(&start);
	/* On an abort, read the CPU again: the thread may have moved. */
	for (i = 0; i < increments; i++)
		while (percpu_increment(slot_cpu()))
			aborts++;
	if (rseq_thread(RSEQ_FLAG_UNREGISTER))
		__atomic_add_fetch(&unregister_failures, 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&total_aborts, aborts, __ATOMIC_RELAXED);
out:
	__atomic_sub_fetch(&running, 1, __ATOMIC_RELEASE);
	return NULL;
}

static void on_signal(int sig)
{
	(void)sig;
	__atomic_add_fetch(&signals_received, 1, __ATOMIC_RELAXED);
}

/* Signals the workers round-robin until they are all done. */
static void *storm(void *arg)
{
	pthread_t *workers = arg;
	unsigned int i = 0;
	int nr = __atomic_load_n(&running, __ATOMIC_ACQUIRE);

	pthread_barrier_wait(&start);
	/* Workers are joined only after this returns, so each id stays valid. */
	while (__atomic_load_n(&running, __ATOMIC_ACQUIRE) > 0) {
		pthread_kill(workers[i++ % nr], SIGUSR1);
		if (i % 16 == 0)
			sched_yield();
	}
	return NULL;
}

static long sum_counters(void)
{
	long sum = 0;
	int i;

	for (i = 0; i < NR_SLOTS; i++)
		sum += counters[i].count;
	return sum;
}

static void setup_signal(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
}

int main(int argc, char **argv)
{
	long nr_cpus = sysconf(_SC_NPROCESSORS_ONLN);
	int nr_threads = argc > 1 ? (int)number_arg(argv[1], 1, USAGE) : 4 * (int)nr_cpus;
	pthread_t *workers = calloc(nr_threads, sizeof(*workers));
	pthread_t storm_thread;
	long want;
	int i;

	increments = argc > 2 ? number_arg(argv[2], 1, USAGE) : 1000000;
	if (!workers)
		return 2;
	setup_signal();
	running = nr_threads;
	pthread_barrier_init(&start, NULL, nr_threads + 1);
	for (i = 0; i < nr_threads; i++)
		if (pthread_create(&workers[i], NULL, worker, NULL))
			return 2;
	if (pthread_create(&storm_thread, NULL, storm, workers))
		return 2;
	pthread_join(storm_thread, NULL);
	for (i = 0; i < nr_threads; i++)
		pthread_join(workers[i], NULL);

	want = (long)nr_threads * increments;
	check(!register_failures, "%d threads registered their TLS area (%ld failed)",
	      nr_threads, register_failures);
	check(sum_counters() == want, "total %ld is exactly %d x %ld = %ld",
	      sum_counters(), nr_threads, increments, want);
	check(!unregister_failures, "every thread unregistered (%ld failed)",
	      unregister_failures);
	check(signals_received > 0, "the storm delivered %ld signals", signals_received);
	printf("# %ld aborts (retries) in %ld increments on %ld CPUs\n",
	       total_aborts, want, nr_cpus);
	free(workers);
	return done_testing();
}
