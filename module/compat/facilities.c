// SPDX-License-Identifier: GPL-2.0-only
/*
 * Load-time check of the kernel facilities rseqdev is built on.
 *
 * A stock distribution kernel may have been configured without one of
 * them, or may refuse a probe (kprobe blacklist, lockdown). Finding that
 * out at load time, with a line that names the missing piece, beats a
 * module that loads and then silently fails to abort critical sections.
 */
#include <linux/errno.h>
#include <linux/kprobes.h>
#include <linux/printk.h>
#include <linux/string.h>
#include <linux/tracepoint.h>

#include "compat.h"
#include "internal.h"

#ifndef CONFIG_KPROBES
#error "rseqdev needs CONFIG_KPROBES (signal delivery hook)"
#endif
#ifndef CONFIG_PREEMPT_NOTIFIERS
#error "rseqdev needs CONFIG_PREEMPT_NOTIFIERS (context switch hook)"
#endif
#ifndef CONFIG_TRACEPOINTS
#error "rseqdev needs CONFIG_TRACEPOINTS (fork, exec and exit hooks)"
#endif

struct tracepoint_lookup {
	const char *name;
	struct tracepoint *found;
};

static void match_tracepoint(struct tracepoint *tp, void *priv)
{
	struct tracepoint_lookup *lookup = priv;

	if (!strcmp(tp->name, lookup->name))
		lookup->found = tp;
}

/*
 * The scheduler's lifecycle tracepoints are not exported by symbol; walking
 * the kernel's tracepoint table by name is the exported way to reach them.
 */
static struct tracepoint *find_kernel_tracepoint(const char *name)
{
	struct tracepoint_lookup lookup = { .name = name };

	for_each_kernel_tracepoint(match_tracepoint, &lookup);
	return lookup.found;
}

static int noop_pre_handler(struct kprobe *p, struct pt_regs *regs)
{
	return 0;
}

/* Signal delivery is observed through a kprobe on get_signal(). */
static bool have_signal_kprobe(void)
{
	struct kprobe probe = {
		.symbol_name = "get_signal",
		.pre_handler = noop_pre_handler,
	};

	if (register_kprobe(&probe))
		return false;
	unregister_kprobe(&probe);
	return true;
}

static const char * const lifecycle_tracepoints[] = {
	"sched_process_fork",
	"sched_process_exec",
	"sched_process_exit",
};

/* Reports a missing facility; returns true when it is present. */
static bool facility_present(const char *what, bool present)
{
	if (present && !rseqdev_selftest_hides(what))
		return true;
	pr_err(RSEQDEV_NAME ": kernel facility missing: %s\n", what);
	return false;
}

int compat_check_facilities(void)
{
	bool ok = true;
	char what[64];
	int i;

	ok &= facility_present("kprobe on get_signal", have_signal_kprobe());
	/* Without them the build stops at the #error above. */
	ok &= facility_present("preempt notifiers",
			       IS_ENABLED(CONFIG_PREEMPT_NOTIFIERS));
	for (i = 0; i < ARRAY_SIZE(lifecycle_tracepoints); i++) {
		snprintf(what, sizeof(what), "tracepoint %s",
			 lifecycle_tracepoints[i]);
		ok &= facility_present(what,
				find_kernel_tracepoint(lifecycle_tracepoints[i]));
	}
	return ok ? 0 : -EOPNOTSUPP;
}
