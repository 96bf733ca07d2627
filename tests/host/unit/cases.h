/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The rseqdev_cpu_op_*() functions of the library as data: a call with all its
 * arguments, whether the library must accept them, and the exact vector
 * it must hand to the module for them. lib_check.c runs fixed cases,
 * fuzz_args.c cases made of arbitrary bytes.
 */
#ifndef RSEQDEV_CASES_H
#define RSEQDEV_CASES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rseqdev/cpu_op.h>

enum case_fn {
	CASE_CBNE_STORE,
	CASE_LIST_POP,
	CASE_ADD,
	CASE_CBNE_STORE_STORE,
	CASE_CBNE_CBNE_STORE,
	CASE_CBNE_MEMCPY_STORE,
	NR_CASE_FNS,
};

/*
 * The memory order and mode are ints, not the enums: tests pass values
 * outside them. v and v2 must point to words; dst and src are never
 * dereferenced by the library (nor by the fake module unless it runs the
 * vector).
 */
struct cpu_op_case {
	enum case_fn fn;
	int rseq_mo;
	int percpu_mode;
	intptr_t *v, *v2;
	intptr_t expect, expect2, newv, newv2, count;
	long voffp;
	void *dst, *src;
	size_t len;
	int cpu;
};

extern const char *const case_names[NR_CASE_FNS];

/* Set when the device is missing: good arguments fail with ENOENT then. */
extern bool cases_no_device;

/* Whether the library must accept the arguments (else EINVAL, no ioctl). */
bool case_args_valid(const struct cpu_op_case *c);

/* Calls the case's function; @load receives the list pop's result. */
int case_call(const struct cpu_op_case *c, intptr_t *load);

/*
 * After case_call() returned @ret with the fake module's calls counted
 * from @calls_before: NULL when the library did what it must (the exact
 * vector, every byte, or the right error without an ioctl), else what
 * went wrong.
 */
const char *case_verify(const struct cpu_op_case *c, int ret, int err,
			unsigned int calls_before, intptr_t head_before);

#endif /* RSEQDEV_CASES_H */
