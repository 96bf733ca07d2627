// SPDX-License-Identifier: GPL-2.0-only
/*
 * Forward progress: a thread whose rseq sequences abort on every attempt
 * still completes its per-CPU operations, through the cpu_opv slow path.
 *
 *  step	a tracer single-steps the child (PTRACE_SINGLESTEP) through
 *		counter adds and list pushes and pops. Every sequence aborts
 *		at its first instruction; the library sees the trap flag and
 *		falls back after one abort per operation (x86-64), or after
 *		the abort limit where it cannot see the single-step
 *		(TEST_SEES_SINGLE_STEP 0: aarch64).
 *  hostile	the child's sequences carry a delay loop many periods long
 *		while a SCHED_FIFO thread on the same CPU wakes every 200 us:
 *		every attempt is preempted, and the library falls back after
 *		the abort limit. A loop of one period or so let about one
 *		attempt in a thousand commit under TCG, where wakeups jitter.
 *
 * Each runs once with the default policy, which must finish with exact
 * results, and once with RSEQDEV_CPU_OPV=never, which must not: the
 * control that shows the test can fail. Stepped, it must not complete one
 * operation in three operations' worth of the first run's steps; preempted,
 * it must not finish in three times the first run's time.
 * With --no-controls only the first runs: for builds of the library other
 * than the plan's own (tests/vm/builds.sh), whose run has the controls.
 */
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/ptrace.h>
#include <time.h>

#include "test_arch.h"

/* A delay loop at injection point 3, inside the critical sections. */
static unsigned int section_loops;

#define RSEQ_INJECT_INPUT						\
	[section_loops] "m" (section_loops)
#define RSEQ_INJECT_CLOBBER	TEST_DELAY_LOOP_CLOBBER
#define RSEQ_INJECT_DELAY	TEST_DELAY_LOOP("section_loops")
#define RSEQ_INJECT_ASM(n)	RSEQ_INJECT_ASM_##n
#define RSEQ_INJECT_ASM_1
#define RSEQ_INJECT_ASM_2
#define RSEQ_INJECT_ASM_3	RSEQ_INJECT_DELAY
#define RSEQ_INJECT_ASM_4
#define RSEQ_INJECT_ASM_5
#define RSEQ_INJECT_ASM_6

#include <rseqdev/percpu.h>

#include "rseq_test_util.h"

/*
 * Counter adds, then list nodes pushed and popped: 40 operations in all,
 * fewer on a scaled guest (test_scaled()), where each single step costs
 * milliseconds. Parent and child compute the same counts.
 */
#define MAX_ADDS	20
#define MAX_NODES	10
static int nr_adds, nr_nodes;
static bool controls = true;

static int nr_ops(void)
{
	return nr_adds + 2 * nr_nodes;
}

#define HOSTILE_LOOPS	10000000
#define HOSTILE_PERIOD_NS	200000

/*
 * What the child reports on its stdout, written whole by one write(): at
 * its end, or from its SIGTERM handler when the parent stops it early.
 */
struct child_result {
	long sum;
	int lost;
	int ops;	/* operations completed */
	unsigned long long commits, aborts, fallbacks;
};

/* The child's progress, for its SIGTERM handler: atomic against it. */
static int ops_done;

static void op_done(void)
{
	__atomic_store_n(&ops_done, ops_done + 1, __ATOMIC_RELAXED);
}

/* Set once the hostile thread runs pinned and SCHED_FIFO. */
static bool hostile_ready;

static void *hostile_thread(void *arg)
{
	struct timespec period = { .tv_nsec = HOSTILE_PERIOD_NS };
	struct sched_param sp = { .sched_priority = 10 };

	if (pin_to_cpu(*(int *)arg))
		exit(4);
	if (pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp))
		exit(4);
	__atomic_store_n(&hostile_ready, true, __ATOMIC_RELEASE);
	for (;;)
		nanosleep(&period, NULL);
	return NULL;
}

/* The operations, on structures created before: only they are stepped. */
static void child_work(struct rseqdev_percpu_counter *counter,
		       struct rseqdev_percpu_list *list, struct child_result *r)
{
	static struct rseqdev_percpu_list_node nodes[MAX_NODES];
	struct rseqdev_percpu_stats st;
	int i;

	rseqdev_percpu_reset_thread_stats();
	for (i = 0; i < nr_adds; i++, op_done())
		rseqdev_percpu_counter_add(counter, 1);
	for (i = 0; i < nr_nodes; i++, op_done())
		rseqdev_percpu_list_push(list, &nodes[i]);
	/* Pinned, with one thread per index: pops return the pushes reversed. */
	r->lost = 0;
	for (i = nr_nodes - 1; i >= 0; i--, op_done())
		r->lost += rseqdev_percpu_list_pop(list) != &nodes[i];
	st = rseqdev_percpu_thread_stats();
	r->ops = __atomic_load_n(&ops_done, __ATOMIC_RELAXED);
	r->sum = rseqdev_percpu_counter_sum(counter);
	r->commits = st.commits;
	r->aborts = st.aborts;
	r->fallbacks = st.fallbacks;
}

static void report(const struct child_result *r)
{
	if (write(STDOUT_FILENO, r, sizeof(*r)) != sizeof(*r))
		_exit(3);
}

/* Stopped early: report the progress so far and exit 7. */
static void report_and_exit(int sig)
{
	struct rseqdev_percpu_stats st = rseqdev_percpu_thread_stats();
	struct child_result r = {
		.ops = __atomic_load_n(&ops_done, __ATOMIC_RELAXED),
		.commits = st.commits,
		.aborts = st.aborts,
		.fallbacks = st.fallbacks,
	};

	(void)sig;
	report(&r);
	_exit(7);
}

/* argv: --child step|hostile cpu_id|mm_cid */
static int child_main(char **argv)
{
	enum rseq_percpu_mode mode = strcmp(argv[3], "mm_cid") ?
				     RSEQ_PERCPU_CPU_ID : RSEQ_PERCPU_MM_CID;
	bool step = !strcmp(argv[2], "step");
	struct rseqdev_percpu_counter *counter;
	struct rseqdev_percpu_list *list;
	struct child_result r;
	pthread_t hostile;
	int cpu;

	if (rseqdev_register_current_thread())
		return 3;
	counter = rseqdev_percpu_counter_create(mode);
	list = rseqdev_percpu_list_create(mode);
	if (!counter || !list)
		return 3;
	cpu = rseqdev_current_cpu();
	if (pin_to_cpu(cpu))
		return 4;
	signal(SIGTERM, report_and_exit);
	if (!step) {
		section_loops = HOSTILE_LOOPS;
		if (pthread_create(&hostile, NULL, hostile_thread, &cpu))
			return 3;
		/*
		 * Sections started before the thread is in place would
		 * commit: wait, sleeping, so it can run on this CPU.
		 */
		while (!__atomic_load_n(&hostile_ready, __ATOMIC_ACQUIRE))
			usleep(1000);
	}
	/* The tracer starts single-stepping here and stops at the next stop. */
	if (step)
		raise(SIGSTOP);
	child_work(counter, list, &r);
	if (step)
		raise(SIGSTOP);
	report(&r);
	_exit(0);
}

struct child {
	pid_t pid;
	int out;	/* read end of the child's stdout */
	bool reaped;
};

static struct child start_child(const char *kind, const char *mode,
				const char *policy, bool traced)
{
	char self[64];
	struct child c;
	int fds[2];

	snprintf(self, sizeof(self), "/proc/%d/exe", getpid());
	if (pipe(fds))
		tap_bail("pipe: %s", strerror(errno));
	c.pid = fork();
	if (c.pid < 0)
		tap_bail("fork: %s", strerror(errno));
	if (c.pid == 0) {
		dup2(fds[1], STDOUT_FILENO);
		close(fds[0]);
		setenv(RSEQDEV_ENV_CPU_OPV, policy, 1);
		if (traced && ptrace(PTRACE_TRACEME, 0, NULL, NULL))
			_exit(5);
		execl(self, self, "--child", kind, mode, (char *)NULL);
		_exit(6);
	}
	close(fds[1]);
	c.out = fds[0];
	c.reaped = false;
	return c;
}

/* The child's report from its stdout; false if it wrote none. */
static bool read_result(struct child *c, struct child_result *r)
{
	return read(c->out, r, sizeof(*r)) == sizeof(*r);
}

/* Waits for the child's exit; its report if it exited 0, else false. */
static bool finish_child(struct child *c, struct child_result *r)
{
	bool got = read_result(c, r);
	int status;

	close(c->out);
	if (waitpid(c->pid, &status, 0) != c->pid)
		return false;
	return exited_with(status, 0) && got;
}

static void kill_child(struct child *c)
{
	if (!c->reaped) {
		kill(c->pid, SIGKILL);
		waitpid(c->pid, NULL, 0);
	}
	close(c->out);
}

static int wait_stopped(pid_t pid)
{
	int status;

	if (waitpid(pid, &status, 0) != pid || !WIFSTOPPED(status))
		return -1;
	return WSTOPSIG(status);
}

/*
 * Stops a stepped child past its budget: SIGTERM, delivered as the tracer
 * resumes it, runs its handler, which reports the progress so far.
 */
static bool stop_stepped_child(struct child *c, struct child_result *r)
{
	int status;
	bool got;

	if (ptrace(PTRACE_CONT, c->pid, NULL, (void *)(long)SIGTERM))
		tap_bail("PTRACE_CONT with SIGTERM: %s", strerror(errno));
	got = read_result(c, r);
	close(c->out);
	c->reaped = waitpid(c->pid, &status, 0) == c->pid;
	return got && c->reaped && exited_with(status, 7);
}

/*
 * Lets the traced child run to its first SIGSTOP, then single-steps it
 * until its second one or @budget steps. Return: the steps taken, or -1
 * when the budget ran out (the child is still stopped then).
 */
static long single_step(struct child *c, long budget)
{
	long steps = 0;
	int sig;

	/* The exec stop, then the child's setup, up to its raise(SIGSTOP). */
	if (wait_stopped(c->pid) != SIGTRAP ||
	    ptrace(PTRACE_CONT, c->pid, NULL, NULL) ||
	    wait_stopped(c->pid) != SIGSTOP)
		tap_bail("the traced child did not reach its start");
	for (;;) {
		if (steps == budget)
			return -1;
		if (ptrace(PTRACE_SINGLESTEP, c->pid, NULL, NULL))
			tap_bail("PTRACE_SINGLESTEP: %s", strerror(errno));
		sig = wait_stopped(c->pid);
		if (sig == SIGSTOP)
			break;
		if (sig != SIGTRAP)
			tap_bail("the stepped child stopped with signal %d", sig);
		steps++;
	}
	ptrace(PTRACE_DETACH, c->pid, NULL, NULL);
	return steps;
}

static bool exact(const struct child_result *r)
{
	return r->sum == nr_adds && r->lost == 0 &&
	       r->commits + r->fallbacks == (unsigned long long)nr_ops();
}

/* How many aborts a single-stepped operation takes before its fallback. */
static const unsigned long long aborts_per_stepped_op =
	TEST_SEES_SINGLE_STEP ? 1 : RSEQDEV_PERCPU_ABORT_LIMIT_DEFAULT;

/*
 * The control is stepped for what three operations took with the fallback:
 * without it not one completes. (A budget of the whole run's steps, three
 * times over, said no more and cost arm64's guests two minutes each.)
 */
static void check_single_step(const char *mode)
{
	struct child c = start_child("step", mode, "auto", true);
	struct child_result r;
	long steps = single_step(&c, 2000000), budget;

	if (steps < 0) {
		kill_child(&c);
		ok(0, "single-step, %s: the child did not finish", mode);
		return;
	}
	if (!finish_child(&c, &r)) {
		ok(0, "single-step, %s: the child did not finish", mode);
		return;
	}
	ok(exact(&r), "single-step, %s: %d operations exact in %ld steps",
	   mode, nr_ops(), steps);
	/*
	 * One abort each where the trap flag is seen after the first, else
	 * the default abort limit each.
	 */
	ok(r.fallbacks == (unsigned long long)nr_ops() && r.commits == 0 &&
	   r.aborts == (unsigned long long)nr_ops() * aborts_per_stepped_op,
	   "single-step, %s: %llu fallbacks after %llu aborts, %llu commits",
	   mode, r.fallbacks, r.aborts, r.commits);

	if (!controls)
		return;
	c = start_child("step", mode, "never", true);
	budget = 3 * steps / nr_ops() + 1000;
	if (single_step(&c, budget) >= 0) {
		finish_child(&c, &r);
		ok(0, "single-step, %s, RSEQDEV_CPU_OPV=never: finished in %ld steps",
		   mode, budget);
		return;
	}
	if (!stop_stepped_child(&c, &r))
		tap_bail("the stepped child without cpu_opv made no report");
	ok(r.ops == 0 && r.commits == 0 && r.fallbacks == 0 && r.aborts > 0,
	   "single-step, %s, RSEQDEV_CPU_OPV=never: %d operations in %ld steps, %llu aborts",
	   mode, r.ops, budget, r.aborts);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Did the child exit 0 within @seconds? */
static bool finished_within(struct child *c, double seconds)
{
	double end = now() + seconds;
	int status;

	while (now() < end) {
		if (waitpid(c->pid, &status, WNOHANG) == c->pid) {
			c->reaped = true;
			return exited_with(status, 0);
		}
		usleep(10000);
	}
	return false;
}

/*
 * Ends a child that may still run (SIGTERM: it reports its progress) and
 * reads its report.
 */
static bool stop_child(struct child *c, struct child_result *r)
{
	bool got;

	if (!c->reaped) {
		kill(c->pid, SIGTERM);
		waitpid(c->pid, NULL, 0);
		c->reaped = true;
	}
	got = read_result(c, r);
	close(c->out);
	return got;
}

static void check_hostile(const char *mode)
{
	struct child c = start_child("hostile", mode, "auto", false);
	struct child_result r;
	double start = now(), took;
	bool done = finished_within(&c, 120);

	took = now() - start;
	if (done && stop_child(&c, &r)) {
		ok(exact(&r), "preempted on every try, %s: %d operations exact in %.1f s",
		   mode, nr_ops(), took);
		ok(r.fallbacks > 0 && r.aborts >= r.fallbacks *
		   RSEQDEV_PERCPU_ABORT_LIMIT_DEFAULT,
		   "preempted on every try, %s: %llu fallbacks after %llu aborts, %llu commits",
		   mode, r.fallbacks, r.aborts, r.commits);
	} else {
		ok(0, "preempted on every try, %s: the child did not finish", mode);
		kill_child(&c);
	}

	if (!controls)
		return;
	c = start_child("hostile", mode, "never", false);
	start = now();
	done = finished_within(&c, 3 * took + 2);
	took = now() - start;
	if (!stop_child(&c, &r))
		tap_bail("the child without cpu_opv made no report");
	diag("without cpu_opv, %s: %d of %d operations in %.1f s; %llu commits, %llu aborts",
	     mode, r.ops, nr_ops(), took, r.commits, r.aborts);
	ok(!done, "preempted on every try, %s, RSEQDEV_CPU_OPV=never: no progress",
	   mode);
}

int main(int argc, char **argv)
{
	nr_adds = test_scaled(MAX_ADDS, 4);
	nr_nodes = test_scaled(MAX_NODES, 2);
	if (argc == 4 && !strcmp(argv[1], "--child"))
		return child_main(argv);
	if (argc == 2 && !strcmp(argv[1], "--no-controls"))
		controls = false;
	else if (argc != 1)
		tap_bail("usage: singlestep_test [--no-controls]");
	require_backend();
	if (!rseqdev_cpu_opv_usable(RSEQ_PERCPU_CPU_ID))
		tap_bail("the module does not provide cpu_opv");
	check_single_step("cpu_id");
	check_hostile("cpu_id");
	if (rseqdev_cpu_opv_usable(RSEQ_PERCPU_MM_CID)) {
		check_single_step("mm_cid");
		check_hostile("mm_cid");
	} else {
		ok(1, "# SKIP mm_cid: cpu_opv needs the module's registration");
	}
	return tap_done();
}
