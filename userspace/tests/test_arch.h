/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Everything the tests write in the instruction set: the test programs
 * (userspace/tests, tests/plain, tests/host) hold no assembler text of
 * their own, so that another architecture needs a section here and no
 * change to a test. The library's own architecture layer is
 * <rseqdev/arch.h>; this header stands beside it for the tests, and uses
 * libc only, because the programs of tests/plain stand for software that
 * knows nothing of rseqdev.
 *
 * What a section provides:
 *
 * RSEQ_SIG			the signature, spelt as glibc's <sys/rseq.h>
 *				and <rseqdev/arch.h> spell it
 * TEST_DELAY_LOOP(count)	assembler text for RSEQ_INJECT_ASM() that
 *				spins as many times as the "m" input operand
 *				named @count says (0: no delay)
 * TEST_DELAY_LOOP_CLOBBER	what RSEQ_INJECT_CLOBBER must then name
 * TEST_SEES_SINGLE_STEP	1 when the library sees a single-stepping
 *				debugger (rseq_arch_single_stepping()), 0 when
 *				it cannot tell
 * test_ucontext_ip()		the interrupted instruction pointer in a
 *				signal handler's context
 * test_tracee_ip()		a stopped tracee's instruction pointer
 * test_rseq_cs_section()	bounds of the program's __rseq_cs and
 * test_rseq_cs_ptr_array()	__rseq_cs_ptr_array sections
 * test_abort_signature_ok()	whether the bytes before an abort_ip are
 *				the signature as the library lays it out
 * test_getpid_at()		a system call at an address the caller learns
 * test_cycles()		a counter of the CPU's that user space reads
 *				without a system call, steady in time
 * TEST_SECTION_BOUNDS()	the linker's bounds of a named section
 * TEST_RSEQ_ENTER, _LEAVE	the frame of a hand-written critical section
 * TEST_RSEQ_ENTER_AT_OFFSET	(below), TEST_RSEQ_CLOBBERS the registers it
 *				takes, TEST_RSEQ_TRAP a trap inside one
 * test_ucontext_skip_trap()	past TEST_RSEQ_TRAP, from its SIGTRAP handler
 * TEST_RSEQ_TRAP_IP_OFFSET	where its SIGTRAP says it trapped, from the start
 * test_rseq_*()		hand-written critical sections, for the
 *				tests that check the kernel's side of rseq
 *				without the library's sequences
 */
#ifndef RSEQDEV_TESTS_TEST_ARCH_H
#define RSEQDEV_TESTS_TEST_ARCH_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/user.h>
#include <ucontext.h>

#define TEST_STR_1(x)	#x
#define TEST_STR(x)	TEST_STR_1(x)

/*
 * Keeps the compiler from dropping or merging a loop that does nothing but
 * take time.
 */
static inline void test_compiler_barrier(void)
{
	__asm__ __volatile__("" : : : "memory");
}

/*
 * Makes the compiler believe that @p is read and its memory written: the
 * stores before it are kept, and @p's object may not be optimised away.
 * Not a const pointer: gcc at -O0 warns when an array nobody wrote goes to
 * a const one, and handing over such an array is the point of some callers.
 */
static inline void test_escape(void *p)
{
	__asm__ __volatile__("" : : "r" (p) : "memory");
}

#if defined(__x86_64__)

/* ud1's displacement, so that a stray jump into the signature traps. */
#define RSEQ_SIG	0x53053053

#define TEST_DELAY_LOOP(count)						\
	"movl %[" count "], %%edx\n\t"					\
	"testl %%edx, %%edx\n\t"					\
	"jz 101f\n\t"							\
	"100:\n\t"							\
	"decl %%edx\n\t"						\
	"jnz 100b\n\t"							\
	"101:\n\t"

#define TEST_DELAY_LOOP_CLOBBER	"rdx"

/*
 * rseq_arch_single_stepping() sees a debugger's single-step (the trap
 * flag): the library falls back to cpu_opv after the first abort.
 */
#define TEST_SEES_SINGLE_STEP	1

static inline uint64_t test_ucontext_ip(const ucontext_t *uc)
{
	return uc->uc_mcontext.gregs[REG_RIP];
}

/* 0, or -1 with errno as ptrace(PTRACE_GETREGS). */
static inline int test_tracee_ip(pid_t pid, uint64_t *ip)
{
	struct user_regs_struct regs;

	if (ptrace(PTRACE_GETREGS, pid, NULL, &regs))
		return -1;
	*ip = regs.rip;
	return 0;
}

/*
 * The bounds of the section @name (a C identifier), as two pointers: taken
 * in asm, where the linker defines __start_ and __stop_ when referenced.
 */
#define TEST_SECTION_BOUNDS(name, start, stop)				\
	__asm__("leaq __start_" #name "(%%rip), %0\n\t"			\
		"leaq __stop_" #name "(%%rip), %1"			\
		: "=r" (start), "=r" (stop))

/* Taken in asm: the linker defines the symbols when referenced. */
static inline const void *test_rseq_cs_section(const void **stop)
{
	const void *start;

	__asm__("leaq __start___rseq_cs(%%rip), %0\n\t"
		"leaq __stop___rseq_cs(%%rip), %1"
		: "=r" (start), "=r" (*stop));
	return start;
}

static inline const uint64_t *test_rseq_cs_ptr_array(const uint64_t **stop)
{
	const uint64_t *start;

	__asm__("leaq __start___rseq_cs_ptr_array(%%rip), %0\n\t"
		"leaq __stop___rseq_cs_ptr_array(%%rip), %1"
		: "=r" (start), "=r" (*stop));
	return start;
}

/* "ud1 RSEQ_SIG(%rip), %edi" ends right at abort_ip. */
static inline int test_abort_signature_ok(const unsigned char *abort_ip)
{
	static const unsigned char ud1_prefix[3] = { 0x0f, 0xb9, 0x3d };
	uint32_t sig;

	memcpy(&sig, abort_ip - 4, sizeof(sig));
	return sig == RSEQ_SIG && !memcmp(abort_ip - 7, ud1_prefix, 3);
}

/*
 * The frame of a critical section, for asm goto with the operands
 * TEST_RSEQ_OPERANDS() names and a label "aborted":
 *
 *	asm goto(TEST_RSEQ_ENTER "body, the commit last" TEST_RSEQ_LEAVE
 *		 : : TEST_RSEQ_OPERANDS(rseq_cs, cpu_id, cpu), ...
 *		 : TEST_RSEQ_CLOBBERS, ... : aborted);
 *
 * TEST_RSEQ_ENTER points the area's rseq_cs at the section's descriptor,
 * which goes to __rseq_cs, and aborts when the thread is not on %[cpu].
 * The section runs from label 1 to label 2, right after the commit.
 * TEST_RSEQ_LEAVE puts the abort handler in __rseq_failure, right after
 * the signature, which is the displacement of a ud1 instruction so that a
 * stray jump into it traps. The frame takes labels 1 to 4, and rax
 * (TEST_RSEQ_CLOBBERS).
 */
#define TEST_RSEQ_DESCRIPTOR						\
	".pushsection __rseq_cs, \"aw\"\n\t"				\
	".balign 32\n"							\
	"3:\n\t"							\
	".long 0, 0\n\t"		/* version, flags */		\
	".quad 1f, 2f - 1f, 4f\n\t"	/* start, post-commit offset, abort */ \
	".popsection\n\t"						\
	"leaq 3b(%%rip), %%rax\n\t"

#define TEST_RSEQ_ENTER							\
	TEST_RSEQ_DESCRIPTOR						\
	"movq %%rax, %[rseq_cs]\n"					\
	"1:\n\t"							\
	"cmpl %[cpu], %[cpu_id]\n\t"					\
	"jnz 4f\n\t"

/*
 * The same frame with no CPU check, for the area at %[offset] from the
 * thread pointer; the descriptor's address also goes to %[desc].
 */
#define TEST_RSEQ_ENTER_AT_OFFSET					\
	TEST_RSEQ_DESCRIPTOR						\
	"movq %%rax, %[desc]\n\t"					\
	"movq %%rax, %%fs:8(%[offset])\n"				\
	"1:\n\t"

#define TEST_RSEQ_LEAVE							\
	"2:\n\t"							\
	".pushsection __rseq_failure, \"ax\"\n\t"			\
	".byte 0x0f, 0xb9, 0x3d\n\t"	/* ud1 with the signature */	\
	".long " TEST_STR(RSEQ_SIG) "\n"				\
	"4:\n\t"							\
	"jmp %l[aborted]\n\t"						\
	".popsection"

#define TEST_RSEQ_CLOBBERS	"rax"

/*
 * A breakpoint for a critical section: SIGTRAP arrives with the IP after
 * the int3, which the nop keeps inside the section.
 */
#define TEST_RSEQ_TRAP							\
	"int3\n\t"							\
	"nop\n"

/* The trap's IP in its SIGTRAP, from the section's start: past the int3. */
#define TEST_RSEQ_TRAP_IP_OFFSET	1

/* In the SIGTRAP handler: nothing to do, int3's IP is past it already. */
static inline void test_ucontext_skip_trap(ucontext_t *uc)
{
	(void)uc;
}

#define TEST_RSEQ_OPERANDS(rseq_cs_field, cpu_id_field, on_cpu)	\
	[rseq_cs] "m" (*(uint64_t *)(rseq_cs_field)),			\
	[cpu_id] "m" (*(uint32_t *)(cpu_id_field)),			\
	[cpu] "r" (on_cpu)

/*
 * ++*@count as one critical section on the area whose rseq_cs and cpu_id
 * fields are given (struct rseq or struct rseqdev_rseq, which one the caller
 * uses): 0 once committed, -1 when aborted or not on @cpu.
 */
static inline int test_rseq_increment(void *rseq_cs, void *cpu_id,
				      int cpu, long *count)
{
	__asm__ __volatile__ goto(TEST_RSEQ_ENTER
		 "movq %[count], %%rax\n\t"
		 "addq $1, %%rax\n\t"
		 "movq %%rax, %[count]\n"	/* the commit */
		 TEST_RSEQ_LEAVE
		 :
		 : TEST_RSEQ_OPERANDS(rseq_cs, cpu_id, cpu),
		   [count] "m" (*count)
		 : "rax", "memory", "cc"
		 : aborted);
	return 0;
aborted:
	return -1;
}

/*
 * A critical section that says it entered @round (*@entered = @round),
 * waits inside for *@go == @round, and commits *@done = @round: 0 once
 * committed, -1 when aborted or not on @cpu.
 */
static inline int test_rseq_held(void *rseq_cs, void *cpu_id,
				 int cpu, int round, int *entered,
				 int *go, int *done)
{
	__asm__ __volatile__ goto(TEST_RSEQ_ENTER
		 "movl %[round], %[entered]\n"
		 "5:\n\t"
		 "pause\n\t"
		 "cmpl %[round], %[go]\n\t"
		 "jne 5b\n\t"
		 "movl %[round], %[done]\n"	/* the commit */
		 TEST_RSEQ_LEAVE
		 :
		 : TEST_RSEQ_OPERANDS(rseq_cs, cpu_id, cpu),
		   [round] "r" (round),
		   [entered] "m" (*entered),
		   [go] "m" (*go),
		   [done] "m" (*done)
		 : "rax", "memory", "cc"
		 : aborted);
	return 0;
aborted:
	return -1;
}

/*
 * ++*(long *)(*@active + @offset) as one critical section, the pointer
 * loaded inside it: 0 once committed, -1 when aborted or not on @cpu.
 * Between the load of the pointer and the commit it says it entered
 * @round, waits for *@go == @round, then spins @spins times.
 */
static inline int test_rseq_increment_active(void *rseq_cs,
					     void *cpu_id, int cpu,
					     void **active, long offset,
					     int round, int *entered, int *go,
					     unsigned int spins)
{
	__asm__ __volatile__ goto(TEST_RSEQ_ENTER
		 "movq %[active], %%rax\n\t"
		 "addq %[offset], %%rax\n\t"
		 "movl %[round], %[entered]\n"
		 "6:\n\t"			/* held until the manager says go */
		 "cmpl %[round], %[go]\n\t"
		 "je 7f\n\t"
		 "pause\n\t"
		 "jmp 6b\n"
		 "7:\n\t"
		 "movl %[spins], %%ecx\n"
		 "5:\n\t"			/* widen the window */
		 "subl $1, %%ecx\n\t"
		 "jae 5b\n\t"
		 "movq (%%rax), %%rcx\n\t"
		 "addq $1, %%rcx\n\t"
		 "movq %%rcx, (%%rax)\n"	/* the commit */
		 TEST_RSEQ_LEAVE
		 :
		 : TEST_RSEQ_OPERANDS(rseq_cs, cpu_id, cpu),
		   [active] "m" (*active),
		   [offset] "r" (offset),
		   [round] "r" (round),
		   [entered] "m" (*entered),
		   [go] "m" (*go),
		   [spins] "r" (spins)
		 : "rax", "rcx", "memory", "cc"
		 : aborted);
	return 0;
aborted:
	return -1;
}

/*
 * getpid() through a system call instruction of its own, which lies in
 * [*@start, *@end): the address the system call returns to is *@end. For
 * a descriptor that puts a system call inside a critical section, which
 * the ABI forbids and 7.1's debug mode kills for. The addresses are
 * stored before the call; call it through a function that is never
 * inlined, so that every call runs the same instruction.
 */
/* The time-stamp counter: constant-rate on the CPUs QEMU's -cpu max models. */
static inline uint64_t test_cycles(void)
{
	return __builtin_ia32_rdtsc();
}

static inline long test_getpid_at(uint64_t *start, uint64_t *end)
{
	long ret = SYS_getpid;

	__asm__ __volatile__(
		"leaq 1f(%%rip), %%rdx\n\t"
		"movq %%rdx, %[start]\n\t"
		"leaq 2f(%%rip), %%rdx\n\t"
		"movq %%rdx, %[end]\n\t"
		"1:\n\t"
		"syscall\n\t"
		"2:\n\t"
		: "+a" (ret), [start] "=m" (*start), [end] "=m" (*end)
		:
		: "rcx", "r11", "rdx", "memory");
	return ret;
}

/*
 * One critical section on the thread's area at @area_offset from the
 * thread pointer: it spins until *@stop is set, then commits by storing 1
 * to *@committed. It stores its descriptor's address to *@desc first.
 * Returns 0 when it committed, 1 when the kernel sent it to its abort
 * handler. It checks no CPU: only a preemption, migration or signal ends
 * it early.
 */
static inline int test_rseq_spin(ptrdiff_t area_offset, int *stop,
				 int *committed, void **desc)
{
	__asm__ __volatile__ goto(
		TEST_RSEQ_ENTER_AT_OFFSET
		"cmpl $0, %[stop]\n\t"
		"je 1b\n\t"
		"movl $1, %[committed]\n"
		TEST_RSEQ_LEAVE
		: /* asm goto: no outputs */
		: [offset] "r" (area_offset), [stop] "m" (*stop),
		  [committed] "m" (*committed), [desc] "m" (*desc)
		: "memory", "cc", "rax"
		: aborted);
	return 0;
aborted:
	return 1;
}

#elif defined(__aarch64__)

#include <elf.h>
#include <sys/uio.h>

/*
 * "brk #0x45e0", spelt as glibc's <sys/rseq.h> and <rseqdev/arch.h> spell
 * it: RSEQ_SIG_CODE is the instruction, RSEQ_SIG the 32-bit word the
 * kernel reads at abort_ip - 4 (the same but on a big-endian system).
 */
#define RSEQ_SIG_CODE	0xd428bc00
#ifdef __AARCH64EB__
#define RSEQ_SIG_DATA	0x00bc28d4
#else
#define RSEQ_SIG_DATA	RSEQ_SIG_CODE
#endif
#define RSEQ_SIG	RSEQ_SIG_DATA

/* No flags touched: the loop counts down with cbz/cbnz. */
#define TEST_DELAY_LOOP(count)						\
	"ldr w12, %[" count "]\n\t"					\
	"cbz w12, 101f\n\t"						\
	"100:\n\t"							\
	"sub w12, w12, #1\n\t"						\
	"cbnz w12, 100b\n\t"						\
	"101:\n\t"

#define TEST_DELAY_LOOP_CLOBBER	"x12"

/*
 * rseq_arch_single_stepping() cannot see a single-step (MDSCR_EL1.SS and
 * PSTATE.SS are out of user space's reach): a stepped operation falls
 * back to cpu_opv after the abort limit.
 */
#define TEST_SEES_SINGLE_STEP	0

static inline uint64_t test_ucontext_ip(const ucontext_t *uc)
{
	return uc->uc_mcontext.pc;
}

/*
 * 0, or -1 with errno as ptrace(PTRACE_GETREGSET): arm64 has no
 * PTRACE_GETREGS; the general registers are the NT_PRSTATUS set.
 */
static inline int test_tracee_ip(pid_t pid, uint64_t *ip)
{
	struct user_regs_struct regs;
	struct iovec iov = { .iov_base = &regs, .iov_len = sizeof(regs) };

	if (ptrace(PTRACE_GETREGSET, pid, (void *)(uintptr_t)NT_PRSTATUS, &iov))
		return -1;
	*ip = regs.pc;
	return 0;
}

/*
 * The bounds of the section @name (a C identifier), as two pointers: taken
 * in asm, where the linker defines __start_ and __stop_ when referenced.
 * adrp and add reach them wherever the linker puts the section.
 */
#define TEST_SECTION_BOUNDS(name, start, stop)				\
	__asm__("adrp %0, __start_" #name "\n\t"			\
		"add %0, %0, :lo12:__start_" #name "\n\t"		\
		"adrp %1, __stop_" #name "\n\t"				\
		"add %1, %1, :lo12:__stop_" #name			\
		: "=&r" (start), "=r" (stop))

/* Taken in asm: the linker defines the symbols when referenced. */
static inline const void *test_rseq_cs_section(const void **stop)
{
	const void *start, *end;

	TEST_SECTION_BOUNDS(__rseq_cs, start, end);
	*stop = end;
	return start;
}

static inline const uint64_t *test_rseq_cs_ptr_array(const uint64_t **stop)
{
	const uint64_t *start, *end;

	TEST_SECTION_BOUNDS(__rseq_cs_ptr_array, start, end);
	*stop = end;
	return start;
}

/* An instruction word: little-endian in memory, whatever the data order. */
static inline uint32_t test_insn_at(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 |
	       (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/*
 * The library lays an abort handler out as "b 10f; brk #0x45e0; 4: b
 * aborted; 10:": the kernel's word at abort_ip - 4 is RSEQ_SIG, and the
 * instruction before it is the branch over the handler (b, 12 bytes
 * forward), so that the signature is never reached by falling through.
 */
static inline int test_abort_signature_ok(const unsigned char *abort_ip)
{
	uint32_t sig;

	memcpy(&sig, abort_ip - 4, sizeof(sig));
	return sig == RSEQ_SIG && test_insn_at(abort_ip - 4) == RSEQ_SIG_CODE &&
	       test_insn_at(abort_ip - 8) == (0x14000000u | 12 / 4);
}

/*
 * The frame of a critical section, for asm goto with the operands
 * TEST_RSEQ_OPERANDS() names and a label "aborted":
 *
 *	asm goto(TEST_RSEQ_ENTER "body, the commit last" TEST_RSEQ_LEAVE
 *		 : : TEST_RSEQ_OPERANDS(rseq_cs, cpu_id, cpu), ...
 *		 : TEST_RSEQ_CLOBBERS, ... : aborted);
 *
 * TEST_RSEQ_ENTER points the area's rseq_cs at the section's descriptor,
 * which goes to __rseq_cs, and aborts when the thread is not on %[cpu].
 * The section runs from label 1 to label 2, right after the commit.
 * TEST_RSEQ_LEAVE puts the abort handler in __rseq_failure, right after
 * the signature, a brk instruction, so that a stray jump into it traps.
 * The frame takes labels 1 to 4, and x9 and x10 (TEST_RSEQ_CLOBBERS).
 */
#define TEST_RSEQ_DESCRIPTOR						\
	".pushsection __rseq_cs, \"aw\"\n\t"				\
	".balign 32\n"							\
	"3:\n\t"							\
	".long 0, 0\n\t"		/* version, flags */		\
	".quad 1f, 2f - 1f, 4f\n\t"	/* start, post-commit offset, abort */ \
	".popsection\n\t"						\
	"adrp x9, 3b\n\t"						\
	"add x9, x9, :lo12:3b\n\t"

#define TEST_RSEQ_ENTER							\
	TEST_RSEQ_DESCRIPTOR						\
	"str x9, %[rseq_cs]\n"						\
	"1:\n\t"							\
	"ldr w9, %[cpu_id]\n\t"						\
	"cmp w9, %w[cpu]\n\t"						\
	"b.ne 4f\n\t"

/*
 * The same frame with no CPU check, for the area at %[offset] from the
 * thread pointer; the descriptor's address also goes to %[desc].
 */
#define TEST_RSEQ_ENTER_AT_OFFSET					\
	TEST_RSEQ_DESCRIPTOR						\
	"str x9, %[desc]\n\t"						\
	"mrs x10, tpidr_el0\n\t"					\
	"add x10, x10, %[offset]\n\t"					\
	"str x9, [x10, #8]\n"						\
	"1:\n\t"

#define TEST_RSEQ_LEAVE							\
	"2:\n\t"							\
	".pushsection __rseq_failure, \"ax\"\n\t"			\
	".balign 4\n\t"							\
	".inst " TEST_STR(RSEQ_SIG_CODE) "\n"	/* brk #0x45e0 */	\
	"4:\n\t"							\
	"b %l[aborted]\n\t"						\
	".popsection"

#define TEST_RSEQ_CLOBBERS	"x9", "x10"

/*
 * A breakpoint for a critical section: SIGTRAP arrives with the IP at the
 * brk, inside the section; the nop keeps the section going past it.
 */
#define TEST_RSEQ_TRAP							\
	"brk #0\n\t"							\
	"nop\n"

/* The trap's IP in its SIGTRAP, from the section's start: the brk itself. */
#define TEST_RSEQ_TRAP_IP_OFFSET	0

/*
 * In the SIGTRAP handler: step over a brk the IP still points at, so that
 * a section that failed to abort runs on to a failed check rather than
 * trapping forever. At abort_ip, where an abort sends it, nothing changes.
 */
static inline void test_ucontext_skip_trap(ucontext_t *uc)
{
	if ((test_insn_at((const unsigned char *)uc->uc_mcontext.pc) & 0xffe0001f) ==
	    0xd4200000)
		uc->uc_mcontext.pc += 4;
}

#define TEST_RSEQ_OPERANDS(rseq_cs_field, cpu_id_field, on_cpu)	\
	[rseq_cs] "m" (*(uint64_t *)(rseq_cs_field)),			\
	[cpu_id] "m" (*(uint32_t *)(cpu_id_field)),			\
	[cpu] "r" (on_cpu)

/*
 * ++*@count as one critical section on the area whose rseq_cs and cpu_id
 * fields are given (struct rseq or struct rseqdev_rseq, which one the caller
 * uses): 0 once committed, -1 when aborted or not on @cpu.
 */
static inline int test_rseq_increment(void *rseq_cs, void *cpu_id,
				      int cpu, long *count)
{
	__asm__ __volatile__ goto(TEST_RSEQ_ENTER
		 "ldr x9, %[count]\n\t"
		 "add x9, x9, #1\n\t"
		 "str x9, %[count]\n"		/* the commit */
		 TEST_RSEQ_LEAVE
		 :
		 : TEST_RSEQ_OPERANDS(rseq_cs, cpu_id, cpu),
		   [count] "m" (*count)
		 : TEST_RSEQ_CLOBBERS, "memory", "cc"
		 : aborted);
	return 0;
aborted:
	return -1;
}

/*
 * A critical section that says it entered @round (*@entered = @round),
 * waits inside for *@go == @round, and commits *@done = @round: 0 once
 * committed, -1 when aborted or not on @cpu.
 */
static inline int test_rseq_held(void *rseq_cs, void *cpu_id,
				 int cpu, int round, int *entered,
				 int *go, int *done)
{
	__asm__ __volatile__ goto(TEST_RSEQ_ENTER
		 "str %w[round], %[entered]\n"
		 "5:\n\t"
		 "yield\n\t"
		 "ldr w9, %[go]\n\t"
		 "cmp w9, %w[round]\n\t"
		 "b.ne 5b\n\t"
		 "str %w[round], %[done]\n"	/* the commit */
		 TEST_RSEQ_LEAVE
		 :
		 : TEST_RSEQ_OPERANDS(rseq_cs, cpu_id, cpu),
		   [round] "r" (round),
		   [entered] "m" (*entered),
		   [go] "m" (*go),
		   [done] "m" (*done)
		 : TEST_RSEQ_CLOBBERS, "memory", "cc"
		 : aborted);
	return 0;
aborted:
	return -1;
}

/*
 * ++*(long *)(*@active + @offset) as one critical section, the pointer
 * loaded inside it: 0 once committed, -1 when aborted or not on @cpu.
 * Between the load of the pointer and the commit it says it entered
 * @round, waits for *@go == @round, then spins @spins times.
 */
static inline int test_rseq_increment_active(void *rseq_cs,
					     void *cpu_id, int cpu,
					     void **active, long offset,
					     int round, int *entered, int *go,
					     unsigned int spins)
{
	__asm__ __volatile__ goto(TEST_RSEQ_ENTER
		 "ldr x9, %[active]\n\t"
		 "add x9, x9, %[offset]\n\t"
		 "str %w[round], %[entered]\n"
		 "6:\n\t"			/* held until the manager says go */
		 "ldr w10, %[go]\n\t"
		 "cmp w10, %w[round]\n\t"
		 "b.eq 7f\n\t"
		 "yield\n\t"
		 "b 6b\n"
		 "7:\n\t"
		 "mov w10, %w[spins]\n"
		 "5:\n\t"			/* widen the window */
		 "subs w10, w10, #1\n\t"
		 "b.hs 5b\n\t"
		 "ldr x10, [x9]\n\t"
		 "add x10, x10, #1\n\t"
		 "str x10, [x9]\n"		/* the commit */
		 TEST_RSEQ_LEAVE
		 :
		 : TEST_RSEQ_OPERANDS(rseq_cs, cpu_id, cpu),
		   [active] "m" (*active),
		   [offset] "r" (offset),
		   [round] "r" (round),
		   [entered] "m" (*entered),
		   [go] "m" (*go),
		   [spins] "r" (spins)
		 : TEST_RSEQ_CLOBBERS, "memory", "cc"
		 : aborted);
	return 0;
aborted:
	return -1;
}

/*
 * The generic timer's virtual count, which the kernel lets user space read
 * (as the vDSO does): constant-rate, at CNTFRQ_EL0 ticks a second. The isb
 * keeps the read from being taken early.
 */
static inline uint64_t test_cycles(void)
{
	uint64_t count;

	__asm__ __volatile__("isb\n\t"
			     "mrs %0, cntvct_el0"
			     : "=r" (count) : : "memory");
	return count;
}

/*
 * getpid() through a system call instruction of its own, which lies in
 * [*@start, *@end): the address the system call returns to is *@end. For
 * a descriptor that puts a system call inside a critical section, which
 * the ABI forbids and 7.1's debug mode kills for. The addresses are
 * stored before the call; call it through a function that is never
 * inlined, so that every call runs the same instruction.
 */
static inline long test_getpid_at(uint64_t *start, uint64_t *end)
{
	register long nr __asm__("x8") = SYS_getpid;
	register long ret __asm__("x0");

	__asm__ __volatile__(
		"adr x9, 1f\n\t"
		"str x9, %[start]\n\t"
		"adr x9, 2f\n\t"
		"str x9, %[end]\n\t"
		"1:\n\t"
		"svc #0\n\t"
		"2:\n\t"
		: "=r" (ret), [start] "=m" (*start), [end] "=m" (*end)
		: "r" (nr)
		: "x9", "memory");
	return ret;
}

/*
 * One critical section on the thread's area at @area_offset from the
 * thread pointer: it spins until *@stop is set, then commits by storing 1
 * to *@committed. It stores its descriptor's address to *@desc first.
 * Returns 0 when it committed, 1 when the kernel sent it to its abort
 * handler. It checks no CPU: only a preemption, migration or signal ends
 * it early.
 */
static inline int test_rseq_spin(ptrdiff_t area_offset, int *stop,
				 int *committed, void **desc)
{
	__asm__ __volatile__ goto(
		TEST_RSEQ_ENTER_AT_OFFSET
		"ldr w9, %[stop]\n\t"
		"cbz w9, 1b\n\t"
		"mov w9, #1\n\t"
		"str w9, %[committed]\n"
		TEST_RSEQ_LEAVE
		: /* asm goto: no outputs */
		: [offset] "r" (area_offset), [stop] "m" (*stop),
		  [committed] "m" (*committed), [desc] "m" (*desc)
		: TEST_RSEQ_CLOBBERS, "memory", "cc"
		: aborted);
	return 0;
aborted:
	return 1;
}

#else
#error "tests: no test_arch.h section for this architecture"
#endif

#endif /* RSEQDEV_TESTS_TEST_ARCH_H */
