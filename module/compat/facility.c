// SPDX-License-Identifier: GPL-2.0-only
/*
 * The load-time report of a missing kernel facility: one line naming it,
 * which the test harness and an administrator read. The test-only build
 * can pretend a facility is missing, through the core's callback.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/printk.h>

#include "layer.h"

static bool (*facility_hidden)(const char *name);

void rseqdev_compat_facility_hide_with(bool (*hidden)(const char *name))
{
	facility_hidden = hidden;
}

bool rseqdev_compat_facility_hidden(const char *name)
{
	return facility_hidden && facility_hidden(name);
}

/* Logs a missing facility; returns true when it is present. */
bool rseqdev_compat_facility_present(const char *what, const char *name,
				     bool present)
{
	if (present && !rseqdev_compat_facility_hidden(name))
		return true;
	pr_err("kernel facility missing: %s%s\n", what, name);
	return false;
}
