/* SPDX-License-Identifier: LGPL-2.1-only OR MIT */
/*
 * cpu_opv: the slow path of the per-CPU operations.
 *
 * Each rseqdev_cpu_op_*() function does what the rseq operation of the same name
 * in <rseqdev/ops.h> does, with the same arguments, as one cpu_opv vector
 * that the module runs for the index (on that CPU with preemption off, or,
 * for a concurrency id, while the caller holds it). It cannot be aborted,
 * so it completes where the rseq sequence may keep aborting: under a
 * debugger's single-step, a fault on every attempt, or a scheduler that
 * preempts the thread on every try. It costs a system call.
 *
 * Every rseqdev_cpu_op_*() returns:
 *   0	done;
 *   1	a compare failed: nothing was stored;
 *  -1	errno set: EAGAIN when the thread no longer holds the concurrency id
 *	it named (read the index again and retry), EINVAL for arguments the
 *	rseq operation refuses too, or the error of rseqdev_cpu_opv().
 */
#ifndef RSEQDEV_CPU_OP_H
#define RSEQDEV_CPU_OP_H

#include <stddef.h>
#include <stdint.h>

#include <linux/rseqdev.h>
#include <rseqdev/ops.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * rseqdev_cpu_opv() - run a raw cpu_opv vector
 * @ops: the operations
 * @nr_ops: how many, 1 to RSEQDEV_CPU_OPV_MAX_OPS
 * @cpu: the target CPU, or with RSEQDEV_CPU_OPV_MM_CID the caller's
 *	concurrency id
 * @flags: 0 or RSEQDEV_CPU_OPV_MM_CID
 *
 * Return: 0 when every operation ran, the 1-based index of the compare
 * that failed, or -1 with errno (see struct rseqdev_cpu_opv).
 */
int rseqdev_cpu_opv(const struct rseqdev_cpu_op *ops, unsigned int nr_ops,
		    int cpu, unsigned int flags);

/**
 * rseqdev_cpu_opv_usable() - can the slow path serve this mode?
 * @percpu_mode: how the data is indexed
 *
 * CPU_ID mode needs the module with cpu_opv, whichever backend registered
 * the thread: a vector that runs on a CPU aborts every critical section
 * there, native ones included. MM_CID mode also needs the thread to be
 * registered through the module, which owns the ids.
 *
 * Return: non-zero when rseqdev_cpu_op_*() can run for @percpu_mode.
 */
int rseqdev_cpu_opv_usable(enum rseq_percpu_mode percpu_mode);

int rseqdev_cpu_op_load_cbne_store__ptr(enum rseq_mo rseq_mo,
				enum rseq_percpu_mode percpu_mode,
				intptr_t *v, intptr_t expect, intptr_t newv,
				int cpu);

/*
 * The head and its successor are read inside the vector, as the rseq
 * operation reads them inside its sequence; a node freed meanwhile is
 * read with expect_fault and retried.
 */
int rseqdev_cpu_op_load_cbeq_store_add_load_store__ptr(enum rseq_mo rseq_mo,
					       enum rseq_percpu_mode percpu_mode,
					       intptr_t *v, intptr_t expectnot,
					       long voffp, intptr_t *load,
					       int cpu);

int rseqdev_cpu_op_load_add_store__ptr(enum rseq_mo rseq_mo,
			       enum rseq_percpu_mode percpu_mode,
			       intptr_t *v, intptr_t count, int cpu);

int rseqdev_cpu_op_load_cbne_store_store__ptr(enum rseq_mo rseq_mo,
				      enum rseq_percpu_mode percpu_mode,
				      intptr_t *v, intptr_t expect,
				      intptr_t *v2, intptr_t newv2,
				      intptr_t newv, int cpu);

int rseqdev_cpu_op_load_cbne_load_cbne_store__ptr(enum rseq_mo rseq_mo,
					  enum rseq_percpu_mode percpu_mode,
					  intptr_t *v, intptr_t expect,
					  intptr_t *v2, intptr_t expect2,
					  intptr_t newv, int cpu);

/* @len is at most RSEQDEV_CPU_OPV_MAX_OP_LEN (EINVAL beyond). */
int rseqdev_cpu_op_load_cbne_memcpy_store__ptr(enum rseq_mo rseq_mo,
				       enum rseq_percpu_mode percpu_mode,
				       intptr_t *v, intptr_t expect,
				       void *dst, void *src, size_t len,
				       intptr_t newv, int cpu);

#ifdef __cplusplus
}
#endif

#endif /* RSEQDEV_CPU_OP_H */
