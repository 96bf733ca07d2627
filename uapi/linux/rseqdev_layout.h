/* SPDX-License-Identifier: GPL-2.0-only WITH Linux-syscall-note */
/*
 * The frozen layout of <linux/rseqdev.h>, checked at compile time.
 *
 * Binaries built against an earlier header keep working only while every
 * field stays where it was, and the ioctl numbers never change. The module
 * and the library include this file, so a change that moves a field breaks
 * their build, whichever compiler builds them. It is not installed.
 *
 * Each struct's fields are listed in order with their offsets and sizes,
 * end to end up to the struct's size: the lists show that there is no hole
 * either. tests/host/uapi.t checks that against the compilers' debug info.
 * Only the C compiler is needed: no header, and the same code for the
 * kernel and for user space.
 */
#ifndef _UAPI_LINUX_RSEQDEV_LAYOUT_H
#define _UAPI_LINUX_RSEQDEV_LAYOUT_H

#include <linux/rseqdev.h>

#define RSEQDEV_LAYOUT_FIELD(type, field, offset, size)			\
	_Static_assert(__builtin_offsetof(struct type, field) == (offset) &&	\
		       sizeof(((struct type *)0)->field) == (size),		\
		       #type "." #field ": offset " #offset ", size " #size)

#define RSEQDEV_LAYOUT_SIZE(type, size)					\
	_Static_assert(sizeof(struct type) == (size), #type ": size " #size)

RSEQDEV_LAYOUT_SIZE(rseqdev_query, 56);
RSEQDEV_LAYOUT_FIELD(rseqdev_query, size, 0, 4);
RSEQDEV_LAYOUT_FIELD(rseqdev_query, flags, 4, 4);
RSEQDEV_LAYOUT_FIELD(rseqdev_query, abi_version, 8, 4);
RSEQDEV_LAYOUT_FIELD(rseqdev_query, rseq_feature_size, 12, 4);
RSEQDEV_LAYOUT_FIELD(rseqdev_query, features, 16, 8);
RSEQDEV_LAYOUT_FIELD(rseqdev_query, rseq_align, 24, 4);
RSEQDEV_LAYOUT_FIELD(rseqdev_query, nr_cpu_ids, 28, 4);
RSEQDEV_LAYOUT_FIELD(rseqdev_query, cpu_opv_max_ops, 32, 4);
RSEQDEV_LAYOUT_FIELD(rseqdev_query, cpu_opv_max_op_len, 36, 4);
RSEQDEV_LAYOUT_FIELD(rseqdev_query, cpu_opv_max_total_len, 40, 4);
RSEQDEV_LAYOUT_FIELD(rseqdev_query, cpu_opv_nr_op_types, 44, 4);
RSEQDEV_LAYOUT_FIELD(rseqdev_query, generations, 48, 4);
RSEQDEV_LAYOUT_FIELD(rseqdev_query, default_generation, 52, 4);

/* Mainline's struct rseq_cs and struct rseq, alignment included. */
RSEQDEV_LAYOUT_SIZE(rseqdev_rseq_cs, 32);
_Static_assert(__alignof__(struct rseqdev_rseq_cs) == 32, "rseqdev_rseq_cs: aligned(32)");
RSEQDEV_LAYOUT_FIELD(rseqdev_rseq_cs, version, 0, 4);
RSEQDEV_LAYOUT_FIELD(rseqdev_rseq_cs, flags, 4, 4);
RSEQDEV_LAYOUT_FIELD(rseqdev_rseq_cs, start_ip, 8, 8);
RSEQDEV_LAYOUT_FIELD(rseqdev_rseq_cs, post_commit_offset, 16, 8);
RSEQDEV_LAYOUT_FIELD(rseqdev_rseq_cs, abort_ip, 24, 8);

/* The one struct with padding: 31 bytes after end (see struct rseqdev_rseq). */
RSEQDEV_LAYOUT_SIZE(rseqdev_rseq, 64);
_Static_assert(__alignof__(struct rseqdev_rseq) == 32, "rseqdev_rseq: aligned(32)");
RSEQDEV_LAYOUT_FIELD(rseqdev_rseq, cpu_id_start, 0, 4);
RSEQDEV_LAYOUT_FIELD(rseqdev_rseq, cpu_id, 4, 4);
RSEQDEV_LAYOUT_FIELD(rseqdev_rseq, rseq_cs, 8, 8);
RSEQDEV_LAYOUT_FIELD(rseqdev_rseq, flags, 16, 4);
RSEQDEV_LAYOUT_FIELD(rseqdev_rseq, node_id, 20, 4);
RSEQDEV_LAYOUT_FIELD(rseqdev_rseq, mm_cid, 24, 4);
RSEQDEV_LAYOUT_FIELD(rseqdev_rseq, slice_ctrl, RSEQDEV_GEN_CLASSIC_FEATURE_SIZE, 4);
RSEQDEV_LAYOUT_FIELD(rseqdev_rseq, reserved, 32, 1);
_Static_assert(__builtin_offsetof(struct rseqdev_rseq, end) == RSEQDEV_GEN_7_1_FEATURE_SIZE,
	       "rseqdev_rseq.end: offset 33, the 7.1 feature size");

RSEQDEV_LAYOUT_SIZE(rseqdev_register, 32);
RSEQDEV_LAYOUT_FIELD(rseqdev_register, size, 0, 4);
RSEQDEV_LAYOUT_FIELD(rseqdev_register, flags, 4, 4);
RSEQDEV_LAYOUT_FIELD(rseqdev_register, rseq, 8, 8);
RSEQDEV_LAYOUT_FIELD(rseqdev_register, rseq_len, 16, 4);
RSEQDEV_LAYOUT_FIELD(rseqdev_register, sig, 20, 4);
RSEQDEV_LAYOUT_FIELD(rseqdev_register, generation, 24, 4);
RSEQDEV_LAYOUT_FIELD(rseqdev_register, reserved, 28, 4);

/* Every form of the union fills it whole. */
RSEQDEV_LAYOUT_SIZE(rseqdev_cpu_op, 32);
RSEQDEV_LAYOUT_FIELD(rseqdev_cpu_op, op, 0, 4);
RSEQDEV_LAYOUT_FIELD(rseqdev_cpu_op, len, 4, 4);
RSEQDEV_LAYOUT_FIELD(rseqdev_cpu_op, u, 8, 24);
RSEQDEV_LAYOUT_FIELD(rseqdev_cpu_op, u.compare, 8, 24);
RSEQDEV_LAYOUT_FIELD(rseqdev_cpu_op, u.compare.a, 8, 8);
RSEQDEV_LAYOUT_FIELD(rseqdev_cpu_op, u.compare.b, 16, 8);
RSEQDEV_LAYOUT_FIELD(rseqdev_cpu_op, u.compare.expect_fault_a, 24, 1);
RSEQDEV_LAYOUT_FIELD(rseqdev_cpu_op, u.compare.expect_fault_b, 25, 1);
RSEQDEV_LAYOUT_FIELD(rseqdev_cpu_op, u.compare.pad, 26, 6);
RSEQDEV_LAYOUT_FIELD(rseqdev_cpu_op, u.memcpy, 8, 24);
RSEQDEV_LAYOUT_FIELD(rseqdev_cpu_op, u.memcpy.dst, 8, 8);
RSEQDEV_LAYOUT_FIELD(rseqdev_cpu_op, u.memcpy.src, 16, 8);
RSEQDEV_LAYOUT_FIELD(rseqdev_cpu_op, u.memcpy.expect_fault_dst, 24, 1);
RSEQDEV_LAYOUT_FIELD(rseqdev_cpu_op, u.memcpy.expect_fault_src, 25, 1);
RSEQDEV_LAYOUT_FIELD(rseqdev_cpu_op, u.memcpy.pad, 26, 6);
RSEQDEV_LAYOUT_FIELD(rseqdev_cpu_op, u.arithmetic, 8, 24);
RSEQDEV_LAYOUT_FIELD(rseqdev_cpu_op, u.arithmetic.p, 8, 8);
RSEQDEV_LAYOUT_FIELD(rseqdev_cpu_op, u.arithmetic.count, 16, 8);
RSEQDEV_LAYOUT_FIELD(rseqdev_cpu_op, u.arithmetic.expect_fault_p, 24, 1);
RSEQDEV_LAYOUT_FIELD(rseqdev_cpu_op, u.arithmetic.pad, 25, 7);
RSEQDEV_LAYOUT_FIELD(rseqdev_cpu_op, u.bitwise, 8, 24);
RSEQDEV_LAYOUT_FIELD(rseqdev_cpu_op, u.bitwise.p, 8, 8);
RSEQDEV_LAYOUT_FIELD(rseqdev_cpu_op, u.bitwise.mask, 16, 8);
RSEQDEV_LAYOUT_FIELD(rseqdev_cpu_op, u.bitwise.expect_fault_p, 24, 1);
RSEQDEV_LAYOUT_FIELD(rseqdev_cpu_op, u.bitwise.pad, 25, 7);
RSEQDEV_LAYOUT_FIELD(rseqdev_cpu_op, u.shift, 8, 24);
RSEQDEV_LAYOUT_FIELD(rseqdev_cpu_op, u.shift.p, 8, 8);
RSEQDEV_LAYOUT_FIELD(rseqdev_cpu_op, u.shift.bits, 16, 4);
RSEQDEV_LAYOUT_FIELD(rseqdev_cpu_op, u.shift.expect_fault_p, 20, 1);
RSEQDEV_LAYOUT_FIELD(rseqdev_cpu_op, u.shift.pad, 21, 11);
RSEQDEV_LAYOUT_FIELD(rseqdev_cpu_op, u.reserved, 8, 24);

RSEQDEV_LAYOUT_SIZE(rseqdev_cpu_opv, 24);
RSEQDEV_LAYOUT_FIELD(rseqdev_cpu_opv, size, 0, 4);
RSEQDEV_LAYOUT_FIELD(rseqdev_cpu_opv, flags, 4, 4);
RSEQDEV_LAYOUT_FIELD(rseqdev_cpu_opv, ops, 8, 8);
RSEQDEV_LAYOUT_FIELD(rseqdev_cpu_opv, nr_ops, 16, 4);
RSEQDEV_LAYOUT_FIELD(rseqdev_cpu_opv, cpu, 20, 4);

RSEQDEV_LAYOUT_SIZE(rseqdev_stats, 112);
RSEQDEV_LAYOUT_FIELD(rseqdev_stats, size, 0, 4);
RSEQDEV_LAYOUT_FIELD(rseqdev_stats, flags, 4, 4);
RSEQDEV_LAYOUT_FIELD(rseqdev_stats, threads, 8, 8);
RSEQDEV_LAYOUT_FIELD(rseqdev_stats, processes, 16, 8);
RSEQDEV_LAYOUT_FIELD(rseqdev_stats, registrations, 24, 8);
RSEQDEV_LAYOUT_FIELD(rseqdev_stats, aborts, 32, 8);
RSEQDEV_LAYOUT_FIELD(rseqdev_stats, cpu_opv_calls, 40, 8);
RSEQDEV_LAYOUT_FIELD(rseqdev_stats, cpu_opv_max_preempt_off_ns, 48, 8);
RSEQDEV_LAYOUT_FIELD(rseqdev_stats, fences, 56, 8);
RSEQDEV_LAYOUT_FIELD(rseqdev_stats, fence_ipis, 64, 8);
RSEQDEV_LAYOUT_FIELD(rseqdev_stats, slice_granted, 72, 8);
RSEQDEV_LAYOUT_FIELD(rseqdev_stats, slice_expired, 80, 8);
RSEQDEV_LAYOUT_FIELD(rseqdev_stats, slice_revoked, 88, 8);
RSEQDEV_LAYOUT_FIELD(rseqdev_stats, slice_yielded, 96, 8);
RSEQDEV_LAYOUT_FIELD(rseqdev_stats, slice_aborted, 104, 8);

RSEQDEV_LAYOUT_SIZE(rseqdev_slice_prctl, 48);
RSEQDEV_LAYOUT_FIELD(rseqdev_slice_prctl, size, 0, 4);
RSEQDEV_LAYOUT_FIELD(rseqdev_slice_prctl, flags, 4, 4);
RSEQDEV_LAYOUT_FIELD(rseqdev_slice_prctl, op, 8, 8);
RSEQDEV_LAYOUT_FIELD(rseqdev_slice_prctl, arg3, 16, 8);
RSEQDEV_LAYOUT_FIELD(rseqdev_slice_prctl, arg4, 24, 8);
RSEQDEV_LAYOUT_FIELD(rseqdev_slice_prctl, arg5, 32, 8);
RSEQDEV_LAYOUT_FIELD(rseqdev_slice_prctl, generation, 40, 4);
RSEQDEV_LAYOUT_FIELD(rseqdev_slice_prctl, reserved, 44, 4);

RSEQDEV_LAYOUT_SIZE(rseqdev_fence, 16);
RSEQDEV_LAYOUT_FIELD(rseqdev_fence, size, 0, 4);
RSEQDEV_LAYOUT_FIELD(rseqdev_fence, flags, 4, 4);
RSEQDEV_LAYOUT_FIELD(rseqdev_fence, cpu, 8, 4);
RSEQDEV_LAYOUT_FIELD(rseqdev_fence, reserved, 12, 4);

RSEQDEV_LAYOUT_SIZE(rseqdev_thread_info, 64);
RSEQDEV_LAYOUT_FIELD(rseqdev_thread_info, tid, 0, 4);
RSEQDEV_LAYOUT_FIELD(rseqdev_thread_info, area_len, 4, 4);
RSEQDEV_LAYOUT_FIELD(rseqdev_thread_info, area, 8, 8);
RSEQDEV_LAYOUT_FIELD(rseqdev_thread_info, sig, 16, 4);
RSEQDEV_LAYOUT_FIELD(rseqdev_thread_info, cpu, 20, 4);
RSEQDEV_LAYOUT_FIELD(rseqdev_thread_info, aborts, 24, 8);
RSEQDEV_LAYOUT_FIELD(rseqdev_thread_info, preempts, 32, 8);
RSEQDEV_LAYOUT_FIELD(rseqdev_thread_info, signals, 40, 8);
RSEQDEV_LAYOUT_FIELD(rseqdev_thread_info, fences, 48, 8);
RSEQDEV_LAYOUT_FIELD(rseqdev_thread_info, generation, 56, 4);
RSEQDEV_LAYOUT_FIELD(rseqdev_thread_info, reserved, 60, 4);

RSEQDEV_LAYOUT_SIZE(rseqdev_threads, 32);
RSEQDEV_LAYOUT_FIELD(rseqdev_threads, size, 0, 4);
RSEQDEV_LAYOUT_FIELD(rseqdev_threads, flags, 4, 4);
RSEQDEV_LAYOUT_FIELD(rseqdev_threads, pid, 8, 4);
RSEQDEV_LAYOUT_FIELD(rseqdev_threads, nr, 12, 4);
RSEQDEV_LAYOUT_FIELD(rseqdev_threads, threads, 16, 8);
RSEQDEV_LAYOUT_FIELD(rseqdev_threads, info_size, 24, 4);
RSEQDEV_LAYOUT_FIELD(rseqdev_threads, reserved, 28, 4);

/* The first published sizes, which the module accepts as the minimum. */
_Static_assert(RSEQDEV_QUERY_SIZE_VER0 == 48, "query: first size");
_Static_assert(RSEQDEV_REGISTER_SIZE_VER0 == 24, "register: first size");
_Static_assert(RSEQDEV_CPU_OPV_SIZE_VER0 == 24, "cpu_opv: first size");
_Static_assert(RSEQDEV_STATS_SIZE_VER0 == 56, "stats: first size");
_Static_assert(RSEQDEV_FENCE_SIZE_VER0 == 16, "fence: first size");
_Static_assert(RSEQDEV_THREADS_SIZE_VER0 == 32, "threads: first size");
_Static_assert(RSEQDEV_THREAD_INFO_SIZE_VER0 == 56, "thread_info: first size");
_Static_assert(RSEQDEV_QUERY_SIZE_VER1 == 56, "query: + generations");
_Static_assert(RSEQDEV_REGISTER_SIZE_VER1 == 32, "register: + generation");
_Static_assert(RSEQDEV_STATS_SIZE_VER1 == 72, "stats: + fences");
_Static_assert(RSEQDEV_STATS_SIZE_VER2 == 112, "stats: + slice counters");
_Static_assert(RSEQDEV_SLICE_PRCTL_SIZE_VER0 == 48, "slice_prctl: first size");

/* Mainline's numbers for the time-slice extension. */
_Static_assert(RSEQDEV_PR_RSEQ_SLICE_EXTENSION == 79 &&
	       RSEQDEV_PR_RSEQ_SLICE_EXTENSION_GET == 1 &&
	       RSEQDEV_PR_RSEQ_SLICE_EXTENSION_SET == 2 &&
	       RSEQDEV_PR_RSEQ_SLICE_EXT_ENABLE == 1, "slice prctl");
_Static_assert(RSEQDEV_RSEQ_CS_FLAG_SLICE_EXT_AVAILABLE == 1U << 4 &&
	       RSEQDEV_RSEQ_CS_FLAG_SLICE_EXT_ENABLED == 1U << 5, "slice flag bits");

/* The generations: their values are the ABI. */
_Static_assert(RSEQDEV_GEN_DEFAULT == 0 && RSEQDEV_GEN_CLASSIC == 1 &&
	       RSEQDEV_GEN_7_1 == 2 && RSEQDEV_NR_GENS == 3, "generations");

/* The operation types: their values are the ABI (a vector names them). */
_Static_assert(RSEQDEV_CPU_OP_COMPARE_EQ == 0, "COMPARE_EQ");
_Static_assert(RSEQDEV_CPU_OP_COMPARE_NE == 1, "COMPARE_NE");
_Static_assert(RSEQDEV_CPU_OP_MEMCPY == 2, "MEMCPY");
_Static_assert(RSEQDEV_CPU_OP_MEMCPY_RELEASE == 3, "MEMCPY_RELEASE");
_Static_assert(RSEQDEV_CPU_OP_ADD == 4, "ADD");
_Static_assert(RSEQDEV_CPU_OP_ADD_RELEASE == 5, "ADD_RELEASE");
_Static_assert(RSEQDEV_CPU_OP_OR == 6, "OR");
_Static_assert(RSEQDEV_CPU_OP_AND == 7, "AND");
_Static_assert(RSEQDEV_CPU_OP_XOR == 8, "XOR");
_Static_assert(RSEQDEV_CPU_OP_LSHIFT == 9, "LSHIFT");
_Static_assert(RSEQDEV_CPU_OP_RSHIFT == 10, "RSHIFT");
_Static_assert(RSEQDEV_CPU_OP_MB == 11, "MB");

/*
 * The ioctl numbers, each with its struct's first size. (Between the
 * fence's addition and this freeze, headers gave RSEQDEV_IOC_STATS the
 * 72-byte size of the day, 0xc048b503; the module accepts that number too.)
 */
_Static_assert(RSEQDEV_IOC_QUERY == 0xc030b500, "RSEQDEV_IOC_QUERY");
_Static_assert(RSEQDEV_IOC_REGISTER == 0x4018b501, "RSEQDEV_IOC_REGISTER");
_Static_assert(RSEQDEV_IOC_CPU_OPV == 0x4018b502, "RSEQDEV_IOC_CPU_OPV");
_Static_assert(RSEQDEV_IOC_STATS == 0xc038b503, "RSEQDEV_IOC_STATS");
_Static_assert(RSEQDEV_IOC_FENCE == 0x4010b504, "RSEQDEV_IOC_FENCE");
_Static_assert(RSEQDEV_IOC_THREADS == 0xc020b505, "RSEQDEV_IOC_THREADS");
_Static_assert(RSEQDEV_IOC_SLICE_PRCTL == 0x4030b506, "RSEQDEV_IOC_SLICE_PRCTL");
_Static_assert(RSEQDEV_IOC_SLICE_YIELD == 0x0000b507, "RSEQDEV_IOC_SLICE_YIELD");

#endif /* _UAPI_LINUX_RSEQDEV_LAYOUT_H */
