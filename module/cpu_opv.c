// SPDX-License-Identifier: GPL-2.0-only
/*
 * cpu_opv: run a short vector of operations on one CPU as a single step.
 *
 * The vector is copied and checked, its operands are pinned, and it runs
 * on the target CPU as one step, in one of three ways:
 *
 *  - right in the caller, with preemption off, when it runs there already:
 *    every other task of the CPU stays switched out meanwhile;
 *  - a small vector for another CPU, in an interrupt of that CPU (a
 *    function call IPI): the task it interrupts is marked as a preemption
 *    marks it, whether it registered with the module or with the kernel,
 *    so its critical section aborts before its next user instruction;
 *  - any other, in a high-priority kworker bound to that CPU, with
 *    preemption off: every other task of the CPU is switched out.
 *
 * Either way no critical section of that CPU's data straddles the vector.
 * Two vectors for one CPU cannot overlap: the interrupt does not run its
 * vector while one runs in task context on that CPU (it hands it to the
 * kworker). The caller's affinity and signal state are never touched.
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
 * Interrupts stay off only for a small vector (OPV_INTERRUPT_MAX_*).
 */
#include <linux/cpu.h>
#include <linux/cpumask.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/sched/clock.h>
#include <linux/smp.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/workqueue.h>

#include "cpu_opv.h"
#include "internal.h"
#include "rseqdev_trace.h"

static DEFINE_MUTEX(offline_cpu_lock);

/* A vector runs in task context on this CPU: no other may interrupt it. */
static DEFINE_PER_CPU(bool, opv_in_task);

/*
 * A vector runs in an interrupt of another CPU only when short: these
 * bound the time that CPU spends with interrupts off (a few hundred
 * instructions).
 */
#define OPV_INTERRUPT_MAX_OPS	4
#define OPV_INTERRUPT_MAX_BYTES	256

static bool opv_len_ok(u8 width, u32 len)
{
	switch (width) {
	case RSEQDEV_CPU_OP_WIDTH_NONE:
		return len == 0;
	case RSEQDEV_CPU_OP_WIDTH_BYTES:
		return len && len <= RSEQDEV_CPU_OPV_MAX_OP_LEN;
	default:
		return len == 1 || len == 2 || len == 4 || len == 8;
	}
}

/* A form's pad, or MB's reserved bytes, is room to grow: all zero. */
static bool opv_pad_zero(const struct rseqdev_cpu_op *op,
			 const struct rseqdev_opv_form *form)
{
	return !memchr_inv((const u8 *)op + form->pad, 0, form->pad_len);
}

/* The rules of @op's fields: its width, its form's pad and own rule. */
static bool opv_fields_ok(const struct rseqdev_opv_kind *kind,
			  const struct rseqdev_cpu_op *op)
{
	const struct rseqdev_opv_form *form = kind->form;

	return opv_len_ok(kind->width, op->len) && opv_pad_zero(op, form) &&
	       (!form->valid || form->valid(op));
}

/* Operand @i of @op as its form places it, unpinned. */
static int opv_describe_operand(const struct rseqdev_opv_op *o,
				const struct rseqdev_opv_kind *kind, int i,
				struct rseqdev_opv_operand *operand)
{
	const u8 *raw = (const u8 *)&o->op;
	u8 expect_fault = raw[kind->form->expect_fault[i]];
	u64 uaddr;

	if (expect_fault > 1)
		return -EINVAL;
	memcpy(&uaddr, raw + kind->form->addr[i], sizeof(uaddr));
	*operand = (struct rseqdev_opv_operand) {
		.uaddr = uaddr, .len = o->op.len,
		.write = i == 0 && kind->writes,
		.expect_fault = expect_fault,
	};
	return 0;
}

/* Checks one operation against its row and sets up its operands. */
static int opv_prepare(struct rseqdev_opv_op *o)
{
	const struct rseqdev_cpu_op *op = &o->op;
	const struct rseqdev_opv_kind *kind = rseqdev_opv_kind(op->op);
	int i, ret;

	if (!kind || !opv_fields_ok(kind, op))
		return -EINVAL;
	for (i = 0; i < kind->form->nr_operands; i++) {
		ret = opv_describe_operand(o, kind, i, &o->operand[i]);
		if (ret)
			return ret;
	}
	/* Word operations are single accesses: they never cross a page. */
	if (kind->width == RSEQDEV_CPU_OP_WIDTH_WORD &&
	    !IS_ALIGNED(o->operand[0].uaddr, op->len))
		return -EINVAL;
	return 0;
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

/* Operand @k of the vector, two per operation. */
static struct rseqdev_opv_operand *opv_operand(struct rseqdev_opv_op *ops, u32 k)
{
	return &ops[k / 2].operand[k % 2];
}

static void opv_unpin_all(struct rseqdev_opv_op *ops, u32 nr)
{
	u32 k;

	for (k = 0; k < 2 * nr; k++)
		rseqdev_opv_operand_unpin(opv_operand(ops, k));
}

/* Operand @k's pages from another operand's pins, if one has them. */
static bool opv_share_pins(struct rseqdev_opv_op *ops, u32 nr, u32 k)
{
	u32 i;

	for (i = 0; i < 2 * nr; i++) {
		if (i != k &&
		    rseqdev_opv_operand_borrow(opv_operand(ops, k), opv_operand(ops, i)))
			return true;
	}
	return false;
}

/*
 * Pins every operand before anything runs: a fault changes nothing. The
 * operands of a vector mostly lie on one or two pages: each page range is
 * pinned once, by its first writer, else by its first reader.
 */
static int opv_pin_all(struct rseqdev_opv_op *ops, u32 nr)
{
	struct rseqdev_opv_operand *o;
	u32 k, pass;
	int ret;

	for (pass = 0; pass < 2; pass++) {
		for (k = 0; k < 2 * nr; k++) {
			o = opv_operand(ops, k);
			if (o->write != (pass == 0) || opv_share_pins(ops, nr, k))
				continue;
			ret = rseqdev_opv_operand_pin(o);
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

/* Called with preemption off: the vector in task context on this CPU. */
static int opv_run_in_task(struct rseqdev_opv_op *ops, u32 nr)
{
	int ret;

	__this_cpu_write(opv_in_task, true);
	barrier();	/* the flag before the vector, for this CPU's interrupts */
	ret = opv_run_timed(ops, nr);
	barrier();
	__this_cpu_write(opv_in_task, false);
	return ret;
}

/* The vector as one step on this CPU. */
static int opv_run_here(struct rseqdev_opv_op *ops, u32 nr)
{
	int ret;

	preempt_disable();
	ret = opv_run_in_task(ops, nr);
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

/*
 * The caller runs on @cpu: the vector runs right here. Preemption off
 * keeps the CPU online and every other task of it switched out, as the
 * kworker's arrival would have. Return: false when the caller is
 * elsewhere.
 */
static bool opv_run_if_here(int cpu, struct rseqdev_opv_op *ops, u32 nr, int *ret)
{
	bool here;

	preempt_disable();
	here = smp_processor_id() == cpu;
	if (here)
		*ret = opv_run_in_task(ops, nr);
	preempt_enable();
	return here;
}

struct rseqdev_opv_call {
	struct rseqdev_opv_op *ops;
	u32 nr;
	bool ran;
	int ret;
};

/* Hard interrupt context, on the target CPU. */
static void opv_interrupt_fn(void *info)
{
	struct rseqdev_opv_call *call = info;

	/* This CPU was interrupted in the middle of a vector of its own. */
	if (__this_cpu_read(opv_in_task))
		return;
	call->ret = opv_run_timed(call->ops, call->nr);
	call->ran = true;
	rseqdev_thread_opv_hit();
}

static bool opv_fits_interrupt(const struct rseqdev_opv_op *ops, u32 nr)
{
	u32 i, bytes = 0;

	if (nr > OPV_INTERRUPT_MAX_OPS)
		return false;
	for (i = 0; i < nr; i++)
		bytes += ops[i].op.len;
	return bytes <= OPV_INTERRUPT_MAX_BYTES;
}

/*
 * A small vector in an interrupt of @cpu. Return: false when it did not
 * run there (@cpu offline, or busy with a vector in task context).
 */
static bool opv_run_by_interrupt(int cpu, struct rseqdev_opv_op *ops, u32 nr,
				 int *ret)
{
	struct rseqdev_opv_call call = { .ops = ops, .nr = nr };

	if (!opv_fits_interrupt(ops, nr))
		return false;
	if (smp_call_function_single(cpu, opv_interrupt_fn, &call, true)) {
		trace_rseqdev_fallback(RSEQDEV_FALLBACK_OPV_IPI_REFUSED, cpu, nr);
		return false;
	}
	if (!call.ran) {
		trace_rseqdev_fallback(RSEQDEV_FALLBACK_OPV_CPU_BUSY, cpu, nr);
		return false;
	}
	*ret = call.ret;
	return true;
}

/*
 * Called with the CPU hotplug lock held, so @cpu stays as it is. @route:
 * set to the way it took.
 */
static int opv_run_on(int cpu, struct rseqdev_opv_op *ops, u32 nr,
		      enum rseqdev_opv_route *route)
{
	struct rseqdev_opv_work w = { .ops = ops, .nr = nr };
	int ret;

	if (!cpu_online(cpu)) {
		*route = RSEQDEV_OPV_ROUTE_OFFLINE;
		mutex_lock(&offline_cpu_lock);
		ret = opv_run_here(ops, nr);
		mutex_unlock(&offline_cpu_lock);
		return ret;
	}
	*route = RSEQDEV_OPV_ROUTE_KWORKER;
	INIT_WORK_ONSTACK(&w.work, opv_work_fn);
	queue_work_on(cpu, system_highpri_wq, &w.work);
	flush_work(&w.work);
	destroy_work_on_stack(&w.work);
	return w.ret;
}

/*
 * Most vectors are a compare and a store or two: up to this many
 * operations are kept on the stack (about 450 bytes), longer ones in an
 * allocation.
 */
#define OPV_OPS_ON_STACK	4

static struct rseqdev_opv_op *opv_alloc(u32 nr, struct rseqdev_opv_op *on_stack)
{
	if (nr <= OPV_OPS_ON_STACK) {
		memset(on_stack, 0, nr * sizeof(*on_stack));
		return on_stack;
	}
	if (rseqdev_selftest_fails_alloc(RSEQDEV_ALLOC_OPV))
		return NULL;
	return kcalloc(nr, sizeof(struct rseqdev_opv_op), GFP_KERNEL);
}

static void opv_free(struct rseqdev_opv_op *ops, struct rseqdev_opv_op *on_stack)
{
	if (ops != on_stack)
		kfree(ops);
}

/*
 * A checked and pinned vector, run on @cpu (or as concurrency id @cpu)
 * the first way that works; @route: set to that way.
 */
static int opv_dispatch(int cpu, bool by_cid, struct rseqdev_opv_op *ops, u32 nr,
			enum rseqdev_opv_route *route)
{
	int ret;

	if (by_cid) {
		*route = RSEQDEV_OPV_ROUTE_MM_CID;
		return opv_run_as_cid(cpu, ops, nr);
	}
	*route = RSEQDEV_OPV_ROUTE_HERE;
	if (opv_run_if_here(cpu, ops, nr, &ret))
		return ret;
	*route = RSEQDEV_OPV_ROUTE_IPI;
	if (opv_run_by_interrupt(cpu, ops, nr, &ret))
		return ret;
	cpus_read_lock();
	ret = opv_run_on(cpu, ops, nr, route);
	cpus_read_unlock();
	return ret;
}

/* The copied, checked, pinned and run vector of a valid request. */
static int opv_copy_and_run(const struct rseqdev_cpu_opv *req, bool by_cid,
			    struct rseqdev_opv_op *ops,
			    enum rseqdev_opv_route *route)
{
	u32 i;
	int ret;

	for (i = 0; i < req->nr_ops; i++) {
		if (copy_from_user(&ops[i].op, u64_to_user_ptr(req->ops) +
				   i * sizeof(struct rseqdev_cpu_op),
				   sizeof(struct rseqdev_cpu_op)))
			return -EFAULT;
	}
	ret = opv_prepare_all(ops, req->nr_ops);
	if (ret)
		return ret;
	ret = opv_pin_all(ops, req->nr_ops);
	if (ret)
		return ret;
	ret = opv_dispatch(req->cpu, by_cid, ops, req->nr_ops, route);
	opv_unpin_all(ops, req->nr_ops);
	return ret;
}

/* The request's fields, before anything is copied. */
static int opv_check_request(const struct rseqdev_cpu_opv *req, bool by_cid)
{
	if (req->flags & ~RSEQDEV_CPU_OPV_MM_CID)
		return -EINVAL;
	if (!req->nr_ops || req->nr_ops > RSEQDEV_CPU_OPV_MAX_OPS)
		return -EINVAL;
	/* Concurrency ids stay below nr_cpu_ids too. */
	if (req->cpu < 0 || req->cpu >= nr_cpu_ids ||
	    (!by_cid && !cpu_possible(req->cpu)))
		return -EINVAL;
	return 0;
}

/**
 * rseqdev_cpu_opv_run() - the cpu_opv ioctl, once its struct is read
 * @req: the request
 *
 * Return: 0, the 1-based index of the failed compare, or a negative errno.
 */
long rseqdev_cpu_opv_run(const struct rseqdev_cpu_opv *req)
{
	struct rseqdev_opv_op on_stack[OPV_OPS_ON_STACK], *ops;
	enum rseqdev_opv_route route = RSEQDEV_OPV_ROUTE_NONE;
	bool by_cid = req->flags & RSEQDEV_CPU_OPV_MM_CID;
	int ret;

	ret = opv_check_request(req, by_cid);
	if (!ret) {
		ops = opv_alloc(req->nr_ops, on_stack);
		ret = ops ? opv_copy_and_run(req, by_cid, ops, &route) : -ENOMEM;
		opv_free(ops, on_stack);
	}
	trace_rseqdev_cpu_opv(req->cpu, req->nr_ops, req->flags, route, ret);
	return ret;
}
