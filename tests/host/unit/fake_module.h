/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A stand-in for /dev/rseq in host tests: the library's ioctl() calls
 * (linked with --wrap=ioctl) reach fake_module.c, which checks each
 * argument as the module would, keeps a copy of it, and answers.
 */
#ifndef RSEQDEV_FAKE_MODULE_H
#define RSEQDEV_FAKE_MODULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/rseqdev.h>

#define FAKE_MAX_ARG	128	/* more than any ioctl struct holds */
#define FAKE_NR_CPUS	4	/* the fake machine's nr_cpu_ids */

/* The last ioctl that reached the fake module. */
struct fake_call {
	unsigned long cmd;
	size_t len;
	unsigned char arg[FAKE_MAX_ARG];
	unsigned int nr_ops;
	struct rseqdev_cpu_op ops[RSEQDEV_CPU_OPV_MAX_OPS];
	/*
	 * The word each 8-byte compare's b or copy's src pointed to during
	 * the call: the library's own copies of its arguments, on its stack.
	 */
	uint64_t operand[RSEQDEV_CPU_OPV_MAX_OPS];
};

struct fake_module {
	/* What RSEQDEV_IOC_QUERY reports. */
	unsigned long long features;
	/* Run a cpu_opv vector's operations (its pointers must be good). */
	bool execute;
	/*
	 * The vectors come from the caller, not the library: never read
	 * what their operands point to.
	 */
	bool foreign_vectors;
	/*
	 * When non-zero, the next ioctl fails with it, after its checks and
	 * before it changes anything.
	 */
	int fail_next;
	/* When non-zero, the next cpu_opv returns it, after its checks. */
	int cpu_opv_ret_next;
	/* Registered threads RSEQDEV_IOC_THREADS reports. */
	unsigned int nr_threads;

	/* Counters since fake_module_reset(). */
	unsigned int calls;
	/* Arguments the module would refuse (EINVAL): their reasons. */
	unsigned int refused;
	const char *why;
	struct fake_call last;
};

extern struct fake_module fake;

/* ": REASON" of the last refusal, or "" when there was none. */
const char *fake_why(void);

/* Every feature, nothing recorded or registered, no failure to come. */
void fake_module_reset(void);

/* The library's ioctl() calls (--wrap=ioctl), and libc's ioctl(). */
int __wrap_ioctl(int fd, unsigned long cmd, ...);
int __real_ioctl(int fd, unsigned long cmd, ...);

/* The fake descriptor is open: forget it (dev_hooks.c). */
void fake_device_forget(void);

#endif /* RSEQDEV_FAKE_MODULE_H */
