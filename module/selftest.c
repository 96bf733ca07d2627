// SPDX-License-Identifier: GPL-2.0-only
/*
 * Test-only injections, built only with CONFIG_RSEQDEV_SELFTEST=y. The VM
 * harness loads this variant to prove that it notices what it must notice:
 * a kernel facility that is missing, a kernel warning, a leak and a CPU
 * that stops scheduling; to make the module's own allocations fail, site
 * by site; and to force a switch-out where one may happen.
 */
#include <linux/atomic.h>
#include <linux/bug.h>
#include <linux/module.h>
#include <linux/preempt.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/sysfs.h>

#include "internal.h"

static char *hide_facility = "";
module_param(hide_facility, charp, 0444);
MODULE_PARM_DESC(hide_facility, "pretend every kernel facility whose name contains this is missing");

static bool warn_at_load;
module_param(warn_at_load, bool, 0444);
MODULE_PARM_DESC(warn_at_load, "emit a kernel warning once loaded");

static bool leak_at_load;
module_param(leak_at_load, bool, 0444);
MODULE_PARM_DESC(leak_at_load, "allocate a few bytes once loaded and forget them");

static bool stall_at_load;
module_param(stall_at_load, bool, 0444);
MODULE_PARM_DESC(stall_at_load, "spin forever with preemption off once loaded");

static bool sleep_when_preemptible;
module_param(sleep_when_preemptible, bool, 0644);
MODULE_PARM_DESC(sleep_when_preemptible, "sleep a tick at the marked points where a thread's teardown may be switched out");

static atomic_t preemptible_sleeps;

static int get_preemptible_sleeps(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%d\n", atomic_read(&preemptible_sleeps));
}

static const struct kernel_param_ops preemptible_sleeps_ops = {
	.get = get_preemptible_sleeps,
};
module_param_cb(preemptible_sleeps, &preemptible_sleeps_ops, NULL, 0444);
MODULE_PARM_DESC(preemptible_sleeps, "sleeps taken at those points");

static unsigned int fail_alloc_mask;
module_param(fail_alloc_mask, uint, 0644);
MODULE_PARM_DESC(fail_alloc_mask, "allocation sites that fail: 1 thread state, 2 id table, 4 cpu_opv vector");

static unsigned int fail_alloc_every = 1;
module_param(fail_alloc_every, uint, 0644);
MODULE_PARM_DESC(fail_alloc_every, "fail one allocation in this many at those sites");

static atomic_t fail_alloc_calls;

bool rseqdev_selftest_fails_alloc(enum rseqdev_alloc_site site)
{
	unsigned int every = READ_ONCE(fail_alloc_every);

	if (!(READ_ONCE(fail_alloc_mask) & site))
		return false;
	return every <= 1 || atomic_inc_return(&fail_alloc_calls) % every == 0;
}

bool rseqdev_selftest_hides(const char *facility)
{
	return hide_facility[0] && strstr(facility, hide_facility);
}

void rseqdev_selftest_at_load(void)
{
	WARN(warn_at_load, RSEQDEV_NAME ": selftest warning requested\n");
	/* Nothing keeps the address: kmemleak must report the object. */
	if (leak_at_load && !kmalloc(96, GFP_KERNEL))
		pr_info(RSEQDEV_NAME ": selftest leak: allocation failed\n");
	/* A CPU that never schedules again: the soft-lockup detector's case. */
	if (stall_at_load) {
		preempt_disable();
		for (;;)
			cpu_relax();
	}
}

/*
 * A marked point where the caller may be switched out when it runs
 * preemptible: sleeping there makes the switch-out certain, so a state
 * that must not be left across one (a concurrency id held while not
 * running) shows up as a hang at once instead of once in many runs.
 * Whether it may sleep is the caller's to say: a kernel built without
 * CONFIG_PREEMPT_COUNT (Debian's arm64 ones) cannot tell preemptible()
 * code from atomic code.
 */
void rseqdev_selftest_preemptible_point(bool may_sleep)
{
	if (READ_ONCE(sleep_when_preemptible) && may_sleep) {
		atomic_inc(&preemptible_sleeps);
		schedule_timeout_uninterruptible(1);
	}
}
