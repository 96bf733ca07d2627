// SPDX-License-Identifier: GPL-2.0-only
/*
 * May the caller inspect another process? The answer must be the one the
 * kernel gives for /proc/PID/maps or /proc/PID/environ:
 * ptrace_may_access(task, PTRACE_MODE_READ_FSCREDS), which checks the
 * caller's filesystem credentials against the target's, the target's
 * dumpability, CAP_SYS_PTRACE in the target's user namespace, and then
 * asks every LSM (Yama, AppArmor, SELinux...). A copy of the credential
 * rules would skip the LSMs, so the module calls the kernel's function.
 *
 * Neither ptrace_may_access() nor security_ptrace_access_check() is
 * exported (Debian 6.1 and 6.12). The kprobe API resolves any kernel
 * symbol by name, the way events.c finds get_signal(); the address it
 * reports is kept and called. Registering the probe for a moment costs a
 * breakpoint that no handler claims.
 *
 * Where the architecture checks indirect calls against what the kernel
 * marked as their targets (rseqdev_compat_indirect_calls_checked()), a
 * call to a function whose address no kernel code takes, such as this
 * one, faults. There the check is not called, and only the caller's own
 * process may be inspected.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kprobes.h>
#include <linux/printk.h>
#include <linux/ptrace.h>
#include <linux/sched/signal.h>

#include "compat.h"
#include "layer.h"

static const char ptrace_check_name[] = "ptrace_may_access";

static bool (*kernel_ptrace_check)(struct task_struct *task, unsigned int mode);

/* Where the kernel's function @name starts, or NULL. */
static void *lookup_kernel_function(const char *name)
{
	struct kprobe probe = { .symbol_name = name };
	void *addr;

	if (register_kprobe(&probe))
		return NULL;
	addr = probe.addr;
	unregister_kprobe(&probe);
	return addr;
}

void rseqdev_compat_access_init(void)
{
	void *addr = NULL;

	if (!rseqdev_compat_indirect_calls_checked() &&
	    !rseqdev_compat_facility_hidden(ptrace_check_name))
		addr = lookup_kernel_function(ptrace_check_name);
	kernel_ptrace_check = addr;
	if (!addr)
		pr_warn("%s unreachable: a process may inspect only itself\n",
			ptrace_check_name);
}

bool rseqdev_compat_may_inspect(struct task_struct *task)
{
	if (same_thread_group(task, current))
		return true;
	return kernel_ptrace_check &&
	       kernel_ptrace_check(task, PTRACE_MODE_READ_FSCREDS);
}
