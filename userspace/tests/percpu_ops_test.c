// SPDX-License-Identifier: GPL-2.0-only
/*
 * The per-CPU operations one at a time, on a thread pinned to one CPU:
 * each operation's commit, compare-failure and abort paths with the exact
 * memory contents afterwards, in both index modes; the descriptors the
 * program carries in __rseq_cs; then the data structures' single-thread
 * semantics (full, empty, order, errors).
 *
 * A pinned thread still gets the odd abort (preemption, a signal), so calls
 * that must commit are retried a bounded number of times.
 */
#include <sched.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

/* Counts every abort of every sequence in this program. */
static unsigned long aborts_seen;
#define RSEQ_INJECT_FAILED	(aborts_seen++)

#include <rseqdev/ops.h>
#include <rseqdev/percpu.h>

#include "rseq_test_util.h"
#include "test_arch.h"

#define MAX_ATTEMPTS	1000
#define GUARD_BYTE	0xa5
#define MAX_COPY	4096

static enum rseq_percpu_mode mode;
static const char *mode_name;

/* The index to use now; pinned, it only changes if mm_cid is reassigned. */
static int idx(void)
{
	return rseqdev_percpu_current_index(mode);
}

/* Evaluates @call until it does not abort, at most MAX_ATTEMPTS times. */
#define UNTIL_NO_ABORT(call)						\
	({								\
		int __ret, __n = 0;					\
									\
		do {							\
			__ret = (call);					\
		} while (__ret < 0 && ++__n < MAX_ATTEMPTS);		\
		__ret;							\
	})

/* A call with a wrong index must abort once and change nothing. */
#define EXPECT_ABORT(call, unchanged, what)				\
	do {								\
		unsigned long __before = aborts_seen;			\
		int __ret = (call);					\
									\
		ok(__ret == -1 && aborts_seen == __before + 1 &&	\
		   (unchanged), "%s: %s, wrong index: aborts, no store",\
		   mode_name, what);					\
	} while (0)

static void pin_to_current_cpu(void)
{
	cpu_set_t set;
	int cpu = sched_getcpu();

	if (cpu < 0)
		tap_bail("sched_getcpu: %s", strerror(errno));
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		tap_bail("sched_setaffinity: %s", strerror(errno));
	diag("pinned to CPU %d", cpu);
}

static void test_current_index(void)
{
	int cpu = sched_getcpu();

	if (mode == RSEQ_PERCPU_CPU_ID)
		ok(idx() == cpu, "%s: index is the CPU (%d, sched_getcpu %d)",
		   mode_name, idx(), cpu);
	else
		ok(idx() >= 0 && (unsigned int)idx() < rseqdev_percpu_nr_slots(),
		   "%s: index %d is below the number of slots %u", mode_name,
		   idx(), rseqdev_percpu_nr_slots());
}

static void test_load_cbne_store(void)
{
	intptr_t v = 5;
	int ret;

	ret = UNTIL_NO_ABORT(rseq_load_cbne_store__ptr(RSEQ_MO_RELAXED, mode,
						       &v, 5, 7, idx()));
	ok(ret == 0 && v == 7, "%s: cbne_store commits (ret %d, v %ld)",
	   mode_name, ret, (long)v);
	ret = UNTIL_NO_ABORT(rseq_load_cbne_store__ptr(RSEQ_MO_RELAXED, mode,
						       &v, 5, 9, idx()));
	ok(ret == 1 && v == 7, "%s: cbne_store compare fails (ret %d, v %ld)",
	   mode_name, ret, (long)v);
	EXPECT_ABORT(rseq_load_cbne_store__ptr(RSEQ_MO_RELAXED, mode, &v, 7, 9,
					       idx() + 1),
		     v == 7, "cbne_store");
	ok(rseq_load_cbne_store__ptr(RSEQ_MO_RELEASE, mode, &v, 7, 9, idx()) == -1 &&
	   v == 7, "%s: cbne_store refuses RELEASE", mode_name);
	ok(rseq_load_cbne_store__ptr(RSEQ_MO_RELAXED, mode, &v, 7, 9, -1) == -1 &&
	   v == 7, "%s: cbne_store refuses a negative index", mode_name);
}

struct node {
	intptr_t value;
	struct node *next;
};

static void test_list_pop(void)
{
	struct node b = { 2, NULL }, a = { 1, &b };
	intptr_t head = (intptr_t)&a, load = 0x1234;
	long voffp = offsetof(struct node, next);
	int ret;

	ret = UNTIL_NO_ABORT(rseq_load_cbeq_store_add_load_store__ptr(RSEQ_MO_RELAXED,
			mode, &head, 0, voffp, &load, idx()));
	ok(ret == 0 && load == (intptr_t)&a && head == (intptr_t)&b,
	   "%s: cbeq_store_add_load_store pops the head", mode_name);
	ret = UNTIL_NO_ABORT(rseq_load_cbeq_store_add_load_store__ptr(RSEQ_MO_RELAXED,
			mode, &head, 0, voffp, &load, idx()));
	ok(ret == 0 && load == (intptr_t)&b && head == 0,
	   "%s: cbeq_store_add_load_store pops the last node", mode_name);
	load = 0x1234;
	ret = UNTIL_NO_ABORT(rseq_load_cbeq_store_add_load_store__ptr(RSEQ_MO_RELAXED,
			mode, &head, 0, voffp, &load, idx()));
	ok(ret == 1 && head == 0 && load == 0x1234,
	   "%s: cbeq_store_add_load_store: empty, nothing written (ret %d)",
	   mode_name, ret);
	/* Another "empty" marker than 0. */
	head = (intptr_t)&b;
	ret = UNTIL_NO_ABORT(rseq_load_cbeq_store_add_load_store__ptr(RSEQ_MO_RELAXED,
			mode, &head, (intptr_t)&b, voffp, &load, idx()));
	ok(ret == 1 && head == (intptr_t)&b && load == 0x1234,
	   "%s: cbeq_store_add_load_store compares with expectnot", mode_name);
	head = (intptr_t)&a;
	EXPECT_ABORT(rseq_load_cbeq_store_add_load_store__ptr(RSEQ_MO_RELAXED,
			mode, &head, 0, voffp, &load, idx() + 1),
		     head == (intptr_t)&a && a.next == &b, "cbeq_store_add_load_store");
}

static void test_load_add_store(void)
{
	intptr_t v = 10;
	int ret;

	ret = UNTIL_NO_ABORT(rseq_load_add_store__ptr(RSEQ_MO_RELAXED, mode,
						      &v, -13, idx()));
	ok(ret == 0 && v == -3, "%s: add_store adds a negative amount (v %ld)",
	   mode_name, (long)v);
	ret = UNTIL_NO_ABORT(rseq_load_add_store__ptr(RSEQ_MO_RELAXED, mode,
						      &v, 0, idx()));
	ok(ret == 0 && v == -3, "%s: add_store adds 0", mode_name);
	v = INTPTR_MAX;
	ret = UNTIL_NO_ABORT(rseq_load_add_store__ptr(RSEQ_MO_RELAXED, mode,
						      &v, 1, idx()));
	ok(ret == 0 && v == INTPTR_MIN, "%s: add_store wraps", mode_name);
	v = 1;
	ret = UNTIL_NO_ABORT(rseq_load_add_store__ptr(RSEQ_MO_RELAXED, mode,
						      &v, (intptr_t)1 << 40, idx()));
	ok(ret == 0 && v == ((intptr_t)1 << 40) + 1,
	   "%s: add_store adds a 64-bit amount", mode_name);
	EXPECT_ABORT(rseq_load_add_store__ptr(RSEQ_MO_RELAXED, mode, &v, 1,
					      idx() + 1),
		     v == ((intptr_t)1 << 40) + 1, "add_store");
	ok(rseq_load_add_store__ptr(RSEQ_MO_RELEASE, mode, &v, 1, idx()) == -1,
	   "%s: add_store refuses RELEASE", mode_name);
}

static void test_store_store(enum rseq_mo mo, const char *mo_name)
{
	intptr_t v = 1, v2 = 0;
	int ret;

	ret = UNTIL_NO_ABORT(rseq_load_cbne_store_store__ptr(mo, mode, &v, 1,
							     &v2, 42, 2, idx()));
	ok(ret == 0 && v == 2 && v2 == 42,
	   "%s: cbne_store_store %s commits both stores", mode_name, mo_name);
	ret = UNTIL_NO_ABORT(rseq_load_cbne_store_store__ptr(mo, mode, &v, 1,
							     &v2, 43, 3, idx()));
	ok(ret == 1 && v == 2 && v2 == 42,
	   "%s: cbne_store_store %s compare fails, no store", mode_name,
	   mo_name);
	EXPECT_ABORT(rseq_load_cbne_store_store__ptr(mo, mode, &v, 2, &v2, 43,
						     3, idx() + 1),
		     v == 2 && v2 == 42, "cbne_store_store");
}

static void test_load_cbne_load_cbne_store(void)
{
	intptr_t v = 1, v2 = 10;
	int ret;

	ret = UNTIL_NO_ABORT(rseq_load_cbne_load_cbne_store__ptr(RSEQ_MO_RELAXED,
			mode, &v, 1, &v2, 10, 2, idx()));
	ok(ret == 0 && v == 2 && v2 == 10,
	   "%s: cbne_load_cbne_store commits", mode_name);
	ret = UNTIL_NO_ABORT(rseq_load_cbne_load_cbne_store__ptr(RSEQ_MO_RELAXED,
			mode, &v, 1, &v2, 10, 3, idx()));
	ok(ret == 1 && v == 2, "%s: cbne_load_cbne_store: first compare fails",
	   mode_name);
	ret = UNTIL_NO_ABORT(rseq_load_cbne_load_cbne_store__ptr(RSEQ_MO_RELAXED,
			mode, &v, 2, &v2, 11, 3, idx()));
	ok(ret == 1 && v == 2, "%s: cbne_load_cbne_store: second compare fails",
	   mode_name);
	EXPECT_ABORT(rseq_load_cbne_load_cbne_store__ptr(RSEQ_MO_RELAXED, mode,
			&v, 2, &v2, 10, 3, idx() + 1),
		     v == 2 && v2 == 10, "cbne_load_cbne_store");
	ok(rseq_load_cbne_load_cbne_store__ptr(RSEQ_MO_RELEASE, mode, &v, 2,
					       &v2, 10, 3, idx()) == -1 && v == 2,
	   "%s: cbne_load_cbne_store refuses RELEASE", mode_name);
}

static unsigned char copy_src[MAX_COPY + 16];
static unsigned char copy_dst[MAX_COPY + 32];

/* dst[8 + dst_off, + len) must equal src[src_off, + len); the rest guard. */
static int copy_is_exact(size_t len, size_t src_off, size_t dst_off)
{
	size_t i, start = 8 + dst_off;

	for (i = 0; i < sizeof(copy_dst); i++) {
		int inside = i >= start && i < start + len;
		unsigned char want = inside ? copy_src[src_off + i - start] :
					      GUARD_BYTE;

		if (copy_dst[i] != want)
			return 0;
	}
	return 1;
}

static void test_memcpy_len(enum rseq_mo mo, const char *mo_name, size_t len,
			    size_t src_off, size_t dst_off)
{
	unsigned char *dst = copy_dst + 8 + dst_off;
	intptr_t v = 100;
	int ret;

	memset(copy_dst, GUARD_BYTE, sizeof(copy_dst));
	ret = UNTIL_NO_ABORT(rseq_load_cbne_memcpy_store__ptr(mo, mode, &v, 99,
			dst, copy_src + src_off, len, 101, idx()));
	ok(ret == 1 && v == 100 && copy_is_exact(0, 0, 0),
	   "%s: cbne_memcpy_store %s len %zu: compare fails, nothing copied",
	   mode_name, mo_name, len);
	ret = UNTIL_NO_ABORT(rseq_load_cbne_memcpy_store__ptr(mo, mode, &v, 100,
			dst, copy_src + src_off, len, 101, idx()));
	ok(ret == 0 && v == 101 && copy_is_exact(len, src_off, dst_off),
	   "%s: cbne_memcpy_store %s len %zu (src +%zu, dst +%zu): exact copy",
	   mode_name, mo_name, len, src_off, dst_off);
}

static void test_memcpy(enum rseq_mo mo, const char *mo_name)
{
	static const size_t lens[] = { 0, 1, 7, 8, 9, 64, 4096 };
	intptr_t v = 5;
	size_t i;

	for (i = 0; i < sizeof(copy_src); i++)
		copy_src[i] = (unsigned char)(i * 7 + 3);
	for (i = 0; i < ARRAY_SIZE(lens); i++)
		test_memcpy_len(mo, mo_name, lens[i], 0, 0);
	/* Unaligned source and destination. */
	test_memcpy_len(mo, mo_name, 7, 1, 3);
	test_memcpy_len(mo, mo_name, 64, 5, 1);
	memset(copy_dst, GUARD_BYTE, sizeof(copy_dst));
	EXPECT_ABORT(rseq_load_cbne_memcpy_store__ptr(mo, mode, &v, 5,
			copy_dst + 8, copy_src, 64, 6, idx() + 1),
		     v == 5 && copy_is_exact(0, 0, 0), "cbne_memcpy_store");
}

static void test_unknown_mode(void)
{
	enum rseq_percpu_mode bad = (enum rseq_percpu_mode)7;
	intptr_t v = 1;

	ok(rseq_load_cbne_store__ptr(RSEQ_MO_RELAXED, bad, &v, 1, 2, 0) == -1 &&
	   rseq_load_add_store__ptr(RSEQ_MO_RELAXED, bad, &v, 1, 0) == -1 &&
	   v == 1 && rseqdev_percpu_current_index(bad) == -1,
	   "an unknown mode is refused");
}

static void test_ops(void)
{
	test_current_index();
	test_load_cbne_store();
	test_list_pop();
	test_load_add_store();
	test_store_store(RSEQ_MO_RELAXED, "RELAXED");
	test_store_store(RSEQ_MO_RELEASE, "RELEASE");
	test_load_cbne_load_cbne_store();
	test_memcpy(RSEQ_MO_RELAXED, "RELAXED");
	test_memcpy(RSEQ_MO_RELEASE, "RELEASE");
}

/* Bounds of the program's descriptors, from the linker. */
static const struct rseqdev_rseq_cs *cs_section(const struct rseqdev_rseq_cs **stop)
{
	const void *start, *end;

	start = test_rseq_cs_section(&end);
	*stop = end;
	return start;
}

static int descriptor_is_valid(const struct rseqdev_rseq_cs *cs)
{
	const unsigned char *abort_ip = (const unsigned char *)(uintptr_t)cs->abort_ip;

	if (cs->version || cs->flags || !cs->start_ip || !cs->post_commit_offset)
		return 0;
	if (cs->abort_ip - cs->start_ip < cs->post_commit_offset)
		return 0;
	return test_abort_signature_ok(abort_ip);
}

static void test_descriptors(void)
{
	const struct rseqdev_rseq_cs *cs, *stop;
	const uint64_t *ptr, *ptr_stop;
	size_t n, bad = 0, ptr_bad = 0;

	cs = cs_section(&stop);
	n = stop - cs;
	ok(n >= 12 && ((uintptr_t)cs & 31) == 0,
	   "__rseq_cs holds %zu 32-byte aligned descriptors", n);
	for (; cs < stop; cs++)
		if (!descriptor_is_valid(cs)) {
			diag("bad descriptor at %p: start %#llx len %llu abort %#llx",
			     (const void *)cs, (unsigned long long)cs->start_ip,
			     (unsigned long long)cs->post_commit_offset,
			     (unsigned long long)cs->abort_ip);
			bad++;
		}
	ok(!bad, "every descriptor: version 0, flags 0, abort_ip outside, ud1 RSEQ_SIG before abort_ip (%zu bad)",
	   bad);

	cs = cs_section(&stop);
	ptr = test_rseq_cs_ptr_array(&ptr_stop);
	for (; ptr < ptr_stop; ptr++)
		if (*ptr < (uintptr_t)cs || *ptr >= (uintptr_t)stop || (*ptr & 31))
			ptr_bad++;
	ok((size_t)(ptr_stop - test_rseq_cs_ptr_array(&ptr_stop)) == n && !ptr_bad,
	   "__rseq_cs_ptr_array points at each descriptor");
}

static void test_counter(void)
{
	struct rseqdev_percpu_counter *counter = rseqdev_percpu_counter_create(mode);

	if (!ok(counter, "%s: counter created", mode_name))
		return;
	ok(rseqdev_percpu_counter_add(counter, 5) == 0 &&
	   rseqdev_percpu_counter_add(counter, -7) == 0 &&
	   rseqdev_percpu_counter_add(counter, 0) == 0 &&
	   rseqdev_percpu_counter_sum(counter) == -2 &&
	   counter->slots[idx()].count == -2,
	   "%s: counter adds signed amounts to the current slot", mode_name);
	rseqdev_percpu_counter_destroy(counter);
}

static void test_spinlock(void)
{
	struct rseqdev_percpu_spinlock *lock = rseqdev_percpu_spinlock_create(mode);
	int index;

	if (!ok(lock, "%s: spinlock created", mode_name))
		return;
	index = rseqdev_percpu_spinlock_lock(lock);
	ok(index == idx() && lock->slots[index].locked == 1,
	   "%s: lock takes the current index (%d)", mode_name, index);
	if (index >= 0)
		rseqdev_percpu_spinlock_unlock(lock, index);
	ok(index >= 0 && lock->slots[index].locked == 0, "%s: unlock frees it",
	   mode_name);
	rseqdev_percpu_spinlock_destroy(lock);
}

struct list_item {
	struct rseqdev_percpu_list_node node;
	int value;
};

static void test_list(void)
{
	struct rseqdev_percpu_list *list = rseqdev_percpu_list_create(mode);
	struct list_item items[3] = { { .value = 1 }, { .value = 2 }, { .value = 3 } };
	struct rseqdev_percpu_list_node *n[4];
	int i, pushed = 0;

	if (!ok(list, "%s: list created", mode_name))
		return;
	for (i = 0; i < 3; i++)
		pushed += rseqdev_percpu_list_push(list, &items[i].node) == 0;
	for (i = 0; i < 4; i++)
		n[i] = rseqdev_percpu_list_pop(list);
	ok(pushed == 3 && n[0] == &items[2].node && n[1] == &items[1].node &&
	   n[2] == &items[0].node && !n[3], "%s: list is LIFO, then empty",
	   mode_name);
	rseqdev_percpu_list_push(list, &items[0].node);
	rseqdev_percpu_list_push(list, &items[1].node);
	n[0] = rseqdev_percpu_list_take_all(list, idx());
	ok(n[0] == &items[1].node && n[0]->next == &items[0].node &&
	   !items[0].node.next && !rseqdev_percpu_list_pop(list),
	   "%s: take_all detaches the whole list", mode_name);
	rseqdev_percpu_list_destroy(list);
}

static void test_buffer(void)
{
	struct rseqdev_percpu_buffer *buf = rseqdev_percpu_buffer_create(mode, 3);
	int a, b, c, d;

	if (!ok(buf, "%s: buffer created", mode_name))
		return;
	ok(rseqdev_percpu_buffer_push(buf, &a, RSEQ_MO_RELAXED) == 0 &&
	   rseqdev_percpu_buffer_push(buf, &b, RSEQ_MO_RELEASE) == 0 &&
	   rseqdev_percpu_buffer_push(buf, &c, RSEQ_MO_RELAXED) == 0 &&
	   rseqdev_percpu_buffer_push(buf, &d, RSEQ_MO_RELAXED) == 1,
	   "%s: buffer push fills it, then says full", mode_name);
	expect_errno(rseqdev_percpu_buffer_push(buf, NULL, RSEQ_MO_RELAXED), EINVAL,
		     "buffer push NULL");
	expect_errno(rseqdev_percpu_buffer_push(buf, &d, (enum rseq_mo)9), EINVAL,
		     "buffer push with a bad memory order");
	ok(rseqdev_percpu_buffer_pop(buf) == &c && rseqdev_percpu_buffer_pop(buf) == &b &&
	   rseqdev_percpu_buffer_pop(buf) == &a && !rseqdev_percpu_buffer_pop(buf),
	   "%s: buffer pops LIFO, then NULL when empty", mode_name);
	rseqdev_percpu_buffer_push(buf, &d, RSEQ_MO_RELAXED);
	ok(rseqdev_percpu_buffer_take(buf, idx()) == &d &&
	   !rseqdev_percpu_buffer_take(buf, idx()),
	   "%s: buffer take empties a slot", mode_name);
	rseqdev_percpu_buffer_destroy(buf);
}

struct item12 {
	char bytes[12];
};

static void test_memcpy_buffer(void)
{
	struct rseqdev_percpu_memcpy_buffer *buf;
	struct item12 x = { "first item" }, y = { "second item" }, out;
	int full, first, second;

	buf = rseqdev_percpu_memcpy_buffer_create(mode, 2, sizeof(x));
	if (!ok(buf, "%s: memcpy buffer created", mode_name))
		return;
	full = rseqdev_percpu_memcpy_buffer_push(buf, &x, RSEQ_MO_RELAXED) == 0 &&
	       rseqdev_percpu_memcpy_buffer_push(buf, &y, RSEQ_MO_RELEASE) == 0 &&
	       rseqdev_percpu_memcpy_buffer_push(buf, &x, RSEQ_MO_RELAXED) == 1;
	ok(full, "%s: memcpy buffer push fills it, then says full", mode_name);
	second = rseqdev_percpu_memcpy_buffer_pop(buf, &out) == 0 &&
		 !memcmp(&out, &y, sizeof(y));
	first = rseqdev_percpu_memcpy_buffer_pop(buf, &out) == 0 &&
		!memcmp(&out, &x, sizeof(x));
	ok(second && first && rseqdev_percpu_memcpy_buffer_pop(buf, &out) == 1,
	   "%s: memcpy buffer pops exact copies LIFO, then says empty",
	   mode_name);
	expect_errno(rseqdev_percpu_memcpy_buffer_push(buf, &x, (enum rseq_mo)9),
		     EINVAL, "memcpy buffer push with a bad memory order");
	rseqdev_percpu_memcpy_buffer_push(buf, &y, RSEQ_MO_RELAXED);
	ok(rseqdev_percpu_memcpy_buffer_take(buf, idx(), &out) == 0 &&
	   !memcmp(&out, &y, sizeof(y)) &&
	   rseqdev_percpu_memcpy_buffer_take(buf, idx(), &out) == 1,
	   "%s: memcpy buffer take empties a slot", mode_name);
	rseqdev_percpu_memcpy_buffer_destroy(buf);
}

static void test_structures(void)
{
	test_counter();
	test_spinlock();
	test_list();
	test_buffer();
	test_memcpy_buffer();
}

static void test_create_errors(void)
{
	enum rseq_percpu_mode bad = (enum rseq_percpu_mode)7;

	errno = 0;
	ok(!rseqdev_percpu_counter_create(bad) && errno == EINVAL,
	   "create with an unknown mode: EINVAL");
	errno = 0;
	ok(!rseqdev_percpu_buffer_create(RSEQ_PERCPU_CPU_ID, 0) && errno == EINVAL,
	   "buffer with capacity 0: EINVAL");
	errno = 0;
	ok(!rseqdev_percpu_memcpy_buffer_create(RSEQ_PERCPU_CPU_ID, 4, 0) &&
	   errno == EINVAL, "memcpy buffer with 0-byte items: EINVAL");
	errno = 0;
	ok(!rseqdev_percpu_memcpy_buffer_create(RSEQ_PERCPU_CPU_ID, 4, 4097) &&
	   errno == EINVAL, "memcpy buffer with 4097-byte items: EINVAL");
	if (!rseq_mm_cid_available()) {
		errno = 0;
		ok(!rseqdev_percpu_list_create(RSEQ_PERCPU_MM_CID) &&
		   errno == EOPNOTSUPP,
		   "mm_cid structure without mm_cid: EOPNOTSUPP");
	}
}

/*
 * Without any backend the thread cannot register: every operation must
 * fail with the registration's own errno.
 */
static void test_unregistrable(void)
{
	struct rseqdev_percpu_counter *counter;
	struct rseqdev_percpu_list *list;
	int ret, reg_errno;

	errno = 0;
	ret = rseq_thread_ready();
	reg_errno = errno;
	ok(ret == -1 && reg_errno, "registration fails: %s",
	   strerror(reg_errno));
	counter = rseqdev_percpu_counter_create(RSEQ_PERCPU_CPU_ID);
	list = rseqdev_percpu_list_create(RSEQ_PERCPU_CPU_ID);
	if (!ok(counter && list, "structures created without a backend"))
		return;
	errno = 0;
	ok(rseqdev_percpu_counter_add(counter, 1) == -1 && errno == reg_errno,
	   "counter add without a backend: -1 with the registration's errno");
	errno = 0;
	ok(!rseqdev_percpu_list_pop(list) && errno == reg_errno,
	   "list pop without a backend: NULL with the registration's errno");
	ok(rseqdev_percpu_current_index(RSEQ_PERCPU_CPU_ID) == -1,
	   "no index without registration");
	rseqdev_percpu_counter_destroy(counter);
	rseqdev_percpu_list_destroy(list);
}

int main(void)
{
	enum rseq_backend backend = rseqdev_init();

	diag("backend %s, rseqdev_rseq_size %u, mm_cid %s", rseqdev_backend_name(backend),
	     rseqdev_rseq_size, rseq_mm_cid_available() ? "available" : "not available");
	test_create_errors();
	if (backend == RSEQ_BACKEND_NONE) {
		test_unregistrable();
		ok(1, "per-CPU operations # SKIP no rseq backend");
		return tap_done();
	}
	if (!ok(rseq_thread_ready() == 0, "thread registered"))
		tap_bail("registration: %s", strerror(errno));
	expect_requested_rules();
	pin_to_current_cpu();

	mode = RSEQ_PERCPU_CPU_ID;
	mode_name = "cpu_id";
	test_ops();
	test_structures();

	mode = RSEQ_PERCPU_MM_CID;
	mode_name = "mm_cid";
	if (rseq_mm_cid_available()) {
		test_ops();
		test_structures();
	} else {
		ok(1, "mm_cid mode # SKIP the area in use has no mm_cid");
	}
	test_unknown_mode();
	test_descriptors();
	return tap_done();
}
