/* SPDX-License-Identifier: LGPL-2.1-only OR MIT */
/*
 * librseqdev: user-space side of the rseqdev module.
 *
 * Functions return 0 (or a descriptor) on success and -1 with errno set on
 * failure, as system calls do.
 *
 * The library exports names under the rseqdev_ prefix only (the version
 * script userspace/lib/librseqdev.map says the same):
 *
 *   rseqdev_percpu_	the per-CPU data structures and the slow-path policy
 *   rseqdev_cpu_op_	the cpu_opv twins of the per-CPU operations
 *   rseqdev_		the rest: device, registration, backends, fences
 *
 * The bare rseq_ prefix is librseq's: the rseq_* names of these headers
 * (the per-CPU operations, rseq_get_abi(), ...) are static inline and
 * export nothing, so that a program can link librseq and librseqdev
 * together. Registration is rseqdev_register_current_thread(), the area's
 * offset rseqdev_rseq_offset.
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

/* The generation of rseq rules the process's registrations ask for. */
#define RSEQDEV_ENV_GENERATION	"RSEQDEV_GENERATION"

/**
 * rseqdev_requested_generation() - the generation $RSEQDEV_GENERATION names
 * @legacy: if not NULL, set to 1 when it names 7.1's legacy rules, else 0
 *
 * Unset or empty: RSEQDEV_GEN_DEFAULT, the module's default. "classic":
 * RSEQDEV_GEN_CLASSIC. "7.1": RSEQDEV_GEN_7_1, and the library registers
 * an optimized (longer than 32 bytes) area. "7.1-legacy": RSEQDEV_GEN_7_1
 * with a 32-byte area, so legacy rules. The length of an area registered
 * by someone else (glibc through the preload shim) is that registrant's
 * choice. Async-signal-safe.
 *
 * Return: RSEQDEV_GEN_*, or -1 with errno EINVAL for any other value.
 */
int rseqdev_requested_generation(int *legacy);

/**
 * rseqdev_rseq() - the rseq system call, served by the module
 * @area:	the calling thread's struct rseqdev_rseq (struct rseq)
 * @len:	its length
 * @flags:	0, RSEQDEV_RSEQ_FLAG_UNREGISTER, or for the 7.1 generation
 *		RSEQDEV_RSEQ_FLAG_SLICE_EXT_DEFAULT_ON
 * @sig:	the abort signature
 *
 * Same arguments, results and errno values as syscall(__NR_rseq, ...) on
 * a kernel of the generation rseqdev_requested_generation() names, which
 * a registration asks for. Async-signal-safe once the device is open.
 *
 * Return: 0, or -1 with errno set (also from opening the device, and
 * EINVAL for an unknown $RSEQDEV_GENERATION).
 */
int rseqdev_rseq(void *area, unsigned int len, int flags, unsigned int sig);

/**
 * rseqdev_fence_register() - register the process for rseqdev_fence()
 *
 * Return: 0, or -1 with errno set.
 */
int rseqdev_fence_register(void);

/**
 * rseqdev_fence() - abort the critical sections running on other CPUs
 * @flags:	0 for every CPU, or RSEQDEV_FENCE_CPU for @cpu only
 * @cpu:	with RSEQDEV_FENCE_CPU, the CPU, or -1 for every CPU
 *
 * See struct rseqdev_fence. Only threads registered through the module
 * are concerned; rseqdev_rseq_fence() covers either backend.
 *
 * Return: 0, or -1 with errno set (EPERM before rseqdev_fence_register()).
 */
int rseqdev_fence(unsigned int flags, int cpu);

/**
 * rseqdev_threads() - the threads of a process registered through the module
 * @pid:	any thread id of the process, 0 for the caller's
 * @info:	array of @nr entries, filled in order
 * @nr:		capacity of @info
 *
 * Return: the number of registered threads (which may exceed @nr: only @nr
 * entries are written), or -1 with errno set.
 */
int rseqdev_threads(int pid, struct rseqdev_thread_info *info, unsigned int nr);

/**
 * rseqdev_slice_prctl() - prctl(PR_RSEQ_SLICE_EXTENSION, ...) of mainline
 *	7.0+, served by the module for the calling thread
 * @op:		RSEQDEV_PR_RSEQ_SLICE_EXTENSION_GET or _SET
 * @arg3:	GET: 0; SET: RSEQDEV_PR_RSEQ_SLICE_EXT_ENABLE or 0
 * @arg4:	0
 * @arg5:	0
 *
 * Answers as the generation rseqdev_requested_generation() names would,
 * for a thread the module has not registered. See struct
 * rseqdev_slice_prctl for the errors, among them ENOTSUPP (524), which
 * <errno.h> does not name.
 *
 * Return: what the prctl returns (GET: 1 when enabled, else 0), or -1
 * with errno set.
 */
int rseqdev_slice_prctl(unsigned long op, unsigned long arg3,
			unsigned long arg4, unsigned long arg5);

/**
 * rseqdev_slice_yield() - rseq_slice_yield() of mainline 7.0+: give the
 *	CPU back at the end of a time-slice extension
 *
 * Async-signal-safe once the device is open.
 *
 * Return: 1 when the call ended a grant still running, 0 when there was
 * none (never granted, or ended already), -1 with errno when the device
 * cannot be opened.
 */
int rseqdev_slice_yield(void);

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
