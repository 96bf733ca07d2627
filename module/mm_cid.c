// SPDX-License-Identifier: GPL-2.0-only
/*
 * Per-process state of processes that use the module: their concurrency
 * ids (struct rseqdev_rseq::mm_cid), their fence registration, and the list of
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
 * The state of one process is a struct rseqdev_mm found by its mm through a
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

struct rseqdev_mm {
	struct hlist_node node;
	struct mm_struct *mm;
	refcount_t refs;
	bool fence_registered;	/* holds a reference; on rseqdev_fence_list */
	struct list_head fence_node;
	raw_spinlock_t threads_lock;
	struct list_head threads;	/* struct rseqdev_thread, by mm_node */
	unsigned int nr_threads;
	unsigned long cids[];	/* nr_cpu_ids bits, set when held */
};

/*
 * Raw: a parent's fork hook inserts with preemption off, also on RT. It
 * covers the table, the fence list and the fence_registered flags.
 */
static DEFINE_RAW_SPINLOCK(rseqdev_mm_lock);
static DEFINE_HASHTABLE(rseqdev_mm_table, 6);
static LIST_HEAD(rseqdev_fence_list);
static atomic_t rseqdev_nr_fence_registered = ATOMIC_INIT(0);

static void rseqdev_mm_reap_fn(struct work_struct *work);
static DECLARE_WORK(rseqdev_mm_reap_work, rseqdev_mm_reap_fn);

/* Process context only: the entry a registration or a fork may need. */
struct rseqdev_mm *rseqdev_mm_alloc(gfp_t gfp)
{
	struct rseqdev_mm *rmm;

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

void rseqdev_mm_free_unused(struct rseqdev_mm *rmm)
{
	kfree(rmm);
}

static void rseqdev_mm_publish(struct rseqdev_mm *rmm, struct mm_struct *mm)
{
	rmm->mm = mm;
	mmgrab(mm);
	rseqdev_count_object(RSEQDEV_OBJ_MM, 1);
	hash_add(rseqdev_mm_table, &rmm->node, (unsigned long)mm);
}

/* Called with rseqdev_mm_lock held. */
static struct rseqdev_mm *rseqdev_mm_find(struct mm_struct *mm)
{
	struct rseqdev_mm *rmm;

	hash_for_each_possible(rseqdev_mm_table, rmm, node, (unsigned long)mm) {
		if (rmm->mm == mm)
			return rmm;
	}
	return NULL;
}

/**
 * rseqdev_mm_get() - the ids of @mm, created from @spare if it has none yet
 * @mm:		the process
 * @spare:	a struct from rseqdev_mm_alloc(); set to NULL when it was used
 *
 * Return: a referenced entry.
 */
struct rseqdev_mm *rseqdev_mm_get(struct mm_struct *mm, struct rseqdev_mm **spare)
{
	struct rseqdev_mm *rmm;

	raw_spin_lock(&rseqdev_mm_lock);
	rmm = rseqdev_mm_find(mm);
	if (rmm) {
		refcount_inc(&rmm->refs);
	} else {
		rmm = *spare;
		*spare = NULL;
		rseqdev_mm_publish(rmm, mm);
	}
	raw_spin_unlock(&rseqdev_mm_lock);
	return rmm;
}

/**
 * rseqdev_mm_lookup() - the state of @mm, if it has one
 * @mm: a process
 *
 * Return: a referenced entry, or NULL.
 */
struct rseqdev_mm *rseqdev_mm_lookup(struct mm_struct *mm)
{
	struct rseqdev_mm *rmm;

	raw_spin_lock(&rseqdev_mm_lock);
	rmm = rseqdev_mm_find(mm);
	if (rmm)
		refcount_inc(&rmm->refs);
	raw_spin_unlock(&rseqdev_mm_lock);
	return rmm;
}

/*
 * Called with rseqdev_mm_lock held; the caller has taken the reference the
 * registration holds.
 */
static void rseqdev_mm_fence_mark(struct rseqdev_mm *rmm)
{
	rmm->fence_registered = true;
	list_add(&rmm->fence_node, &rseqdev_fence_list);
	atomic_inc(&rseqdev_nr_fence_registered);
}

/**
 * rseqdev_mm_adopt() - make a preallocated entry the state of a new process
 * @rmm:	from rseqdev_mm_alloc()
 * @mm:		the mm of a child that fork just created
 * @parent:	the forking thread's process
 *
 * The child inherits the parent's fence registration, as a forked mm
 * inherits membarrier's. Safe with preemption off: no allocation, a raw
 * lock.
 */
void rseqdev_mm_adopt(struct rseqdev_mm *rmm, struct mm_struct *mm,
		   struct rseqdev_mm *parent)
{
	raw_spin_lock(&rseqdev_mm_lock);
	rseqdev_mm_publish(rmm, mm);
	if (parent->fence_registered) {
		refcount_inc(&rmm->refs);
		rseqdev_mm_fence_mark(rmm);
	}
	raw_spin_unlock(&rseqdev_mm_lock);
}

/**
 * rseqdev_mm_fence_register() - register current's process for the fence
 *
 * Return: 0 (also when registered already) or -ENOMEM.
 */
int rseqdev_mm_fence_register(void)
{
	struct rseqdev_mm *spare = rseqdev_mm_alloc(GFP_KERNEL);
	struct rseqdev_mm *rmm;

	raw_spin_lock(&rseqdev_mm_lock);
	rmm = rseqdev_mm_find(current->mm);
	if (!rmm && spare) {
		/* The new entry's first reference is the registration's. */
		rmm = spare;
		spare = NULL;
		rseqdev_mm_publish(rmm, current->mm);
		rseqdev_mm_fence_mark(rmm);
	} else if (rmm && !rmm->fence_registered) {
		refcount_inc(&rmm->refs);
		rseqdev_mm_fence_mark(rmm);
	}
	raw_spin_unlock(&rseqdev_mm_lock);
	rseqdev_mm_free_unused(spare);
	return rmm ? 0 : -ENOMEM;
}

/**
 * rseqdev_mm_fence_registered() - the state of current's process, if that
 *	process is registered for the fence
 * @own: current's process as its registered thread state knows it, or
 *	NULL when current is not registered
 *
 * No reference is taken: the registration holds one for as long as
 * current's mm has a user, current. A registered caller needs no lookup:
 * the flag it reads is set before the registration's ioctl returns and
 * cleared only once the mm has no user left.
 *
 * Return: the entry, or NULL.
 */
struct rseqdev_mm *rseqdev_mm_fence_registered(struct rseqdev_mm *own)
{
	struct rseqdev_mm *rmm;

	if (own)
		return READ_ONCE(own->fence_registered) ? own : NULL;
	raw_spin_lock(&rseqdev_mm_lock);
	rmm = rseqdev_mm_find(current->mm);
	if (rmm && !rmm->fence_registered)
		rmm = NULL;
	raw_spin_unlock(&rseqdev_mm_lock);
	return rmm;
}

/* Move the registrations that @dead accepts to @list; drop them there. */
static void rseqdev_mm_fence_unregister(bool (*dead)(struct rseqdev_mm *rmm))
{
	struct rseqdev_mm *rmm, *next;
	LIST_HEAD(list);

	raw_spin_lock(&rseqdev_mm_lock);
	list_for_each_entry_safe(rmm, next, &rseqdev_fence_list, fence_node) {
		if (!dead(rmm))
			continue;
		rmm->fence_registered = false;
		list_move(&rmm->fence_node, &list);
		atomic_dec(&rseqdev_nr_fence_registered);
	}
	raw_spin_unlock(&rseqdev_mm_lock);
	list_for_each_entry_safe(rmm, next, &list, fence_node) {
		list_del_init(&rmm->fence_node);
		rseqdev_mm_put(rmm);
	}
}

static bool rseqdev_mm_unused(struct rseqdev_mm *rmm)
{
	return !atomic_read(&rmm->mm->mm_users);
}

static void rseqdev_mm_reap_fn(struct work_struct *work)
{
	rseqdev_mm_fence_unregister(rseqdev_mm_unused);
}

/**
 * rseqdev_mm_reap_soon() - drop, soon, fence registrations of dead processes
 *
 * Any context: called by the exec and exit hooks, after the mm they left
 * may have lost its last user.
 */
void rseqdev_mm_reap_soon(void)
{
	if (atomic_read(&rseqdev_nr_fence_registered))
		schedule_work(&rseqdev_mm_reap_work);
}

/**
 * rseqdev_mm_reap_now() - drop the fence registrations of dead processes, and
 *	wait for a reaping already under way
 *
 * Process context; the counters read after it are exact.
 */
void rseqdev_mm_reap_now(void)
{
	flush_work(&rseqdev_mm_reap_work);
	rseqdev_mm_fence_unregister(rseqdev_mm_unused);
}

static bool rseqdev_mm_any(struct rseqdev_mm *rmm)
{
	return true;
}

/**
 * rseqdev_mm_exit() - drop every fence registration at module unload
 *
 * The hooks are gone by then; no process has the device open, so no fence
 * can be running.
 */
void rseqdev_mm_exit(void)
{
	cancel_work_sync(&rseqdev_mm_reap_work);
	rseqdev_mm_fence_unregister(rseqdev_mm_any);
}

/**
 * rseqdev_mm_add_thread() - list a registered thread of the process
 * @rmm:	the thread's process
 * @node:	the thread's entry
 *
 * Safe with preemption off (fork).
 */
void rseqdev_mm_add_thread(struct rseqdev_mm *rmm, struct list_head *node)
{
	raw_spin_lock(&rmm->threads_lock);
	list_add_tail(node, &rmm->threads);
	WRITE_ONCE(rmm->nr_threads, rmm->nr_threads + 1);
	raw_spin_unlock(&rmm->threads_lock);
}

/* Safe with preemption off (exec, exit). */
void rseqdev_mm_del_thread(struct rseqdev_mm *rmm, struct list_head *node)
{
	raw_spin_lock(&rmm->threads_lock);
	list_del_init(node);
	WRITE_ONCE(rmm->nr_threads, rmm->nr_threads - 1);
	raw_spin_unlock(&rmm->threads_lock);
}

/**
 * rseqdev_mm_visit_threads() - call @fn on each listed thread, under the
 *	list's lock: @fn may not sleep
 * @rmm:	the process
 * @fn:		called with each thread's list entry and @arg
 * @arg:	passed to @fn
 *
 * Return: the number of threads listed.
 */
unsigned int rseqdev_mm_visit_threads(struct rseqdev_mm *rmm, rseqdev_mm_thread_fn fn,
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
void rseqdev_mm_put(struct rseqdev_mm *rmm)
{
	bool last;

	raw_spin_lock(&rseqdev_mm_lock);
	last = refcount_dec_and_test(&rmm->refs);
	if (last)
		hash_del(&rmm->node);
	raw_spin_unlock(&rseqdev_mm_lock);
	if (!last)
		return;
	mmdrop(rmm->mm);
	kfree(rmm);
	rseqdev_count_object(RSEQDEV_OBJ_MM, -1);
}

/**
 * rseqdev_mm_cid_take() - take a concurrency id
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
int rseqdev_mm_cid_take(struct rseqdev_mm *rmm, int last)
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
void rseqdev_mm_cid_drop(struct rseqdev_mm *rmm, int cid)
{
	clear_bit_unlock(cid, rmm->cids);
}
