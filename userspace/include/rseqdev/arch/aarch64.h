/* SPDX-License-Identifier: LGPL-2.1-only OR MIT */
/*
 * aarch64: the abort signature, the CPU-relax hint, the single-step check,
 * and the critical sections of the per-CPU operations in <rseqdev/ops.h>.
 * Included through <rseqdev/arch.h> only (see there for the contract).
 *
 * Every sequence has the same shape:
 *
 *	descriptor (in __rseq_cs): version 0, flags 0, start_ip = 1,
 *	post_commit_offset = 2 - 1, abort_ip = 4
 *	pointer to the descriptor (in __rseq_cs_ptr_array)
 *
 *	    adrp	x9, descriptor
 *	    add		x9, x9, :lo12:descriptor
 *	    str		x9, [area, #rseq_cs]
 *	1:  ldr		w9, [area, #cpu_id or #mm_cid]
 *	    cmp		w9, index
 *	    b.ne	4f
 *	    ...		loads, compares (exit to the compare_failed C label),
 *	    ...		stores nobody sees until the commit
 *	    str or stlr	new, [v]	the commit: last instruction of the section
 *	2:
 *
 *	    b		10f
 *	    .inst	RSEQ_SIG_CODE	signature just before abort_ip
 *	4:  b		aborted		a C label, through asm goto
 *	10:
 *
 * "area" is the thread's struct rseqdev_rseq, whose address the compiler
 * computes from the thread pointer (tpidr_el0) and rseqdev_rseq_offset
 * before the sequence. Once the descriptor address is stored, a
 * preemption, migration or signal with the instruction pointer in [1, 2)
 * makes the kernel resume the thread at 4 instead; the thread then retries
 * from C. The index check proves that the thread still runs where the
 * caller's index says, so nothing else can touch that index's data until
 * the commit. The signature is a "brk #0x45e0" instruction, so that a
 * stray jump to it traps; the kernel reads it as a 32-bit word at
 * abort_ip - 4.
 *
 * The second half of the file is the template <rseqdev/ops.h> instantiates
 * once per memory order and index field, for the same reason as on x86-64:
 * the field offsets must be literal in the assembler text.
 *
 * Local labels: 1 start, 2 post-commit, 3 descriptor, 4 abort, 5-9 loops
 * inside a sequence, 10 past the abort handler. x9 and x10 are the
 * scratch registers: code given to RSEQ_INJECT_ASM() (<rseqdev/inject.h>)
 * must leave them alone and use labels from 100 on.
 */
#ifndef RSEQDEV_ARCH_H
#error "Never include <rseqdev/arch/aarch64.h> directly; include <rseqdev/arch.h>"
#endif

#ifndef RSEQ_TEMPLATE_INDEX

#ifndef RSEQDEV_ARCH_AARCH64_H
#define RSEQDEV_ARCH_AARCH64_H

#include <stddef.h>
#include <stdint.h>

#include <linux/rseqdev.h>

#include "common.h"

/*
 * The signature before every abort handler: "brk #0x45e0", the value
 * mainline's selftests, librseq and glibc use on arm64. Instructions are
 * little-endian even on a big-endian (data) system, where the kernel's
 * 32-bit load of the same bytes reads them swapped: RSEQ_SIG_CODE is the
 * instruction, RSEQ_SIG the word the kernel compares with. The three
 * macros are spelt as glibc's <sys/rseq.h> spells them, so that a file
 * that includes both sees no redefinition, and the library can adopt
 * glibc's registration.
 */
#define RSEQ_SIG_CODE	0xd428bc00
#ifdef __AARCH64EB__
#define RSEQ_SIG_DATA	0x00bc28d4
#else
#define RSEQ_SIG_DATA	RSEQ_SIG_CODE
#endif
#define RSEQ_SIG	RSEQ_SIG_DATA

/* Between two tries of a spin loop: a hint that another thread may run. */
static inline __attribute__((always_inline)) void rseq_arch_cpu_relax(void)
{
	__asm__ __volatile__("yield" : : : "memory");
}

/*
 * Is a debugger single-stepping the thread? On x86-64 the trap flag says
 * so; arm64 keeps the equivalent (MDSCR_EL1.SS, PSTATE.SS) out of user
 * space's reach, so this cannot be told: always 0. A single-stepped
 * sequence still gets through: every attempt aborts, and the slow-path
 * policy falls back to cpu_opv after the abort limit
 * (RSEQDEV_PERCPU_ABORT_LIMIT_DEFAULT attempts) instead of after the
 * first abort.
 */
static inline int rseq_arch_single_stepping(void)
{
	return 0;
}

/*
 * Arm the descriptor: from label 1 on, the kernel watches the thread.
 * adrp and add reach the descriptor wherever the linker puts __rseq_cs
 * (adr alone reaches 1 MiB).
 */
#define RSEQ_ARM64_ASM_START						\
	RSEQ_INJECT_ASM(1)						\
	"adrp x9, 3b\n\t"						\
	"add x9, x9, :lo12:3b\n\t"					\
	"str x9, [%[abi], #" RSEQ_ASM_STR(RSEQ_ABI_CS_OFFSET) "]\n\t" \
	"1:\n\t"							\
	RSEQ_INJECT_ASM(2)

/* Abort unless the thread still runs with the caller's index (32 bits). */
#define RSEQ_ARM64_ASM_CHECK_INDEX(offset)				\
	"ldr w9, [%[abi], #" offset "]\n\t"				\
	"cmp w9, %w[index]\n\t"						\
	"b.ne 4f\n\t"

/*
 * abort_ip, right after the section, branched over on the way out, with
 * the signature as the instruction before it. As on x86-64, the handler
 * stays inside the function, where the compiler's line table and unwind
 * information cover it, so that a debugger stopped at abort_ip knows
 * where it is (see arch/x86_64.h); the price is one taken branch per
 * operation.
 */
#define RSEQ_ARM64_ASM_ABORT						\
	"b 10f\n\t"							\
	".inst " RSEQ_ASM_STR(RSEQ_SIG_CODE) "\n\t"			\
	"4:\n\t"							\
	"b %l[aborted]\n\t"						\
	"10:\n\t"

#endif /* RSEQDEV_ARCH_AARCH64_H */

#else /* RSEQ_TEMPLATE_INDEX: the sequences for one memory order and index */

/* The template parameters, as the assembler text needs them. */
#if defined(RSEQ_TEMPLATE_INDEX_CPU_ID)
#define RSEQ_ARM64_INDEX_OFFSET	RSEQ_ASM_STR(RSEQ_ABI_CPU_ID_OFFSET)
#elif defined(RSEQ_TEMPLATE_INDEX_MM_CID)
#define RSEQ_ARM64_INDEX_OFFSET	RSEQ_ASM_STR(RSEQ_ABI_MM_CID_OFFSET)
#else
#error "aarch64.h: unknown RSEQ_TEMPLATE_INDEX"
#endif

/*
 * The commit store. RELEASE makes it a store-release (stlr): every load
 * and store before it in program order, the sequence's own included, is
 * observed before it. stlr takes a plain base register, which is why the
 * words the commit writes are "Q" operands ([xN], no offset). RELAXED is
 * a plain str; the "memory" clobber still keeps the compiler from moving
 * C stores across the sequence.
 */
#if defined(RSEQ_TEMPLATE_MO_RELEASE)
#define RSEQ_ARM64_COMMIT	"stlr"
#elif defined(RSEQ_TEMPLATE_MO_RELAXED)
#define RSEQ_ARM64_COMMIT	"str"
#else
#error "aarch64.h: unknown RSEQ_TEMPLATE_MO"
#endif

/*
 * asm goto takes no output operands with older compilers, so every memory
 * operand is an input and the "memory" clobber tells the compiler that the
 * sequence writes it. Values are 64-bit (x registers), the index and the
 * area's index fields 32-bit (w registers). "rI": a register, or a constant
 * that cmp and add take as an immediate (0 to 4095, or that shifted by 12).
 */

/* if (*v != expect) fail; *v = newv */
static inline __attribute__((always_inline))
int RSEQ_TEMPLATE_NAME(load_cbne_store)(intptr_t *v, intptr_t expect,
					intptr_t newv, int index)
{
	RSEQ_INJECT_C(7);
	__asm__ __volatile__ goto(
		RSEQ_ASM_DESCRIPTOR
		RSEQ_ARM64_ASM_START
		RSEQ_ARM64_ASM_CHECK_INDEX(RSEQ_ARM64_INDEX_OFFSET)
		RSEQ_INJECT_ASM(3)
		"ldr x9, %[v]\n\t"
		"cmp x9, %[expect]\n\t"
		"b.ne %l[compare_failed]\n\t"
		RSEQ_INJECT_ASM(4)
		RSEQ_INJECT_ASM(5)
		RSEQ_INJECT_ASM(6)
		RSEQ_ARM64_COMMIT " %[newv], %[v]\n\t"
		"2:\n\t"
		RSEQ_ARM64_ASM_ABORT
		: /* no outputs */
		: [abi] "r" (rseq_get_abi()),
		  [index] "r" (index),
		  [v] "Q" (*v),
		  [expect] "rI" (expect),
		  [newv] "r" (newv),
		  RSEQ_INJECT_INPUT
		: "memory", "cc", "x9",
		  RSEQ_INJECT_CLOBBER
		: aborted, compare_failed);
	return 0;
aborted:
	RSEQ_INJECT_FAILED;
	return -1;
compare_failed:
	return 1;
}

/* if (*v == expectnot) fail; *load = *v; *v = *(intptr_t *)(*v + voffp) */
static inline __attribute__((always_inline))
int RSEQ_TEMPLATE_NAME(load_cbeq_store_add_load_store)(intptr_t *v,
						       intptr_t expectnot,
						       long voffp, intptr_t *load,
						       int index)
{
	RSEQ_INJECT_C(7);
	__asm__ __volatile__ goto(
		RSEQ_ASM_DESCRIPTOR
		RSEQ_ARM64_ASM_START
		RSEQ_ARM64_ASM_CHECK_INDEX(RSEQ_ARM64_INDEX_OFFSET)
		RSEQ_INJECT_ASM(3)
		"ldr x9, %[v]\n\t"
		"cmp x9, %[expectnot]\n\t"
		"b.eq %l[compare_failed]\n\t"
		RSEQ_INJECT_ASM(4)
		"str x9, %[load]\n\t"
		"ldr x9, [x9, %[voffp]]\n\t"
		RSEQ_INJECT_ASM(5)
		RSEQ_INJECT_ASM(6)
		RSEQ_ARM64_COMMIT " x9, %[v]\n\t"
		"2:\n\t"
		RSEQ_ARM64_ASM_ABORT
		: /* no outputs */
		: [abi] "r" (rseq_get_abi()),
		  [index] "r" (index),
		  [v] "Q" (*v),
		  [expectnot] "rI" (expectnot),
		  [voffp] "r" (voffp),
		  [load] "Q" (*load),
		  RSEQ_INJECT_INPUT
		: "memory", "cc", "x9",
		  RSEQ_INJECT_CLOBBER
		: aborted, compare_failed);
	return 0;
aborted:
	RSEQ_INJECT_FAILED;
	return -1;
compare_failed:
	return 1;
}

/*
 * *v += count, as a load, an add and a store: the store commits, so a
 * missed abort between the load and the store loses an update visibly.
 */
static inline __attribute__((always_inline))
int RSEQ_TEMPLATE_NAME(load_add_store)(intptr_t *v, intptr_t count, int index)
{
	RSEQ_INJECT_C(7);
	__asm__ __volatile__ goto(
		RSEQ_ASM_DESCRIPTOR
		RSEQ_ARM64_ASM_START
		RSEQ_ARM64_ASM_CHECK_INDEX(RSEQ_ARM64_INDEX_OFFSET)
		RSEQ_INJECT_ASM(3)
		"ldr x9, %[v]\n\t"
		RSEQ_INJECT_ASM(4)
		"add x9, x9, %[count]\n\t"
		RSEQ_INJECT_ASM(5)
		RSEQ_INJECT_ASM(6)
		RSEQ_ARM64_COMMIT " x9, %[v]\n\t"
		"2:\n\t"
		RSEQ_ARM64_ASM_ABORT
		: /* no outputs */
		: [abi] "r" (rseq_get_abi()),
		  [index] "r" (index),
		  [v] "Q" (*v),
		  [count] "rI" (count),
		  RSEQ_INJECT_INPUT
		: "memory", "cc", "x9",
		  RSEQ_INJECT_CLOBBER
		: aborted);
	return 0;
aborted:
	RSEQ_INJECT_FAILED;
	return -1;
}

/*
 * *(intptr_t *)(*ptr + off) += inc: the pointer is loaded inside the
 * sequence, so a fence that follows a change of *ptr aborts every sequence
 * that loaded the old pointer and has not committed yet. The second load
 * depends on the first through its address, which orders them on arm64
 * without a barrier.
 */
static inline __attribute__((always_inline))
int RSEQ_TEMPLATE_NAME(load_add_load_add_store)(intptr_t *ptr, long off,
						intptr_t inc, int index)
{
	RSEQ_INJECT_C(7);
	__asm__ __volatile__ goto(
		RSEQ_ASM_DESCRIPTOR
		RSEQ_ARM64_ASM_START
		RSEQ_ARM64_ASM_CHECK_INDEX(RSEQ_ARM64_INDEX_OFFSET)
		RSEQ_INJECT_ASM(3)
		"ldr x9, %[ptr]\n\t"
		"add x9, x9, %[off]\n\t"
		RSEQ_INJECT_ASM(4)
		"ldr x10, [x9]\n\t"
		"add x10, x10, %[inc]\n\t"
		RSEQ_INJECT_ASM(5)
		RSEQ_INJECT_ASM(6)
		RSEQ_ARM64_COMMIT " x10, [x9]\n\t"
		"2:\n\t"
		RSEQ_ARM64_ASM_ABORT
		: /* no outputs */
		: [abi] "r" (rseq_get_abi()),
		  [index] "r" (index),
		  [ptr] "Q" (*ptr),
		  [off] "rI" (off),
		  [inc] "rI" (inc),
		  RSEQ_INJECT_INPUT
		: "memory", "cc", "x9", "x10",
		  RSEQ_INJECT_CLOBBER
		: aborted);
	return 0;
aborted:
	RSEQ_INJECT_FAILED;
	return -1;
}

/* if (*v != expect) fail; *v2 = newv2; *v = newv */
static inline __attribute__((always_inline))
int RSEQ_TEMPLATE_NAME(load_cbne_store_store)(intptr_t *v, intptr_t expect,
					      intptr_t *v2, intptr_t newv2,
					      intptr_t newv, int index)
{
	RSEQ_INJECT_C(7);
	__asm__ __volatile__ goto(
		RSEQ_ASM_DESCRIPTOR
		RSEQ_ARM64_ASM_START
		RSEQ_ARM64_ASM_CHECK_INDEX(RSEQ_ARM64_INDEX_OFFSET)
		RSEQ_INJECT_ASM(3)
		"ldr x9, %[v]\n\t"
		"cmp x9, %[expect]\n\t"
		"b.ne %l[compare_failed]\n\t"
		RSEQ_INJECT_ASM(4)
		"str %[newv2], %[v2]\n\t"
		RSEQ_INJECT_ASM(5)
		RSEQ_INJECT_ASM(6)
		RSEQ_ARM64_COMMIT " %[newv], %[v]\n\t"
		"2:\n\t"
		RSEQ_ARM64_ASM_ABORT
		: /* no outputs */
		: [abi] "r" (rseq_get_abi()),
		  [index] "r" (index),
		  [v] "Q" (*v),
		  [expect] "rI" (expect),
		  [v2] "Q" (*v2),
		  [newv2] "r" (newv2),
		  [newv] "r" (newv),
		  RSEQ_INJECT_INPUT
		: "memory", "cc", "x9",
		  RSEQ_INJECT_CLOBBER
		: aborted, compare_failed);
	return 0;
aborted:
	RSEQ_INJECT_FAILED;
	return -1;
compare_failed:
	return 1;
}

/* if (*v != expect || *v2 != expect2) fail; *v = newv */
static inline __attribute__((always_inline))
int RSEQ_TEMPLATE_NAME(load_cbne_load_cbne_store)(intptr_t *v, intptr_t expect,
						  intptr_t *v2, intptr_t expect2,
						  intptr_t newv, int index)
{
	RSEQ_INJECT_C(7);
	__asm__ __volatile__ goto(
		RSEQ_ASM_DESCRIPTOR
		RSEQ_ARM64_ASM_START
		RSEQ_ARM64_ASM_CHECK_INDEX(RSEQ_ARM64_INDEX_OFFSET)
		RSEQ_INJECT_ASM(3)
		"ldr x9, %[v]\n\t"
		"cmp x9, %[expect]\n\t"
		"b.ne %l[compare_failed]\n\t"
		RSEQ_INJECT_ASM(4)
		"ldr x9, %[v2]\n\t"
		"cmp x9, %[expect2]\n\t"
		"b.ne %l[compare_failed]\n\t"
		RSEQ_INJECT_ASM(5)
		RSEQ_INJECT_ASM(6)
		RSEQ_ARM64_COMMIT " %[newv], %[v]\n\t"
		"2:\n\t"
		RSEQ_ARM64_ASM_ABORT
		: /* no outputs */
		: [abi] "r" (rseq_get_abi()),
		  [index] "r" (index),
		  [v] "Q" (*v),
		  [expect] "rI" (expect),
		  [v2] "Q" (*v2),
		  [expect2] "rI" (expect2),
		  [newv] "r" (newv),
		  RSEQ_INJECT_INPUT
		: "memory", "cc", "x9",
		  RSEQ_INJECT_CLOBBER
		: aborted, compare_failed);
	return 0;
aborted:
	RSEQ_INJECT_FAILED;
	return -1;
compare_failed:
	return 1;
}

/*
 * if (*v != expect) fail; copy len bytes from src to dst; *v = newv.
 * The copy moves 8 bytes at a time (unaligned accesses are allowed to
 * normal memory), then the tail byte by byte; x10 counts the bytes
 * copied, x9 carries them.
 */
static inline __attribute__((always_inline))
int RSEQ_TEMPLATE_NAME(load_cbne_memcpy_store)(intptr_t *v, intptr_t expect,
					       void *dst, void *src, size_t len,
					       intptr_t newv, int index)
{
	RSEQ_INJECT_C(7);
	__asm__ __volatile__ goto(
		RSEQ_ASM_DESCRIPTOR
		RSEQ_ARM64_ASM_START
		RSEQ_ARM64_ASM_CHECK_INDEX(RSEQ_ARM64_INDEX_OFFSET)
		RSEQ_INJECT_ASM(3)
		"ldr x9, %[v]\n\t"
		"cmp x9, %[expect]\n\t"
		"b.ne %l[compare_failed]\n\t"
		RSEQ_INJECT_ASM(4)
		"mov x10, xzr\n\t"
		"5:\n\t"
		"add x9, x10, #8\n\t"
		"cmp x9, %[len]\n\t"
		"b.hi 6f\n\t"
		"ldr x9, [%[src], x10]\n\t"
		"str x9, [%[dst], x10]\n\t"
		"add x10, x10, #8\n\t"
		"b 5b\n\t"
		"6:\n\t"
		"cmp x10, %[len]\n\t"
		"b.hs 7f\n\t"
		"ldrb w9, [%[src], x10]\n\t"
		"strb w9, [%[dst], x10]\n\t"
		"add x10, x10, #1\n\t"
		"b 6b\n\t"
		"7:\n\t"
		RSEQ_INJECT_ASM(5)
		RSEQ_INJECT_ASM(6)
		RSEQ_ARM64_COMMIT " %[newv], %[v]\n\t"
		"2:\n\t"
		RSEQ_ARM64_ASM_ABORT
		: /* no outputs */
		: [abi] "r" (rseq_get_abi()),
		  [index] "r" (index),
		  [v] "Q" (*v),
		  [expect] "rI" (expect),
		  [dst] "r" (dst),
		  [src] "r" (src),
		  [len] "r" (len),
		  [newv] "r" (newv),
		  RSEQ_INJECT_INPUT
		: "memory", "cc", "x9", "x10",
		  RSEQ_INJECT_CLOBBER
		: aborted, compare_failed);
	return 0;
aborted:
	RSEQ_INJECT_FAILED;
	return -1;
compare_failed:
	return 1;
}

#undef RSEQ_ARM64_INDEX_OFFSET
#undef RSEQ_ARM64_COMMIT

#endif /* RSEQ_TEMPLATE_INDEX */
