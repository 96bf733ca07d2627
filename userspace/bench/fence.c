// SPDX-License-Identifier: GPL-2.0-only
/*
 * What a fence costs: the module's fence ioctl against the kernel's own
 * membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ) in the same process,
 * with getpid() as the baseline, in two situations:
 *
 * busy	one spinning thread on each other CPU, registered both ways (glibc's
 *	native registration and the library's through the module), so both
 *	fences interrupt every other CPU;
 * idle	the same threads asleep: neither fence has a CPU to interrupt.
 *
 * Each for every CPU and for one other CPU (the targeted form). Needs the
 * module backend, glibc's own registration (no GLIBC_TUNABLES) and two
 * online CPUs; otherwise it says why and measures nothing.
 */
#include <errno.h>
#include <linux/membarrier.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <rseqdev/rseq.h>
#include <rseqdev/rseqdev.h>

#include "bench.h"

enum fence_kind {
	GETPID,
	MODULE_ALL,
	NATIVE_ALL,
	MODULE_ONE,
	NATIVE_ONE,
	NR_KINDS,
};

static const char *const kind_names[NR_KINDS] = {
	"getpid()", "module fence, all CPUs", "membarrier, all CPUs",
	"module fence, CPU 1", "membarrier, CPU 1",
};

static const char *const kind_keys[NR_KINDS] = {
	"getpid", "module-all", "membarrier-all", "module-one", "membarrier-one",
};

static int spinning;
static int stop;

static long native_membarrier(int cmd, unsigned int flags, int cpu)
{
	return syscall(__NR_membarrier, cmd, flags, cpu);
}

static int fence_once(enum fence_kind kind)
{
	switch (kind) {
	case GETPID:
		return syscall(SYS_getpid) > 0 ? 0 : -1;
	case MODULE_ALL:
		return rseqdev_fence(0, 0);
	case NATIVE_ALL:
		return (int)native_membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ, 0, 0);
	case MODULE_ONE:
		return rseqdev_fence(RSEQDEV_FENCE_CPU, 1);
	case NATIVE_ONE:
		return (int)native_membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ,
					      MEMBARRIER_CMD_FLAG_CPU, 1);
	default:
		return -1;
	}
}

static double ns_per_fence(enum fence_kind kind, long calls)
{
	int r, reps = bench_repetitions();
	double v[16];
	long i;

	for (r = 0; r < reps; r++) {
		uint64_t t0 = bench_now_ns();

		for (i = 0; i < calls; i++)
			if (fence_once(kind))
				return -1;
		v[r] = (double)(bench_now_ns() - t0) / calls;
	}
	return bench_median(v, reps);
}

/* Spins in user space while told to, else sleeps; registered both ways. */
static void *spinner(void *arg)
{
	bench_pin((int)(long)arg);
	if (rseqdev_register_current_thread())
		return NULL;
	while (!__atomic_load_n(&stop, __ATOMIC_RELAXED)) {
		if (!__atomic_load_n(&spinning, __ATOMIC_RELAXED))
			usleep(1000);
	}
	return NULL;
}

static int measure(const char *situation, const char *key, long calls)
{
	double ns[NR_KINDS];
	int k;

	for (k = 0; k < NR_KINDS; k++) {
		ns[k] = ns_per_fence(k, calls);
		if (ns[k] < 0) {
			bench_line("  %-26s failed: %s", kind_names[k], strerror(errno));
			return 1;
		}
	}
	bench_line("  %s:", situation);
	for (k = 0; k < NR_KINDS; k++) {
		bench_line("    %-26s %9.0f ns %7.2fx getpid", kind_names[k], ns[k],
			   ns[k] / ns[GETPID]);
		bench_data(ns[k], "fence/%s/%s", key, kind_keys[k]);
	}
	bench_line("    module / membarrier: %.2f all CPUs, %.2f one CPU",
		   ns[MODULE_ALL] / ns[NATIVE_ALL], ns[MODULE_ONE] / ns[NATIVE_ONE]);
	return 0;
}

static int fence_ready(int ncpus)
{
	if (ncpus < 2) {
		bench_line("rseq fence: not measured (one CPU online)");
		return 0;
	}
	if (rseqdev_get_backend() != RSEQ_BACKEND_MODULE) {
		bench_line("rseq fence: not measured (backend %s, not the module)",
			   rseqdev_backend_name(rseqdev_get_backend()));
		return 0;
	}
	if (rseqdev_fence_register() ||
	    native_membarrier(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_RSEQ, 0, 0)) {
		bench_line("rseq fence: not measured (registration: %s)",
			   strerror(errno));
		return 0;
	}
	return 1;
}

int bench_fence(void)
{
	int ncpus = (int)sysconf(_SC_NPROCESSORS_ONLN), i, failed;
	long calls = bench_scale(100);
	pthread_t threads[64];
	int nr = ncpus - 1 > 64 ? 64 : ncpus - 1;

	bench_pin(0);
	if (rseqdev_register_current_thread() || !fence_ready(ncpus))
		return 0;
	for (i = 0; i < nr; i++)
		pthread_create(&threads[i], NULL, spinner, (void *)(long)(i + 1));
	bench_line("rseq fence (median of %d runs of %ld calls, %d other threads)",
		   bench_repetitions(), calls, nr);
	__atomic_store_n(&spinning, 1, __ATOMIC_RELAXED);
	usleep(20000);
	failed = measure("busy: a thread spinning on every other CPU", "busy", calls);
	__atomic_store_n(&spinning, 0, __ATOMIC_RELAXED);
	usleep(20000);
	if (!failed)
		failed = measure("idle: the other threads asleep", "idle", calls);
	__atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
	for (i = 0; i < nr; i++)
		pthread_join(threads[i], NULL);
	return failed;
}
