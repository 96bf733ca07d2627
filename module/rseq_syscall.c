// SPDX-License-Identifier: GPL-2.0-only
/*
 * The rseq system call, served through RSEQDEV_IOC_REGISTER: the same
 * checks in the same order as mainline (6.3+ extensible ABI, and 7.1 for
 * its generation), so that a program sees the same errno from either.
 */
#include <linux/align.h>
#include <linux/kernel.h>
#include <linux/uaccess.h>

#include "internal.h"

static int rseqdev_unregister(struct rseqdev_thread *t, struct rseqdev_rseq __user *area,
			   u32 len, u32 sig)
{
	int ret;

	if (!t || t->area != area)
		return -EINVAL;
	if (t->len != len)
		return -EINVAL;
	if (t->sig != sig)
		return -EPERM;
	/* A fault leaves the thread registered, as in mainline. */
	ret = rseqdev_reset_ids(area);
	if (ret)
		return ret;
	rseqdev_thread_teardown(t, RSEQDEV_TEARDOWN_UNREGISTER);
	return 0;
}

/*
 * The original 32-byte area must be 32-byte aligned; an extended one must
 * be aligned as the generation's AT_RSEQ_ALIGN says and hold at least its
 * features.
 */
static bool rseqdev_area_shape_valid(const struct rseqdev_gen_rules *rules,
				     u64 addr, u32 len)
{
	if (len < RSEQDEV_RSEQ_ORIG_SIZE)
		return false;
	if (len == RSEQDEV_RSEQ_ORIG_SIZE)
		return IS_ALIGNED(addr, RSEQDEV_RSEQ_ORIG_SIZE);
	return IS_ALIGNED(addr, rules->align) && len >= rules->feature_size;
}

/**
 * rseqdev_rseq_optimized() - does a registration get 7.1's optimized rules?
 * @rules:	its generation
 * @len:	its length
 *
 * Return: true for a registration longer than the original 32 bytes in a
 * generation that tells them apart.
 */
bool rseqdev_rseq_optimized(const struct rseqdev_gen_rules *rules, u32 len)
{
	return rules->split_by_length && len > RSEQDEV_RSEQ_ORIG_SIZE;
}

/**
 * rseqdev_rseq_call() - the rseq system call, for the calling thread
 * @addr:	the struct rseqdev_rseq of the thread
 * @len:	its length
 * @flags:	0, RSEQDEV_RSEQ_FLAG_UNREGISTER, or what @rules accept
 * @sig:	abort signature
 * @rules:	the generation a registration runs under
 *
 * The checks and their order are the same in every generation; what they
 * accept (flags, alignment, feature size) is the generation's.
 *
 * Return: 0, -EINVAL, -EPERM, -EBUSY, -EFAULT, -ENOMEM, or the error of
 * attaching the time-slice extension's hooks.
 */
long rseqdev_rseq_call(u64 addr, u32 len, u32 flags, u32 sig,
		       const struct rseqdev_gen_rules *rules)
{
	struct rseqdev_thread *t = rseqdev_thread_of_current();
	struct rseqdev_rseq __user *area = u64_to_user_ptr(addr);
	bool optimized;
	u32 area_flags;
	int ret;

	if (flags & RSEQDEV_RSEQ_FLAG_UNREGISTER) {
		if (flags & ~RSEQDEV_RSEQ_FLAG_UNREGISTER)
			return -EINVAL;
		return rseqdev_unregister(t, area, len, sig);
	}
	if (flags & ~rules->register_flags)
		return -EINVAL;

	if (t) {
		/* Telling a second area from a second registration. */
		if (t->area != area || t->len != len)
			return -EINVAL;
		if (t->sig != sig)
			return -EPERM;
		return -EBUSY;
	}
	if (!rseqdev_area_shape_valid(rules, addr, len))
		return -EINVAL;
	if (!access_ok(area, len))
		return -EFAULT;
	optimized = rseqdev_rseq_optimized(rules, len);
	area_flags = rseqdev_slice_area_flags(rules, optimized, flags);
	ret = rseqdev_prepare_area(area, rules, optimized, area_flags);
	if (ret)
		return ret;
	return rseqdev_thread_register(area, len, sig, rules, area_flags);
}
