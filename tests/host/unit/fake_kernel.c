// SPDX-License-Identifier: GPL-2.0-only
/*
 * The "libc" under the shim in host tests: the system calls the shim
 * passes on are recorded, and rseq(2) and membarrier(2) answered as a
 * kernel with or without them would.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <string.h>
#include <linux/membarrier.h>
#include <sys/syscall.h>

#include "shim.h"

struct fake_kernel kernel = {
	.has_rseq = true,
	.has_membarrier = true,
	.membarrier_mask = MEMBARRIER_CMD_GLOBAL | MEMBARRIER_CMD_PRIVATE_EXPEDITED,
};

static long fail(int err)
{
	errno = err;
	return -1;
}

static long answer_rseq(const long *a)
{
	if (!kernel.has_rseq)
		return fail(ENOSYS);
	/* The shim's probe, rseq(NULL, 0, 0, 0), is not counted. */
	if (!a[0] && !a[1] && !a[2] && !a[3])
		return fail(EINVAL);
	return 0;
}

static long answer_membarrier(const long *a)
{
	if (!kernel.has_membarrier)
		return fail(ENOSYS);
	if (a[0] == MEMBARRIER_CMD_QUERY)
		return a[1] ? fail(EINVAL) : kernel.membarrier_mask;
	return 0;
}

long fake_kernel_syscall(long number, ...)
{
	long a[6];
	va_list ap;
	int i;

	va_start(ap, number);
	for (i = 0; i < 6; i++)
		a[i] = va_arg(ap, long);
	va_end(ap);
	if (number == __NR_rseq && !a[0] && !a[1] && !a[2] && !a[3])
		return answer_rseq(a);
	kernel.calls++;
	kernel.last[0] = number;
	memcpy(&kernel.last[1], a, sizeof(a));
	if (number == __NR_rseq)
		return answer_rseq(a);
	if (number == __NR_membarrier)
		return answer_membarrier(a);
	return 42;
}

unsigned long fake_kernel_getauxval(unsigned long type)
{
	return KERNEL_AUXV(type);
}

int fake_kernel_prctl(int option, ...)
{
	va_list ap;
	int i;

	kernel.calls++;
	memset(kernel.last, 0, sizeof(kernel.last));
	kernel.last[0] = SYS_prctl;
	kernel.last[1] = option;
	va_start(ap, option);
	for (i = 2; i < 6; i++)
		kernel.last[i] = (long)va_arg(ap, unsigned long);
	va_end(ap);
	return (int)fail(EINVAL);
}
