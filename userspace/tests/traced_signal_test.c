// SPDX-License-Identifier: GPL-2.0-only
/*
 * A signal to a traced thread inside a critical section, as mainline
 * treats it: the tracer's signal-delivery stop shows the thread inside the
 * section, and the section aborts after it, whether the tracer lets the
 * signal through to a handler (whose context then holds abort_ip, the
 * address sigreturn goes back to) or suppresses it. The same checks run
 * on an untraced child, and on the kernel's own rseq with
 * RSEQDEV_BACKEND=native: the reference.
 *
 * The rule checked is classic rule 4 (module/rseq_resume.c, spec.md's
 * abort semantics): a section interrupted by a switch-out or a signal
 * resumes at abort_ip. Mainline applies it for a signal in handle_signal(),
 * just before the frame is built, and for a tracer's stop on the way back
 * to user space; this test checks the module applies it at the same two
 * points, so that the tracer and the handler see what they see on mainline.
 *
 * The child spins in a hand-written section (test_rseq_spin()) until its
 * SIGUSR1 handler, or the parent, sets the stop flag; everything the
 * parent checks goes through a shared mapping.
 */
#include <signal.h>
#include <stdbool.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>

#include "test_arch.h"
#include "rseq_test_util.h"

struct shared {
	int stop;		/* ends the section's spin */
	int committed;		/* set by the section's commit */
	void *desc;		/* the section's descriptor, once armed */
	int aborted;		/* what test_rseq_spin() returned */
	int handled;		/* the handler ran */
	uint64_t handler_ip;	/* the interrupted IP in its context */
};

static struct shared *sh;

static void on_sigusr1(int sig, siginfo_t *info, void *uc)
{
	(void)sig;
	(void)info;
	sh->handler_ip = test_ucontext_ip(uc);
	sh->handled = 1;
	__atomic_store_n(&sh->stop, 1, __ATOMIC_RELEASE);
}

static void child(bool traced)
{
	struct sigaction sa = { .sa_sigaction = on_sigusr1, .sa_flags = SA_SIGINFO };

	if (rseqdev_register_current_thread() || sigaction(SIGUSR1, &sa, NULL))
		_exit(3);
	if (traced && (ptrace(PTRACE_TRACEME, 0, NULL, NULL) || raise(SIGSTOP)))
		_exit(4);
	sh->aborted = test_rseq_spin(rseqdev_rseq_offset, &sh->stop,
				     &sh->committed, &sh->desc);
	_exit(0);
}

static const struct rseqdev_rseq_cs *armed_section(void)
{
	struct timespec ms = { .tv_nsec = 1000000 };
	int i;

	for (i = 0; i < 10000; i++) {
		void *desc = __atomic_load_n(&sh->desc, __ATOMIC_ACQUIRE);

		if (desc)
			return desc;
		nanosleep(&ms, NULL);
	}
	tap_bail("the child never armed its section");
}

static bool in_section(const struct rseqdev_rseq_cs *cs, uint64_t ip)
{
	return ip - cs->start_ip < cs->post_commit_offset;
}

/* The child stopped for its tracer; let it run on to its section. */
static pid_t start_traced(void)
{
	pid_t pid = fork();
	int status;

	if (pid < 0)
		tap_bail("fork: %s", strerror(errno));
	if (!pid)
		child(true);
	if (waitpid(pid, &status, 0) != pid || !WIFSTOPPED(status) ||
	    ptrace(PTRACE_CONT, pid, NULL, NULL))
		tap_bail("the child did not stop for its tracer");
	return pid;
}

/*
 * SIGUSR1 to the child in its section: at the stop, where the tracer sees
 * it; then on with @deliver (the signal, or 0 to suppress it).
 */
static void signal_traced(bool deliver, const char *what)
{
	const struct rseqdev_rseq_cs *cs;
	pid_t pid = start_traced();
	uint64_t ip = 0;
	int status;

	cs = armed_section();
	kill(pid, SIGUSR1);
	status = 0;
	if (waitpid(pid, &status, 0) != pid || !WIFSTOPPED(status) ||
	    WSTOPSIG(status) != SIGUSR1 || test_tracee_ip(pid, &ip))
		tap_bail("%s: no signal-delivery stop (status 0x%x, %s)", what, status,
			 strerror(errno));
	ok(in_section(cs, ip), "%s: the tracer sees the thread inside the section (ip 0x%llx, abort_ip 0x%llx)",
	   what, (unsigned long long)ip, (unsigned long long)cs->abort_ip);
	if (!deliver)
		sh->stop = 1;
	if (ptrace(PTRACE_CONT, pid, NULL, (void *)(long)(deliver ? SIGUSR1 : 0)))
		tap_bail("%s: PTRACE_CONT: %s", what, strerror(errno));
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		tap_bail("%s: the child did not exit cleanly (status 0x%x)", what, status);
}

static void reset(void)
{
	memset(sh, 0, sizeof(*sh));
}

int main(void)
{
	const struct rseqdev_rseq_cs *cs;
	pid_t pid;
	int status;

	require_backend();
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		tap_bail("mmap: %s", strerror(errno));

	/* The reference: no tracer. */
	reset();
	pid = fork();
	if (pid < 0)
		tap_bail("fork: %s", strerror(errno));
	if (!pid)
		child(false);
	cs = armed_section();
	kill(pid, SIGUSR1);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status))
		tap_bail("untraced: the child did not exit cleanly (status 0x%x)", status);
	ok(sh->aborted && !sh->committed && sh->handled && sh->handler_ip == cs->abort_ip,
	   "untraced: the section aborted, the handler's context holds abort_ip (aborted %d, committed %d, handler ip 0x%llx)",
	   sh->aborted, sh->committed, (unsigned long long)sh->handler_ip);

	reset();
	signal_traced(true, "traced, signal delivered");
	cs = sh->desc;
	ok(sh->aborted && !sh->committed && sh->handled && sh->handler_ip == cs->abort_ip,
	   "traced, signal delivered: the section aborted, the handler's context holds abort_ip (aborted %d, committed %d, handler ip 0x%llx)",
	   sh->aborted, sh->committed, (unsigned long long)sh->handler_ip);

	reset();
	signal_traced(false, "traced, signal suppressed");
	ok(sh->aborted && !sh->committed && !sh->handled,
	   "traced, signal suppressed: the section aborted after the stop, no handler ran (aborted %d, committed %d)",
	   sh->aborted, sh->committed);
	return tap_done();
}
