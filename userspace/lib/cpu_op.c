// SPDX-License-Identifier: LGPL-2.1-only OR MIT
/*
 * The cpu_opv slow path: each per-CPU operation of <rseqdev/ops.h> as one
 * vector of cpu_opv operations.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <sys/ioctl.h>

#include <rseqdev/cpu_op.h>
#include <rseqdev/rseqdev.h>

/* The module's features once a query succeeded; 0 until then. */
static unsigned long long module_features;

static unsigned long long cpu_opv_features(void)
{
	unsigned long long features = __atomic_load_n(&module_features,
						      __ATOMIC_RELAXED);
	struct rseqdev_query q;

	if (features)
		return features;
	/* A module loaded later is picked up: failures are not cached. */
	if (rseqdev_query(&q))
		return 0;
	__atomic_store_n(&module_features, q.features, __ATOMIC_RELAXED);
	return q.features;
}

int rseqdev_cpu_opv_usable(enum rseq_percpu_mode percpu_mode)
{
	unsigned long long features = cpu_opv_features();

	switch (percpu_mode) {
	case RSEQ_PERCPU_CPU_ID:
		return !!(features & RSEQDEV_FEATURE_CPU_OPV);
	case RSEQ_PERCPU_MM_CID:
		return (features & RSEQDEV_FEATURE_CPU_OPV_MM_CID) &&
		       rseqdev_get_backend() == RSEQ_BACKEND_MODULE;
	}
	return 0;
}

int rseqdev_cpu_opv(const struct rseqdev_cpu_op *ops, unsigned int nr_ops,
		    int cpu, unsigned int flags)
{
	struct rseqdev_cpu_opv req = {
		.size = sizeof(req),
		.flags = flags,
		.ops = (uintptr_t)ops,
		.nr_ops = nr_ops,
		.cpu = cpu,
	};
	int fd = rseqdev_device_fd();

	if (fd < 0)
		return -1;
	return ioctl(fd, RSEQDEV_IOC_CPU_OPV, &req);
}

static struct rseqdev_cpu_op op_compare_eq(const void *a, const void *b,
					   size_t len)
{
	return (struct rseqdev_cpu_op) {
		.op = RSEQDEV_CPU_OP_COMPARE_EQ,
		.len = len,
		.u.compare = { .a = (uintptr_t)a, .b = (uintptr_t)b },
	};
}

static struct rseqdev_cpu_op op_memcpy(enum rseq_mo rseq_mo, void *dst,
				       const void *src, size_t len)
{
	return (struct rseqdev_cpu_op) {
		.op = rseq_mo == RSEQ_MO_RELEASE ? RSEQDEV_CPU_OP_MEMCPY_RELEASE
						 : RSEQDEV_CPU_OP_MEMCPY,
		.len = len,
		.u.memcpy = { .dst = (uintptr_t)dst, .src = (uintptr_t)src },
	};
}

/* Store one word: the commit of most operations. */
static struct rseqdev_cpu_op op_store(enum rseq_mo rseq_mo, intptr_t *v,
				      const intptr_t *newv)
{
	return op_memcpy(rseq_mo, v, newv, sizeof(*v));
}

static int mo_valid(enum rseq_mo rseq_mo)
{
	return rseq_mo == RSEQ_MO_RELAXED || rseq_mo == RSEQ_MO_RELEASE;
}

/*
 * Run for index @cpu of @percpu_mode, when @args_ok says the twin's own
 * arguments (its memory order, a length) are ones the rseq operation
 * accepts: 0 done, 1 a compare failed, -1 with errno.
 */
static int cpu_op_run(bool args_ok, enum rseq_percpu_mode percpu_mode,
		      const struct rseqdev_cpu_op *ops, unsigned int nr_ops,
		      int cpu)
{
	unsigned int flags;
	int ret;

	if (!args_ok) {
		errno = EINVAL;
		return -1;
	}
	switch (percpu_mode) {
	case RSEQ_PERCPU_CPU_ID:
		flags = 0;
		break;
	case RSEQ_PERCPU_MM_CID:
		flags = RSEQDEV_CPU_OPV_MM_CID;
		break;
	default:
		errno = EINVAL;
		return -1;
	}
	ret = rseqdev_cpu_opv(ops, nr_ops, cpu, flags);
	return ret > 0 ? 1 : ret;
}

int rseqdev_cpu_op_load_cbne_store__ptr(enum rseq_mo rseq_mo,
				enum rseq_percpu_mode percpu_mode,
				intptr_t *v, intptr_t expect, intptr_t newv,
				int cpu)
{
	struct rseqdev_cpu_op ops[] = {
		op_compare_eq(v, &expect, sizeof(*v)),
		op_store(RSEQ_MO_RELAXED, v, &newv),
	};

	return cpu_op_run(rseq_mo == RSEQ_MO_RELAXED, percpu_mode, ops, 2, cpu);
}

int rseqdev_cpu_op_load_cbeq_store_add_load_store__ptr(enum rseq_mo rseq_mo,
					       enum rseq_percpu_mode percpu_mode,
					       intptr_t *v, intptr_t expectnot,
					       long voffp, intptr_t *load,
					       int cpu)
{
	struct rseqdev_cpu_op ops[2];
	intptr_t head;
	int ret;

	if (rseq_mo != RSEQ_MO_RELAXED)
		return cpu_op_run(false, percpu_mode, NULL, 0, cpu);
	do {
		head = __atomic_load_n(v, __ATOMIC_RELAXED);
		if (head == expectnot)
			return 1;
		/*
		 * Unchanged head, then its successor copied in: the node may
		 * be freed and unmapped by now, so a fault on it means
		 * "retry" (EAGAIN), not EFAULT. The successor's address is
		 * summed as an address, wrapping as the fast path's addq
		 * does: a head that is no pointer must not make it signed
		 * overflow, which is undefined.
		 */
		ops[0] = op_compare_eq(v, &head, sizeof(*v));
		ops[1] = op_store(RSEQ_MO_RELAXED, v,
				  (const intptr_t *)((uintptr_t)head + (uintptr_t)voffp));
		ops[1].u.memcpy.expect_fault_src = 1;
		ret = cpu_op_run(true, percpu_mode, ops, 2, cpu);
	} while (ret == 1);
	if (!ret)
		*load = head;
	return ret;
}

int rseqdev_cpu_op_load_add_store__ptr(enum rseq_mo rseq_mo,
			       enum rseq_percpu_mode percpu_mode,
			       intptr_t *v, intptr_t count, int cpu)
{
	struct rseqdev_cpu_op op = {
		.op = RSEQDEV_CPU_OP_ADD,
		.len = sizeof(*v),
		.u.arithmetic = { .p = (uintptr_t)v, .count = count },
	};

	return cpu_op_run(rseq_mo == RSEQ_MO_RELAXED, percpu_mode, &op, 1, cpu);
}

int rseqdev_cpu_op_load_cbne_store_store__ptr(enum rseq_mo rseq_mo,
				      enum rseq_percpu_mode percpu_mode,
				      intptr_t *v, intptr_t expect,
				      intptr_t *v2, intptr_t newv2,
				      intptr_t newv, int cpu)
{
	struct rseqdev_cpu_op ops[] = {
		op_compare_eq(v, &expect, sizeof(*v)),
		op_store(RSEQ_MO_RELAXED, v2, &newv2),
		op_store(rseq_mo, v, &newv),
	};

	return cpu_op_run(mo_valid(rseq_mo), percpu_mode, ops, 3, cpu);
}

int rseqdev_cpu_op_load_cbne_load_cbne_store__ptr(enum rseq_mo rseq_mo,
					  enum rseq_percpu_mode percpu_mode,
					  intptr_t *v, intptr_t expect,
					  intptr_t *v2, intptr_t expect2,
					  intptr_t newv, int cpu)
{
	struct rseqdev_cpu_op ops[] = {
		op_compare_eq(v, &expect, sizeof(*v)),
		op_compare_eq(v2, &expect2, sizeof(*v2)),
		op_store(RSEQ_MO_RELAXED, v, &newv),
	};

	return cpu_op_run(rseq_mo == RSEQ_MO_RELAXED, percpu_mode, ops, 3, cpu);
}

int rseqdev_cpu_op_load_cbne_memcpy_store__ptr(enum rseq_mo rseq_mo,
				       enum rseq_percpu_mode percpu_mode,
				       intptr_t *v, intptr_t expect,
				       void *dst, void *src, size_t len,
				       intptr_t newv, int cpu)
{
	bool args_ok = mo_valid(rseq_mo) && len <= RSEQDEV_CPU_OPV_MAX_OP_LEN;
	struct rseqdev_cpu_op ops[3];
	unsigned int nr = 0;

	ops[nr++] = op_compare_eq(v, &expect, sizeof(*v));
	/* cpu_opv has no empty copy; the rseq operation accepts len 0. */
	if (len)
		ops[nr++] = op_memcpy(RSEQ_MO_RELAXED, dst, src, len);
	ops[nr++] = op_store(rseq_mo, v, &newv);
	return cpu_op_run(args_ok, percpu_mode, ops, nr, cpu);
}
