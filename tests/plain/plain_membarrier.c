// SPDX-License-Identifier: GPL-2.0-only
/*
 * membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ) on the plain system
 * calls: its answers, then what it is for. Worker threads increment, in an
 * rseq critical section, the slot of their CPU in whichever of two arrays
 * a global pointer names (load the pointer, index it by cpu_id, load, add,
 * store as the commit). A manager swaps the pointer and fences: after the
 * fence no section that loaded the old pointer may commit, so the array
 * just retired must not change until it becomes active again. Every
 * increment must land in one of the arrays.
 *
 * Whether a stale commit gets in between the fence and the manager's look
 * is a matter of timing, which a QEMU guest that runs one vCPU at a time
 * rarely offers. So a second phase holds a worker inside its section, with
 * the old pointer loaded, until the manager has fenced: then the section
 * must have been aborted, and the retired array must stay as it was.
 *
 * usage: plain_membarrier [ROUNDS [DELAY]]
 * (default 100 swaps; DELAY, default 50, loops inside each critical
 * section widen the window a missing fence leaves open). Prints TAP.
 */
#define _GNU_SOURCE
#include "plain.h"

#include <pthread.h>

#define USAGE		"plain_membarrier [ROUNDS [DELAY]]"
#define RSEQ_COMMANDS	(MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ | \
			 MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_RSEQ)

static struct slot arrays[2][NR_SLOTS];
static struct slot *active = arrays[0];

static int nr_cpus;
static unsigned int delay = 50;
static int stop;
static long commits;
static long register_failures;

/* The held phase: a section of round R waits, inside, for go_round == R. */
static int entered_round;
static int go_round;
static int done_round;
static long held_aborts;

static void check_result(long ret, int want_errno, const char *what)
{
	int err = errno;
	bool pass = result_is(ret, want_errno);

	check(pass, "%s: %s", what, want_errno ? strerrorname_np(want_errno) : "0");
	if (!pass)
		printf("# returned %ld (%s)\n", ret, ret == -1 ? strerrorname_np(err) : "");
}

/*
 * active[cpu].count++ as one restartable sequence, the pointer loaded inside
 * it: 0 once committed, -1 when aborted or no longer on @cpu. Between the
 * load of the pointer and the commit it says it entered @round, waits for
 * go_round == @round (at once for round 0), then spins @spins times.
 */
static int increment_active(int cpu, int round, unsigned int spins)
{
	return test_rseq_increment_active(&thread_area.rseq_cs, &thread_area.cpu_id,
					  cpu, (void **)&active,
					  (long)cpu * (long)sizeof(struct slot),
					  round, &entered_round, &go_round, spins);
}

static void *worker(void *unused)
{
	long done = 0;

	(void)unused;
	if (rseq_thread(0)) {
		printf("# registration failed: %s\n", strerror(errno));
		__atomic_add_fetch(&register_failures, 1, __ATOMIC_RELAXED);
		return NULL;
	}
	while (!__atomic_load_n(&stop, __ATOMIC_RELAXED))
		if (!increment_active(slot_cpu(), 0, delay))
			done++;
	rseq_thread(RSEQ_FLAG_UNREGISTER);
	__atomic_add_fetch(&commits, done, __ATOMIC_RELAXED);
	return NULL;
}

static long sum(const struct slot *array)
{
	long total = 0;
	int i;

	for (i = 0; i < NR_SLOTS; i++)
		total += __atomic_load_n(&array[i].count, __ATOMIC_RELAXED);
	return total;
}

/* Odd rounds fence every CPU at once, even rounds one CPU at a time. */
static int fence(int round)
{
	int cpu;

	if (round & 1)
		return sys_membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ, 0, 0) ? -1 : 0;
	for (cpu = 0; cpu < nr_cpus; cpu++)
		if (sys_membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ,
				   MEMBARRIER_CMD_FLAG_CPU, cpu))
			return -1;
	return 0;
}

/*
 * Swap, fence, then watch the retired array: it must keep the sum it had
 * right after the fence, a moment later and when it comes back. Returns
 * the number of swaps after which it changed, or -1 when a fence failed.
 */
static long swap_rounds(int rounds)
{
	long settled[2] = { 0, 0 };
	long stale = 0;
	int round, next;

	for (round = 0; round < rounds; round++) {
		next = active == arrays[0];
		if (sum(arrays[next]) != settled[next])
			stale++;
		__atomic_store_n(&active, arrays[next], __ATOMIC_RELEASE);
		if (fence(round)) {
			printf("# fence failed: %s\n", strerror(errno));
			return -1;
		}
		settled[!next] = sum(arrays[!next]);
		usleep(200);
		if (sum(arrays[!next]) != settled[!next])
			stale++;
	}
	return stale;
}

static void check_answers(void)
{
	long mask = sys_membarrier(MEMBARRIER_CMD_QUERY, 0, 0);

	check(mask >= 0 && (mask & RSEQ_COMMANDS) == RSEQ_COMMANDS,
	      "QUERY lists both RSEQ commands (0x%lx)", mask);
	check_result(sys_membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ, 0, 0), EPERM,
		     "fence before registering");
	check_result(sys_membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ,
				    MEMBARRIER_CMD_FLAG_CPU, nr_cpus + 100), EPERM,
		     "fence of a CPU beyond the last before registering");
	check_result(sys_membarrier(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_RSEQ, 1, 0),
		     EINVAL, "register with flags 1");
	check_result(sys_membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ, 2, 0), EINVAL,
		     "fence with flags 2");
	check_result(sys_membarrier(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_RSEQ, 0, 0), 0,
		     "register");
	check_result(sys_membarrier(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_RSEQ, 0, 0), 0,
		     "register again");
	check_result(sys_membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ, 0, 12345), 0,
		     "fence of every CPU (cpu_id ignored without FLAG_CPU)");
	check_result(sys_membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ,
				    MEMBARRIER_CMD_FLAG_CPU, 0), 0, "fence of CPU 0");
	check_result(sys_membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ,
				    MEMBARRIER_CMD_FLAG_CPU, -1), 0,
		     "fence of CPU -1 (every CPU)");
	check_result(sys_membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ,
				    MEMBARRIER_CMD_FLAG_CPU, nr_cpus + 100), 0,
		     "fence of a CPU beyond the last");
}

static void check_swaps(int rounds)
{
	int nr_workers = 2 * nr_cpus;
	pthread_t *workers = calloc(nr_workers, sizeof(*workers));
	long stale, total;
	int i;

	if (!workers)
		exit(2);
	for (i = 0; i < nr_workers; i++)
		if (pthread_create(&workers[i], NULL, worker, NULL))
			exit(2);
	stale = swap_rounds(rounds);
	__atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
	for (i = 0; i < nr_workers; i++)
		pthread_join(workers[i], NULL);
	free(workers);

	total = sum(arrays[0]) + sum(arrays[1]);
	check(!register_failures, "%d workers registered (%ld failed)", nr_workers,
	      register_failures);
	check(stale == 0, "%d swaps: no increment landed in a retired array after the fence (%ld did)",
	      rounds, stale);
	check(total == commits && commits > 0, "every increment counted once: %ld in the arrays, %ld committed",
	      total, commits);
}

/* On CPU 1, one section per round, each held until the manager says go. */
static void *held_worker(void *arg)
{
	int rounds = *(int *)arg;
	long aborts = 0;
	int round;

	pin(1);
	if (rseq_thread(0)) {
		printf("Bail out! held worker: registration failed: %s\n", strerror(errno));
		exit(1);
	}
	for (round = 1; round <= rounds; round++) {
		while (increment_active(1, round, 0))
			aborts++;
		__atomic_store_n(&done_round, round, __ATOMIC_RELEASE);
	}
	rseq_thread(RSEQ_FLAG_UNREGISTER);
	held_aborts = aborts;
	return NULL;
}

/*
 * Each round: once the worker is inside its section, swap and fence (CPU 1
 * alone, or every CPU), note the retired array's sum, let the worker go.
 * Its section was aborted by the fence, so it commits into the new array.
 */
static void check_held(int rounds)
{
	pthread_t thread;
	long settled, stale = 0;
	int round, next;

	if (nr_cpus < 2 || sysconf(_SC_NPROCESSORS_ONLN) < 2) {
		skip("the held sections need two CPUs");
		return;
	}
	pin(0);
	if (pthread_create(&thread, NULL, held_worker, &rounds))
		exit(2);
	for (round = 1; round <= rounds; round++) {
		wait_for(&entered_round, round);
		next = active == arrays[0];
		__atomic_store_n(&active, arrays[next], __ATOMIC_RELEASE);
		if (sys_membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ,
				   round & 1 ? MEMBARRIER_CMD_FLAG_CPU : 0, 1))
			printf("# fence failed: %s\n", strerror(errno));
		settled = sum(arrays[!next]);
		__atomic_store_n(&go_round, round, __ATOMIC_RELEASE);
		wait_for(&done_round, round);
		stale += sum(arrays[!next]) != settled;
	}
	pthread_join(thread, NULL);
	check(stale == 0, "%d sections held across a fence: none committed into the retired array (%ld did)",
	      rounds, stale);
	check(held_aborts >= rounds, "the fences aborted them (%ld aborts)", held_aborts);
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? (int)number_arg(argv[1], 0, USAGE) : 100;

	if (argc > 2)
		delay = (unsigned int)number_arg(argv[2], 0, USAGE);
	nr_cpus = (int)sysconf(_SC_NPROCESSORS_CONF);
	check_answers();
	check_swaps(rounds);
	check_held(50);
	return done_testing();
}
