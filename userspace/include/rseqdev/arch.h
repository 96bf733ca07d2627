/* SPDX-License-Identifier: LGPL-2.1-only OR MIT */
/*
 * The one place that picks the architecture.
 *
 * Everything that depends on the instruction set lives in one header under
 * rseqdev/arch/, and nowhere else: the abort signature RSEQ_SIG, the
 * critical sections of the per-CPU operations, the CPU-relax hint of spin
 * loops and the single-step check of the slow-path policy. Porting the
 * library to another architecture means writing that header (see
 * arch/x86_64.h or arch/aarch64.h for what it must provide) and adding its
 * line here; arch/common.h holds what the 64-bit ones share (the offsets
 * the assembler text names, the descriptor a sequence emits).
 *
 * An arch header has two halves. Included from here, it defines:
 *
 *   RSEQ_SIG			the 32-bit signature before every abort handler
 *   rseq_arch_cpu_relax()	what a spin loop runs between two tries
 *   rseq_arch_single_stepping()	non-zero while a debugger single-steps
 *				the thread (0 where that cannot be told)
 *
 * Included again from <rseqdev/ops.h> with RSEQ_TEMPLATE_INDEX set, it
 * defines the critical sections of every operation for one memory order
 * and one index field (see the template parameters there), named through
 * RSEQ_TEMPLATE_NAME().
 */
#ifndef RSEQDEV_ARCH_H
#define RSEQDEV_ARCH_H

#if defined(__x86_64__)
/* Relative to this directory, where <rseqdev/ops.h> includes it from too. */
#define RSEQ_ARCH_HEADER	"arch/x86_64.h"
#elif defined(__aarch64__)
#define RSEQ_ARCH_HEADER	"arch/aarch64.h"
#else
#error "librseqdev does not support this architecture (see <rseqdev/arch.h>)"
#endif

#include RSEQ_ARCH_HEADER

#endif /* RSEQDEV_ARCH_H */
