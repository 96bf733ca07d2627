// SPDX-License-Identifier: GPL-2.0-only
/*
 * What the time-slice extension's hooks cost everyone else. A process that
 * never registers runs getpid() and the yield ping-pong twice: first while
 * no thread has the extension enabled, so nothing is attached; then while
 * another process has it enabled, so that the kprobe on schedule() and the
 * sys_enter tracepoint are attached for the whole system.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <rseqdev/rseq.h>

#include "bench.h"

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
	return 0;
failed:
	bench_line("time-slice extension's hooks: failed (module not loaded, or no 7.1?)");
	return 1;
}
