// SPDX-License-Identifier: GPL-2.0-only
/*
 * The rseq fence (rseqdev_rseq_fence(): the module's fence ioctl, or membarrier()
 * with native rseq), tested the way the kernel's selftests test
 * membarrier's: worker threads add to per-CPU slots of the "active" array
 * with a sequence that loads the array's address inside the section; a
 * manager switches the active array, fences, and then watches the old one.
 * Once the fence has returned, no add may land in the old array: a section
 * that loaded the old address before the switch must have been aborted.
 * A delay loop between the address load and the commit keeps many
 * sections open at the moment of each switch. The same run without the
 * fence is the control: it must see late adds, or the test proves nothing.
 *
 * With the module backend it also checks the ioctl's errors, the number of
 * CPUs a fence interrupts (the module's counters), fork and exec, and
 * RSEQDEV_IOC_THREADS.
 *
 * usage: fence_test [-r ROUNDS (default 200, scaled)] [-l SECTION_LOOPS]
 *        fence_test --exec-child   (internal: the fence after an exec)
 *        fence_test --hold N       register N threads, print "ready" and
 *                                  sleep until killed (for rseqctl's test)
 */
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

static unsigned int section_loops = 3000;

#include "section_delay.h"

#include <rseqdev/ops.h>

#include "rseq_test_util.h"

#define MAX_WORKERS	64

struct slot {
	intptr_t count;
} __attribute__((aligned(64)));

static struct slot *arrays[2];
static intptr_t active;		/* address of arrays[0] or arrays[1] */
static int nr_cpus;
static bool stop;

/* Each worker's successful adds and finished attempts (its own writes). */
struct worker_state {
	long adds;
	unsigned long attempts;
} __attribute__((aligned(64)));

static struct worker_state workers[MAX_WORKERS];
static int nr_workers;

static intptr_t array_sum(const struct slot *array)
{
	intptr_t sum = 0;
	int cpu;

	for (cpu = 0; cpu < nr_cpus; cpu++)
		sum += __atomic_load_n(&array[cpu].count, __ATOMIC_RELAXED);
	return sum;
}

static void *worker(void *arg)
{
	struct worker_state *state = arg;
	int cpu;

	if (rseqdev_register_current_thread())
		tap_bail("worker registration: %s", strerror(errno));
	while (!__atomic_load_n(&stop, __ATOMIC_RELAXED)) {
		cpu = rseqdev_percpu_current_index(RSEQ_PERCPU_CPU_ID);
		if (!rseq_load_add_load_add_store__ptr(RSEQ_MO_RELAXED,
				RSEQ_PERCPU_CPU_ID, &active,
				cpu * (long)sizeof(struct slot), 1, cpu))
			state->adds++;
		/* Release: the commit above is visible before the count. */
		__atomic_store_n(&state->attempts, state->attempts + 1,
				 __ATOMIC_RELEASE);
	}
	return NULL;
}

/*
 * Waits until every worker has finished the attempt it was making when
 * this was called, so the sections open at the switch have all committed
 * or aborted. Waiting on the workers' progress rather than for a fixed time
 * matters under TCG, where a vCPU can stall for milliseconds of host time
 * and a timed wait would end before the late commit it should observe.
 */
static void wait_for_workers(void)
{
	unsigned long seen[MAX_WORKERS];
	int i, waits = 0;

	for (i = 0; i < nr_workers; i++)
		seen[i] = __atomic_load_n(&workers[i].attempts, __ATOMIC_ACQUIRE);
	for (i = 0; i < nr_workers; i++) {
		while (__atomic_load_n(&workers[i].attempts, __ATOMIC_ACQUIRE) <
		       seen[i] + 1) {
			if (++waits > 100000)
				tap_bail("worker %d made no progress in 10 s", i);
			usleep(100);
		}
	}
}

/*
 * @rounds switches of the active array, each followed by a fence (every
 * CPU on even rounds, each CPU in turn on odd ones) unless @fence is
 * false. Return: the rounds whose old array changed after the fence.
 */
static int switch_rounds(int rounds, bool fence)
{
	int round, cpu, late = 0;

	for (round = 0; round < rounds; round++) {
		struct slot *old = (struct slot *)active;
		struct slot *next = old == arrays[0] ? arrays[1] : arrays[0];
		intptr_t before;

		__atomic_store_n(&active, (intptr_t)next, __ATOMIC_RELEASE);
		if (fence && round % 2 == 0 && rseqdev_rseq_fence(-1))
			tap_bail("rseqdev_rseq_fence(-1): %s", strerror(errno));
		for (cpu = 0; fence && round % 2 && cpu < nr_cpus; cpu++) {
			if (rseqdev_rseq_fence(cpu))
				tap_bail("rseqdev_rseq_fence(%d): %s", cpu, strerror(errno));
		}
		before = array_sum(old);
		wait_for_workers();
		if (array_sum(old) != before)
			late++;
	}
	return late;
}

static void start_workers(pthread_t *threads, int nr)
{
	int i;

	__atomic_store_n(&stop, false, __ATOMIC_RELAXED);
	nr_workers = nr;
	for (i = 0; i < nr; i++) {
		workers[i].adds = 0;
		workers[i].attempts = 0;
		if (pthread_create(&threads[i], NULL, worker, &workers[i]))
			tap_bail("pthread_create");
	}
}

static long stop_workers(pthread_t *threads)
{
	long total = 0;
	int i;

	__atomic_store_n(&stop, true, __ATOMIC_RELAXED);
	for (i = 0; i < nr_workers; i++) {
		pthread_join(threads[i], NULL);
		total += workers[i].adds;
	}
	return total;
}

static uint64_t fence_ipis(void)
{
	struct rseqdev_stats stats;

	if (rseqdev_stats(&stats, 0))
		tap_bail("stats: %s", strerror(errno));
	return stats.fence_ipis;
}

static void check_fence_aborts(int rounds)
{
	int nr = nr_cpus * 2 > MAX_WORKERS ? MAX_WORKERS : nr_cpus * 2;
	uint64_t online = (uint64_t)sysconf(_SC_NPROCESSORS_ONLN);
	pthread_t threads[MAX_WORKERS];
	uint64_t ipis;
	long adds;
	int batch = rounds >= 4 ? rounds / 4 : 1;
	int late, done;

	arrays[0] = calloc(nr_cpus, sizeof(struct slot));
	arrays[1] = calloc(nr_cpus, sizeof(struct slot));
	if (!arrays[0] || !arrays[1])
		tap_bail("calloc");
	active = (intptr_t)arrays[0];

	/*
	 * The control is statistical: a batch can miss every open section
	 * when the host stalls the vCPUs that run them, so it gets up to
	 * four batches before it counts as a failure.
	 */
	start_workers(threads, nr);
	for (late = 0, done = 0; !late && done < rounds; done += batch)
		late = switch_rounds(batch, false);
	adds = stop_workers(threads);
	diag("without the fence: %d of %d rounds saw a late add", late, done);
	ok(late > 0, "control: without the fence, adds land in the old array");
	ok(array_sum(arrays[0]) + array_sum(arrays[1]) == adds,
	   "control: every committed add counted once (%ld)", adds);

	memset(arrays[0], 0, nr_cpus * sizeof(struct slot));
	memset(arrays[1], 0, nr_cpus * sizeof(struct slot));
	ipis = rseqdev_get_backend() == RSEQ_BACKEND_MODULE ? fence_ipis() : 0;
	start_workers(threads, nr);
	late = switch_rounds(rounds, true);
	adds = stop_workers(threads);
	if (rseqdev_get_backend() == RSEQ_BACKEND_MODULE) {
		uint64_t bound = (rounds + 1) / 2 * (online - 1) +
				 rounds / 2 * (uint64_t)nr_cpus;

		ipis = fence_ipis() - ipis;
		ok(ipis > 0 && ipis <= bound,
		   "at most one interrupt per targeted CPU: %llu for a bound of %llu",
		   (unsigned long long)ipis, (unsigned long long)bound);
	}
	ok(late == 0, "with the fence: no add lands in the old array (%d of %d rounds)",
	   late, rounds);
	ok(array_sum(arrays[0]) + array_sum(arrays[1]) == adds,
	   "with the fence: every committed add counted once (%ld)", adds);
	ok(adds > rounds, "the workers made progress (%ld adds)", adds);
}

/* The module's fence ioctl with a raw argument. */
static int fence_ioctl(uint32_t size, uint32_t flags, int32_t cpu,
		       uint32_t reserved)
{
	struct {
		struct rseqdev_fence fence;
		uint32_t tail[2];
	} arg = { { size, flags, cpu, reserved }, { 0, 0 } };

	return ioctl(rseqdev_device_fd(), RSEQDEV_IOC_FENCE, &arg);
}

static void check_bad_input(void)
{
	struct {
		struct rseqdev_fence fence;
		uint32_t tail;
	} big = { { sizeof(big), 0, 0, 0 }, 1 };
	int32_t bad_cpus[] = { -2, nr_cpus, 4096, INT32_MAX, INT32_MIN };
	uint32_t bad_flags[] = { 1 << 2, 1u << 31, RSEQDEV_FENCE_REGISTER |
				 RSEQDEV_FENCE_CPU, ~0u };
	const uint32_t size = sizeof(struct rseqdev_fence);
	unsigned int i;

	expect_errno(fence_ioctl(size, 0, 0, 0), EPERM,
		     "fence before registering");
	expect_errno(fence_ioctl(size, RSEQDEV_FENCE_CPU, 0, 0), EPERM,
		     "CPU fence before registering");
	for (i = 0; i < ARRAY_SIZE(bad_flags); i++)
		expect_errno(fence_ioctl(size, bad_flags[i], 0, 0), EINVAL,
			     "bad flags (checked before registration)");
	for (i = 0; i < ARRAY_SIZE(bad_cpus); i++)
		expect_errno(fence_ioctl(size, RSEQDEV_FENCE_CPU, bad_cpus[i], 0),
			     EINVAL, "CPU out of range");
	expect_errno(fence_ioctl(size, 0, 1, 0), EINVAL, "cpu without FENCE_CPU");
	expect_errno(fence_ioctl(size, RSEQDEV_FENCE_REGISTER, 1, 0), EINVAL,
		     "cpu with REGISTER");
	expect_errno(fence_ioctl(size, 0, 0, 1), EINVAL, "reserved not 0");
	expect_errno(fence_ioctl(size - 4, 0, 0, 0), EINVAL, "size too small");
	expect_errno(ioctl(rseqdev_device_fd(), RSEQDEV_IOC_FENCE, &big), E2BIG,
		     "unknown tail not zero");
	expect_errno(ioctl(rseqdev_device_fd(), RSEQDEV_IOC_FENCE, NULL), EFAULT,
		     "NULL argument");

	ok(fence_ioctl(size, RSEQDEV_FENCE_REGISTER, 0, 0) == 0, "register");
	ok(fence_ioctl(size, RSEQDEV_FENCE_REGISTER, 0, 0) == 0,
	   "register again (idempotent)");
	ok(fence_ioctl(size, 0, 0, 0) == 0, "fence every CPU");
	ok(fence_ioctl(size, RSEQDEV_FENCE_CPU, -1, 0) == 0, "FENCE_CPU with -1");
	for (i = 0; i < (unsigned int)nr_cpus; i++) {
		if (fence_ioctl(size, RSEQDEV_FENCE_CPU, (int)i, 0))
			break;
	}
	ok(i == (unsigned int)nr_cpus, "fence each possible CPU, offline ones too");
}

static void *sleeper(void *unused)
{
	(void)unused;
	if (rseqdev_register_current_thread())
		tap_bail("sleeper registration: %s", strerror(errno));
	pause();
	return NULL;
}

/*
 * Only CPUs that run a registered thread of the process are interrupted:
 * none while the other thread sleeps; the caller's own CPU when a fence
 * names it (the call runs there, with interrupts off).
 */
static void unpin(void);

static void check_interrupt_count(void)
{
	uint64_t before;
	pthread_t thread;
	int i, cpu;

	if (pthread_create(&thread, NULL, sleeper, NULL))
		tap_bail("pthread_create");
	if (pin_to_cpu(0))
		tap_bail("sched_setaffinity: %s", strerror(errno));
	sleep_until_switched();
	usleep(20000);
	before = fence_ipis();
	for (i = 0; i < 50; i++)
		rseqdev_rseq_fence(-1);
	ok(fence_ipis() - before == 0,
	   "every-CPU fences with the other thread asleep interrupt no CPU");
	before = fence_ipis();
	for (i = 0; i < 10; i++) {
		for (cpu = 0; cpu < nr_cpus; cpu++)
			rseqdev_rseq_fence(cpu);
	}
	ok(fence_ipis() - before == 10,
	   "per-CPU fences with the other thread asleep: only the caller's own CPU, once per sweep (%llu for 10)",
	   (unsigned long long)(fence_ipis() - before));
	pthread_cancel(thread);
	pthread_join(thread, NULL);
	unpin();
}

static void unpin(void)
{
	cpu_set_t set;
	int cpu;

	CPU_ZERO(&set);
	for (cpu = 0; cpu < nr_cpus; cpu++)
		CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

static int threads_ioctl(int32_t pid, uint32_t nr, uint64_t threads,
			 uint32_t info_size, uint32_t flags)
{
	struct rseqdev_threads req = {
		.size = sizeof(req), .flags = flags, .pid = pid, .nr = nr,
		.threads = threads, .info_size = info_size,
	};

	return ioctl(rseqdev_device_fd(), RSEQDEV_IOC_THREADS, &req) ? -1 :
	       (int)req.nr;
}

static void threads_as_nobody(void *unused)
{
	struct rseqdev_thread_info info;

	(void)unused;
	if (setgid(65534) || setuid(65534))
		_exit(3);
	if (threads_ioctl(1, 1, (uintptr_t)&info, sizeof(info), 0) == -1 &&
	    errno == EPERM)
		_exit(0);
	_exit(1);
}

static void check_threads(void)
{
	const uint32_t size = sizeof(struct rseqdev_thread_info);
	struct rseqdev_thread_info info[8];
	pthread_t sleepers[3];
	int i, nr, mine = -1;

	for (i = 0; i < 3; i++)
		pthread_create(&sleepers[i], NULL, sleeper, NULL);
	usleep(100000);
	nr = rseqdev_threads(0, info, ARRAY_SIZE(info));
	ok(nr == 4, "threads: the caller and 3 sleepers are listed (%d)", nr);
	for (i = 0; i < nr && i < (int)ARRAY_SIZE(info); i++) {
		if (info[i].tid == (uint32_t)syscall(SYS_gettid))
			mine = i;
	}
	ok(mine >= 0 && info[mine].area == (uintptr_t)rseq_get_abi() &&
	   info[mine].sig == RSEQ_SIG, "threads: the caller's area and signature");
	ok(threads_ioctl(getpid(), 0, 0, size, 0) == 4,
	   "threads: nr 0 counts without writing");
	ok(threads_ioctl(getpid(), 2, (uintptr_t)info, size, 0) == 4,
	   "threads: a short array gets the count of all");
	expect_errno(threads_ioctl(-1, 1, (uintptr_t)info, size, 0), ESRCH,
		     "threads: pid -1");
	expect_errno(threads_ioctl(0x3fffffff, 1, (uintptr_t)info, size, 0),
		     ESRCH, "threads: no such pid");
	expect_errno(threads_ioctl(0, 1, (uintptr_t)info, size, 1), EINVAL,
		     "threads: flags");
	expect_errno(threads_ioctl(0, 1, (uintptr_t)info,
				   RSEQDEV_THREAD_INFO_SIZE_VER0 - 1, 0),
		     EINVAL, "threads: info_size below the first version");
	expect_errno(threads_ioctl(0, 1, (uintptr_t)info, 8192, 0), EINVAL,
		     "threads: info_size above the limit");
	expect_errno(threads_ioctl(0, 4, 16, size, 0), EFAULT,
		     "threads: unmapped array");
	ok(exited_with(run_in_child(threads_as_nobody, NULL), 0),
	   "threads: another user's process gives EPERM");
	for (i = 0; i < 3; i++) {
		pthread_cancel(sleepers[i]);
		pthread_join(sleepers[i], NULL);
	}
}

static void check_fork_and_exec(const char *self)
{
	int status;
	pid_t pid = fork();

	if (pid == 0)
		_exit(rseqdev_rseq_fence(-1) ? 1 : 0);
	waitpid(pid, &status, 0);
	ok(exited_with(status, 0), "a child forked by a registered thread inherits the registration");

	pid = fork();
	if (pid == 0) {
		execl(self, self, "--exec-child", (char *)NULL);
		_exit(3);
	}
	waitpid(pid, &status, 0);
	ok(exited_with(status, 0), "after exec the process must register again (EPERM)");
}

static int exec_child(void)
{
	if (rseqdev_init() != RSEQ_BACKEND_MODULE)
		return 4;
	if (rseqdev_fence(0, 0) == 0 || errno != EPERM)
		return 1;
	return rseqdev_rseq_fence_register() || rseqdev_fence(0, 0) ? 2 : 0;
}

static int hold(int nr)
{
	pthread_t thread;
	int i;

	if (rseqdev_register_current_thread())
		return 1;
	for (i = 1; i < nr; i++) {
		if (pthread_create(&thread, NULL, sleeper, NULL))
			return 1;
	}
	usleep(100000);
	printf("ready\n");
	fflush(stdout);
	for (;;)
		pause();
}

int main(int argc, char **argv)
{
	int opt, rounds = test_scaled(200, 50);

	if (argc == 2 && !strcmp(argv[1], "--exec-child"))
		return exec_child();
	if (argc == 3 && !strcmp(argv[1], "--hold"))
		return hold(atoi(argv[2]));
	while ((opt = getopt(argc, argv, "r:l:")) != -1) {
		switch (opt) {
		case 'r':
			rounds = atoi(optarg);
			break;
		case 'l':
			section_loops = (unsigned int)atoi(optarg);
			break;
		default:
			tap_bail("usage: fence_test [-r ROUNDS] [-l SECTION_LOOPS]");
		}
	}
	require_backend();
	nr_cpus = nr_possible_cpus();
	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		tap_bail("the fence needs two online CPUs");
	if (rseqdev_register_current_thread())
		tap_bail("registration: %s", strerror(errno));
	expect_requested_rules();

	if (rseqdev_get_backend() == RSEQ_BACKEND_MODULE)
		check_bad_input();
	else
		ok(rseqdev_rseq_fence_register() == 0, "register (membarrier)");
	check_fence_aborts(rounds);
	if (rseqdev_get_backend() == RSEQ_BACKEND_MODULE) {
		check_interrupt_count();
		check_threads();
		check_fork_and_exec(argv[0]);
	}
	return tap_done();
}
