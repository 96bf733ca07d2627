// SPDX-License-Identifier: GPL-2.0-only
/*
 * rseq registrations across fork, exec and new threads, on the plain
 * system call: a forked child inherits its parent's registration (the
 * same one again gives EBUSY) and its area keeps being updated; the image
 * an exec starts is unregistered (its first registration succeeds);
 * threads created at any time register their own area.
 *
 * usage: plain_fork_exec (it runs itself again with --exec-child).
 * Prints TAP.
 */
#define _GNU_SOURCE
#include "plain.h"

#include <pthread.h>
#include <sys/wait.h>

#define NR_THREADS	4

/* What a child found wrong, one bit each: its exit status. */
enum {
	CHILD_NOT_EBUSY = 1 << 0,	/* re-registering did not give EBUSY */
	CHILD_NO_CPU = 1 << 1,		/* cpu_id < 0 */
	CHILD_UNREGISTER = 1 << 2,	/* unregistering failed */
	CHILD_THREAD = 1 << 3,		/* a new thread could not register */
	CHILD_REGISTER = 1 << 4,	/* the first registration failed */
};

/* A thread that registers, reads its CPU and unregisters: 0, or CHILD_THREAD. */
static void *register_thread(void *unused)
{
	int failed = 0;

	(void)unused;
	if (rseq_thread(0)) {
		printf("# thread registration: %s\n", strerror(errno));
		failed = 1;
	} else if (thread_cpu() < 0 || rseq_thread(RSEQ_FLAG_UNREGISTER)) {
		failed = 1;
	}
	return failed ? (void *)CHILD_THREAD : NULL;
}

static int run_threads(int nr)
{
	pthread_t threads[NR_THREADS];
	void *result;
	int failed = 0;
	int i;

	for (i = 0; i < nr; i++)
		if (pthread_create(&threads[i], NULL, register_thread, NULL))
			exit(2);
	for (i = 0; i < nr; i++) {
		pthread_join(threads[i], &result);
		failed |= (int)(intptr_t)result;
	}
	return failed;
}

/* The forked child: registered by inheritance. */
static int forked_child(void)
{
	int failed = 0;

	if (rseq_thread(0) != -1 || errno != EBUSY)
		failed |= CHILD_NOT_EBUSY;
	if (thread_cpu() < 0 || sched_yield() || thread_cpu() < 0)
		failed |= CHILD_NO_CPU;
	if (rseq_thread(RSEQ_FLAG_UNREGISTER))
		failed |= CHILD_UNREGISTER;
	return failed | run_threads(1);
}

/* The image exec started in a registered child: nothing registered. */
static int exec_child(void)
{
	int failed = 0;

	if (rseq_thread(0)) {
		printf("# first registration after exec: %s\n", strerror(errno));
		return CHILD_REGISTER;
	}
	if (thread_cpu() < 0)
		failed |= CHILD_NO_CPU;
	if (rseq_thread(0) != -1 || errno != EBUSY)
		failed |= CHILD_NOT_EBUSY;
	if (rseq_thread(RSEQ_FLAG_UNREGISTER))
		failed |= CHILD_UNREGISTER;
	return failed;
}

static int wait_child(pid_t pid)
{
	int status;

	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void check_fork(void)
{
	pid_t pid;
	int status;

	fflush(stdout);
	pid = fork();
	if (pid == 0)
		exit(forked_child());
	status = wait_child(pid);
	check(status >= 0, "forked child exits normally (status %d)", status);
	if (status < 0)
		return;
	check(!(status & CHILD_NOT_EBUSY),
	      "child: registering the inherited area again gives EBUSY");
	check(!(status & CHILD_NO_CPU), "child: the inherited area shows cpu_id >= 0");
	check(!(status & CHILD_UNREGISTER), "child: unregistering the inherited area: 0");
	check(!(status & CHILD_THREAD), "child: a thread of the child registers: 0");
}

static void check_exec(void)
{
	char *const args[] = { "plain_fork_exec", "--exec-child", NULL };
	pid_t pid;
	int status;

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		execv("/proc/self/exe", args);
		perror("execv");
		_exit(127);
	}
	status = wait_child(pid);
	check(status >= 0 && status != 127, "exec in a registered child (status %d)", status);
	if (status < 0 || status == 127)
		return;
	check(!(status & CHILD_REGISTER), "after exec: the first registration gives 0, not EBUSY");
	check(!(status & CHILD_NO_CPU), "after exec: cpu_id >= 0");
	check(!(status & CHILD_NOT_EBUSY), "after exec: the same registration again gives EBUSY");
	check(!(status & CHILD_UNREGISTER), "after exec: unregistering gives 0");
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "--exec-child"))
		return exec_child();
	if (argc > 1)
		usage("plain_fork_exec");
	check(rseq_thread(0) == 0, "the main thread registers: 0");
	check(thread_cpu() >= 0, "its cpu_id %d >= 0", thread_cpu());
	check_fork();
	check_exec();
	check(thread_cpu() >= 0 && rseq_thread(0) == -1 && errno == EBUSY,
	      "the parent is still registered after its children");
	check(!run_threads(NR_THREADS), "%d threads created after start-up register: 0",
	      NR_THREADS);
	check(rseq_thread(RSEQ_FLAG_UNREGISTER) == 0, "the main thread unregisters: 0");
	return done_testing();
}
