// SPDX-License-Identifier: GPL-2.0-only
/*
 * The return to user space: what classic's rules and 7.1's do with the
 * same program. The library registers the thread under the generation
 * $RSEQDEV_GENERATION names: classic (also the kernel's own rseq, the
 * reference for the classic expectations), 7.1 (an optimized, 33-byte
 * registration) or 7.1-legacy (32 bytes). Needs two CPUs.
 *
 * The 7.1 rules are those of ../shared/reference/mainline-7x.md, cited as
 * "7x §N":
 *  - how the kernel was entered decides whether rseq_cs is examined: after
 *    a timer interrupt, a signal sent from another CPU or a page fault that
 *    slept, yes; after a system call, no (§3.1 row 2, and its note);
 *  - legacy registrations get their IDs rewritten after every switch and
 *    before every signal handler, optimized ones only when they change,
 *    and must leave them alone (§3.1 rows 1 and 3, §5 legacy_check);
 *  - the descriptor checks are minimal: version and flags are not read
 *    outside debug mode, nor are rseq::flags (§2, §3.2).
 */
#include <linux/userfaultfd.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <sys/mman.h>
#include <ucontext.h>

#include "rseq_test_util.h"
#include "test_arch.h"

#define BEYOND_USER	0xffff800000000000ull

static enum rseqdev_rules rules;
static bool gen71, optimized;
static const char *rules_name;

/* Shared with the children: what they saw before they were killed. */
static uint32_t *shared;

static int stop_spinning;
static struct rseqdev_rseq_cs *section_desc;

static __attribute__((noinline)) int spin_in_section(int *committed)
{
	return test_rseq_spin(rseqdev_rseq_offset, &stop_spinning, committed,
			      (void **)&section_desc);
}

static void *busy_on_cpu0(void *arg)
{
	int *stop = arg;

	pin_to_cpu(0);
	while (!RSEQ_READ_ONCE(*stop))
		;
	return NULL;
}

static void *stop_after(void *arg)
{
	usleep((useconds_t)(uintptr_t)arg);
	RSEQ_WRITE_ONCE(stop_spinning, 1);
	return NULL;
}

/* Spin in the section on CPU 0, which a busy thread shares: preempted. */
static int section_beside_busy_thread(void)
{
	pthread_t busy, stopper;
	int committed = 0, aborted, stop_busy = 0;

	pin_to_cpu(0);
	RSEQ_WRITE_ONCE(stop_spinning, 0);
	pthread_create(&busy, NULL, busy_on_cpu0, &stop_busy);
	pthread_create(&stopper, NULL, stop_after, (void *)(uintptr_t)300000);
	aborted = spin_in_section(&committed);
	RSEQ_WRITE_ONCE(stop_busy, 1);
	RSEQ_WRITE_ONCE(stop_spinning, 1);
	pthread_join(busy, NULL);
	pthread_join(stopper, NULL);
	return aborted && !committed;
}

/* A timer interrupt and a switch: every generation aborts (7x §3.1 row 2). */
static void check_timer_interrupt(void)
{
	ok(section_beside_busy_thread(),
	   "%s: a section preempted by the timer aborts (7x 3.1 row 2)", rules_name);
}

struct victim {
	pthread_t thread;
	struct rseqdev_rseq *abi;
	int done;
};

static void *signal_from_cpu1(void *arg)
{
	struct victim *v = arg;
	int waited;

	pin_to_cpu(1);
	while (!RSEQ_READ_ONCE(v->abi->rseq_cs) && !RSEQ_READ_ONCE(v->done))
		;
	pthread_kill(v->thread, SIGUSR1);
	for (waited = 0; waited < 200 && !RSEQ_READ_ONCE(v->done); waited++)
		usleep(1000);
	RSEQ_WRITE_ONCE(stop_spinning, 1);
	return NULL;
}

static void on_sigusr1(int sig, siginfo_t *info, void *uc)
{
	(void)sig, (void)info, (void)uc;
	RSEQ_WRITE_ONCE(shared[1], rseq_get_abi()->cpu_id_start);
}

static void install_handler(void)
{
	struct sigaction sa = { .sa_sigaction = on_sigusr1, .sa_flags = SA_SIGINFO };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
}

/*
 * A signal sent from CPU 1 interrupts the section on CPU 0 (an
 * interrupt from user mode): every generation aborts (7x §3.1 row 2).
 */
static void check_signal_interrupt(void)
{
	struct victim v = { .thread = pthread_self(), .abi = rseq_get_abi() };
	pthread_t sender;
	int committed = 0, aborted;

	pin_to_cpu(0);
	RSEQ_WRITE_ONCE(stop_spinning, 0);
	RSEQ_WRITE_ONCE(v.abi->rseq_cs, 0);
	pthread_create(&sender, NULL, signal_from_cpu1, &v);
	aborted = spin_in_section(&committed);
	RSEQ_WRITE_ONCE(v.done, 1);
	pthread_join(sender, NULL);
	ok(aborted && !committed,
	   "%s: a signal from another CPU aborts the section (7x 3.1 row 2)", rules_name);
}

/*
 * From CPU 1, writes a byte into a pipe at once and another after 10 ms.
 * A thread on CPU 0 that has read the first has no switch to this one
 * pending (on PREEMPT_RT a new thread's wakeup may only take effect at the
 * next tick, a preemption in user mode), and this one never competes for
 * CPU 0 again: the reader, woken by the second byte, goes back to user
 * space from its system call and runs on with nothing to preempt it.
 */
static void *write_now_and_later(void *arg)
{
	int fd = *(int *)arg;

	if (pin_to_cpu(1) || write(fd, "a", 1) != 1)
		_exit(40);
	usleep(10000);
	if (write(fd, "b", 1) != 1)
		_exit(40);
	return NULL;
}

/* The first byte: after it, only the blocking read of the second is left. */
static void start_writer(int fds[2])
{
	pthread_t writer;
	char byte;

	if (pipe(fds))
		_exit(41);
	pthread_create(&writer, NULL, write_now_and_later, &fds[1]);
	if (read(fds[0], &byte, 1) != 1)
		_exit(42);
}

/*
 * In a child: a descriptor pointer no kernel accepts, left in rseq_cs
 * outside any section, then a system call that blocks, so switches.
 * Classic examines it whatever the entry (SIGSEGV); 7.1 does not after a
 * system call (7x §3.1 note), and does after a timer interrupt (SIGSEGV).
 */
static void bad_cs_then_syscall_then_timer(void *unused)
{
	int stop_busy = 0, fds[2];
	pthread_t busy;
	char byte;

	(void)unused;
	pin_to_cpu(0);
	start_writer(fds);
	RSEQ_WRITE_ONCE(rseq_get_abi()->rseq_cs, BEYOND_USER);
	if (read(fds[0], &byte, 1) != 1)
		_exit(42);
	RSEQ_WRITE_ONCE(shared[0], rseq_get_abi()->rseq_cs == BEYOND_USER ? 1 : 2);
	pthread_create(&busy, NULL, busy_on_cpu0, &stop_busy);
	for (;;)
		;	/* until the timer hands CPU 0 to the busy thread */
}

/*
 * Under 7.1 a timer interrupt can still land in the few instructions
 * between the read's return and the store that reports it, and a thread
 * of the kernel's (PREEMPT_RT runs timers in one) take CPU 0 there: the
 * outcome of an examination after the system call. A kernel that does
 * examine after a system call does so on every run; a child killed before
 * its report runs again, up to SYSCALL_ROUTE_RUNS times.
 */
#define SYSCALL_ROUTE_RUNS	5

static void check_syscall_route(void)
{
	int status, run;

	for (run = 1; run <= SYSCALL_ROUTE_RUNS; run++) {
		RSEQ_WRITE_ONCE(shared[0], 0);
		status = run_in_child(bad_cs_then_syscall_then_timer, NULL);
		if (!gen71 || shared[0] != 0)
			break;
		diag("run %d: killed (status 0x%x) before its report", run, status);
	}
	if (!gen71) {
		ok(killed_by(status, SIGSEGV) && shared[0] == 0,
		   "classic: a bad rseq_cs is fatal after a system call");
		return;
	}
	ok(shared[0] == 1,
	   "%s: a bad rseq_cs is not examined after a system call (7x 3.1 note)",
	   rules_name);
	ok(killed_by(status, SIGSEGV),
	   "%s: the same rseq_cs is fatal after a timer interrupt (7x 3.1 row 2)",
	   rules_name);
}

/* The child's exit status on a kernel built without userfaultfd. */
#define NO_USERFAULTFD	29

/* Resolves the fault on one page after sleeping: the faulting thread blocks. */
struct late_fault {
	int uffd;
	int ready[2];	/* the resolver says it runs on CPU 1 */
	char *page;
	long page_size;
};

static void *resolve_late(void *arg)
{
	struct late_fault *f = arg;
	struct pollfd pfd = { .fd = f->uffd, .events = POLLIN };
	struct uffd_msg msg;
	struct uffdio_zeropage zero = {
		.range = { .start = (uintptr_t)f->page, .len = (uint64_t)f->page_size },
	};

	pin_to_cpu(1);
	if (write(f->ready[1], "r", 1) != 1)
		_exit(22);
	if (poll(&pfd, 1, 5000) != 1 || read(f->uffd, &msg, sizeof(msg)) != sizeof(msg))
		_exit(20);
	usleep(20000);
	if (ioctl(f->uffd, UFFDIO_ZEROPAGE, &zero))
		_exit(21);
	return NULL;
}

static int late_fault_setup(struct late_fault *f)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = { .mode = UFFDIO_REGISTER_MODE_MISSING };

	f->page_size = sysconf(_SC_PAGESIZE);
	if (pipe(f->ready))
		return -1;
	f->uffd = (int)syscall(__NR_userfaultfd, O_CLOEXEC | UFFD_USER_MODE_ONLY);
	if (f->uffd < 0 && errno == ENOSYS)
		_exit(NO_USERFAULTFD);
	if (f->uffd < 0 || ioctl(f->uffd, UFFDIO_API, &api))
		return -1;
	f->page = mmap(NULL, f->page_size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	reg.range.start = (uintptr_t)f->page;
	reg.range.len = (uint64_t)f->page_size;
	return f->page == MAP_FAILED || ioctl(f->uffd, UFFDIO_REGISTER, &reg) ? -1 : 0;
}

/*
 * In a child: the same bad rseq_cs, then a page fault that sleeps until
 * another thread resolves it. A page fault is an exception from user
 * mode: 7.1 examines rseq_cs on its way back (7x §3.1 row 2), as classic
 * does after any switch.
 */
static void bad_cs_then_page_fault(void *unused)
{
	struct late_fault f;
	pthread_t resolver;
	char byte;

	(void)unused;
	if (late_fault_setup(&f))
		_exit(30);
	pin_to_cpu(0);
	pthread_create(&resolver, NULL, resolve_late, &f);
	/* Nothing left to preempt this thread on CPU 0 (see start_writer()). */
	if (read(f.ready[0], &byte, 1) != 1)
		_exit(32);
	RSEQ_WRITE_ONCE(shared[0], 1);
	RSEQ_WRITE_ONCE(rseq_get_abi()->rseq_cs, BEYOND_USER);
	RSEQ_WRITE_ONCE(*f.page, 1);
	RSEQ_WRITE_ONCE(rseq_get_abi()->rseq_cs, 0);
	RSEQ_WRITE_ONCE(shared[0], 2);
	_exit(31);
}

static void check_page_fault_route(void)
{
	int status;

	RSEQ_WRITE_ONCE(shared[0], 0);
	status = run_in_child(bad_cs_then_page_fault, NULL);
	/* The stock kernels have it; the debug lane's build does not. */
	if (exited_with(status, NO_USERFAULTFD)) {
		ok(1, "%s: a page fault that slept # SKIP the kernel has no userfaultfd",
		   rules_name);
		return;
	}
	ok(killed_by(status, SIGSEGV) && shared[0] == 1,
	   "%s: a bad rseq_cs is fatal after a page fault that slept (7x 3.1 row 2)",
	   rules_name);
	if (!killed_by(status, SIGSEGV))
		diag("wait status 0x%x, step %u", status, shared[0]);
}

/* Legacy and classic: rewritten after a sleep and before a handler. */
static void check_ids_rewritten(void)
{
	struct rseqdev_rseq *abi = rseq_get_abi();

	pin_to_cpu(0);
	RSEQ_WRITE_ONCE(abi->cpu_id_start, 0xdeadbeef);
	sleep_until_switched();
	ok(abi->cpu_id_start == 0,
	   "%s: cpu_id_start rewritten after a sleep (7x 3.1 row 1, 5 legacy_check)",
	   rules_name);
	install_handler();
	RSEQ_WRITE_ONCE(abi->cpu_id_start, 0xdeadbeef);
	raise(SIGUSR1);
	ok(shared[1] == 0 && abi->cpu_id_start == 0,
	   "%s: cpu_id_start rewritten before the signal handler (7x 3.1 row 1)",
	   rules_name);
}

/* Optimized: written only when they change; left alone otherwise. */
static void tamper_then_migrate(void *arg)
{
	size_t field = (size_t)(uintptr_t)arg;
	uint32_t *ids = (uint32_t *)rseq_get_abi();
	/* cpu_id_start, cpu_id, node_id, mm_cid: words 0, 1, 5, 6 */
	static const int word[] = { 0, 1, 5, 6 };

	pin_to_cpu(0);
	sleep_until_switched();
	RSEQ_WRITE_ONCE(ids[word[field]], 0xdeadbeef);
	sleep_until_switched();
	RSEQ_WRITE_ONCE(shared[0], ids[word[field]] == 0xdeadbeef ? 1 : 2);
	pin_to_cpu(1);
	sleep_until_switched();
	RSEQ_WRITE_ONCE(shared[0], ids[0] == 1 && ids[1] == 1 ? 3 : 4);
	_exit(0);
}

static void check_ids_read_only(void)
{
	static const char *const names[] = { "cpu_id_start", "cpu_id", "node_id",
					     "mm_cid" };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(names); i++) {
		int status;

		RSEQ_WRITE_ONCE(shared[0], 0);
		status = run_in_child(tamper_then_migrate, (void *)(uintptr_t)i);
		bool pass;

		if (optimized)
			pass = ok(shared[0] == 1 && killed_by(status, SIGSEGV),
				  "%s: %s written by user space is not rewritten without a migration, and is fatal at the next update (7x 3.1 rows 1, 3)",
				  rules_name, names[i]);
		else
			pass = ok(shared[0] == 3 && exited_with(status, 0),
				  "%s: %s written by user space is rewritten, and harmless (7x 3.1 row 3)",
				  rules_name, names[i]);
		if (!pass)
			diag("wait status 0x%x, step %u", status, shared[0]);
	}
}

static void migrate_untouched(void *unused)
{
	struct rseqdev_rseq *abi = rseq_get_abi();

	(void)unused;
	pin_to_cpu(0);
	sleep_until_switched();
	RSEQ_WRITE_ONCE(shared[0], abi->cpu_id);
	pin_to_cpu(1);
	sleep_until_switched();
	RSEQ_WRITE_ONCE(shared[1], abi->cpu_id);
	RSEQ_WRITE_ONCE(shared[2], abi->cpu_id_start);
	_exit(0);
}

static void check_ids_follow_migration(void)
{
	int status = run_in_child(migrate_untouched, NULL);

	ok(exited_with(status, 0) && shared[0] == 0 && shared[1] == 1 && shared[2] == 1,
	   "%s: the IDs follow a migration (7x 3.1 row 1)", rules_name);
}

/*
 * In a child: the section's descriptor, or the area's flags, carry what
 * classic refuses; the section is preempted. Classic kills the thread;
 * 7.1 reads neither outside debug mode and aborts the section (7x §3.2).
 */
enum section_shape {
	SHAPE_AS_IS,
	SHAPE_END_WRAPS,	/* start_ip + post_commit_offset overflows */
	SHAPE_ABORT_INSIDE,	/* the section grown over its abort handler */
};

struct strict_case {
	const char *what;
	uint32_t version, cs_flags, area_flags;
	enum section_shape shape;
};

/* Reshape the section; the spinning loop stays inside it. */
static void reshape(struct rseqdev_rseq_cs *cs, enum section_shape shape)
{
	uint64_t start = cs->start_ip, end = start + cs->post_commit_offset;
	uint64_t abort_ip = cs->abort_ip;

	if (shape == SHAPE_END_WRAPS) {
		cs->post_commit_offset = 0 - start + 16;
	} else if (shape == SHAPE_ABORT_INSIDE) {
		cs->start_ip = start < abort_ip ? start : abort_ip;
		end = end > abort_ip + 4 ? end : abort_ip + 4;
		cs->post_commit_offset = end - cs->start_ip;
	}
}

static void preempted_with(void *arg)
{
	const struct strict_case *c = arg;
	int committed = 0;

	RSEQ_WRITE_ONCE(stop_spinning, 1);
	spin_in_section(&committed);	/* learn the descriptor */
	/*
	 * The commit left rseq_cs naming it. Reshaped, the section may span
	 * other code (up to its abort handler, or to the top of the address
	 * space), which must not run with rseq_cs armed: the section arms it
	 * again on entry.
	 */
	RSEQ_WRITE_ONCE(rseq_get_abi()->rseq_cs, 0);
	section_desc->version = c->version;
	section_desc->flags = c->cs_flags;
	reshape(section_desc, c->shape);
	rseq_get_abi()->flags = c->area_flags;
	_exit(section_beside_busy_thread() ? 7 : 8);
}

static void check_descriptor_strictness(void)
{
	static const struct strict_case cases[] = {
		{ "descriptor version 1", 1, 0, 0, SHAPE_AS_IS },
		{ "NO_RESTART_ON_PREEMPT in the descriptor", 0,
		  RSEQDEV_RSEQ_CS_FLAG_NO_RESTART_ON_PREEMPT, 0, SHAPE_AS_IS },
		{ "an unknown descriptor flag", 0, 1u << 8, 0, SHAPE_AS_IS },
		{ "NO_RESTART_ON_MIGRATE in rseq::flags", 0, 0,
		  RSEQDEV_RSEQ_CS_FLAG_NO_RESTART_ON_MIGRATE, SHAPE_AS_IS },
		{ "start_ip + post_commit_offset overflows", 0, 0, 0, SHAPE_END_WRAPS },
		{ "abort_ip inside the section", 0, 0, 0, SHAPE_ABORT_INSIDE },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		int status = run_in_child(preempted_with, (void *)&cases[i]);

		if (gen71)
			ok(exited_with(status, 7),
			   "%s: %s: not read, the section aborts (7x 3.2)", rules_name,
			   cases[i].what);
		else
			ok(killed_by(status, SIGSEGV), "classic: %s: SIGSEGV",
			   cases[i].what);
	}
}

#define DEBUG_PARAM	"/sys/module/rseqdev/parameters/debug"

/* Writes @word to the debug parameter: 0, or -1 with errno. */
static int set_debug(const char *word)
{
	FILE *f = fopen(DEBUG_PARAM, "w");
	int ret;

	if (!f)
		return -1;
	ret = fputs(word, f) < 0 ? -1 : 0;
	if (fclose(f))
		ret = -1;
	return ret;
}

static char debug_state(void)
{
	FILE *f = fopen(DEBUG_PARAM, "r");
	int c = f ? fgetc(f) : EOF;

	if (f)
		fclose(f);
	return (char)c;
}

static void check_debug_parameter(void)
{
	static const char *const bad[] = { "2", "maybe", "-1", "\n" };
	size_t i;

	ok(debug_state() == 'N', "debug mode: off by default");
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		errno = 0;
		ok(set_debug(bad[i]) == -1 && errno == EINVAL,
		   "debug parameter: '%s' refused with EINVAL",
		   bad[i][0] == '\n' ? "\\n" : bad[i]);
	}
	ok(debug_state() == 'N', "debug mode: still off");
}

/* In a child: a section left named in rseq_cs after its commit. */
static void committed_then_syscall(void *unused)
{
	int committed = 0, fds[2];
	char byte;

	(void)unused;
	start_writer(fds);
	RSEQ_WRITE_ONCE(stop_spinning, 1);
	spin_in_section(&committed);
	if (read(fds[0], &byte, 1) != 1)
		_exit(42);
	_exit(rseq_get_abi()->rseq_cs == (uintptr_t)section_desc ? 0 : 43);
}

/* An abort handler for a descriptor: the signature, then code. */
static uint32_t signature_then_code[4] __attribute__((aligned(32))) = {
	RSEQ_SIG, 0xc3c3c3c3, 0, 0
};

static __attribute__((noinline)) long getpid_at(uint64_t *start, uint64_t *end)
{
	return test_getpid_at(start, end);
}

/* In a child: a system call inside a (valid) critical section. */
static void syscall_inside_section(void *unused)
{
	static struct rseqdev_rseq_cs cs __attribute__((aligned(32)));
	uint64_t start, end;

	(void)unused;
	getpid_at(&start, &end);	/* learn where the system call is */
	cs = (struct rseqdev_rseq_cs) {
		.start_ip = start,
		.post_commit_offset = end - start + 1,	/* the return address inside */
		.abort_ip = (uintptr_t)&signature_then_code[1],
	};
	RSEQ_WRITE_ONCE(rseq_get_abi()->rseq_cs, (uintptr_t)&cs);
	getpid_at(&start, &end);
	RSEQ_WRITE_ONCE(rseq_get_abi()->rseq_cs, 0);
	_exit(0);
}

/*
 * 7.1's debug mode (7x §3.2): the full descriptor checks, the ID fields
 * checked before every update, rseq_cs checked at every system call exit.
 */
static void check_debug_mode(void)
{
	static const struct strict_case version1 = {
		"descriptor version 1", 1, 0, 0, SHAPE_AS_IS
	};
	int status;

	check_debug_parameter();
	ok(exited_with(run_in_child(syscall_inside_section, NULL), 0),
	   "%s: a system call inside a section goes unchecked (7x 3.1 note)", rules_name);
	if (!ok(set_debug("1") == 0 && debug_state() == 'Y', "debug mode: switched on"))
		return;
	ok(killed_by(run_in_child(syscall_inside_section, NULL), SIGSEGV),
	   "%s, debug: a system call inside a section is fatal at its exit (7x 3.2)",
	   rules_name);
	RSEQ_WRITE_ONCE(shared[0], 0);
	status = run_in_child(bad_cs_then_syscall_then_timer, NULL);
	ok(killed_by(status, SIGSEGV) && shared[0] == 0,
	   "%s, debug: a bad rseq_cs is fatal at a system call's exit (7x 3.2)",
	   rules_name);
	ok(exited_with(run_in_child(committed_then_syscall, NULL), 0),
	   "%s, debug: a valid rseq_cs left after a commit survives a system call, untouched",
	   rules_name);
	ok(killed_by(run_in_child(preempted_with, (void *)&version1), SIGSEGV),
	   "%s, debug: descriptor version 1 is fatal (7x 3.2)", rules_name);
	if (!optimized) {
		RSEQ_WRITE_ONCE(shared[0], 0);
		status = run_in_child(tamper_then_migrate, (void *)0);
		ok(killed_by(status, SIGSEGV) && shared[0] == 0,
		   "%s, debug: cpu_id_start written by user space is fatal at the next update (7x 3.2)",
		   rules_name);
	}
	ok(set_debug("0") == 0 && debug_state() == 'N', "debug mode: switched off");
}

int main(void)
{
	require_backend();
	if (nr_possible_cpus() < 2)
		tap_bail("needs two CPUs");
	if (rseqdev_register_current_thread())
		tap_bail("cannot register: %s", strerror(errno));
	expect_requested_rules();
	rules = rseqdev_rseq_rules();
	gen71 = rules == RSEQDEV_RULES_7_1_LEGACY || rules == RSEQDEV_RULES_7_1_OPTIMIZED;
	optimized = rules == RSEQDEV_RULES_7_1_OPTIMIZED;
	rules_name = optimized ? "7.1 optimized" : gen71 ? "7.1 legacy" : "classic";
	shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
		      -1, 0);
	if (shared == MAP_FAILED)
		tap_bail("mmap: %s", strerror(errno));
	install_handler();

	check_timer_interrupt();
	check_signal_interrupt();
	check_syscall_route();
	check_page_fault_route();
	if (!optimized)
		check_ids_rewritten();
	check_ids_read_only();
	check_ids_follow_migration();
	check_descriptor_strictness();
	if (gen71 && rseqdev_get_backend() == RSEQ_BACKEND_MODULE)
		check_debug_mode();
	return tap_done();
}
