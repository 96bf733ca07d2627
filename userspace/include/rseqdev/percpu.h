/* SPDX-License-Identifier: LGPL-2.1-only OR MIT */
/*
 * Per-CPU data structures built on <rseqdev/ops.h>: a counter, a spinlock,
 * a linked list, a bounded buffer of pointers and a buffer of fixed-size
 * items copied in and out.
 *
 * Each structure has one slot per possible CPU, on its own cache line, and
 * is indexed either by CPU number or by concurrency id (mm_cid), chosen when
 * it is created. An operation works on the slot of the index the thread
 * runs with; when its sequence aborts it runs again on the index the thread
 * runs with then. That retry loop is rseqdev_percpu_retry(), the one place
 * every operation goes through.
 *
 * Every operation completes, even when its sequence keeps aborting: after
 * a number of aborts in a row, at once when the thread is single-stepped,
 * or always when asked to, the retry loop does the operation through
 * cpu_opv (<rseqdev/cpu_op.h>) instead, which cannot abort.
 *
 * The operations are inline so that a program's RSEQ_INJECT_* hooks
 * (<rseqdev/inject.h>) reach inside them; creation, teardown and the
 * quiescent accessors live in the library.
 */
#ifndef RSEQDEV_PERCPU_H
#define RSEQDEV_PERCPU_H

#include <errno.h>
#include <sched.h>
#include <stddef.h>
#include <stdint.h>

#include <rseqdev/cpu_op.h>
#include <rseqdev/ops.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Slots are aligned to this so that two indexes never share a line. */
#define RSEQDEV_PERCPU_CACHELINE	64

/* Failed attempts on a held spinlock before the waiter yields its CPU. */
#define RSEQDEV_PERCPU_SPIN_BEFORE_YIELD	128

/**
 * rseqdev_percpu_nr_slots() - number of slots of every per-CPU structure
 *
 * One more than the highest possible CPU number, from
 * /sys/devices/system/cpu/possible, else sysconf(_SC_NPROCESSORS_CONF).
 * Concurrency ids are below it too.
 *
 * Return: the number of slots, at least 1.
 */
unsigned int rseqdev_percpu_nr_slots(void);

/*
 * Aborts in a row after which an operation takes the cpu_opv path. An
 * abort needs a preemption, migration or signal inside a sequence a few
 * dozen instructions long, so even two in a row are rare under any normal
 * load; eight in a row mean the thread cannot get through (single-stepped,
 * faulting on every attempt, preempted on every try). Eight failed
 * attempts also cost less than the one system call of the slow path, so
 * waiting for them wastes little when the fast path would have won.
 */
#define RSEQDEV_PERCPU_ABORT_LIMIT_DEFAULT	8

/* Environment: "auto" (default), "always" or "never"; see below. */
#define RSEQDEV_ENV_CPU_OPV		"RSEQDEV_CPU_OPV"
/* Environment: the abort limit, a number from 1 up. */
#define RSEQDEV_ENV_CPU_OPV_AFTER	"RSEQDEV_CPU_OPV_AFTER"

/**
 * enum rseqdev_percpu_slow_path - when operations take the cpu_opv path
 * @RSEQDEV_PERCPU_SLOW_AUTO: after the abort limit, or at once when the
 *	thread is single-stepped
 * @RSEQDEV_PERCPU_SLOW_ALWAYS: for every operation: debugging, and testing
 *	the slow path
 * @RSEQDEV_PERCPU_SLOW_NEVER: never; an operation may then retry forever
 *
 * The slow path needs the module's cpu_opv (rseqdev_cpu_opv_usable());
 * without it every mode behaves as NEVER.
 */
enum rseqdev_percpu_slow_path {
	RSEQDEV_PERCPU_SLOW_AUTO,
	RSEQDEV_PERCPU_SLOW_ALWAYS,
	RSEQDEV_PERCPU_SLOW_NEVER,
};

/* Process-wide; read by the inline operations. Set it with the call below. */
struct rseqdev_percpu_policy {
	enum rseqdev_percpu_slow_path slow_path;
	unsigned int abort_limit;
};

extern struct rseqdev_percpu_policy rseqdev_percpu_policy;

/**
 * rseqdev_percpu_set_slow_path() - choose when operations take cpu_opv
 * @slow_path: the mode, for every thread
 * @abort_limit: aborts in a row before the slow path, at least 1
 *
 * The defaults come from $RSEQDEV_CPU_OPV and $RSEQDEV_CPU_OPV_AFTER, else
 * RSEQDEV_PERCPU_SLOW_AUTO and RSEQDEV_PERCPU_ABORT_LIMIT_DEFAULT.
 *
 * Return: 0, or -1 with errno EINVAL.
 */
int rseqdev_percpu_set_slow_path(enum rseqdev_percpu_slow_path slow_path,
			      unsigned int abort_limit);

/**
 * struct rseqdev_percpu_stats - what the calling thread's operations did
 * @commits: operations the rseq fast path completed
 * @aborts: sequences that aborted
 * @fallbacks: operations completed through cpu_opv
 */
struct rseqdev_percpu_stats {
	uint64_t commits;
	uint64_t aborts;
	uint64_t fallbacks;
};

/* Per thread: its counters, and whether it takes the slow path always. */
struct rseqdev_percpu_thread {
	struct rseqdev_percpu_stats stats;
	int force_slow_path;
};

extern __thread struct rseqdev_percpu_thread rseqdev_percpu_self
	__attribute__((tls_model("initial-exec")));

/**
 * rseqdev_percpu_thread_stats() - the calling thread's counters
 *
 * Return: a copy; they count from the thread's start or the last reset.
 */
static inline struct rseqdev_percpu_stats rseqdev_percpu_thread_stats(void)
{
	return rseqdev_percpu_self.stats;
}

static inline void rseqdev_percpu_reset_thread_stats(void)
{
	rseqdev_percpu_self.stats = (struct rseqdev_percpu_stats) { 0 };
}

/**
 * rseqdev_percpu_thread_force_slow_path() - the calling thread always uses cpu_opv
 * @force: non-zero to force, 0 to follow the process's mode again
 */
static inline void rseqdev_percpu_thread_force_slow_path(int force)
{
	rseqdev_percpu_self.force_slow_path = force;
}

/*
 * The cold half of the retry loop: after @aborts aborts in a row, should
 * the operation go on through cpu_opv? Also checks for single-stepping.
 */
int rseqdev_percpu_fall_back(enum rseq_percpu_mode mode, unsigned int aborts);

/* At the start of an operation: is the slow path forced? */
static inline __attribute__((always_inline))
int rseqdev_percpu_slow_from_start(enum rseq_percpu_mode mode)
{
	if (__builtin_expect(!rseqdev_percpu_self.force_slow_path &&
			     rseqdev_percpu_policy.slow_path != RSEQDEV_PERCPU_SLOW_ALWAYS, 1))
		return 0;
	return rseqdev_cpu_opv_usable(mode);
}

/**
 * enum rseqdev_percpu_step - outcome of one attempt at an operation
 * @RSEQDEV_PERCPU_STEP_DONE: finished: committed, or found the slot full or
 *	empty; the result is in the operation's context
 * @RSEQDEV_PERCPU_STEP_RETRY: the slot changed between the attempt's first
 *	look and its sequence (or a spinlock is held); nothing was done
 * @RSEQDEV_PERCPU_STEP_ABORTED: the sequence aborted, or the slow path must be
 *	retried (EAGAIN); nothing was done
 * @RSEQDEV_PERCPU_STEP_FAILED: the slow path failed, errno says why
 */
enum rseqdev_percpu_step {
	RSEQDEV_PERCPU_STEP_DONE,
	RSEQDEV_PERCPU_STEP_RETRY,
	RSEQDEV_PERCPU_STEP_ABORTED,
	RSEQDEV_PERCPU_STEP_FAILED,
};

/*
 * The operation rseq_<name>() of <rseqdev/ops.h>, or its cpu_opv twin
 * rseqdev_cpu_op_<name>() when @slow: same arguments, same results.
 */
#define RSEQDEV_PERCPU_OP(slow, name, ...)					\
	((slow) ? rseqdev_cpu_op_##name(__VA_ARGS__) : rseq_##name(__VA_ARGS__))

/*
 * The retry loop proper, from the start of an operation or after its first
 * attempt aborted (@aborts 1): see rseqdev_percpu_retry().
 */
static inline __attribute__((always_inline))
int rseqdev_percpu_retry_from(enum rseq_percpu_mode mode, unsigned int nr_slots,
			      enum rseqdev_percpu_step (*step)(void *ctx,
						    enum rseq_percpu_mode mode, int index,
							    int slow),
			      void *ctx, unsigned int aborts)
{
	int slow;

	if (rseq_thread_ready())
		return -1;
	if (aborts)
		slow = rseqdev_percpu_fall_back(mode, aborts);
	else
		slow = rseqdev_percpu_slow_from_start(mode);
	for (;;) {
		int index = rseqdev_percpu_current_index(mode);

		if (index < 0) {
			errno = EOPNOTSUPP;
			return -1;
		}
		if ((unsigned int)index >= nr_slots) {
			errno = ERANGE;
			return -1;
		}
		switch (step(ctx, mode, index, slow)) {
		case RSEQDEV_PERCPU_STEP_DONE:
			if (slow)
				rseqdev_percpu_self.stats.fallbacks++;
			else
				rseqdev_percpu_self.stats.commits++;
			return 0;
		case RSEQDEV_PERCPU_STEP_RETRY:
			continue;
		case RSEQDEV_PERCPU_STEP_ABORTED:
			/*
			 * Preempted, migrated or signalled inside the
			 * sequence (or, on the slow path, moved to another
			 * concurrency id): read the index again and retry.
			 */
			if (!slow) {
				rseqdev_percpu_self.stats.aborts++;
				slow = rseqdev_percpu_fall_back(mode, ++aborts);
			}
			continue;
		case RSEQDEV_PERCPU_STEP_FAILED:
			return -1;
		}
	}
}

/*
 * The first attempt of rseqdev_percpu_retry(), for a mode the caller
 * makes a constant. RSEQDEV_PERCPU_STEP_FAILED: not attempted, left to
 * the loop.
 */
static inline __attribute__((always_inline))
enum rseqdev_percpu_step
rseqdev_percpu_first_attempt(enum rseq_percpu_mode mode, unsigned int nr_slots,
			     enum rseqdev_percpu_step (*step)(void *ctx,
						    enum rseq_percpu_mode mode, int index,
							   int slow),
			     void *ctx)
{
	/*
	 * By CPU, the raw cpu_id: negative when the thread is not
	 * registered, which the check below leaves to the loop.
	 */
	int index = mode == RSEQ_PERCPU_CPU_ID ? rseq_current_cpu_raw()
					       : rseqdev_percpu_current_index(mode);

	/* index >= 0 spelt out: the step's own check of it then folds away. */
	if (__builtin_expect(index >= 0 && (unsigned int)index < nr_slots &&
			     !rseqdev_percpu_slow_from_start(mode), 1))
		return step(ctx, mode, index, 0);
	return RSEQDEV_PERCPU_STEP_FAILED;
}

/**
 * rseqdev_percpu_retry() - run an operation on the current slot until it is done
 * @mode: how the structure is indexed
 * @nr_slots: how many slots it has
 * @step: one attempt on slot @index of a structure indexed by @mode, with
 *	the operation's context, through the rseq fast path or, when its last
 *	argument is non-zero, cpu_opv
 * @ctx: the operation's arguments and result
 *
 * The retry loop of every operation below. It registers the thread if
 * needed, reads the index the thread runs with, and calls @step until @step
 * says it is done. Aborts switch the operation to the slow path as
 * enum rseqdev_percpu_slow_path says; the thread's counters record how it
 * went.
 *
 * Almost every operation is done by its first attempt, on the fast path,
 * in a registered thread: that attempt is tried first with nothing but the
 * index read and checked (an unregistered thread reads a negative one),
 * and everything else is left to the loop.
 *
 * Return: 0 when @step is done, -1 with errno when the thread cannot be
 * registered (the registration's errno), the mode has no index (EOPNOTSUPP),
 * the index is not below @nr_slots (ERANGE), or the slow path failed (its
 * errno: EFAULT for memory the operation cannot access, ENOMEM).
 */
static inline __attribute__((always_inline))
int rseqdev_percpu_retry(enum rseq_percpu_mode mode, unsigned int nr_slots,
		      enum rseqdev_percpu_step (*step)(void *ctx,
						    enum rseq_percpu_mode mode, int index,
						    int slow),
		      void *ctx)
{
	enum rseqdev_percpu_step first;

	/*
	 * Dispatched on the mode once, with a constant in each branch that
	 * the step receives: the compiler specialises the index read and
	 * the sequence for it. An unknown mode is the loop's (EOPNOTSUPP).
	 */
	if (mode == RSEQ_PERCPU_CPU_ID)
		first = rseqdev_percpu_first_attempt(RSEQ_PERCPU_CPU_ID, nr_slots, step, ctx);
	else if (mode == RSEQ_PERCPU_MM_CID)
		first = rseqdev_percpu_first_attempt(RSEQ_PERCPU_MM_CID, nr_slots, step, ctx);
	else
		first = RSEQDEV_PERCPU_STEP_FAILED;
	switch (first) {
	case RSEQDEV_PERCPU_STEP_DONE:
		rseqdev_percpu_self.stats.commits++;
		return 0;
	case RSEQDEV_PERCPU_STEP_ABORTED:
		rseqdev_percpu_self.stats.aborts++;
		return rseqdev_percpu_retry_from(mode, nr_slots, step, ctx, 1);
	default:
		return rseqdev_percpu_retry_from(mode, nr_slots, step, ctx, 0);
	}
}

/* An attempt's view of an operation's return value. */
static inline __attribute__((always_inline))
enum rseqdev_percpu_step rseqdev_percpu_step_of(int slow, int op_ret)
{
	if (op_ret < 0)
		return !slow || errno == EAGAIN ? RSEQDEV_PERCPU_STEP_ABORTED
						: RSEQDEV_PERCPU_STEP_FAILED;
	return op_ret ? RSEQDEV_PERCPU_STEP_RETRY : RSEQDEV_PERCPU_STEP_DONE;
}

/* The memory orders a push accepts. */
static inline int rseqdev_percpu_mo_valid(enum rseq_mo mo)
{
	return mo == RSEQ_MO_RELAXED || mo == RSEQ_MO_RELEASE;
}

/* Counter */

struct rseqdev_percpu_counter_slot {
	intptr_t count;
} __attribute__((aligned(RSEQDEV_PERCPU_CACHELINE)));

/**
 * struct rseqdev_percpu_counter - a counter split into per-CPU parts
 * @mode: how it is indexed
 * @nr_slots: number of slots
 * @slots: one part per index
 */
struct rseqdev_percpu_counter {
	enum rseq_percpu_mode mode;
	unsigned int nr_slots;
	struct rseqdev_percpu_counter_slot *slots;
};

/**
 * rseqdev_percpu_counter_create() - allocate a counter at zero
 * @mode: RSEQ_PERCPU_CPU_ID or RSEQ_PERCPU_MM_CID
 *
 * Return: the counter, or NULL with errno: EINVAL (unknown mode),
 * EOPNOTSUPP (MM_CID mode while the area in use has no mm_cid), ENOMEM.
 */
struct rseqdev_percpu_counter *rseqdev_percpu_counter_create(enum rseq_percpu_mode mode);

/**
 * rseqdev_percpu_counter_destroy() - free a counter
 * @counter: the counter, or NULL
 */
void rseqdev_percpu_counter_destroy(struct rseqdev_percpu_counter *counter);

/**
 * rseqdev_percpu_counter_sum() - the counter's value
 * @counter: the counter
 *
 * Adds up the slots one by one: exact when no add runs concurrently, else
 * a value the counter held at some point during the call or in between.
 *
 * Return: the sum of all slots (wrapping).
 */
intptr_t rseqdev_percpu_counter_sum(const struct rseqdev_percpu_counter *counter);

struct rseqdev_percpu_counter_add_ctx {
	struct rseqdev_percpu_counter *counter;
	intptr_t amount;
};

static inline __attribute__((always_inline)) enum rseqdev_percpu_step
rseqdev_percpu_counter_add_step(void *arg, enum rseq_percpu_mode mode,
				int index, int slow)
{
	struct rseqdev_percpu_counter_add_ctx *ctx =
		(struct rseqdev_percpu_counter_add_ctx *)arg;
	struct rseqdev_percpu_counter *counter = ctx->counter;

	return rseqdev_percpu_step_of(slow, RSEQDEV_PERCPU_OP(slow,
			load_add_store__ptr, RSEQ_MO_RELAXED, mode,
			&counter->slots[index].count, ctx->amount, index));
}

/**
 * rseqdev_percpu_counter_add() - add to the current slot of a counter
 * @counter: the counter
 * @amount: any signed amount
 *
 * Async-signal-safe once the thread is registered.
 *
 * Return: 0, or -1 with errno as rseqdev_percpu_retry().
 */
static inline __attribute__((always_inline))
int rseqdev_percpu_counter_add(struct rseqdev_percpu_counter *counter,
			    intptr_t amount)
{
	struct rseqdev_percpu_counter_add_ctx ctx = {
		.counter = counter,
		.amount = amount,
	};

	return rseqdev_percpu_retry(counter->mode, counter->nr_slots,
				 rseqdev_percpu_counter_add_step, &ctx);
}

/* Spinlock */

struct rseqdev_percpu_spinlock_slot {
	intptr_t locked;
} __attribute__((aligned(RSEQDEV_PERCPU_CACHELINE)));

/**
 * struct rseqdev_percpu_spinlock - one lock per index
 * @mode: how it is indexed
 * @nr_slots: number of slots
 * @slots: one lock word per index, 0 when free, 1 when held
 */
struct rseqdev_percpu_spinlock {
	enum rseq_percpu_mode mode;
	unsigned int nr_slots;
	struct rseqdev_percpu_spinlock_slot *slots;
};

/**
 * rseqdev_percpu_spinlock_create() - allocate a set of free per-CPU locks
 * @mode: RSEQ_PERCPU_CPU_ID or RSEQ_PERCPU_MM_CID
 *
 * Return: the locks, or NULL with errno as rseqdev_percpu_counter_create().
 */
struct rseqdev_percpu_spinlock *rseqdev_percpu_spinlock_create(enum rseq_percpu_mode mode);

/**
 * rseqdev_percpu_spinlock_destroy() - free a set of per-CPU locks
 * @lock: the locks, all free, or NULL
 */
void rseqdev_percpu_spinlock_destroy(struct rseqdev_percpu_spinlock *lock);

struct rseqdev_percpu_spinlock_ctx {
	struct rseqdev_percpu_spinlock *lock;
	int index;
	unsigned int busy;
};

/* A held lock: its holder was preempted or migrated while holding it. */
static inline void rseqdev_percpu_spin_wait(unsigned int *busy)
{
	if (++*busy % RSEQDEV_PERCPU_SPIN_BEFORE_YIELD == 0)
		sched_yield();
	else
		rseq_arch_cpu_relax();
}

static inline __attribute__((always_inline)) enum rseqdev_percpu_step
rseqdev_percpu_spinlock_lock_step(void *arg, enum rseq_percpu_mode mode,
				int index, int slow)
{
	struct rseqdev_percpu_spinlock_ctx *ctx =
		(struct rseqdev_percpu_spinlock_ctx *)arg;
	struct rseqdev_percpu_spinlock *lock = ctx->lock;
	int ret;

	ret = RSEQDEV_PERCPU_OP(slow, load_cbne_store__ptr, RSEQ_MO_RELAXED,
			     mode, &lock->slots[index].locked, 0, 1,
			     index);
	if (ret > 0)
		rseqdev_percpu_spin_wait(&ctx->busy);
	else if (ret == 0)
		ctx->index = index;
	return rseqdev_percpu_step_of(slow, ret);
}

/**
 * rseqdev_percpu_spinlock_lock() - take the lock of the current index
 * @lock: the locks
 *
 * Spins while the lock is held, yielding the CPU now and then so that a
 * preempted holder on the same CPU can finish. The thread may migrate while
 * it holds the lock: it stays the holder of the index returned.
 *
 * Return: the index locked, to pass to rseqdev_percpu_spinlock_unlock(), or
 * -1 with errno as rseqdev_percpu_retry().
 */
static inline __attribute__((always_inline))
int rseqdev_percpu_spinlock_lock(struct rseqdev_percpu_spinlock *lock)
{
	struct rseqdev_percpu_spinlock_ctx ctx = {
		.lock = lock,
		.index = -1,
		.busy = 0,
	};

	if (rseqdev_percpu_retry(lock->mode, lock->nr_slots,
			      rseqdev_percpu_spinlock_lock_step, &ctx))
		return -1;
	/*
	 * The sequence loaded 0 before it stored 1: order what the holder
	 * does next after that load, as an acquire.
	 */
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	return ctx.index;
}

/**
 * rseqdev_percpu_spinlock_unlock() - release a lock taken by this thread
 * @lock: the locks
 * @index: what rseqdev_percpu_spinlock_lock() returned
 *
 * A release store: what the holder wrote is visible to the next holder.
 * Works from any CPU.
 */
static inline __attribute__((always_inline))
void rseqdev_percpu_spinlock_unlock(struct rseqdev_percpu_spinlock *lock, int index)
{
	__atomic_store_n(&lock->slots[index].locked, 0, __ATOMIC_RELEASE);
}

/* Linked list */

/**
 * struct rseqdev_percpu_list_node - link of a per-CPU list; embed it in items
 * @next: the next node, NULL at the end
 */
struct rseqdev_percpu_list_node {
	struct rseqdev_percpu_list_node *next;
};

struct rseqdev_percpu_list_slot {
	struct rseqdev_percpu_list_node *head;
} __attribute__((aligned(RSEQDEV_PERCPU_CACHELINE)));

/**
 * struct rseqdev_percpu_list - a LIFO list per index
 * @mode: how it is indexed
 * @nr_slots: number of slots
 * @slots: one list head per index
 */
struct rseqdev_percpu_list {
	enum rseq_percpu_mode mode;
	unsigned int nr_slots;
	struct rseqdev_percpu_list_slot *slots;
};

/**
 * rseqdev_percpu_list_create() - allocate a set of empty per-CPU lists
 * @mode: RSEQ_PERCPU_CPU_ID or RSEQ_PERCPU_MM_CID
 *
 * Return: the lists, or NULL with errno as rseqdev_percpu_counter_create().
 */
struct rseqdev_percpu_list *rseqdev_percpu_list_create(enum rseq_percpu_mode mode);

/**
 * rseqdev_percpu_list_destroy() - free a set of per-CPU lists, not the nodes
 * @list: the lists, or NULL
 */
void rseqdev_percpu_list_destroy(struct rseqdev_percpu_list *list);

/**
 * rseqdev_percpu_list_take_all() - detach the whole list of one index
 * @list: the lists
 * @index: the slot, below @list->nr_slots
 *
 * Not a per-CPU operation: call it only when no other thread uses @list,
 * for instance to drain it after the workers exited.
 *
 * Return: the first node (chained by @next), or NULL when it was empty.
 */
struct rseqdev_percpu_list_node *rseqdev_percpu_list_take_all(struct rseqdev_percpu_list *list,
							unsigned int index);

struct rseqdev_percpu_list_ctx {
	struct rseqdev_percpu_list *list;
	struct rseqdev_percpu_list_node *node;
};

static inline __attribute__((always_inline)) enum rseqdev_percpu_step
rseqdev_percpu_list_push_step(void *arg, enum rseq_percpu_mode mode,
				int index, int slow)
{
	struct rseqdev_percpu_list_ctx *ctx = (struct rseqdev_percpu_list_ctx *)arg;
	struct rseqdev_percpu_list_slot *slot = &ctx->list->slots[index];
	struct rseqdev_percpu_list_node *head = RSEQ_READ_ONCE(slot->head);

	/* Linked before it is published; the sequence rechecks the head. */
	ctx->node->next = head;
	return rseqdev_percpu_step_of(slow, RSEQDEV_PERCPU_OP(slow,
			load_cbne_store__ptr, RSEQ_MO_RELAXED, mode,
			(intptr_t *)&slot->head, (intptr_t)head,
			(intptr_t)ctx->node, index));
}

/**
 * rseqdev_percpu_list_push() - push a node on the current index's list
 * @list: the lists
 * @node: a node no list holds
 *
 * Return: 0, or -1 with errno as rseqdev_percpu_retry().
 */
static inline __attribute__((always_inline))
int rseqdev_percpu_list_push(struct rseqdev_percpu_list *list,
			  struct rseqdev_percpu_list_node *node)
{
	struct rseqdev_percpu_list_ctx ctx = {
		.list = list,
		.node = node,
	};

	return rseqdev_percpu_retry(list->mode, list->nr_slots,
				 rseqdev_percpu_list_push_step, &ctx);
}

static inline __attribute__((always_inline)) enum rseqdev_percpu_step
rseqdev_percpu_list_pop_step(void *arg, enum rseq_percpu_mode mode,
				int index, int slow)
{
	struct rseqdev_percpu_list_ctx *ctx = (struct rseqdev_percpu_list_ctx *)arg;
	struct rseqdev_percpu_list_slot *slot = &ctx->list->slots[index];
	intptr_t head;
	int ret;

	ret = RSEQDEV_PERCPU_OP(slow, load_cbeq_store_add_load_store__ptr,
			RSEQ_MO_RELAXED, mode, (intptr_t *)&slot->head, 0,
			offsetof(struct rseqdev_percpu_list_node, next), &head,
			index);
	if (ret < 0)
		return rseqdev_percpu_step_of(slow, ret);
	/* Compare failed: the list was empty, a final answer. */
	ctx->node = ret ? NULL : (struct rseqdev_percpu_list_node *)head;
	return RSEQDEV_PERCPU_STEP_DONE;
}

/**
 * rseqdev_percpu_list_pop() - pop the head of the current index's list
 * @list: the lists
 *
 * The head and its successor are read inside the sequence, so a node
 * popped and pushed back concurrently (ABA) cannot corrupt the list.
 *
 * Return: the node, or NULL when that list is empty or on error (errno as
 * rseqdev_percpu_retry(); a thread that passed rseq_thread_ready() gets no
 * error).
 */
static inline __attribute__((always_inline))
struct rseqdev_percpu_list_node *rseqdev_percpu_list_pop(struct rseqdev_percpu_list *list)
{
	struct rseqdev_percpu_list_ctx ctx = {
		.list = list,
		.node = NULL,
	};

	if (rseqdev_percpu_retry(list->mode, list->nr_slots,
			      rseqdev_percpu_list_pop_step, &ctx))
		return NULL;
	return ctx.node;
}

/* Bounded buffer of pointers */

struct rseqdev_percpu_buffer_slot {
	intptr_t offset;
	void **array;
} __attribute__((aligned(RSEQDEV_PERCPU_CACHELINE)));

/**
 * struct rseqdev_percpu_buffer - a bounded LIFO of pointers per index
 * @mode: how it is indexed
 * @nr_slots: number of slots
 * @capacity: pointers each slot holds at most
 * @slots: per index, the number of pointers held and their array
 */
struct rseqdev_percpu_buffer {
	enum rseq_percpu_mode mode;
	unsigned int nr_slots;
	size_t capacity;
	struct rseqdev_percpu_buffer_slot *slots;
};

/**
 * rseqdev_percpu_buffer_create() - allocate a set of empty per-CPU buffers
 * @mode: RSEQ_PERCPU_CPU_ID or RSEQ_PERCPU_MM_CID
 * @capacity: pointers each index's buffer holds at most, at least 1
 *
 * Return: the buffers, or NULL with errno as rseqdev_percpu_counter_create()
 * (EINVAL too for a zero or oversized @capacity).
 */
struct rseqdev_percpu_buffer *rseqdev_percpu_buffer_create(enum rseq_percpu_mode mode,
						     size_t capacity);

/**
 * rseqdev_percpu_buffer_destroy() - free a set of per-CPU buffers
 * @buf: the buffers, or NULL
 */
void rseqdev_percpu_buffer_destroy(struct rseqdev_percpu_buffer *buf);

/**
 * rseqdev_percpu_buffer_take() - remove a pointer from one index's buffer
 * @buf: the buffers
 * @index: the slot, below @buf->nr_slots
 *
 * Not a per-CPU operation: call it only when no other thread uses @buf.
 *
 * Return: the pointer last pushed there, or NULL when it is empty.
 */
void *rseqdev_percpu_buffer_take(struct rseqdev_percpu_buffer *buf,
			      unsigned int index);

struct rseqdev_percpu_buffer_ctx {
	struct rseqdev_percpu_buffer *buf;
	void *item;
	enum rseq_mo mo;
	int full;
};

static inline __attribute__((always_inline)) enum rseqdev_percpu_step
rseqdev_percpu_buffer_push_step(void *arg, enum rseq_percpu_mode mode,
				int index, int slow)
{
	struct rseqdev_percpu_buffer_ctx *ctx = (struct rseqdev_percpu_buffer_ctx *)arg;
	struct rseqdev_percpu_buffer_slot *slot = &ctx->buf->slots[index];
	intptr_t offset = RSEQ_READ_ONCE(slot->offset);

	if ((size_t)offset >= ctx->buf->capacity) {
		ctx->full = 1;
		return RSEQDEV_PERCPU_STEP_DONE;
	}
	/* The pointer goes in first; the count publishes it. */
	return rseqdev_percpu_step_of(slow, RSEQDEV_PERCPU_OP(slow,
			load_cbne_store_store__ptr, ctx->mo,
			mode, &slot->offset, offset,
			(intptr_t *)&slot->array[offset], (intptr_t)ctx->item,
			offset + 1, index));
}

/**
 * rseqdev_percpu_buffer_push() - push a pointer on the current index's buffer
 * @buf: the buffers
 * @item: the pointer, not NULL
 * @mo: RSEQ_MO_RELEASE to make what the caller wrote before (the item's
 *	contents) visible to whoever pops @item on another CPU; else
 *	RSEQ_MO_RELAXED
 *
 * Return: 0 pushed, 1 that buffer is full, -1 with errno: EINVAL (NULL
 * @item or bad @mo), or as rseqdev_percpu_retry().
 */
static inline __attribute__((always_inline))
int rseqdev_percpu_buffer_push(struct rseqdev_percpu_buffer *buf, void *item,
			    enum rseq_mo mo)
{
	struct rseqdev_percpu_buffer_ctx ctx = {
		.buf = buf,
		.item = item,
		.mo = mo,
		.full = 0,
	};

	if (!item || !rseqdev_percpu_mo_valid(mo)) {
		errno = EINVAL;
		return -1;
	}
	if (rseqdev_percpu_retry(buf->mode, buf->nr_slots,
			      rseqdev_percpu_buffer_push_step, &ctx))
		return -1;
	return ctx.full;
}

static inline __attribute__((always_inline)) enum rseqdev_percpu_step
rseqdev_percpu_buffer_pop_step(void *arg, enum rseq_percpu_mode mode,
				int index, int slow)
{
	struct rseqdev_percpu_buffer_ctx *ctx = (struct rseqdev_percpu_buffer_ctx *)arg;
	struct rseqdev_percpu_buffer_slot *slot = &ctx->buf->slots[index];
	intptr_t offset = RSEQ_READ_ONCE(slot->offset);
	void *item;
	int ret;

	if (offset <= 0) {
		ctx->item = NULL;
		return RSEQDEV_PERCPU_STEP_DONE;
	}
	item = RSEQ_READ_ONCE(slot->array[offset - 1]);
	/* Still the same count and the same top item: take it. */
	ret = RSEQDEV_PERCPU_OP(slow, load_cbne_load_cbne_store__ptr,
			RSEQ_MO_RELAXED, mode, &slot->offset, offset,
			(intptr_t *)&slot->array[offset - 1], (intptr_t)item,
			offset - 1, index);
	if (ret == 0)
		ctx->item = item;
	return rseqdev_percpu_step_of(slow, ret);
}

/**
 * rseqdev_percpu_buffer_pop() - pop the last pointer of the current index's buffer
 * @buf: the buffers
 *
 * Return: the pointer, or NULL when that buffer is empty or on error (errno
 * as rseqdev_percpu_retry()).
 */
static inline __attribute__((always_inline))
void *rseqdev_percpu_buffer_pop(struct rseqdev_percpu_buffer *buf)
{
	struct rseqdev_percpu_buffer_ctx ctx = {
		.buf = buf,
		.item = NULL,
		.mo = RSEQ_MO_RELAXED,
		.full = 0,
	};

	if (rseqdev_percpu_retry(buf->mode, buf->nr_slots,
			      rseqdev_percpu_buffer_pop_step, &ctx))
		return NULL;
	return ctx.item;
}

/* Buffer of fixed-size items, copied in and out */

struct rseqdev_percpu_memcpy_buffer_slot {
	intptr_t offset;
	char *array;
} __attribute__((aligned(RSEQDEV_PERCPU_CACHELINE)));

/**
 * struct rseqdev_percpu_memcpy_buffer - a bounded LIFO of items per index
 * @mode: how it is indexed
 * @nr_slots: number of slots
 * @capacity: items each slot holds at most
 * @item_len: size of an item in bytes
 * @slots: per index, the number of items held and their storage
 */
struct rseqdev_percpu_memcpy_buffer {
	enum rseq_percpu_mode mode;
	unsigned int nr_slots;
	size_t capacity;
	size_t item_len;
	struct rseqdev_percpu_memcpy_buffer_slot *slots;
};

/**
 * rseqdev_percpu_memcpy_buffer_create() - allocate a set of empty item buffers
 * @mode: RSEQ_PERCPU_CPU_ID or RSEQ_PERCPU_MM_CID
 * @capacity: items each index's buffer holds at most, at least 1
 * @item_len: size of an item, 1 to RSEQDEV_CPU_OPV_MAX_OP_LEN (4096) bytes
 *	so that a cpu_opv vector can always copy one
 *
 * Return: the buffers, or NULL with errno as rseqdev_percpu_counter_create()
 * (EINVAL too for a bad @capacity or @item_len).
 */
struct rseqdev_percpu_memcpy_buffer *
rseqdev_percpu_memcpy_buffer_create(enum rseq_percpu_mode mode, size_t capacity,
				 size_t item_len);

/**
 * rseqdev_percpu_memcpy_buffer_destroy() - free a set of item buffers
 * @buf: the buffers, or NULL
 */
void rseqdev_percpu_memcpy_buffer_destroy(struct rseqdev_percpu_memcpy_buffer *buf);

/**
 * rseqdev_percpu_memcpy_buffer_take() - remove an item from one index's buffer
 * @buf: the buffers
 * @index: the slot, below @buf->nr_slots
 * @item: receives @buf->item_len bytes
 *
 * Not a per-CPU operation: call it only when no other thread uses @buf.
 *
 * Return: 0 an item was copied out, 1 that buffer is empty.
 */
int rseqdev_percpu_memcpy_buffer_take(struct rseqdev_percpu_memcpy_buffer *buf,
				   unsigned int index, void *item);

struct rseqdev_percpu_memcpy_buffer_ctx {
	struct rseqdev_percpu_memcpy_buffer *buf;
	void *item;
	enum rseq_mo mo;
	int full_or_empty;
};

static inline __attribute__((always_inline)) enum rseqdev_percpu_step
rseqdev_percpu_memcpy_buffer_push_step(void *arg, enum rseq_percpu_mode mode,
				int index, int slow)
{
	struct rseqdev_percpu_memcpy_buffer_ctx *ctx =
		(struct rseqdev_percpu_memcpy_buffer_ctx *)arg;
	struct rseqdev_percpu_memcpy_buffer *buf = ctx->buf;
	struct rseqdev_percpu_memcpy_buffer_slot *slot = &buf->slots[index];
	intptr_t offset = RSEQ_READ_ONCE(slot->offset);

	if ((size_t)offset >= buf->capacity) {
		ctx->full_or_empty = 1;
		return RSEQDEV_PERCPU_STEP_DONE;
	}
	return rseqdev_percpu_step_of(slow, RSEQDEV_PERCPU_OP(slow,
			load_cbne_memcpy_store__ptr, ctx->mo, mode, &slot->offset, offset,
			slot->array + (size_t)offset * buf->item_len,
			ctx->item, buf->item_len, offset + 1, index));
}

/**
 * rseqdev_percpu_memcpy_buffer_push() - copy an item into the current index's buffer
 * @buf: the buffers
 * @item: @buf->item_len bytes
 * @mo: RSEQ_MO_RELEASE to make the copy and what the caller wrote before
 *	visible to a thread on another CPU that sees the item counted; else
 *	RSEQ_MO_RELAXED
 *
 * Return: 0 pushed, 1 that buffer is full, -1 with errno: EINVAL (bad @mo),
 * or as rseqdev_percpu_retry().
 */
static inline __attribute__((always_inline))
int rseqdev_percpu_memcpy_buffer_push(struct rseqdev_percpu_memcpy_buffer *buf,
				   const void *item, enum rseq_mo mo)
{
	struct rseqdev_percpu_memcpy_buffer_ctx ctx = {
		.buf = buf,
		.item = (void *)item,
		.mo = mo,
		.full_or_empty = 0,
	};

	if (!rseqdev_percpu_mo_valid(mo)) {
		errno = EINVAL;
		return -1;
	}
	if (rseqdev_percpu_retry(buf->mode, buf->nr_slots,
			      rseqdev_percpu_memcpy_buffer_push_step, &ctx))
		return -1;
	return ctx.full_or_empty;
}

static inline __attribute__((always_inline)) enum rseqdev_percpu_step
rseqdev_percpu_memcpy_buffer_pop_step(void *arg, enum rseq_percpu_mode mode,
				int index, int slow)
{
	struct rseqdev_percpu_memcpy_buffer_ctx *ctx =
		(struct rseqdev_percpu_memcpy_buffer_ctx *)arg;
	struct rseqdev_percpu_memcpy_buffer *buf = ctx->buf;
	struct rseqdev_percpu_memcpy_buffer_slot *slot = &buf->slots[index];
	intptr_t offset = RSEQ_READ_ONCE(slot->offset);

	if (offset <= 0) {
		ctx->full_or_empty = 1;
		return RSEQDEV_PERCPU_STEP_DONE;
	}
	/* The item is read inside the sequence: no ABA on its contents. */
	return rseqdev_percpu_step_of(slow, RSEQDEV_PERCPU_OP(slow,
			load_cbne_memcpy_store__ptr, RSEQ_MO_RELAXED, mode, &slot->offset, offset,
			ctx->item,
			slot->array + (size_t)(offset - 1) * buf->item_len,
			buf->item_len, offset - 1, index));
}

/**
 * rseqdev_percpu_memcpy_buffer_pop() - copy out the last item of the current index's buffer
 * @buf: the buffers
 * @item: receives @buf->item_len bytes; clobbered even when nothing is
 *	popped
 *
 * Return: 0 popped, 1 that buffer is empty, -1 with errno as
 * rseqdev_percpu_retry().
 */
static inline __attribute__((always_inline))
int rseqdev_percpu_memcpy_buffer_pop(struct rseqdev_percpu_memcpy_buffer *buf,
				  void *item)
{
	struct rseqdev_percpu_memcpy_buffer_ctx ctx = {
		.buf = buf,
		.item = item,
		.mo = RSEQ_MO_RELAXED,
		.full_or_empty = 0,
	};

	if (rseqdev_percpu_retry(buf->mode, buf->nr_slots,
			      rseqdev_percpu_memcpy_buffer_pop_step, &ctx))
		return -1;
	return ctx.full_or_empty;
}

#ifdef __cplusplus
}
#endif

#endif /* RSEQDEV_PERCPU_H */
