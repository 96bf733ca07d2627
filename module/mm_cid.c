// SPDX-License-Identifier: GPL-2.0-only
/*
 * Concurrency ids (struct rseq_abi::mm_cid) for kernels that have none of
 * their own, or whose ids the module cannot reach.
 *
 * A thread registered through the module takes the lowest free id of its
 * process on its way back to user space and gives it back when it is
 * switched out. Only a thread that is on a CPU holds an id, so at most one
 * holder per CPU exists and ids stay below min(threads, CPUs); taking the
 * lowest free id keeps them compact. A critical section indexed by mm_cid
 * cannot outlive its id: the switch that drops the id also aborts it.
 *
 * The ids of one process live in a struct rseq_mm found by its mm through
 * a small hash table. It pins the mm_struct (mmgrab) so that the address,
 * the key, cannot be reused by another process while the entry exists.
 */
#include <linux/bitmap.h>
#include <linux/hashtable.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

#include "internal.h"

struct rseq_mm {
	struct hlist_node node;
	struct mm_struct *mm;
	refcount_t refs;
	unsigned long cids[];	/* nr_cpu_ids bits, set when held */
};

/* Raw: a parent's fork hook inserts with preemption off, also on RT. */
static DEFINE_RAW_SPINLOCK(rseq_mm_lock);
static DEFINE_HASHTABLE(rseq_mm_table, 6);

/* Process context only: the entry a registration or a fork may need. */
struct rseq_mm *rseq_mm_alloc(gfp_t gfp)
{
	struct rseq_mm *rmm;

	if (!(gfp & __GFP_NOFAIL) && rseqdev_selftest_fails_alloc(RSEQDEV_ALLOC_MM))
		return NULL;
	rmm = kzalloc(struct_size(rmm, cids, BITS_TO_LONGS(nr_cpu_ids)), gfp);
	if (rmm)
		refcount_set(&rmm->refs, 1);
	return rmm;
}

void rseq_mm_free_unused(struct rseq_mm *rmm)
{
	kfree(rmm);
}

static void rseq_mm_publish(struct rseq_mm *rmm, struct mm_struct *mm)
{
	rmm->mm = mm;
	mmgrab(mm);
	rseqdev_count_object(RSEQDEV_OBJ_MM, 1);
	hash_add(rseq_mm_table, &rmm->node, (unsigned long)mm);
}

/**
 * rseq_mm_get() - the ids of @mm, created from @spare if it has none yet
 * @mm:		the process
 * @spare:	a struct from rseq_mm_alloc(); set to NULL when it was used
 *
 * Return: a referenced entry.
 */
struct rseq_mm *rseq_mm_get(struct mm_struct *mm, struct rseq_mm **spare)
{
	struct rseq_mm *rmm;

	raw_spin_lock(&rseq_mm_lock);
	hash_for_each_possible(rseq_mm_table, rmm, node, (unsigned long)mm) {
		if (rmm->mm == mm) {
			refcount_inc(&rmm->refs);
			goto out;
		}
	}
	rmm = *spare;
	*spare = NULL;
	rseq_mm_publish(rmm, mm);
out:
	raw_spin_unlock(&rseq_mm_lock);
	return rmm;
}

/**
 * rseq_mm_adopt() - make a preallocated entry the ids of a new process
 * @rmm:	from rseq_mm_alloc()
 * @mm:		the mm of a child that fork just created
 *
 * Safe with preemption off: no allocation, a raw lock.
 */
void rseq_mm_adopt(struct rseq_mm *rmm, struct mm_struct *mm)
{
	raw_spin_lock(&rseq_mm_lock);
	rseq_mm_publish(rmm, mm);
	raw_spin_unlock(&rseq_mm_lock);
}

/* Process context only (mmdrop and kfree may not run atomic on RT). */
void rseq_mm_put(struct rseq_mm *rmm)
{
	bool last;

	raw_spin_lock(&rseq_mm_lock);
	last = refcount_dec_and_test(&rmm->refs);
	if (last)
		hash_del(&rmm->node);
	raw_spin_unlock(&rseq_mm_lock);
	if (!last)
		return;
	mmdrop(rmm->mm);
	kfree(rmm);
	rseqdev_count_object(RSEQDEV_OBJ_MM, -1);
}

/**
 * rseq_mm_cid_take() - take a concurrency id
 * @rmm:	the caller's process
 * @last:	the id the caller held last, or -1
 *
 * Called with preemption off. The caller's last id, when free and below
 * the number of registered threads, costs one atomic operation and keeps
 * the thread's data where it was; otherwise the lowest free id is taken.
 * Both keep ids below min(threads, CPUs).
 *
 * A free id always exists: every holder is the running task of a distinct
 * CPU and the caller's CPU holds none, so fewer than nr_cpu_ids ids are
 * taken. The outer loop only covers ids freed and taken again while the
 * bitmap is scanned.
 *
 * Return: the id.
 */
int rseq_mm_cid_take(struct rseq_mm *rmm, int last)
{
	unsigned int cid;

	if (last >= 0 && last < refcount_read(&rmm->refs) &&
	    !test_and_set_bit(last, rmm->cids))
		return last;
	for (;;) {
		for_each_clear_bit(cid, rmm->cids, nr_cpu_ids) {
			if (!test_and_set_bit(cid, rmm->cids))
				return cid;
		}
		cpu_relax();
	}
}

/*
 * Any context. Release ordering: what the holder stored before giving the
 * id up is visible to the next holder, whose test_and_set_bit() is a full
 * barrier.
 */
void rseq_mm_cid_drop(struct rseq_mm *rmm, int cid)
{
	clear_bit_unlock(cid, rmm->cids);
}
