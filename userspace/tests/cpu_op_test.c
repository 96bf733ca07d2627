// SPDX-License-Identifier: GPL-2.0-only
/*
 * The library's cpu_opv slow path and the module's counters:
 *
 *  - every rseqdev_cpu_op_*() against its rseq twin on identical data, in both
 *    index modes: same return value, same memory afterwards (differential);
 *  - RSEQDEV_CPU_OPV_MM_CID: an id the caller does not hold (EAGAIN), bad
 *    ids and flags (EINVAL), callers not registered through the module;
 *  - the slow-path policy: $RSEQDEV_CPU_OPV and $RSEQDEV_CPU_OPV_AFTER,
 *    rseqdev_percpu_set_slow_path(), per-thread counters, a slow path that
 *    fails (EFAULT instead of a crash);
 *  - RSEQDEV_IOC_STATS: its argument conventions, RESET_MAX permission,
 *    exact counter deltas, object counts back to where they were.
 *
 * Runs with either backend; what only the module can do is checked where
 * the module registered the thread.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/mman.h>
#include <time.h>

#include <rseqdev/percpu.h>

#include "rseq_test_util.h"

#define NR_STRUCT_OPS	200

static bool by_module;

static const char *mode_name(enum rseq_percpu_mode mode)
{
	return mode == RSEQ_PERCPU_MM_CID ? "mm_cid" : "cpu_id";
}

/* The data one operation works on, copied before each run. */
struct op_state {
	intptr_t v, v2;
	intptr_t load;
	char dst[24], src[24];
	struct {
		intptr_t next;	/* a one-node list: head points here */
	} node;
};

enum op_kind {
	OP_CBNE_STORE,
	OP_LIST_POP,
	OP_ADD,
	OP_CBNE_STORE_STORE,
	OP_CBNE_CBNE_STORE,
	OP_CBNE_MEMCPY_STORE,
	NR_OP_KINDS,
};

static const char *const op_names[] = {
	[OP_CBNE_STORE] = "load_cbne_store",
	[OP_LIST_POP] = "load_cbeq_store_add_load_store",
	[OP_ADD] = "load_add_store",
	[OP_CBNE_STORE_STORE] = "load_cbne_store_store",
	[OP_CBNE_CBNE_STORE] = "load_cbne_load_cbne_store",
	[OP_CBNE_MEMCPY_STORE] = "load_cbne_memcpy_store",
};

/* One attempt of @kind on @st, by rseq or by cpu_opv. */
static int attempt(enum op_kind kind, int slow, enum rseq_percpu_mode mode,
		   struct op_state *st, intptr_t expect, int index)
{
	switch (kind) {
	case OP_CBNE_STORE:
		return RSEQDEV_PERCPU_OP(slow, load_cbne_store__ptr,
				      RSEQ_MO_RELAXED, mode, &st->v, expect, 77,
				      index);
	case OP_LIST_POP:
		return RSEQDEV_PERCPU_OP(slow, load_cbeq_store_add_load_store__ptr,
				      RSEQ_MO_RELAXED, mode, &st->v, expect, 0,
				      &st->load, index);
	case OP_ADD:
		return RSEQDEV_PERCPU_OP(slow, load_add_store__ptr,
				      RSEQ_MO_RELAXED, mode, &st->v, -5, index);
	case OP_CBNE_STORE_STORE:
		return RSEQDEV_PERCPU_OP(slow, load_cbne_store_store__ptr,
				      RSEQ_MO_RELEASE, mode, &st->v, expect,
				      &st->v2, 33, 44, index);
	case OP_CBNE_CBNE_STORE:
		return RSEQDEV_PERCPU_OP(slow, load_cbne_load_cbne_store__ptr,
				      RSEQ_MO_RELAXED, mode, &st->v, expect,
				      &st->v2, 2, 55, index);
	case OP_CBNE_MEMCPY_STORE:
		return RSEQDEV_PERCPU_OP(slow, load_cbne_memcpy_store__ptr,
				      RSEQ_MO_RELAXED, mode, &st->v, expect,
				      st->dst, st->src, sizeof(st->src), 66,
				      index);
	default:
		return -1;
	}
}

/* Retries aborts (and EAGAIN on the slow path) as the retry loop does. */
static int run_until_done(enum op_kind kind, int slow,
			  enum rseq_percpu_mode mode, struct op_state *st,
			  intptr_t expect)
{
	int ret;

	do {
		ret = attempt(kind, slow, mode, st, expect,
			      rseqdev_percpu_current_index(mode));
	} while (ret < 0 && (!slow || errno == EAGAIN));
	return ret;
}

static void init_state(struct op_state *st, int v2)
{
	size_t i;

	memset(st, 0, sizeof(*st));
	st->v = 1;
	st->v2 = v2;
	for (i = 0; i < sizeof(st->src); i++)
		st->src[i] = (char)(i * 7 + 1);
}

/*
 * The list pop reads *v as a node pointer: give it a real node. Both runs
 * must see the same values, so the head is this run's own node.
 */
static intptr_t list_head(struct op_state *st, bool empty)
{
	st->node.next = 0x1234;
	st->v = empty ? 0 : (intptr_t)&st->node;
	return 0;
}

static bool same_result(const struct op_state *a, const struct op_state *b)
{
	return a->v2 == b->v2 && !memcmp(a->dst, b->dst, sizeof(a->dst)) &&
	       (a->v == b->v || (a->v == 0x1234 && b->v == 0x1234)) &&
	       (a->load == b->load || (a->load == (intptr_t)&a->node &&
				       b->load == (intptr_t)&b->node));
}

static void check_twins(enum rseq_percpu_mode mode)
{
	int kind, c;

	for (kind = 0; kind < NR_OP_KINDS; kind++) {
		for (c = 0; c < 3; c++) {
			/* c: 0 every compare passes, 1 the first fails, 2 the second */
			struct op_state fast, slow;
			intptr_t expect = c == 1 ? 9 : 1;
			int rf, rs;

			init_state(&fast, c == 2 ? 3 : 2);
			init_state(&slow, c == 2 ? 3 : 2);
			if (kind == OP_LIST_POP) {
				expect = list_head(&fast, c == 1);
				list_head(&slow, c == 1);
			}
			rf = run_until_done(kind, 0, mode, &fast, expect);
			rs = run_until_done(kind, 1, mode, &slow, expect);
			ok(rf == rs && rf >= 0 && same_result(&fast, &slow),
			   "%s, %s, case %d: cpu_op %d, rseq %d, same memory",
			   op_names[kind], mode_name(mode), c, rs, rf);
			if (rs < 0)
				diag("cpu_op errno: %s", strerror(errno));
		}
	}
}

static void check_twin_arguments(void)
{
	intptr_t v = 0;
	char buf[8];

	expect_errno(rseqdev_cpu_op_load_add_store__ptr(RSEQ_MO_RELEASE,
			RSEQ_PERCPU_CPU_ID, &v, 1, 0), EINVAL,
		     "cpu_op add with a RELEASE order");
	expect_errno(rseqdev_cpu_op_load_cbne_memcpy_store__ptr(RSEQ_MO_RELAXED,
			RSEQ_PERCPU_CPU_ID, &v, 0, buf, buf,
			RSEQDEV_CPU_OPV_MAX_OP_LEN + 1, 1, 0), EINVAL,
		     "cpu_op memcpy longer than an operand");
	expect_errno(rseqdev_cpu_op_load_add_store__ptr(RSEQ_MO_RELAXED,
			(enum rseq_percpu_mode)7, &v, 1, 0), EINVAL,
		     "cpu_op with an unknown mode");
	expect_errno(rseqdev_cpu_op_load_add_store__ptr(RSEQ_MO_RELAXED,
			RSEQ_PERCPU_CPU_ID, &v, 1, -1), EINVAL,
		     "cpu_op for CPU -1");
	ok(v == 0, "refused calls changed nothing");
}

static struct rseqdev_cpu_op add_op(intptr_t *v)
{
	return (struct rseqdev_cpu_op) {
		.op = RSEQDEV_CPU_OP_ADD,
		.len = sizeof(*v),
		.u.arithmetic = { .p = (uintptr_t)v, .count = 1 },
	};
}

static void *unregistered_thread(void *arg)
{
	struct rseqdev_cpu_op op = add_op(arg);

	return (void *)(intptr_t)(rseqdev_cpu_opv(&op, 1, 0,
					RSEQDEV_CPU_OPV_MM_CID) == -1 ?
				  errno : 0);
}

static void check_mm_cid_flag(void)
{
	intptr_t v = 0;
	struct rseqdev_cpu_op op = add_op(&v);
	int ncpus = nr_possible_cpus(), cid, other;
	pthread_t thread;
	void *err;

	expect_errno(rseqdev_cpu_opv(&op, 1, 0, 1U << 1), EINVAL,
		     "cpu_opv with an unknown flag");
	expect_errno(rseqdev_cpu_opv(&op, 1, -1, RSEQDEV_CPU_OPV_MM_CID),
		     EINVAL, "mm_cid -1");
	expect_errno(rseqdev_cpu_opv(&op, 1, ncpus, RSEQDEV_CPU_OPV_MM_CID),
		     EINVAL, "mm_cid nr_cpu_ids");
	pthread_create(&thread, NULL, unregistered_thread, &v);
	pthread_join(thread, &err);
	ok((intptr_t)err == EINVAL, "mm_cid from an unregistered thread: EINVAL (%s)",
	   strerror((int)(intptr_t)err));
	if (!by_module) {
		expect_errno(rseqdev_cpu_opv(&op, 1, 0, RSEQDEV_CPU_OPV_MM_CID),
			     EINVAL, "mm_cid from a thread registered natively");
		ok(v == 0, "refused vectors changed nothing");
		return;
	}
	/* Retried: a switch-out between reading the id and the call moves it. */
	do {
		cid = rseqdev_percpu_current_index(RSEQ_PERCPU_MM_CID);
	} while (rseqdev_cpu_opv(&op, 1, cid, RSEQDEV_CPU_OPV_MM_CID) &&
		 errno == EAGAIN);
	ok(v == 1, "a vector for the caller's own id %d ran", cid);
	if (ncpus < 2) {
		ok(1, "# SKIP one CPU: no id the caller does not hold");
		return;
	}
	other = (rseqdev_percpu_current_index(RSEQ_PERCPU_MM_CID) + 1) % ncpus;
	expect_errno(rseqdev_cpu_opv(&op, 1, other, RSEQDEV_CPU_OPV_MM_CID),
		     EAGAIN, "mm_cid the caller does not hold");
	ok(v == 1, "the refused vector changed nothing");
}

/* The counters of a child run with the environment's policy, one line. */
static void policy_child(void)
{
	struct rseqdev_percpu_counter *counter;
	struct rseqdev_percpu_list *list;
	struct rseqdev_percpu_list_node nodes[NR_STRUCT_OPS / 2];
	struct rseqdev_percpu_stats st;
	int i, lost = 0;

	counter = rseqdev_percpu_counter_create(RSEQ_PERCPU_CPU_ID);
	list = rseqdev_percpu_list_create(RSEQ_PERCPU_CPU_ID);
	if (!counter || !list)
		exit(3);
	for (i = 0; i < NR_STRUCT_OPS / 2; i++)
		rseqdev_percpu_counter_add(counter, 1);
	/* Pinned: every pop finds what this thread pushed. */
	pin_to_cpu(rseqdev_current_cpu());
	for (i = 0; i < NR_STRUCT_OPS / 4; i++)
		rseqdev_percpu_list_push(list, &nodes[i]);
	for (i = 0; i < NR_STRUCT_OPS / 4; i++)
		lost += rseqdev_percpu_list_pop(list) != &nodes[NR_STRUCT_OPS / 4 - 1 - i];
	st = rseqdev_percpu_thread_stats();
	printf("%ld %d %llu %llu\n", (long)rseqdev_percpu_counter_sum(counter), lost,
	       (unsigned long long)st.commits, (unsigned long long)st.fallbacks);
	exit(0);
}

struct policy_run {
	long sum;
	int lost;
	unsigned long long commits, fallbacks;
	char err[256];
};

/* Runs this program as policy_child with @env added; false if it failed. */
static bool run_policy_child(const char *env1, const char *env2,
			     struct policy_run *r)
{
	char cmd[512];
	FILE *p;
	bool good;

	snprintf(cmd, sizeof(cmd), "%s %s /proc/%d/exe --policy-child 2>/tmp/cpu_op_test.err",
		 env1, env2, getpid());
	p = popen(cmd, "r");
	if (!p)
		return false;
	good = fscanf(p, "%ld %d %llu %llu", &r->sum, &r->lost, &r->commits,
		      &r->fallbacks) == 4;
	good &= pclose(p) == 0;
	r->err[0] = 0;
	p = fopen("/tmp/cpu_op_test.err", "r");
	if (p) {
		if (!fgets(r->err, sizeof(r->err), p))
			r->err[0] = 0;
		r->err[strcspn(r->err, "\n")] = 0;
		fclose(p);
	}
	return good;
}

static void check_policy(void)
{
	unsigned long long ops = NR_STRUCT_OPS;
	struct policy_run r = { 0 };
	bool ran;

	ran = run_policy_child("RSEQDEV_CPU_OPV=always", "", &r);
	ok(ran && r.sum == NR_STRUCT_OPS / 2 && !r.lost && r.commits == 0 &&
	   r.fallbacks == ops,
	   "RSEQDEV_CPU_OPV=always: %llu operations exact, %llu fallbacks, %llu commits",
	   ops, r.fallbacks, r.commits);
	ran = run_policy_child("RSEQDEV_CPU_OPV=never", "", &r);
	ok(ran && r.sum == NR_STRUCT_OPS / 2 && !r.lost && r.fallbacks == 0 &&
	   r.commits == ops,
	   "RSEQDEV_CPU_OPV=never: %llu commits, no fallback", r.commits);
	ran = run_policy_child("RSEQDEV_CPU_OPV=sometimes", "", &r);
	ok(ran && r.sum == NR_STRUCT_OPS / 2 && r.fallbacks == 0 &&
	   strstr(r.err, "ignoring RSEQDEV_CPU_OPV=sometimes"),
	   "a bad RSEQDEV_CPU_OPV is reported and ignored: %s", r.err);
	ran = run_policy_child("RSEQDEV_CPU_OPV_AFTER=0", "", &r);
	ok(ran && r.sum == NR_STRUCT_OPS / 2 &&
	   strstr(r.err, "ignoring RSEQDEV_CPU_OPV_AFTER=0"),
	   "RSEQDEV_CPU_OPV_AFTER=0 is reported and ignored");
	ran = run_policy_child("RSEQDEV_CPU_OPV_AFTER=-3", "RSEQDEV_CPU_OPV=auto", &r);
	ok(ran && strstr(r.err, "ignoring RSEQDEV_CPU_OPV_AFTER=-3"),
	   "a negative RSEQDEV_CPU_OPV_AFTER is reported and ignored");
	expect_errno(rseqdev_percpu_set_slow_path((enum rseqdev_percpu_slow_path)9, 1),
		     EINVAL, "rseqdev_percpu_set_slow_path: unknown mode");
	expect_errno(rseqdev_percpu_set_slow_path(RSEQDEV_PERCPU_SLOW_AUTO, 0),
		     EINVAL, "rseqdev_percpu_set_slow_path: limit 0");
	ok(rseqdev_percpu_policy.slow_path == RSEQDEV_PERCPU_SLOW_AUTO &&
	   rseqdev_percpu_policy.abort_limit == RSEQDEV_PERCPU_ABORT_LIMIT_DEFAULT,
	   "the defaults: auto, after %u aborts", RSEQDEV_PERCPU_ABORT_LIMIT_DEFAULT);
}

/* A slow path that cannot write returns EFAULT where rseq would crash. */
static void check_slow_path_failure(void)
{
	intptr_t *ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS,
			    -1, 0);
	struct rseqdev_percpu_counter counter = {
		.mode = RSEQ_PERCPU_CPU_ID,
		.nr_slots = 1,
		.slots = (struct rseqdev_percpu_counter_slot *)ro,
	};
	struct rseqdev_percpu_stats before, after;

	if (ro == MAP_FAILED)
		tap_bail("mmap: %s", strerror(errno));
	/* One slot: this thread must index 0. */
	pin_to_cpu(0);
	rseqdev_percpu_thread_force_slow_path(1);
	before = rseqdev_percpu_thread_stats();
	expect_errno(rseqdev_percpu_counter_add(&counter, 1), EFAULT,
		     "forced slow path on a read-only slot");
	after = rseqdev_percpu_thread_stats();
	rseqdev_percpu_thread_force_slow_path(0);
	ok(ro[0] == 0 && after.fallbacks == before.fallbacks,
	   "nothing written, no fallback counted");
	munmap(ro, 4096);
}

static int read_stats(struct rseqdev_stats *st)
{
	return rseqdev_stats(st, 0);
}

static long stats_ioctl(uint32_t size, uint32_t flags, void *arg)
{
	struct rseqdev_stats *st = arg;

	st->size = size;
	st->flags = flags;
	return ioctl(rseqdev_device_fd(), RSEQDEV_IOC_STATS, st);
}

static void reset_as_nobody(void *unused)
{
	struct rseqdev_stats st;

	(void)unused;
	if (setgid(65534) || setuid(65534))
		_exit(3);
	_exit(rseqdev_stats(&st, RSEQDEV_STATS_RESET_MAX) == -1 &&
	      errno == EPERM ? 0 : 1);
}

static void check_stats_arguments(void)
{
	unsigned char big[sizeof(struct rseqdev_stats) + 64];
	struct rseqdev_stats st;

	memset(big, 0, sizeof(big));
	expect_errno(stats_ioctl(0, 0, big), EINVAL, "stats size 0");
	expect_errno(stats_ioctl(RSEQDEV_STATS_SIZE_VER0 - 1, 0, big), EINVAL,
		     "stats size below version 0");
	expect_errno(stats_ioctl(4097, 0, big), EINVAL, "stats size 4097");
	big[sizeof(struct rseqdev_stats) + 8] = 1;
	expect_errno(stats_ioctl(sizeof(big), 0, big), E2BIG,
		     "stats: unknown non-zero tail");
	big[sizeof(struct rseqdev_stats) + 8] = 0;
	ok(stats_ioctl(sizeof(big), 0, big) == 0 &&
	   ((struct rseqdev_stats *)big)->size == sizeof(struct rseqdev_stats) &&
	   big[sizeof(struct rseqdev_stats)] == 0,
	   "stats: a larger struct gets the known part, size says how much");
	expect_errno(stats_ioctl(sizeof(st), 1U << 5, &st), EINVAL,
		     "stats: unknown flag");
	expect_errno(ioctl(rseqdev_device_fd(), RSEQDEV_IOC_STATS, NULL), EFAULT,
		     "stats: NULL");
	ok(exited_with(run_in_child(reset_as_nobody, NULL), 0),
	   "stats: RESET_MAX without CAP_SYS_ADMIN is EPERM");
	ok(rseqdev_stats(&st, RSEQDEV_STATS_RESET_MAX) == 0,
	   "stats: RESET_MAX as root");
}

static void *register_and_exit(void *unused)
{
	(void)unused;
	return (void *)(intptr_t)rseqdev_register_current_thread();
}

/* The object counts come back once the thread's state is freed. */
static bool threads_back_to(uint64_t threads)
{
	struct rseqdev_stats st;
	int i;

	for (i = 0; i < 1000; i++) {
		if (read_stats(&st) == 0 && st.threads == threads)
			return true;
		usleep(1000);
	}
	return false;
}

static void check_stats_counts(void)
{
	struct rseqdev_stats a, b;
	intptr_t v = 0;
	struct rseqdev_cpu_op op = add_op(&v);
	pthread_t thread;
	void *ret;
	int i;

	if (read_stats(&a))
		tap_bail("stats: %s", strerror(errno));
	for (i = 0; i < 100; i++)
		rseqdev_cpu_opv(&op, 1, i % nr_possible_cpus(), 0);
	read_stats(&b);
	ok(b.cpu_opv_calls - a.cpu_opv_calls == 100 && v == 100,
	   "stats: 100 vectors counted (%llu)",
	   (unsigned long long)(b.cpu_opv_calls - a.cpu_opv_calls));
	ok(b.cpu_opv_max_preempt_off_ns > 0 &&
	   b.cpu_opv_max_preempt_off_ns < 1000000000ULL,
	   "stats: longest preemption-off time %llu ns",
	   (unsigned long long)b.cpu_opv_max_preempt_off_ns);
	if (!by_module) {
		ok(b.threads == a.threads && b.registrations == a.registrations,
		   "stats: native registrations are not the module's");
		return;
	}
	ok(a.threads >= 1 && a.processes >= 1,
	   "stats: this thread and process counted (%llu threads, %llu processes)",
	   (unsigned long long)a.threads, (unsigned long long)a.processes);
	pthread_create(&thread, NULL, register_and_exit, NULL);
	pthread_join(thread, &ret);
	read_stats(&b);
	ok(ret == NULL && b.registrations - a.registrations == 1,
	   "stats: one more registration");
	ok(threads_back_to(a.threads), "stats: the exited thread's state is freed");
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "--policy-child"))
		policy_child();
	require_backend();
	by_module = rseqdev_get_backend() == RSEQ_BACKEND_MODULE;
	if (!rseqdev_cpu_opv_usable(RSEQ_PERCPU_CPU_ID))
		tap_bail("the module does not provide cpu_opv");
	if (rseqdev_register_current_thread())
		tap_bail("register: %s", strerror(errno));
	check_twins(RSEQ_PERCPU_CPU_ID);
	if (rseqdev_cpu_opv_usable(RSEQ_PERCPU_MM_CID))
		check_twins(RSEQ_PERCPU_MM_CID);
	else
		ok(by_module == false, "# SKIP mm_cid twins: the %s backend",
		   rseqdev_backend_name(rseqdev_get_backend()));
	check_twin_arguments();
	check_mm_cid_flag();
	check_policy();
	check_slow_path_failure();
	check_stats_arguments();
	check_stats_counts();
	return tap_done();
}
