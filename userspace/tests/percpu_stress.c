// SPDX-License-Identifier: GPL-2.0-only
/*
 * Many threads use one per-CPU data structure at once, while delay loops
 * inside the critical sections, yields, sleeps and signals force aborts;
 * at the end every invariant is checked exactly:
 *
 *   counter	each thread adds -1, 0, 1, 2, 3 in turn: the sum is exact
 *   spinlock	each thread increments a plain per-index count under the
 *		lock: the counts add up to threads x reps
 *   list	threads pop a node and push it back: every node is on some
 *		list exactly once at the end
 *   buffer	the same with a bounded buffer of pointers
 *   memcpy	the same with items copied in and out: no item lost,
 *		duplicated or torn
 *
 * A signal handler (-k, -S) adds 1 to a second per-CPU counter per run:
 * that counter must equal the number of handler runs. With -F, some
 * threads take the cpu_opv slow path for every operation while the others
 * run the rseq fast paths on the same data. Only the public API is used,
 * so any backend can run it.
 */
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* The injection hooks must be in place before the rseqdev headers. */
#include "test_arch.h"

#define NR_ASM_POINTS	6

static unsigned int asm_loops[NR_ASM_POINTS + 1];
static __thread unsigned long thread_aborts;
static void c_action(void);

#define RSEQ_INJECT_INPUT						\
	[asm_loops_1] "m" (asm_loops[1]),				\
	[asm_loops_2] "m" (asm_loops[2]),				\
	[asm_loops_3] "m" (asm_loops[3]),				\
	[asm_loops_4] "m" (asm_loops[4]),				\
	[asm_loops_5] "m" (asm_loops[5]),				\
	[asm_loops_6] "m" (asm_loops[6])
#define RSEQ_INJECT_CLOBBER	TEST_DELAY_LOOP_CLOBBER
#define RSEQ_INJECT_ASM(n)	TEST_DELAY_LOOP("asm_loops_" #n)
#define RSEQ_INJECT_C(n)	c_action()
#define RSEQ_INJECT_FAILED	(thread_aborts++)

#include <rseqdev/percpu.h>

#include "rseq_test_util.h"

#define DEFAULT_REPS		2000000
#define ITEMS_PER_THREAD	64
#define HOLD_LOOPS		32
#define GOLDEN			0x9e3779b97f4a7c15ULL

enum test_type {
	TEST_COUNTER,
	TEST_SPINLOCK,
	TEST_LIST,
	TEST_BUFFER,
	TEST_MEMCPY,
};

static const char *const test_names[] = {
	[TEST_COUNTER] = "counter",
	[TEST_SPINLOCK] = "spinlock",
	[TEST_LIST] = "list",
	[TEST_BUFFER] = "buffer",
	[TEST_MEMCPY] = "memcpy",
};

static struct {
	enum test_type type;
	unsigned int threads;
	unsigned long reps;
	enum rseq_percpu_mode mode;
	enum rseq_mo push_mo;
	unsigned long modulo;
	bool yield;
	unsigned int sleep_ms;
	bool kill;
	unsigned int storm_hz;
	unsigned int force_every;
	bool verbose;
} opt = {
	.type = TEST_COUNTER,
	.reps = DEFAULT_REPS,
	.mode = RSEQ_PERCPU_CPU_ID,
	.push_mo = RSEQ_MO_RELAXED,
};

struct worker {
	pthread_t thread;
	unsigned int nr;
	pid_t tid;		/* set once the thread may be signalled */
	intptr_t added;		/* counter: what this thread added */
	unsigned long aborts;
	struct rseqdev_percpu_stats stats;	/* the library's count of its own */
	unsigned long empty;	/* pops that found their list/buffer empty */
	unsigned long errors;	/* calls that returned an error */
	unsigned long torn;	/* memcpy items that failed their check */
	int first_errno;
};

/* An item of the list test: the node and a value to sum. */
struct list_item {
	struct rseqdev_percpu_list_node node;
	intptr_t value;
};

/* A memcpy item: 20 bytes, so copies use both the word and byte loops. */
struct copy_item {
	uint64_t id;
	uint64_t id_inverted;
	uint32_t check;
} __attribute__((packed));

struct locked_count {
	intptr_t value;
} __attribute__((aligned(RSEQDEV_PERCPU_CACHELINE)));

static struct worker *workers;
static size_t nr_items;
static unsigned int nr_slots;

static struct rseqdev_percpu_counter *counter;
static struct rseqdev_percpu_counter *signal_counter;
static struct rseqdev_percpu_spinlock *spinlock;
static struct locked_count *locked_counts;
static struct rseqdev_percpu_list *list;
static struct list_item *list_items;
static struct rseqdev_percpu_buffer *buffer;
static intptr_t *buffer_items;
static struct rseqdev_percpu_memcpy_buffer *copy_buffer;

static pthread_barrier_t start_barrier, end_barrier;
static unsigned int workers_done;
static unsigned long signals_handled, handler_errors, signals_sent;
static double storm_seconds;

static __thread unsigned long c_passes;
static __thread bool in_handler;

/* RSEQ_INJECT_C: every opt.modulo passes, yield, sleep or signal self. */
static void c_action(void)
{
	if (!opt.modulo || in_handler || ++c_passes % opt.modulo)
		return;
	if (opt.yield)
		sched_yield();
	if (opt.sleep_ms)
		poll(NULL, 0, opt.sleep_ms);
	if (opt.kill)
		raise(SIGUSR1);
}

/* A per-CPU operation from a signal handler, counted exactly. */
static void on_sigusr1(int sig)
{
	int saved_errno = errno;

	(void)sig;
	in_handler = true;
	if (rseqdev_percpu_counter_add(signal_counter, 1))
		__atomic_fetch_add(&handler_errors, 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&signals_handled, 1, __ATOMIC_RELAXED);
	in_handler = false;
	errno = saved_errno;
}

/*
 * Every argument the module sees here, registrations and cpu_opv vectors,
 * is built by the library: EINVAL means the library built one the module
 * rejects (as clang's builds did while pad bytes were left unset), a
 * library bug rather than an operation that failed. Stop at the first,
 * saying so.
 */
static void worker_error(struct worker *w)
{
	if (errno == EINVAL)
		tap_bail("library bug: EINVAL for a registration or vector the library built");
	if (!w->errors++)
		w->first_errno = errno;
}

static struct copy_item make_copy_item(uint64_t id)
{
	struct copy_item item = {
		.id = id,
		.id_inverted = ~id,
		.check = (uint32_t)((id * GOLDEN) >> 32),
	};

	return item;
}

static bool copy_item_intact(const struct copy_item *item)
{
	struct copy_item want = make_copy_item(item->id);

	return !memcmp(item, &want, sizeof(want));
}

/* Each thread brings its own share of the items, where it runs. */
static void push_own_items(struct worker *w)
{
	size_t i, first = (size_t)w->nr * ITEMS_PER_THREAD;
	struct copy_item copy;

	for (i = first; i < first + ITEMS_PER_THREAD; i++) {
		int ret = 0;

		switch (opt.type) {
		case TEST_LIST:
			ret = rseqdev_percpu_list_push(list, &list_items[i].node);
			break;
		case TEST_BUFFER:
			ret = rseqdev_percpu_buffer_push(buffer, &buffer_items[i],
						      opt.push_mo);
			break;
		case TEST_MEMCPY:
			copy = make_copy_item(i);
			ret = rseqdev_percpu_memcpy_buffer_push(copy_buffer, &copy,
							     opt.push_mo);
			break;
		default:
			return;
		}
		if (ret)
			worker_error(w);
	}
}

static void run_counter(struct worker *w)
{
	unsigned long i;

	for (i = 0; i < opt.reps; i++) {
		intptr_t amount = (intptr_t)(i % 5) - 1;

		if (rseqdev_percpu_counter_add(counter, amount))
			worker_error(w);
		else
			w->added += amount;
	}
}

/*
 * A plain read-modify-write that lasts a while, so that a second holder
 * (a broken lock) would often interleave and lose an update.
 */
static void increment_slowly(intptr_t *value)
{
	intptr_t v = RSEQ_READ_ONCE(*value);
	int i;

	for (i = 0; i < HOLD_LOOPS; i++)
		test_compiler_barrier();
	RSEQ_WRITE_ONCE(*value, v + 1);
}

static void run_spinlock(struct worker *w)
{
	unsigned long i;

	for (i = 0; i < opt.reps; i++) {
		int index = rseqdev_percpu_spinlock_lock(spinlock);

		if (index < 0) {
			worker_error(w);
			continue;
		}
		increment_slowly(&locked_counts[index].value);
		rseqdev_percpu_spinlock_unlock(spinlock, index);
	}
}

/*
 * Pop then push back, possibly elsewhere: the injected actions run at the
 * push's entry, so items migrate between indexes.
 */
static void run_list(struct worker *w)
{
	unsigned long i;

	for (i = 0; i < opt.reps; i++) {
		struct rseqdev_percpu_list_node *node = rseqdev_percpu_list_pop(list);

		if (!node) {
			w->empty++;
			continue;
		}
		if (rseqdev_percpu_list_push(list, node))
			worker_error(w);
	}
}

static void run_buffer(struct worker *w)
{
	unsigned long i;

	for (i = 0; i < opt.reps; i++) {
		void *item = rseqdev_percpu_buffer_pop(buffer);

		if (!item) {
			w->empty++;
			continue;
		}
		/* Capacity holds every item: full is an error too. */
		if (rseqdev_percpu_buffer_push(buffer, item, opt.push_mo))
			worker_error(w);
	}
}

static void run_memcpy(struct worker *w)
{
	struct copy_item item;
	unsigned long i;

	for (i = 0; i < opt.reps; i++) {
		int ret = rseqdev_percpu_memcpy_buffer_pop(copy_buffer, &item);

		if (ret) {
			if (ret < 0)
				worker_error(w);
			else
				w->empty++;
			continue;
		}
		if (!copy_item_intact(&item))
			w->torn++;
		if (rseqdev_percpu_memcpy_buffer_push(copy_buffer, &item,
						   opt.push_mo))
			worker_error(w);
	}
}

/* -F N: every Nth worker, the first included, uses cpu_opv only. */
static bool worker_forced(const struct worker *w)
{
	return opt.force_every && w->nr % opt.force_every == 0;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;

	if (worker_forced(w))
		rseqdev_percpu_thread_force_slow_path(1);
	/* Registered before any signal can ask the handler to use rseq. */
	if (rseq_thread_ready())
		worker_error(w);
	else
		__atomic_store_n(&w->tid, gettid(), __ATOMIC_RELEASE);
	pthread_barrier_wait(&start_barrier);
	if (!w->errors) {
		push_own_items(w);
		switch (opt.type) {
		case TEST_COUNTER:
			run_counter(w);
			break;
		case TEST_SPINLOCK:
			run_spinlock(w);
			break;
		case TEST_LIST:
			run_list(w);
			break;
		case TEST_BUFFER:
			run_buffer(w);
			break;
		case TEST_MEMCPY:
			run_memcpy(w);
			break;
		}
	}
	__atomic_fetch_add(&workers_done, 1, __ATOMIC_RELEASE);
	/* Stay alive, hence signallable by tid, until the storm is over. */
	pthread_barrier_wait(&end_barrier);
	w->aborts = thread_aborts;
	w->stats = rseqdev_percpu_thread_stats();
	return NULL;
}

static double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void timespec_add_ns(struct timespec *ts, long ns)
{
	ts->tv_nsec += ns;
	while (ts->tv_nsec >= 1000000000L) {
		ts->tv_nsec -= 1000000000L;
		ts->tv_sec++;
	}
}

/*
 * The signal storm: opt.storm_hz rounds per second, one SIGUSR1 per
 * worker per round, on absolute deadlines so that the rate holds on
 * average even when one round is late.
 */
static void *storm_main(void *arg)
{
	long period_ns = 1000000000L / opt.storm_hz;
	double start = now_seconds();
	pid_t pid = getpid();
	struct timespec next;
	unsigned int i;

	(void)arg;
	clock_gettime(CLOCK_MONOTONIC, &next);
	while (__atomic_load_n(&workers_done, __ATOMIC_ACQUIRE) < opt.threads) {
		for (i = 0; i < opt.threads; i++) {
			pid_t tid = __atomic_load_n(&workers[i].tid,
						    __ATOMIC_ACQUIRE);

			if (tid && !tgkill(pid, tid, SIGUSR1))
				signals_sent++;
		}
		timespec_add_ns(&next, period_ns);
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
	}
	storm_seconds = now_seconds() - start;
	pthread_barrier_wait(&end_barrier);
	return NULL;
}

static void check_counter(void)
{
	intptr_t want = 0;
	unsigned int i;

	for (i = 0; i < opt.threads; i++)
		want += workers[i].added;
	ok(rseqdev_percpu_counter_sum(counter) == want,
	   "counter: sum %ld == %ld added by %u threads x %lu reps",
	   (long)rseqdev_percpu_counter_sum(counter), (long)want, opt.threads,
	   opt.reps);
}

static void check_spinlock(void)
{
	unsigned long long sum = 0;
	unsigned int i;

	for (i = 0; i < nr_slots; i++)
		sum += (unsigned long long)locked_counts[i].value;
	ok(sum == (unsigned long long)opt.threads * opt.reps,
	   "spinlock: counts under the lock add up to %llu (want %llu)", sum,
	   (unsigned long long)opt.threads * opt.reps);
}

/* Records item @id as found; false when out of range or seen already. */
static bool mark_seen(unsigned char *seen, uint64_t id)
{
	if (id >= nr_items || seen[id])
		return false;
	seen[id] = 1;
	return true;
}

static void check_list(unsigned char *seen)
{
	size_t found = 0, bad = 0;
	intptr_t sum = 0;
	unsigned int i;

	for (i = 0; i < nr_slots; i++) {
		struct rseqdev_percpu_list_node *node =
			rseqdev_percpu_list_take_all(list, i);

		/* A cycle would make the list longer than the items. */
		for (; node && found + bad <= nr_items; node = node->next) {
			struct list_item *item = (struct list_item *)node;

			if (mark_seen(seen, item - list_items)) {
				found++;
				sum += item->value;
			} else {
				bad++;
			}
		}
	}
	ok(found == nr_items && !bad,
	   "list: %zu of %zu nodes found, each once (%zu bad)", found,
	   nr_items, bad);
	ok(sum == (intptr_t)(nr_items * (nr_items + 1) / 2),
	   "list: node values sum to %ld", (long)sum);
}

static void check_buffer(unsigned char *seen)
{
	size_t found = 0, bad = 0;
	unsigned int i;
	intptr_t *item;

	for (i = 0; i < nr_slots; i++)
		while ((item = rseqdev_percpu_buffer_take(buffer, i))) {
			if (item >= buffer_items &&
			    mark_seen(seen, item - buffer_items) &&
			    *item == item - buffer_items)
				found++;
			else
				bad++;
		}
	ok(found == nr_items && !bad,
	   "buffer: %zu of %zu items found, each once (%zu bad)", found,
	   nr_items, bad);
}

static void check_memcpy(unsigned char *seen)
{
	size_t found = 0, bad = 0;
	unsigned long torn = 0;
	struct copy_item item;
	unsigned int i;

	for (i = 0; i < nr_slots; i++)
		while (!rseqdev_percpu_memcpy_buffer_take(copy_buffer, i, &item)) {
			if (copy_item_intact(&item) && mark_seen(seen, item.id))
				found++;
			else
				bad++;
		}
	for (i = 0; i < opt.threads; i++)
		torn += workers[i].torn;
	ok(found == nr_items && !bad,
	   "memcpy: %zu of %zu items found intact, each once (%zu bad)",
	   found, nr_items, bad);
	ok(!torn, "memcpy: no item popped torn (%lu)", torn);
}

static void check_results(void)
{
	unsigned char *seen = calloc(nr_items ? nr_items : 1, 1);
	unsigned long errors = 0, empty = 0;
	unsigned int i;

	if (!seen)
		tap_bail("out of memory");
	for (i = 0; i < opt.threads; i++) {
		if (workers[i].errors && !errors)
			diag("thread %u: first error: %s", i,
			     strerror(workers[i].first_errno));
		errors += workers[i].errors;
		empty += workers[i].empty;
	}
	ok(!errors, "%s: no operation failed (%lu)", test_names[opt.type],
	   errors);
	switch (opt.type) {
	case TEST_COUNTER:
		check_counter();
		break;
	case TEST_SPINLOCK:
		check_spinlock();
		break;
	case TEST_LIST:
		check_list(seen);
		break;
	case TEST_BUFFER:
		check_buffer(seen);
		break;
	case TEST_MEMCPY:
		check_memcpy(seen);
		break;
	}
	if (empty)
		diag("%lu pops found their index empty", empty);
	free(seen);
}

static void check_signals(void)
{
	intptr_t sum = rseqdev_percpu_counter_sum(signal_counter);

	ok(sum == (intptr_t)signals_handled && !handler_errors,
	   "signal handler: per-CPU count %ld == %lu handler runs (%lu errors)",
	   (long)sum, signals_handled, handler_errors);
	if (opt.storm_hz) {
		double per_worker = storm_seconds > 0 ?
			signals_sent / storm_seconds / opt.threads : 0;

		diag("signal storm: %lu sent in %.3f s, %.0f Hz per worker (asked %u)",
		     signals_sent, storm_seconds, per_worker, opt.storm_hz);
		ok(signals_handled > 0, "signal storm: handlers ran");
	}
}

/*
 * The library's counters: forced threads completed everything through
 * cpu_opv, the others almost everything through rseq.
 */
static void check_paths(void)
{
	struct rseqdev_percpu_stats fast = { 0 }, forced = { 0 };
	unsigned int i;

	for (i = 0; i < opt.threads; i++) {
		struct rseqdev_percpu_stats *sum = worker_forced(&workers[i]) ?
						&forced : &fast;

		sum->commits += workers[i].stats.commits;
		sum->aborts += workers[i].stats.aborts;
		sum->fallbacks += workers[i].stats.fallbacks;
	}
	diag("fast-path threads: %llu commits, %llu aborts, %llu fallbacks",
	     (unsigned long long)fast.commits, (unsigned long long)fast.aborts,
	     (unsigned long long)fast.fallbacks);
	if (!opt.force_every)
		return;
	if (!rseqdev_cpu_opv_usable(opt.mode)) {
		ok(1, "# SKIP cpu_opv cannot serve %s mode with the %s backend",
		   opt.mode == RSEQ_PERCPU_MM_CID ? "mm_cid" : "cpu_id",
		   rseqdev_backend_name(rseqdev_get_backend()));
		return;
	}
	diag("forced threads: %llu commits, %llu fallbacks",
	     (unsigned long long)forced.commits,
	     (unsigned long long)forced.fallbacks);
	ok(!forced.commits && !forced.aborts && forced.fallbacks >= opt.reps,
	   "forced threads used cpu_opv only");
	ok(opt.threads == 1 || fast.commits > fast.fallbacks,
	   "the other threads mostly used rseq");
}

static void report(double seconds)
{
	unsigned long aborts = 0;
	unsigned int i;

	for (i = 0; i < opt.threads; i++) {
		aborts += workers[i].aborts;
		if (opt.verbose)
			diag("thread %u: %lu aborts", i, workers[i].aborts);
	}
	diag("%s, %s mode%s: %u threads x %lu reps in %.3f s; %lu aborts, %lu signals handled",
	     test_names[opt.type],
	     opt.mode == RSEQ_PERCPU_MM_CID ? "mm_cid" : "cpu_id",
	     opt.push_mo == RSEQ_MO_RELEASE ? ", release pushes" : "",
	     opt.threads, opt.reps, seconds, aborts, signals_handled);
}

static void create_structures(void)
{
	size_t i;

	nr_slots = rseqdev_percpu_nr_slots();
	nr_items = (size_t)opt.threads * ITEMS_PER_THREAD;
	counter = rseqdev_percpu_counter_create(opt.mode);
	signal_counter = rseqdev_percpu_counter_create(opt.mode);
	if (!counter || !signal_counter)
		tap_bail("counter: %s", strerror(errno));
	switch (opt.type) {
	case TEST_COUNTER:
		break;
	case TEST_SPINLOCK:
		spinlock = rseqdev_percpu_spinlock_create(opt.mode);
		locked_counts = calloc(nr_slots, sizeof(*locked_counts));
		if (!spinlock || !locked_counts)
			tap_bail("spinlock: %s", strerror(errno));
		break;
	case TEST_LIST:
		list = rseqdev_percpu_list_create(opt.mode);
		list_items = calloc(nr_items, sizeof(*list_items));
		if (!list || !list_items)
			tap_bail("list: %s", strerror(errno));
		for (i = 0; i < nr_items; i++)
			list_items[i].value = (intptr_t)i + 1;
		break;
	case TEST_BUFFER:
		/* Every item fits in one index: a push never finds it full. */
		buffer = rseqdev_percpu_buffer_create(opt.mode, nr_items);
		buffer_items = calloc(nr_items, sizeof(*buffer_items));
		if (!buffer || !buffer_items)
			tap_bail("buffer: %s", strerror(errno));
		for (i = 0; i < nr_items; i++)
			buffer_items[i] = (intptr_t)i;
		break;
	case TEST_MEMCPY:
		copy_buffer = rseqdev_percpu_memcpy_buffer_create(opt.mode, nr_items,
							       sizeof(struct copy_item));
		if (!copy_buffer)
			tap_bail("memcpy buffer: %s", strerror(errno));
		break;
	}
}

static void run_threads(void)
{
	pthread_t storm;
	unsigned int i;

	workers = calloc(opt.threads, sizeof(*workers));
	if (!workers)
		tap_bail("out of memory");
	pthread_barrier_init(&start_barrier, NULL, opt.threads);
	pthread_barrier_init(&end_barrier, NULL,
			     opt.threads + (opt.storm_hz ? 1 : 0));
	/*
	 * The storm first: started after the workers, it found them all done
	 * on the debug kernel, where creating threads is slow and a scaled
	 * run short, and sent nothing. It signals each worker once its tid
	 * is known, until the last one is done.
	 */
	if (opt.storm_hz && pthread_create(&storm, NULL, storm_main, NULL))
		tap_bail("pthread_create: signal storm");
	for (i = 0; i < opt.threads; i++) {
		workers[i].nr = i;
		if (pthread_create(&workers[i].thread, NULL, worker_main,
				   &workers[i]))
			tap_bail("pthread_create: thread %u", i);
	}
	for (i = 0; i < opt.threads; i++)
		pthread_join(workers[i].thread, NULL);
	if (opt.storm_hz)
		pthread_join(storm, NULL);
}

__attribute__((noreturn))
static void usage(const char *argv0)
{
	fprintf(stderr,
		"usage: %s [-T counter|spinlock|list|buffer|memcpy] [-t threads] [-r reps]\n"
		"          [-M] [-R] [-1..-6 loops] [-m N [-y] [-s ms] [-k]] [-S hz] [-F N] [-v]\n"
		"  -T test         structure under test (default counter)\n"
		"  -t threads      worker threads (default 4 x usable CPUs)\n"
		"  -r reps         operations per thread (default %d)\n"
		"  -M              index by mm_cid instead of CPU number\n"
		"  -R              RELEASE pushes (buffer, memcpy)\n"
		"  -1 .. -6 loops  delay loop at that injection point in the sequences\n"
		"  -m N            run the actions below every N operations (default 1)\n"
		"  -y, -s ms, -k   yield, sleep, raise(SIGUSR1) before an operation\n"
		"  -S hz           signal every worker hz times per second\n"
		"  -F N            every Nth thread uses cpu_opv for every operation\n"
		"  -v              abort count of every thread\n",
		argv0, DEFAULT_REPS);
	exit(2);
}

static unsigned long parse_number(const char *arg, unsigned long min,
				  unsigned long max, const char *argv0)
{
	char *end;
	unsigned long n;

	errno = 0;
	n = strtoul(arg, &end, 0);
	if (errno || end == arg || *end || arg[0] == '-' || n < min || n > max)
		usage(argv0);
	return n;
}

static enum test_type parse_test(const char *arg, const char *argv0)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(test_names); i++)
		if (!strcmp(arg, test_names[i]))
			return (enum test_type)i;
	usage(argv0);
}

static unsigned int usable_cpus(void)
{
	cpu_set_t set;

	if (sched_getaffinity(0, sizeof(set), &set))
		return 1;
	return CPU_COUNT(&set) ? CPU_COUNT(&set) : 1;
}

static void parse_options(int argc, char **argv)
{
	int c;

	while ((c = getopt(argc, argv, "T:t:r:MR1:2:3:4:5:6:m:ys:kS:F:vh")) != -1) {
		switch (c) {
		case 'T':
			opt.type = parse_test(optarg, argv[0]);
			break;
		case 't':
			opt.threads = parse_number(optarg, 1, 100000, argv[0]);
			break;
		case 'r':
			opt.reps = parse_number(optarg, 0, LONG_MAX, argv[0]);
			break;
		case 'M':
			opt.mode = RSEQ_PERCPU_MM_CID;
			break;
		case 'R':
			opt.push_mo = RSEQ_MO_RELEASE;
			break;
		case '1': case '2': case '3': case '4': case '5': case '6':
			asm_loops[c - '0'] = parse_number(optarg, 0, INT_MAX,
							  argv[0]);
			break;
		case 'm':
			opt.modulo = parse_number(optarg, 1, LONG_MAX, argv[0]);
			break;
		case 'y':
			opt.yield = true;
			break;
		case 's':
			opt.sleep_ms = parse_number(optarg, 1, 10000, argv[0]);
			break;
		case 'k':
			opt.kill = true;
			break;
		case 'S':
			opt.storm_hz = parse_number(optarg, 1, 1000000, argv[0]);
			break;
		case 'F':
			opt.force_every = parse_number(optarg, 1, 100000, argv[0]);
			break;
		case 'v':
			opt.verbose = true;
			break;
		default:
			usage(argv[0]);
		}
	}
	if (optind != argc)
		usage(argv[0]);
	if (!opt.threads)
		opt.threads = 4 * usable_cpus();
	if (!opt.modulo && (opt.yield || opt.sleep_ms || opt.kill))
		opt.modulo = 1;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_sigusr1, .sa_flags = SA_RESTART };
	enum rseq_backend backend;
	double start;

	parse_options(argc, argv);
	backend = rseqdev_init();
	if (backend == RSEQ_BACKEND_NONE) {
		printf("1..0 # SKIP no rseq backend\n");
		return 0;
	}
	if (opt.mode == RSEQ_PERCPU_MM_CID && !rseq_mm_cid_available()) {
		printf("1..0 # SKIP the %s backend's area has no mm_cid\n",
		       rseqdev_backend_name(backend));
		return 0;
	}
	/* The rules asked for are the ones the threads get. */
	if (getenv(RSEQDEV_ENV_GENERATION)) {
		if (rseqdev_register_current_thread())
			tap_bail("registration: %s", strerror(errno));
		expect_requested_rules();
	}
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGUSR1, &sa, NULL))
		tap_bail("sigaction: %s", strerror(errno));
	create_structures();
	start = now_seconds();
	run_threads();
	report(now_seconds() - start);
	check_results();
	check_signals();
	check_paths();
	return tap_done();
}
