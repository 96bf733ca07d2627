// SPDX-License-Identifier: GPL-2.0-only
/*
 * The /dev/rseq character device and its ioctls.
 *
 * Every ioctl argument is an extensible struct that starts with
 * "__u32 size; __u32 flags" (see uapi/linux/rseqdev.h); the helpers below
 * apply that convention once so that each command only checks its own
 * fields. <linux/rseqdev_layout.h> checks at build time that no field of
 * any of them moved.
 */
#include <linux/cpumask.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/uaccess.h>

#include <linux/rseqdev.h>
#include <linux/rseqdev_layout.h>

#include "internal.h"

/* Features this build of the module implements. */
#define RSEQDEV_FEATURES	(RSEQDEV_FEATURE_RSEQ | RSEQDEV_FEATURE_NODE_ID | \
				 RSEQDEV_FEATURE_MM_CID | RSEQDEV_FEATURE_CPU_OPV | \
				 RSEQDEV_FEATURE_CPU_OPV_MM_CID | RSEQDEV_FEATURE_STATS | \
				 RSEQDEV_FEATURE_FENCE | RSEQDEV_FEATURE_THREADS)


/**
 * copy_ioctl_arg_from_user() - read an extensible ioctl struct
 * @karg:	kernel copy, @ksize bytes, zero-filled past what user space sent
 * @ksize:	size of the struct this module knows
 * @uarg:	user pointer
 * @min_size:	size of the first published version of the struct
 *
 * Return: the caller's size on success; -EFAULT, -EINVAL for a size outside
 * [@min_size, RSEQDEV_MAX_ARG_SIZE], -E2BIG when bytes this module does not
 * know are not zero.
 */
static long copy_ioctl_arg_from_user(void *karg, size_t ksize,
				     const void __user *uarg, size_t min_size)
{
	u32 usize;
	int ret;

	if (get_user(usize, (const u32 __user *)uarg))
		return -EFAULT;
	if (usize < min_size || usize > RSEQDEV_MAX_ARG_SIZE)
		return -EINVAL;
	ret = copy_struct_from_user(karg, ksize, uarg, usize);
	if (ret)
		return ret;
	return usize;
}

/* Write back no more than the caller's struct holds. */
static int copy_ioctl_arg_to_user(void __user *uarg, const void *karg,
				  size_t ksize, size_t usize)
{
	if (copy_to_user(uarg, karg, min(ksize, usize)))
		return -EFAULT;
	return 0;
}

/* Every command's argument, as this module knows it. */
union rseqdev_ioctl_arg {
	struct rseqdev_query query;
	struct rseqdev_register reg;
	struct rseqdev_cpu_opv cpu_opv;
	struct rseqdev_stats stats;
	struct rseqdev_fence fence;
	struct rseqdev_threads threads;
	struct rseqdev_slice_prctl slice_prctl;
};

static long rseqdev_ioctl_query(union rseqdev_ioctl_arg *karg,
				void __user *uarg, u32 usize)
{
	const struct rseqdev_gen_rules *rules = rseqdev_gen_rules(RSEQDEV_GEN_DEFAULT);
	struct rseqdev_query *query = &karg->query;

	if (query->flags)
		return -EINVAL;
	*query = (struct rseqdev_query) {
		.size = min_t(size_t, usize, sizeof(*query)),
		.abi_version = RSEQDEV_ABI_VERSION,
		.rseq_feature_size = rules->feature_size,
		.features = RSEQDEV_FEATURES |
			    (rseqdev_slice_offered() ? RSEQDEV_FEATURE_SLICE_EXT : 0),
		.rseq_align = rules->align,
		.nr_cpu_ids = nr_cpu_ids,
		.cpu_opv_max_ops = RSEQDEV_CPU_OPV_MAX_OPS,
		.cpu_opv_max_op_len = RSEQDEV_CPU_OPV_MAX_OP_LEN,
		.cpu_opv_max_total_len = RSEQDEV_CPU_OPV_MAX_TOTAL_LEN,
		.cpu_opv_nr_op_types = RSEQDEV_NR_CPU_OPS,
		.generations = rseqdev_gen_mask(),
		.default_generation = rules->gen,
	};
	return copy_ioctl_arg_to_user(uarg, query, sizeof(*query), usize);
}

/*
 * The rseq system call's arguments and the generation; no answer beyond
 * the return value. A generation outside the ABI is refused before
 * anything else, unregistration included.
 */
static long rseqdev_ioctl_register(union rseqdev_ioctl_arg *karg,
				   void __user *uarg, u32 usize)
{
	struct rseqdev_register *reg = &karg->reg;
	const struct rseqdev_gen_rules *rules = rseqdev_gen_rules(reg->generation);

	if (!rules || reg->reserved)
		return -EINVAL;
	return rseqdev_rseq_call(reg->rseq, reg->rseq_len, reg->flags, reg->sig,
				 rules);
}

/* Returns what the vector returns: 0 or the index of a failed compare. */
static long rseqdev_ioctl_cpu_opv(union rseqdev_ioctl_arg *karg,
				  void __user *uarg, u32 usize)
{
	return rseqdev_cpu_opv_run(&karg->cpu_opv);
}

static long rseqdev_ioctl_stats(union rseqdev_ioctl_arg *karg,
				void __user *uarg, u32 usize)
{
	struct rseqdev_stats *stats = &karg->stats;
	int ret;

	ret = rseqdev_stats_read(stats);
	if (ret)
		return ret;
	stats->size = min_t(size_t, usize, sizeof(*stats));
	return copy_ioctl_arg_to_user(uarg, stats, sizeof(*stats), usize);
}

static long rseqdev_ioctl_fence(union rseqdev_ioctl_arg *karg,
				void __user *uarg, u32 usize)
{
	return rseqdev_fence_run(&karg->fence);
}

/* The count of registered threads goes back in nr. */
static long rseqdev_ioctl_threads(union rseqdev_ioctl_arg *karg,
				  void __user *uarg, u32 usize)
{
	struct rseqdev_threads __user *ureq = uarg;
	long nr;

	nr = rseqdev_threads_report(&karg->threads);
	if (nr < 0)
		return nr;
	return put_user((u32)nr, &ureq->nr) ? -EFAULT : 0;
}

static long rseqdev_ioctl_slice_prctl(union rseqdev_ioctl_arg *karg,
				      void __user *uarg, u32 usize)
{
	return rseqdev_slice_prctl(&karg->slice_prctl);
}

static long rseqdev_ioctl_slice_yield(union rseqdev_ioctl_arg *karg,
				      void __user *uarg, u32 usize)
{
	return rseqdev_slice_yield();
}

/*
 * Headers from the fence's addition until the numbers were frozen built
 * RSEQDEV_IOC_STATS from sizeof() of the day (72 bytes). Binaries built
 * with them use this number: it stays an alias of RSEQDEV_IOC_STATS.
 */
#define RSEQDEV_IOC_STATS_AS_72 \
	RSEQDEV_IOC(_IOC_READ | _IOC_WRITE, 0x03, 72)

static const struct rseqdev_ioctl_cmd {
	unsigned int cmd;
	unsigned int cmd_alias;	/* another number it had, or 0 */
	size_t size;		/* the struct this module knows; 0: no argument */
	size_t size_ver0;	/* its first published version */
	long (*handler)(union rseqdev_ioctl_arg *karg, void __user *uarg,
			u32 usize);
} rseqdev_ioctl_cmds[] = {
	{ RSEQDEV_IOC_QUERY, 0, sizeof(struct rseqdev_query),
	  RSEQDEV_QUERY_SIZE_VER0, rseqdev_ioctl_query },
	{ RSEQDEV_IOC_REGISTER, 0, sizeof(struct rseqdev_register),
	  RSEQDEV_REGISTER_SIZE_VER0, rseqdev_ioctl_register },
	{ RSEQDEV_IOC_CPU_OPV, 0, sizeof(struct rseqdev_cpu_opv),
	  RSEQDEV_CPU_OPV_SIZE_VER0, rseqdev_ioctl_cpu_opv },
	{ RSEQDEV_IOC_STATS, RSEQDEV_IOC_STATS_AS_72, sizeof(struct rseqdev_stats),
	  RSEQDEV_STATS_SIZE_VER0, rseqdev_ioctl_stats },
	{ RSEQDEV_IOC_FENCE, 0, sizeof(struct rseqdev_fence),
	  RSEQDEV_FENCE_SIZE_VER0, rseqdev_ioctl_fence },
	{ RSEQDEV_IOC_THREADS, 0, sizeof(struct rseqdev_threads),
	  RSEQDEV_THREADS_SIZE_VER0, rseqdev_ioctl_threads },
	{ RSEQDEV_IOC_SLICE_PRCTL, 0, sizeof(struct rseqdev_slice_prctl),
	  RSEQDEV_SLICE_PRCTL_SIZE_VER0, rseqdev_ioctl_slice_prctl },
	{ RSEQDEV_IOC_SLICE_YIELD, 0, 0, 0, rseqdev_ioctl_slice_yield },
};

static long rseqdev_ioctl(struct file *file, unsigned int cmd,
			  unsigned long arg)
{
	void __user *uarg = (void __user *)arg;
	const struct rseqdev_ioctl_cmd *c;
	union rseqdev_ioctl_arg karg;
	long usize;

	for (c = rseqdev_ioctl_cmds; c < rseqdev_ioctl_cmds +
	     ARRAY_SIZE(rseqdev_ioctl_cmds); c++) {
		if (cmd != c->cmd && (!c->cmd_alias || cmd != c->cmd_alias))
			continue;
		if (!c->size)
			return c->handler(NULL, uarg, 0);
		usize = copy_ioctl_arg_from_user(&karg, c->size, uarg,
						 c->size_ver0);
		if (usize < 0)
			return usize;
		return c->handler(&karg, uarg, usize);
	}
	return -ENOTTY;
}

/*
 * .owner pins the module while any file is open on the device, and each
 * registered thread pins it too: rmmod is refused (EWOULDBLOCK) until the
 * last descriptor is closed and the last registration is gone. Closing the
 * descriptor does not end registrations: they belong to threads.
 */
static const struct file_operations rseqdev_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = rseqdev_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

/* rseq is open to every user through the system call; so is the device. */
static struct miscdevice rseqdev_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = RSEQDEV_DEVICE_NAME,
	.fops = &rseqdev_fops,
	.mode = 0666,
};

int rseqdev_device_register(void)
{
	return misc_register(&rseqdev_misc);
}

void rseqdev_device_unregister(void)
{
	misc_deregister(&rseqdev_misc);
}
