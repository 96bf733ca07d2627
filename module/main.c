// SPDX-License-Identifier: GPL-2.0-only
/*
 * rseqdev: restartable sequences and cpu_opv for stock kernels, as a
 * loadable module serving /dev/rseq.
 *
 * Load order: check that the kernel has every facility the module is built
 * on and attach to it, then publish the device. Nothing is published when
 * a check fails, so a half-working module never reaches user space.
 */
#include <linux/module.h>

#include "compat/compat.h"
#include "internal.h"

static int __init rseqdev_init(void)
{
	int ret;

	ret = rseqdev_compat_hooks_install(&rseqdev_thread_events);
	if (ret) {
		if (ret == -EOPNOTSUPP)
			pr_err(RSEQDEV_NAME ": not loading: this kernel lacks a facility listed above\n");
		return ret;
	}

	if (rseqdev_gen_start())
		pr_warn(RSEQDEV_NAME ": debug mode needs the sys_exit tracepoint; it stays off\n");
	rseqdev_slice_start();

	ret = rseqdev_device_register();
	if (ret) {
		rseqdev_slice_stop();
		rseqdev_gen_stop();
		rseqdev_compat_hooks_remove();
		return ret;
	}

	rseqdev_selftest_at_load();
	return 0;
}

/*
 * Every registration holds a module reference, so no thread has a notifier
 * or a state left here; what may remain are hook handlers still running on
 * other CPUs and task_work callbacks preempted just after their last
 * module_put().
 */
static void __exit rseqdev_exit(void)
{
	rseqdev_device_unregister();
	rseqdev_slice_stop();
	rseqdev_gen_stop();
	rseqdev_compat_hooks_remove();
	rseqdev_mm_exit();
	rseqdev_compat_wait_module_text_unused();
}

module_init(rseqdev_init);
module_exit(rseqdev_exit);

MODULE_DESCRIPTION("Restartable sequences and cpu_opv through /dev/rseq");
MODULE_LICENSE("GPL");
MODULE_VERSION(RSEQDEV_VERSION);
