// SPDX-License-Identifier: GPL-2.0-only
/*
 * Reading the current CPU: from the rseq area, through glibc's
 * sched_getcpu() (which itself reads glibc's area when glibc registered),
 * and with the getcpu system call.
 */
#include <sched.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <rseqdev/rseq.h>

#include "bench.h"

/* Where results go, so the compiler keeps every read. */
static int sink;

static double ns_per_area_read(long n)
{
	uint64_t t0 = bench_now_ns();
	long i;

	for (i = 0; i < n; i++)
		RSEQ_WRITE_ONCE(sink, rseq_current_cpu_raw());
	return (double)(bench_now_ns() - t0) / n;
}

static double ns_per_sched_getcpu(long n)
{
	uint64_t t0 = bench_now_ns();
	long i;

	for (i = 0; i < n; i++)
		RSEQ_WRITE_ONCE(sink, sched_getcpu());
	return (double)(bench_now_ns() - t0) / n;
}

static double ns_per_getcpu_syscall(long n)
{
	uint64_t t0 = bench_now_ns();
	unsigned int cpu;
	long i;

	for (i = 0; i < n; i++) {
		syscall(SYS_getcpu, &cpu, NULL, NULL);
		RSEQ_WRITE_ONCE(sink, cpu);
	}
	return (double)(bench_now_ns() - t0) / n;
}

static double median_of(double (*fn)(long), long n)
{
	double v[16];
	int i, reps = bench_repetitions();

	for (i = 0; i < reps; i++)
		v[i] = fn(n);
	return bench_median(v, reps);
}

int bench_cpu(void)
{
	double area, glibc, sys;

	if (rseqdev_register_current_thread()) {
		bench_line("current CPU: cannot register (%s)", rseqdev_backend_name(rseqdev_init()));
		return 1;
	}
	area = median_of(ns_per_area_read, bench_scale(2000000));
	glibc = median_of(ns_per_sched_getcpu, bench_scale(2000000));
	sys = median_of(ns_per_getcpu_syscall, bench_scale(200000));
	bench_line("current CPU read (median of %d runs), %s area", bench_repetitions(),
		   rseqdev_backend_name(rseqdev_init()));
	bench_line("  %-28s %8.2f ns   1.00x", "rseq area (cpu_id)", area);
	bench_line("  %-28s %8.2f ns %6.2fx", "sched_getcpu()", glibc, glibc / area);
	bench_line("  %-28s %8.2f ns %6.2fx", "getcpu system call", sys, sys / area);
	bench_data(area, "cpu/area");
	bench_data(glibc, "cpu/sched_getcpu");
	bench_data(sys, "cpu/getcpu");
	return 0;
}
