/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A minimal TAP producer for the test programs: one "ok"/"not ok" line per
 * check, the plan printed at the end, exit status 1 when any check failed.
 */
#ifndef RSEQDEV_TESTS_TAP_H
#define RSEQDEV_TESTS_TAP_H

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static int tap_count;
static int tap_failures;

__attribute__((format(printf, 2, 3)))
static inline int tap_ok(int pass, const char *fmt, ...)
{
	va_list ap;

	printf("%s %d - ", pass ? "ok" : "not ok", ++tap_count);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (!pass)
		tap_failures++;
	return pass;
}

#define ok(cond, ...) tap_ok(!!(cond), __VA_ARGS__)

__attribute__((format(printf, 1, 2)))
static inline void diag(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

/*
 * expect_errno() - check that a call failed with exactly @err.
 * @ret: the call's return value; failure means -1
 */
#define expect_errno(ret, err, what)					\
	({								\
		long __r = (ret);					\
		int __e = errno;					\
		int __pass = __r == -1 && __e == (err);			\
		tap_ok(__pass, "%s: %s", what, #err);			\
		if (!__pass)						\
			diag("got return %ld, errno %d (%s)", __r,	\
			     __r == -1 ? __e : 0,			\
			     __r == -1 ? strerror(__e) : "none");	\
		__pass;							\
	})

/* Prints the plan and returns the exit status for main(). */
static inline int tap_done(void)
{
	printf("1..%d\n", tap_count);
	return tap_failures ? 1 : 0;
}

/* A check that cannot go on: report and stop with what was counted. */
__attribute__((noreturn, format(printf, 1, 2)))
static inline void tap_bail(const char *fmt, ...)
{
	va_list ap;

	printf("Bail out! ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	exit(2);
}

#endif /* RSEQDEV_TESTS_TAP_H */
