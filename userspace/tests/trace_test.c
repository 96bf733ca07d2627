// SPDX-License-Identifier: GPL-2.0-only
/*
 * A known sequence of the module's traced events, for tests/vm/trace.sh,
 * which enables the rseqdev trace events around it and checks what they
 * recorded. In order, pinned to CPU 0:
 *
 *  1. register the thread;
 *  2. a critical section that traps (a breakpoint): the SIGTRAP aborts it;
 *  3. a forked child (its registration inherited) names a descriptor of
 *     version 1 and is killed with SIGSEGV;
 *  4. three cpu_opv vectors: 2 operations on CPU 0 (the caller's), 2 on
 *     CPU 1 (an interrupt there), 5 on CPU 1 (a kworker there);
 *  5. the fence registration, then a fence of CPU 1 while a registered
 *     helper thread spins there; the helper unregisters and ends;
 *  6. with CPU 1 offline (when it can be taken offline), a 2-operation
 *     vector for it: the interrupt is refused, the vector runs here;
 *  7. unregister.
 *
 * The process runs SCHED_FIFO, so that no other task's wakeup (trace-cmd
 * polls every CPU's buffer) preempts it: a preemption between the trap
 * section's start and its trap would abort it before the trap, and one of
 * the helper while it spins would leave CPU 1 nothing for the fence to
 * interrupt.
 *
 * Lines "fact NAME VALUE" tell the script what to expect (process ids,
 * addresses); TAP lines check what user space sees of each step.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <ucontext.h>

#include <rseqdev/cpu_op.h>

#include "rseq_test_util.h"
#include "test_arch.h"

static struct rseqdev_rseq_cs *trap_desc;	/* set by the section */
static uint64_t trap_frame_ip;

/*
 * A section whose first instruction traps (TEST_RSEQ_TRAP: int3, brk):
 * the kernel delivers SIGTRAP with the IP inside the section, so the
 * section aborts before the handler's frame is built. The nop after the
 * trap keeps the trap's IP (after int3, at brk) inside
 * [start_ip, post_commit_ip).
 * Return: 1 when it aborted, 0 when it ran to its end.
 */
static __attribute__((noinline)) int trap_in_section(void)
{
	__asm__ __volatile__ goto(
		TEST_RSEQ_ENTER_AT_OFFSET
		TEST_RSEQ_TRAP
		TEST_RSEQ_LEAVE
		: /* asm goto: no outputs */
		: [offset] "r" (rseqdev_rseq_offset), [desc] "m" (trap_desc)
		: TEST_RSEQ_CLOBBERS, "memory", "cc"
		: aborted);
	return 0;
aborted:
	return 1;
}

static void on_sigtrap(int sig, siginfo_t *info, void *ucontext)
{
	(void)sig;
	(void)info;
	trap_frame_ip = test_ucontext_ip(ucontext);
	test_ucontext_skip_trap(ucontext);
}

static void step_abort(void)
{
	struct sigaction sa = { .sa_sigaction = on_sigtrap, .sa_flags = SA_SIGINFO };
	int aborted;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGTRAP, &sa, NULL);
	aborted = trap_in_section();
	printf("fact start_ip 0x%llx\n", (unsigned long long)trap_desc->start_ip);
	printf("fact abort_ip 0x%llx\n", (unsigned long long)trap_desc->abort_ip);
	printf("fact trap_ip 0x%llx\n",
	       (unsigned long long)trap_desc->start_ip + TEST_RSEQ_TRAP_IP_OFFSET);
	ok(aborted, "a trap inside the section aborts it");
	ok(trap_frame_ip == trap_desc->abort_ip, "the SIGTRAP frame holds abort_ip");
}

/* A valid descriptor but for its version: rseq_cs names it, then a switch. */
static void bad_version(void *arg)
{
	static struct rseqdev_rseq_cs cs = { .version = 1 };

	(void)arg;
	cs.start_ip = (uintptr_t)trap_in_section;
	cs.post_commit_offset = 1;
	cs.abort_ip = trap_desc->abort_ip;
	rseq_get_abi()->rseq_cs = (uintptr_t)&cs;
	sleep_until_switched();
	_exit(0);
}

static void step_rejected(void)
{
	int status;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		tap_bail("fork: %s", strerror(errno));
	if (pid == 0)
		bad_version(NULL);
	waitpid(pid, &status, 0);
	printf("fact child %d\n", (int)pid);
	ok(killed_by(status, SIGSEGV), "a child naming a version 1 descriptor is killed by SIGSEGV");
}

static uint64_t opv_word;

/* @nr operations on opv_word: a compare that holds, then additions of 1. */
static int run_vector(int cpu, unsigned int nr)
{
	struct rseqdev_cpu_op ops[RSEQDEV_CPU_OPV_MAX_OPS];
	uint64_t expect = opv_word;
	unsigned int i;

	memset(ops, 0, sizeof(ops));
	ops[0].op = RSEQDEV_CPU_OP_COMPARE_EQ;
	ops[0].len = sizeof(opv_word);
	ops[0].u.compare.a = (uintptr_t)&opv_word;
	ops[0].u.compare.b = (uintptr_t)&expect;
	for (i = 1; i < nr; i++) {
		ops[i].op = RSEQDEV_CPU_OP_ADD;
		ops[i].len = sizeof(opv_word);
		ops[i].u.arithmetic.p = (uintptr_t)&opv_word;
		ops[i].u.arithmetic.count = 1;
	}
	if (rseqdev_cpu_opv(ops, nr, cpu, 0))
		return -1;
	return opv_word == expect + nr - 1 ? 0 : -1;
}

static void step_cpu_opv(void)
{
	ok(run_vector(0, 2) == 0, "2 operations on CPU 0, the caller's");
	ok(run_vector(1, 2) == 0, "2 operations on CPU 1");
	ok(run_vector(1, 5) == 0, "5 operations on CPU 1");
}

struct helper {
	int tid;
	unsigned long area;
	int running;	/* registered, spinning on CPU 1 */
	int stop;
	int unregistered;
};

static void *helper_fn(void *arg)
{
	struct helper *h = arg;

	pin_to_cpu(1);
	if (rseqdev_register_current_thread())
		return NULL;
	h->area = (unsigned long)rseq_get_abi();
	RSEQ_WRITE_ONCE(h->tid, (int)gettid());
	RSEQ_WRITE_ONCE(h->running, 1);
	while (!RSEQ_READ_ONCE(h->stop))
		;
	h->unregistered = rseqdev_unregister_current_thread() == 0;
	return NULL;
}

static void step_fence(void)
{
	struct helper h = { 0 };
	pthread_t thread;
	int ret;

	ok(rseqdev_fence_register() == 0, "fence registration");
	pthread_create(&thread, NULL, helper_fn, &h);
	while (!RSEQ_READ_ONCE(h.running))
		usleep(1000);
	/* Let the helper's CPU settle on it, spinning in user space. */
	usleep(20000);
	ret = rseqdev_fence(RSEQDEV_FENCE_CPU, 1);
	RSEQ_WRITE_ONCE(h.stop, 1);
	pthread_join(thread, NULL);
	printf("fact helper %d\n", h.tid);
	printf("fact helper_area 0x%lx\n", h.area);
	ok(ret == 0, "a fence of CPU 1");
	ok(h.unregistered, "the helper unregisters");
}

static bool cpu1_online(const char *state)
{
	int fd = open("/sys/devices/system/cpu/cpu1/online", O_WRONLY);
	bool done;

	if (fd < 0)
		return false;
	done = write(fd, state, 1) == 1;
	close(fd);
	return done;
}

static void step_offline(void)
{
	bool offline = cpu1_online("0");

	printf("fact offline %d\n", offline);
	if (!offline) {
		ok(1, "# SKIP CPU 1 cannot be taken offline");
		return;
	}
	ok(run_vector(1, 2) == 0, "2 operations on CPU 1, offline");
	ok(cpu1_online("1"), "CPU 1 back online");
}

/* The lowest real-time priority: above every SCHED_OTHER task, under IRQ threads. */
static void run_fifo(void)
{
	struct sched_param sp = { .sched_priority = 1 };

	if (sched_setscheduler(0, SCHED_FIFO, &sp))
		tap_bail("SCHED_FIFO: %s", strerror(errno));
}

int main(void)
{
	require_backend();
	if (rseqdev_get_backend() != RSEQ_BACKEND_MODULE)
		tap_bail("needs the module's backend");
	if (nr_possible_cpus() < 2)
		tap_bail("needs 2 CPUs");
	pin_to_cpu(0);
	run_fifo();
	printf("fact pid %d\n", (int)getpid());
	ok(rseqdev_register_current_thread() == 0, "register");
	printf("fact area 0x%lx\n", (unsigned long)rseq_get_abi());

	step_abort();
	step_rejected();
	step_cpu_opv();
	step_fence();
	step_offline();
	ok(rseqdev_unregister_current_thread() == 0, "unregister");
	return tap_done();
}
