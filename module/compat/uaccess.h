/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * User-access regions whose address check is made once.
 *
 * The core reads and writes the rseq area's first 32 bytes in one region:
 * user_access_begin() checks the whole block, and the unsafe accessors
 * inside it only load and store. An architecture without such regions
 * gets the kernel's generic stand-in instead, whose unsafe accessors are
 * the checking __get_user() and __put_user() again. arm64 got regions
 * of its own after 6.1 (6.12 has them). On 6.1 the stand-in's check (the
 * thread's tagged-address flag, the limit, the mask) is about ten
 * instructions per field, and the common switch's exchange (a load and
 * four stores) took 94 instructions, as many as native rseq's whole work on
 * the way back to user space (scripts/profile.sh).
 *
 * rseqdev_unsafe_get_user() and rseqdev_unsafe_put_user() are the kernel's
 * accessors where the architecture has regions of its own. Under the
 * stand-in on arm64 they are arm64's raw accessors (an unprivileged LDTR or
 * STTR, with its exception-table entry): the pointer is masked as
 * __get_user() masks it, so that no speculation reaches kernel memory, and
 * the check is the one the region's user_access_begin() made.
 */
#ifndef RSEQDEV_COMPAT_UACCESS_H
#define RSEQDEV_COMPAT_UACCESS_H

#include <linux/uaccess.h>

/* The generic stand-in, and only it, defines unsafe_op_wrap(). */
#if defined(unsafe_op_wrap) && defined(CONFIG_ARM64) && \
	defined(__raw_get_user) && defined(__raw_put_user)

#define rseqdev_raw_get_user(x, ptr)					\
({									\
	int __rseqdev_err = 0;						\
	__raw_get_user(x, uaccess_mask_ptr(ptr), __rseqdev_err);	\
	__rseqdev_err;							\
})

#define rseqdev_raw_put_user(x, ptr)					\
({									\
	int __rseqdev_err = 0;						\
	__raw_put_user(x, uaccess_mask_ptr(ptr), __rseqdev_err);	\
	__rseqdev_err;							\
})

#define rseqdev_unsafe_get_user(x, ptr, label)				\
	unsafe_op_wrap(rseqdev_raw_get_user(x, ptr), label)
#define rseqdev_unsafe_put_user(x, ptr, label)				\
	unsafe_op_wrap(rseqdev_raw_put_user(x, ptr), label)

#else

#define rseqdev_unsafe_get_user(x, ptr, label)	unsafe_get_user(x, ptr, label)
#define rseqdev_unsafe_put_user(x, ptr, label)	unsafe_put_user(x, ptr, label)

#endif

#endif /* RSEQDEV_COMPAT_UACCESS_H */
