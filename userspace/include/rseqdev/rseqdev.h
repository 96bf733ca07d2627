/* SPDX-License-Identifier: LGPL-2.1-only OR MIT */
/*
 * librseqdev: user-space side of the rseqdev module.
 *
 * Functions return 0 (or a descriptor) on success and -1 with errno set on
 * failure, as system calls do.
 */
#ifndef RSEQDEV_RSEQDEV_H
#define RSEQDEV_RSEQDEV_H

#include <linux/rseqdev.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Overrides the device path, for tests and containers with another /dev. */
#define RSEQDEV_ENV_DEVICE	"RSEQDEV_DEVICE"

/**
 * rseqdev_device_path() - path of the device the library opens
 *
 * Return: $RSEQDEV_DEVICE when set and not empty, else RSEQDEV_DEVICE_PATH.
 */
const char *rseqdev_device_path(void);

/**
 * rseqdev_device_fd() - the process's descriptor of the device
 *
 * Opens the device on first use (close-on-exec) and keeps it for the life
 * of the process; threads share it. A failed open is not cached, so a later
 * call succeeds once the module is loaded.
 *
 * Return: the descriptor, or -1 with errno from open(2) (ENOENT when the
 * module is not loaded).
 */
int rseqdev_device_fd(void);

/**
 * rseqdev_query() - ask the module what it provides
 * @query: filled on success; the library sets @query->size and flags
 *
 * Return: 0, or -1 with errno set.
 */
int rseqdev_query(struct rseqdev_query *query);

/**
 * rseqdev_stats() - read the module's counters
 * @stats: filled on success
 * @flags: 0, or RSEQDEV_STATS_RESET_MAX to restart the preemption-off
 *	maximum (needs CAP_SYS_ADMIN)
 *
 * Return: 0, or -1 with errno set.
 */
int rseqdev_stats(struct rseqdev_stats *stats, unsigned int flags);

/**
 * rseqdev_version() - version of this library
 *
 * Return: a string such as "0.1.0"; the module's own is in modinfo.
 */
const char *rseqdev_version(void);

#ifdef __cplusplus
}
#endif

#endif /* RSEQDEV_RSEQDEV_H */
