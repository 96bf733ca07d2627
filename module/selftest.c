// SPDX-License-Identifier: GPL-2.0-only
/*
 * Test-only injections, built only with CONFIG_RSEQDEV_SELFTEST=y. The VM
 * harness loads this variant to prove that it notices what it must notice:
 * a kernel facility that is missing, and a kernel warning.
 */
#include <linux/bug.h>
#include <linux/module.h>
#include <linux/string.h>

#include "internal.h"

static char *hide_facility = "";
module_param(hide_facility, charp, 0444);
MODULE_PARM_DESC(hide_facility, "pretend every kernel facility whose name contains this is missing");

static bool warn_at_load;
module_param(warn_at_load, bool, 0444);
MODULE_PARM_DESC(warn_at_load, "emit a kernel warning once loaded");

bool rseqdev_selftest_hides(const char *facility)
{
	return hide_facility[0] && strstr(facility, hide_facility);
}

void rseqdev_selftest_at_load(void)
{
	WARN(warn_at_load, RSEQDEV_NAME ": selftest warning requested\n");
}
