/* SPDX-License-Identifier: GPL-2.0-only WITH Linux-syscall-note */
/*
 * rseqdev: restartable sequences and cpu_opv served by a loadable module
 * through the character device /dev/rseq.
 *
 * This header is the whole ABI between the module and user space. The
 * per-thread struct rseq and struct rseq_cs keep the layout and semantics of
 * mainline's <linux/rseq.h>; only registration and cpu_opv go through ioctl.
 *
 * Conventions every ioctl of the device follows:
 *  - The argument is a pointer to a struct that starts with "__u32 size" and
 *    "__u32 flags". The caller sets size to sizeof() of the struct it was
 *    built with: size is the struct's version. The ioctl number encodes the
 *    size of the first version and never changes.
 *  - size below the first version, or above 4096: EINVAL. size above what
 *    the module knows: the extra bytes must be zero, else E2BIG; the module
 *    writes back at most size bytes, so older callers keep working.
 *  - Unknown bits in flags: EINVAL. A pointer that cannot be read or
 *    written: EFAULT. An unknown ioctl number: ENOTTY.
 *  - Pointers inside structs are __u64 so that 32-bit and 64-bit callers
 *    share one layout.
 */
#ifndef _UAPI_LINUX_RSEQDEV_H
#define _UAPI_LINUX_RSEQDEV_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define RSEQDEV_DEVICE_NAME	"rseq"
#define RSEQDEV_DEVICE_PATH	"/dev/rseq"

/* Bumped on incompatible changes only; growth goes through "size". */
#define RSEQDEV_ABI_VERSION	1

#define RSEQDEV_IOC_MAGIC	0xB5

/* Upper bound on the size field of any ioctl struct. */
#define RSEQDEV_MAX_ARG_SIZE	4096

/*
 * Feature bits reported by RSEQDEV_IOC_QUERY. A bit is set only when the
 * loaded module implements the feature.
 */
#define RSEQDEV_FEATURE_RSEQ		(1ULL << 0) /* registration + aborts */
#define RSEQDEV_FEATURE_NODE_ID		(1ULL << 1) /* struct rseq::node_id */
#define RSEQDEV_FEATURE_MM_CID		(1ULL << 2) /* struct rseq::mm_cid */
#define RSEQDEV_FEATURE_CPU_OPV		(1ULL << 3) /* RSEQDEV_IOC_CPU_OPV */
#define RSEQDEV_FEATURE_FENCE		(1ULL << 4) /* cross-CPU rseq fence */

/*
 * cpu_opv limits. One vector runs with preemption off on its target CPU,
 * so its size bounds the preemption-off time: at most one page copied plus
 * fifteen word-sized operations.
 */
#define RSEQDEV_CPU_OPV_MAX_OPS		16
#define RSEQDEV_CPU_OPV_MAX_OP_LEN	4096
#define RSEQDEV_CPU_OPV_MAX_TOTAL_LEN	(4096 + 15 * 8)

/**
 * struct rseqdev_query - what the loaded module provides
 * @size:		in: sizeof(struct rseqdev_query) as the caller knows it
 * @flags:		in: must be 0
 * @abi_version:	out: RSEQDEV_ABI_VERSION of the module
 * @rseq_feature_size:	out: what AT_RSEQ_FEATURE_SIZE would report for the
 *			module's struct rseq (offsetof(struct rseq, end))
 * @features:		out: RSEQDEV_FEATURE_* bits
 * @rseq_align:		out: required alignment of struct rseq (AT_RSEQ_ALIGN)
 * @nr_cpu_ids:		out: one more than the highest possible CPU number
 * @cpu_opv_max_ops:	out: RSEQDEV_CPU_OPV_MAX_OPS
 * @cpu_opv_max_op_len:	out: RSEQDEV_CPU_OPV_MAX_OP_LEN
 * @cpu_opv_max_total_len: out: RSEQDEV_CPU_OPV_MAX_TOTAL_LEN
 * @reserved:		out: zero
 */
struct rseqdev_query {
	__u32 size;
	__u32 flags;
	__u32 abi_version;
	__u32 rseq_feature_size;
	__u64 features;
	__u32 rseq_align;
	__u32 nr_cpu_ids;
	__u32 cpu_opv_max_ops;
	__u32 cpu_opv_max_op_len;
	__u32 cpu_opv_max_total_len;
	__u32 reserved;
};

#define RSEQDEV_QUERY_SIZE_VER0	48	/* sizeof first published version */

#define RSEQDEV_IOC_QUERY	_IOWR(RSEQDEV_IOC_MAGIC, 0x00, struct rseqdev_query)

#endif /* _UAPI_LINUX_RSEQDEV_H */
