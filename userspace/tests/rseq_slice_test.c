// SPDX-License-Identifier: GPL-2.0-only
/*
 * The time-slice extension of the 7.1 generation, against the rules of
 * ../shared/reference/mainline-7x.md, cited as "7x §N". Run with the
 * module, RSEQDEV_GENERATION=7.1, two CPUs, as root (it sets the module's
 * parameters and restores them).
 *
 *  - registration: the feature bits of optimized and legacy areas, and
 *    RSEQ_FLAG_SLICE_EXT_DEFAULT_ON (§3, §4.1);
 *  - the prctl's errno table, in mainline's order (§4.1), and the bounds
 *    of the extension's length (§4.2, slice_ext_nsec);
 *  - the protocol (§4.2): grants happen after an interrupt with a request
 *    set, never on a system call's return, never for a legacy
 *    registration or a thread that did not enable it; any system call
 *    ends a grant; the timer ends one a thread never releases;
 *    rseq_slice_yield() returns 1 only when it ended a grant; the kernel
 *    clears slice_ctrl after scheduling the thread; the counters account
 *    for every grant exactly;
 *  - debug mode: a system call during a grant with slice_ctrl other than
 *    {granted} is fatal (§3.2);
 *  - fork keeps the enabled state, a new thread and exec start without (§4.1);
 *  - the library's lock loses no update, with the extension on and off;
 *  - signals and CPU hotplug during grants; the module stays loaded while
 *    a thread has the extension enabled.
 *
 * A grant needs a reschedule request to land while the request byte is
 * set: a noise thread on the same CPU sleeps 50 us at a time, and each
 * wakeup asks to preempt the spinning thread, as mainline's slice_test
 * does.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>

#include "rseq_test_util.h"
#include "test_arch.h"

#ifndef ENOTSUPP
#define ENOTSUPP	524	/* the kernel's, which <errno.h> does not name */
#endif

#define PARAM_DIR	"/sys/module/rseqdev/parameters/"
#define SLICE_CPU	1

/* A thread's own area, for registrations the library does not make. */
static __thread unsigned char own_bytes[64] __attribute__((aligned(64)));

#define own_rseq	(*(struct rseqdev_rseq *)own_bytes)

/* The bytes are read and written one access at a time, as the kernel's. */
static uint8_t *ctrl(struct rseqdev_rseq *a, int byte)
{
	return (uint8_t *)&a->slice_ctrl + byte;
}

#define REQUEST(a)	RSEQ_READ_ONCE(*ctrl(a, RSEQDEV_SLICE_CTRL_REQUEST_BYTE))
#define GRANTED(a)	RSEQ_READ_ONCE(*ctrl(a, RSEQDEV_SLICE_CTRL_GRANTED_BYTE))
#define SET_REQUEST(a, v) RSEQ_WRITE_ONCE(*ctrl(a, RSEQDEV_SLICE_CTRL_REQUEST_BYTE), (v))

static long prctl_slice(unsigned long op, unsigned long a3, unsigned long a4,
			unsigned long a5)
{
	return rseqdev_slice_prctl(op, a3, a4, a5);
}

static long slice_get(void)
{
	return prctl_slice(RSEQDEV_PR_RSEQ_SLICE_EXTENSION_GET, 0, 0, 0);
}

static long slice_set(unsigned long arg3)
{
	return prctl_slice(RSEQDEV_PR_RSEQ_SLICE_EXTENSION_SET, arg3, 0, 0);
}

static int write_param(const char *name, const char *value)
{
	char path[128];
	int fd, ret, err;

	snprintf(path, sizeof(path), PARAM_DIR "%s", name);
	fd = open(path, O_WRONLY);
	if (fd < 0)
		tap_bail("open %s: %s", path, strerror(errno));
	ret = write(fd, value, strlen(value)) < 0 ? -1 : 0;
	err = errno;
	close(fd);
	errno = err;
	return ret;
}

static uint64_t clock_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/*
 * Time without a system call, which would end a grant: the clock's vDSO
 * path falls back to one when the guest's clocksource is not the TSC.
 * Counter ticks per microsecond, measured once against the clock.
 */
static uint64_t cycles_per_us;

static void calibrate_cycles(void)
{
	uint64_t c0 = test_cycles(), t0 = clock_ns(), c1, t1;

	do
		t1 = clock_ns();
	while (t1 - t0 < 20000000);
	c1 = test_cycles();
	cycles_per_us = (c1 - c0) * 1000 / (t1 - t0);
	if (!cycles_per_us)
		cycles_per_us = 1;
	diag("time-stamp counter: %llu ticks per us", (unsigned long long)cycles_per_us);
}

static uint64_t now_ns(void)
{
	return test_cycles() * 1000 / cycles_per_us;
}

static void spin_ns(uint64_t ns)
{
	uint64_t end = now_ns() + ns;

	while (now_ns() < end)
		;
}

/*
 * The noise: on the slice CPU, a short burst then a 50 us sleep; a
 * real-time task when noise_fifo is set. PREEMPT_RT expires the sleep's
 * timer in a real-time thread, whose wakeup is never deferred (7x §4.2):
 * there the noise is a busy thread instead, preempted by the tick, which
 * asks the lazy kind of reschedule.
 */
static int noise_stop;
static bool noise_fifo, noise_busy;

static void *noise_thread(void *unused)
{
	struct timespec nap = { 0, 50000 };
	struct sched_param prio = { .sched_priority = 1 };

	(void)unused;
	pin_to_cpu(SLICE_CPU);
	if (noise_fifo && pthread_setschedparam(pthread_self(), SCHED_FIFO, &prio))
		tap_bail("SCHED_FIFO noise: %s", strerror(errno));
	while (!RSEQ_READ_ONCE(noise_stop)) {
		spin_ns(2000);
		if (noise_fifo || !noise_busy)
			nanosleep(&nap, NULL);
	}
	return NULL;
}

static pthread_t noise_start(void)
{
	pthread_t t;

	RSEQ_WRITE_ONCE(noise_stop, 0);
	pthread_create(&t, NULL, noise_thread, NULL);
	return t;
}

static void noise_end(pthread_t t)
{
	RSEQ_WRITE_ONCE(noise_stop, 1);
	pthread_join(t, NULL);
}

/* What rounds of request, hold, release saw on one area. */
struct outcome {
	long rounds;
	long granted;	/* "granted" seen at the release */
	long yielded;	/* the yield returned 1 */
	long raced;	/* granted seen, but the yield returned 0 */
	long cleared;	/* the kernel cleared the request: scheduled */
};

/* Spin up to @ns, or until the kernel grants an extension. */
static void hold_ns(struct rseqdev_rseq *a, uint64_t ns)
{
	uint64_t end = now_ns() + ns;

	while (!GRANTED(a) && now_ns() < end)
		;
}

/*
 * One round on @a: request, hold up to @ns without a system call (less
 * once granted: the holder hurries), release and yield when granted, as
 * the documented user side does (7x §4.2).
 */
static void slice_round(struct rseqdev_rseq *a, uint64_t ns, struct outcome *o)
{
	uint8_t request, granted;

	SET_REQUEST(a, 1);
	__asm__ __volatile__("" : : : "memory");
	hold_ns(a, ns);
	request = REQUEST(a);
	SET_REQUEST(a, 0);
	__asm__ __volatile__("" : : : "memory");
	granted = GRANTED(a);
	o->rounds++;
	if (granted) {
		o->granted++;
		if (rseqdev_slice_yield() == 1)
			o->yielded++;
		else
			o->raced++;
	} else if (!request) {
		o->cleared++;
	}
}

/* Rounds under noise until @want grants were seen or @budget_ns passed. */
static struct outcome slice_rounds(struct rseqdev_rseq *a, long want, uint64_t budget_ns)
{
	struct outcome o = { 0 };
	uint64_t end = now_ns() + budget_ns;
	pthread_t noise = noise_start();

	pin_to_cpu(SLICE_CPU);
	while (o.granted < want && now_ns() < end)
		slice_round(a, 100000, &o);
	noise_end(noise);
	return o;
}

/* Registers the calling thread's own area: @len 33 (optimized) or 32. */
static long register_own(uint32_t len, uint32_t flags)
{
	memset(own_bytes, 0, sizeof(own_bytes));
	return raw_rseq((uintptr_t)&own_rseq, len, flags, RSEQ_SIG);
}

static void unregister_own(uint32_t len)
{
	raw_rseq((uintptr_t)&own_rseq, len, RSEQDEV_RSEQ_FLAG_UNREGISTER, RSEQ_SIG);
}

static int run_in_thread(void *(*fn)(void *), void *arg)
{
	pthread_t t;

	if (pthread_create(&t, NULL, fn, arg))
		tap_bail("pthread_create");
	pthread_join(t, NULL);
	return 0;
}

/* 7x §3 step 6 and §4.1: the bits each kind of registration gets. */
static void *check_registration_bits(void *unused)
{
	static const struct {
		uint32_t len, flags, want;
		long get;
		const char *what;
	} cases[] = {
		{ 33, 0, RSEQDEV_RSEQ_CS_FLAG_SLICE_EXT_AVAILABLE, 0,
		  "optimized: AVAILABLE, not enabled" },
		{ 33, RSEQDEV_RSEQ_FLAG_SLICE_EXT_DEFAULT_ON,
		  RSEQDEV_RSEQ_CS_FLAG_SLICE_EXT_AVAILABLE |
		  RSEQDEV_RSEQ_CS_FLAG_SLICE_EXT_ENABLED, 1,
		  "optimized with DEFAULT_ON: AVAILABLE|ENABLED, enabled" },
		{ 32, 0, 0, 0, "legacy: no bit" },
		{ 32, RSEQDEV_RSEQ_FLAG_SLICE_EXT_DEFAULT_ON, 0, 0,
		  "legacy with DEFAULT_ON: no bit, not enabled" },
	};
	size_t i;

	(void)unused;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		long ret = register_own(cases[i].len, cases[i].flags);

		ok(ret == 0 && own_rseq.flags == cases[i].want &&
		   slice_get() == cases[i].get,
		   "%s (7x §3 step 6, §4.1)", cases[i].what);
		unregister_own(cases[i].len);
	}
	return NULL;
}

static void check_prctl_errors_unregistered(void)
{
	expect_errno(slice_set(RSEQDEV_PR_RSEQ_SLICE_EXT_ENABLE), ENXIO,
		     "SET without a registration (7x §4.1)");
	ok(slice_get() == 0, "GET without a registration: 0 (7x §4.1)");
}

static void *unregistered_thread(void *unused)
{
	(void)unused;
	check_prctl_errors_unregistered();
	return NULL;
}

/* 7x §4.1: the checks, in mainline's order. */
static void check_prctl_errors(void)
{
	struct rseqdev_rseq *a = rseq_get_abi();
	uint32_t saved;

	expect_errno(prctl_slice(RSEQDEV_PR_RSEQ_SLICE_EXTENSION_SET,
				 RSEQDEV_PR_RSEQ_SLICE_EXT_ENABLE, 1, 0), EINVAL,
		     "SET with arg4 set (7x §4.1)");
	expect_errno(prctl_slice(RSEQDEV_PR_RSEQ_SLICE_EXTENSION_GET, 0, 0, 1), EINVAL,
		     "GET with arg5 set (7x §4.1)");
	expect_errno(prctl_slice(RSEQDEV_PR_RSEQ_SLICE_EXTENSION_GET, 1, 0, 0), EINVAL,
		     "GET with arg3 set (7x §4.1)");
	expect_errno(prctl_slice(0, 0, 0, 0), EINVAL, "op 0 (7x §4.1)");
	expect_errno(prctl_slice(3, 0, 0, 0), EINVAL, "op 3 (7x §4.1)");
	expect_errno(prctl_slice(~0ul, 0, 0, 0), EINVAL, "op ~0 (7x §4.1)");
	expect_errno(slice_set(2), EINVAL, "SET with an unknown bit (7x §4.1)");
	expect_errno(slice_set(~0ul), EINVAL, "SET with every bit (7x §4.1)");
	run_in_thread(unregistered_thread, NULL);

	ok(slice_set(RSEQDEV_PR_RSEQ_SLICE_EXT_ENABLE) == 0 && slice_get() == 1 &&
	   (a->flags & RSEQDEV_RSEQ_CS_FLAG_SLICE_EXT_ENABLED),
	   "SET enables: GET 1, rseq::flags gains ENABLED (7x §4.1)");
	ok(slice_set(RSEQDEV_PR_RSEQ_SLICE_EXT_ENABLE) == 0 && slice_get() == 1,
	   "SET to the same state: 0 (7x §4.1)");
	ok(slice_set(0) == 0 && slice_get() == 0 &&
	   a->flags == RSEQDEV_RSEQ_CS_FLAG_SLICE_EXT_AVAILABLE,
	   "SET 0 disables: GET 0, ENABLED gone (7x §4.1)");

	/* rseq::flags without AVAILABLE: the kernel finds user space broke it. */
	saved = a->flags;
	a->flags = 0;
	if (fork() == 0) {
		slice_set(RSEQDEV_PR_RSEQ_SLICE_EXT_ENABLE);
		_exit(0);
	}
	{
		int status;

		wait(&status);
		ok(killed_by(status, SIGSEGV),
		   "SET with AVAILABLE cleared in rseq::flags: SIGSEGV (7x §4.1)");
	}
	a->flags = saved;
	ok(slice_get() == 0, "the parent's state is untouched");
}

static void *legacy_thread_prctl(void *unused)
{
	(void)unused;
	if (register_own(32, 0))
		tap_bail("legacy registration: %s", strerror(errno));
	expect_errno(slice_set(RSEQDEV_PR_RSEQ_SLICE_EXT_ENABLE), ENOTSUPP,
		     "SET with a legacy registration: ENOTSUPP (7x §4.1)");
	unregister_own(32);
	return NULL;
}

/* The ioctl's own fields, around the prctl's arguments: exact errnos. */
static long slice_ioctl(const void *arg)
{
	return ioctl(rseqdev_device_fd(), RSEQDEV_IOC_SLICE_PRCTL, arg);
}

static void check_ioctl_arguments(void)
{
	struct rseqdev_slice_prctl req;
	unsigned char big[sizeof(req) + 16];
	struct rseqdev_slice_prctl base = {
		.size = sizeof(req),
		.op = RSEQDEV_PR_RSEQ_SLICE_EXTENSION_GET,
		.generation = RSEQDEV_GEN_7_1,
	};

	req = base;
	ok(slice_ioctl(&req) == 0, "ioctl: a well-formed GET answers 0");
	req = base;
	req.flags = 1;
	expect_errno(slice_ioctl(&req), EINVAL, "ioctl: flags 1");
	req = base;
	req.reserved = 1;
	expect_errno(slice_ioctl(&req), EINVAL, "ioctl: reserved 1");
	req = base;
	req.generation = RSEQDEV_NR_GENS;
	expect_errno(slice_ioctl(&req), EINVAL, "ioctl: unknown generation");
	req = base;
	req.size = RSEQDEV_SLICE_PRCTL_SIZE_VER0 - 1;
	expect_errno(slice_ioctl(&req), EINVAL, "ioctl: size below the first version");
	req = base;
	req.size = RSEQDEV_MAX_ARG_SIZE + 1;
	expect_errno(slice_ioctl(&req), EINVAL, "ioctl: size above the limit");
	memset(big, 0, sizeof(big));
	memcpy(big, &base, sizeof(base));
	((struct rseqdev_slice_prctl *)big)->size = sizeof(big);
	big[sizeof(req) + 4] = 1;
	expect_errno(slice_ioctl(big), E2BIG, "ioctl: unknown non-zero tail");
	expect_errno(slice_ioctl(NULL), EFAULT, "ioctl: NULL");
	expect_errno(slice_ioctl((void *)1), EFAULT, "ioctl: unmapped pointer");
	ok(ioctl(rseqdev_device_fd(), RSEQDEV_IOC_SLICE_YIELD, (void *)1) == 0,
	   "yield ioctl: takes no argument, whatever is passed: 0");
}

/* $RSEQDEV_SLICE_EXT: "on" or "off"; another word fails registration. */
static void *register_fresh_thread(void *p)
{
	*(int *)p = rseqdev_register_current_thread() ? errno : 0;
	return NULL;
}

static void bogus_slice_env(void *unused)
{
	int err = -1;

	(void)unused;
	setenv(RSEQDEV_ENV_SLICE_EXT, "yes", 1);
	run_in_thread(register_fresh_thread, &err);
	_exit(err == EINVAL ? 0 : 1);
}

static void check_slice_env(void)
{
	ok(exited_with(run_in_child(bogus_slice_env, NULL), 0),
	   "RSEQDEV_SLICE_EXT=yes: registration fails with EINVAL");
}

/* 7x §4.2, slice_ext_nsec: 5 to 50 us, ERANGE outside, EINVAL unparsable. */
static void check_nsec_bounds(void)
{
	expect_errno(write_param("slice_ext_nsec", "4999"), ERANGE, "slice_ext_nsec 4999");
	expect_errno(write_param("slice_ext_nsec", "50001"), ERANGE, "slice_ext_nsec 50001");
	expect_errno(write_param("slice_ext_nsec", "5us"), EINVAL, "slice_ext_nsec 5us");
	expect_errno(write_param("slice_ext_nsec", "-1"), EINVAL, "slice_ext_nsec -1");
	ok(write_param("slice_ext_nsec", "50000") == 0 &&
	   write_param("slice_ext_nsec", "5000") == 0,
	   "slice_ext_nsec 50000 and 5000 accepted");
}

static void *registration_while_off(void *unused)
{
	long ret = register_own(33, RSEQDEV_RSEQ_FLAG_SLICE_EXT_DEFAULT_ON);

	(void)unused;
	ok(ret == 0 && own_rseq.flags == 0 && slice_get() == 0,
	   "slice_ext off: an optimized registration gets no bit (7x §3 step 6)");
	expect_errno(slice_set(RSEQDEV_PR_RSEQ_SLICE_EXT_ENABLE), ENOTSUPP,
		     "slice_ext off: SET is ENOTSUPP before anything else (7x §4.1)");
	unregister_own(33);
	return NULL;
}

/* A thread that never enabled the extension, or a legacy one: never granted. */
struct never_arg {
	uint32_t len;
	struct outcome o;
};

static void *never_granted(void *p)
{
	struct never_arg *arg = p;

	if (register_own(arg->len, 0))
		tap_bail("registration: %s", strerror(errno));
	arg->o = slice_rounds(&own_rseq, 1, 300000000ull);
	unregister_own(arg->len);
	return NULL;
}

static void check_never_granted(void)
{
	struct never_arg v2 = { .len = 33 }, v1 = { .len = 32 };

	run_in_thread(never_granted, &v2);
	ok(v2.o.rounds > 0 && v2.o.granted == 0,
	   "optimized, not enabled: no grant in %ld rounds (7x §4.1)", v2.o.rounds);
	run_in_thread(never_granted, &v1);
	ok(v1.o.rounds > 0 && v1.o.granted == 0,
	   "legacy: no grant in %ld rounds (7x §3.1 row 5)", v1.o.rounds);
}

/* The main thread, enabled: grants happen, and each is accounted for. */
static void check_grants(void)
{
	struct rseqdev_stats before = stats_now(), after;
	struct outcome o;

	o = slice_rounds(rseq_get_abi(), 20, 3000000000ull);
	diag("%ld rounds: %ld granted (%ld yielded, %ld raced), %ld scheduled",
	     o.rounds, o.granted, o.yielded, o.raced, o.cleared);
	after = stats_now();
	ok(o.granted > 0, "grants after interrupts with a request set (7x §4.2)");
	ok(after.slice_yielded - before.slice_yielded == (uint64_t)o.yielded,
	   "every yield that returned 1 is counted, and only those (%ld)", o.yielded);
	ok(after.slice_granted - before.slice_granted ==
	   (after.slice_yielded - before.slice_yielded) +
	   (after.slice_aborted - before.slice_aborted) +
	   (after.slice_revoked - before.slice_revoked),
	   "every grant ended once: by a yield, a system call or a reschedule (granted %llu, yielded %llu, aborted %llu, revoked %llu)",
	   (unsigned long long)(after.slice_granted - before.slice_granted),
	   (unsigned long long)(after.slice_yielded - before.slice_yielded),
	   (unsigned long long)(after.slice_aborted - before.slice_aborted),
	   (unsigned long long)(after.slice_revoked - before.slice_revoked));
}

/* Wait under noise until the main thread holds a grant; false if none came. */
static bool wait_for_grant(struct rseqdev_rseq *a, pthread_t *noise)
{
	uint64_t end = now_ns() + 3000000000ull;

	*noise = noise_start();
	pin_to_cpu(SLICE_CPU);
	while (now_ns() < end) {
		SET_REQUEST(a, 1);
		hold_ns(a, 100000);
		if (GRANTED(a))
			return true;
		SET_REQUEST(a, 0);
	}
	noise_end(*noise);
	return false;
}

/*
 * 7x §4.2: any system call ends the grant; the yield after it returns 0.
 * The call may come too late, after the timer ended the grant (a TCG
 * guest runs a few thousand instructions in the 50 us): try again.
 */
static void check_revoke_by_syscall(void)
{
	struct rseqdev_rseq *a = rseq_get_abi();
	struct rseqdev_stats before, after;
	long tries = 0, aborted = 0, cleared = 0;
	pthread_t noise;

	while (!aborted && tries++ < 50) {
		before = stats_now();
		if (!wait_for_grant(a, &noise))
			break;
		getppid();
		after = stats_now();
		noise_end(noise);
		aborted += after.slice_aborted - before.slice_aborted;
		cleared += a->slice_ctrl == 0;
		ok(after.slice_granted - before.slice_granted ==
		   (after.slice_aborted - before.slice_aborted) +
		   (after.slice_revoked - before.slice_revoked),
		   "try %ld: the grant ended once, by the system call or the timer", tries);
	}
	ok(aborted == 1 && cleared == tries,
	   "a system call during a grant ends it as an abort; slice_ctrl is clear after (%ld tries) (7x §4.2)", tries);
	ok(rseqdev_slice_yield() == 0, "rseq_slice_yield() after the grant ended: 0 (7x §4.2)");
	ok(rseqdev_slice_yield() == 0, "rseq_slice_yield() without a grant: 0 (7x §4.2)");
}

/*
 * 7x §4.2: a thread that never releases is rescheduled once the timer
 * runs out; the longest grant seen is reported, not asserted (TCG).
 */
static void check_expiry(void)
{
	struct rseqdev_rseq *a = rseq_get_abi();
	struct rseqdev_stats before, after;
	uint64_t granted_at, longest = 0, end;
	long ended = 0, tries = 0;
	pthread_t noise;

	before = stats_now();
	while (tries++ < 5 && wait_for_grant(a, &noise)) {
		granted_at = now_ns();
		end = granted_at + 1000000000ull;
		while (GRANTED(a) && now_ns() < end)
			;
		if (!GRANTED(a)) {
			ended++;
			if (now_ns() - granted_at > longest)
				longest = now_ns() - granted_at;
		}
		noise_end(noise);
		SET_REQUEST(a, 0);
	}
	after = stats_now();
	diag("grants held without release: %ld ended; longest from grant seen to grant cleared %llu ns, the wait for the CPU again included (timer: 50000 ns)",
	     ended, (unsigned long long)longest);
	diag("revoked +%llu, expired +%llu, aborted +%llu",
	     (unsigned long long)(after.slice_revoked - before.slice_revoked),
	     (unsigned long long)(after.slice_expired - before.slice_expired),
	     (unsigned long long)(after.slice_aborted - before.slice_aborted));
	ok(ended == 5 && after.slice_revoked - before.slice_revoked >= 5 &&
	   after.slice_expired > before.slice_expired &&
	   after.slice_aborted == before.slice_aborted,
	   "grants never released end by a reschedule, the timer's among them, without a system call (7x §4.2)");
}

/*
 * 7x §4.2: a second reschedule request during a grant is not deferred,
 * even with the request byte set again: the thread asks again while
 * granted, and the timer's request, the second one, must end the grant
 * instead of granting another. A grant given again would be counted
 * without an end: every grant of a try must end, by a reschedule or (the
 * last one, when the thread asked after its grant had already ended) by
 * the system calls after the try.
 *
 * A try tests the rule only when the grant still held after the request
 * was set again: the word reads {request, granted} then, since every end
 * of a grant clears the word before the thread runs again. A slow guest
 * can end the grant first; such a try still has to balance.
 */
static void check_second_request(void)
{
	struct rseqdev_rseq *a = rseq_get_abi();
	struct rseqdev_stats before, after;
	long tries, asked_while_granted = 0, balanced = 0;
	pthread_t noise;
	bool during, ended;
	uint64_t end;

	for (tries = 0; tries < 20 && asked_while_granted < 5; tries++) {
		before = stats_now();
		if (!wait_for_grant(a, &noise))
			break;
		SET_REQUEST(a, 1);
		during = GRANTED(a);
		end = now_ns() + 1000000000ull;
		while (GRANTED(a) && now_ns() < end)
			;
		ended = !GRANTED(a);
		SET_REQUEST(a, 0);
		noise_end(noise);
		after = stats_now();
		diag("try %ld: %s; granted +%llu, expired +%llu, revoked +%llu, aborted +%llu",
		     tries, during ? "asked while granted" : "the grant ended first",
		     (unsigned long long)(after.slice_granted - before.slice_granted),
		     (unsigned long long)(after.slice_expired - before.slice_expired),
		     (unsigned long long)(after.slice_revoked - before.slice_revoked),
		     (unsigned long long)(after.slice_aborted - before.slice_aborted));
		balanced += after.slice_granted - before.slice_granted ==
			    (after.slice_revoked - before.slice_revoked) +
			    (after.slice_aborted - before.slice_aborted) &&
			    after.slice_yielded == before.slice_yielded;
		asked_while_granted += during && ended &&
				       after.slice_expired > before.slice_expired;
	}
	ok(asked_while_granted == 5 && balanced == tries,
	   "a reschedule request during a grant ends it, the request byte set again or not (%ld tries) (7x §4.2)",
	   tries);
}

/* 7x §4.2: a reschedule asked for on a system call's return is never deferred. */
static int pipe_fds[2];

/* A real-time reader: its wakeup asks to preempt the writer at once. */
static int reader_ready;

static void *pipe_reader(void *unused)
{
	struct sched_param prio = { .sched_priority = 1 };
	char c;

	(void)unused;
	pin_to_cpu(SLICE_CPU);
	if (pthread_setschedparam(pthread_self(), SCHED_FIFO, &prio))
		tap_bail("SCHED_FIFO reader: %s", strerror(errno));
	RSEQ_WRITE_ONCE(reader_ready, 1);
	while (read(pipe_fds[0], &c, 1) == 1 && c)
		;
	return NULL;
}

static void check_no_grant_on_syscall_return(void)
{
	struct rseqdev_rseq *a = rseq_get_abi();
	long i, n = test_scaled(2000, 100), granted = 0, switched = 0;
	long switches = context_switches();
	pthread_t reader;
	char one = 1, zero = 0;

	if (pipe(pipe_fds))
		tap_bail("pipe");
	RSEQ_WRITE_ONCE(reader_ready, 0);
	pthread_create(&reader, NULL, pipe_reader, NULL);
	pin_to_cpu(SLICE_CPU);
	/* From here on the reader waits in read(): nothing else runs here. */
	while (!RSEQ_READ_ONCE(reader_ready))
		usleep(1000);
	usleep(10000);
	for (i = 0; i < n; i++) {
		SET_REQUEST(a, 1);
		if (write(pipe_fds[1], &one, 1) != 1)
			tap_bail("write");
		granted += GRANTED(a) != 0;
		switched += REQUEST(a) == 0;
		SET_REQUEST(a, 0);
	}
	write(pipe_fds[1], &zero, 1);
	pthread_join(reader, NULL);
	close(pipe_fds[0]);
	close(pipe_fds[1]);
	diag("%ld writes waking a reader on the same CPU: %ld switched (%ld switches), %ld granted",
	     n, switched, context_switches() - switches, granted);
	ok(granted == 0 && switched > n / 2,
	   "no grant on a system call's return, though it reschedules (7x §4.2); the kernel clears the request of a thread it scheduled (7x §3.1 row 6)");
}

/* 7x §3.2: debug mode checks slice_ctrl at a system call during a grant. */
static void broken_grant_then_syscall(void *unused)
{
	struct rseqdev_rseq *a = rseq_get_abi();
	pthread_t noise;
	int tries;

	(void)unused;
	for (tries = 0; tries < 50; tries++) {
		if (!wait_for_grant(a, &noise))
			_exit(3);
		SET_REQUEST(a, 1);
		getppid();
		noise_end(noise);
		SET_REQUEST(a, 0);
	}
	_exit(0);
}

static void check_debug_mode(void)
{
	int status;

	if (write_param("debug", "Y"))
		tap_bail("debug=Y: %s", strerror(errno));
	status = run_in_child(broken_grant_then_syscall, NULL);
	write_param("debug", "N");
	diag("child status 0x%x", status);
	ok(killed_by(status, SIGSEGV),
	   "debug: a system call during a grant with request set again: SIGSEGV (7x §3.2)");
}

/* 7x §4.1: fork keeps the state; threads and exec start without. */
#define AFTER_EXEC	"--after-exec"

static void *new_thread_state(void *p)
{
	*(long *)p = slice_get();
	return NULL;
}

static void check_inheritance(void)
{
	long in_thread = -1;
	int status;
	pid_t pid;

	slice_set(RSEQDEV_PR_RSEQ_SLICE_EXT_ENABLE);
	pid = fork();
	if (pid == 0)
		_exit(slice_get() == 1 ? 0 : 1);
	waitpid(pid, &status, 0);
	ok(exited_with(status, 0), "a forked child keeps the enabled state (7x §4.1)");
	run_in_thread(new_thread_state, &in_thread);
	ok(in_thread == 0, "a new thread starts without it (7x §4.1)");
	pid = fork();
	if (pid == 0) {
		execl("/proc/self/exe", "rseq_slice_test", AFTER_EXEC, (char *)NULL);
		_exit(2);
	}
	waitpid(pid, &status, 0);
	ok(exited_with(status, 0), "a forked child that execs starts without it (7x §4.1)");
}

/*
 * Grants under a signal storm (a pending signal is other work on the way
 * out: no grant then, and a running one ends) and while the slice CPU goes
 * offline and back (the thread migrates, its grant ends with the switch,
 * the CPU's timer fires elsewhere for nobody). The counters still add up,
 * and the harness checks the kernel log.
 */
static int storm_stop;
static pthread_t storm_target;
static long signals_sent;

static void on_storm_signal(int sig)
{
	(void)sig;
}

static void *signal_storm(void *unused)
{
	(void)unused;
	pin_to_cpu(0);
	while (!RSEQ_READ_ONCE(storm_stop)) {
		pthread_kill(storm_target, SIGUSR1);
		signals_sent++;
		usleep(100);
	}
	return NULL;
}

static long hotplugs;

static void *hotplug_slice_cpu(void *unused)
{
	(void)unused;
	pin_to_cpu(0);
	while (!RSEQ_READ_ONCE(storm_stop)) {
		if (set_cpu_online(SLICE_CPU, 0) == 0) {
			hotplugs++;
			usleep(20000);
			if (set_cpu_online(SLICE_CPU, 1))
				tap_bail("cpu%d back online: %s", SLICE_CPU, strerror(errno));
		}
		usleep(100000);
	}
	return NULL;
}

static void check_storms(void)
{
	struct sigaction sa = { .sa_handler = on_storm_signal, .sa_flags = SA_RESTART };
	struct rseqdev_stats before = stats_now(), after;
	pthread_t storm, hotplug;
	struct outcome o;

	sigaction(SIGUSR1, &sa, NULL);
	storm_target = pthread_self();
	RSEQ_WRITE_ONCE(storm_stop, 0);
	pthread_create(&storm, NULL, signal_storm, NULL);
	pthread_create(&hotplug, NULL, hotplug_slice_cpu, NULL);
	o = slice_rounds(rseq_get_abi(), 1000000, 1500000000ull);
	RSEQ_WRITE_ONCE(storm_stop, 1);
	pthread_join(storm, NULL);
	pthread_join(hotplug, NULL);
	set_cpu_online(SLICE_CPU, 1);
	after = stats_now();
	diag("storm: %ld signals, cpu%d offline %ld times; %ld rounds, %ld granted, %ld yielded; module: granted +%llu, aborted +%llu, revoked +%llu",
	     signals_sent, SLICE_CPU, hotplugs, o.rounds, o.granted, o.yielded,
	     (unsigned long long)(after.slice_granted - before.slice_granted),
	     (unsigned long long)(after.slice_aborted - before.slice_aborted),
	     (unsigned long long)(after.slice_revoked - before.slice_revoked));
	ok(hotplugs > 0 && signals_sent > 0 &&
	   after.slice_granted - before.slice_granted ==
	   (after.slice_yielded - before.slice_yielded) +
	   (after.slice_aborted - before.slice_aborted) +
	   (after.slice_revoked - before.slice_revoked),
	   "signals and CPU hotplug during grants: every grant ended once (7x §4.2)");
}

/* A registration with the extension enabled pins the module. */
static void check_unload_refused(void)
{
	expect_errno(syscall(SYS_delete_module, "rseqdev", O_NONBLOCK), EWOULDBLOCK,
		     "unloading the module while this thread has the extension enabled");
}

/*
 * The library's lock (rseqdev_slice_spin_lock()): four threads on one CPU
 * take it in turn around a read, a 2 us hold and a write of a shared
 * counter. Nothing may be lost, with or without the extension; a holder
 * the kernel scheduled out shows as a request it cleared.
 */
struct lock_run {
	struct rseqdev_slice_spinlock lock;
	long counter, per_thread;
	bool enable;
	long preempted, yielded;	/* summed over the threads */
};

static void *lock_worker(void *p)
{
	struct lock_run *run = p;
	struct rseqdev_rseq *a;
	long i, value, preempted = 0, yielded = 0;

	pin_to_cpu(SLICE_CPU);
	if (rseqdev_register_current_thread() ||
	    slice_set(run->enable ? RSEQDEV_PR_RSEQ_SLICE_EXT_ENABLE : 0))
		tap_bail("lock worker setup: %s", strerror(errno));
	a = rseq_get_abi();
	for (i = 0; i < run->per_thread; i++) {
		rseqdev_slice_spin_lock(&run->lock);
		value = RSEQ_READ_ONCE(run->counter);
		spin_ns(2000);
		RSEQ_WRITE_ONCE(run->counter, value + 1);
		preempted += !REQUEST(a) && !GRANTED(a);
		yielded += rseqdev_slice_spin_unlock(&run->lock) == 1;
	}
	__atomic_fetch_add(&run->preempted, preempted, __ATOMIC_RELAXED);
	__atomic_fetch_add(&run->yielded, yielded, __ATOMIC_RELAXED);
	return NULL;
}

static void check_slice_lock(bool enable)
{
	struct lock_run run = {
		.lock = RSEQDEV_SLICE_SPINLOCK_INIT,
		.per_thread = test_scaled(2000, 100),
		.enable = enable,
	};
	pthread_t t[4];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(t); i++)
		pthread_create(&t[i], NULL, lock_worker, &run);
	for (i = 0; i < ARRAY_SIZE(t); i++)
		pthread_join(t[i], NULL);
	diag("slice lock, extension %s: %ld holders scheduled out, %ld yields after a grant",
	     enable ? "on" : "off", run.preempted, run.yielded);
	ok(run.counter == run.per_thread * (long)ARRAY_SIZE(t) && (enable || !run.yielded),
	   "slice lock, extension %s: 4 threads on one CPU, no update lost (%ld)",
	   enable ? "on" : "off", run.counter);
}

/*
 * PREEMPT_RT defers only the lazy kind of reschedule request (7x §4.2): a
 * real-time task's wakeup is never deferred there.
 */
static bool kernel_is_rt(void)
{
	struct utsname u;

	return !uname(&u) && strstr(u.version, "PREEMPT_RT");
}

static void check_rt_wakeups(void)
{
	struct outcome o;
	bool rt = kernel_is_rt();

	noise_fifo = true;
	o = slice_rounds(rseq_get_abi(), rt ? 1000 : 5, 1000000000ull);
	noise_fifo = false;
	if (rt)
		ok(o.rounds > 0 && o.granted == 0,
		   "PREEMPT_RT: a real-time task's wakeup is never deferred (%ld rounds) (7x §4.2)", o.rounds);
	else
		ok(o.granted > 0,
		   "not PREEMPT_RT: a real-time task's wakeup may be deferred (7x §4.2)");
}

int main(int argc, char **argv)
{
	struct rseqdev_query q;

	/* check_inheritance()'s child, after its exec: what GET answers now. */
	if (argc == 2 && !strcmp(argv[1], AFTER_EXEC))
		return slice_get() == 0 ? 0 : 1;

	require_backend();
	calibrate_cycles();
	noise_busy = kernel_is_rt();
	if (rseqdev_get_backend() != RSEQ_BACKEND_MODULE ||
	    rseqdev_rseq_rules() != RSEQDEV_RULES_7_1_OPTIMIZED)
		tap_bail("needs the module and RSEQDEV_GENERATION=7.1");
	if (rseqdev_register_current_thread())
		tap_bail("registration: %s", strerror(errno));
	expect_requested_rules();
	ok(!rseqdev_query(&q) && (q.features & RSEQDEV_FEATURE_SLICE_EXT),
	   "the module offers the time-slice extension");
	ok(rseq_get_abi()->flags == RSEQDEV_RSEQ_CS_FLAG_SLICE_EXT_AVAILABLE,
	   "the library's optimized area: AVAILABLE (7x §3 step 6)");

	run_in_thread(check_registration_bits, NULL);
	check_prctl_errors();
	run_in_thread(legacy_thread_prctl, NULL);
	check_ioctl_arguments();
	check_slice_env();
	check_nsec_bounds();
	if (write_param("slice_ext", "N"))
		tap_bail("slice_ext=N: %s", strerror(errno));
	run_in_thread(registration_while_off, NULL);
	write_param("slice_ext", "Y");

	check_never_granted();
	if (slice_set(RSEQDEV_PR_RSEQ_SLICE_EXT_ENABLE))
		tap_bail("enable: %s", strerror(errno));
	/* The longest extension: the checks below look at grants as they run. */
	write_param("slice_ext_nsec", "50000");
	check_grants();
	check_revoke_by_syscall();
	check_expiry();
	check_second_request();
	check_no_grant_on_syscall_return();
	check_debug_mode();
	check_rt_wakeups();
	check_slice_lock(false);
	check_slice_lock(true);
	check_storms();
	check_unload_refused();
	check_inheritance();
	write_param("slice_ext_nsec", "5000");
	slice_set(0);
	return tap_done();
}
