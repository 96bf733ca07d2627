// SPDX-License-Identifier: GPL-2.0-only
/*
 * The fake /dev/rseq: the library's ioctls checked by the rules of
 * <linux/rseqdev.h>, recorded and answered, without the module.
 *
 * A library-built argument that the module would refuse is counted in
 * fake.refused with the reason: a test fails on any. The checks read
 * exactly the bytes the module would (size bytes of the struct, nr_ops
 * operations), so that AddressSanitizer reports an argument shorter than
 * the library claims.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include <linux/rseqdev_layout.h>

#include "fake_module.h"

struct fake_module fake = {
	.features = ~0ULL,
};

/* The calling thread's registration with the fake module. */
static __thread struct rseqdev_rseq *registered_area;
static __thread uint32_t registered_sig;

void fake_module_reset(void)
{
	fake = (struct fake_module) { .features = ~0ULL };
	registered_area = NULL;
}

const char *fake_why(void)
{
	static char text[128];

	if (!fake.why)
		return "";
	snprintf(text, sizeof(text), ": %s", fake.why);
	return text;
}

static int refuse(const char *why)
{
	fake.refused++;
	fake.why = why;
	return -EINVAL;
}

/* The failure a test asked for, once the arguments passed their checks. */
static int injected_failure(void)
{
	int err = fake.fail_next;

	fake.fail_next = 0;
	return -err;
}

static bool all_zero(const void *p, size_t len)
{
	const unsigned char *b = p;

	while (len--)
		if (*b++)
			return false;
	return true;
}

/* The struct's own size: the library passes sizeof(), nothing else. */
static int check_size(const void *arg, size_t want)
{
	uint32_t size;

	memcpy(&size, arg, sizeof(size));
	if (size != want)
		return refuse("size is not the struct's");
	memcpy(fake.last.arg, arg, want);
	fake.last.len = want;
	return 0;
}

static int do_query(struct rseqdev_query *q)
{
	if (q->flags)
		return refuse("query: flags");
	if (fake.fail_next)
		return injected_failure();
	memset((char *)q + 8, 0, sizeof(*q) - 8);
	q->abi_version = RSEQDEV_ABI_VERSION;
	q->rseq_feature_size = RSEQDEV_GEN_CLASSIC_FEATURE_SIZE;
	q->features = fake.features;
	q->rseq_align = RSEQDEV_GEN_CLASSIC_ALIGN;
	q->nr_cpu_ids = FAKE_NR_CPUS;
	q->cpu_opv_max_ops = RSEQDEV_CPU_OPV_MAX_OPS;
	q->cpu_opv_max_op_len = RSEQDEV_CPU_OPV_MAX_OP_LEN;
	q->cpu_opv_max_total_len = RSEQDEV_CPU_OPV_MAX_TOTAL_LEN;
	q->cpu_opv_nr_op_types = RSEQDEV_NR_CPU_OPS;
	q->generations = 1u << RSEQDEV_GEN_CLASSIC;
	q->default_generation = RSEQDEV_GEN_CLASSIC;
	return 0;
}

static int do_stats(struct rseqdev_stats *st)
{
	/* The caller's flags: a bad one is no fault of the library. */
	if (st->flags & ~RSEQDEV_STATS_RESET_MAX)
		return -EINVAL;
	if (fake.fail_next)
		return injected_failure();
	memset((char *)st + 8, 0, sizeof(*st) - 8);
	st->threads = registered_area ? 1 : 0;
	return 0;
}

/* The rseq system call's rules, for the calling thread. */
static int do_register(const struct rseqdev_register *reg)
{
	struct rseqdev_rseq *area = (struct rseqdev_rseq *)(uintptr_t)reg->rseq;

	/* A fake of a module that runs the classic generation only. */
	if (reg->generation > RSEQDEV_GEN_CLASSIC || reg->reserved)
		return -EINVAL;
	if (reg->flags & ~RSEQDEV_RSEQ_FLAG_UNREGISTER)
		return -EINVAL;
	if (fake.fail_next)
		return injected_failure();
	if (reg->flags) {
		if (!registered_area || area != registered_area ||
		    reg->rseq_len != RSEQDEV_RSEQ_ORIG_SIZE)
			return -EINVAL;
		if (reg->sig != registered_sig)
			return -EPERM;
		area->cpu_id = (uint32_t)RSEQDEV_RSEQ_CPU_ID_UNINITIALIZED;
		registered_area = NULL;
		return 0;
	}
	if (registered_area) {
		if (area != registered_area || reg->rseq_len != RSEQDEV_RSEQ_ORIG_SIZE)
			return -EINVAL;
		return reg->sig == registered_sig ? -EBUSY : -EPERM;
	}
	if (reg->rseq_len < RSEQDEV_RSEQ_ORIG_SIZE || reg->rseq % 32)
		return -EINVAL;
	if (!area)
		return -EFAULT;
	/* What the module writes on the way back to user space. */
	area->cpu_id_start = 0;
	area->cpu_id = 0;
	area->node_id = 0;
	area->mm_cid = 0;
	registered_area = area;
	registered_sig = reg->sig;
	return 0;
}

static int do_fence(const struct rseqdev_fence *f)
{
	if (f->reserved)
		return refuse("fence: reserved");
	if (fake.fail_next)
		return injected_failure();
	switch (f->flags) {
	case RSEQDEV_FENCE_REGISTER:
	case 0:
		return f->cpu ? -EINVAL : 0;
	case RSEQDEV_FENCE_CPU:
		return f->cpu >= -1 && f->cpu < FAKE_NR_CPUS ? 0 : -EINVAL;
	default:
		return -EINVAL;
	}
}

static int do_threads(struct rseqdev_threads *t)
{
	struct rseqdev_thread_info info = { .tid = 1, .area_len = 32 };
	unsigned int i;

	if (t->flags || t->reserved)
		return refuse("threads: flags or reserved");
	if (t->info_size < RSEQDEV_THREAD_INFO_SIZE_VER0 ||
	    t->info_size > RSEQDEV_MAX_ARG_SIZE)
		return -EINVAL;
	if (fake.fail_next)
		return injected_failure();
	for (i = 0; i < t->nr && i < fake.nr_threads; i++) {
		char *slot = (char *)(uintptr_t)t->threads + (size_t)i * t->info_size;

		memset(slot, 0, t->info_size);
		memcpy(slot, &info, sizeof(info));
	}
	t->nr = fake.nr_threads;
	return 0;
}

/*
 * Every form keeps its first operand's address in the first 8 bytes of
 * u, and a second one (compare b, memcpy src) with its expect_fault byte
 * where compare's are (offsets <linux/rseqdev_layout.h> fixes): the checks
 * below read them through those fields.
 */

/* The rules of each form's fields but the length: NULL, or why not. */
static const char *check_compare(const struct rseqdev_cpu_op *op)
{
	if (op->u.compare.expect_fault_a > 1 || op->u.compare.expect_fault_b > 1 ||
	    !all_zero(op->u.compare.pad, sizeof(op->u.compare.pad)))
		return "op: compare pad";
	return NULL;
}

static const char *check_memcpy(const struct rseqdev_cpu_op *op)
{
	if (op->u.memcpy.expect_fault_dst > 1 || op->u.memcpy.expect_fault_src > 1 ||
	    !all_zero(op->u.memcpy.pad, sizeof(op->u.memcpy.pad)))
		return "op: copy pad";
	return NULL;
}

static const char *check_arithmetic(const struct rseqdev_cpu_op *op)
{
	if (op->u.arithmetic.expect_fault_p > 1 ||
	    !all_zero(op->u.arithmetic.pad, sizeof(op->u.arithmetic.pad)))
		return "op: arithmetic pad";
	return NULL;
}

static const char *check_bitwise(const struct rseqdev_cpu_op *op)
{
	if (op->u.bitwise.expect_fault_p > 1 ||
	    !all_zero(op->u.bitwise.pad, sizeof(op->u.bitwise.pad)))
		return "op: bitwise pad";
	return NULL;
}

static const char *check_shift(const struct rseqdev_cpu_op *op)
{
	if (op->u.shift.bits >= 8 * op->len)
		return "op: shift bits";
	if (op->u.shift.expect_fault_p > 1 ||
	    !all_zero(op->u.shift.pad, sizeof(op->u.shift.pad)))
		return "op: shift pad";
	return NULL;
}

static const char *check_none(const struct rseqdev_cpu_op *op)
{
	if (!all_zero(op->u.reserved, sizeof(op->u.reserved)))
		return "op: barrier reserved";
	return NULL;
}

/* What the word operations make of the old value (truncated on store). */
static uint64_t compute_add(const struct rseqdev_cpu_op *op, uint64_t v)
{
	return v + (uint64_t)op->u.arithmetic.count;
}

static uint64_t compute_bit_or(const struct rseqdev_cpu_op *op, uint64_t v)
{
	return v | op->u.bitwise.mask;
}

static uint64_t compute_bit_and(const struct rseqdev_cpu_op *op, uint64_t v)
{
	return v & op->u.bitwise.mask;
}

static uint64_t compute_bit_xor(const struct rseqdev_cpu_op *op, uint64_t v)
{
	return v ^ op->u.bitwise.mask;
}

static uint64_t compute_lshift(const struct rseqdev_cpu_op *op, uint64_t v)
{
	return v << op->u.shift.bits;
}

static uint64_t compute_rshift(const struct rseqdev_cpu_op *op, uint64_t v)
{
	return v >> op->u.shift.bits;
}

/* The other actions: false when a compare fails. */
static bool run_eq(const struct rseqdev_cpu_op *op)
{
	return !memcmp((const void *)(uintptr_t)op->u.compare.a,
		       (const void *)(uintptr_t)op->u.compare.b, op->len);
}

static bool run_ne(const struct rseqdev_cpu_op *op)
{
	return !run_eq(op);
}

static bool run_copy(const struct rseqdev_cpu_op *op)
{
	memmove((void *)(uintptr_t)op->u.memcpy.dst,
		(const void *)(uintptr_t)op->u.memcpy.src, op->len);
	return true;
}

static bool run_mb(const struct rseqdev_cpu_op *op)
{
	(void)op;	/* the barrier has no operand */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return true;
}

/* How each form's operations run, from their action word (as the module). */
#define FAKE_DO_compare(action)		.run = run_##action
#define FAKE_DO_memcpy(action)		.run = run_##action
#define FAKE_DO_arithmetic(action)	.compute = compute_##action
#define FAKE_DO_bitwise(action)		.compute = compute_##action
#define FAKE_DO_shift(action)		.compute = compute_##action
#define FAKE_DO_none(action)		.run = run_##action

/* An operation type as the fake checks and runs it: a row of RSEQDEV_CPU_OPS. */
struct fake_op {
	unsigned int width;
	unsigned int nr_operands;
	bool release;
	const char *(*check)(const struct rseqdev_cpu_op *op);
	uint64_t (*compute)(const struct rseqdev_cpu_op *op, uint64_t v);
	bool (*run)(const struct rseqdev_cpu_op *op);
};

#define FAKE_OP(name, form, width_, writes, release_, action)		\
	[RSEQDEV_CPU_OP_##name] = {					\
		.width = RSEQDEV_CPU_OP_WIDTH_##width_,			\
		.nr_operands = RSEQDEV_CPU_OP_OPERANDS_##form,		\
		.release = release_,					\
		.check = check_##form,					\
		FAKE_DO_##form(action),					\
	},

static const struct fake_op fake_ops[RSEQDEV_NR_CPU_OPS] = {
	RSEQDEV_CPU_OPS(FAKE_OP)
};

static const struct fake_op *fake_op(int32_t type)
{
	if (type < 0 || type >= RSEQDEV_NR_CPU_OPS)
		return NULL;
	return &fake_ops[type];
}

/* @len against a width rule; @p is the first operand (word alignment). */
static bool valid_len(unsigned int width, uint32_t len, uint64_t p)
{
	switch (width) {
	case RSEQDEV_CPU_OP_WIDTH_NONE:
		return !len;
	case RSEQDEV_CPU_OP_WIDTH_BYTES:
		return len && len <= RSEQDEV_CPU_OPV_MAX_OP_LEN;
	default:
		return (len == 1 || len == 2 || len == 4 || len == 8) && !(p % len);
	}
}

/* One operation, by the rules of struct rseqdev_cpu_op. */
static int check_op(const struct rseqdev_cpu_op *op, uint32_t *total)
{
	const struct fake_op *f = fake_op(op->op);
	const char *why;

	if (!f)
		return refuse("op: unknown operation");
	if (!valid_len(f->width, op->len, op->u.compare.a))
		return refuse("op: length or alignment");
	why = f->check(op);
	if (why)
		return refuse(why);
	*total += op->len;
	return 0;
}

/* A word operation on @len bytes at @p: enough for what the library builds. */
static void run_word(const struct fake_op *f, const struct rseqdev_cpu_op *op)
{
	uint64_t v = 0;
	void *p = (void *)(uintptr_t)op->u.arithmetic.p;

	memcpy(&v, p, op->len);
	v = f->compute(op, v);
	memcpy(p, &v, op->len);
}

/* Runs the vector in order: 0, or the 1-based index of a failed compare. */
static int run_ops(const struct rseqdev_cpu_op *ops, unsigned int nr)
{
	unsigned int i;

	for (i = 0; i < nr; i++) {
		const struct fake_op *f = fake_op(ops[i].op);

		if (f->release)
			__atomic_thread_fence(__ATOMIC_SEQ_CST);
		if (f->compute)
			run_word(f, &ops[i]);
		else if (!f->run(&ops[i]))
			return i + 1;
	}
	return 0;
}

/*
 * A word the library pointed an operation at (the second operand: b of a
 * compare, src of a copy, unless it may fault): its value now, while the
 * library's frame holding it is live.
 */
static void snapshot_operand(const struct rseqdev_cpu_op *op, uint64_t *word)
{
	const struct fake_op *f = fake_op(op->op);

	if (op->len != sizeof(*word) || fake.foreign_vectors)
		return;
	if (f->nr_operands == 2 && !op->u.compare.expect_fault_b)
		memcpy(word, (const void *)(uintptr_t)op->u.compare.b, sizeof(*word));
}

static int do_cpu_opv(const struct rseqdev_cpu_opv *req)
{
	uint32_t total = 0;
	unsigned int i;
	int ret;

	if (req->flags & ~RSEQDEV_CPU_OPV_MM_CID)
		return refuse("cpu_opv: flags");
	/* The caller's count (rseqdev_cpu_opv()): not the library's fault. */
	if (!req->nr_ops || req->nr_ops > RSEQDEV_CPU_OPV_MAX_OPS)
		return -EINVAL;
	/* The whole vector, read as the module copies it in. */
	memcpy(fake.last.ops, (const void *)(uintptr_t)req->ops,
	       req->nr_ops * sizeof(fake.last.ops[0]));
	fake.last.nr_ops = req->nr_ops;
	for (i = 0; i < req->nr_ops; i++) {
		ret = check_op(&fake.last.ops[i], &total);
		if (ret)
			return ret;
		snapshot_operand(&fake.last.ops[i], &fake.last.operand[i]);
	}
	if (total > RSEQDEV_CPU_OPV_MAX_TOTAL_LEN)
		return refuse("cpu_opv: total length");
	if (req->cpu < 0 || req->cpu >= FAKE_NR_CPUS)
		return -EINVAL;
	if (fake.fail_next)
		return injected_failure();
	if (fake.cpu_opv_ret_next) {
		ret = fake.cpu_opv_ret_next;
		fake.cpu_opv_ret_next = 0;
		return ret;
	}
	return fake.execute ? run_ops(fake.last.ops, req->nr_ops) : 0;
}

/* Which handler, and the size the library's struct has. */
static int dispatch(unsigned long cmd, void *arg)
{
	switch (cmd) {
	case RSEQDEV_IOC_QUERY:
		return check_size(arg, sizeof(struct rseqdev_query)) ?: do_query(arg);
	case RSEQDEV_IOC_STATS:
		return check_size(arg, sizeof(struct rseqdev_stats)) ?: do_stats(arg);
	case RSEQDEV_IOC_REGISTER:
		return check_size(arg, sizeof(struct rseqdev_register)) ?: do_register(arg);
	case RSEQDEV_IOC_FENCE:
		return check_size(arg, sizeof(struct rseqdev_fence)) ?: do_fence(arg);
	case RSEQDEV_IOC_THREADS:
		return check_size(arg, sizeof(struct rseqdev_threads)) ?: do_threads(arg);
	case RSEQDEV_IOC_CPU_OPV:
		return check_size(arg, sizeof(struct rseqdev_cpu_opv)) ?: do_cpu_opv(arg);
	case RSEQDEV_IOC_SLICE_PRCTL:
		return check_size(arg, sizeof(struct rseqdev_slice_prctl));
	case RSEQDEV_IOC_SLICE_YIELD:
		return 0;
	default:
		return -ENOTTY;
	}
}

int __wrap_ioctl(int fd, unsigned long cmd, ...)
{
	va_list ap;
	void *arg;
	int ret;

	va_start(ap, cmd);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (_IOC_TYPE(cmd) != RSEQDEV_IOC_MAGIC)
		return __real_ioctl(fd, cmd, arg);
	fake.calls++;
	memset(&fake.last, 0, sizeof(fake.last));
	fake.last.cmd = cmd;
	ret = dispatch(cmd, arg);
	if (ret < 0) {
		errno = -ret;
		return -1;
	}
	return ret;
}
