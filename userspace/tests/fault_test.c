// SPDX-License-Identifier: GPL-2.0-only
/*
 * Allocation failures inside the module, through the selftest build's
 * fail_alloc_mask and fail_alloc_every parameters: each allocation site in
 * turn fails, the call that needed it returns ENOMEM, nothing is left
 * behind, and the same call works once the failures stop. Then failures
 * one call in three while threads register, unregister and run vectors:
 * every answer is 0 or ENOMEM and the module's object counts come back.
 *
 * Needs the selftest build of the module (tests/vm/faults.sh loads it).
 */
#include <pthread.h>
#include <stdio.h>

#include "rseq_test_util.h"

#define PARAM_DIR	"/sys/module/rseqdev/parameters/"

/* The sites, as bits of fail_alloc_mask (module/selftest.c). */
enum site { SITE_THREAD = 1, SITE_MM = 2, SITE_OPV = 4 };

static struct rseqdev_rseq area __attribute__((aligned(32)));

static void set_param(const char *name, unsigned int value)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), PARAM_DIR "%s", name);
	f = fopen(path, "w");
	if (!f || fprintf(f, "%u\n", value) < 0 || fclose(f))
		tap_bail("cannot write %s: %s", path, strerror(errno));
}

static void fail_alloc(unsigned int mask, unsigned int every)
{
	set_param("fail_alloc_every", every);
	set_param("fail_alloc_mask", mask);
}

static long module_register(struct rseqdev_rseq *a, uint32_t flags)
{
	struct rseqdev_register reg = {
		.size = sizeof(reg),
		.flags = flags,
		.rseq = (uintptr_t)a,
		.rseq_len = 32,
		.sig = RSEQ_SIG,
	};

	return ioctl(rseqdev_device_fd(), RSEQDEV_IOC_REGISTER, &reg);
}

/* A vector of @nr additions of 1 to @word, for CPU 0. */
static long add_ones(uint64_t *word, uint32_t nr)
{
	struct rseqdev_cpu_op ops[RSEQDEV_CPU_OPV_MAX_OPS];
	struct rseqdev_cpu_opv req = {
		.size = sizeof(req),
		.ops = (uintptr_t)ops,
		.nr_ops = nr,
	};
	uint32_t i;

	for (i = 0; i < nr; i++)
		ops[i] = (struct rseqdev_cpu_op) {
			.op = RSEQDEV_CPU_OP_ADD,
			.len = 8,
			.u.arithmetic = { .p = (uintptr_t)word, .count = 1 },
		};
	return ioctl(rseqdev_device_fd(), RSEQDEV_IOC_CPU_OPV, &req);
}

/* Each site alone: ENOMEM, nothing left behind, then success. */
static void check_each_site(void)
{
	static const struct {
		unsigned int mask;
		const char *name;
	} sites[] = {
		{ SITE_THREAD, "per-thread state" },
		{ SITE_MM, "per-process id table" },
	};
	struct rseqdev_stats before, after;
	uint64_t word = 0;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(sites); i++) {
		before = stats_now();
		fail_alloc(sites[i].mask, 1);
		expect_errno(module_register(&area, 0), ENOMEM, sites[i].name);
		fail_alloc(0, 1);
		after = stats_now();
		ok(after.threads == before.threads &&
		   after.processes == before.processes &&
		   after.registrations == before.registrations,
		   "%s: nothing registered, nothing left behind", sites[i].name);
		ok(module_register(&area, 0) == 0 &&
		   module_register(&area, RSEQDEV_RSEQ_FLAG_UNREGISTER) == 0,
		   "%s: registration works again", sites[i].name);
	}
	/* Up to 4 operations live on the module's stack: no allocation. */
	fail_alloc(SITE_OPV, 1);
	expect_errno(add_ones(&word, 5), ENOMEM, "cpu_opv vector copy, 5 operations");
	ok(word == 0, "cpu_opv: nothing ran");
	ok(add_ones(&word, 4) == 0 && word == 4,
	   "cpu_opv of 4 operations allocates nothing: it ran");
	fail_alloc(0, 1);
	ok(add_ones(&word, RSEQDEV_CPU_OPV_MAX_OPS) == 0 &&
	   word == 4 + RSEQDEV_CPU_OPV_MAX_OPS, "cpu_opv works again");
}

/*
 * A fence registration needs the process's state: in a new process, its
 * allocation failing gives ENOMEM and leaves the process unregistered.
 */
static void fence_register_fails(void *unused)
{
	(void)unused;
	fail_alloc(SITE_MM, 1);
	if (rseqdev_fence_register() == 0 || errno != ENOMEM)
		_exit(1);
	fail_alloc(0, 1);
	if (rseqdev_fence(0, 0) == 0 || errno != EPERM)
		_exit(2);
	if (rseqdev_fence_register() || rseqdev_fence(0, 0))
		_exit(3);
	_exit(0);
}

static void check_fence_registration(void)
{
	struct rseqdev_stats before = stats_now(), after;
	int status = run_in_child(fence_register_fails, NULL);

	fail_alloc(0, 1);
	ok(exited_with(status, 0),
	   "fence registration: ENOMEM, unregistered, then registers (status 0x%x)",
	   status);
	after = stats_now();
	ok(after.processes == before.processes,
	   "fence registration: the state goes with the process (%llu, %llu)",
	   (unsigned long long)before.processes,
	   (unsigned long long)after.processes);
}

static unsigned long answers_ok, answers_enomem, answers_other;

static void count_answer(long ret)
{
	if (ret >= 0)
		__atomic_fetch_add(&answers_ok, 1, __ATOMIC_RELAXED);
	else if (errno == ENOMEM)
		__atomic_fetch_add(&answers_enomem, 1, __ATOMIC_RELAXED);
	else
		__atomic_fetch_add(&answers_other, 1, __ATOMIC_RELAXED);
}

static void *churn(void *arg)
{
	static __thread struct rseqdev_rseq own __attribute__((aligned(32)));
	uint64_t *word = arg;
	long ret;

	ret = module_register(&own, 0);
	count_answer(ret);
	count_answer(add_ones(word, 5));
	/* Registered threads exit half the time without unregistering. */
	if (ret == 0 && ((uintptr_t)&ret & 64))
		count_answer(module_register(&own, RSEQDEV_RSEQ_FLAG_UNREGISTER));
	return NULL;
}

static void *forker(void *unused)
{
	static __thread struct rseqdev_rseq own __attribute__((aligned(32)));
	pid_t pid;

	(void)unused;
	/* A registered thread's fork uses preallocated state: never fails. */
	if (module_register(&own, 0))
		return NULL;
	pid = fork();
	if (pid == 0)
		_exit(0);
	if (pid > 0)
		waitpid(pid, NULL, 0);
	return NULL;
}

static void check_random_failures(void)
{
	struct rseqdev_stats before = stats_now(), after;
	uint64_t word = 0;
	pthread_t t[8];
	int round, i;

	fail_alloc(SITE_THREAD | SITE_MM | SITE_OPV, 3);
	for (round = 0; round < 50; round++) {
		for (i = 0; i < 8; i++)
			pthread_create(&t[i], NULL, i == 7 ? forker : churn, &word);
		for (i = 0; i < 8; i++)
			pthread_join(t[i], NULL);
	}
	fail_alloc(0, 1);
	ok(!answers_other && answers_ok && answers_enomem,
	   "one allocation in three failing: %lu successes, %lu ENOMEM, %lu other",
	   answers_ok, answers_enomem, answers_other);
	for (i = 0; i < 2000; i++) {
		after = stats_now();
		if (after.threads == before.threads &&
		    after.processes == before.processes)
			break;
		usleep(1000);
	}
	ok(after.threads == before.threads && after.processes == before.processes,
	   "object counts back to %llu threads, %llu processes",
	   (unsigned long long)before.threads,
	   (unsigned long long)before.processes);
}

int main(void)
{
	if (access(PARAM_DIR "fail_alloc_mask", W_OK))
		tap_bail("needs the selftest build of the module");
	rseqdev_init();
	check_each_site();
	check_fence_registration();
	check_random_failures();
	return tap_done();
}
