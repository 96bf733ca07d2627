/* SPDX-License-Identifier: LGPL-2.1-only OR MIT */
/*
 * Per-CPU operations: each one is a single restartable sequence that
 * commits with one store, or does nothing at all.
 *
 * An operation names the index the caller believes the thread runs with
 * (a CPU number in RSEQ_PERCPU_CPU_ID mode, a concurrency id in
 * RSEQ_PERCPU_MM_CID mode) and touches only that index's data. The
 * sequence aborts when the thread no longer runs with that index, or when
 * it is preempted, migrated or signalled before the commit. No other thread
 * can then have run with the same index between the sequence's loads and
 * its commit, which makes the whole operation atomic for that index's data
 * without a lock or an atomic instruction.
 *
 * Every operation returns:
 *   0	committed;
 *   1	a compare failed: nothing was stored (except, for the list pop, the
 *	value written to *load);
 *  -1	the sequence aborted, or the memory order, mode or index is not one
 *	the operation supports. Read the index again and retry.
 *
 * Preconditions: the calling thread is registered (rseq_thread_ready()),
 * the index comes from rseqdev_percpu_current_index() with the same mode, and
 * all data an operation touches belongs to that index. MM_CID mode needs
 * rseq_mm_cid_available(). Names and arguments follow librseq's.
 */
#ifndef RSEQDEV_OPS_H
#define RSEQDEV_OPS_H

#include <stddef.h>
#include <stdint.h>

#include <rseqdev/arch.h>
#include <rseqdev/inject.h>
#include <rseqdev/rseq.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * enum rseq_mo - memory order of an operation's commit store
 * @RSEQ_MO_RELAXED: no ordering beyond the per-index atomicity
 * @RSEQ_MO_RELEASE: every store before the commit store, the operation's
 *	own included, is visible to a thread that sees the commit store
 */
enum rseq_mo {
	RSEQ_MO_RELAXED,
	RSEQ_MO_RELEASE,
};

/**
 * enum rseq_percpu_mode - what an index names
 * @RSEQ_PERCPU_CPU_ID: the CPU the thread runs on (struct rseqdev_rseq cpu_id)
 * @RSEQ_PERCPU_MM_CID: the thread's concurrency id (struct rseqdev_rseq mm_cid),
 *	compact near 0, unique among the running threads of the process
 */
enum rseq_percpu_mode {
	RSEQ_PERCPU_CPU_ID,
	RSEQ_PERCPU_MM_CID,
};

/*
 * The critical sections come from the architecture's header, instantiated
 * here once for every memory order and index field. The template
 * parameters an arch header sees:
 *
 *   RSEQ_TEMPLATE_MO		relaxed or release, and one of
 *				RSEQ_TEMPLATE_MO_RELAXED, RSEQ_TEMPLATE_MO_RELEASE
 *				defined: the order of the commit store
 *   RSEQ_TEMPLATE_INDEX	cpu_id or mm_cid, and one of
 *				RSEQ_TEMPLATE_INDEX_CPU_ID,
 *				RSEQ_TEMPLATE_INDEX_MM_CID defined: the field of
 *				struct rseqdev_rseq the index is checked against
 *
 * RSEQ_TEMPLATE_NAME(op) names its instance of @op,
 * rseq_arch_<op>__<mo>_<index>, with these arguments: those of the
 * operation below after @percpu_mode, and the index last (never
 * negative). It returns what the operation returns. An arch header
 * provides all seven operations for every combination; the dispatchers
 * below decide which combinations the API offers.
 */
#define RSEQ_TEMPLATE_NAME_1(op, mo, index)	rseq_arch_##op##__##mo##_##index
#define RSEQ_TEMPLATE_NAME_2(op, mo, index)	RSEQ_TEMPLATE_NAME_1(op, mo, index)
#define RSEQ_TEMPLATE_NAME(op)						\
	RSEQ_TEMPLATE_NAME_2(op, RSEQ_TEMPLATE_MO, RSEQ_TEMPLATE_INDEX)

#define RSEQ_TEMPLATE_MO		relaxed
#define RSEQ_TEMPLATE_MO_RELAXED
#define RSEQ_TEMPLATE_INDEX		cpu_id
#define RSEQ_TEMPLATE_INDEX_CPU_ID
#include RSEQ_ARCH_HEADER
#undef RSEQ_TEMPLATE_INDEX
#undef RSEQ_TEMPLATE_INDEX_CPU_ID
#define RSEQ_TEMPLATE_INDEX		mm_cid
#define RSEQ_TEMPLATE_INDEX_MM_CID
#include RSEQ_ARCH_HEADER
#undef RSEQ_TEMPLATE_INDEX
#undef RSEQ_TEMPLATE_INDEX_MM_CID
#undef RSEQ_TEMPLATE_MO
#undef RSEQ_TEMPLATE_MO_RELAXED

#define RSEQ_TEMPLATE_MO		release
#define RSEQ_TEMPLATE_MO_RELEASE
#define RSEQ_TEMPLATE_INDEX		cpu_id
#define RSEQ_TEMPLATE_INDEX_CPU_ID
#include RSEQ_ARCH_HEADER
#undef RSEQ_TEMPLATE_INDEX
#undef RSEQ_TEMPLATE_INDEX_CPU_ID
#define RSEQ_TEMPLATE_INDEX		mm_cid
#define RSEQ_TEMPLATE_INDEX_MM_CID
#include RSEQ_ARCH_HEADER
#undef RSEQ_TEMPLATE_INDEX
#undef RSEQ_TEMPLATE_INDEX_MM_CID
#undef RSEQ_TEMPLATE_MO
#undef RSEQ_TEMPLATE_MO_RELEASE

/**
 * rseqdev_percpu_current_index() - the index the calling thread runs with
 * @percpu_mode: RSEQ_PERCPU_CPU_ID or RSEQ_PERCPU_MM_CID
 *
 * A hint: the thread may move before it uses the index, which the
 * operation then detects and aborts.
 *
 * Return: the current CPU number or concurrency id, or -1 when the thread
 * is not registered, the mode is unknown, or the area in use does not carry
 * mm_cid. Never pass a negative index to an operation (they refuse it).
 */
static inline __attribute__((always_inline))
int rseqdev_percpu_current_index(enum rseq_percpu_mode percpu_mode)
{
	int32_t cpu = rseq_current_cpu_raw();

	switch (percpu_mode) {
	case RSEQ_PERCPU_CPU_ID:
		return cpu < 0 ? -1 : cpu;
	case RSEQ_PERCPU_MM_CID:
		/*
		 * An unregistered thread's mm_cid, or the padding of an area
		 * registered without mm_cid, reads 0 and would match a
		 * sequence for index 0 that nobody protects.
		 */
		if (cpu < 0 || !rseq_mm_cid_available())
			return -1;
		return (int)rseq_current_mm_cid();
	}
	return -1;
}

/**
 * rseq_load_cbne_store__ptr() - compare and store
 * @rseq_mo: RSEQ_MO_RELAXED only
 * @percpu_mode: what @cpu names
 * @v: the word
 * @expect: the value @v must hold
 * @newv: the value stored into @v
 * @cpu: the index the thread must run with
 *
 * if (*@v != @expect) fail; *@v = @newv.
 *
 * Return: 0 committed, 1 *@v differed from @expect, -1 aborted or
 * unsupported.
 */
static inline __attribute__((always_inline))
int rseq_load_cbne_store__ptr(enum rseq_mo rseq_mo,
			      enum rseq_percpu_mode percpu_mode,
			      intptr_t *v, intptr_t expect, intptr_t newv,
			      int cpu)
{
	if (rseq_mo != RSEQ_MO_RELAXED || cpu < 0)
		return -1;
	switch (percpu_mode) {
	case RSEQ_PERCPU_CPU_ID:
		return rseq_arch_load_cbne_store__relaxed_cpu_id(v, expect, newv, cpu);
	case RSEQ_PERCPU_MM_CID:
		return rseq_arch_load_cbne_store__relaxed_mm_cid(v, expect, newv, cpu);
	}
	return -1;
}

/**
 * rseq_load_cbeq_store_add_load_store__ptr() - pop the head of a list
 * @rseq_mo: RSEQ_MO_RELAXED only
 * @percpu_mode: what @cpu names
 * @v: the list head
 * @expectnot: the value that means "empty", usually 0
 * @voffp: offset of the "next" pointer inside a node
 * @load: receives the old head
 * @cpu: the index the thread must run with
 *
 * if (*@v == @expectnot) fail; *@load = *@v;
 * *@v = *(intptr_t *)(*@v + @voffp).
 *
 * Return: 0 committed, 1 *@v was @expectnot, -1 aborted or unsupported.
 * *@load may be written even when the sequence aborts.
 */
static inline __attribute__((always_inline))
int rseq_load_cbeq_store_add_load_store__ptr(enum rseq_mo rseq_mo,
					     enum rseq_percpu_mode percpu_mode,
					     intptr_t *v, intptr_t expectnot,
					     long voffp, intptr_t *load, int cpu)
{
	if (rseq_mo != RSEQ_MO_RELAXED || cpu < 0)
		return -1;
	switch (percpu_mode) {
	case RSEQ_PERCPU_CPU_ID:
		return rseq_arch_load_cbeq_store_add_load_store__relaxed_cpu_id(v,
				expectnot, voffp, load, cpu);
	case RSEQ_PERCPU_MM_CID:
		return rseq_arch_load_cbeq_store_add_load_store__relaxed_mm_cid(v,
				expectnot, voffp, load, cpu);
	}
	return -1;
}

/**
 * rseq_load_add_store__ptr() - add to a word
 * @rseq_mo: RSEQ_MO_RELAXED only
 * @percpu_mode: what @cpu names
 * @v: the word
 * @count: the amount added, any sign
 * @cpu: the index the thread must run with
 *
 * *@v += @count (wrapping).
 *
 * Return: 0 committed, -1 aborted or unsupported.
 */
static inline __attribute__((always_inline))
int rseq_load_add_store__ptr(enum rseq_mo rseq_mo,
			     enum rseq_percpu_mode percpu_mode,
			     intptr_t *v, intptr_t count, int cpu)
{
	if (rseq_mo != RSEQ_MO_RELAXED || cpu < 0)
		return -1;
	switch (percpu_mode) {
	case RSEQ_PERCPU_CPU_ID:
		return rseq_arch_load_add_store__relaxed_cpu_id(v, count, cpu);
	case RSEQ_PERCPU_MM_CID:
		return rseq_arch_load_add_store__relaxed_mm_cid(v, count, cpu);
	}
	return -1;
}

/**
 * rseq_load_add_load_add_store__ptr() - add to a word found through a
 *	pointer
 * @rseq_mo: RSEQ_MO_RELAXED only
 * @percpu_mode: what @cpu names
 * @ptr: holds the base address; read inside the sequence
 * @off: byte offset of the word from the base
 * @inc: the amount added, any sign
 * @cpu: the index the thread must run with
 *
 * *(intptr_t *)(*@ptr + @off) += @inc. With a fence (rseqdev_rseq_fence()) the
 * owner of *@ptr can switch it to other data and then know that no
 * sequence still adds to the old data.
 *
 * Return: 0 committed, -1 aborted or unsupported.
 */
static inline __attribute__((always_inline))
int rseq_load_add_load_add_store__ptr(enum rseq_mo rseq_mo,
				      enum rseq_percpu_mode percpu_mode,
				      intptr_t *ptr, long off, intptr_t inc,
				      int cpu)
{
	if (rseq_mo != RSEQ_MO_RELAXED || cpu < 0)
		return -1;
	switch (percpu_mode) {
	case RSEQ_PERCPU_CPU_ID:
		return rseq_arch_load_add_load_add_store__relaxed_cpu_id(ptr, off, inc,
								cpu);
	case RSEQ_PERCPU_MM_CID:
		return rseq_arch_load_add_load_add_store__relaxed_mm_cid(ptr, off, inc,
								cpu);
	}
	return -1;
}

/**
 * rseq_load_cbne_store_store__ptr() - compare, store a second word, commit
 * @rseq_mo: RSEQ_MO_RELAXED, or RSEQ_MO_RELEASE to make the store to @v2
 *	(and everything before it) visible before the commit store to @v
 * @percpu_mode: what @cpu names
 * @v: the word compared, then written by the commit
 * @expect: the value @v must hold
 * @v2: the word stored first; the store may be left done on an abort
 * @newv2: the value stored into @v2
 * @newv: the value stored into @v
 * @cpu: the index the thread must run with
 *
 * if (*@v != @expect) fail; *@v2 = @newv2; *@v = @newv.
 *
 * Return: 0 committed, 1 *@v differed from @expect, -1 aborted or
 * unsupported.
 */
static inline __attribute__((always_inline))
int rseq_load_cbne_store_store__ptr(enum rseq_mo rseq_mo,
				    enum rseq_percpu_mode percpu_mode,
				    intptr_t *v, intptr_t expect,
				    intptr_t *v2, intptr_t newv2,
				    intptr_t newv, int cpu)
{
	if (cpu < 0)
		return -1;
	switch (rseq_mo) {
	case RSEQ_MO_RELAXED:
		switch (percpu_mode) {
		case RSEQ_PERCPU_CPU_ID:
			return rseq_arch_load_cbne_store_store__relaxed_cpu_id(v, expect, v2,
					newv2, newv, cpu);
		case RSEQ_PERCPU_MM_CID:
			return rseq_arch_load_cbne_store_store__relaxed_mm_cid(v, expect, v2,
					newv2, newv, cpu);
		}
		break;
	case RSEQ_MO_RELEASE:
		switch (percpu_mode) {
		case RSEQ_PERCPU_CPU_ID:
			return rseq_arch_load_cbne_store_store__release_cpu_id(v, expect, v2,
					newv2, newv, cpu);
		case RSEQ_PERCPU_MM_CID:
			return rseq_arch_load_cbne_store_store__release_mm_cid(v, expect, v2,
					newv2, newv, cpu);
		}
		break;
	}
	return -1;
}

/**
 * rseq_load_cbne_load_cbne_store__ptr() - compare two words, then store
 * @rseq_mo: RSEQ_MO_RELAXED only
 * @percpu_mode: what @cpu names
 * @v: the first word compared, then written by the commit
 * @expect: the value @v must hold
 * @v2: the second word compared
 * @expect2: the value @v2 must hold
 * @newv: the value stored into @v
 * @cpu: the index the thread must run with
 *
 * if (*@v != @expect || *@v2 != @expect2) fail; *@v = @newv.
 *
 * Return: 0 committed, 1 a word differed, -1 aborted or unsupported.
 */
static inline __attribute__((always_inline))
int rseq_load_cbne_load_cbne_store__ptr(enum rseq_mo rseq_mo,
					enum rseq_percpu_mode percpu_mode,
					intptr_t *v, intptr_t expect,
					intptr_t *v2, intptr_t expect2,
					intptr_t newv, int cpu)
{
	if (rseq_mo != RSEQ_MO_RELAXED || cpu < 0)
		return -1;
	switch (percpu_mode) {
	case RSEQ_PERCPU_CPU_ID:
		return rseq_arch_load_cbne_load_cbne_store__relaxed_cpu_id(v, expect,
				v2, expect2, newv, cpu);
	case RSEQ_PERCPU_MM_CID:
		return rseq_arch_load_cbne_load_cbne_store__relaxed_mm_cid(v, expect,
				v2, expect2, newv, cpu);
	}
	return -1;
}

/**
 * rseq_load_cbne_memcpy_store__ptr() - compare, copy bytes, commit
 * @rseq_mo: RSEQ_MO_RELAXED, or RSEQ_MO_RELEASE to make the copy (and
 *	everything before it) visible before the commit store to @v
 * @percpu_mode: what @cpu names
 * @v: the word compared, then written by the commit
 * @expect: the value @v must hold
 * @dst: where the bytes go; may be partly written on an abort
 * @src: where they come from; must not overlap @dst
 * @len: how many, 0 included; the critical section lasts as long as the
 *	copy, so long copies abort more often
 * @newv: the value stored into @v
 * @cpu: the index the thread must run with
 *
 * if (*@v != @expect) fail; memcpy(@dst, @src, @len); *@v = @newv.
 *
 * Return: 0 committed, 1 *@v differed from @expect (nothing copied), -1
 * aborted or unsupported.
 */
static inline __attribute__((always_inline))
int rseq_load_cbne_memcpy_store__ptr(enum rseq_mo rseq_mo,
				     enum rseq_percpu_mode percpu_mode,
				     intptr_t *v, intptr_t expect,
				     void *dst, void *src, size_t len,
				     intptr_t newv, int cpu)
{
	if (cpu < 0)
		return -1;
	switch (rseq_mo) {
	case RSEQ_MO_RELAXED:
		switch (percpu_mode) {
		case RSEQ_PERCPU_CPU_ID:
			return rseq_arch_load_cbne_memcpy_store__relaxed_cpu_id(v, expect, dst,
					src, len, newv, cpu);
		case RSEQ_PERCPU_MM_CID:
			return rseq_arch_load_cbne_memcpy_store__relaxed_mm_cid(v, expect, dst,
					src, len, newv, cpu);
		}
		break;
	case RSEQ_MO_RELEASE:
		switch (percpu_mode) {
		case RSEQ_PERCPU_CPU_ID:
			return rseq_arch_load_cbne_memcpy_store__release_cpu_id(v, expect, dst,
					src, len, newv, cpu);
		case RSEQ_PERCPU_MM_CID:
			return rseq_arch_load_cbne_memcpy_store__release_mm_cid(v, expect, dst,
					src, len, newv, cpu);
		}
		break;
	}
	return -1;
}

#ifdef __cplusplus
}
#endif

#endif /* RSEQDEV_OPS_H */
