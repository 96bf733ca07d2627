/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the programs of tests/plain share: TAP output, the rseq and
 * membarrier system calls, a registered area per thread and CPU pinning
 * (the critical sections are in ../../userspace/tests/test_arch.h). Like
 * the programs, it uses libc
 * and kernel headers only: they stand for software written against the
 * plain system calls, which knows nothing of rseqdev. Include it first,
 * after #define _GNU_SOURCE, which CPU sets need.
 */
#ifndef PLAIN_H
#define PLAIN_H

#include <errno.h>
#include <linux/membarrier.h>
#include <linux/rseq.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/syscall.h>
#include <unistd.h>

/*
 * The auxiliary vector's entries for struct rseq's layout (Linux 6.3), with
 * the kernel's values, for C libraries whose headers predate them (Debian's
 * arm64 cross glibc 2.36-8 does; its native 2.36 does not). Written out
 * here, as uapi/linux/rseqdev.h also has them: these programs stand for
 * ones that know nothing of the module, and include none of its headers.
 */
#ifndef AT_RSEQ_FEATURE_SIZE
#define AT_RSEQ_FEATURE_SIZE	27
#endif
#ifndef AT_RSEQ_ALIGN
#define AT_RSEQ_ALIGN		28
#endif

/*
 * RSEQ_SIG and the critical sections, in the instruction set: the tests'
 * one architecture header, libc only like this one.
 */
#include "../../userspace/tests/test_arch.h"

/* Per-CPU data: a slot for every CPU the cpu_id of an area may name. */
#define NR_SLOTS	CPU_SETSIZE

/* A cache line each, so that the CPUs do not share one. */
struct slot {
	long count;
} __attribute__((aligned(64)));

static int tests_run;
static int tests_failed;

/* One TAP line; returns @pass, for a caller that cannot go on without it. */
__attribute__((format(printf, 2, 3)))
static inline bool check(bool pass, const char *fmt, ...)
{
	va_list ap;

	printf("%sok %d - ", pass ? "" : "not ", ++tests_run);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	/* Flushed, so that a forked child does not print it again. */
	fflush(stdout);
	if (!pass)
		tests_failed++;
	return pass;
}

/* A check this machine cannot run: TAP counts it as passed. */
static inline void skip(const char *why)
{
	printf("ok %d - # SKIP %s\n", ++tests_run, why);
}

/* The plan, which TAP allows last, and the exit status for main(). */
static inline int done_testing(void)
{
	printf("1..%d\n", tests_run);
	return tests_failed ? 1 : 0;
}

__attribute__((noreturn))
static inline void usage(const char *line)
{
	fprintf(stderr, "usage: %s\n", line);
	exit(2);
}

/* @arg as a number of at least @min; otherwise the usage line, and exit. */
static inline long number_arg(const char *arg, long min, const char *line)
{
	char *end;
	long value = strtol(arg, &end, 0);

	if (!*arg || *end || value < min)
		usage(line);
	return value;
}

/* Whether a call gave 0, or failed with @want_errno when it is not 0. */
static inline bool result_is(long ret, int want_errno)
{
	return want_errno ? ret == -1 && errno == want_errno : ret == 0;
}

/* glibc wraps neither call. */
static inline long sys_rseq(void *area, uint32_t len, int flags, uint32_t sig)
{
	return syscall(__NR_rseq, area, len, flags, sig);
}

static inline long sys_membarrier(int cmd, unsigned int flags, int cpu)
{
	return syscall(__NR_membarrier, cmd, flags, cpu);
}

/* Each thread's own area, in TLS: a thread registers only for itself. */
static __thread struct rseq thread_area __attribute__((aligned(32))) = {
	.cpu_id = RSEQ_CPU_ID_UNINITIALIZED,
};

/* Registers (@flags 0) or unregisters the calling thread's area. */
static inline long rseq_thread(int flags)
{
	return sys_rseq(&thread_area, sizeof(thread_area), flags, RSEQ_SIG);
}

/* Atomic: the kernel rewrites cpu_id whenever it returns to the thread. */
static inline int cpu_of(const struct rseq *area)
{
	return (int)__atomic_load_n(&area->cpu_id, __ATOMIC_RELAXED);
}

/* The calling thread's CPU, as its own area says. */
static inline int thread_cpu(void)
{
	return cpu_of(&thread_area);
}

/*
 * thread_cpu(), to index the slots with. Out of range, the area is not
 * kept up to date and no count can be trusted: the program stops.
 */
static inline int slot_cpu(void)
{
	int cpu = thread_cpu();

	if (cpu < 0 || cpu >= NR_SLOTS) {
		printf("# cpu_id %d out of range\n", cpu);
		exit(1);
	}
	return cpu;
}

/* Moves the calling thread to @cpu, for checks that need it to stay put. */
static inline void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set)) {
		perror("sched_setaffinity");
		exit(2);
	}
}

/* Sleeps rather than spins: the other side may need this CPU to get there. */
static inline void wait_for(const int *round, int want)
{
	while (__atomic_load_n(round, __ATOMIC_ACQUIRE) != want)
		usleep(50);
}

#endif /* PLAIN_H */
