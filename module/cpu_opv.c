// SPDX-License-Identifier: GPL-2.0-only
/*
 * cpu_opv: run a short vector of operations on one CPU as a single step.
 *
 * The vector is copied and checked, its operands are pinned, and it runs
 * with preemption off on the target CPU, in a high-priority kworker bound
 * to that CPU. Getting there preempts whatever ran on the CPU, and every
 * registered thread's critical section aborts when it is switched out, so
 * no critical section of that CPU's data can straddle the vector, and two
 * vectors for one CPU cannot overlap. The caller's affinity and signal
 * state are never touched.
 *
 * A possible but offline CPU runs no critical section; its vectors run on
 * the calling CPU, serialized by a mutex, while the CPU hotplug lock keeps
 * it offline.
 *
 * With RSEQDEV_CPU_OPV_MM_CID the vector targets a concurrency id instead:
 * it runs on the calling CPU with preemption off while the caller holds
 * that id, so no other thread of the process can hold it, and no critical
 * section indexed by it can be in progress.
 *
 * The limits (16 operations, 4216 bytes in all) bound the time spent with
 * preemption off: at most one page copied and fifteen word operations.
 */
#include <linux/cpu.h>
#include <linux/cpumask.h>
#include <linux/mutex.h>
#include <linux/sched/clock.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/workqueue.h>

#include "cpu_opv.h"
#include "internal.h"

static DEFINE_MUTEX(offline_cpu_lock);

static bool opv_is_arithmetic(s32 op)
{
	return op >= RSEQDEV_CPU_OP_ADD && op <= RSEQDEV_CPU_OP_RSHIFT;
}

/* A form's pad, or MB's reserved (__u8 arrays), is room to grow: all zero. */
#define opv_pad_zero(pad)	(!memchr_inv((pad), 0, ARRAY_SIZE(pad)))

static bool opv_expect_fault_ok(u8 expect_fault)
{
	return expect_fault <= 1;
}

static int opv_check_compare(const struct rseqdev_cpu_op *op)
{
	return opv_expect_fault_ok(op->u.compare.expect_fault_a) &&
	       opv_expect_fault_ok(op->u.compare.expect_fault_b) &&
	       opv_pad_zero(op->u.compare.pad) ? 0 : -EINVAL;
}

static int opv_check_copy(const struct rseqdev_cpu_op *op)
{
	return opv_expect_fault_ok(op->u.memcpy.expect_fault_dst) &&
	       opv_expect_fault_ok(op->u.memcpy.expect_fault_src) &&
	       opv_pad_zero(op->u.memcpy.pad) ? 0 : -EINVAL;
}

static int opv_check_compare_or_copy(const struct rseqdev_cpu_op *op)
{
	if (!op->len || op->len > RSEQDEV_CPU_OPV_MAX_OP_LEN)
		return -EINVAL;
	if (op->op == RSEQDEV_CPU_OP_MEMCPY || op->op == RSEQDEV_CPU_OP_MEMCPY_RELEASE)
		return opv_check_copy(op);
	return opv_check_compare(op);
}

/* The expect_fault_p of an arithmetic, bitwise or shift operation's form. */
static u8 opv_word_expect_fault(const struct rseqdev_cpu_op *op)
{
	switch (op->op) {
	case RSEQDEV_CPU_OP_ADD:
	case RSEQDEV_CPU_OP_ADD_RELEASE:
		return op->u.arithmetic.expect_fault_p;
	case RSEQDEV_CPU_OP_OR:
	case RSEQDEV_CPU_OP_AND:
	case RSEQDEV_CPU_OP_XOR:
		return op->u.bitwise.expect_fault_p;
	default:	/* RSEQDEV_CPU_OP_LSHIFT, RSEQDEV_CPU_OP_RSHIFT */
		return op->u.shift.expect_fault_p;
	}
}

static int opv_check_arithmetic(const struct rseqdev_cpu_op *op)
{
	if (op->len != 1 && op->len != 2 && op->len != 4 && op->len != 8)
		return -EINVAL;
	/* p sits at the same offset in every form. */
	if (!IS_ALIGNED(op->u.arithmetic.p, op->len) ||
	    !opv_expect_fault_ok(opv_word_expect_fault(op)))
		return -EINVAL;
	switch (op->op) {
	case RSEQDEV_CPU_OP_ADD:
	case RSEQDEV_CPU_OP_ADD_RELEASE:
		return opv_pad_zero(op->u.arithmetic.pad) ? 0 : -EINVAL;
	case RSEQDEV_CPU_OP_OR:
	case RSEQDEV_CPU_OP_AND:
	case RSEQDEV_CPU_OP_XOR:
		return opv_pad_zero(op->u.bitwise.pad) ? 0 : -EINVAL;
	default:	/* RSEQDEV_CPU_OP_LSHIFT, RSEQDEV_CPU_OP_RSHIFT */
		return op->u.shift.bits < op->len * 8 &&
		       opv_pad_zero(op->u.shift.pad) ? 0 : -EINVAL;
	}
}

/* Checks one operation and sets up its operands. */
static int opv_prepare(struct rseqdev_opv_op *o)
{
	const struct rseqdev_cpu_op *op = &o->op;
	int ret;

	if (op->op < 0 || op->op >= RSEQDEV_NR_CPU_OPS)
		return -EINVAL;
	if (op->op == RSEQDEV_CPU_OP_MB)
		return !op->len && opv_pad_zero(op->u.reserved) ? 0 : -EINVAL;
	if (opv_is_arithmetic(op->op)) {
		ret = opv_check_arithmetic(op);
		o->operand[0] = (struct rseqdev_opv_operand) {
			.uaddr = op->u.arithmetic.p, .len = op->len, .write = true,
			.expect_fault = opv_word_expect_fault(op),
		};
		return ret;
	}
	ret = opv_check_compare_or_copy(op);
	/* compare: a, b read; memcpy: dst written, src read. */
	o->operand[0] = (struct rseqdev_opv_operand) {
		.uaddr = op->u.compare.a, .len = op->len,
		.write = op->op == RSEQDEV_CPU_OP_MEMCPY ||
			 op->op == RSEQDEV_CPU_OP_MEMCPY_RELEASE,
		.expect_fault = op->u.compare.expect_fault_a,
	};
	o->operand[1] = (struct rseqdev_opv_operand) {
		.uaddr = op->u.compare.b, .len = op->len,
		.expect_fault = op->u.compare.expect_fault_b,
	};
	return ret;
}

static int opv_prepare_all(struct rseqdev_opv_op *ops, u32 nr)
{
	u32 i, total = 0;
	int ret;

	for (i = 0; i < nr; i++) {
		ret = opv_prepare(&ops[i]);
		if (ret)
			return ret;
		total += ops[i].op.len;
	}
	return total > RSEQDEV_CPU_OPV_MAX_TOTAL_LEN ? -EINVAL : 0;
}

static void opv_unpin_all(struct rseqdev_opv_op *ops, u32 nr)
{
	u32 i;

	for (i = 0; i < nr; i++) {
		rseqdev_opv_operand_unpin(&ops[i].operand[0]);
		rseqdev_opv_operand_unpin(&ops[i].operand[1]);
	}
}

/* Pins every operand before anything runs: a fault changes nothing. */
static int opv_pin_all(struct rseqdev_opv_op *ops, u32 nr)
{
	u32 i, j;
	int ret;

	for (i = 0; i < nr; i++) {
		for (j = 0; j < 2; j++) {
			ret = rseqdev_opv_operand_pin(&ops[i].operand[j]);
			if (ret) {
				opv_unpin_all(ops, nr);
				return ret;
			}
		}
	}
	return 0;
}

/* Called with preemption off: the vector, timed for RSEQDEV_IOC_STATS. */
static int opv_run_timed(struct rseqdev_opv_op *ops, u32 nr)
{
	u64 start = local_clock();
	int ret = rseqdev_opv_run(ops, nr);

	rseqdev_note_preempt_off(local_clock() - start);
	rseqdev_count_event(RSEQDEV_EV_CPU_OPV);
	return ret;
}

/* The vector as one step on this CPU. */
static int opv_run_here(struct rseqdev_opv_op *ops, u32 nr)
{
	int ret;

	preempt_disable();
	ret = opv_run_timed(ops, nr);
	preempt_enable();
	return ret;
}

/* The vector as one step of the holder of concurrency id @cid. */
static int opv_run_as_cid(int cid, struct rseqdev_opv_op *ops, u32 nr)
{
	int ret;

	preempt_disable();
	ret = rseqdev_thread_hold_cid(cid);
	if (!ret)
		ret = opv_run_timed(ops, nr);
	preempt_enable();
	return ret;
}

struct rseqdev_opv_work {
	struct work_struct work;
	struct rseqdev_opv_op *ops;
	u32 nr;
	int ret;
};

static void opv_work_fn(struct work_struct *work)
{
	struct rseqdev_opv_work *w = container_of(work, struct rseqdev_opv_work, work);

	w->ret = opv_run_here(w->ops, w->nr);
}

/* Called with the CPU hotplug lock held, so @cpu stays as it is. */
static int opv_run_on(int cpu, struct rseqdev_opv_op *ops, u32 nr)
{
	struct rseqdev_opv_work w = { .ops = ops, .nr = nr };
	int ret;

	if (!cpu_online(cpu)) {
		mutex_lock(&offline_cpu_lock);
		ret = opv_run_here(ops, nr);
		mutex_unlock(&offline_cpu_lock);
		return ret;
	}
	INIT_WORK_ONSTACK(&w.work, opv_work_fn);
	queue_work_on(cpu, system_highpri_wq, &w.work);
	flush_work(&w.work);
	destroy_work_on_stack(&w.work);
	return w.ret;
}

static struct rseqdev_opv_op *opv_alloc(u32 nr)
{
	if (rseqdev_selftest_fails_alloc(RSEQDEV_ALLOC_OPV))
		return NULL;
	return kcalloc(nr, sizeof(struct rseqdev_opv_op), GFP_KERNEL);
}

/**
 * rseqdev_cpu_opv_run() - the cpu_opv ioctl, once its struct is read
 * @req: the request
 *
 * Return: 0, the 1-based index of the failed compare, or a negative errno.
 */
long rseqdev_cpu_opv_run(const struct rseqdev_cpu_opv *req)
{
	struct rseqdev_opv_op *ops;
	u32 i;
	int ret;

	bool by_cid = req->flags & RSEQDEV_CPU_OPV_MM_CID;

	if (req->flags & ~RSEQDEV_CPU_OPV_MM_CID)
		return -EINVAL;
	if (!req->nr_ops || req->nr_ops > RSEQDEV_CPU_OPV_MAX_OPS)
		return -EINVAL;
	/* Concurrency ids stay below nr_cpu_ids too. */
	if (req->cpu < 0 || req->cpu >= nr_cpu_ids ||
	    (!by_cid && !cpu_possible(req->cpu)))
		return -EINVAL;

	ops = opv_alloc(req->nr_ops);
	if (!ops)
		return -ENOMEM;
	for (i = 0; i < req->nr_ops; i++) {
		if (copy_from_user(&ops[i].op, u64_to_user_ptr(req->ops) +
				   i * sizeof(struct rseqdev_cpu_op),
				   sizeof(struct rseqdev_cpu_op))) {
			ret = -EFAULT;
			goto out;
		}
	}
	ret = opv_prepare_all(ops, req->nr_ops);
	if (ret)
		goto out;
	ret = opv_pin_all(ops, req->nr_ops);
	if (ret)
		goto out;

	if (by_cid) {
		ret = opv_run_as_cid(req->cpu, ops, req->nr_ops);
	} else {
		cpus_read_lock();
		ret = opv_run_on(req->cpu, ops, req->nr_ops);
		cpus_read_unlock();
	}
	opv_unpin_all(ops, req->nr_ops);
out:
	kfree(ops);
	return ret;
}
