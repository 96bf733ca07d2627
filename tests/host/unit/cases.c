// SPDX-License-Identifier: GPL-2.0-only
/*
 * What each rseqdev_cpu_op_*() must hand to the module, byte for byte: every
 * field of every operation as <rseqdev/cpu_op.h> documents it, and zero
 * in every pad. The words the library copies onto its stack (the expected
 * and new values) are checked by value: their addresses are the library's.
 */
#include <errno.h>
#include <string.h>

#include "cases.h"
#include "fake_module.h"

const char *const case_names[NR_CASE_FNS] = {
	[CASE_CBNE_STORE] = "rseqdev_cpu_op_load_cbne_store__ptr",
	[CASE_LIST_POP] = "rseqdev_cpu_op_load_cbeq_store_add_load_store__ptr",
	[CASE_ADD] = "rseqdev_cpu_op_load_add_store__ptr",
	[CASE_CBNE_STORE_STORE] = "rseqdev_cpu_op_load_cbne_store_store__ptr",
	[CASE_CBNE_CBNE_STORE] = "rseqdev_cpu_op_load_cbne_load_cbne_store__ptr",
	[CASE_CBNE_MEMCPY_STORE] = "rseqdev_cpu_op_load_cbne_memcpy_store__ptr",
};

bool cases_no_device;

/* One expected operation; @local: b (or src) is the library's copy of @value. */
struct expect_op {
	struct rseqdev_cpu_op op;
	bool local;
	intptr_t value;
};

bool case_args_valid(const struct cpu_op_case *c)
{
	bool relaxed = c->rseq_mo == RSEQ_MO_RELAXED;
	bool mo_ok = relaxed || c->rseq_mo == RSEQ_MO_RELEASE;

	if (c->percpu_mode != RSEQ_PERCPU_CPU_ID &&
	    c->percpu_mode != RSEQ_PERCPU_MM_CID)
		return false;
	switch (c->fn) {
	case CASE_CBNE_STORE_STORE:
		return mo_ok;
	case CASE_CBNE_MEMCPY_STORE:
		return mo_ok && c->len <= RSEQDEV_CPU_OPV_MAX_OP_LEN;
	default:
		return relaxed;
	}
}

int case_call(const struct cpu_op_case *c, intptr_t *load)
{
	enum rseq_mo mo = (enum rseq_mo)c->rseq_mo;
	enum rseq_percpu_mode mode = (enum rseq_percpu_mode)c->percpu_mode;

	switch (c->fn) {
	case CASE_CBNE_STORE:
		return rseqdev_cpu_op_load_cbne_store__ptr(mo, mode, c->v, c->expect,
						   c->newv, c->cpu);
	case CASE_LIST_POP:
		return rseqdev_cpu_op_load_cbeq_store_add_load_store__ptr(mo, mode, c->v,
								  c->expect, c->voffp,
								  load, c->cpu);
	case CASE_ADD:
		return rseqdev_cpu_op_load_add_store__ptr(mo, mode, c->v, c->count, c->cpu);
	case CASE_CBNE_STORE_STORE:
		return rseqdev_cpu_op_load_cbne_store_store__ptr(mo, mode, c->v, c->expect,
							 c->v2, c->newv2, c->newv,
							 c->cpu);
	case CASE_CBNE_CBNE_STORE:
		return rseqdev_cpu_op_load_cbne_load_cbne_store__ptr(mo, mode, c->v, c->expect,
							     c->v2, c->expect2,
							     c->newv, c->cpu);
	case CASE_CBNE_MEMCPY_STORE:
		return rseqdev_cpu_op_load_cbne_memcpy_store__ptr(mo, mode, c->v, c->expect,
							  c->dst, c->src, c->len,
							  c->newv, c->cpu);
	default:
		errno = EINVAL;
		return -1;
	}
}

static struct expect_op compare(const intptr_t *a, intptr_t value)
{
	struct expect_op e;

	memset(&e, 0, sizeof(e));
	e.op.op = RSEQDEV_CPU_OP_COMPARE_EQ;
	e.op.len = sizeof(intptr_t);
	e.op.u.compare.a = (uintptr_t)a;
	e.local = true;
	e.value = value;
	return e;
}

static struct expect_op copy(bool release, void *dst, const void *src, size_t len)
{
	struct expect_op e;

	memset(&e, 0, sizeof(e));
	e.op.op = release ? RSEQDEV_CPU_OP_MEMCPY_RELEASE : RSEQDEV_CPU_OP_MEMCPY;
	e.op.len = (uint32_t)len;
	e.op.u.memcpy.dst = (uintptr_t)dst;
	e.op.u.memcpy.src = (uintptr_t)src;
	return e;
}

/* A word store of the library's copy of @value. */
static struct expect_op store(bool release, intptr_t *v, intptr_t value)
{
	struct expect_op e = copy(release, v, NULL, sizeof(*v));

	e.local = true;
	e.value = value;
	return e;
}

/* The vector for @c into @e; its length. @head: *v before the call. */
static unsigned int expected_ops(const struct cpu_op_case *c, intptr_t head,
				 struct expect_op *e)
{
	bool release = c->rseq_mo == RSEQ_MO_RELEASE;
	unsigned int n = 0;

	switch (c->fn) {
	case CASE_CBNE_STORE:
		e[n++] = compare(c->v, c->expect);
		e[n++] = store(false, c->v, c->newv);
		break;
	case CASE_LIST_POP:
		e[n++] = compare(c->v, head);
		/* Unsigned: the sum is an address, and must not overflow. */
		e[n] = copy(false, c->v, (void *)((uintptr_t)head + (uintptr_t)c->voffp),
			    sizeof(intptr_t));
		e[n++].op.u.memcpy.expect_fault_src = 1;
		break;
	case CASE_ADD:
		memset(&e[n], 0, sizeof(e[n]));
		e[n].op.op = RSEQDEV_CPU_OP_ADD;
		e[n].op.len = sizeof(intptr_t);
		e[n].op.u.arithmetic.p = (uintptr_t)c->v;
		e[n++].op.u.arithmetic.count = c->count;
		break;
	case CASE_CBNE_STORE_STORE:
		e[n++] = compare(c->v, c->expect);
		e[n++] = store(false, c->v2, c->newv2);
		e[n++] = store(release, c->v, c->newv);
		break;
	case CASE_CBNE_CBNE_STORE:
		e[n++] = compare(c->v, c->expect);
		e[n++] = compare(c->v2, c->expect2);
		e[n++] = store(false, c->v, c->newv);
		break;
	case CASE_CBNE_MEMCPY_STORE:
		e[n++] = compare(c->v, c->expect);
		if (c->len)
			e[n++] = copy(false, c->dst, c->src, c->len);
		e[n++] = store(release, c->v, c->newv);
		break;
	default:
		break;
	}
	return n;
}

static const char *verify_request(const struct cpu_op_case *c, unsigned int nr)
{
	struct rseqdev_cpu_opv want, got;

	memcpy(&got, fake.last.arg, sizeof(got));
	memset(&want, 0, sizeof(want));
	want.size = sizeof(want);
	want.flags = c->percpu_mode == RSEQ_PERCPU_MM_CID ? RSEQDEV_CPU_OPV_MM_CID : 0;
	want.ops = got.ops;
	want.nr_ops = nr;
	want.cpu = c->cpu;
	if (fake.last.cmd != RSEQDEV_IOC_CPU_OPV || fake.last.len != sizeof(got))
		return "not one RSEQDEV_IOC_CPU_OPV";
	if (!got.ops)
		return "request: NULL vector";
	return memcmp(&want, &got, sizeof(want)) ? "request: a byte differs" : NULL;
}

static const char *verify_ops(const struct expect_op *e, unsigned int nr)
{
	unsigned int i;

	if (fake.last.nr_ops != nr)
		return "vector: wrong length";
	for (i = 0; i < nr; i++) {
		struct rseqdev_cpu_op got = fake.last.ops[i];

		if (e[i].local) {
			/* b and src share one offset: the library's copy. */
			if (!got.u.compare.b)
				return "vector: NULL operand";
			if (fake.last.operand[i] != (uint64_t)e[i].value)
				return "vector: an operand holds the wrong value";
			got.u.compare.b = 0;
		}
		if (memcmp(&got, &e[i].op, sizeof(got)))
			return "vector: a byte differs (field or pad)";
	}
	return NULL;
}

/* The result the fake module's answer makes: 0, 1, or -1 with its errno. */
static const char *verify_result(const struct cpu_op_case *c, int ret, int err)
{
	if (c->cpu < 0 || c->cpu >= FAKE_NR_CPUS)
		return ret == -1 && err == EINVAL ? NULL : "bad CPU: not EINVAL";
	return ret == 0 ? NULL : "the fake module's 0 not passed on";
}

const char *case_verify(const struct cpu_op_case *c, int ret, int err,
			unsigned int calls_before, intptr_t head_before)
{
	struct expect_op e[RSEQDEV_CPU_OPV_MAX_OPS];
	unsigned int calls = fake.calls - calls_before;
	unsigned int nr;

	if (!case_args_valid(c) && !(c->fn == CASE_LIST_POP &&
				     c->rseq_mo == RSEQ_MO_RELAXED &&
				     head_before == c->expect)) {
		if (calls)
			return "bad arguments reached the module";
		return ret == -1 && err == EINVAL ? NULL : "bad arguments: not EINVAL";
	}
	/* An empty list: found before any vector, whatever the mode. */
	if (c->fn == CASE_LIST_POP && head_before == c->expect) {
		if (calls)
			return "empty list: a vector was run";
		return ret == 1 ? NULL : "empty list: not 1";
	}
	if (cases_no_device) {
		if (!calls && ret == -1 && err == ENOENT)
			return NULL;
		return "no device: not ENOENT";
	}
	if (calls != 1)
		return "not exactly one ioctl";
	nr = expected_ops(c, head_before, e);
	return verify_request(c, nr) ?: verify_ops(e, nr) ?: verify_result(c, ret, err);
}
