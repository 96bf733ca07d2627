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

/* regs.c: @regs of a kprobe on a function's first instruction. */
unsigned long rseqdev_compat_entry_return_address(struct pt_regs *regs);

/* resched.c */
bool rseqdev_compat_schedule_hook_available(const struct rseqdev_compat_events *events);

/* access.c */
void rseqdev_compat_access_init(void);

#endif /* RSEQDEV_COMPAT_LAYER_H */
