/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A delay loop to inject inside the library's critical sections (see
 * <rseqdev/inject.h>): it widens the window in which a preemption,
 * migration or signal must abort the section. @count names an "m" input
 * operand holding the iteration count (0: no delay); the loop uses %edx,
 * so RSEQ_INJECT_CLOBBER must name "rdx".
 */
#ifndef RSEQDEV_TESTS_DELAY_LOOP_H
#define RSEQDEV_TESTS_DELAY_LOOP_H

#define TEST_DELAY_LOOP(count)						\
	"movl %[" count "], %%edx\n\t"					\
	"testl %%edx, %%edx\n\t"					\
	"jz 101f\n\t"							\
	"100:\n\t"							\
	"decl %%edx\n\t"						\
	"jnz 100b\n\t"							\
	"101:\n\t"

#endif /* RSEQDEV_TESTS_DELAY_LOOP_H */
