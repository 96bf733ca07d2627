// SPDX-License-Identifier: GPL-2.0-only
/*
 * The library's non-asm C on the host, under AddressSanitizer and
 * UndefinedBehaviorSanitizer, without the module (tests/host/sanitize.t):
 *
 *   lib_check absent	$RSEQDEV_DEVICE names no file: every entry point
 *			fails with the errno it documents, argument checks
 *			first;
 *   lib_check fake	$RSEQDEV_DEVICE=/dev/null, the ioctls answered by
 *			fake_module.c: every byte of every argument and of
 *			every cpu_opv vector the library builds, errors
 *			passed on, the per-CPU structures on the slow path;
 *   lib_check env MODE LIMIT	the slow-path policy the environment set.
 *
 * RSEQDEV_BACKEND=module in both first cases, so that the host kernel's
 * own rseq is left alone. The stack under every call is filled with 0xaa
 * or 0x55 first: a byte the library leaves unwritten is not zero then.
 */
#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <rseqdev/percpu.h>
#include <rseqdev/rseqdev.h>

#include "cases.h"
#include "fake_module.h"
#include "tap.h"
#include "test_arch.h"

#define BAD_ENUM	7	/* no enum of the library has this value */

static const int fills[] = { 0xaa, 0x55 };

/* Leaves @byte on the stack below the caller, where the next call's frames go. */
static __attribute__((noinline)) void fill_stack(int byte)
{
	unsigned char area[16384];

	memset(area, byte, sizeof(area));
	test_escape(area);
}

/* Did @call fail with @err without reaching the module? */
#define expect_early(call, err, what)					\
	({								\
		unsigned int __calls = fake.calls;			\
		expect_errno((call), err, what) &&			\
			ok(fake.calls == __calls, "%s: no ioctl", what); \
	})

static void check_absent_device(void)
{
	struct rseqdev_cpu_op op = { .op = RSEQDEV_CPU_OP_MB };
	struct rseqdev_thread_info info[2];
	struct rseqdev_query q;
	struct rseqdev_stats st;
	struct rseqdev_rseq area __attribute__((aligned(32)));
	unsigned char untouched[sizeof(q)];

	ok(!strcmp(rseqdev_device_path(), getenv(RSEQDEV_ENV_DEVICE)),
	   "rseqdev_device_path() is $RSEQDEV_DEVICE");
	expect_errno(rseqdev_device_fd(), ENOENT, "rseqdev_device_fd()");
	memset(&q, 0xaa, sizeof(q));
	memcpy(untouched, &q, sizeof(q));
	expect_errno(rseqdev_query(&q), ENOENT, "rseqdev_query()");
	ok(!memcmp(untouched, &q, sizeof(q)), "rseqdev_query(): nothing written on failure");
	expect_errno(rseqdev_stats(&st, 0), ENOENT, "rseqdev_stats()");
	expect_errno(rseqdev_rseq(&area, RSEQDEV_RSEQ_ORIG_SIZE, 0, RSEQ_SIG), ENOENT,
		     "rseqdev_rseq()");
	expect_errno(rseqdev_fence_register(), ENOENT, "rseqdev_fence_register()");
	expect_errno(rseqdev_fence(0, 0), ENOENT, "rseqdev_fence(0, 0)");
	expect_errno(rseqdev_fence(RSEQDEV_FENCE_CPU, 1), ENOENT,
		     "rseqdev_fence(CPU, 1)");
	expect_errno(rseqdev_threads(0, info, ARRAY_SIZE(info)), ENOENT,
		     "rseqdev_threads()");
	expect_errno(rseqdev_cpu_opv(&op, 1, 0, 0), ENOENT, "rseqdev_cpu_opv()");
	ok(!strcmp(rseqdev_version(), RSEQDEV_VERSION), "rseqdev_version() is %s",
	   RSEQDEV_VERSION);
	ok(!rseqdev_cpu_opv_usable(RSEQ_PERCPU_CPU_ID) &&
	   !rseqdev_cpu_opv_usable(RSEQ_PERCPU_MM_CID) &&
	   !rseqdev_cpu_opv_usable((enum rseq_percpu_mode)BAD_ENUM),
	   "rseqdev_cpu_opv_usable(): no mode without the device");
	ok(fake.calls == 0, "no ioctl without the device");
}

static void check_backend_none(void)
{
	int cpu = sched_getcpu();

	ok(rseqdev_get_backend() == RSEQ_BACKEND_NONE, "backend none");
	ok(!strcmp(rseqdev_backend_name(RSEQ_BACKEND_NONE), "none") &&
	   !strcmp(rseqdev_backend_name(RSEQ_BACKEND_MODULE), "module") &&
	   !strcmp(rseqdev_backend_name(RSEQ_BACKEND_NATIVE), "native") &&
	   !strcmp(rseqdev_backend_name((enum rseq_backend)BAD_ENUM), "none"),
	   "rseqdev_backend_name() of every backend and a bad one");
	expect_errno(rseqdev_register_current_thread(), ENOSYS,
		     "rseqdev_register_current_thread()");
	expect_errno(rseqdev_unregister_current_thread(), EINVAL,
		     "rseqdev_unregister_current_thread() unregistered");
	expect_errno(rseqdev_rseq_fence_register(), ENOSYS, "rseqdev_rseq_fence_register()");
	expect_errno(rseqdev_rseq_fence(-1), ENOSYS, "rseqdev_rseq_fence(-1)");
	expect_errno(rseqdev_rseq_fence(0), ENOSYS, "rseqdev_rseq_fence(0)");
	ok(rseqdev_current_cpu() >= 0 && cpu >= 0, "rseqdev_current_cpu(): sched_getcpu()'s");
	ok(!rseqdev_percpu_fall_back(RSEQ_PERCPU_CPU_ID, 1000),
	   "rseqdev_percpu_fall_back(): no slow path without cpu_opv");
}

static void check_policy_args(void)
{
	expect_errno(rseqdev_percpu_set_slow_path((enum rseqdev_percpu_slow_path)3, 8),
		     EINVAL, "rseqdev_percpu_set_slow_path(3, 8)");
	expect_errno(rseqdev_percpu_set_slow_path((enum rseqdev_percpu_slow_path)-1, 8),
		     EINVAL, "rseqdev_percpu_set_slow_path(-1, 8)");
	expect_errno(rseqdev_percpu_set_slow_path(RSEQDEV_PERCPU_SLOW_AUTO, 0),
		     EINVAL, "rseqdev_percpu_set_slow_path(AUTO, 0)");
	ok(!rseqdev_percpu_set_slow_path(RSEQDEV_PERCPU_SLOW_NEVER, UINT_MAX) &&
	   rseqdev_percpu_policy.slow_path == RSEQDEV_PERCPU_SLOW_NEVER &&
	   rseqdev_percpu_policy.abort_limit == UINT_MAX,
	   "rseqdev_percpu_set_slow_path(NEVER, UINT_MAX)");
	ok(!rseqdev_percpu_set_slow_path(RSEQDEV_PERCPU_SLOW_AUTO,
				      RSEQDEV_PERCPU_ABORT_LIMIT_DEFAULT),
	   "rseqdev_percpu_set_slow_path(AUTO, default)");
}

/* The creators' argument checks; @mm_cid_err: what MM_CID mode gives. */
static void check_create_args(int mm_cid_err)
{
	enum rseq_percpu_mode bad = (enum rseq_percpu_mode)BAD_ENUM;
	struct rseqdev_percpu_memcpy_buffer *mb;
	struct rseqdev_percpu_counter *counter;
	size_t huge = (size_t)INTPTR_MAX / sizeof(void *) + 1;

	ok(rseqdev_percpu_nr_slots() >= 1, "rseqdev_percpu_nr_slots() is %u",
	   rseqdev_percpu_nr_slots());
	expect_errno(rseqdev_percpu_counter_create(bad) ? 0 : -1, EINVAL,
		     "rseqdev_percpu_counter_create(bad mode)");
	expect_errno(rseqdev_percpu_spinlock_create(bad) ? 0 : -1, EINVAL,
		     "rseqdev_percpu_spinlock_create(bad mode)");
	expect_errno(rseqdev_percpu_list_create(bad) ? 0 : -1, EINVAL,
		     "rseqdev_percpu_list_create(bad mode)");
	expect_errno(rseqdev_percpu_buffer_create(bad, 4) ? 0 : -1, EINVAL,
		     "rseqdev_percpu_buffer_create(bad mode)");
	expect_errno(rseqdev_percpu_memcpy_buffer_create(bad, 4, 8) ? 0 : -1, EINVAL,
		     "rseqdev_percpu_memcpy_buffer_create(bad mode)");
	expect_errno(rseqdev_percpu_buffer_create(RSEQ_PERCPU_CPU_ID, 0) ? 0 : -1,
		     EINVAL, "rseqdev_percpu_buffer_create(capacity 0)");
	expect_errno(rseqdev_percpu_buffer_create(RSEQ_PERCPU_CPU_ID, huge) ? 0 : -1,
		     EINVAL, "rseqdev_percpu_buffer_create(capacity overflowing)");
	expect_errno(rseqdev_percpu_memcpy_buffer_create(RSEQ_PERCPU_CPU_ID, 4, 0) ? 0 : -1,
		     EINVAL, "rseqdev_percpu_memcpy_buffer_create(item_len 0)");
	expect_errno(rseqdev_percpu_memcpy_buffer_create(RSEQ_PERCPU_CPU_ID, 4,
						      RSEQDEV_CPU_OPV_MAX_OP_LEN + 1) ? 0 : -1,
		     EINVAL, "rseqdev_percpu_memcpy_buffer_create(item_len 4097)");
	expect_errno(rseqdev_percpu_memcpy_buffer_create(RSEQ_PERCPU_CPU_ID, 0, 8) ? 0 : -1,
		     EINVAL, "rseqdev_percpu_memcpy_buffer_create(capacity 0)");
	expect_errno(rseqdev_percpu_memcpy_buffer_create(RSEQ_PERCPU_CPU_ID,
						      (size_t)INTPTR_MAX / 4096 + 1,
						      4096) ? 0 : -1,
		     EINVAL, "rseqdev_percpu_memcpy_buffer_create(capacity overflowing)");
	if (mm_cid_err)
		expect_errno(rseqdev_percpu_counter_create(RSEQ_PERCPU_MM_CID) ? 0 : -1,
			     mm_cid_err, "rseqdev_percpu_counter_create(MM_CID)");
	counter = rseqdev_percpu_counter_create(RSEQ_PERCPU_CPU_ID);
	ok(counter && rseqdev_percpu_counter_sum(counter) == 0,
	   "rseqdev_percpu_counter_create(CPU_ID): zeroed");
	rseqdev_percpu_counter_destroy(counter);
	mb = rseqdev_percpu_memcpy_buffer_create(RSEQ_PERCPU_CPU_ID, 3,
					      RSEQDEV_CPU_OPV_MAX_OP_LEN);
	ok(mb != NULL, "rseqdev_percpu_memcpy_buffer_create(3 items of 4096)");
	rseqdev_percpu_memcpy_buffer_destroy(mb);
	rseqdev_percpu_counter_destroy(NULL);
	rseqdev_percpu_spinlock_destroy(NULL);
	rseqdev_percpu_list_destroy(NULL);
	rseqdev_percpu_buffer_destroy(NULL);
	rseqdev_percpu_memcpy_buffer_destroy(NULL);
	ok(1, "every destroy takes NULL");
}

/* Words and buffers the cases work on; the fake module never runs them. */
static intptr_t word_v = 11, word_v2 = 22;
static char buf_dst[RSEQDEV_CPU_OPV_MAX_OP_LEN + 1];
static char buf_src[RSEQDEV_CPU_OPV_MAX_OP_LEN + 1];

static struct cpu_op_case make_case(enum case_fn fn, int mo, int mode, int cpu)
{
	return (struct cpu_op_case) {
		.fn = fn, .rseq_mo = mo, .percpu_mode = mode, .cpu = cpu,
		.v = &word_v, .v2 = &word_v2,
		.expect = 11, .expect2 = 22, .newv = -5, .newv2 = INTPTR_MIN,
		.count = -3, .voffp = 8, .dst = buf_dst, .src = buf_src,
		.len = 64,
	};
}

static __attribute__((noinline)) const char *run_case(const struct cpu_op_case *c,
						      int fill)
{
	unsigned int calls = fake.calls;
	intptr_t load = 0, head = *c->v;
	int ret, err;

	fill_stack(fill);
	errno = 0;
	ret = case_call(c, &load);
	err = errno;
	return case_verify(c, ret, err, calls, head);
}

/* One case with each stack fill; reported when something is wrong. */
static unsigned int check_case(const struct cpu_op_case *c)
{
	const char *why;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(fills); i++) {
		why = run_case(c, fills[i]);
		if (why) {
			diag("%s(mo %d, mode %d, cpu %d, len %zu), stack 0x%x: %s%s",
			     case_names[c->fn], c->rseq_mo, c->percpu_mode, c->cpu,
			     c->len, fills[i], why, fake_why());
			return 1;
		}
	}
	return 0;
}

/*
 * Every rseqdev_cpu_op_*() with every memory order, mode and a few CPUs, good
 * and bad: with the device absent only the argument checks are seen.
 */
static void check_cases(void)
{
	static const int mos[] = { RSEQ_MO_RELAXED, RSEQ_MO_RELEASE, 2, -1 };
	static const int modes[] = { RSEQ_PERCPU_CPU_ID, RSEQ_PERCPU_MM_CID, 2, -1 };
	static const int cpus[] = { 0, FAKE_NR_CPUS - 1, FAKE_NR_CPUS, -1 };
	static const size_t lens[] = { 0, 1, 8, RSEQDEV_CPU_OPV_MAX_OP_LEN,
				       RSEQDEV_CPU_OPV_MAX_OP_LEN + 1 };
	unsigned int fn, failed, n;
	size_t m, d, k, l;

	for (fn = 0; fn < NR_CASE_FNS; fn++) {
		failed = n = 0;
		for (m = 0; m < ARRAY_SIZE(mos); m++)
			for (d = 0; d < ARRAY_SIZE(modes); d++)
				for (k = 0; k < ARRAY_SIZE(cpus); k++)
					for (l = 0; l < ARRAY_SIZE(lens); l++) {
						struct cpu_op_case c = make_case(fn, mos[m],
										 modes[d], cpus[k]);

						c.len = lens[l];
						failed += check_case(&c);
						n++;
					}
		ok(!failed, "%s: %u cases, %u wrong", case_names[fn], n, failed);
	}
	/*
	 * A head and offset whose sum overflows a signed word: the
	 * successor's address wraps, as an address does (it used to be a
	 * signed sum, which UBSan stops at).
	 */
	{
		struct cpu_op_case c = make_case(CASE_LIST_POP, RSEQ_MO_RELAXED,
						 RSEQ_PERCPU_CPU_ID, 0);
		intptr_t saved = word_v;

		word_v = INTPTR_MAX - 4;
		c.voffp = 8;
		ok(!check_case(&c), "%s: head + offset wraps", case_names[CASE_LIST_POP]);
		word_v = saved;
	}
	/* The list pop on an empty list: 1, with no vector. */
	{
		struct cpu_op_case c = make_case(CASE_LIST_POP, RSEQ_MO_RELAXED,
						 RSEQ_PERCPU_CPU_ID, 0);

		c.expect = word_v;
		ok(!check_case(&c), "%s: empty list", case_names[CASE_LIST_POP]);
	}
}

static void run_absent(void)
{
	check_absent_device();
	check_backend_none();
	check_policy_args();
	check_create_args(EOPNOTSUPP);
	check_cases();
}

/* The argument of the last ioctl, as the fake module received it. */
static bool last_arg_is(unsigned long cmd, const void *want, size_t len)
{
	return fake.last.cmd == cmd && fake.last.len == len &&
	       !memcmp(fake.last.arg, want, len);
}

static void check_device_calls(void)
{
	struct rseqdev_rseq area __attribute__((aligned(32))) = { 0 };
	struct rseqdev_thread_info info[3];
	struct rseqdev_register reg;
	struct rseqdev_threads thr;
	struct rseqdev_fence fence;
	struct rseqdev_stats st;
	struct rseqdev_query q;

	fill_stack(0xaa);
	ok(!rseqdev_query(&q) && q.nr_cpu_ids == FAKE_NR_CPUS &&
	   q.features == fake.features, "rseqdev_query(): the module's answer");
	memset(&q, 0, sizeof(q));
	q.size = sizeof(q);
	ok(last_arg_is(RSEQDEV_IOC_QUERY, &q, sizeof(q)),
	   "rseqdev_query(): size, flags 0, the rest zero");

	fill_stack(0x55);
	ok(!rseqdev_stats(&st, RSEQDEV_STATS_RESET_MAX), "rseqdev_stats(RESET_MAX)");
	memset(&st, 0, sizeof(st));
	st.size = sizeof(st);
	st.flags = RSEQDEV_STATS_RESET_MAX;
	ok(last_arg_is(RSEQDEV_IOC_STATS, &st, sizeof(st)),
	   "rseqdev_stats(): size, the caller's flags, the rest zero");
	expect_errno(rseqdev_stats(&st, 2), EINVAL, "rseqdev_stats(2): the module's EINVAL");

	fill_stack(0xaa);
	ok(!rseqdev_rseq(&area, RSEQDEV_RSEQ_ORIG_SIZE, 0, RSEQ_SIG), "rseqdev_rseq() registers");
	memset(&reg, 0, sizeof(reg));
	reg = (struct rseqdev_register) { .size = sizeof(reg), .rseq = (uintptr_t)&area,
					  .rseq_len = RSEQDEV_RSEQ_ORIG_SIZE, .sig = RSEQ_SIG };
	ok(last_arg_is(RSEQDEV_IOC_REGISTER, &reg, sizeof(reg)),
	   "rseqdev_rseq(): every field as given");
	expect_errno(rseqdev_rseq(&area, RSEQDEV_RSEQ_ORIG_SIZE, 0, RSEQ_SIG), EBUSY,
		     "rseqdev_rseq() again: the module's EBUSY");
	expect_errno(rseqdev_rseq(&area, RSEQDEV_RSEQ_ORIG_SIZE, -1, RSEQ_SIG), EINVAL,
		     "rseqdev_rseq(flags -1)");
	reg.flags = UINT32_MAX;
	ok(last_arg_is(RSEQDEV_IOC_REGISTER, &reg, sizeof(reg)),
	   "rseqdev_rseq(flags -1): flags 0xffffffff");
	ok(!rseqdev_rseq(&area, RSEQDEV_RSEQ_ORIG_SIZE, RSEQDEV_RSEQ_FLAG_UNREGISTER, RSEQ_SIG),
	   "rseqdev_rseq(UNREGISTER)");

	fill_stack(0x55);
	fence = (struct rseqdev_fence) { .size = sizeof(fence),
					 .flags = RSEQDEV_FENCE_REGISTER };
	ok(!rseqdev_fence_register() &&
	   last_arg_is(RSEQDEV_IOC_FENCE, &fence, sizeof(fence)),
	   "rseqdev_fence_register(): REGISTER, cpu and reserved 0");
	fence.flags = 0;
	ok(!rseqdev_fence(0, 3) && last_arg_is(RSEQDEV_IOC_FENCE, &fence, sizeof(fence)),
	   "rseqdev_fence(0, 3): the CPU is not passed without the flag");
	fence.flags = RSEQDEV_FENCE_CPU;
	fence.cpu = -1;
	ok(!rseqdev_fence(RSEQDEV_FENCE_CPU, -1) &&
	   last_arg_is(RSEQDEV_IOC_FENCE, &fence, sizeof(fence)),
	   "rseqdev_fence(CPU, -1)");
	fence.cpu = FAKE_NR_CPUS;
	expect_errno(rseqdev_fence(RSEQDEV_FENCE_CPU, FAKE_NR_CPUS), EINVAL,
		     "rseqdev_fence(CPU, nr_cpu_ids): the module's EINVAL");
	ok(last_arg_is(RSEQDEV_IOC_FENCE, &fence, sizeof(fence)),
	   "rseqdev_fence(CPU, nr_cpu_ids): passed as given");
	expect_errno(rseqdev_fence(0x80, 1), EINVAL, "rseqdev_fence(unknown flag)");

	fill_stack(0xaa);
	fake.nr_threads = 2;
	memset(info, 0xaa, sizeof(info));
	ok(rseqdev_threads(0, info, ARRAY_SIZE(info)) == 2 && info[1].tid == 1 &&
	   info[2].tid == 0xaaaaaaaa, "rseqdev_threads(): 2 of 3 entries written");
	thr = (struct rseqdev_threads) { .size = sizeof(thr), .nr = ARRAY_SIZE(info),
					 .threads = (uintptr_t)info,
					 .info_size = sizeof(info[0]) };
	ok(last_arg_is(RSEQDEV_IOC_THREADS, &thr, sizeof(thr)),
	   "rseqdev_threads(): every field, reserved 0");
	ok(rseqdev_threads(1234, NULL, 0) == 2, "rseqdev_threads(pid, NULL, 0): the count");
	fake.fail_next = ESRCH;
	expect_errno(rseqdev_threads(1234, NULL, 0), ESRCH,
		     "rseqdev_threads(): the module's ESRCH");
	ok(fake.refused == 0, "the fake module refused nothing%s",
	   fake_why());
}

static void check_backend_module(void)
{
	struct rseqdev_register reg;

	ok(rseqdev_get_backend() == RSEQ_BACKEND_MODULE, "backend module");
	ok(rseqdev_rseq_size == RSEQDEV_GEN_CLASSIC_FEATURE_SIZE, "rseqdev_rseq_size is the module's");
	fake.fail_next = EPERM;
	expect_errno(rseqdev_register_current_thread(), EPERM,
		     "rseqdev_register_current_thread(): the module's EPERM");
	expect_early(rseqdev_unregister_current_thread(), EINVAL,
		     "rseqdev_unregister_current_thread() after a failed registration");
	ok(!rseqdev_register_current_thread(), "rseqdev_register_current_thread()");
	reg = (struct rseqdev_register) { .size = sizeof(reg),
					  .rseq = (uintptr_t)rseq_get_abi(),
					  .rseq_len = RSEQDEV_RSEQ_ORIG_SIZE,
					  .sig = RSEQ_SIG };
	ok(last_arg_is(RSEQDEV_IOC_REGISTER, &reg, sizeof(reg)),
	   "registration: the thread's area, 32 bytes, RSEQ_SIG");
	ok(rseq_current_cpu_raw() == 0 && rseqdev_current_cpu() == 0,
	   "the CPU the module wrote");
	{
		unsigned int calls = fake.calls;

		ok(!rseqdev_register_current_thread() && fake.calls == calls,
		   "registering again: 0, no ioctl");
	}
	ok(!rseqdev_unregister_current_thread(), "rseqdev_unregister_current_thread()");
	reg.flags = RSEQDEV_RSEQ_FLAG_UNREGISTER;
	ok(last_arg_is(RSEQDEV_IOC_REGISTER, &reg, sizeof(reg)),
	   "unregistration: UNREGISTER, same area and signature");
	expect_early(rseqdev_unregister_current_thread(), EINVAL,
		     "rseqdev_unregister_current_thread() twice");
	ok(!rseqdev_rseq_fence_register(), "rseqdev_rseq_fence_register()");
	ok(!rseqdev_rseq_fence(-1) && fake.last.arg[4] == 0, "rseqdev_rseq_fence(-1): every CPU");
	ok(!rseqdev_rseq_fence(2) && fake.last.arg[4] == RSEQDEV_FENCE_CPU &&
	   fake.last.arg[8] == 2, "rseqdev_rseq_fence(2): that CPU");
	ok(rseqdev_cpu_opv_usable(RSEQ_PERCPU_CPU_ID) &&
	   rseqdev_cpu_opv_usable(RSEQ_PERCPU_MM_CID) &&
	   !rseqdev_cpu_opv_usable((enum rseq_percpu_mode)BAD_ENUM),
	   "rseqdev_cpu_opv_usable(): both modes, not a bad one");
}

static void check_raw_cpu_opv(void)
{
	struct rseqdev_cpu_op ops[RSEQDEV_CPU_OPV_MAX_OPS + 1];
	struct rseqdev_cpu_opv req;
	unsigned int i;

	memset(ops, 0, sizeof(ops));
	for (i = 0; i < ARRAY_SIZE(ops); i++)
		ops[i].op = RSEQDEV_CPU_OP_MB;
	fill_stack(0xaa);
	ok(rseqdev_cpu_opv(ops, RSEQDEV_CPU_OPV_MAX_OPS, 1, RSEQDEV_CPU_OPV_MM_CID) == 0,
	   "rseqdev_cpu_opv(): 16 barriers");
	req = (struct rseqdev_cpu_opv) { .size = sizeof(req), .flags = RSEQDEV_CPU_OPV_MM_CID,
					 .ops = (uintptr_t)ops,
					 .nr_ops = RSEQDEV_CPU_OPV_MAX_OPS, .cpu = 1 };
	ok(last_arg_is(RSEQDEV_IOC_CPU_OPV, &req, sizeof(req)),
	   "rseqdev_cpu_opv(): every field as given");
	fake.cpu_opv_ret_next = 3;
	ok(rseqdev_cpu_opv(ops, 4, 0, 0) == 3, "rseqdev_cpu_opv(): a failed compare's index");
	fake.fail_next = ENOMEM;
	expect_errno(rseqdev_cpu_opv(ops, 1, 0, 0), ENOMEM,
		     "rseqdev_cpu_opv(): the module's ENOMEM");
	fake.cpu_opv_ret_next = 2;
	ok(rseqdev_cpu_op_load_add_store__ptr(RSEQ_MO_RELAXED, RSEQ_PERCPU_CPU_ID, &word_v, 1, 0) == 1,
	   "rseqdev_cpu_op_*(): a failed compare is 1");
	fake.fail_next = EAGAIN;
	expect_errno(rseqdev_cpu_op_load_add_store__ptr(RSEQ_MO_RELAXED, RSEQ_PERCPU_MM_CID,
						&word_v, 1, 0), EAGAIN,
		     "rseqdev_cpu_op_*(): the module's EAGAIN");
	ok(fake.refused == 0, "the fake module refused nothing%s",
	   fake_why());
}

struct item {
	struct rseqdev_percpu_list_node node;
	int value;
};

/*
 * The per-CPU structures with every operation forced onto cpu_opv, the
 * fake module running the vectors: the library's vectors do what the
 * operations say, in each mode.
 */
static void check_slow_path(enum rseq_percpu_mode mode, const char *name)
{
	struct rseqdev_percpu_counter *counter = rseqdev_percpu_counter_create(mode);
	struct rseqdev_percpu_spinlock *lock = rseqdev_percpu_spinlock_create(mode);
	struct rseqdev_percpu_list *list = rseqdev_percpu_list_create(mode);
	struct rseqdev_percpu_buffer *buf = rseqdev_percpu_buffer_create(mode, 2);
	struct rseqdev_percpu_memcpy_buffer *mb = rseqdev_percpu_memcpy_buffer_create(mode, 2, 100);
	struct item items[3] = { { .value = 1 }, { .value = 2 }, { .value = 3 } };
	struct rseqdev_percpu_list_node *node;
	char in[100], out[100];
	int i, index;

	if (!ok(counter && lock && list && buf && mb, "%s: every structure created", name))
		return;
	rseqdev_percpu_reset_thread_stats();
	for (i = 1; i <= 10; i++)
		rseqdev_percpu_counter_add(counter, i);
	ok(rseqdev_percpu_counter_sum(counter) == 55, "%s: counter adds up to 55", name);
	ok(rseqdev_percpu_thread_stats().fallbacks == 10 &&
	   rseqdev_percpu_thread_stats().commits == 0, "%s: all 10 through cpu_opv", name);
	index = rseqdev_percpu_spinlock_lock(lock);
	ok(index == 0 && lock->slots[0].locked == 1, "%s: spinlock taken", name);
	rseqdev_percpu_spinlock_unlock(lock, index);
	for (i = 0; i < 3; i++)
		rseqdev_percpu_list_push(list, &items[i].node);
	node = rseqdev_percpu_list_pop(list);
	ok(node == &items[2].node, "%s: list pops the last pushed", name);
	node = rseqdev_percpu_list_take_all(list, 0);
	ok(node == &items[1].node && node->next == &items[0].node && !node->next->next,
	   "%s: list keeps the other two in order", name);
	ok(rseqdev_percpu_buffer_push(buf, &items[0], RSEQ_MO_RELEASE) == 0 &&
	   rseqdev_percpu_buffer_push(buf, &items[1], RSEQ_MO_RELAXED) == 0 &&
	   rseqdev_percpu_buffer_push(buf, &items[2], RSEQ_MO_RELAXED) == 1,
	   "%s: buffer takes 2, then is full", name);
	ok(rseqdev_percpu_buffer_pop(buf) == &items[1] && rseqdev_percpu_buffer_pop(buf) == &items[0] &&
	   !rseqdev_percpu_buffer_pop(buf), "%s: buffer gives them back, then is empty", name);
	memset(in, 0x3c, sizeof(in));
	memset(out, 0, sizeof(out));
	ok(rseqdev_percpu_memcpy_buffer_push(mb, in, RSEQ_MO_RELEASE) == 0 &&
	   rseqdev_percpu_memcpy_buffer_pop(mb, out) == 0 && !memcmp(in, out, sizeof(in)) &&
	   rseqdev_percpu_memcpy_buffer_pop(mb, out) == 1,
	   "%s: memcpy buffer copies an item in and out", name);
	fake.fail_next = EFAULT;
	expect_errno(rseqdev_percpu_counter_add(counter, 1), EFAULT,
		     "slow path: the module's EFAULT ends the operation");
	fake.fail_next = EAGAIN;
	ok(!rseqdev_percpu_counter_add(counter, 1) && rseqdev_percpu_counter_sum(counter) == 56,
	   "%s: EAGAIN is retried", name);
	ok(fake.refused == 0, "%s: the fake module refused nothing%s", name,
	   fake_why());
	rseqdev_percpu_counter_destroy(counter);
	rseqdev_percpu_spinlock_destroy(lock);
	rseqdev_percpu_list_destroy(list);
	rseqdev_percpu_buffer_destroy(buf);
	rseqdev_percpu_memcpy_buffer_destroy(mb);
}

static void run_fake(void)
{
	check_device_calls();
	check_backend_module();
	check_raw_cpu_opv();
	check_policy_args();
	check_create_args(0);
	check_cases();
	ok(fake.refused == 0, "cases: the fake module refused nothing%s",
	   fake_why());
	fake.execute = true;
	ok(!rseqdev_percpu_set_slow_path(RSEQDEV_PERCPU_SLOW_ALWAYS, 1), "slow path always");
	check_slow_path(RSEQ_PERCPU_CPU_ID, "cpu_id");
	check_slow_path(RSEQ_PERCPU_MM_CID, "mm_cid");
	ok(!rseqdev_unregister_current_thread(), "unregistered at the end");
}

static int run_env(const char *mode, const char *limit)
{
	ok(rseqdev_percpu_policy.slow_path == (enum rseqdev_percpu_slow_path)atoi(mode),
	   "slow path mode %s", mode);
	ok(rseqdev_percpu_policy.abort_limit == (unsigned int)strtoul(limit, NULL, 10),
	   "abort limit %s", limit);
	return tap_done();
}

int main(int argc, char **argv)
{
	const char *what = argc > 1 ? argv[1] : "";

	if (!strcmp(what, "env") && argc == 4)
		return run_env(argv[2], argv[3]);
	if (!strcmp(what, "absent")) {
		cases_no_device = true;
		run_absent();
	} else if (!strcmp(what, "fake")) {
		run_fake();
	} else {
		tap_bail("usage: lib_check absent|fake|env MODE LIMIT");
	}
	return tap_done();
}
