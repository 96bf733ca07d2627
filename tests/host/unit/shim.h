/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The LD_PRELOAD shim's sources built into a test program (shim_unity.c),
 * with its system calls sent to fake_kernel.c instead of libc.
 *
 * Its interposed entry points are renamed, so that the program's own
 * calls, libc's and the sanitizers' keep reaching libc: shim_syscall() is
 * the shim's syscall(), shim_getauxval() its getauxval(), shim_prctl()
 * its prctl().
 */
#ifndef RSEQDEV_SHIM_H
#define RSEQDEV_SHIM_H

#include <stdbool.h>

long shim_syscall(long number, ...);
unsigned long shim_getauxval(unsigned long type);
int shim_prctl(int option, ...);

/*
 * Forget everything the shim learnt (mode, answers, registrations, the
 * device's descriptor), as a new process would; from now on its "libc"
 * is the fake kernel. Its one-time warnings are given again only when
 * @warn_again.
 */
void shim_reset(bool warn_again);

/* The fake kernel under the shim. */
struct fake_kernel {
	bool has_rseq;
	bool has_membarrier;
	long membarrier_mask;	/* what MEMBARRIER_CMD_QUERY answers */

	unsigned int calls;	/* since shim_reset(), the rseq probe aside */
	long last[7];		/* the last call: number, then six arguments */
};

extern struct fake_kernel kernel;

/* Where the library and the shim look for the device ($RSEQDEV_DEVICE). */
#define MISSING_DEVICE	"/nonexistent/rseq"
#define FAKE_DEVICE	"/dev/null"	/* its ioctls reach fake_module.c */

/* The fake kernel's getauxval(): 1000 + type, to be told from the module's. */
#define KERNEL_AUXV(type)	(1000UL + (type))

/*
 * What shim_reset() installs in place of libc's syscall(), getauxval() and
 * prctl(). The fake kernel's prctl() is recorded as the system call
 * SYS_prctl and knows no option: EINVAL.
 */
long fake_kernel_syscall(long number, ...);
unsigned long fake_kernel_getauxval(unsigned long type);
int fake_kernel_prctl(int option, ...);

#endif /* RSEQDEV_SHIM_H */
