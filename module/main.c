// SPDX-License-Identifier: GPL-2.0-only
/*
 * rseqdev: restartable sequences and cpu_opv for stock kernels, as a
 * loadable module serving /dev/rseq.
 *
 * Load order: check that the kernel has every facility the module is built
 * on, then publish the device. Nothing is published when a check fails, so
 * a half-working module never reaches user space.
 */
#include <linux/module.h>

#include "compat/compat.h"
#include "internal.h"

static int __init rseqdev_init(void)
{
	int ret;

	ret = compat_check_facilities();
	if (ret) {
		pr_err(RSEQDEV_NAME ": not loading: this kernel lacks a facility listed above\n");
		return ret;
	}

	ret = rseqdev_device_register();
	if (ret)
		return ret;

	rseqdev_selftest_at_load();
	return 0;
}

static void __exit rseqdev_exit(void)
{
	rseqdev_device_unregister();
}

module_init(rseqdev_init);
module_exit(rseqdev_exit);

MODULE_DESCRIPTION("Restartable sequences and cpu_opv through /dev/rseq");
MODULE_LICENSE("GPL");
MODULE_VERSION(RSEQDEV_VERSION);
