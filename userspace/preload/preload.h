/* SPDX-License-Identifier: LGPL-2.1-only OR MIT */
/*
 * librseqdev-preload: what its parts share. rseqdev_preload.c holds the
 * interposed entry points and rseq(2); membarrier.c the RSEQ commands of
 * membarrier(2); slice.c the time-slice extension.
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

/* Whether the calling thread's rseq(2) calls go to the kernel. */
bool preload_rseq_call_to_kernel(void);

/*
 * The device's descriptor, else -1 with errno ENOSYS, after one warning
 * when the device exists but cannot be opened.
 */
int preload_module_fd(void);

/* libc's prctl(), reached past the interposer. */
int preload_real_prctl(int option, unsigned long a2, unsigned long a3,
		       unsigned long a4, unsigned long a5);

/* slice.c: the time-slice extension's prctl and system call. */
long preload_slice_prctl(unsigned long op, unsigned long a3, unsigned long a4,
			 unsigned long a5);
long preload_slice_yield(void);

/* Whether the running kernel has rseq(2) itself. */
bool preload_kernel_has_rseq(void);

/* The module's query answer, cached after the first success. */
int preload_module_query(struct rseqdev_query *query);

/* membarrier(2) with the RSEQ commands served by the module. */
long preload_membarrier(long cmd, long flags, long cpu);

#endif /* RSEQDEV_PRELOAD_H */
