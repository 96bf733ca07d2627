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

static unsigned long opv_first_page(const struct rseqdev_opv_operand *o)
{
	return o->uaddr & PAGE_MASK;
}

static int opv_nr_pages(const struct rseqdev_opv_operand *o)
{
	unsigned long last = (o->uaddr + o->len - 1) & PAGE_MASK;

	return (last - opv_first_page(o)) / PAGE_SIZE + 1;
}

/**
 * rseqdev_opv_operand_borrow() - let @o use the pins of @from
 * @o:		an operand not pinned yet
 * @from:	a pinned operand of the same vector
 *
 * Possible when @from holds the same pages, pinned for writing if @o
 * writes. The pins stay @from's: they last until it is unpinned.
 *
 * Return: whether @o now has its pages.
 */
bool rseqdev_opv_operand_borrow(struct rseqdev_opv_operand *o,
				const struct rseqdev_opv_operand *from)
{
	if (!o->len || !from->nr_pages || (o->write && !from->write) ||
	    opv_first_page(o) != opv_first_page(from) ||
	    opv_nr_pages(o) != from->nr_pages)
		return false;
	memcpy(o->pages, from->pages, sizeof(o->pages));
	o->nr_pages = from->nr_pages;
	o->borrowed = true;
	return true;
}

/* Pins the pages of @o; EFAULT, or EAGAIN when the caller expects faults. */
int rseqdev_opv_operand_pin(struct rseqdev_opv_operand *o)
{
	int nr, pinned;

	if (!o->len)
		return 0;
	nr = opv_nr_pages(o);
	pinned = pin_user_pages_fast(opv_first_page(o), nr,
				     o->write ? FOLL_WRITE : 0, o->pages);
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
	if (o->borrowed)
		o->borrowed = false;
	else if (o->write)
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
	/* 64-bit kernels have no highmem: every page is in the direct map. */
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

static void opv_store(const struct rseqdev_opv_operand *o, u64 v)
{
	u32 room;
	void *p = opv_kaddr(o, 0, &room);

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

static bool opv_run_compare_eq(const struct rseqdev_opv_kind *kind,
			       const struct rseqdev_opv_op *o)
{
	return opv_equal(&o->operand[0], &o->operand[1]);
}

static bool opv_run_compare_ne(const struct rseqdev_opv_kind *kind,
			       const struct rseqdev_opv_op *o)
{
	return !opv_equal(&o->operand[0], &o->operand[1]);
}

static bool opv_run_copy(const struct rseqdev_opv_kind *kind,
			 const struct rseqdev_opv_op *o)
{
	const struct rseqdev_opv_operand *dst = &o->operand[0];
	const struct rseqdev_opv_operand *src = &o->operand[1];

	if (opv_single_access(dst) && opv_single_access(src))
		opv_store(dst, opv_load(src));
	else
		opv_walk_pair(dst, src, opv_chunk_copy);
	return true;
}

/* Arithmetic, bitwise and shifts: one load, one store of the new value. */
static bool opv_run_word(const struct rseqdev_opv_kind *kind,
			 const struct rseqdev_opv_op *o)
{
	const struct rseqdev_opv_operand *p = &o->operand[0];

	opv_store(p, kind->compute(&o->op, opv_load(p)));
	return true;
}

static bool opv_run_mb(const struct rseqdev_opv_kind *kind,
		       const struct rseqdev_opv_op *o)
{
	smp_mb();	/* the operation itself: a full barrier */
	return true;
}

/* New values, before the store truncates them to the operand's width. */
static u64 opv_add(const struct rseqdev_cpu_op *op, u64 v)
{
	return v + (u64)op->u.arithmetic.count;
}

static u64 opv_bit_or(const struct rseqdev_cpu_op *op, u64 v)
{
	return v | op->u.bitwise.mask;
}

static u64 opv_bit_and(const struct rseqdev_cpu_op *op, u64 v)
{
	return v & op->u.bitwise.mask;
}

static u64 opv_bit_xor(const struct rseqdev_cpu_op *op, u64 v)
{
	return v ^ op->u.bitwise.mask;
}

static u64 opv_lshift(const struct rseqdev_cpu_op *op, u64 v)
{
	return v << op->u.shift.bits;
}

/* Operands are zero-extended: a logical shift. */
static u64 opv_rshift(const struct rseqdev_cpu_op *op, u64 v)
{
	return v >> op->u.shift.bits;
}

static bool opv_shift_in_width(const struct rseqdev_cpu_op *op)
{
	return op->u.shift.bits < op->len * 8;
}

#define OPV_AT(field)	offsetof(struct rseqdev_cpu_op, u.field)
#define OPV_PAD(field)	.pad = OPV_AT(field), \
			.pad_len = sizeof_field(struct rseqdev_cpu_op, u.field)

static const struct rseqdev_opv_form opv_form_compare = {
	.nr_operands = RSEQDEV_CPU_OP_OPERANDS_compare,
	.addr = { OPV_AT(compare.a), OPV_AT(compare.b) },
	.expect_fault = { OPV_AT(compare.expect_fault_a), OPV_AT(compare.expect_fault_b) },
	OPV_PAD(compare.pad),
};

static const struct rseqdev_opv_form opv_form_memcpy = {
	.nr_operands = RSEQDEV_CPU_OP_OPERANDS_memcpy,
	.addr = { OPV_AT(memcpy.dst), OPV_AT(memcpy.src) },
	.expect_fault = { OPV_AT(memcpy.expect_fault_dst), OPV_AT(memcpy.expect_fault_src) },
	OPV_PAD(memcpy.pad),
};

static const struct rseqdev_opv_form opv_form_arithmetic = {
	.nr_operands = RSEQDEV_CPU_OP_OPERANDS_arithmetic,
	.addr = { OPV_AT(arithmetic.p) },
	.expect_fault = { OPV_AT(arithmetic.expect_fault_p) },
	OPV_PAD(arithmetic.pad),
};

static const struct rseqdev_opv_form opv_form_bitwise = {
	.nr_operands = RSEQDEV_CPU_OP_OPERANDS_bitwise,
	.addr = { OPV_AT(bitwise.p) },
	.expect_fault = { OPV_AT(bitwise.expect_fault_p) },
	OPV_PAD(bitwise.pad),
};

static const struct rseqdev_opv_form opv_form_shift = {
	.nr_operands = RSEQDEV_CPU_OP_OPERANDS_shift,
	.addr = { OPV_AT(shift.p) },
	.expect_fault = { OPV_AT(shift.expect_fault_p) },
	OPV_PAD(shift.pad),
	.valid = opv_shift_in_width,
};

static const struct rseqdev_opv_form opv_form_none = {
	.nr_operands = RSEQDEV_CPU_OP_OPERANDS_none,
	OPV_PAD(reserved),
};

/*
 * How each form's operations run, from the action word of their row:
 * compares and the barrier by a run function of their own, copies by
 * opv_run_copy(), and the word operations by a compute function that
 * opv_run_word() applies.
 */
#define OPV_DO_compare(action)		.run = opv_run_compare_##action
#define OPV_DO_memcpy(action)		.run = opv_run_##action
#define OPV_DO_arithmetic(action)	.compute = opv_##action, .run = opv_run_word
#define OPV_DO_bitwise(action)		.compute = opv_##action, .run = opv_run_word
#define OPV_DO_shift(action)		.compute = opv_##action, .run = opv_run_word
#define OPV_DO_none(action)		.run = opv_run_##action

#define OPV_KIND(name, form_, width_, writes_, release_, action)	\
	[RSEQDEV_CPU_OP_##name] = {					\
		.form = &opv_form_##form_,				\
		.width = RSEQDEV_CPU_OP_WIDTH_##width_,			\
		.writes = writes_,					\
		.release = release_,					\
		OPV_DO_##form_(action),					\
	},

/*
 * Every operation type, one row each of RSEQDEV_CPU_OPS in the ABI header:
 * adding one there gives it a row here, and needs code here only for an
 * action no earlier operation has. A type without a row is refused.
 */
static const struct rseqdev_opv_kind opv_kinds[RSEQDEV_NR_CPU_OPS] = {
	RSEQDEV_CPU_OPS(OPV_KIND)
};

/* The row of operation @type, or NULL for a type the module does not run. */
const struct rseqdev_opv_kind *rseqdev_opv_kind(s32 type)
{
	if (type < 0 || type >= ARRAY_SIZE(opv_kinds) || !opv_kinds[type].run)
		return NULL;
	return &opv_kinds[type];
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
	const struct rseqdev_opv_kind *kind;
	u32 i;

	for (i = 0; i < nr; i++) {
		kind = rseqdev_opv_kind(ops[i].op.op);
		if (kind->release)
			smp_mb();	/* earlier operations are visible first */
		if (!kind->run(kind, &ops[i]))
			return i + 1;
	}
	return 0;
}
