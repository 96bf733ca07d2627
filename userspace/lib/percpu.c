// SPDX-License-Identifier: LGPL-2.1-only OR MIT
/*
 * The non-inline half of the per-CPU data structures: sizing, allocation,
 * teardown, and the accessors that run only while nobody else uses a
 * structure.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rseqdev/percpu.h>

#define POSSIBLE_CPUS_PATH	"/sys/devices/system/cpu/possible"
#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))

/* The last number of a CPU list such as "0-3,8-11", or -1. */
static long last_cpu_in_list(const char *list)
{
	long last = -1;
	const char *p = list;

	while (*p) {
		char *end;
		long n = strtol(p, &end, 10);

		if (end == p)
			break;
		if (n > last)
			last = n;
		p = end;
		if (*p == '-' || *p == ',')
			p++;
		else
			break;
	}
	return last;
}

static unsigned int count_possible_cpus(void)
{
	char buf[4096];
	long last = -1;
	FILE *f = fopen(POSSIBLE_CPUS_PATH, "re");

	if (f) {
		if (fgets(buf, sizeof(buf), f))
			last = last_cpu_in_list(buf);
		fclose(f);
	}
	if (last < 0 || last >= INT_MAX)
		last = sysconf(_SC_NPROCESSORS_CONF) - 1;
	return last < 0 ? 1 : (unsigned int)last + 1;
}

unsigned int rseqdev_percpu_nr_slots(void)
{
	static unsigned int nr_slots;
	unsigned int n = __atomic_load_n(&nr_slots, __ATOMIC_RELAXED);

	/* Every thread computes the same answer: a race is harmless. */
	if (!n) {
		n = count_possible_cpus();
		__atomic_store_n(&nr_slots, n, __ATOMIC_RELAXED);
	}
	return n;
}

/* Older C libraries may change errno in free(). */
static void free_keeping_errno(void *p)
{
	int err = errno;

	free(p);
	errno = err;
}

/* Can a structure in this mode work in this process? */
static int check_mode(enum rseq_percpu_mode mode)
{
	switch (mode) {
	case RSEQ_PERCPU_CPU_ID:
		return 0;
	case RSEQ_PERCPU_MM_CID:
		rseqdev_init();
		if (rseq_mm_cid_available())
			return 0;
		errno = EOPNOTSUPP;
		return -1;
	}
	errno = EINVAL;
	return -1;
}

/*
 * Zeroed slots, slot_size bytes each (a multiple of the cache line), on
 * their own cache lines.
 */
static void *alloc_slots(unsigned int nr_slots, size_t slot_size)
{
	void *slots;
	int err;

	err = posix_memalign(&slots, RSEQDEV_PERCPU_CACHELINE,
			     (size_t)nr_slots * slot_size);
	if (err) {
		errno = err;
		return NULL;
	}
	memset(slots, 0, (size_t)nr_slots * slot_size);
	return slots;
}

/*
 * The common header of every structure: mode, number of slots and the
 * zeroed slots themselves. Returns the slots, or NULL with errno.
 */
static void *init_slots(enum rseq_percpu_mode mode, enum rseq_percpu_mode *mode_out,
			unsigned int *nr_slots_out, size_t slot_size)
{
	void *slots;

	if (check_mode(mode))
		return NULL;
	*mode_out = mode;
	*nr_slots_out = rseqdev_percpu_nr_slots();
	slots = alloc_slots(*nr_slots_out, slot_size);
	return slots;
}

struct rseqdev_percpu_counter *rseqdev_percpu_counter_create(enum rseq_percpu_mode mode)
{
	struct rseqdev_percpu_counter *counter = calloc(1, sizeof(*counter));

	if (!counter)
		return NULL;
	counter->slots = init_slots(mode, &counter->mode, &counter->nr_slots,
				    sizeof(*counter->slots));
	if (!counter->slots) {
		free_keeping_errno(counter);
		return NULL;
	}
	return counter;
}

void rseqdev_percpu_counter_destroy(struct rseqdev_percpu_counter *counter)
{
	if (!counter)
		return;
	free(counter->slots);
	free(counter);
}

intptr_t rseqdev_percpu_counter_sum(const struct rseqdev_percpu_counter *counter)
{
	uintptr_t sum = 0;
	unsigned int i;

	/* Unsigned: the slots wrap, and so does their sum. */
	for (i = 0; i < counter->nr_slots; i++)
		sum += (uintptr_t)RSEQ_READ_ONCE(counter->slots[i].count);
	return (intptr_t)sum;
}

struct rseqdev_percpu_spinlock *rseqdev_percpu_spinlock_create(enum rseq_percpu_mode mode)
{
	struct rseqdev_percpu_spinlock *lock = calloc(1, sizeof(*lock));

	if (!lock)
		return NULL;
	lock->slots = init_slots(mode, &lock->mode, &lock->nr_slots,
				 sizeof(*lock->slots));
	if (!lock->slots) {
		free_keeping_errno(lock);
		return NULL;
	}
	return lock;
}

void rseqdev_percpu_spinlock_destroy(struct rseqdev_percpu_spinlock *lock)
{
	if (!lock)
		return;
	free(lock->slots);
	free(lock);
}

struct rseqdev_percpu_list *rseqdev_percpu_list_create(enum rseq_percpu_mode mode)
{
	struct rseqdev_percpu_list *list = calloc(1, sizeof(*list));

	if (!list)
		return NULL;
	list->slots = init_slots(mode, &list->mode, &list->nr_slots,
				 sizeof(*list->slots));
	if (!list->slots) {
		free_keeping_errno(list);
		return NULL;
	}
	return list;
}

void rseqdev_percpu_list_destroy(struct rseqdev_percpu_list *list)
{
	if (!list)
		return;
	free(list->slots);
	free(list);
}

struct rseqdev_percpu_list_node *rseqdev_percpu_list_take_all(struct rseqdev_percpu_list *list,
							unsigned int index)
{
	struct rseqdev_percpu_list_node *head = list->slots[index].head;

	list->slots[index].head = NULL;
	return head;
}

/* Capacities whose byte count fits in a size_t and whose count in intptr_t. */
static int capacity_valid(size_t capacity, size_t item_len)
{
	return capacity && capacity <= (size_t)INTPTR_MAX / item_len;
}

void rseqdev_percpu_buffer_destroy(struct rseqdev_percpu_buffer *buf)
{
	unsigned int i;

	if (!buf)
		return;
	if (buf->slots) {
		for (i = 0; i < buf->nr_slots; i++)
			free(buf->slots[i].array);
		free(buf->slots);
	}
	free(buf);
}

struct rseqdev_percpu_buffer *rseqdev_percpu_buffer_create(enum rseq_percpu_mode mode,
						     size_t capacity)
{
	struct rseqdev_percpu_buffer *buf;
	unsigned int i;
	int err;

	if (!capacity_valid(capacity, sizeof(void *))) {
		errno = EINVAL;
		return NULL;
	}
	buf = calloc(1, sizeof(*buf));
	if (!buf)
		return NULL;
	buf->capacity = capacity;
	buf->slots = init_slots(mode, &buf->mode, &buf->nr_slots,
				sizeof(*buf->slots));
	if (!buf->slots)
		goto fail;
	for (i = 0; i < buf->nr_slots; i++) {
		buf->slots[i].array = calloc(capacity, sizeof(void *));
		if (!buf->slots[i].array)
			goto fail;
	}
	return buf;
fail:
	err = errno;
	rseqdev_percpu_buffer_destroy(buf);
	errno = err;
	return NULL;
}

void *rseqdev_percpu_buffer_take(struct rseqdev_percpu_buffer *buf, unsigned int index)
{
	struct rseqdev_percpu_buffer_slot *slot = &buf->slots[index];

	if (slot->offset <= 0)
		return NULL;
	return slot->array[--slot->offset];
}

void rseqdev_percpu_memcpy_buffer_destroy(struct rseqdev_percpu_memcpy_buffer *buf)
{
	unsigned int i;

	if (!buf)
		return;
	if (buf->slots) {
		for (i = 0; i < buf->nr_slots; i++)
			free(buf->slots[i].array);
		free(buf->slots);
	}
	free(buf);
}

struct rseqdev_percpu_memcpy_buffer *
rseqdev_percpu_memcpy_buffer_create(enum rseq_percpu_mode mode, size_t capacity,
				 size_t item_len)
{
	struct rseqdev_percpu_memcpy_buffer *buf;
	unsigned int i;
	int err;

	if (!item_len || item_len > RSEQDEV_CPU_OPV_MAX_OP_LEN ||
	    !capacity_valid(capacity, item_len)) {
		errno = EINVAL;
		return NULL;
	}
	buf = calloc(1, sizeof(*buf));
	if (!buf)
		return NULL;
	buf->capacity = capacity;
	buf->item_len = item_len;
	buf->slots = init_slots(mode, &buf->mode, &buf->nr_slots,
				sizeof(*buf->slots));
	if (!buf->slots)
		goto fail;
	for (i = 0; i < buf->nr_slots; i++) {
		buf->slots[i].array = calloc(capacity, item_len);
		if (!buf->slots[i].array)
			goto fail;
	}
	return buf;
fail:
	err = errno;
	rseqdev_percpu_memcpy_buffer_destroy(buf);
	errno = err;
	return NULL;
}

int rseqdev_percpu_memcpy_buffer_take(struct rseqdev_percpu_memcpy_buffer *buf,
				   unsigned int index, void *item)
{
	struct rseqdev_percpu_memcpy_buffer_slot *slot = &buf->slots[index];

	if (slot->offset <= 0)
		return 1;
	slot->offset--;
	memcpy(item, slot->array + (size_t)slot->offset * buf->item_len,
	       buf->item_len);
	return 0;
}

/* The slow path's policy and the per-thread counters. */

struct rseqdev_percpu_policy rseqdev_percpu_policy = {
	.slow_path = RSEQDEV_PERCPU_SLOW_AUTO,
	.abort_limit = RSEQDEV_PERCPU_ABORT_LIMIT_DEFAULT,
};

__thread struct rseqdev_percpu_thread rseqdev_percpu_self
	__attribute__((tls_model("initial-exec")));

int rseqdev_percpu_set_slow_path(enum rseqdev_percpu_slow_path slow_path,
			      unsigned int abort_limit)
{
	if ((slow_path != RSEQDEV_PERCPU_SLOW_AUTO &&
	     slow_path != RSEQDEV_PERCPU_SLOW_ALWAYS &&
	     slow_path != RSEQDEV_PERCPU_SLOW_NEVER) || !abort_limit) {
		errno = EINVAL;
		return -1;
	}
	__atomic_store_n(&rseqdev_percpu_policy.abort_limit, abort_limit,
			 __ATOMIC_RELAXED);
	__atomic_store_n(&rseqdev_percpu_policy.slow_path, slow_path,
			 __ATOMIC_RELAXED);
	return 0;
}

static int parse_slow_path(const char *word, enum rseqdev_percpu_slow_path *mode)
{
	static const char *const names[] = {
		[RSEQDEV_PERCPU_SLOW_AUTO] = "auto",
		[RSEQDEV_PERCPU_SLOW_ALWAYS] = "always",
		[RSEQDEV_PERCPU_SLOW_NEVER] = "never",
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(names); i++) {
		if (!strcmp(word, names[i])) {
			*mode = i;
			return 0;
		}
	}
	return -1;
}

static int parse_abort_limit(const char *word, unsigned int *limit)
{
	char *end;
	unsigned long n;

	errno = 0;
	n = strtoul(word, &end, 10);
	if (errno || end == word || *end || !n || n > UINT_MAX ||
	    *word == '-')
		return -1;
	*limit = n;
	return 0;
}

/* A misspelt setting is reported once and ignored, never fatal. */
__attribute__((constructor))
static void rseqdev_percpu_policy_from_env(void)
{
	enum rseqdev_percpu_slow_path mode = RSEQDEV_PERCPU_SLOW_AUTO;
	unsigned int limit = RSEQDEV_PERCPU_ABORT_LIMIT_DEFAULT;
	const char *word = getenv(RSEQDEV_ENV_CPU_OPV);

	if (word && *word && parse_slow_path(word, &mode))
		fprintf(stderr, "librseqdev: ignoring %s=%s (auto, always or never)\n",
			RSEQDEV_ENV_CPU_OPV, word);
	word = getenv(RSEQDEV_ENV_CPU_OPV_AFTER);
	if (word && *word && parse_abort_limit(word, &limit))
		fprintf(stderr, "librseqdev: ignoring %s=%s (a number from 1)\n",
			RSEQDEV_ENV_CPU_OPV_AFTER, word);
	rseqdev_percpu_set_slow_path(mode, limit);
}

int rseqdev_percpu_fall_back(enum rseq_percpu_mode mode, unsigned int aborts)
{
	switch (__atomic_load_n(&rseqdev_percpu_policy.slow_path, __ATOMIC_RELAXED)) {
	case RSEQDEV_PERCPU_SLOW_NEVER:
		return 0;
	case RSEQDEV_PERCPU_SLOW_ALWAYS:
		break;
	case RSEQDEV_PERCPU_SLOW_AUTO:
		/*
		 * A thread a debugger single-steps aborts every sequence
		 * (it stops after each instruction): go slow at once.
		 */
		if (aborts < __atomic_load_n(&rseqdev_percpu_policy.abort_limit,
					     __ATOMIC_RELAXED) &&
		    !rseq_arch_single_stepping())
			return 0;
		break;
	}
	return rseqdev_cpu_opv_usable(mode);
}
