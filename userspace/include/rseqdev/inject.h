/* SPDX-License-Identifier: LGPL-2.1-only OR MIT */
/*
 * Delay-injection hooks for the per-CPU fast paths.
 *
 * They do nothing unless a program defines them before it includes
 * <rseqdev/ops.h> or <rseqdev/percpu.h>. Test programs use them to widen
 * the windows in which preemption, migration or a signal must abort a
 * critical section, and to count the aborts:
 *
 * RSEQ_INJECT_ASM(n)	assembler text (string literals) placed at point n of
 *			every sequence. Point 1 is just before the store of
 *			the descriptor address, outside the critical section;
 *			point 2 between that store and the CPU/mm_cid check;
 *			points 3 to 6 inside the critical section, between
 *			the check and the commit (see docs/library.md for the
 *			exact place in each operation).
 * RSEQ_INJECT_INPUT	extra asm input operands, a comma-separated list
 *			such as the loop counts RSEQ_INJECT_ASM() reads:
 *			[loops_3] "m" (loops[3]), [loops_4] "m" (loops[4])
 * RSEQ_INJECT_CLOBBER	extra clobbers, a comma-separated list naming every
 *			register RSEQ_INJECT_ASM() modifies. Flags
 *			("cc") and memory are clobbered already.
 * RSEQ_INJECT_C(n)	a C expression, run as a statement. Point 7 runs on
 *			entry to every operation, after the caller chose
 *			the index and before the critical section starts.
 * RSEQ_INJECT_FAILED	a C expression, run as a statement each time a
 *			sequence aborts.
 *
 * Unlike librseq's, the two lists take no leading comma: the sequences
 * supply it, and the defaults are operands that change nothing (an unused
 * immediate, a repeated "memory" clobber).
 *
 * Rules for RSEQ_INJECT_ASM(): modify only the registers listed in
 * RSEQ_INJECT_CLOBBER, never the sequences' scratch registers (named in
 * the architecture's header under rseqdev/arch/), and use local labels
 * numbered 100 or above: the sequences use 1 to 9 and refer to them by
 * "f"/"b" across the injected text.
 */
#ifndef RSEQDEV_INJECT_H
#define RSEQDEV_INJECT_H

#ifndef RSEQ_INJECT_ASM
#define RSEQ_INJECT_ASM(n)
#endif

#ifndef RSEQ_INJECT_INPUT
#define RSEQ_INJECT_INPUT						\
	[rseq_inject_unused] "i" (0)
#endif

#ifndef RSEQ_INJECT_CLOBBER
#define RSEQ_INJECT_CLOBBER	"memory"
#endif

#ifndef RSEQ_INJECT_C
#define RSEQ_INJECT_C(n)
#endif

#ifndef RSEQ_INJECT_FAILED
#define RSEQ_INJECT_FAILED
#endif

#endif /* RSEQDEV_INJECT_H */
