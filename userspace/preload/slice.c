// SPDX-License-Identifier: LGPL-2.1-only OR MIT
/*
 * The time-slice extension of mainline 7.0 for unmodified programs:
 * prctl(PR_RSEQ_SLICE_EXTENSION, ...) and rseq_slice_yield(2), which the
 * supported kernels lack, go to the module when the calling thread's
 * rseq(2) calls do and the generation is 7.1. Otherwise, or without the
 * device, the kernel answers them as a kernel without the extension does
 * (EINVAL, ENOSYS).
 *
 * Both may be called from a signal handler: no lock, no allocation.
 */
#include <errno.h>
#include <unistd.h>

#include "preload.h"

/*
 * The module serves the calling thread's rseq, under the 7.1 generation
 * (the one $RSEQDEV_GENERATION names, else the module's default): the
 * classic one stands for kernels without the extension.
 */
static bool slice_to_module(void)
{
	int saved_errno = errno;
	int gen = rseqdev_requested_generation(NULL);
	struct rseqdev_query q;
	bool to_module = false;

	if (!preload_rseq_call_to_kernel() && preload_module_fd() >= 0) {
		if (gen == RSEQDEV_GEN_DEFAULT && !preload_module_query(&q))
			gen = (int)q.default_generation;
		to_module = gen == RSEQDEV_GEN_7_1;
	}
	errno = saved_errno;
	return to_module;
}

long preload_slice_prctl(unsigned long op, unsigned long a3, unsigned long a4,
			 unsigned long a5)
{
	int saved_errno = errno;
	long ret;

	if (!slice_to_module())
		return preload_real_prctl(RSEQDEV_PR_RSEQ_SLICE_EXTENSION, op, a3, a4, a5);
	ret = rseqdev_slice_prctl(op, a3, a4, a5);
	if (ret >= 0)
		errno = saved_errno;
	return ret;
}

long preload_slice_yield(void)
{
	if (!slice_to_module())
		return preload_real_syscall(RSEQDEV_NR_RSEQ_SLICE_YIELD, 0, 0, 0, 0, 0, 0);
	return rseqdev_slice_yield();
}
