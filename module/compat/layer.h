/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Declarations shared by the files of the compatibility layer only; the
 * core sees compat.h alone.
 */
#ifndef RSEQDEV_COMPAT_LAYER_H
#define RSEQDEV_COMPAT_LAYER_H

#include <linux/types.h>

/* facility.c */
void rseqdev_compat_facility_hide_with(bool (*hidden)(const char *name));
bool rseqdev_compat_facility_hidden(const char *name);
bool rseqdev_compat_facility_present(const char *what, const char *name,
				     bool present);

/* notifiers.c: notifiers are called only while these are balanced on. */
bool rseqdev_compat_notifiers_available(void);
void rseqdev_compat_notifiers_start(void);
void rseqdev_compat_notifiers_stop(void);

/* access.c */
void rseqdev_compat_access_init(void);

#endif /* RSEQDEV_COMPAT_LAYER_H */
