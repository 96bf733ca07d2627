/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Declarations shared by the files of the compatibility layer only; the
 * core sees compat.h alone.
 */
#ifndef RSEQDEV_COMPAT_LAYER_H
#define RSEQDEV_COMPAT_LAYER_H

#include <linux/types.h>

struct pt_regs;
struct rseqdev_compat_events;

/* facility.c */
void rseqdev_compat_facility_hide_with(bool (*hidden)(const char *name));
bool rseqdev_compat_facility_hidden(const char *name);
bool rseqdev_compat_facility_present(const char *what, const char *name,
				     bool present);

/* notifiers.c: notifiers are called only while these are balanced on. */
bool rseqdev_compat_notifiers_available(void);
void rseqdev_compat_notifiers_start(void);
void rseqdev_compat_notifiers_stop(void);

/*
 * arch_$(SRCARCH).c, the architecture's file. Besides the register
 * helpers compat.h declares, it says:
 * rseqdev_compat_entry_return_address()  where a function called from,
 *	given the @regs of a kprobe on its first instruction
 * rseqdev_compat_indirect_calls_checked()  whether an indirect call to a
 *	kernel function that no code takes the address of would fault
 * rseqdev_compat_is_exit_loop_home()  whether the function @name holds
 *	the schedule() call of the loop that runs the work pending on the
 *	way back to user space
 * rseqdev_compat_exit_work_pending()  current's thread flags that this
 *	loop handles, those set
 */
unsigned long rseqdev_compat_entry_return_address(struct pt_regs *regs);
bool rseqdev_compat_indirect_calls_checked(void);
bool rseqdev_compat_is_exit_loop_home(const char *name);
unsigned long rseqdev_compat_exit_work_pending(void);

/* resched.c */
bool rseqdev_compat_schedule_hook_available(const struct rseqdev_compat_events *events);

/* access.c */
void rseqdev_compat_access_init(void);

#endif /* RSEQDEV_COMPAT_LAYER_H */
