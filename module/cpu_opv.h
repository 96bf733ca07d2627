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
	int nr_pages;
	struct page *pages[2];	/* len <= PAGE_SIZE spans at most two */
};

struct rseqdev_opv_op {
	struct rseqdev_cpu_op op;
	struct rseqdev_opv_operand operand[2];	/* compare: a, b; memcpy: dst, src */
};

int rseqdev_opv_operand_pin(struct rseqdev_opv_operand *o);
void rseqdev_opv_operand_unpin(struct rseqdev_opv_operand *o);
int rseqdev_opv_run(struct rseqdev_opv_op *ops, u32 nr);

#endif /* RSEQDEV_CPU_OPV_H */
