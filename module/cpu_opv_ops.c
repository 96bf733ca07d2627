// SPDX-License-Identifier: GPL-2.0-only
/*
 * The operations of a cpu_opv vector, on pinned user pages.
 *
 * Every operand is pinned before the vector runs (pinning may fault and
 * sleep); the vector then runs with preemption off and touches the pages
 * only through the kernel's direct mapping, which cannot fault. An operand
 * of at most RSEQDEV_CPU_OPV_MAX_OP_LEN bytes spans at most two pages, so
 * byte ranges are walked page by page; aligned 1, 2, 4 and 8-byte operands
 * never cross a page and are accessed with single loads and stores.
 */
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/string.h>

#include "cpu_opv.h"

/* Pins the pages of @o; EFAULT, or EAGAIN when the caller expects faults. */
int rseqdev_opv_operand_pin(struct rseqdev_opv_operand *o)
{
	unsigned long first = o->uaddr & PAGE_MASK;
	unsigned long last = (o->uaddr + o->len - 1) & PAGE_MASK;
	int nr = (last - first) / PAGE_SIZE + 1;
	int pinned;

	if (!o->len)
		return 0;
	pinned = pin_user_pages_fast(first, nr, o->write ? FOLL_WRITE : 0,
				     o->pages);
	if (pinned == nr) {
		o->nr_pages = nr;
		return 0;
	}
	if (pinned > 0)
		unpin_user_pages(o->pages, pinned);
	return o->expect_fault ? -EAGAIN : -EFAULT;
}

void rseqdev_opv_operand_unpin(struct rseqdev_opv_operand *o)
{
	if (!o->nr_pages)
		return;
	if (o->write)
		unpin_user_pages_dirty_lock(o->pages, o->nr_pages, true);
	else
		unpin_user_pages(o->pages, o->nr_pages);
	o->nr_pages = 0;
}

/* Kernel address of byte @offset of @o, and how many bytes follow it on its page. */
static void *opv_kaddr(const struct rseqdev_opv_operand *o, u32 offset, u32 *room)
{
	unsigned long pos = offset_in_page(o->uaddr) + offset;

	*room = PAGE_SIZE - offset_in_page(pos);
	/* x86-64 has no highmem: every page is in the direct map. */
	return page_address(o->pages[pos >> PAGE_SHIFT]) + offset_in_page(pos);
}

static bool opv_single_access(const struct rseqdev_opv_operand *o)
{
	return (o->len == 1 || o->len == 2 || o->len == 4 || o->len == 8) &&
	       IS_ALIGNED(o->uaddr, o->len);
}

static u64 opv_load(const struct rseqdev_opv_operand *o)
{
	u32 room;
	void *p = opv_kaddr(o, 0, &room);

	switch (o->len) {
	case 1:
		return READ_ONCE(*(u8 *)p);
	case 2:
		return READ_ONCE(*(u16 *)p);
	case 4:
		return READ_ONCE(*(u32 *)p);
	default:
		return READ_ONCE(*(u64 *)p);
	}
}

/* A release store orders every earlier operation of the vector before it. */
static void opv_store(const struct rseqdev_opv_operand *o, u64 v, bool release)
{
	u32 room;
	void *p = opv_kaddr(o, 0, &room);

	if (release)
		smp_mb();	/* earlier operations are visible before this store */
	switch (o->len) {
	case 1:
		WRITE_ONCE(*(u8 *)p, v);
		break;
	case 2:
		WRITE_ONCE(*(u16 *)p, v);
		break;
	case 4:
		WRITE_ONCE(*(u32 *)p, v);
		break;
	default:
		WRITE_ONCE(*(u64 *)p, v);
		break;
	}
}

/*
 * Walks two operands of the same length in chunks that cross no page of
 * either. @fn returns non-zero to stop; the walk returns that value.
 */
static int opv_walk_pair(const struct rseqdev_opv_operand *x, const struct rseqdev_opv_operand *y,
			 int (*fn)(void *xp, void *yp, u32 n))
{
	u32 done = 0, room_x, room_y, n;
	void *xp, *yp;
	int ret;

	while (done < x->len) {
		xp = opv_kaddr(x, done, &room_x);
		yp = opv_kaddr(y, done, &room_y);
		n = min3(room_x, room_y, x->len - done);
		ret = fn(xp, yp, n);
		if (ret)
			return ret;
		done += n;
	}
	return 0;
}

static int opv_chunk_differs(void *a, void *b, u32 n)
{
	return memcmp(a, b, n) != 0;
}

static int opv_chunk_copy(void *dst, void *src, u32 n)
{
	memmove(dst, src, n);
	return 0;
}

static bool opv_equal(const struct rseqdev_opv_operand *a, const struct rseqdev_opv_operand *b)
{
	if (opv_single_access(a) && opv_single_access(b))
		return opv_load(a) == opv_load(b);
	return !opv_walk_pair(a, b, opv_chunk_differs);
}

static void opv_copy(const struct rseqdev_opv_operand *dst, const struct rseqdev_opv_operand *src,
		     bool release)
{
	if (opv_single_access(dst) && opv_single_access(src)) {
		opv_store(dst, opv_load(src), release);
		return;
	}
	if (release)
		smp_mb();	/* earlier operations are visible before the copy */
	opv_walk_pair(dst, src, opv_chunk_copy);
}

/* Width-truncated result of one arithmetic, bitwise or shift operation. */
static u64 opv_compute(const struct rseqdev_cpu_op *op, u64 v)
{
	switch (op->op) {
	case RSEQDEV_CPU_OP_ADD:
	case RSEQDEV_CPU_OP_ADD_RELEASE:
		return v + (u64)op->u.arithmetic.count;
	case RSEQDEV_CPU_OP_OR:
		return v | op->u.bitwise.mask;
	case RSEQDEV_CPU_OP_AND:
		return v & op->u.bitwise.mask;
	case RSEQDEV_CPU_OP_XOR:
		return v ^ op->u.bitwise.mask;
	case RSEQDEV_CPU_OP_LSHIFT:
		return v << op->u.shift.bits;
	default:	/* RSEQDEV_CPU_OP_RSHIFT: operands are zero-extended */
		return v >> op->u.shift.bits;
	}
}

/**
 * rseqdev_opv_run() - run a validated, pinned vector; preemption must be off
 * @ops:	the operations and their pinned operands
 * @nr:		how many
 *
 * Return: 0 when all ran, else the 1-based index of the compare that failed.
 */
int rseqdev_opv_run(struct rseqdev_opv_op *ops, u32 nr)
{
	const struct rseqdev_cpu_op *op;
	u32 i;

	for (i = 0; i < nr; i++) {
		op = &ops[i].op;
		switch (op->op) {
		case RSEQDEV_CPU_OP_COMPARE_EQ:
			if (!opv_equal(&ops[i].operand[0], &ops[i].operand[1]))
				return i + 1;
			break;
		case RSEQDEV_CPU_OP_COMPARE_NE:
			if (opv_equal(&ops[i].operand[0], &ops[i].operand[1]))
				return i + 1;
			break;
		case RSEQDEV_CPU_OP_MEMCPY:
		case RSEQDEV_CPU_OP_MEMCPY_RELEASE:
			opv_copy(&ops[i].operand[0], &ops[i].operand[1],
				 op->op == RSEQDEV_CPU_OP_MEMCPY_RELEASE);
			break;
		case RSEQDEV_CPU_OP_MB:
			smp_mb();	/* the operation itself: a full barrier */
			break;
		default:
			opv_store(&ops[i].operand[0],
				  opv_compute(op, opv_load(&ops[i].operand[0])),
				  op->op == RSEQDEV_CPU_OP_ADD_RELEASE);
			break;
		}
	}
	return 0;
}
