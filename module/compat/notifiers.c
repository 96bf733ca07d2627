// SPDX-License-Identifier: GPL-2.0-only
/*
 * Context switches: a preempt notifier on each registered thread. The
 * scheduler walks a task's notifier list when it switches the task in or
 * out; only the task itself changes the list, so keeping preemption off
 * while it does is all the locking needed.
 */
#include <linux/kconfig.h>
#include <linux/list.h>
#include <linux/preempt.h>
#include <linux/sched.h>

#include "compat.h"
#include "layer.h"

#ifndef CONFIG_PREEMPT_NOTIFIERS
#error "rseqdev needs CONFIG_PREEMPT_NOTIFIERS (context switch hook)"
#endif

/* Without them the build stops at the #error above. */
bool rseqdev_compat_notifiers_available(void)
{
	return rseqdev_compat_facility_present("", "preempt notifiers",
					       IS_ENABLED(CONFIG_PREEMPT_NOTIFIERS));
}

/* Notifiers fire only while the kernel's static key is on. */
void rseqdev_compat_notifiers_start(void)
{
	preempt_notifier_inc();
}

void rseqdev_compat_notifiers_stop(void)
{
	preempt_notifier_dec();
}

void rseqdev_compat_notifier_attach(struct task_struct *task,
				    struct preempt_notifier *notifier)
{
	if (task != current) {
		hlist_add_head(&notifier->link, &task->preempt_notifiers);
		return;
	}
	preempt_disable();
	preempt_notifier_register(notifier);
	preempt_enable();
}

void rseqdev_compat_notifier_detach(struct preempt_notifier *notifier)
{
	preempt_disable();
	preempt_notifier_unregister(notifier);
	preempt_enable();
}

struct preempt_notifier *rseqdev_compat_notifier_find(struct task_struct *task,
						      struct preempt_ops *ops)
{
	struct preempt_notifier *notifier;

	hlist_for_each_entry(notifier, &task->preempt_notifiers, link) {
		if (notifier->ops == ops)
			return notifier;
	}
	return NULL;
}
