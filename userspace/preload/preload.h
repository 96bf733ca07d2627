/* SPDX-License-Identifier: LGPL-2.1-only OR MIT */
/*
 * librseqdev-preload: what its two halves share. rseqdev_preload.c holds
 * the interposed entry points and rseq(2); membarrier.c the RSEQ commands
 * of membarrier(2).
 */
#ifndef RSEQDEV_PRELOAD_H
#define RSEQDEV_PRELOAD_H

#include <stdbool.h>

#include <rseqdev/rseqdev.h>

/* libc's syscall(), reached past the interposer. */
long preload_real_syscall(long number, long a0, long a1, long a2, long a3,
			  long a4, long a5);

/* Whether rseq(2) calls of this process go to the module rather than the kernel. */
bool preload_rseq_to_module(void);

/* Whether the running kernel has rseq(2) itself. */
bool preload_kernel_has_rseq(void);

/* The module's query answer, cached after the first success. */
int preload_module_query(struct rseqdev_query *query);

/* membarrier(2) with the RSEQ commands served by the module. */
long preload_membarrier(long cmd, long flags, long cpu);

#endif /* RSEQDEV_PRELOAD_H */
