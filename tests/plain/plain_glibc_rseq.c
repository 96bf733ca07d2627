// SPDX-License-Identifier: GPL-2.0-only
/*
 * rseq in a program whose threads glibc (2.35+) registered itself: what
 * the rseq system call answers beside glibc's registration. glibc
 * publishes its area in <sys/rseq.h> (__rseq_offset, __rseq_size).
 *
 * usage: plain_glibc_rseq coexist|one-slot
 *
 * coexist: a second area registers beside glibc's; both show the CPU the
 * thread runs on, and unregistering the second leaves glibc's in place.
 * one-slot: a thread has one registration, as on a kernel with rseq:
 * glibc's again gives EBUSY, another area EINVAL, another signature EPERM;
 * once glibc's area is unregistered, another one registers.
 * Either way, membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ) aborts a
 * critical section that runs on glibc's area.
 * Prints TAP; exits 0 only if every check passed.
 */
#define _GNU_SOURCE
#include "plain.h"

#include <pthread.h>
#include <sys/rseq.h>

#define HELD_ROUNDS	20

/* A section of round R waits, inside, for go_round == R. */
static int entered_round;
static int go_round;
static int done_round;
static long held_aborts;

/* The calling thread's area as glibc registered it. */
static struct rseq *glibc_area(void)
{
	return (struct rseq *)((char *)__builtin_thread_pointer() + __rseq_offset);
}

/* glibc registers at least the original 32 bytes, whatever __rseq_size says. */
static uint32_t glibc_len(void)
{
	return __rseq_size > 32 ? __rseq_size : 32;
}

/*
 * One restartable sequence on @area that says it entered @round, waits
 * inside for go_round == @round, and commits done_round = @round: 0 once
 * committed, -1 when aborted.
 */
static int held_section(struct rseq *area, int cpu, int round)
{
	return test_rseq_held(&area->rseq_cs, &area->cpu_id, cpu, round,
			      &entered_round, &go_round, &done_round);
}

/* On CPU 1, in its glibc-registered area, one held section per round. */
static void *held_worker(void *unused)
{
	int round;

	(void)unused;
	pin(1);
	for (round = 1; round <= HELD_ROUNDS; round++)
		while (held_section(glibc_area(), 1, round))
			held_aborts++;
	return NULL;
}

/*
 * While the worker waits inside its section, fence: the section must be
 * aborted (and run again) before it commits, round after round.
 */
static void check_fence(void)
{
	pthread_t thread;
	int round;

	if (sysconf(_SC_NPROCESSORS_ONLN) < 2) {
		skip("the fence check needs two CPUs");
		return;
	}
	check(result_is(sys_membarrier(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_RSEQ, 0, 0), 0),
	      "membarrier: register for the RSEQ fence: 0");
	pin(0);
	if (pthread_create(&thread, NULL, held_worker, NULL))
		exit(2);
	for (round = 1; round <= HELD_ROUNDS; round++) {
		wait_for(&entered_round, round);
		if (sys_membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ, 0, 0))
			printf("# fence failed: %s\n", strerror(errno));
		__atomic_store_n(&go_round, round, __ATOMIC_RELEASE);
		wait_for(&done_round, round);
	}
	pthread_join(thread, NULL);
	check(held_aborts >= HELD_ROUNDS,
	      "membarrier aborted %d sections on glibc's area held across it (%ld aborts)",
	      HELD_ROUNDS, held_aborts);
}

/* On @cpu, both areas must say so: glibc's, and the second, thread_area. */
static void check_both_on(int cpu)
{
	pin(cpu);
	check(cpu_of(glibc_area()) == cpu && thread_cpu() == cpu,
	      "pinned to CPU %d: glibc's area says %d, the second area %d",
	      cpu, cpu_of(glibc_area()), thread_cpu());
}

static void *coexist_thread(void *unused)
{
	bool pass = cpu_of(glibc_area()) >= 0 && !rseq_thread(0) && thread_cpu() >= 0 &&
		    !rseq_thread(RSEQ_FLAG_UNREGISTER);

	(void)unused;
	return pass ? (void *)1 : NULL;
}

static void check_coexist(void)
{
	long nr_cpus = sysconf(_SC_NPROCESSORS_ONLN);
	pthread_t thread;
	void *pass = NULL;

	check(result_is(rseq_thread(0), 0), "a second area registers beside glibc's: 0");
	check_both_on(0);
	if (nr_cpus > 1)
		check_both_on(1);
	check(result_is(rseq_thread(0), EBUSY), "the second area again: EBUSY");
	check(result_is(rseq_thread(RSEQ_FLAG_UNREGISTER), 0), "unregister the second area: 0");
	pin(0);
	check(thread_cpu() == RSEQ_CPU_ID_UNINITIALIZED && cpu_of(glibc_area()) == 0,
	      "glibc's area still follows the thread (CPU %d), the second is reset (%d)",
	      cpu_of(glibc_area()), thread_cpu());
	if (pthread_create(&thread, NULL, coexist_thread, NULL) == 0)
		pthread_join(thread, &pass);
	check(pass, "a new thread: glibc registered it, and its second area registers");
}

static void *one_slot_thread(void *unused)
{
	bool pass = result_is(sys_rseq(glibc_area(), glibc_len(), 0, RSEQ_SIG), EBUSY) &&
		    result_is(rseq_thread(0), EINVAL);

	(void)unused;
	return pass ? (void *)1 : NULL;
}

static void check_one_slot(void)
{
	struct rseq *glibc = glibc_area();
	uint32_t len = glibc_len();
	pthread_t thread;
	void *pass = NULL;

	check(result_is(sys_rseq(glibc, len, 0, RSEQ_SIG), EBUSY),
	      "glibc's own registration again: EBUSY");
	check(result_is(rseq_thread(0), EINVAL), "another area: EINVAL");
	check(result_is(sys_rseq(glibc, len + 32, 0, RSEQ_SIG), EINVAL),
	      "glibc's area with another length: EINVAL");
	check(result_is(sys_rseq(glibc, len, 0, RSEQ_SIG + 1), EPERM),
	      "glibc's area with another signature: EPERM");
	if (pthread_create(&thread, NULL, one_slot_thread, NULL) == 0)
		pthread_join(thread, &pass);
	check(pass, "a new thread: EBUSY for glibc's area, EINVAL for another");
	check(result_is(sys_rseq(glibc, len, RSEQ_FLAG_UNREGISTER, RSEQ_SIG), 0),
	      "unregister glibc's area: 0");
	check(cpu_of(glibc) == RSEQ_CPU_ID_UNINITIALIZED, "glibc's area is reset (%d)",
	      cpu_of(glibc));
	pin(0);
	check(result_is(rseq_thread(0), 0), "then another area registers: 0");
	check(thread_cpu() == 0, "and shows the CPU (%d)", thread_cpu());
	check(result_is(rseq_thread(RSEQ_FLAG_UNREGISTER), 0), "unregister it: 0");
}

int main(int argc, char **argv)
{
	bool coexist = argc == 2 && !strcmp(argv[1], "coexist");

	if (argc != 2 || (!coexist && strcmp(argv[1], "one-slot")))
		usage("plain_glibc_rseq coexist|one-slot");
	if (!check(__rseq_size > 0 && cpu_of(glibc_area()) >= 0,
		   "glibc registered the main thread (__rseq_size %u, cpu_id %d)",
		   __rseq_size, __rseq_size ? cpu_of(glibc_area()) : -1)) {
		printf("Bail out! glibc's registration is off (GLIBC_TUNABLES?)\n");
		return 1;
	}
	check_fence();
	if (coexist)
		check_coexist();
	else
		check_one_slot();
	return done_testing();
}
