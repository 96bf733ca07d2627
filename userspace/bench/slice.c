// SPDX-License-Identifier: GPL-2.0-only
/*
 * The time-slice extension: what it does for a contended lock
 * (bench_slice_lock()), and what its hooks cost everyone else
 * (bench_slice()).
 *
 * What the hooks cost everyone else. A process that
 * never registers runs getpid() and the yield ping-pong twice: first while
 * no thread has the extension enabled, so nothing is attached; then while
 * another process has it enabled, so that the kprobe on schedule() and the
 * sys_enter tracepoint are attached for the whole system.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <rseqdev/rseq.h>

#include "bench.h"
#include "../tests/test_arch.h"

/* A process with the extension enabled, asleep until its pipe closes. */
static pid_t start_holder(void)
{
	static unsigned char area[64] __attribute__((aligned(64)));
	int ready[2], hold[2];
	char byte;
	pid_t pid;

	if (pipe(ready) || pipe(hold))
		return -1;
	pid = fork();
	if (pid == 0) {
		close(hold[1]);
		/* A registered parent's registration is inherited: drop it. */
		rseqdev_unregister_current_thread();
		setenv(RSEQDEV_ENV_GENERATION, "7.1", 1);
		byte = !rseqdev_rseq(area, RSEQDEV_GEN_7_1_FEATURE_SIZE,
				     RSEQDEV_RSEQ_FLAG_SLICE_EXT_DEFAULT_ON, RSEQ_SIG) &&
		       rseqdev_slice_prctl(RSEQDEV_PR_RSEQ_SLICE_EXTENSION_GET, 0, 0, 0) == 1;
		if (write(ready[1], &byte, 1) != 1)
			_exit(3);
		read(hold[0], &byte, 1);
		_exit(0);
	}
	close(ready[1]);
	close(hold[0]);
	if (read(ready[0], &byte, 1) != 1 || !byte) {
		close(hold[1]);
		waitpid(pid, NULL, 0);
		return -1;
	}
	close(ready[0]);
	/* The holder ends when this, its pipe's last writer, is closed. */
	return hold[1];
}

static void stop_holder(int fd)
{
	close(fd);
	wait(NULL);
}

static double getpid_ns(long n)
{
	double v[16];
	int r, reps = bench_repetitions();
	uint64_t t0;
	long i;

	for (r = 0; r < reps; r++) {
		t0 = bench_now_ns();
		for (i = 0; i < n; i++)
			syscall(SYS_getpid);
		v[r] = (double)(bench_now_ns() - t0) / n;
	}
	return bench_median(v, reps);
}

int bench_slice(const char *self)
{
	long n = bench_scale(20000);
	double getpid_off, getpid_on, yield_off, yield_on;
	int holder;

	getpid_off = getpid_ns(n);
	if (bench_switch_unregistered(self, &yield_off))
		goto failed;
	holder = start_holder();
	if (holder < 0)
		goto failed;
	getpid_on = getpid_ns(n);
	if (bench_switch_unregistered(self, &yield_on)) {
		stop_holder(holder);
		goto failed;
	}
	stop_holder(holder);
	bench_line("time-slice extension's hooks, seen by a process that does not use them");
	bench_line("%-34s %12s %12s %10s", "", "disarmed ns", "armed ns", "armed/off");
	bench_line("%-34s %12.1f %12.1f %9.3fx", "getpid()", getpid_off, getpid_on,
		   getpid_on / getpid_off);
	bench_line("%-34s %12.1f %12.1f %9.3fx", "yield switch (unregistered)", yield_off,
		   yield_on, yield_on / yield_off);
	bench_data(getpid_off, "slice/getpid/disarmed");
	bench_data(getpid_on, "slice/getpid/armed");
	bench_data(yield_off, "slice/yield/disarmed");
	bench_data(yield_on, "slice/yield/armed");
	return 0;
failed:
	bench_line("time-slice extension's hooks: failed (module not loaded, or no 7.1?)");
	return 1;
}

/*
 * The point of the extension: a contended spinlock with more threads than
 * CPUs and a critical section of a few microseconds. A holder preempted
 * with the lock leaves every waiter spinning until it runs again; with
 * the extension the kernel lets it finish first. Time comes from the
 * time-stamp counter: a system call inside the critical section (the
 * clock's, on a guest whose clocksource is not the TSC) would end grants.
 */
#define LOCK_HOLD_NS	2000
#define LOCK_MAX_WAITS	(1 << 20)

struct lock_bench {
	struct rseqdev_slice_spinlock lock;
	bool enable;
	int stop;
	uint64_t cycles_per_us;
	long acquisitions, preempted;
	uint32_t *waits;	/* each acquisition's wait, in ns */
	long nr_waits;
};

static uint64_t cycles_to_ns(const struct lock_bench *b, uint64_t c)
{
	return c * 1000 / b->cycles_per_us;
}

static void *lock_bench_thread(void *p)
{
	struct lock_bench *b = p;
	uint64_t t0, t1, end;
	long n = 0, preempted = 0, slot;
	struct rseqdev_rseq *a;

	if (rseqdev_register_current_thread() ||
	    rseqdev_slice_prctl(RSEQDEV_PR_RSEQ_SLICE_EXTENSION_SET,
				b->enable ? RSEQDEV_PR_RSEQ_SLICE_EXT_ENABLE : 0, 0, 0))
		exit(3);
	a = rseq_get_abi();
	while (!RSEQ_READ_ONCE(b->stop)) {
		t0 = test_cycles();
		rseqdev_slice_spin_lock(&b->lock);
		t1 = test_cycles();
		end = t1 + LOCK_HOLD_NS * b->cycles_per_us / 1000;
		while (test_cycles() < end)
			;
		/* The kernel cleared the request: it scheduled the holder. */
		preempted += !RSEQ_READ_ONCE(*((uint8_t *)&a->slice_ctrl +
					       RSEQDEV_SLICE_CTRL_REQUEST_BYTE)) &&
			     !RSEQ_READ_ONCE(*((uint8_t *)&a->slice_ctrl +
					       RSEQDEV_SLICE_CTRL_GRANTED_BYTE));
		rseqdev_slice_spin_unlock(&b->lock);
		slot = __atomic_fetch_add(&b->nr_waits, 1, __ATOMIC_RELAXED);
		if (slot < LOCK_MAX_WAITS)
			b->waits[slot] = (uint32_t)cycles_to_ns(b, t1 - t0);
		n++;
	}
	__atomic_fetch_add(&b->acquisitions, n, __ATOMIC_RELAXED);
	__atomic_fetch_add(&b->preempted, preempted, __ATOMIC_RELAXED);
	return NULL;
}

static int cmp_u32(const void *x, const void *y)
{
	uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;

	return a < b ? -1 : a > b;
}

struct lock_result {
	double per_s;
	double preempted_per_1000;
	uint32_t p50, p99, max;
	struct rseqdev_stats delta;
};

static int lock_bench_run(bool enable, int nr_threads, uint64_t ms, uint64_t cycles_per_us,
			  struct lock_result *r)
{
	struct lock_bench b = {
		.lock = RSEQDEV_SLICE_SPINLOCK_INIT,
		.enable = enable,
		.cycles_per_us = cycles_per_us,
	};
	struct rseqdev_stats s0, s1;
	pthread_t t[64];
	long n;
	int i;

	b.waits = calloc(LOCK_MAX_WAITS, sizeof(*b.waits));
	if (!b.waits || rseqdev_stats(&s0, 0))
		return -1;
	for (i = 0; i < nr_threads; i++)
		pthread_create(&t[i], NULL, lock_bench_thread, &b);
	usleep(ms * 1000);
	RSEQ_WRITE_ONCE(b.stop, 1);
	for (i = 0; i < nr_threads; i++)
		pthread_join(t[i], NULL);
	if (rseqdev_stats(&s1, 0))
		return -1;
	n = b.nr_waits < LOCK_MAX_WAITS ? b.nr_waits : LOCK_MAX_WAITS;
	qsort(b.waits, n, sizeof(*b.waits), cmp_u32);
	r->per_s = b.acquisitions * 1000.0 / ms;
	r->preempted_per_1000 = b.acquisitions ? b.preempted * 1000.0 / b.acquisitions : 0;
	r->p50 = n ? b.waits[n / 2] : 0;
	r->p99 = n ? b.waits[n * 99 / 100] : 0;
	r->max = n ? b.waits[n - 1] : 0;
	r->delta.slice_granted = s1.slice_granted - s0.slice_granted;
	r->delta.slice_expired = s1.slice_expired - s0.slice_expired;
	r->delta.slice_revoked = s1.slice_revoked - s0.slice_revoked;
	r->delta.slice_yielded = s1.slice_yielded - s0.slice_yielded;
	r->delta.slice_aborted = s1.slice_aborted - s0.slice_aborted;
	free(b.waits);
	return 0;
}

static uint64_t measure_cycles_per_us(void)
{
	uint64_t c0 = test_cycles(), t0 = bench_now_ns(), c1, t1;

	do
		t1 = bench_now_ns();
	while (t1 - t0 < 20000000);
	c1 = test_cycles();
	return (c1 - c0) * 1000 / (t1 - t0) ?: 1;
}

/* In a process of its own, run with the 7.1 generation in its environment. */
int bench_slice_lock_child(void)
{
	int nr_cpus = (int)sysconf(_SC_NPROCESSORS_ONLN);
	int nr_threads = 2 * nr_cpus > 64 ? 64 : 2 * nr_cpus;
	uint64_t ms = bench_scale(2000), cycles_per_us = measure_cycles_per_us();
	struct lock_result off, on;

	if (lock_bench_run(false, nr_threads, ms, cycles_per_us, &off) ||
	    lock_bench_run(true, nr_threads, ms, cycles_per_us, &on))
		return 1;
	bench_line("contended spinlock: %d threads on %d CPUs, %d ns critical section, %llu ms per mode",
		   nr_threads, nr_cpus, LOCK_HOLD_NS, (unsigned long long)ms);
	bench_line("%-14s %14s %8s %20s %9s %9s %9s", "extension", "acquisitions/s", "vs off",
		   "holders preempted/1k", "wait p50", "p99 us", "max us");
	bench_line("%-14s %14.0f %7.3fx %20.2f %9.1f %9.1f %9.1f", "off", off.per_s, 1.0,
		   off.preempted_per_1000, off.p50 / 1000.0, off.p99 / 1000.0, off.max / 1000.0);
	bench_line("%-14s %14.0f %7.3fx %20.2f %9.1f %9.1f %9.1f", "on", on.per_s,
		   on.per_s / off.per_s, on.preempted_per_1000, on.p50 / 1000.0,
		   on.p99 / 1000.0, on.max / 1000.0);
	bench_data(off.per_s, "slicelock/off");
	bench_data(on.per_s, "slicelock/on");
	bench_line("with the extension on: %llu granted, %llu expired, %llu ended by a reschedule, %llu yielded, %llu by another system call",
		   (unsigned long long)on.delta.slice_granted,
		   (unsigned long long)on.delta.slice_expired,
		   (unsigned long long)on.delta.slice_revoked,
		   (unsigned long long)on.delta.slice_yielded,
		   (unsigned long long)on.delta.slice_aborted);
	return 0;
}

/* The library chooses the length of its area once per process: a new one. */
int bench_slice_lock(const char *self)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "GLIBC_TUNABLES=glibc.pthread.rseq=0 RSEQDEV_BACKEND=module "
		 RSEQDEV_ENV_GENERATION "=7.1 %s " BENCH_SLICE_LOCK_CHILD, self);
	fflush(stdout);
	if (system(cmd)) {
		bench_line("contended spinlock: failed (module not loaded, or no 7.1?)");
		return 1;
	}
	return 0;
}
