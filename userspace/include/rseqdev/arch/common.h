/* SPDX-License-Identifier: LGPL-2.1-only OR MIT */
/*
 * What the critical sections of every 64-bit architecture share: the
 * offsets of the fields of struct rseqdev_rseq that their assembler text
 * names, and the descriptor each sequence emits. Included by the arch
 * headers only.
 */
#ifndef RSEQDEV_ARCH_COMMON_H
#define RSEQDEV_ARCH_COMMON_H

#include <stddef.h>

#include <linux/rseqdev.h>

#define RSEQ_ASM_STR_1(x)	#x
#define RSEQ_ASM_STR(x)		RSEQ_ASM_STR_1(x)

/* Offsets in struct rseqdev_rseq named in the assembler text. */
#define RSEQ_ABI_CPU_ID_OFFSET	4
#define RSEQ_ABI_CS_OFFSET	8
#define RSEQ_ABI_MM_CID_OFFSET	24

#ifdef __cplusplus
#define RSEQ_ASM_STATIC_ASSERT(cond, msg)	static_assert(cond, msg)
#else
#define RSEQ_ASM_STATIC_ASSERT(cond, msg)	_Static_assert(cond, msg)
#endif

RSEQ_ASM_STATIC_ASSERT(offsetof(struct rseqdev_rseq, cpu_id) == RSEQ_ABI_CPU_ID_OFFSET,
		       "struct rseqdev_rseq: cpu_id offset");
RSEQ_ASM_STATIC_ASSERT(offsetof(struct rseqdev_rseq, rseq_cs) == RSEQ_ABI_CS_OFFSET,
		       "struct rseqdev_rseq: rseq_cs offset");
RSEQ_ASM_STATIC_ASSERT(offsetof(struct rseqdev_rseq, mm_cid) == RSEQ_ABI_MM_CID_OFFSET,
		       "struct rseqdev_rseq: mm_cid offset");

/*
 * The descriptor (struct rseqdev_rseq_cs: version and flags, two 32-bit
 * words; start_ip, post_commit_offset and abort_ip, three 64-bit ones) at
 * local label 3, for a sequence whose labels 1, 2 and 4 are its start, its
 * post-commit point and its abort handler; and a pointer to it for
 * debuggers. Both sections are writable because a position-independent
 * executable or shared library relocates the addresses at load time.
 */
#define RSEQ_ASM_DESCRIPTOR						\
	".pushsection __rseq_cs, \"aw\"\n\t"				\
	".balign 32\n\t"						\
	"3:\n\t"							\
	".long 0, 0\n\t"						\
	".quad 1f, 2f - 1f, 4f\n\t"					\
	".popsection\n\t"						\
	".pushsection __rseq_cs_ptr_array, \"aw\"\n\t"			\
	".balign 8\n\t"							\
	".quad 3b\n\t"							\
	".popsection\n\t"

#endif /* RSEQDEV_ARCH_COMMON_H */
