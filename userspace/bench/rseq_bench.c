// SPDX-License-Identifier: GPL-2.0-only
/*
 * rseq_bench: what rseq through the module costs, as ratios against
 * baselines measured in the same run on the same kernel.
 *
 *   rseq_bench [switch] [cpu] [ops] [opv] [fence] [slice] [slicelock] [--quick] [--tap]
 *   rseq_bench bystander [--quick]
 *
 * switch: cost of a context switch for a thread that is not registered,
 *         registered through the module, or registered natively (glibc),
 *         by sched_yield ping-pong and pipe ping-pong on one CPU.
 * cpu:    reading the current CPU from the area, with sched_getcpu(), and
 *         with the getcpu system call.
 * ops:    a per-CPU counter increment with rseq against an atomic
 *         fetch-add, a mutex, and a plain per-thread increment.
 * opv:    cpu_opv latency against getpid() and a no-op ioctl, the
 *         library's fallback rate, the longest preemption-off time.
 * fence:  the module's rseq fence against the kernel's membarrier RSEQ
 *         fence, with the other CPUs busy and idle.
 * slice:  getpid() and the yield switch of a process that does not use
 *         the time-slice extension, with its hooks attached and not.
 * slicelock: a contended spinlock, more threads than CPUs, with the
 *         time-slice extension and without.
 * bystander: the yield and pipe switches of a process that registers
 *         nothing, one line for tests/vm/bystander.sh to compare with the
 *         module unloaded, loaded and idle, and in use elsewhere.
 *
 * Times come from CLOCK_MONOTONIC. Under QEMU TCG they are distorted;
 * under -icount shift=0 one "nanosecond" is one guest instruction, which
 * makes the switch costs deterministic. Each figure is the median of
 * several repetitions; the ratios are what to quote.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <rseqdev/rseq.h>

#include "bench.h"

static bool quick;

uint64_t bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

double bench_median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int bench_repetitions(void)
{
	return quick ? 3 : 7;
}

long bench_scale(long n)
{
	return quick ? n / 10 : n;
}

void bench_pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		perror("sched_setaffinity");
}

void bench_line(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

/*
 * One figure for the report (scripts/bench-report.sh): "# data KEY VALUE"
 * beside the tables, KEY a slash-separated path named by @fmt.
 */
void bench_data(double value, const char *fmt, ...)
{
	va_list ap;

	printf("# data ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf(" %.3f\n", value);
	fflush(stdout);
}

static void usage(void)
{
	fprintf(stderr, "usage: rseq_bench [switch] [cpu] [ops] [opv] [fence] [slice] [slicelock] [--quick] [--tap]\n"
		"       rseq_bench bystander [--quick]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	bool want_switch = false, want_cpu = false, want_ops = false;
	bool want_opv = false, want_fence = false, want_slice = false, tap = false;
	bool want_slice_lock = false;
	int i, failed = 0;

	if (argc >= 2 && !strcmp(argv[1], BENCH_SWITCH_CHILD))
		return bench_switch_child(argc - 1, argv + 1);
	if (argc == 2 && !strcmp(argv[1], BENCH_SLICE_LOCK_CHILD))
		return bench_slice_lock_child();
	if (argc >= 2 && !strcmp(argv[1], "bystander")) {
		quick = argc == 3 && !strcmp(argv[2], "--quick");
		if (argc > 3 || (argc == 3 && !quick))
			usage();
		return bench_bystander(argv[0]);
	}
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "switch"))
			want_switch = true;
		else if (!strcmp(argv[i], "cpu"))
			want_cpu = true;
		else if (!strcmp(argv[i], "ops"))
			want_ops = true;
		else if (!strcmp(argv[i], "opv"))
			want_opv = true;
		else if (!strcmp(argv[i], "fence"))
			want_fence = true;
		else if (!strcmp(argv[i], "slice"))
			want_slice = true;
		else if (!strcmp(argv[i], "slicelock"))
			want_slice_lock = true;
		else if (!strcmp(argv[i], "--quick"))
			quick = true;
		else if (!strcmp(argv[i], "--tap"))
			tap = true;
		else
			usage();
	}
	if (!want_switch && !want_cpu && !want_ops && !want_opv && !want_fence &&
	    !want_slice && !want_slice_lock)
		want_switch = want_cpu = want_ops = want_opv = want_fence =
			want_slice = want_slice_lock = true;

	bench_line("rseq_bench: backend %s, %ld CPUs", rseqdev_backend_name(rseqdev_init()),
		   sysconf(_SC_NPROCESSORS_ONLN));
	if (want_switch)
		failed |= bench_switch(argv[0]);
	if (want_cpu)
		failed |= bench_cpu();
	if (want_ops)
		failed |= bench_ops();
	if (want_opv)
		failed |= bench_opv();
	if (want_fence)
		failed |= bench_fence();
	if (want_slice)
		failed |= bench_slice(argv[0]);
	if (want_slice_lock)
		failed |= bench_slice_lock(argv[0]);
	if (tap)
		printf("%s 1 - benchmarks ran\n1..1\n", failed ? "not ok" : "ok");
	return failed;
}
