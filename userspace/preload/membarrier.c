// SPDX-License-Identifier: LGPL-2.1-only OR MIT
/*
 * membarrier(2)'s RSEQ commands, served by the module's fence.
 *
 * REGISTER_PRIVATE_EXPEDITED_RSEQ registers the process with the module
 * and, on a kernel that has rseq itself, with the kernel too (a failure
 * there is ignored); PRIVATE_EXPEDITED_RSEQ then fences through both, so
 * that threads glibc registered natively are covered along with those the
 * module serves. QUERY adds the two commands to the kernel's answer. Every
 * other command is the kernel's own.
 *
 * The fence ioctl refuses a CPU number outside [-1, nr_cpu_ids), where
 * membarrier() takes any negative one as "every CPU" and one beyond the
 * last possible CPU as nothing to do: both are translated here.
 */
#include <errno.h>
#include <linux/membarrier.h>
#include <sys/syscall.h>

#include "preload.h"

#define MEMBARRIER_RSEQ_COMMANDS					\
	(MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ |			\
	 MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_RSEQ)

/*
 * Set once the process registered. Like the registrations themselves, they
 * are copied into a forked child and gone after exec.
 */
static int module_registered;
static int kernel_registered;

static long kernel_membarrier(long cmd, long flags, long cpu)
{
	return preload_real_syscall(__NR_membarrier, cmd, flags, cpu, 0, 0, 0);
}

static long fail(int err)
{
	errno = err;
	return -1;
}

static long membarrier_query(long flags, long cpu)
{
	int saved_errno = errno;
	long mask = kernel_membarrier(MEMBARRIER_CMD_QUERY, flags, cpu);

	if (mask >= 0)
		return mask | MEMBARRIER_RSEQ_COMMANDS;
	/* A kernel without membarrier() at all: the module's commands alone. */
	if (errno == ENOSYS && !(unsigned int)flags) {
		errno = saved_errno;
		return MEMBARRIER_RSEQ_COMMANDS;
	}
	return -1;
}

static long membarrier_register(long flags)
{
	int saved_errno = errno;

	if ((unsigned int)flags)
		return fail(EINVAL);
	if (rseqdev_fence_register())
		return -1;
	__atomic_store_n(&module_registered, 1, __ATOMIC_RELAXED);
	if (preload_kernel_has_rseq() &&
	    !kernel_membarrier(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_RSEQ, 0, 0))
		__atomic_store_n(&kernel_registered, 1, __ATOMIC_RELAXED);
	errno = saved_errno;
	return 0;
}

/*
 * A CPU that cannot exist: membarrier() checks the registration (EPERM),
 * then has nothing to do. A process registered some other way than
 * through us is known to the module only, which a full fence asks.
 */
static long fence_beyond_last_cpu(void)
{
	if (__atomic_load_n(&module_registered, __ATOMIC_RELAXED))
		return 0;
	return rseqdev_fence(0, 0) ? -1 : 0;
}

static long membarrier_fence(long flags, long cpu, unsigned int nr_cpu_ids)
{
	unsigned int fence_flags = 0;
	int saved_errno = errno;

	if ((unsigned int)flags & ~MEMBARRIER_CMD_FLAG_CPU)
		return fail(EINVAL);
	/* Without the flag the CPU is ignored; with it, negative means all. */
	if ((unsigned int)flags && (int)cpu >= 0) {
		if ((unsigned int)cpu >= nr_cpu_ids)
			return fence_beyond_last_cpu();
		fence_flags = RSEQDEV_FENCE_CPU;
	}
	if (rseqdev_fence(fence_flags, fence_flags ? (int)cpu : 0))
		return -1;
	if (__atomic_load_n(&kernel_registered, __ATOMIC_RELAXED))
		kernel_membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ, flags, cpu);
	errno = saved_errno;
	return 0;
}

long preload_membarrier(long cmd, long flags, long cpu)
{
	struct rseqdev_query q;
	int saved_errno = errno;

	/* rseq(2) served by the kernel, or no fence to offer: all the kernel's. */
	if (!preload_rseq_to_module() || preload_module_query(&q) ||
	    !(q.features & RSEQDEV_FEATURE_FENCE)) {
		errno = saved_errno;
		return kernel_membarrier(cmd, flags, cpu);
	}
	switch ((int)cmd) {
	case MEMBARRIER_CMD_QUERY:
		return membarrier_query(flags, cpu);
	case MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_RSEQ:
		return membarrier_register(flags);
	case MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ:
		return membarrier_fence(flags, cpu, q.nr_cpu_ids);
	default:
		return kernel_membarrier(cmd, flags, cpu);
	}
}
