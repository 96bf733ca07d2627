/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A delay loop inside every sequence of <rseqdev/ops.h>, at injection
 * point 4 (after the sequence's first load or compare, before its commit),
 * spinning as many times as the including program's section_loops says.
 * Define that variable, then include this before <rseqdev/ops.h>.
 *
 * It widens the window in which a preemption, a fence or a vector run in
 * an interrupt must abort the section. Under QEMU it is what makes the
 * window exist at all for an interrupt: QEMU takes interrupts only between
 * translated blocks, and a load and its store with no branch between them
 * sit in one block.
 */
#ifndef RSEQDEV_TEST_SECTION_DELAY_H
#define RSEQDEV_TEST_SECTION_DELAY_H

#include "test_arch.h"

#define RSEQ_INJECT_INPUT						\
	[section_loops] "m" (section_loops)
#define RSEQ_INJECT_CLOBBER	TEST_DELAY_LOOP_CLOBBER
#define RSEQ_INJECT_ASM(n)	RSEQ_INJECT_ASM_##n
#define RSEQ_INJECT_ASM_1
#define RSEQ_INJECT_ASM_2
#define RSEQ_INJECT_ASM_3
#define RSEQ_INJECT_ASM_4	TEST_DELAY_LOOP("section_loops")
#define RSEQ_INJECT_ASM_5
#define RSEQ_INJECT_ASM_6

#endif /* RSEQDEV_TEST_SECTION_DELAY_H */
