/* SPDX-License-Identifier: LGPL-2.1-only OR MIT */
/*
 * x86-64: the abort signature, the CPU-relax hint, the single-step check,
 * and the critical sections of the per-CPU operations in <rseqdev/ops.h>.
 * Included through <rseqdev/arch.h> only (see there for the contract).
 *
 * Every sequence has the same shape:
 *
 *	descriptor (in __rseq_cs): version 0, flags 0, start_ip = 1,
 *	post_commit_offset = 2 - 1, abort_ip = 4
 *	pointer to the descriptor (in __rseq_cs_ptr_array)
 *
 *	    leaq	descriptor(%rip), %rax
 *	    movq	%rax, %fs:rseq_cs(rseqdev_rseq_offset)
 *	1:  cmpl	index, %fs:cpu_id or mm_cid(rseqdev_rseq_offset)
 *	    jnz		4f
 *	    ...		loads, compares (exit to the compare_failed C label),
 *	    ...		stores nobody sees until the commit
 *	    movq	new, (v)	the commit: last instruction of the section
 *	2:
 *
 *	    jmp		10f
 *	    ud1		RSEQ_SIG(%rip), %edi	signature just before abort_ip
 *	4:  jmp		aborted			a C label, through asm goto
 *	10:
 *
 * Once the descriptor address is stored, a preemption, migration or signal
 * with the instruction pointer in [1, 2) makes the kernel resume the thread
 * at 4 instead; the thread then retries from C. The index check proves
 * that the thread still runs where the caller's index says, so nothing
 * else can touch that index's data until the commit. The signature is the
 * displacement of a ud1 instruction so that a stray jump to it traps.
 *
 * The second half of the file is the template <rseqdev/ops.h> instantiates
 * once per memory order and index field. The offsets must be literal in
 * the assembler text, and an "i" operand fed from an inline function's
 * argument does not compile at -O0 with every compiler: hence a template
 * rather than an index argument.
 *
 * Local labels: 1 start, 2 post-commit, 3 descriptor, 4 abort, 5-9 loops
 * inside a sequence, 10 past the abort handler. %rax and %rcx are the
 * scratch registers: code given to RSEQ_INJECT_ASM() (<rseqdev/inject.h>)
 * must leave them alone and use labels from 100 on.
 */
#ifndef RSEQDEV_ARCH_H
#error "Never include <rseqdev/arch/x86_64.h> directly; include <rseqdev/arch.h>"
#endif

#ifndef RSEQ_TEMPLATE_INDEX

#ifndef RSEQDEV_ARCH_X86_64_H
#define RSEQDEV_ARCH_X86_64_H

#include <stddef.h>
#include <stdint.h>

#include <linux/rseqdev.h>

#include "common.h"

/*
 * The signature before every abort handler. It is the 32-bit displacement
 * of a "ud1" instruction, so a stray jump to the handler's prefix traps.
 * glibc's <sys/rseq.h> uses the same value, which lets the library adopt
 * glibc's registration.
 */
#define RSEQ_SIG	0x53053053

/* Between two tries of a spin loop: lets a sibling hyperthread run. */
static inline __attribute__((always_inline)) void rseq_arch_cpu_relax(void)
{
	__builtin_ia32_pause();
}

/*
 * Is the trap flag set? A debugger single-stepping the thread sets it, and
 * then every sequence aborts: the thread stops after each instruction.
 * pushf writes below the stack pointer, so step over the red zone first.
 */
static inline int rseq_arch_single_stepping(void)
{
	unsigned long flags;

	__asm__ __volatile__("lea -128(%%rsp), %%rsp\n\t"
			     "pushfq\n\t"
			     "popq %0\n\t"
			     "lea 128(%%rsp), %%rsp"
			     : "=r" (flags) : : "memory");
	return !!(flags & 0x100);
}

/* Arm the descriptor: from label 1 on, the kernel watches the thread. */
#define RSEQ_X86_ASM_START						\
	RSEQ_INJECT_ASM(1)						\
	"leaq 3b(%%rip), %%rax\n\t"					\
	"movq %%rax, %%fs:" RSEQ_ASM_STR(RSEQ_ABI_CS_OFFSET)		\
		"(%[rseq_offset])\n\t"					\
	"1:\n\t"							\
	RSEQ_INJECT_ASM(2)

/* Abort unless the thread still runs with the caller's index. */
#define RSEQ_X86_ASM_CHECK_INDEX(offset)				\
	"cmpl %[index], %%fs:" offset "(%[rseq_offset])\n\t"		\
	"jnz 4f\n\t"

/*
 * abort_ip, right after the section, jumped over on the way out. The
 * 0f b9 3d prefix makes the signature the displacement of
 * "ud1 RSEQ_SIG(%rip), %edi".
 *
 * The handler stays inside the function, where the compiler's line table
 * and unwind information cover it: a debugger that stops a thread at
 * abort_ip knows the function and the source line, and next, finish and
 * backtraces work from there. A handler in a section of its own (as
 * librseq's __rseq_failure) has neither: gdb stops "in ?? ()" and refuses
 * to step on. Stops there happen: a breakpoint on the retry path, or an
 * abort for an interrupt (a fence, a cpu_opv vector) while single-stepping.
 * The price is one taken jump per operation.
 */
#define RSEQ_X86_ASM_ABORT						\
	"jmp 10f\n\t"							\
	".byte 0x0f, 0xb9, 0x3d\n\t"					\
	".long " RSEQ_ASM_STR(RSEQ_SIG) "\n\t"				\
	"4:\n\t"							\
	"jmp %l[aborted]\n\t"						\
	"10:\n\t"

#endif /* RSEQDEV_ARCH_X86_64_H */

#else /* RSEQ_TEMPLATE_INDEX: the sequences for one memory order and index */

/* The template parameters, as the assembler text needs them. */
#if defined(RSEQ_TEMPLATE_INDEX_CPU_ID)
#define RSEQ_X86_INDEX_OFFSET	RSEQ_ASM_STR(RSEQ_ABI_CPU_ID_OFFSET)
#elif defined(RSEQ_TEMPLATE_INDEX_MM_CID)
#define RSEQ_X86_INDEX_OFFSET	RSEQ_ASM_STR(RSEQ_ABI_MM_CID_OFFSET)
#else
#error "x86_64.h: unknown RSEQ_TEMPLATE_INDEX"
#endif

/*
 * RELEASE needs no instruction before the commit store on x86-64: stores
 * are not reordered with older stores, and the "memory" clobber keeps the
 * compiler from sinking earlier C stores past the commit. The point is
 * still marked in every sequence, where a weaker architecture puts its
 * barrier or turns the commit into a store-release.
 */
#if defined(RSEQ_TEMPLATE_MO_RELEASE) || defined(RSEQ_TEMPLATE_MO_RELAXED)
#define RSEQ_X86_ASM_RELEASE
#else
#error "x86_64.h: unknown RSEQ_TEMPLATE_MO"
#endif

/*
 * asm goto takes no output operands with older compilers, so every memory
 * operand is an input and the "memory" clobber tells the compiler that the
 * sequence writes it.
 */

/* if (*v != expect) fail; *v = newv */
static inline __attribute__((always_inline))
int RSEQ_TEMPLATE_NAME(load_cbne_store)(intptr_t *v, intptr_t expect,
					intptr_t newv, int index)
{
	RSEQ_INJECT_C(7);
	__asm__ __volatile__ goto(
		RSEQ_ASM_DESCRIPTOR
		RSEQ_X86_ASM_START
		RSEQ_X86_ASM_CHECK_INDEX(RSEQ_X86_INDEX_OFFSET)
		RSEQ_INJECT_ASM(3)
		"cmpq %[expect], %[v]\n\t"
		"jnz %l[compare_failed]\n\t"
		RSEQ_INJECT_ASM(4)
		RSEQ_INJECT_ASM(5)
		RSEQ_INJECT_ASM(6)
		RSEQ_X86_ASM_RELEASE
		"movq %[newv], %[v]\n\t"
		"2:\n\t"
		RSEQ_X86_ASM_ABORT
		: /* no outputs */
		: [rseq_offset] "r" (rseqdev_rseq_offset),
		  [index] "r" (index),
		  [v] "m" (*v),
		  [expect] "er" (expect),
		  [newv] "er" (newv),
		  RSEQ_INJECT_INPUT
		: "memory", "cc", "rax",
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
		RSEQ_X86_ASM_START
		RSEQ_X86_ASM_CHECK_INDEX(RSEQ_X86_INDEX_OFFSET)
		RSEQ_INJECT_ASM(3)
		"movq %[v], %%rax\n\t"
		"cmpq %[expectnot], %%rax\n\t"
		"je %l[compare_failed]\n\t"
		RSEQ_INJECT_ASM(4)
		"movq %%rax, %[load]\n\t"
		"addq %[voffp], %%rax\n\t"
		"movq (%%rax), %%rax\n\t"
		RSEQ_INJECT_ASM(5)
		RSEQ_INJECT_ASM(6)
		RSEQ_X86_ASM_RELEASE
		"movq %%rax, %[v]\n\t"
		"2:\n\t"
		RSEQ_X86_ASM_ABORT
		: /* no outputs */
		: [rseq_offset] "r" (rseqdev_rseq_offset),
		  [index] "r" (index),
		  [v] "m" (*v),
		  [expectnot] "er" (expectnot),
		  [voffp] "er" (voffp),
		  [load] "m" (*load),
		  RSEQ_INJECT_INPUT
		: "memory", "cc", "rax",
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
		RSEQ_X86_ASM_START
		RSEQ_X86_ASM_CHECK_INDEX(RSEQ_X86_INDEX_OFFSET)
		RSEQ_INJECT_ASM(3)
		"movq %[v], %%rax\n\t"
		RSEQ_INJECT_ASM(4)
		"addq %[count], %%rax\n\t"
		RSEQ_INJECT_ASM(5)
		RSEQ_INJECT_ASM(6)
		RSEQ_X86_ASM_RELEASE
		"movq %%rax, %[v]\n\t"
		"2:\n\t"
		RSEQ_X86_ASM_ABORT
		: /* no outputs */
		: [rseq_offset] "r" (rseqdev_rseq_offset),
		  [index] "r" (index),
		  [v] "m" (*v),
		  [count] "er" (count),
		  RSEQ_INJECT_INPUT
		: "memory", "cc", "rax",
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
 * that loaded the old pointer and has not committed yet.
 */
static inline __attribute__((always_inline))
int RSEQ_TEMPLATE_NAME(load_add_load_add_store)(intptr_t *ptr, long off,
						intptr_t inc, int index)
{
	RSEQ_INJECT_C(7);
	__asm__ __volatile__ goto(
		RSEQ_ASM_DESCRIPTOR
		RSEQ_X86_ASM_START
		RSEQ_X86_ASM_CHECK_INDEX(RSEQ_X86_INDEX_OFFSET)
		RSEQ_INJECT_ASM(3)
		"movq %[ptr], %%rax\n\t"
		"addq %[off], %%rax\n\t"
		RSEQ_INJECT_ASM(4)
		"movq (%%rax), %%rcx\n\t"
		"addq %[inc], %%rcx\n\t"
		RSEQ_INJECT_ASM(5)
		RSEQ_INJECT_ASM(6)
		RSEQ_X86_ASM_RELEASE
		"movq %%rcx, (%%rax)\n\t"
		"2:\n\t"
		RSEQ_X86_ASM_ABORT
		: /* no outputs */
		: [rseq_offset] "r" (rseqdev_rseq_offset),
		  [index] "r" (index),
		  [ptr] "m" (*ptr),
		  [off] "er" (off),
		  [inc] "er" (inc),
		  RSEQ_INJECT_INPUT
		: "memory", "cc", "rax", "rcx",
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
		RSEQ_X86_ASM_START
		RSEQ_X86_ASM_CHECK_INDEX(RSEQ_X86_INDEX_OFFSET)
		RSEQ_INJECT_ASM(3)
		"cmpq %[expect], %[v]\n\t"
		"jnz %l[compare_failed]\n\t"
		RSEQ_INJECT_ASM(4)
		"movq %[newv2], %[v2]\n\t"
		RSEQ_INJECT_ASM(5)
		RSEQ_INJECT_ASM(6)
		RSEQ_X86_ASM_RELEASE
		"movq %[newv], %[v]\n\t"
		"2:\n\t"
		RSEQ_X86_ASM_ABORT
		: /* no outputs */
		: [rseq_offset] "r" (rseqdev_rseq_offset),
		  [index] "r" (index),
		  [v] "m" (*v),
		  [expect] "er" (expect),
		  [v2] "m" (*v2),
		  [newv2] "er" (newv2),
		  [newv] "er" (newv),
		  RSEQ_INJECT_INPUT
		: "memory", "cc", "rax",
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
		RSEQ_X86_ASM_START
		RSEQ_X86_ASM_CHECK_INDEX(RSEQ_X86_INDEX_OFFSET)
		RSEQ_INJECT_ASM(3)
		"cmpq %[expect], %[v]\n\t"
		"jnz %l[compare_failed]\n\t"
		RSEQ_INJECT_ASM(4)
		"cmpq %[expect2], %[v2]\n\t"
		"jnz %l[compare_failed]\n\t"
		RSEQ_INJECT_ASM(5)
		RSEQ_INJECT_ASM(6)
		RSEQ_X86_ASM_RELEASE
		"movq %[newv], %[v]\n\t"
		"2:\n\t"
		RSEQ_X86_ASM_ABORT
		: /* no outputs */
		: [rseq_offset] "r" (rseqdev_rseq_offset),
		  [index] "r" (index),
		  [v] "m" (*v),
		  [expect] "er" (expect),
		  [v2] "m" (*v2),
		  [expect2] "er" (expect2),
		  [newv] "er" (newv),
		  RSEQ_INJECT_INPUT
		: "memory", "cc", "rax",
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
 * The copy moves 8 bytes at a time, then the tail byte by byte; %rcx
 * counts the bytes copied, %rax carries them.
 */
static inline __attribute__((always_inline))
int RSEQ_TEMPLATE_NAME(load_cbne_memcpy_store)(intptr_t *v, intptr_t expect,
					       void *dst, void *src, size_t len,
					       intptr_t newv, int index)
{
	RSEQ_INJECT_C(7);
	__asm__ __volatile__ goto(
		RSEQ_ASM_DESCRIPTOR
		RSEQ_X86_ASM_START
		RSEQ_X86_ASM_CHECK_INDEX(RSEQ_X86_INDEX_OFFSET)
		RSEQ_INJECT_ASM(3)
		"cmpq %[expect], %[v]\n\t"
		"jnz %l[compare_failed]\n\t"
		RSEQ_INJECT_ASM(4)
		"xorl %%ecx, %%ecx\n\t"
		"5:\n\t"
		"leaq 8(%%rcx), %%rax\n\t"
		"cmpq %[len], %%rax\n\t"
		"ja 6f\n\t"
		"movq (%[src], %%rcx), %%rax\n\t"
		"movq %%rax, (%[dst], %%rcx)\n\t"
		"addq $8, %%rcx\n\t"
		"jmp 5b\n\t"
		"6:\n\t"
		"cmpq %[len], %%rcx\n\t"
		"jae 7f\n\t"
		"movb (%[src], %%rcx), %%al\n\t"
		"movb %%al, (%[dst], %%rcx)\n\t"
		"incq %%rcx\n\t"
		"jmp 6b\n\t"
		"7:\n\t"
		RSEQ_INJECT_ASM(5)
		RSEQ_INJECT_ASM(6)
		RSEQ_X86_ASM_RELEASE
		"movq %[newv], %[v]\n\t"
		"2:\n\t"
		RSEQ_X86_ASM_ABORT
		: /* no outputs */
		: [rseq_offset] "r" (rseqdev_rseq_offset),
		  [index] "r" (index),
		  [v] "m" (*v),
		  [expect] "er" (expect),
		  [dst] "r" (dst),
		  [src] "r" (src),
		  [len] "r" (len),
		  [newv] "er" (newv),
		  RSEQ_INJECT_INPUT
		: "memory", "cc", "rax", "rcx",
		  RSEQ_INJECT_CLOBBER
		: aborted, compare_failed);
	return 0;
aborted:
	RSEQ_INJECT_FAILED;
	return -1;
compare_failed:
	return 1;
}

#undef RSEQ_X86_INDEX_OFFSET
#undef RSEQ_X86_ASM_RELEASE

#endif /* RSEQ_TEMPLATE_INDEX */
