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
 *  - No ioctl struct has implicit padding: every byte belongs to a named
 *    field, so that an initializer sets every byte the module reads.
 *    Reserved and pad fields must be zero. The sizes and offsets of
 *    existing fields never change (<linux/rseqdev_layout.h> checks them).
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
#define RSEQDEV_FEATURE_FENCE		(1ULL << 4) /* RSEQDEV_IOC_FENCE */
#define RSEQDEV_FEATURE_CPU_OPV_MM_CID	(1ULL << 5) /* RSEQDEV_CPU_OPV_MM_CID */
#define RSEQDEV_FEATURE_STATS		(1ULL << 6) /* RSEQDEV_IOC_STATS */
#define RSEQDEV_FEATURE_THREADS		(1ULL << 7) /* RSEQDEV_IOC_THREADS */
/* The 7.1 generation offers the time-slice extension (RSEQDEV_IOC_SLICE_*) */
#define RSEQDEV_FEATURE_SLICE_EXT	(1ULL << 8)

/*
 * Generations: the rules of which kernel a registration runs under.
 * Chosen per registration (struct rseqdev_register::generation); the
 * library and the preload shim choose the same one for every thread of a
 * process (environment RSEQDEV_GENERATION), the module parameter
 * "generation" gives the default.
 *
 * RSEQDEV_GEN_CLASSIC: mainline 4.18 to 6.18, what Debian's kernels run.
 * RSEQDEV_GEN_7_1: mainline 7.1. A 32-byte registration gets the legacy
 *	("V1") rules, a longer one the optimized ("V2") rules and, unless
 *	the module parameter "slice_ext" is off, the time-slice extension.
 */
#define RSEQDEV_GEN_DEFAULT	0
#define RSEQDEV_GEN_CLASSIC	1
#define RSEQDEV_GEN_7_1		2
#define RSEQDEV_NR_GENS		3

/* AT_RSEQ_FEATURE_SIZE and AT_RSEQ_ALIGN of each generation. */
#define RSEQDEV_GEN_CLASSIC_FEATURE_SIZE	28
#define RSEQDEV_GEN_CLASSIC_ALIGN		32
#define RSEQDEV_GEN_7_1_FEATURE_SIZE		33
#define RSEQDEV_GEN_7_1_ALIGN			64

/*
 * cpu_opv limits. One vector runs with preemption off on its target CPU,
 * so its size bounds the preemption-off time: at most one page copied plus
 * fifteen word-sized operations.
 */
#define RSEQDEV_CPU_OPV_MAX_OPS		16
#define RSEQDEV_CPU_OPV_MAX_OP_LEN	4096
#define RSEQDEV_CPU_OPV_MAX_TOTAL_LEN	(4096 + 15 * 8)

/*
 * The auxiliary vector's entries for the layout of struct rseq (Linux 6.3),
 * for C libraries whose headers predate them: the library and the preload
 * shim answer them for the module's area, from the query below.
 */
#ifndef AT_RSEQ_FEATURE_SIZE
#define AT_RSEQ_FEATURE_SIZE	27
#endif
#ifndef AT_RSEQ_ALIGN
#define AT_RSEQ_ALIGN		28
#endif

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
 * @cpu_opv_nr_op_types: out: RSEQDEV_NR_CPU_OPS of the module: it runs
 *			the operation types below it. 0 from a module older
 *			than this field (it was reserved, zero), which runs
 *			the types up to RSEQDEV_CPU_OP_MB.
 * @generations:	out: bit (1 << RSEQDEV_GEN_x) for each generation the
 *			module offers; 0 from a module older than this field,
 *			which runs RSEQDEV_GEN_CLASSIC only
 * @default_generation:	out: the generation of a registration that names
 *			none; @rseq_feature_size and @rseq_align are its
 *
 * Version 0 (48 bytes) ends at @cpu_opv_nr_op_types.
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
	__u32 cpu_opv_nr_op_types;
	__u32 generations;
	__u32 default_generation;
};

#define RSEQDEV_QUERY_SIZE_VER0	48	/* sizeof first published version */
#define RSEQDEV_QUERY_SIZE_VER1	56	/* + generations */

/*
 * The per-thread area and the critical-section descriptor. Same layout and
 * meaning as mainline's struct rseq and struct rseq_cs (<linux/rseq.h>,
 * 6.3 fields); the rseqdev_ names keep them apart from the definitions of
 * the kernel, glibc and librseq when one program includes several.
 */
#define RSEQDEV_RSEQ_CPU_ID_UNINITIALIZED		-1
#define RSEQDEV_RSEQ_CPU_ID_REGISTRATION_FAILED	-2

#define RSEQDEV_RSEQ_FLAG_UNREGISTER		(1 << 0)
/*
 * 7.1 generation: accepted at registration; an optimized registration
 * starts with the time-slice extension enabled (as after the prctl's SET).
 */
#define RSEQDEV_RSEQ_FLAG_SLICE_EXT_DEFAULT_ON	(1 << 1)

/*
 * Bits the 7.1 generation writes into rseq::flags of an optimized
 * registration while it offers the time-slice extension (mainline 7.0).
 */
#define RSEQDEV_RSEQ_CS_FLAG_SLICE_EXT_AVAILABLE	(1U << 4)
#define RSEQDEV_RSEQ_CS_FLAG_SLICE_EXT_ENABLED		(1U << 5)

/*
 * rseq::slice_ctrl, mainline's union rseq_slice_ctrl: byte 0 ("request")
 * is user space's, byte 1 ("granted") the kernel's, bytes 2 and 3 are
 * reserved. User space sets and clears "request" with byte stores, never
 * with a read-modify-write of the word, which would undo a grant written
 * in between. The values below are those bytes seen as the 32-bit word.
 */
#define RSEQDEV_SLICE_CTRL_REQUEST_BYTE	0
#define RSEQDEV_SLICE_CTRL_GRANTED_BYTE	1
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define RSEQDEV_SLICE_CTRL_REQUEST	0x01000000U
#define RSEQDEV_SLICE_CTRL_GRANTED	0x00010000U
#else
#define RSEQDEV_SLICE_CTRL_REQUEST	0x00000001U
#define RSEQDEV_SLICE_CTRL_GRANTED	0x00000100U
#endif

/*
 * The time-slice extension's prctl and system call (mainline 7.0), which
 * the supported kernels lack: the library and the preload shim serve them
 * through RSEQDEV_IOC_SLICE_PRCTL and RSEQDEV_IOC_SLICE_YIELD.
 */
#define RSEQDEV_PR_RSEQ_SLICE_EXTENSION		79
#define RSEQDEV_PR_RSEQ_SLICE_EXTENSION_GET	1
#define RSEQDEV_PR_RSEQ_SLICE_EXTENSION_SET	2
#define RSEQDEV_PR_RSEQ_SLICE_EXT_ENABLE	0x01
#define RSEQDEV_NR_RSEQ_SLICE_YIELD		471	/* x86-64, generic table */

/* Deprecated (mainline 6.0+): a critical section with any of them is fatal. */
#define RSEQDEV_RSEQ_CS_FLAG_NO_RESTART_ON_PREEMPT	(1U << 0)
#define RSEQDEV_RSEQ_CS_FLAG_NO_RESTART_ON_SIGNAL	(1U << 1)
#define RSEQDEV_RSEQ_CS_FLAG_NO_RESTART_ON_MIGRATE	(1U << 2)

/**
 * struct rseqdev_rseq_cs - descriptor of one restartable critical section
 * @version:		0
 * @flags:		0 (the deprecated NO_RESTART flags are fatal)
 * @start_ip:		first instruction of the section
 * @post_commit_offset:	length: start_ip + post_commit_offset is the first
 *			instruction after the commit
 * @abort_ip:		where an aborted section resumes, outside the section;
 *			the 32-bit signature sits just before it
 */
struct rseqdev_rseq_cs {
	__u32 version;
	__u32 flags;
	__u64 start_ip;
	__u64 post_commit_offset;
	__u64 abort_ip;
} __attribute__((aligned(32)));

/**
 * struct rseqdev_rseq - the per-thread area shared with the kernel
 * @cpu_id_start:	current CPU, always a possible CPU number (0 when
 *			unregistered); rewritten on every return to user space
 *			after an event
 * @cpu_id:		current CPU, or RSEQDEV_RSEQ_CPU_ID_UNINITIALIZED
 * @rseq_cs:		pointer to the active struct rseqdev_rseq_cs, or 0; set by
 *			user space, cleared by the kernel
 * @flags:		0 (deprecated NO_RESTART flags are fatal)
 * @node_id:		NUMA node of the current CPU
 * @mm_cid:		concurrency id: unique among the running threads of the
 *			process, below min(threads, possible CPUs)
 * @slice_ctrl:		mainline 7.0's time-slice extension word (see
 *			RSEQDEV_SLICE_CTRL_*). The classic generation and 7.1's
 *			legacy rules never touch it; 7.1's optimized rules
 *			clear it at registration and after the thread was
 *			scheduled, and grant extensions in it
 * @reserved:		makes the 7.1 feature size 33; never read or written
 * @end:		end of the 7.1 features: offsetof(end) is
 *			RSEQDEV_GEN_7_1_FEATURE_SIZE. The classic generation's
 *			features end at @slice_ctrl (28)
 *
 * The 31 bytes after @end, up to the 32-byte alignment, are padding that
 * no named field can fill: a field there would move @end. Nothing reads
 * them: the area is not an ioctl argument, and the module reads and writes
 * only the fields above.
 */
struct rseqdev_rseq {
	__u32 cpu_id_start;
	__u32 cpu_id;
	__u64 rseq_cs;
	__u32 flags;
	__u32 node_id;
	__u32 mm_cid;
	__u32 slice_ctrl;
	__u8 reserved;
	char end[];
} __attribute__((aligned(32)));

/* Length of the original (4.18) area; registrations may be longer. */
#define RSEQDEV_RSEQ_ORIG_SIZE	32

/**
 * struct rseqdev_register - RSEQDEV_IOC_REGISTER: the rseq system call
 * @size:	sizeof(struct rseqdev_register)
 * @flags:	0 to register, RSEQDEV_RSEQ_FLAG_UNREGISTER to unregister
 * @rseq:	address of the calling thread's struct rseqdev_rseq
 * @rseq_len:	its length: 32, or more for an extended area
 * @sig:	signature expected before every abort_ip
 * @generation:	RSEQDEV_GEN_*: the rules the registration runs under; read
 *		when registering only. RSEQDEV_GEN_DEFAULT (0) is the module's
 *		default. Unknown values: EINVAL, whatever @flags say
 * @reserved:	0, else EINVAL
 *
 * Registers or unregisters the calling thread, with the rules and errors of
 * the rseq system call of the generation: EINVAL (flags, alignment, length,
 * a different area registered, unregistering what is not registered), EPERM
 * (signature differs for the same area), EBUSY (already registered), EFAULT.
 * Version 0 (24 bytes) ends at @sig.
 */
struct rseqdev_register {
	__u32 size;
	__u32 flags;
	__u64 rseq;
	__u32 rseq_len;
	__u32 sig;
	__u32 generation;
	__u32 reserved;
};

#define RSEQDEV_REGISTER_SIZE_VER0	24
#define RSEQDEV_REGISTER_SIZE_VER1	32	/* + generation */

/*
 * cpu_opv: a vector of operations run on one CPU as one step that no rseq
 * critical section and no other cpu_opv on that CPU can interleave with.
 * Operations run in order; the first compare that fails stops the vector.
 */

/* The rules for the len of an operation. */
#define RSEQDEV_CPU_OP_WIDTH_NONE	0	/* len 0: no operand */
#define RSEQDEV_CPU_OP_WIDTH_BYTES	1	/* 1 to RSEQDEV_CPU_OPV_MAX_OP_LEN */
#define RSEQDEV_CPU_OP_WIDTH_WORD	2	/* 1, 2, 4 or 8, naturally aligned */

/* How many user addresses each form of struct rseqdev_cpu_op::u holds. */
#define RSEQDEV_CPU_OP_OPERANDS_compare		2	/* a, b */
#define RSEQDEV_CPU_OP_OPERANDS_memcpy		2	/* dst, src */
#define RSEQDEV_CPU_OP_OPERANDS_arithmetic	1	/* p */
#define RSEQDEV_CPU_OP_OPERANDS_bitwise		1	/* p */
#define RSEQDEV_CPU_OP_OPERANDS_shift		1	/* p */
#define RSEQDEV_CPU_OP_OPERANDS_none		0	/* u.reserved */

/*
 * Every operation type, one row each, in the order of their values (new
 * types go last; values never change):
 *
 * X(NAME, form, WIDTH, writes, release, action)
 *  NAME:	the type is RSEQDEV_CPU_OP_<NAME>
 *  form:	the member of struct rseqdev_cpu_op::u that holds its operands
 *		(none: u.reserved, all zero)
 *  WIDTH:	the rule for its len, RSEQDEV_CPU_OP_WIDTH_<WIDTH>
 *  writes:	1 when its first operand is written
 *  release:	1 when every earlier operation of the vector is visible before
 *		it is
 *  action:	what it does with its operands, one word that the module (and
 *		any other implementation) names its code after
 *
 * The rows live in this header, as a list for the caller to expand, because
 * it is the one file the module and user space share: the module's table of
 * operations, the enum below, and the checks and fuzzers of user space are
 * all expansions of this list, so a new operation of an existing form is one
 * row here and, for a new action, its code.
 */
#define RSEQDEV_CPU_OPS(X)						\
	/* fails unless a[0..len) == b[0..len) */			\
	X(COMPARE_EQ,		compare,	BYTES, 0, 0, eq)	\
	/* fails if a[0..len) == b[0..len) */				\
	X(COMPARE_NE,		compare,	BYTES, 0, 0, ne)	\
	/* dst[0..len) = src[0..len) */					\
	X(MEMCPY,		memcpy,		BYTES, 1, 0, copy)	\
	X(MEMCPY_RELEASE,	memcpy,		BYTES, 1, 1, copy)	\
	/* *p += count */						\
	X(ADD,			arithmetic,	WORD, 1, 0, add)	\
	X(ADD_RELEASE,		arithmetic,	WORD, 1, 1, add)	\
	/* *p |= mask, &= mask, ^= mask */				\
	X(OR,			bitwise,	WORD, 1, 0, bit_or)	\
	X(AND,			bitwise,	WORD, 1, 0, bit_and)	\
	X(XOR,			bitwise,	WORD, 1, 0, bit_xor)	\
	/* *p <<= bits, >>= bits (logical); bits < 8 * len */		\
	X(LSHIFT,		shift,		WORD, 1, 0, lshift)	\
	X(RSHIFT,		shift,		WORD, 1, 0, rshift)	\
	/* a full memory barrier */					\
	X(MB,			none,		NONE, 0, 0, mb)

#define RSEQDEV_CPU_OP_ENUM_(name, form, width, writes, release, action) \
	RSEQDEV_CPU_OP_##name,

enum rseqdev_cpu_op_type {
	RSEQDEV_CPU_OPS(RSEQDEV_CPU_OP_ENUM_)
	RSEQDEV_NR_CPU_OPS,
};

#undef RSEQDEV_CPU_OP_ENUM_

/**
 * struct rseqdev_cpu_op - one operation of a cpu_opv vector (32 bytes)
 * @op:		enum rseqdev_cpu_op_type
 * @len:	operand length in bytes, by the type's WIDTH in RSEQDEV_CPU_OPS:
 *		1 to RSEQDEV_CPU_OPV_MAX_OP_LEN for compares and copies, 1, 2,
 *		4 or 8 (naturally aligned) for arithmetic, bitwise and shifts,
 *		0 for MB
 * @u:		operands; addresses are user addresses in 64-bit slots.
 *		An expect_fault_* byte set to 1 turns a fault on that operand
 *		into EAGAIN (a pointer loaded from memory that another thread
 *		may have freed: retry) instead of EFAULT.
 *
 * Aligned operands of 1, 2, 4 or 8 bytes are read and written with single
 * accesses, so that concurrent readers never see them torn.
 *
 * Each form of @u fills all of its 24 bytes, without padding: a designated
 * initializer of one form sets every byte of the operation. (Padding may
 * keep whatever the stack held, as clang leaves it, and the module would
 * refuse the operation.) A form's pad field must be zero, and so must all
 * of @u.reserved for MB: EINVAL otherwise.
 */
struct rseqdev_cpu_op {
	__s32 op;
	__u32 len;
	union {
		struct {
			__u64 a;
			__u64 b;
			__u8 expect_fault_a;
			__u8 expect_fault_b;
			__u8 pad[6];		/* must be zero */
		} compare;
		struct {
			__u64 dst;
			__u64 src;
			__u8 expect_fault_dst;
			__u8 expect_fault_src;
			__u8 pad[6];		/* must be zero */
		} memcpy;
		struct {
			__u64 p;
			__s64 count;
			__u8 expect_fault_p;
			__u8 pad[7];		/* must be zero */
		} arithmetic;
		struct {
			__u64 p;
			__u64 mask;
			__u8 expect_fault_p;
			__u8 pad[7];		/* must be zero */
		} bitwise;
		struct {
			__u64 p;
			__u32 bits;
			__u8 expect_fault_p;
			__u8 pad[11];		/* must be zero */
		} shift;
		__u8 reserved[24];		/* MB: must be zero */
	} u;
};

/*
 * cpu_opv flag: @cpu is a concurrency id (struct rseq::mm_cid), not a CPU.
 * The vector runs while the calling thread holds that id, which excludes
 * every rseq critical section indexed by it and every other vector for it.
 * The caller must be registered through the module and hold the id: the
 * one its area shows. If it was switched out and came back with another
 * id, the call fails with EAGAIN and the area shows the new id on return.
 */
#define RSEQDEV_CPU_OPV_MM_CID		(1U << 0)

/**
 * struct rseqdev_cpu_opv - RSEQDEV_IOC_CPU_OPV: run a vector on a CPU
 * @size:	sizeof(struct rseqdev_cpu_opv)
 * @flags:	0, or RSEQDEV_CPU_OPV_MM_CID
 * @ops:	address of an array of struct rseqdev_cpu_op
 * @nr_ops:	1 to RSEQDEV_CPU_OPV_MAX_OPS
 * @cpu:	the CPU, possible but not necessarily online; with
 *		RSEQDEV_CPU_OPV_MM_CID, the caller's concurrency id
 *
 * The ioctl returns 0 when every operation ran, or the 1-based index of
 * the compare that failed (operations before it stay applied, later ones
 * do not run). Errors: EINVAL for a bad vector, length, alignment, flag or
 * CPU (or id), and for RSEQDEV_CPU_OPV_MM_CID from a thread not registered
 * through the module; EFAULT when an operand cannot be read, or written
 * where the op writes (nothing is changed then); EAGAIN for a fault on an
 * operand whose expect_fault byte is set, or a concurrency id the caller no
 * longer holds; ENOMEM.
 */
struct rseqdev_cpu_opv {
	__u32 size;
	__u32 flags;
	__u64 ops;
	__u32 nr_ops;
	__s32 cpu;
};

#define RSEQDEV_CPU_OPV_SIZE_VER0	24

/* stats flag: start a new maximum after reading it (CAP_SYS_ADMIN only). */
#define RSEQDEV_STATS_RESET_MAX		(1U << 0)

/**
 * struct rseqdev_stats - RSEQDEV_IOC_STATS: the module's counters
 * @size:		in: sizeof(struct rseqdev_stats) as the caller knows it
 * @flags:		in: 0 or RSEQDEV_STATS_RESET_MAX
 * @threads:		out: per-thread states alive (registered threads, and
 *			states of ended ones not yet freed)
 * @processes:		out: per-process concurrency id tables alive
 * @registrations:	out: successful registrations since load, inherited
 *			ones (fork) included
 * @aborts:		out: critical sections the module aborted
 * @cpu_opv_calls:	out: vectors run, whether a compare failed or not
 * @cpu_opv_max_preempt_off_ns: out: longest time one vector ran with
 *			preemption off, since load or the last reset
 * @fences:		out: fences run (RSEQDEV_IOC_FENCE without REGISTER)
 * @fence_ipis:		out: interrupts those fences sent to other CPUs
 * @slice_granted:	out: time-slice extensions granted
 * @slice_expired:	out: grants whose time ran out (the timer fired)
 * @slice_revoked:	out: grants ended by a reschedule: a second request,
 *			other work on the way out, or the thread scheduled
 * @slice_yielded:	out: grants ended by RSEQDEV_IOC_SLICE_YIELD
 * @slice_aborted:	out: grants ended by any other system call
 *
 * The counters are summed over CPUs without stopping them: each is a value
 * it held during the call. @threads and @processes return to 0 once every
 * registered thread has ended; the module unloads only then.
 */
struct rseqdev_stats {
	__u32 size;
	__u32 flags;
	__u64 threads;
	__u64 processes;
	__u64 registrations;
	__u64 aborts;
	__u64 cpu_opv_calls;
	__u64 cpu_opv_max_preempt_off_ns;
	__u64 fences;
	__u64 fence_ipis;
	__u64 slice_granted;
	__u64 slice_expired;
	__u64 slice_revoked;
	__u64 slice_yielded;
	__u64 slice_aborted;
};

#define RSEQDEV_STATS_SIZE_VER0		56
#define RSEQDEV_STATS_SIZE_VER1		72	/* + fences, fence_ipis */
#define RSEQDEV_STATS_SIZE_VER2		112	/* + slice_* */

/* fence flags */
#define RSEQDEV_FENCE_REGISTER		(1U << 0) /* register the process */
#define RSEQDEV_FENCE_CPU		(1U << 1) /* fence @cpu only */

/**
 * struct rseqdev_fence - RSEQDEV_IOC_FENCE: abort rseq critical sections on
 *	other CPUs, as membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ)
 * @size:	sizeof(struct rseqdev_fence)
 * @flags:	RSEQDEV_FENCE_REGISTER alone; or 0 (every CPU); or
 *		RSEQDEV_FENCE_CPU (the CPU @cpu)
 * @cpu:	with RSEQDEV_FENCE_CPU, a CPU number below nr_cpu_ids, or -1 for
 *		every CPU; otherwise 0
 * @reserved:	0
 *
 * RSEQDEV_FENCE_REGISTER registers the calling process for the fence, as
 * MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_RSEQ does: once per process,
 * idempotent. The registration lasts until the process's memory goes away
 * (exit, exec), and a child that a registered thread forks inherits it.
 *
 * A fence makes every thread of the caller's process that is registered
 * through the module and runs on a targeted CPU abort the critical section
 * it is in, before it runs another user instruction; and it is a full
 * memory barrier between the caller and those threads. Threads that do
 * not run at the time are switched out, so they abort anyway. At most one
 * interrupt is sent to each targeted CPU, and none to a CPU where no such
 * thread runs, nor to the caller's own CPU unless @cpu names it. Offline
 * and idle CPUs succeed without anything to do.
 *
 * Errors: EPERM when the process has not registered; EINVAL for unknown or
 * conflicting flags, a @cpu out of range, or @cpu or @reserved not 0 where
 * they must be. Unlike membarrier(), a CPU number beyond nr_cpu_ids is an
 * error, not a no-op.
 */
struct rseqdev_fence {
	__u32 size;
	__u32 flags;
	__s32 cpu;
	__u32 reserved;
};

#define RSEQDEV_FENCE_SIZE_VER0		16

/**
 * struct rseqdev_thread_info - one registered thread, for RSEQDEV_IOC_THREADS
 * @tid:	thread id, in the caller's pid namespace
 * @area_len:	registered length of its area
 * @area:	address of its struct rseqdev_rseq
 * @sig:	its abort signature
 * @cpu:	the CPU it last ran on
 * @aborts:	critical sections the module aborted in this thread
 * @preempts:	switch-outs (preemption, blocking, migration)
 * @signals:	signals delivered
 * @fences:	fence interrupts that found it running
 * @generation:	RSEQDEV_GEN_CLASSIC or RSEQDEV_GEN_7_1 (never DEFAULT); 0 from
 *		a module older than this field, which runs classic only
 * @reserved:	0
 */
struct rseqdev_thread_info {
	__u32 tid;
	__u32 area_len;
	__u64 area;
	__u32 sig;
	__s32 cpu;
	__u64 aborts;
	__u64 preempts;
	__u64 signals;
	__u64 fences;
	__u32 generation;
	__u32 reserved;
};

/**
 * struct rseqdev_threads - RSEQDEV_IOC_THREADS: a process's registrations
 * @size:	sizeof(struct rseqdev_threads)
 * @flags:	0
 * @pid:	any thread id of the process, or 0 for the caller's
 * @nr:		in: how many entries @threads holds; out: how many threads of
 *		the process are registered through the module (may exceed the
 *		entries written: call again with a bigger array)
 * @threads:	address of an array of @nr entries of @info_size bytes
 * @info_size:	sizeof(struct rseqdev_thread_info) as the caller knows it
 *		(at least RSEQDEV_THREAD_INFO_SIZE_VER0)
 * @reserved:	0
 *
 * Errors: ESRCH for no such process; EPERM when the caller may not trace
 * it (the ptrace read check, as for /proc/PID/maps); EINVAL for flags,
 * @reserved, or an @info_size below the first version or above
 * RSEQDEV_MAX_ARG_SIZE; EFAULT.
 */
struct rseqdev_threads {
	__u32 size;
	__u32 flags;
	__s32 pid;
	__u32 nr;
	__u64 threads;
	__u32 info_size;
	__u32 reserved;
};

#define RSEQDEV_THREADS_SIZE_VER0	32
#define RSEQDEV_THREAD_INFO_SIZE_VER0	56

/**
 * struct rseqdev_slice_prctl - RSEQDEV_IOC_SLICE_PRCTL: what
 *	prctl(PR_RSEQ_SLICE_EXTENSION, op, arg3, arg4, arg5) does on mainline
 *	7.0+, for the calling thread's registration through the module
 * @size:	sizeof(struct rseqdev_slice_prctl)
 * @flags:	0
 * @op:		RSEQDEV_PR_RSEQ_SLICE_EXTENSION_GET or _SET (prctl's arg2)
 * @arg3:	GET: 0; SET: RSEQDEV_PR_RSEQ_SLICE_EXT_ENABLE or 0
 * @arg4:	0
 * @arg5:	0
 * @generation:	RSEQDEV_GEN_*: for a thread not registered through the
 *		module, the generation whose prctl answers (the library
 *		passes the one its registrations ask for; RSEQDEV_GEN_DEFAULT
 *		is the module's default). A registered thread's own
 *		generation answers for it. Unknown values: EINVAL
 * @reserved:	0
 *
 * Under the classic generation the prctl does not exist: EINVAL for any
 * argument, as on the kernels that generation stands for. Under 7.1 it
 * returns what the prctl returns, with its errors in its order: EINVAL
 * (@arg4, @arg5, unknown @op, bits of @arg3), ENOTSUPP (524: the
 * extension is not offered), ENXIO (SET without a registration), ENOTSUPP
 * (SET with a legacy or classic registration), EFAULT with SIGSEGV (SET
 * finding rseq::flags inconsistent). GET returns 1 when enabled, else 0.
 */
struct rseqdev_slice_prctl {
	__u32 size;
	__u32 flags;
	__u64 op;
	__u64 arg3;
	__u64 arg4;
	__u64 arg5;
	__u32 generation;
	__u32 reserved;
};

#define RSEQDEV_SLICE_PRCTL_SIZE_VER0	48

/*
 * RSEQDEV_IOC_SLICE_YIELD takes no argument and is mainline's
 * rseq_slice_yield(): 1 when the call ended a grant still running (the
 * thread gives up the CPU on its way out), else 0. Any other system call
 * ends a grant too, as an abort.
 */

/*
 * The command numbers, each built from its struct's first size (the
 * *_SIZE_VER0 values) rather than from sizeof(): a number follows the
 * first version forever, so that a struct can grow without changing the
 * number every earlier binary was built with.
 */
#define RSEQDEV_IOC(dir, nr, size) \
	_IOC(dir, RSEQDEV_IOC_MAGIC, nr, size)
#define RSEQDEV_IOC_QUERY \
	RSEQDEV_IOC(_IOC_READ | _IOC_WRITE, 0x00, RSEQDEV_QUERY_SIZE_VER0)
#define RSEQDEV_IOC_REGISTER \
	RSEQDEV_IOC(_IOC_WRITE, 0x01, RSEQDEV_REGISTER_SIZE_VER0)
#define RSEQDEV_IOC_CPU_OPV \
	RSEQDEV_IOC(_IOC_WRITE, 0x02, RSEQDEV_CPU_OPV_SIZE_VER0)
#define RSEQDEV_IOC_STATS \
	RSEQDEV_IOC(_IOC_READ | _IOC_WRITE, 0x03, RSEQDEV_STATS_SIZE_VER0)
#define RSEQDEV_IOC_FENCE \
	RSEQDEV_IOC(_IOC_WRITE, 0x04, RSEQDEV_FENCE_SIZE_VER0)
#define RSEQDEV_IOC_THREADS \
	RSEQDEV_IOC(_IOC_READ | _IOC_WRITE, 0x05, RSEQDEV_THREADS_SIZE_VER0)
#define RSEQDEV_IOC_SLICE_PRCTL \
	RSEQDEV_IOC(_IOC_WRITE, 0x06, RSEQDEV_SLICE_PRCTL_SIZE_VER0)
#define RSEQDEV_IOC_SLICE_YIELD \
	RSEQDEV_IOC(_IOC_NONE, 0x07, 0)

#endif /* _UAPI_LINUX_RSEQDEV_H */
