/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Helpers shared by the rseq tests: the raw registration call through the
 * backend under test (the module's ioctl or the rseq system call), so that
 * one test binary checks the module against native rseq, and small
 * process/thread utilities.
 *
 * The backend is the library's choice ($RSEQDEV_BACKEND). Tests of the
 * native backend run with glibc's own registration off
 * (GLIBC_TUNABLES=glibc.pthread.rseq=0), as the kernel's selftests do.
 */
#ifndef RSEQDEV_TESTS_RSEQ_TEST_UTIL_H
#define RSEQDEV_TESTS_RSEQ_TEST_UTIL_H

#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <rseqdev/rseq.h>
#include <rseqdev/rseqdev.h>

#include "tap.h"

/*
 * rseq(area, len, flags, sig) through the backend under test; with the
 * module, under the generation $RSEQDEV_GENERATION names (an unknown one
 * reaches the module as an invalid value).
 */
static inline long raw_rseq(uint64_t area, uint32_t len, uint32_t flags,
			    uint32_t sig)
{
	struct rseqdev_register reg = {
		.size = sizeof(reg),
		.flags = flags,
		.rseq = area,
		.rseq_len = len,
		.sig = sig,
		.generation = (uint32_t)rseqdev_requested_generation(NULL),
	};

	if (rseqdev_get_backend() == RSEQ_BACKEND_NATIVE)
		return syscall(__NR_rseq, (void *)(uintptr_t)area, len, flags, sig);
	return ioctl(rseqdev_device_fd(), RSEQDEV_IOC_REGISTER, &reg);
}

/*
 * With the module, the rules $RSEQDEV_GENERATION asks for are the ones the
 * calling (registered) thread got: the library's answer and the module's
 * thread list agree with it. One TAP line.
 */
static inline void expect_requested_rules(void)
{
	static const struct {
		const char *word;
		enum rseqdev_rules rules;
		uint32_t gen, len;
	} want[] = {
		{ "classic", RSEQDEV_RULES_CLASSIC, RSEQDEV_GEN_CLASSIC, 32 },
		{ "7.1", RSEQDEV_RULES_7_1_OPTIMIZED, RSEQDEV_GEN_7_1, 33 },
		{ "7.1-legacy", RSEQDEV_RULES_7_1_LEGACY, RSEQDEV_GEN_7_1, 32 },
	};
	const char *word = getenv(RSEQDEV_ENV_GENERATION);
	struct rseqdev_thread_info info[64];
	int i, nr, tid = (int)gettid();

	if (!word || rseqdev_get_backend() != RSEQ_BACKEND_MODULE)
		return;
	for (i = 0; i < (int)ARRAY_SIZE(want) && strcmp(word, want[i].word); i++)
		;
	if (i == (int)ARRAY_SIZE(want))
		tap_bail("unknown %s=%s", RSEQDEV_ENV_GENERATION, word);
	nr = rseqdev_threads(0, info, ARRAY_SIZE(info));
	while (--nr >= 0 && info[nr].tid != (uint32_t)tid)
		;
	ok(rseqdev_rseq_rules() == want[i].rules && nr >= 0 &&
	   info[nr].generation == want[i].gen && info[nr].area_len == want[i].len,
	   "%s=%s: registered %u bytes under generation %u",
	   RSEQDEV_ENV_GENERATION, word, want[i].len, want[i].gen);
}

/* The length the library registers its own area with. */
static inline uint32_t library_area_len(void)
{
	return rseqdev_rseq_rules() == RSEQDEV_RULES_7_1_OPTIMIZED ?
	       RSEQDEV_GEN_7_1_FEATURE_SIZE : RSEQDEV_RSEQ_ORIG_SIZE;
}

/* The test needs a backend, and the backend named in the environment. */
static inline void require_backend(void)
{
	const char *want = getenv(RSEQDEV_ENV_BACKEND);
	enum rseq_backend have = rseqdev_init();

	diag("backend: %s", rseqdev_backend_name(have));
	if (have == RSEQ_BACKEND_NONE)
		tap_bail("no rseq backend available");
	if (want && strcmp(want, rseqdev_backend_name(have)))
		tap_bail("asked for backend %s, got %s", want,
			 rseqdev_backend_name(have));
}

/*
 * @n repetitions divided by the guest's scale, at least @min. The harness
 * sets $RSEQDEV_TEST_SCALE from matrix.conf's "scale=" (see tests/vm/tap.sh,
 * scaled): a kernel that runs the plan many times slower (the debug kernel)
 * needs every path taken, not the stock kernels' volume.
 */
static inline long test_scaled(long n, long min)
{
	const char *env = getenv("RSEQDEV_TEST_SCALE");
	long scale = env ? atol(env) : 1;

	if (scale > 1)
		n /= scale;
	return n > min ? n : min;
}

static inline int pin_to_cpu(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set);
}

static inline int nr_possible_cpus(void)
{
	return (int)sysconf(_SC_NPROCESSORS_CONF);
}

/*
 * Runs @fn(@arg) in a child process and returns its wait status, so that a
 * test can expect a signal without dying of it.
 */
static inline int run_in_child(void (*fn)(void *), void *arg)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		tap_bail("fork: %s", strerror(errno));
	if (pid == 0) {
		fn(arg);
		_exit(0);
	}
	if (waitpid(pid, &status, 0) != pid)
		tap_bail("waitpid: %s", strerror(errno));
	return status;
}

/* The module's counters; a test that cannot read them cannot go on. */
static inline struct rseqdev_stats stats_now(void)
{
	struct rseqdev_stats st;

	if (rseqdev_stats(&st, 0))
		tap_bail("stats: %s", strerror(errno));
	return st;
}

/* Takes CPU @cpu offline (@on 0) or back online; 0 or -1 with errno. */
static inline int set_cpu_online(int cpu, int on)
{
	char path[64];
	FILE *f;
	int ret;

	snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d/online", cpu);
	f = fopen(path, "w");
	if (!f)
		return -1;
	ret = fprintf(f, "%d\n", on) > 0 ? 0 : -1;
	return fclose(f) || ret ? -1 : 0;
}

/* Context switches of the calling thread so far. */
static inline long context_switches(void)
{
	char line[128];
	long total = 0, n;
	FILE *f = fopen("/proc/thread-self/status", "r");

	if (!f)
		tap_bail("cannot read /proc/thread-self/status");
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "voluntary_ctxt_switches: %ld", &n) == 1 ||
		    sscanf(line, "nonvoluntary_ctxt_switches: %ld", &n) == 1)
			total += n;
	}
	fclose(f);
	return total;
}

/*
 * Sleep until the thread has been switched out at least once. A short
 * nanosleep does not always switch: when the vCPU stalls past the timer's
 * expiry before the task blocks, it returns without scheduling.
 */
static inline void sleep_until_switched(void)
{
	long before = context_switches();

	do
		usleep(1000);
	while (context_switches() == before);
}

static inline int killed_by(int status, int sig)
{
	return WIFSIGNALED(status) && WTERMSIG(status) == sig;
}

static inline int exited_with(int status, int code)
{
	return WIFEXITED(status) && WEXITSTATUS(status) == code;
}

#define MAX_CID_WATCHERS	64

struct cid_watch {
	const int *measure;
	const int *stop;
	uint32_t max_seen;
	bool invalid;
};

/*
 * Busy thread: registers, then reads its mm_cid until told to stop. Every
 * read must be valid; the largest counts once measuring has begun.
 */
static inline void *cid_watch_thread(void *arg)
{
	struct cid_watch *w = arg;
	uint32_t cid;

	if (rseqdev_register_current_thread()) {
		w->invalid = true;
		return NULL;
	}
	while (!__atomic_load_n(w->stop, __ATOMIC_RELAXED)) {
		cid = rseq_current_mm_cid();
		if ((int32_t)cid < 0)
			w->invalid = true;
		else if (cid > w->max_seen &&
			 __atomic_load_n(w->measure, __ATOMIC_RELAXED))
			w->max_seen = cid;
	}
	return NULL;
}

/*
 * Runs @n busy threads (at most MAX_CID_WATCHERS), with the caller's CPU
 * affinity: for @settle_us unmeasured, then for half a second measured.
 * Returns the largest mm_cid any of them read while measured; *@invalid
 * tells whether any read was negative or a thread could not register.
 *
 * A bound that holds at every instant wants no settling. A bound the
 * kernel reaches by its periodic compaction (6.4-6.18: every 100 ms, ids
 * a CPU keeps after the mm left it, or ids above the number in use) wants
 * a few periods of it first.
 */
static inline uint32_t watch_mm_cids(int n, unsigned int settle_us, bool *invalid)
{
	struct cid_watch watches[MAX_CID_WATCHERS] = { 0 };
	pthread_t threads[MAX_CID_WATCHERS];
	int measure = settle_us == 0, stop = 0, i;
	uint32_t max = 0;

	if (n > MAX_CID_WATCHERS)
		n = MAX_CID_WATCHERS;
	*invalid = false;
	for (i = 0; i < n; i++) {
		watches[i].measure = &measure;
		watches[i].stop = &stop;
		pthread_create(&threads[i], NULL, cid_watch_thread, &watches[i]);
	}
	if (settle_us) {
		usleep(settle_us);
		__atomic_store_n(&measure, 1, __ATOMIC_RELAXED);
	}
	usleep(500000);
	__atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
	for (i = 0; i < n; i++) {
		pthread_join(threads[i], NULL);
		*invalid |= watches[i].invalid;
		if (watches[i].max_seen > max)
			max = watches[i].max_seen;
	}
	return max;
}

#endif /* RSEQDEV_TESTS_RSEQ_TEST_UTIL_H */
