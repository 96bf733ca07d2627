/* SPDX-License-Identifier: GPL-2.0-only */
/* Shared by cpu_opv.c (validation, where to run) and cpu_opv_ops.c (running). */
#ifndef RSEQDEV_CPU_OPV_H
#define RSEQDEV_CPU_OPV_H

#include <linux/types.h>

#include <linux/rseqdev.h>

struct page;

/* One user operand: pinned pages of [uaddr, uaddr + len). */
struct rseqdev_opv_operand {
	unsigned long uaddr;
	u32 len;
	bool write;
	bool expect_fault;
	bool borrowed;	/* its pages are another operand's pins */
	int nr_pages;
	struct page *pages[2];	/* len <= PAGE_SIZE spans at most two */
};

struct rseqdev_opv_op {
	struct rseqdev_cpu_op op;
	struct rseqdev_opv_operand operand[2];	/* compare: a, b; memcpy: dst, src */
};

/*
 * Where one form of struct rseqdev_cpu_op::u keeps its operands: offsets
 * into struct rseqdev_cpu_op of each operand's address and expect_fault
 * byte, and of the pad (or reserved) bytes that must be zero; and a rule
 * of the form's own beyond those (@valid, or NULL).
 */
struct rseqdev_opv_form {
	u8 nr_operands;
	u8 addr[2];
	u8 expect_fault[2];
	u8 pad, pad_len;
	bool (*valid)(const struct rseqdev_cpu_op *op);
};

/**
 * struct rseqdev_opv_kind - one operation type, as validation, pinning and
 *	execution see it
 *	(each one a row of RSEQDEV_CPU_OPS in <linux/rseqdev.h>)
 * @form:	layout of its fields
 * @width:	rule for its length: RSEQDEV_CPU_OP_WIDTH_*
 * @writes:	its first operand is written (pinned for writing)
 * @release:	every earlier operation of the vector is visible before it
 * @compute:	for word operations: the new value from the old one
 * @run:	runs it on pinned operands; false when a compare fails
 */
struct rseqdev_opv_kind {
	const struct rseqdev_opv_form *form;
	u8 width;
	bool writes;
	bool release;
	u64 (*compute)(const struct rseqdev_cpu_op *op, u64 v);
	bool (*run)(const struct rseqdev_opv_kind *kind, const struct rseqdev_opv_op *o);
};

const struct rseqdev_opv_kind *rseqdev_opv_kind(s32 type);
bool rseqdev_opv_operand_borrow(struct rseqdev_opv_operand *o,
				const struct rseqdev_opv_operand *from);
int rseqdev_opv_operand_pin(struct rseqdev_opv_operand *o);
void rseqdev_opv_operand_unpin(struct rseqdev_opv_operand *o);
int rseqdev_opv_run(struct rseqdev_opv_op *ops, u32 nr);

#endif /* RSEQDEV_CPU_OPV_H */
