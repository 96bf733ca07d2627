/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Declarations shared between the files of the rseqdev module. Nothing here
 * depends on the kernel version: that lives behind compat/compat.h.
 */
#ifndef RSEQDEV_INTERNAL_H
#define RSEQDEV_INTERNAL_H

#include <linux/types.h>

#define RSEQDEV_NAME "rseqdev"

/* device.c */
int rseqdev_device_register(void);
void rseqdev_device_unregister(void);

/* selftest.c: test-only injections; empty unless built for the harness. */
#ifdef CONFIG_RSEQDEV_SELFTEST
bool rseqdev_selftest_hides(const char *facility);
void rseqdev_selftest_at_load(void);
#else
static inline bool rseqdev_selftest_hides(const char *facility)
{
	return false;
}

static inline void rseqdev_selftest_at_load(void)
{
}
#endif

#endif /* RSEQDEV_INTERNAL_H */
