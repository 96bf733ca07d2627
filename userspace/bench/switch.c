// SPDX-License-Identifier: GPL-2.0-only
/*
 * Per-switch cost: two threads (yield) or two processes (pipe) take turns
 * on CPU 0; both are reported per context switch. Each configuration runs in a fresh process, because who
 * registers rseq is decided by the environment: glibc registers natively
 * unless GLIBC_TUNABLES turns it off, the library registers through the
 * module when RSEQDEV_BACKEND=module.
 */
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <rseqdev/rseq.h>

#include "bench.h"

#define GLIBC_RSEQ_OFF "glibc.pthread.rseq=0"

static const struct switch_mode {
	const char *name;
	const char *key;	/* its name in the report's data */
	const char *tunables;	/* NULL: glibc registers natively */
	bool module;		/* the library registers through the module */
	const char *generation;	/* $RSEQDEV_GENERATION, or NULL */
} modes[] = {
	{ "unregistered", "none", GLIBC_RSEQ_OFF, false, NULL },
	{ "native rseq (glibc)", "native", NULL, false, NULL },
	{ "module", "module", GLIBC_RSEQ_OFF, true, NULL },
	{ "module + native", "both", NULL, true, NULL },
	{ "module 7.1 legacy", "71-legacy", GLIBC_RSEQ_OFF, true, "7.1-legacy" },
	{ "module 7.1 optimized", "71-optimized", GLIBC_RSEQ_OFF, true, "7.1" },
};

enum { MODE_NONE, MODE_NATIVE, MODE_MODULE, MODE_BOTH, MODE_71_LEGACY, MODE_71_OPT };

enum { NR_MODES = ARRAY_SIZE(modes) };

static pthread_barrier_t start;
static long rounds;
static bool use_module;

static void register_if_asked(void)
{
	if (use_module && rseqdev_register_current_thread()) {
		perror("rseqdev_register_current_thread");
		exit(3);
	}
}

/*
 * Two SCHED_FIFO threads of one priority on one CPU: sched_yield() always
 * hands the CPU to the other. (Under SCHED_OTHER it may not switch.)
 */
static void make_fifo(void)
{
	struct sched_param param = { .sched_priority = 1 };

	if (sched_setscheduler(0, SCHED_FIFO, &param)) {
		perror("sched_setscheduler(SCHED_FIFO)");
		exit(3);
	}
}

static long switches_of_thread(void)
{
	char line[128];
	long total = 0, n;
	FILE *f = fopen("/proc/thread-self/status", "r");

	while (f && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "voluntary_ctxt_switches: %ld", &n) == 1 ||
		    sscanf(line, "nonvoluntary_ctxt_switches: %ld", &n) == 1)
			total += n;
	}
	if (f)
		fclose(f);
	return total;
}

static void *yield_partner(void *unused)
{
	long i;

	(void)unused;
	bench_pin(0);
	make_fifo();
	register_if_asked();
	pthread_barrier_wait(&start);
	for (i = 0; i < rounds; i++)
		sched_yield();
	return NULL;
}

/* Nanoseconds per switch: both threads always runnable on one CPU. */
static double yield_pingpong(void)
{
	pthread_t partner;
	uint64_t t0, t1;
	long i;

	long switches;

	pthread_barrier_init(&start, NULL, 2);
	pthread_create(&partner, NULL, yield_partner, NULL);
	bench_pin(0);
	make_fifo();
	register_if_asked();
	pthread_barrier_wait(&start);
	switches = switches_of_thread();
	t0 = bench_now_ns();
	for (i = 0; i < rounds; i++)
		sched_yield();
	t1 = bench_now_ns();
	switches = switches_of_thread() - switches;
	pthread_join(partner, NULL);
	/* Every yield must have switched, or this measured something else. */
	if (switches < rounds * 9 / 10) {
		fprintf(stderr, "only %ld switches for %ld yields\n", switches, rounds);
		exit(4);
	}
	return (double)(t1 - t0) / (2.0 * rounds);
}

static long switches_of_process(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_nvcsw + ru.ru_nivcsw;
}

/*
 * Nanoseconds per switch while two processes pass one byte back and forth.
 * A round trip takes two switches or more, depending on whether the
 * scheduler lets a woken reader preempt the writer, which depends on the
 * time each side spends: both processes count theirs, so that the cost is
 * per switch and a change of pattern does not pass for a change of cost.
 */
static double pipe_pingpong(void)
{
	int to_child[2], to_parent[2];
	long i, mine, theirs;
	uint64_t t0, t1;
	char byte = 0;
	pid_t pid;

	if (pipe(to_child) || pipe(to_parent))
		exit(3);
	bench_pin(0);
	register_if_asked();	/* a fork child inherits the registration */
	pid = fork();
	if (pid == 0) {
		theirs = switches_of_process();
		for (i = 0; i < rounds; i++) {
			if (read(to_child[0], &byte, 1) != 1 ||
			    write(to_parent[1], &byte, 1) != 1)
				_exit(3);
		}
		theirs = switches_of_process() - theirs;
		if (write(to_parent[1], &theirs, sizeof(theirs)) != sizeof(theirs))
			_exit(3);
		_exit(0);
	}
	mine = switches_of_process();
	t0 = bench_now_ns();
	for (i = 0; i < rounds; i++) {
		if (write(to_child[1], &byte, 1) != 1 ||
		    read(to_parent[0], &byte, 1) != 1)
			exit(3);
	}
	t1 = bench_now_ns();
	mine = switches_of_process() - mine;
	if (read(to_parent[0], &theirs, sizeof(theirs)) != sizeof(theirs))
		exit(3);
	waitpid(pid, NULL, 0);
	if (mine + theirs < 2 * rounds * 9 / 10) {
		fprintf(stderr, "only %ld switches for %ld round trips\n",
			mine + theirs, rounds);
		exit(4);
	}
	return (double)(t1 - t0) / (double)(mine + theirs);
}

/* argv: --switch-child yield|pipe ROUNDS MODULE(0|1) */
int bench_switch_child(int argc, char **argv)
{
	if (argc != 4)
		return 2;
	rounds = atol(argv[2]);
	use_module = atoi(argv[3]);
	printf("%.1f\n", !strcmp(argv[1], "yield") ? yield_pingpong()
						  : pipe_pingpong());
	return 0;
}

/* Runs one measurement in a fresh process with the mode's environment. */
static int measure(const char *self, const struct switch_mode *m,
		   const char *kind, long n, double *result)
{
	char cmd[512];
	FILE *p;
	int ok;

	snprintf(cmd, sizeof(cmd), "%s%s%s%s%s %s %s %s %ld %d",
		 m->tunables ? "GLIBC_TUNABLES=" : "env -u GLIBC_TUNABLES",
		 m->tunables ? m->tunables : "",
		 m->module ? " RSEQDEV_BACKEND=module" : "",
		 m->generation ? " RSEQDEV_GENERATION=" : "",
		 m->generation ? m->generation : "",
		 self, BENCH_SWITCH_CHILD, kind, n, m->module);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	ok = fscanf(p, "%lf", result) == 1;
	return pclose(p) == 0 && ok ? 0 : -1;
}

static int measure_median(const char *self, const struct switch_mode *m,
			  const char *kind, long n, double *median)
{
	double v[16];
	int i, reps = bench_repetitions();

	for (i = 0; i < reps; i++) {
		if (measure(self, m, kind, n, &v[i]))
			return -1;
	}
	*median = bench_median(v, reps);
	return 0;
}

/*
 * What the module costs a process that does not use it: its switches, one
 * line that tests/vm/bystander.sh compares with the module unloaded, idle
 * and in use by another process.
 */
int bench_bystander(const char *self)
{
	double yield, pipe;

	if (measure_median(self, &modes[MODE_NONE], "yield", bench_scale(20000), &yield) ||
	    measure_median(self, &modes[MODE_NONE], "pipe", bench_scale(5000), &pipe)) {
		bench_line("bystander: failed");
		return 1;
	}
	bench_line("bystander: yield %.0f ns, pipe %.0f ns per switch (median of %d runs)",
		   yield, pipe, bench_repetitions());
	return 0;
}

/* The yield ping-pong of a process that registers nothing, for slice.c. */
int bench_switch_unregistered(const char *self, double *yield_ns)
{
	return measure_median(self, &modes[MODE_NONE], "yield", bench_scale(20000),
			      yield_ns);
}

int bench_switch(const char *self)
{
	double yield[NR_MODES], pipe[NR_MODES];
	long n_yield = bench_scale(20000), n_pipe = bench_scale(5000);
	int i;

	bench_line("context switch on one CPU (median of %d runs)", bench_repetitions());
	bench_line("%-22s %12s %10s %16s %10s", "registration", "yield ns",
		   "vs none", "pipe ns", "vs none");
	for (i = 0; i < NR_MODES; i++) {
		if (measure_median(self, &modes[i], "yield", n_yield, &yield[i]) ||
		    measure_median(self, &modes[i], "pipe", n_pipe, &pipe[i])) {
			bench_line("%-22s failed (module not loaded?)", modes[i].name);
			return 1;
		}
		bench_line("%-22s %12.0f %9.3fx %16.0f %9.3fx", modes[i].name,
			   yield[i], yield[i] / yield[0], pipe[i], pipe[i] / pipe[0]);
		bench_data(yield[i], "switch/yield/%s", modes[i].key);
		bench_data(pipe[i], "switch/pipe/%s", modes[i].key);
	}
	bench_line("added per switch: native %+.0f ns, module %+.0f ns; module/native %.2fx (yield)",
		   yield[MODE_NATIVE] - yield[MODE_NONE], yield[MODE_MODULE] - yield[MODE_NONE],
		   (yield[MODE_MODULE] - yield[MODE_NONE]) /
		   (yield[MODE_NATIVE] - yield[MODE_NONE]));
	bench_line("added per switch: native %+.0f ns, module %+.0f ns; module/native %.2fx (pipe)",
		   pipe[MODE_NATIVE] - pipe[MODE_NONE], pipe[MODE_MODULE] - pipe[MODE_NONE],
		   (pipe[MODE_MODULE] - pipe[MODE_NONE]) /
		   (pipe[MODE_NATIVE] - pipe[MODE_NONE]));
	bench_line("added per switch under 7.1: legacy %+.0f ns, optimized %+.0f ns; optimized/legacy %.2fx (yield)",
		   yield[MODE_71_LEGACY] - yield[MODE_NONE], yield[MODE_71_OPT] - yield[MODE_NONE],
		   (yield[MODE_71_OPT] - yield[MODE_NONE]) /
		   (yield[MODE_71_LEGACY] - yield[MODE_NONE]));
	return 0;
}
