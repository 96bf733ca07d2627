// SPDX-License-Identifier: GPL-2.0-only
/*
 * Per-process state of processes that use the module: their concurrency
 * ids (struct rseq_abi::mm_cid), their fence registration, and the list of
 * their registered threads.
 *
 * Concurrency ids, for kernels that have none of their own or whose ids
 * the module cannot reach: a thread registered through the module takes
 * the lowest free id of its process on its way back to user space and
 * gives it back when it is switched out. Only a thread that is on a CPU
 * holds an id, so at most one holder per CPU exists and ids stay below
 * min(threads, CPUs); taking the lowest free id keeps them compact. A
 * critical section indexed by mm_cid cannot outlive its id: the switch
 * that drops the id also aborts it.
 *
 * The state of one process is a struct rseq_mm found by its mm through a
 * small hash table. It pins the mm_struct (mmgrab) so that the address,
 * the key, cannot be reused by another process while the entry exists.
 * Each registered thread holds a reference, and so does a fence
 * registration, which has to outlive the threads: it lasts as long as the
 * process's memory. Nothing tells a module when that memory goes away, so
 * exec and exit, after which it may have gone, ask a work item to drop the
 * registrations whose mm has no user left.
 */
#include <linux/bitmap.h>
#include <linux/hashtable.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>

#include "internal.h"

struct rseq_mm {
	struct hlist_node node;
	struct mm_struct *mm;
	refcount_t refs;
	bool fence_registered;	/* holds a reference; on rseq_fence_list */
	struct list_head fence_node;
	raw_spinlock_t threads_lock;
	struct list_head threads;	/* struct rseq_thread, by mm_node */
	unsigned int nr_threads;
	unsigned long cids[];	/* nr_cpu_ids bits, set when held */
};

/*
 * Raw: a parent's fork hook inserts with preemption off, also on RT. It
 * covers the table, the fence list and the fence_registered flags.
 */
static DEFINE_RAW_SPINLOCK(rseq_mm_lock);
static DEFINE_HASHTABLE(rseq_mm_table, 6);
static LIST_HEAD(rseq_fence_list);
static atomic_t rseq_nr_fence_registered = ATOMIC_INIT(0);

static void rseq_mm_reap_fn(struct work_struct *work);
static DECLARE_WORK(rseq_mm_reap_work, rseq_mm_reap_fn);

/* Process context only: the entry a registration or a fork may need. */
struct rseq_mm *rseq_mm_alloc(gfp_t gfp)
{
	struct rseq_mm *rmm;

	if (!(gfp & __GFP_NOFAIL) && rseqdev_selftest_fails_alloc(RSEQDEV_ALLOC_MM))
		return NULL;
	rmm = kzalloc(struct_size(rmm, cids, BITS_TO_LONGS(nr_cpu_ids)), gfp);
	if (rmm) {
		refcount_set(&rmm->refs, 1);
		INIT_LIST_HEAD(&rmm->fence_node);
		raw_spin_lock_init(&rmm->threads_lock);
		INIT_LIST_HEAD(&rmm->threads);
	}
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

/* Called with rseq_mm_lock held. */
static struct rseq_mm *rseq_mm_find(struct mm_struct *mm)
{
	struct rseq_mm *rmm;

	hash_for_each_possible(rseq_mm_table, rmm, node, (unsigned long)mm) {
		if (rmm->mm == mm)
			return rmm;
	}
	return NULL;
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
	rmm = rseq_mm_find(mm);
	if (rmm) {
		refcount_inc(&rmm->refs);
	} else {
		rmm = *spare;
		*spare = NULL;
		rseq_mm_publish(rmm, mm);
	}
	raw_spin_unlock(&rseq_mm_lock);
	return rmm;
}

/**
 * rseq_mm_lookup() - the state of @mm, if it has one
 * @mm: a process
 *
 * Return: a referenced entry, or NULL.
 */
struct rseq_mm *rseq_mm_lookup(struct mm_struct *mm)
{
	struct rseq_mm *rmm;

	raw_spin_lock(&rseq_mm_lock);
	rmm = rseq_mm_find(mm);
	if (rmm)
		refcount_inc(&rmm->refs);
	raw_spin_unlock(&rseq_mm_lock);
	return rmm;
}

/*
 * Called with rseq_mm_lock held; the caller has taken the reference the
 * registration holds.
 */
static void rseq_mm_fence_mark(struct rseq_mm *rmm)
{
	rmm->fence_registered = true;
	list_add(&rmm->fence_node, &rseq_fence_list);
	atomic_inc(&rseq_nr_fence_registered);
}

/**
 * rseq_mm_adopt() - make a preallocated entry the state of a new process
 * @rmm:	from rseq_mm_alloc()
 * @mm:		the mm of a child that fork just created
 * @parent:	the forking thread's process
 *
 * The child inherits the parent's fence registration, as a forked mm
 * inherits membarrier's. Safe with preemption off: no allocation, a raw
 * lock.
 */
void rseq_mm_adopt(struct rseq_mm *rmm, struct mm_struct *mm,
		   struct rseq_mm *parent)
{
	raw_spin_lock(&rseq_mm_lock);
	rseq_mm_publish(rmm, mm);
	if (parent->fence_registered) {
		refcount_inc(&rmm->refs);
		rseq_mm_fence_mark(rmm);
	}
	raw_spin_unlock(&rseq_mm_lock);
}

/**
 * rseq_mm_fence_register() - register current's process for the fence
 *
 * Return: 0 (also when registered already) or -ENOMEM.
 */
int rseq_mm_fence_register(void)
{
	struct rseq_mm *spare = rseq_mm_alloc(GFP_KERNEL);
	struct rseq_mm *rmm;

	raw_spin_lock(&rseq_mm_lock);
	rmm = rseq_mm_find(current->mm);
	if (!rmm && spare) {
		/* The new entry's first reference is the registration's. */
		rmm = spare;
		spare = NULL;
		rseq_mm_publish(rmm, current->mm);
		rseq_mm_fence_mark(rmm);
	} else if (rmm && !rmm->fence_registered) {
		refcount_inc(&rmm->refs);
		rseq_mm_fence_mark(rmm);
	}
	raw_spin_unlock(&rseq_mm_lock);
	rseq_mm_free_unused(spare);
	return rmm ? 0 : -ENOMEM;
}

/**
 * rseq_mm_fence_registered() - the state of current's process, if that
 *	process is registered for the fence
 *
 * No reference is taken: the registration holds one for as long as
 * current's mm has a user, current.
 *
 * Return: the entry, or NULL.
 */
struct rseq_mm *rseq_mm_fence_registered(void)
{
	struct rseq_mm *rmm;

	raw_spin_lock(&rseq_mm_lock);
	rmm = rseq_mm_find(current->mm);
	if (rmm && !rmm->fence_registered)
		rmm = NULL;
	raw_spin_unlock(&rseq_mm_lock);
	return rmm;
}

/* Move the registrations that @dead accepts to @list; drop them there. */
static void rseq_mm_fence_unregister(bool (*dead)(struct rseq_mm *rmm))
{
	struct rseq_mm *rmm, *next;
	LIST_HEAD(list);

	raw_spin_lock(&rseq_mm_lock);
	list_for_each_entry_safe(rmm, next, &rseq_fence_list, fence_node) {
		if (!dead(rmm))
			continue;
		rmm->fence_registered = false;
		list_move(&rmm->fence_node, &list);
		atomic_dec(&rseq_nr_fence_registered);
	}
	raw_spin_unlock(&rseq_mm_lock);
	list_for_each_entry_safe(rmm, next, &list, fence_node) {
		list_del_init(&rmm->fence_node);
		rseq_mm_put(rmm);
	}
}

static bool rseq_mm_unused(struct rseq_mm *rmm)
{
	return !atomic_read(&rmm->mm->mm_users);
}

static void rseq_mm_reap_fn(struct work_struct *work)
{
	rseq_mm_fence_unregister(rseq_mm_unused);
}

/**
 * rseq_mm_reap_soon() - drop, soon, fence registrations of dead processes
 *
 * Any context: called by the exec and exit hooks, after the mm they left
 * may have lost its last user.
 */
void rseq_mm_reap_soon(void)
{
	if (atomic_read(&rseq_nr_fence_registered))
		schedule_work(&rseq_mm_reap_work);
}

/**
 * rseq_mm_reap_now() - drop the fence registrations of dead processes, and
 *	wait for a reaping already under way
 *
 * Process context; the counters read after it are exact.
 */
void rseq_mm_reap_now(void)
{
	flush_work(&rseq_mm_reap_work);
	rseq_mm_fence_unregister(rseq_mm_unused);
}

static bool rseq_mm_any(struct rseq_mm *rmm)
{
	return true;
}

/**
 * rseq_mm_exit() - drop every fence registration at module unload
 *
 * The hooks are gone by then; no process has the device open, so no fence
 * can be running.
 */
void rseq_mm_exit(void)
{
	cancel_work_sync(&rseq_mm_reap_work);
	rseq_mm_fence_unregister(rseq_mm_any);
}

/**
 * rseq_mm_add_thread() - list a registered thread of the process
 * @rmm:	the thread's process
 * @node:	the thread's entry
 *
 * Safe with preemption off (fork).
 */
void rseq_mm_add_thread(struct rseq_mm *rmm, struct list_head *node)
{
	raw_spin_lock(&rmm->threads_lock);
	list_add_tail(node, &rmm->threads);
	WRITE_ONCE(rmm->nr_threads, rmm->nr_threads + 1);
	raw_spin_unlock(&rmm->threads_lock);
}

/* Safe with preemption off (exec, exit). */
void rseq_mm_del_thread(struct rseq_mm *rmm, struct list_head *node)
{
	raw_spin_lock(&rmm->threads_lock);
	list_del_init(node);
	WRITE_ONCE(rmm->nr_threads, rmm->nr_threads - 1);
	raw_spin_unlock(&rmm->threads_lock);
}

/**
 * rseq_mm_visit_threads() - call @fn on each listed thread, under the
 *	list's lock: @fn may not sleep
 * @rmm:	the process
 * @fn:		called with each thread's list entry and @arg
 * @arg:	passed to @fn
 *
 * Return: the number of threads listed.
 */
unsigned int rseq_mm_visit_threads(struct rseq_mm *rmm, rseq_mm_thread_fn fn,
				     void *arg)
{
	struct list_head *node;
	unsigned int nr = 0;

	raw_spin_lock(&rmm->threads_lock);
	list_for_each(node, &rmm->threads) {
		fn(node, arg);
		nr++;
	}
	raw_spin_unlock(&rmm->threads_lock);
	return nr;
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

	if (last >= 0 && last < READ_ONCE(rmm->nr_threads) &&
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
