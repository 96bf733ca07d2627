// SPDX-License-Identifier: GPL-2.0-only
/*
 * The bytes of every ioctl argument the library builds, checked on the host,
 * without the module.
 *
 * The program stands in for the device: linked statically with the
 * library, its own ioctl() receives the library's rseqdev ioctls, answers
 * them, and keeps a copy of each argument (and of a cpu_opv's vector).
 * Every entry point of the library that builds such an argument runs
 * twice, the first time over a stack filled with 0xa5, the second over one
 * filled with 0x5a: a byte that differs between the two copies is a byte
 * the library never wrote. Each copy also goes through the checks that the
 * module makes on the bytes it reserves (refused_bytes() mirrors them), and
 * every byte those checks refuse is reported.
 *
 * Prints one line per finding, then a summary. Exits 1 when anything was
 * found, or when the library made no ioctl at all.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <rseqdev/cpu_op.h>
#include <rseqdev/rseqdev.h>

#include "../../userspace/tests/test_arch.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define MAX_ARG_BYTES	128	/* more than any ioctl struct holds */
#define MAX_CAPTURES	4	/* ioctls of one entry point */

struct capture {
	unsigned long cmd;
	size_t len;
	unsigned char arg[MAX_ARG_BYTES];
	unsigned int nr_ops;
	struct rseqdev_cpu_op ops[RSEQDEV_CPU_OPV_MAX_OPS];
};

/* One run of an entry point: what it handed to the "module". */
struct run {
	int nr;
	struct capture c[MAX_CAPTURES];
};

static struct run *recording;
static unsigned int nr_ioctls, nr_ops_seen, nr_refused, nr_unwritten;

static void capture(unsigned long cmd, const void *arg)
{
	struct capture *c;
	uint32_t size;

	if (!recording || recording->nr == MAX_CAPTURES)
		return;
	c = &recording->c[recording->nr++];
	/* A command without an argument (the yield) has nothing to read. */
	if (!_IOC_SIZE(cmd))
		size = 0;
	else
		memcpy(&size, arg, sizeof(size));
	c->cmd = cmd;
	c->len = size < MAX_ARG_BYTES ? size : MAX_ARG_BYTES;
	memcpy(c->arg, arg, c->len);
	c->nr_ops = 0;
	if (cmd == RSEQDEV_IOC_CPU_OPV) {
		const struct rseqdev_cpu_opv *req = arg;

		c->nr_ops = req->nr_ops < RSEQDEV_CPU_OPV_MAX_OPS ?
			    req->nr_ops : RSEQDEV_CPU_OPV_MAX_OPS;
		memcpy(c->ops, (const void *)(uintptr_t)req->ops,
		       c->nr_ops * sizeof(c->ops[0]));
	}
}

/* What the module answers, as far as the library's callers care. */
static int answer(unsigned long cmd, void *arg)
{
	struct rseqdev_query *q = arg;
	struct rseqdev_threads *t = arg;

	switch (cmd) {
	case RSEQDEV_IOC_QUERY:
		q->abi_version = RSEQDEV_ABI_VERSION;
		q->rseq_feature_size = 28;
		q->features = RSEQDEV_FEATURE_RSEQ | RSEQDEV_FEATURE_CPU_OPV |
			      RSEQDEV_FEATURE_CPU_OPV_MM_CID;
		break;
	case RSEQDEV_IOC_THREADS:
		t->nr = 0;
		break;
	}
	return 0;
}

/* Linked before libc: every ioctl of the program, the library's included. */
int ioctl(int fd, unsigned long cmd, ...)
{
	va_list ap;
	void *arg;

	va_start(ap, cmd);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (_IOC_TYPE(cmd) != RSEQDEV_IOC_MAGIC)
		return syscall(SYS_ioctl, fd, cmd, arg);
	capture(cmd, arg);
	return answer(cmd, arg);
}

static void mark(bool *refused, size_t offset, size_t len)
{
	while (len--)
		refused[offset++] = true;
}

static bool all_zero(const unsigned char *bytes, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (bytes[i])
			return false;
	return true;
}

/* Marks the pad field (a __u8 array) of @op when it is not all zero. */
#define refuse_pad(op, pad, refused)					\
	do {								\
		if (!all_zero((op)->pad, sizeof((op)->pad)))		\
			mark(refused, offsetof(struct rseqdev_cpu_op, pad), \
			     sizeof((op)->pad));			\
	} while (0)

/* Marks an expect_fault byte of @op above 1. */
#define refuse_expect_fault(op, field, refused)				\
	do {								\
		if ((op)->field > 1)					\
			mark(refused, offsetof(struct rseqdev_cpu_op, field), 1); \
	} while (0)

/*
 * The bytes of an operation of each form that opv_prepare() in
 * module/cpu_opv.c refuses (its pad and expect_fault checks), as offsets
 * into the op.
 */
static void refuse_compare(const struct rseqdev_cpu_op *op, bool *refused)
{
	refuse_expect_fault(op, u.compare.expect_fault_a, refused);
	refuse_expect_fault(op, u.compare.expect_fault_b, refused);
	refuse_pad(op, u.compare.pad, refused);
}

static void refuse_memcpy(const struct rseqdev_cpu_op *op, bool *refused)
{
	refuse_expect_fault(op, u.memcpy.expect_fault_dst, refused);
	refuse_expect_fault(op, u.memcpy.expect_fault_src, refused);
	refuse_pad(op, u.memcpy.pad, refused);
}

static void refuse_arithmetic(const struct rseqdev_cpu_op *op, bool *refused)
{
	refuse_expect_fault(op, u.arithmetic.expect_fault_p, refused);
	refuse_pad(op, u.arithmetic.pad, refused);
}

static void refuse_bitwise(const struct rseqdev_cpu_op *op, bool *refused)
{
	refuse_expect_fault(op, u.bitwise.expect_fault_p, refused);
	refuse_pad(op, u.bitwise.pad, refused);
}

static void refuse_shift(const struct rseqdev_cpu_op *op, bool *refused)
{
	refuse_expect_fault(op, u.shift.expect_fault_p, refused);
	refuse_pad(op, u.shift.pad, refused);
}

static void refuse_none(const struct rseqdev_cpu_op *op, bool *refused)
{
	refuse_pad(op, u.reserved, refused);
}

/* Each operation type's form, from its row of RSEQDEV_CPU_OPS. */
#define PROBE_FORM(name, form, width, writes, release, action)		\
	[RSEQDEV_CPU_OP_##name] = refuse_##form,

static void (*const refuse_form[RSEQDEV_NR_CPU_OPS])(const struct rseqdev_cpu_op *op,
						      bool *refused) = {
	RSEQDEV_CPU_OPS(PROBE_FORM)
};

/* The bytes of @op that the module refuses; none of an unknown type's. */
static void refused_bytes(const struct rseqdev_cpu_op *op, bool *refused)
{
	if (op->op >= 0 && op->op < RSEQDEV_NR_CPU_OPS)
		refuse_form[op->op](op, refused);
}

/*
 * The same for the reserved fields of the other ioctls (fence.c,
 * threads.c, slice.c).
 */
static void refused_arg_bytes(const struct capture *c, bool *refused)
{
	const struct rseqdev_fence *fence = (const void *)c->arg;
	const struct rseqdev_threads *threads = (const void *)c->arg;
	const struct rseqdev_slice_prctl *slice = (const void *)c->arg;

	if (c->cmd == RSEQDEV_IOC_FENCE && fence->reserved)
		mark(refused, offsetof(struct rseqdev_fence, reserved),
		     sizeof(fence->reserved));
	if (c->cmd == RSEQDEV_IOC_THREADS && threads->reserved)
		mark(refused, offsetof(struct rseqdev_threads, reserved),
		     sizeof(threads->reserved));
	if (c->cmd == RSEQDEV_IOC_SLICE_PRCTL && slice->reserved)
		mark(refused, offsetof(struct rseqdev_slice_prctl, reserved),
		     sizeof(slice->reserved));
	if (c->cmd == RSEQDEV_IOC_SLICE_PRCTL && slice->generation >= RSEQDEV_NR_GENS)
		mark(refused, offsetof(struct rseqdev_slice_prctl, generation),
		     sizeof(slice->generation));
}

/* Prints "WHAT: bytes A-B (xx ..) ...: WHY" for the bytes set in @mask; their count. */
static unsigned int report(const char *what, const char *why, const bool *mask,
			   const unsigned char *bytes, size_t n)
{
	unsigned int count = 0;
	size_t i = 0, end;

	while (i < n) {
		if (!mask[i]) {
			i++;
			continue;
		}
		for (end = i; end < n && mask[end]; end++)
			;
		if (!count)
			printf("%s: bytes", what);
		printf(" %zu-%zu (", i, end - 1);
		for (; i < end; i++, count++)
			printf(i + 1 < end ? "%02x " : "%02x)", bytes[i]);
	}
	if (count)
		printf(": %s\n", why);
	return count;
}

static const char *op_name(int32_t op)
{
	static const char *const names[] = {
		"COMPARE_EQ", "COMPARE_NE", "MEMCPY", "MEMCPY_RELEASE", "ADD",
		"ADD_RELEASE", "OR", "AND", "XOR", "LSHIFT", "RSHIFT", "MB",
	};

	return op >= 0 && op < (int32_t)ARRAY_SIZE(names) ? names[op] : "?";
}

static void check_bytes(const char *what, const unsigned char *a,
			const unsigned char *b, const bool *refused, size_t n)
{
	bool unwritten[MAX_ARG_BYTES] = { false };
	size_t i;

	for (i = 0; i < n; i++)
		unwritten[i] = a[i] != b[i];
	nr_refused += report(what, "refused by the module", refused, a, n);
	nr_unwritten += report(what, "never written by the library", unwritten, a, n);
}

static void check_capture(const char *name, const struct capture *a,
			  const struct capture *b)
{
	char what[160];
	unsigned int i;

	bool refused[MAX_ARG_BYTES] = { false };

	nr_ioctls++;
	refused_arg_bytes(a, refused);
	snprintf(what, sizeof(what), "%s: ioctl 0x%lx", name, a->cmd);
	check_bytes(what, a->arg, b->arg, refused, a->len);
	for (i = 0; i < a->nr_ops; i++) {
		memset(refused, 0, sizeof(refused));
		refused_bytes(&a->ops[i], refused);
		snprintf(what, sizeof(what), "%s: op %u %s", name, i,
			 op_name(a->ops[i].op));
		check_bytes(what, (const void *)&a->ops[i], (const void *)&b->ops[i],
			    refused, sizeof(a->ops[i]));
		nr_ops_seen++;
	}
}

/* The data the entry points work on; the fake module touches none of it. */
static intptr_t word = 1, word2 = 2, loaded;
static char dst[64], src[64];

/* A rseqdev_cpu_op_*() runs in each mode (@op), a device call once (@call). */
struct entry {
	const char *name;
	void (*op)(enum rseq_percpu_mode mode);
	void (*call)(void);
};

static void call_cbne_store(enum rseq_percpu_mode mode)
{
	rseqdev_cpu_op_load_cbne_store__ptr(RSEQ_MO_RELAXED, mode, &word, 1, 3, 0);
}

static void call_list_pop(enum rseq_percpu_mode mode)
{
	rseqdev_cpu_op_load_cbeq_store_add_load_store__ptr(RSEQ_MO_RELAXED, mode, &word,
						   0, 8, &loaded, 0);
}

static void call_add(enum rseq_percpu_mode mode)
{
	rseqdev_cpu_op_load_add_store__ptr(RSEQ_MO_RELAXED, mode, &word, 5, 0);
}

static void call_cbne_store_store(enum rseq_percpu_mode mode)
{
	rseqdev_cpu_op_load_cbne_store_store__ptr(RSEQ_MO_RELEASE, mode, &word, 1,
					  &word2, 7, 3, 0);
}

static void call_cbne_cbne_store(enum rseq_percpu_mode mode)
{
	rseqdev_cpu_op_load_cbne_load_cbne_store__ptr(RSEQ_MO_RELAXED, mode, &word, 1,
					      &word2, 2, 3, 0);
}

static void call_cbne_memcpy_store(enum rseq_percpu_mode mode)
{
	rseqdev_cpu_op_load_cbne_memcpy_store__ptr(RSEQ_MO_RELEASE, mode, &word, 1,
					   dst, src, sizeof(dst), 3, 0);
}

static void call_query(void)
{
	struct rseqdev_query q;

	rseqdev_query(&q);
}

static void call_stats(void)
{
	struct rseqdev_stats st;

	rseqdev_stats(&st, RSEQDEV_STATS_RESET_MAX);
}

static void call_register(void)
{
	static struct rseqdev_rseq area;

	rseqdev_rseq(&area, sizeof(area), 0, RSEQ_SIG);
	rseqdev_rseq(&area, sizeof(area), RSEQDEV_RSEQ_FLAG_UNREGISTER, RSEQ_SIG);
}

static void call_fence(void)
{
	rseqdev_fence_register();
	rseqdev_fence(0, 0);
	rseqdev_fence(RSEQDEV_FENCE_CPU, 1);
}

static void call_threads(void)
{
	struct rseqdev_thread_info info[2];

	rseqdev_threads(0, info, ARRAY_SIZE(info));
}

static void call_slice(void)
{
	rseqdev_slice_prctl(RSEQDEV_PR_RSEQ_SLICE_EXTENSION_SET,
			    RSEQDEV_PR_RSEQ_SLICE_EXT_ENABLE, 0, 0);
	rseqdev_slice_yield();
}

static const struct entry entries[] = {
	{ .name = "rseqdev_cpu_op_load_cbne_store__ptr", .op = call_cbne_store },
	{ .name = "rseqdev_cpu_op_load_cbeq_store_add_load_store__ptr", .op = call_list_pop },
	{ .name = "rseqdev_cpu_op_load_add_store__ptr", .op = call_add },
	{ .name = "rseqdev_cpu_op_load_cbne_store_store__ptr", .op = call_cbne_store_store },
	{ .name = "rseqdev_cpu_op_load_cbne_load_cbne_store__ptr", .op = call_cbne_cbne_store },
	{ .name = "rseqdev_cpu_op_load_cbne_memcpy_store__ptr", .op = call_cbne_memcpy_store },
	{ .name = "rseqdev_query", .call = call_query },
	{ .name = "rseqdev_stats", .call = call_stats },
	{ .name = "rseqdev_rseq", .call = call_register },
	{ .name = "rseqdev_fence", .call = call_fence },
	{ .name = "rseqdev_threads", .call = call_threads },
	{ .name = "rseqdev_slice", .call = call_slice },
};

/* Leaves @byte in the stack below the caller, where its next call's frames go. */
static __attribute__((noinline)) void fill_stack(int byte)
{
	unsigned char area[32768];

	memset(area, byte, sizeof(area));
	test_escape(area);
}

/*
 * Calls the entry point a little below the caller's frame, so that all of
 * its frames lie in what fill_stack() filled (its own top bytes are not).
 */
static __attribute__((noinline)) void call_below(const struct entry *e,
						 enum rseq_percpu_mode mode)
{
	unsigned char gap[256];

	test_escape(gap);
	if (e->op)
		e->op(mode);
	else
		e->call();
}

static __attribute__((noinline)) void run(const struct entry *e,
					  enum rseq_percpu_mode mode, int byte,
					  struct run *r)
{
	memset(r, 0, sizeof(*r));
	recording = r;
	fill_stack(byte);
	call_below(e, mode);
	recording = NULL;
}

static void check_entry(const struct entry *e, enum rseq_percpu_mode mode)
{
	static struct run a, b;
	char name[128];
	int i;

	run(e, mode, 0xa5, &a);
	run(e, mode, 0x5a, &b);
	snprintf(name, sizeof(name), "%s%s", e->name, !e->op ? "" :
		 mode == RSEQ_PERCPU_MM_CID ? " (mm_cid)" : " (cpu_id)");
	if (a.nr != b.nr || !a.nr) {
		printf("%s: %d then %d ioctls\n", name, a.nr, b.nr);
		nr_unwritten++;
		return;
	}
	for (i = 0; i < a.nr; i++)
		check_capture(name, &a.c[i], &b.c[i]);
}

int main(void)
{
	size_t i;

	/* Any descriptor will do: the ioctls never reach it. */
	setenv(RSEQDEV_ENV_DEVICE, "/dev/null", 1);
	for (i = 0; i < ARRAY_SIZE(entries); i++) {
		check_entry(&entries[i], RSEQ_PERCPU_CPU_ID);
		if (entries[i].op)
			check_entry(&entries[i], RSEQ_PERCPU_MM_CID);
	}
	printf("%u ioctls, %u operations: %u bytes the module refuses, %u bytes never written\n",
	       nr_ioctls, nr_ops_seen, nr_refused, nr_unwritten);
	return nr_refused || nr_unwritten || !nr_ops_seen;
}
