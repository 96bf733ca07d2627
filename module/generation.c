// SPDX-License-Identifier: GPL-2.0-only
/*
 * Generations: which mainline kernel's rseq rules a registration follows.
 *
 * "classic" is mainline 4.18 to 6.18, what the supported kernels run
 * natively. "7.1" is mainline 7.1 with the time-slice extension compiled
 * in but switched off (rseq_slice_ext=0): no feature bit is advertised and
 * the extension's prctl is refused, while the optimized rules still clear
 * slice_ctrl. A registration names its generation or takes the default,
 * the parameter "generation". Changing the parameter at run time affects
 * later registrations only: a thread keeps the rules it registered under,
 * and so does a child forked from it.
 */
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/string.h>

#include "compat/compat.h"
#include "internal.h"

static const struct rseqdev_gen_rules rseqdev_gens[RSEQDEV_NR_GENS] = {
	[RSEQDEV_GEN_CLASSIC] = {
		.gen = RSEQDEV_GEN_CLASSIC,
		.name = "classic",
		.feature_size = RSEQDEV_GEN_CLASSIC_FEATURE_SIZE,
		.align = RSEQDEV_GEN_CLASSIC_ALIGN,
	},
	[RSEQDEV_GEN_7_1] = {
		.gen = RSEQDEV_GEN_7_1,
		.name = "7.1",
		.feature_size = RSEQDEV_GEN_7_1_FEATURE_SIZE,
		.align = RSEQDEV_GEN_7_1_ALIGN,
		.register_flags = RSEQDEV_RSEQ_FLAG_SLICE_EXT_DEFAULT_ON,
		.split_by_length = true,
	},
};

static unsigned int rseqdev_default_gen = RSEQDEV_GEN_CLASSIC;

static int rseqdev_gen_param_set(const char *val, const struct kernel_param *kp)
{
	unsigned int gen;

	for (gen = RSEQDEV_GEN_CLASSIC; gen < RSEQDEV_NR_GENS; gen++) {
		if (sysfs_streq(val, rseqdev_gens[gen].name)) {
			WRITE_ONCE(rseqdev_default_gen, gen);
			return 0;
		}
	}
	return -EINVAL;
}

static int rseqdev_gen_param_get(char *buf, const struct kernel_param *kp)
{
	return scnprintf(buf, PAGE_SIZE, "%s\n",
			 rseqdev_gens[READ_ONCE(rseqdev_default_gen)].name);
}

static const struct kernel_param_ops rseqdev_gen_param_ops = {
	.set = rseqdev_gen_param_set,
	.get = rseqdev_gen_param_get,
};

module_param_cb(generation, &rseqdev_gen_param_ops, NULL, 0644);
MODULE_PARM_DESC(generation,
		 "rules of registrations that name none: classic (default) or 7.1");

/**
 * rseqdev_gen_rules() - the rules a registration asks for
 * @requested: RSEQDEV_GEN_* from user space, RSEQDEV_GEN_DEFAULT included
 *
 * Return: the generation's rules, or NULL for a value outside the ABI.
 */
const struct rseqdev_gen_rules *rseqdev_gen_rules(u32 requested)
{
	if (requested >= RSEQDEV_NR_GENS)
		return NULL;
	if (requested == RSEQDEV_GEN_DEFAULT)
		requested = READ_ONCE(rseqdev_default_gen);
	return &rseqdev_gens[requested];
}

/* Bit (1 << RSEQDEV_GEN_x) for each generation the module runs. */
u32 rseqdev_gen_mask(void)
{
	return BIT(RSEQDEV_GEN_CLASSIC) | BIT(RSEQDEV_GEN_7_1);
}

/*
 * 7.1's debug mode (mainline's rseq_debug): the full descriptor checks
 * whenever rseq_cs is examined, the ID fields checked before every update
 * of legacy registrations too, and rseq_cs checked at every system call
 * exit. The last needs a hook on every system call of every task, armed
 * only while debug mode is on and the module's hooks are in place.
 */
static bool rseqdev_debug;
static bool rseqdev_hooks_ready;
static DEFINE_MUTEX(rseqdev_debug_lock);

static int rseqdev_debug_param_set(const char *val, const struct kernel_param *kp)
{
	bool on;
	int ret = kstrtobool(val, &on);

	if (ret)
		return ret;
	mutex_lock(&rseqdev_debug_lock);
	if (rseqdev_hooks_ready)
		ret = rseqdev_compat_syscall_exit_watch(on);
	if (!ret)
		WRITE_ONCE(rseqdev_debug, on);
	mutex_unlock(&rseqdev_debug_lock);
	return ret;
}

static int rseqdev_debug_param_get(char *buf, const struct kernel_param *kp)
{
	return scnprintf(buf, PAGE_SIZE, "%c\n", READ_ONCE(rseqdev_debug) ? 'Y' : 'N');
}

static const struct kernel_param_ops rseqdev_debug_param_ops = {
	.set = rseqdev_debug_param_set,
	.get = rseqdev_debug_param_get,
};

module_param_cb(debug, &rseqdev_debug_param_ops, NULL, 0644);
MODULE_PARM_DESC(debug, "7.1 generation: mainline's rseq_debug checks (slows every system call)");

/* Whether 7.1's debug checks are on. */
bool rseqdev_gen_debug(void)
{
	return READ_ONCE(rseqdev_debug);
}

/**
 * rseqdev_gen_start() - the hooks are in place: arm what debug mode needs
 *
 * Return: 0, or the error of arming it (debug mode then stays off).
 */
int rseqdev_gen_start(void)
{
	int ret = 0;

	mutex_lock(&rseqdev_debug_lock);
	rseqdev_hooks_ready = true;
	if (rseqdev_debug)
		ret = rseqdev_compat_syscall_exit_watch(true);
	if (ret)
		WRITE_ONCE(rseqdev_debug, false);
	mutex_unlock(&rseqdev_debug_lock);
	return ret;
}

/* Before the hooks go: disarm. */
void rseqdev_gen_stop(void)
{
	mutex_lock(&rseqdev_debug_lock);
	rseqdev_compat_syscall_exit_watch(false);
	rseqdev_hooks_ready = false;
	mutex_unlock(&rseqdev_debug_lock);
}
