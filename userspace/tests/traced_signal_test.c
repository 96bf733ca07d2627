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
 * parent checks goes through a shared mapping. Parent and child run on
 * CPUs of their own, so the parent's wakeups do not preempt the section;
 * a preemption by anything else (PREEMPT_RT's kernel threads) aborts it
 * before the signal comes, and then the child enters it again and the
 * attempt does not count: the case runs again, up to ATTEMPTS times.
 */
#include <signal.h>
#include <stdbool.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>

#include "test_arch.h"
#include "rseq_test_util.h"

/* Runs of one case, of which one must see only the signal's abort. */
#define ATTEMPTS	50

struct shared {
	int stop;		/* ends the section's spin */
	int entries;		/* times the child entered its section */
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

	if (pin_to_cpu(1) || rseqdev_register_current_thread() ||
	    sigaction(SIGUSR1, &sa, NULL))
		_exit(3);
	if (traced && (ptrace(PTRACE_TRACEME, 0, NULL, NULL) || raise(SIGSTOP)))
		_exit(4);
	/* An abort before the stop flag is set came from something else. */
	do {
		sh->entries++;
		sh->aborted = test_rseq_spin(rseqdev_rseq_offset, &sh->stop,
					     &sh->committed, &sh->desc);
	} while (sh->aborted && !__atomic_load_n(&sh->stop, __ATOMIC_ACQUIRE));
	_exit(0);
}

/*
 * Waits on its own CPU for the child to arm its section, spinning so that
 * the signal follows at once: the longer the section spins, the likelier
 * something else aborts it first.
 */
static const struct rseqdev_rseq_cs *armed_section(void)
{
	struct timespec start, now;
	void *desc;

	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		desc = __atomic_load_n(&sh->desc, __ATOMIC_ACQUIRE);
		if (desc)
			return desc;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - start.tv_sec > 10)
			tap_bail("the child never armed its section");
	}
}

static pid_t start_child(bool traced)
{
	pid_t pid = fork();
	int status;

	if (pid < 0)
		tap_bail("fork: %s", strerror(errno));
	if (!pid)
		child(traced);
	/* A traced child stops first; let it run on to its section. */
	if (traced && (waitpid(pid, &status, 0) != pid || !WIFSTOPPED(status) ||
		       ptrace(PTRACE_CONT, pid, NULL, NULL)))
		tap_bail("the child did not stop for its tracer");
	return pid;
}

enum tracer {
	UNTRACED,
	DELIVERS,	/* the tracer lets the signal through */
	SUPPRESSES,	/* the tracer cancels it */
};

/*
 * One run of a case: SIGUSR1 to the child in its section; a tracer looks
 * at the stop (the IP it sees goes to *@stop_ip) and goes on with the
 * signal or without. Returns the section's descriptor.
 */
static const struct rseqdev_rseq_cs *signal_once(enum tracer tracer,
						 const char *what,
						 uint64_t *stop_ip)
{
	const struct rseqdev_rseq_cs *cs;
	pid_t pid;
	int status;

	memset(sh, 0, sizeof(*sh));
	pid = start_child(tracer != UNTRACED);
	cs = armed_section();
	kill(pid, SIGUSR1);
	if (tracer != UNTRACED) {
		if (waitpid(pid, &status, 0) != pid || !WIFSTOPPED(status) ||
		    WSTOPSIG(status) != SIGUSR1 || test_tracee_ip(pid, stop_ip))
			tap_bail("%s: no signal-delivery stop (status 0x%x)", what, status);
		if (tracer == SUPPRESSES)
			__atomic_store_n(&sh->stop, 1, __ATOMIC_RELEASE);
		if (ptrace(PTRACE_CONT, pid, NULL,
			   (void *)(long)(tracer == DELIVERS ? SIGUSR1 : 0)))
			tap_bail("%s: PTRACE_CONT: %s", what, strerror(errno));
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		tap_bail("%s: the child did not exit cleanly (status 0x%x)", what, status);
	return cs;
}

/* Runs until the only abort the section saw was the signal's. */
static const struct rseqdev_rseq_cs *signal_in_section(enum tracer tracer,
						       const char *what,
						       uint64_t *stop_ip)
{
	const struct rseqdev_rseq_cs *cs;
	int attempt;

	for (attempt = 1; attempt <= ATTEMPTS; attempt++) {
		cs = signal_once(tracer, what, stop_ip);
		if (sh->entries == 1)
			return cs;
		diag("%s: attempt %d: the section was aborted before the signal came, again",
		     what, attempt);
	}
	tap_bail("%s: %d attempts, each aborted before the signal came", what, ATTEMPTS);
}

static bool in_section(const struct rseqdev_rseq_cs *cs, uint64_t ip)
{
	return ip - cs->start_ip < cs->post_commit_offset;
}

static void check_tracer_stop(const struct rseqdev_rseq_cs *cs, uint64_t ip,
			      const char *what)
{
	ok(in_section(cs, ip), "%s: the tracer sees the thread inside the section (ip 0x%llx, abort_ip 0x%llx)",
	   what, (unsigned long long)ip, (unsigned long long)cs->abort_ip);
}

static void check_handled_at_abort_ip(const struct rseqdev_rseq_cs *cs,
				      const char *what)
{
	ok(sh->aborted && !sh->committed && sh->handled && sh->handler_ip == cs->abort_ip,
	   "%s: the section aborted, the handler's context holds abort_ip (aborted %d, committed %d, handler ip 0x%llx)",
	   what, sh->aborted, sh->committed, (unsigned long long)sh->handler_ip);
}

int main(void)
{
	const struct rseqdev_rseq_cs *cs;
	const char *what;
	uint64_t ip = 0;

	require_backend();
	if (nr_possible_cpus() < 2)
		tap_bail("needs 2 CPUs: the child's and the parent's");
	if (pin_to_cpu(0))
		tap_bail("pin to CPU 0: %s", strerror(errno));
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		tap_bail("mmap: %s", strerror(errno));

	/* The reference: no tracer. */
	what = "untraced";
	cs = signal_in_section(UNTRACED, what, &ip);
	check_handled_at_abort_ip(cs, what);

	what = "traced, signal delivered";
	cs = signal_in_section(DELIVERS, what, &ip);
	check_tracer_stop(cs, ip, what);
	check_handled_at_abort_ip(cs, what);

	what = "traced, signal suppressed";
	cs = signal_in_section(SUPPRESSES, what, &ip);
	check_tracer_stop(cs, ip, what);
	ok(sh->aborted && !sh->committed && !sh->handled,
	   "%s: the section aborted after the stop, no handler ran (aborted %d, committed %d)",
	   what, sh->aborted, sh->committed);
	return tap_done();
}
