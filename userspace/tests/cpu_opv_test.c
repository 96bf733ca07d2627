// SPDX-License-Identifier: GPL-2.0-only
/*
 * RSEQDEV_IOC_CPU_OPV: every operation at every length, success and
 * failure, the returned index and partial application, operands across a
 * page boundary, expect_fault, memory that cannot be written, every bad
 * argument with its errno, an offline CPU and CPU hotplug racing the calls,
 * and atomicity against rseq critical sections on the target CPU.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <sys/mman.h>

/* The atomicity check's adders spin between their load and their store. */
static unsigned int section_loops = 200;

#include "section_delay.h"

#include <rseqdev/ops.h>

#include "rseq_test_util.h"

static long page_size;
static int ncpus;

static long opv(struct rseqdev_cpu_op *ops, unsigned int nr, int cpu)
{
	struct rseqdev_cpu_opv req = {
		.size = sizeof(req),
		.ops = (uintptr_t)ops,
		.nr_ops = nr,
		.cpu = cpu,
	};

	return ioctl(rseqdev_device_fd(), RSEQDEV_IOC_CPU_OPV, &req);
}

static struct rseqdev_cpu_op op_cmp(int type, void *a, void *b, uint32_t len)
{
	struct rseqdev_cpu_op op = { .op = type, .len = len };

	op.u.compare.a = (uintptr_t)a;
	op.u.compare.b = (uintptr_t)b;
	return op;
}

static struct rseqdev_cpu_op op_copy(int type, void *dst, void *src, uint32_t len)
{
	return op_cmp(type, dst, src, len);
}

/* Whether a form's value field is a shift's bit count (u32), not 64 bits. */
#define FORM_SHIFT_compare	false
#define FORM_SHIFT_memcpy	false
#define FORM_SHIFT_arithmetic	false
#define FORM_SHIFT_bitwise	false
#define FORM_SHIFT_shift	true
#define FORM_SHIFT_none		false

/* Each operation type's row of RSEQDEV_CPU_OPS, as the tests use it. */
struct row {
	const char *name;
	bool shift;
	unsigned int width;
	unsigned int nr_operands;
	bool writes;
};

#define ROW(name_, form, width_, writes_, release, action)		\
	[RSEQDEV_CPU_OP_##name_] = {					\
		.name = #name_,						\
		.shift = FORM_SHIFT_##form,				\
		.width = RSEQDEV_CPU_OP_WIDTH_##width_,			\
		.nr_operands = RSEQDEV_CPU_OP_OPERANDS_##form,		\
		.writes = writes_,					\
	},

static const struct row rows[RSEQDEV_NR_CPU_OPS] = {
	RSEQDEV_CPU_OPS(ROW)
};

static struct rseqdev_cpu_op op_arith(int type, void *p, uint32_t len, uint64_t arg)
{
	struct rseqdev_cpu_op op = { .op = type, .len = len };

	op.u.arithmetic.p = (uintptr_t)p;
	if (rows[type].shift)
		op.u.shift.bits = (uint32_t)arg;
	else
		op.u.arithmetic.count = (int64_t)arg;	/* mask: same slot */
	return op;
}

/* A page-aligned buffer of two pages followed by a PROT_NONE page. */
static uint8_t *two_pages(void)
{
	uint8_t *p = mmap(NULL, 3 * page_size, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED || mprotect(p + 2 * page_size, page_size, PROT_NONE))
		tap_bail("mmap: %s", strerror(errno));
	memset(p, 0, 2 * page_size);
	return p;
}

static uint64_t load_n(const void *p, uint32_t len)
{
	uint64_t v = 0;

	memcpy(&v, p, len);
	return v;
}

static void check_arithmetic(void)
{
	static const uint32_t lens[] = { 1, 2, 4, 8 };
	uint8_t *buf = two_pages();
	int bad = 0;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(lens); i++) {
		uint32_t len = lens[i];
		uint64_t mask = len == 8 ? ~0ull : (1ull << (8 * len)) - 1;
		uint8_t *p = buf + 64;
		struct {
			int type;
			uint64_t arg, start, want;
		} cases[] = {
			{ RSEQDEV_CPU_OP_ADD, 5, mask, 4 },	/* wraps */
			{ RSEQDEV_CPU_OP_ADD_RELEASE, (uint64_t)-3, 10, 7 },
			{ RSEQDEV_CPU_OP_OR, 0xf0, 0x0f, 0xff },
			{ RSEQDEV_CPU_OP_AND, 0x3c, 0xff, 0x3c },
			{ RSEQDEV_CPU_OP_XOR, 0xff, 0x0f, 0xf0 },
			{ RSEQDEV_CPU_OP_LSHIFT, 3, 1, 8 },
			{ RSEQDEV_CPU_OP_RSHIFT, 8 * len - 1, mask, 1 },
		};
		size_t c;

		for (c = 0; c < ARRAY_SIZE(cases); c++) {
			struct rseqdev_cpu_op op = op_arith(cases[c].type, p, len, cases[c].arg);
			uint64_t start = cases[c].start & mask;

			memcpy(p, &start, len);
			p[len] = 0x5a;	/* the next byte must survive */
			if (opv(&op, 1, 0) != 0 || load_n(p, len) != (cases[c].want & mask) ||
			    p[len] != 0x5a) {
				diag("len %u op %d: got 0x%llx want 0x%llx", len, cases[c].type,
				     (unsigned long long)load_n(p, len),
				     (unsigned long long)(cases[c].want & mask));
				bad++;
			}
		}
	}
	ok(bad == 0, "add, add-release, or, and, xor, lshift, rshift at lengths 1, 2, 4, 8");
	munmap(buf, 3 * page_size);
}

static void check_compare_and_copy(void)
{
	static const uint32_t lens[] = { 1, 2, 3, 4, 8, 13, 64, 4096 };
	uint8_t *buf = two_pages(), *x = buf, *y = buf + page_size;
	int bad = 0;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(lens); i++) {
		uint32_t len = lens[i];
		struct rseqdev_cpu_op eq = op_cmp(RSEQDEV_CPU_OP_COMPARE_EQ, x, y, len);
		struct rseqdev_cpu_op ne = op_cmp(RSEQDEV_CPU_OP_COMPARE_NE, x, y, len);
		struct rseqdev_cpu_op cp = op_copy(RSEQDEV_CPU_OP_MEMCPY, x, y, len);
		struct rseqdev_cpu_op cpr = op_copy(RSEQDEV_CPU_OP_MEMCPY_RELEASE, y, x, len);

		memset(x, 1, len);
		memset(y, 1, len);
		bad += opv(&eq, 1, 0) != 0 || opv(&ne, 1, 0) != 1;
		y[len - 1] = 2;
		bad += opv(&eq, 1, 0) != 1 || opv(&ne, 1, 0) != 0;
		bad += opv(&cp, 1, 0) != 0 || memcmp(x, y, len);
		memset(x, 7, len);
		bad += opv(&cpr, 1, 0) != 0 || memcmp(x, y, len) || y[0] != 7;
		if (bad)
			diag("length %u failed", len);
	}
	ok(bad == 0, "compare-eq, compare-ne, memcpy, memcpy-release at lengths 1 to 4096");
	munmap(buf, 3 * page_size);
}

/* One operation of type @type, its operands (if any) at @p, values zero. */
static struct rseqdev_cpu_op row_op(int type, void *p, uint32_t len)
{
	struct rseqdev_cpu_op op = { .op = type, .len = len };

	/* Every form keeps its addresses where compare keeps a and b. */
	if (rows[type].nr_operands > 0)
		op.u.compare.a = (uintptr_t)p;
	if (rows[type].nr_operands > 1)
		op.u.compare.b = (uintptr_t)p;
	return op;
}

/* The module accepts the operation (whether a compare fails or not). */
static bool runs(int type, void *p, uint32_t len)
{
	struct rseqdev_cpu_op op = row_op(type, p, len);

	return opv(&op, 1, 0) >= 0;
}

static bool refused(int type, void *p, uint32_t len, int err)
{
	struct rseqdev_cpu_op op = row_op(type, p, len);

	return opv(&op, 1, 0) == -1 && errno == err;
}

/* The lengths the row's width rule allows run; the nearest others do not. */
static bool width_rule_holds(int type, uint8_t *p)
{
	switch (rows[type].width) {
	case RSEQDEV_CPU_OP_WIDTH_NONE:
		return runs(type, NULL, 0) && refused(type, NULL, 1, EINVAL);
	case RSEQDEV_CPU_OP_WIDTH_BYTES:
		return runs(type, p, 1) && runs(type, p + 1, 3) &&
		       runs(type, p, RSEQDEV_CPU_OPV_MAX_OP_LEN) &&
		       refused(type, p, 0, EINVAL) &&
		       refused(type, p, RSEQDEV_CPU_OPV_MAX_OP_LEN + 1, EINVAL);
	default:
		return runs(type, p, 1) && runs(type, p, 2) && runs(type, p, 4) &&
		       runs(type, p, 8) && refused(type, p, 0, EINVAL) &&
		       refused(type, p, 3, EINVAL) && refused(type, p, 16, EINVAL) &&
		       refused(type, p + 1, 4, EINVAL);
	}
}

/* In a read-only page: a type that writes faults, any other runs. */
static bool writes_rule_holds(int type, uint8_t *ro)
{
	if (!rows[type].nr_operands)
		return true;
	if (rows[type].writes)
		return refused(type, ro, 8, EFAULT);
	return runs(type, ro, 8);
}

/*
 * Every row of RSEQDEV_CPU_OPS as the module applies it: its width rule,
 * and whether it writes. A new operation is checked here with no change.
 */
static void check_rows(void)
{
	uint8_t *buf = two_pages(), *ro = buf + page_size;
	int type;

	mprotect(ro, page_size, PROT_READ);
	for (type = 0; type < RSEQDEV_NR_CPU_OPS; type++) {
		ok(width_rule_holds(type, buf), "%s: its width rule", rows[type].name);
		ok(writes_rule_holds(type, ro), "%s: %s", rows[type].name,
		   rows[type].writes ? "refuses a read-only operand" :
				       "runs on a read-only operand");
	}
	munmap(buf, 3 * page_size);
}

static void check_vector_semantics(void)
{
	uint8_t *buf = two_pages();
	uint64_t *v = (uint64_t *)buf, *w = v + 1, *expect = v + 2;
	uint8_t *across = buf + page_size - 3;	/* 8 bytes over the boundary */
	struct rseqdev_cpu_op ops[4];

	*v = 10;
	*expect = 10;
	ops[0] = op_arith(RSEQDEV_CPU_OP_ADD, w, 8, 1);
	ops[1] = op_cmp(RSEQDEV_CPU_OP_COMPARE_EQ, v, expect, 8);
	ops[2] = op_arith(RSEQDEV_CPU_OP_ADD, v, 8, 5);
	ok(opv(ops, 3, 0) == 0 && *v == 15 && *w == 1, "a vector that passes runs every operation");
	ok(opv(ops, 3, 0) == 2 && *v == 15 && *w == 2,
	   "a failing compare returns its 1-based index; earlier operations stay applied, later ones do not run");
	ops[0] = op_cmp(RSEQDEV_CPU_OP_COMPARE_NE, v, expect, 8);
	ok(opv(ops, 1, 0) == 0, "compare-ne on different values passes");
	ops[0] = (struct rseqdev_cpu_op) { .op = RSEQDEV_CPU_OP_MB };
	ok(opv(ops, 1, 0) == 0, "a barrier alone");

	memcpy(across, "ABCDEFGH", 8);
	ops[0] = op_copy(RSEQDEV_CPU_OP_MEMCPY, buf + 128, across, 8);
	ops[1] = op_cmp(RSEQDEV_CPU_OP_COMPARE_EQ, across, buf + 128, 8);
	ops[2] = op_copy(RSEQDEV_CPU_OP_MEMCPY, across, "12345678", 8);
	ok(opv(ops, 3, 0) == 0 && !memcmp(buf + 128, "ABCDEFGH", 8) &&
	   !memcmp(across, "12345678", 8), "operands across a page boundary");
	munmap(buf, 3 * page_size);
}

static void check_faults(void)
{
	uint8_t *buf = two_pages(), *none = buf + 2 * page_size;
	uint64_t *v = (uint64_t *)buf;
	struct rseqdev_cpu_op ops[2];
	char path[] = "/tmp/cpu_opv_test.XXXXXX";
	void *ro_file;
	int fd;

	*v = 3;
	ops[0] = op_arith(RSEQDEV_CPU_OP_ADD, v, 8, 1);
	ops[1] = op_arith(RSEQDEV_CPU_OP_ADD, none, 8, 1);
	expect_errno(opv(ops, 2, 0), EFAULT, "an operand in a PROT_NONE page");
	ok(*v == 3, "...and nothing ran");
	ops[1].u.arithmetic.expect_fault_p = 1;
	expect_errno(opv(ops, 2, 0), EAGAIN, "the same with expect_fault set");
	ok(*v == 3, "...and nothing ran");

	ops[1] = op_copy(RSEQDEV_CPU_OP_MEMCPY, v, none, 8);
	ops[1].u.memcpy.expect_fault_src = 1;
	expect_errno(opv(ops + 1, 1, 0), EAGAIN, "memcpy from an unreadable source, expect_fault_src");
	ops[1] = op_arith(RSEQDEV_CPU_OP_LSHIFT, none, 8, 1);
	ops[1].u.shift.expect_fault_p = 1;
	expect_errno(opv(ops + 1, 1, 0), EAGAIN, "a shift in a PROT_NONE page, expect_fault_p");

	mprotect(buf, page_size, PROT_READ);
	ops[0] = op_arith(RSEQDEV_CPU_OP_ADD, v, 8, 1);
	expect_errno(opv(ops, 1, 0), EFAULT, "writing a read-only page");
	ops[0] = op_cmp(RSEQDEV_CPU_OP_COMPARE_EQ, v, v, 8);
	ok(opv(ops, 1, 0) == 0, "comparing in a read-only page is fine");
	ok(*v == 3, "the read-only page is unchanged");

	fd = mkstemp(path);
	if (fd < 0 || write(fd, buf, page_size) != page_size)
		tap_bail("temporary file: %s", strerror(errno));
	close(fd);
	fd = open(path, O_RDONLY);
	ro_file = mmap(NULL, page_size, PROT_READ, MAP_SHARED, fd, 0);
	ops[0] = op_copy(RSEQDEV_CPU_OP_MEMCPY, ro_file, "x", 1);
	expect_errno(opv(ops, 1, 0), EFAULT, "writing a file mapped from a read-only descriptor");
	munmap(ro_file, page_size);
	close(fd);
	unlink(path);

	ops[0] = op_arith(RSEQDEV_CPU_OP_ADD, (void *)0xffffffff81000000ul, 8, 1);
	expect_errno(opv(ops, 1, 0), EFAULT, "a kernel address as operand");
	munmap(buf, 3 * page_size);
}

static void check_bad_arguments(void)
{
	uint64_t word = 0;
	struct rseqdev_cpu_op ops[RSEQDEV_CPU_OPV_MAX_OPS + 1], op;
	struct rseqdev_cpu_opv req = { .size = sizeof(req), .nr_ops = 1 };
	int fd = rseqdev_device_fd(), i;

	for (i = 0; i <= RSEQDEV_CPU_OPV_MAX_OPS; i++)
		ops[i] = (struct rseqdev_cpu_op) { .op = RSEQDEV_CPU_OP_MB };
	expect_errno(opv(NULL, 1, 0), EFAULT, "NULL vector");
	expect_errno(opv((void *)0x1000, 1, 0), EFAULT, "unmapped vector");
	expect_errno(opv(ops, 0, 0), EINVAL, "0 operations");
	ok(opv(ops, RSEQDEV_CPU_OPV_MAX_OPS, 0) == 0, "16 operations");
	expect_errno(opv(ops, RSEQDEV_CPU_OPV_MAX_OPS + 1, 0), EINVAL, "17 operations");
	expect_errno(opv(ops, 1, -1), EINVAL, "CPU -1");
	expect_errno(opv(ops, 1, nr_possible_cpus()), EINVAL, "CPU nr_cpu_ids");
	expect_errno(opv(ops, 1, 1 << 30), EINVAL, "CPU 2^30");

	req.ops = (uintptr_t)ops;
	req.flags = 1;
	expect_errno(ioctl(fd, RSEQDEV_IOC_CPU_OPV, &req), EINVAL, "flags 1");
	req.flags = 0;
	req.size = RSEQDEV_CPU_OPV_SIZE_VER0 - 1;
	expect_errno(ioctl(fd, RSEQDEV_IOC_CPU_OPV, &req), EINVAL, "struct size v0 - 1");

	op = (struct rseqdev_cpu_op) { .op = RSEQDEV_NR_CPU_OPS };
	expect_errno(opv(&op, 1, 0), EINVAL, "unknown operation");
	op.op = -1;
	expect_errno(opv(&op, 1, 0), EINVAL, "operation -1");
	op = (struct rseqdev_cpu_op) { .op = RSEQDEV_CPU_OP_MB, .len = 1 };
	expect_errno(opv(&op, 1, 0), EINVAL, "barrier with a length");
	op = op_arith(RSEQDEV_CPU_OP_ADD, &word, 3, 1);
	expect_errno(opv(&op, 1, 0), EINVAL, "add of length 3");
	op = op_arith(RSEQDEV_CPU_OP_ADD, &word, 16, 1);
	expect_errno(opv(&op, 1, 0), EINVAL, "add of length 16");
	op = op_arith(RSEQDEV_CPU_OP_ADD, (char *)&word + 1, 4, 1);
	expect_errno(opv(&op, 1, 0), EINVAL, "misaligned add");
	op = op_arith(RSEQDEV_CPU_OP_LSHIFT, &word, 4, 32);
	expect_errno(opv(&op, 1, 0), EINVAL, "shift by the operand width");
	op = op_cmp(RSEQDEV_CPU_OP_COMPARE_EQ, &word, &word, 0);
	expect_errno(opv(&op, 1, 0), EINVAL, "compare of length 0");
	op = op_cmp(RSEQDEV_CPU_OP_COMPARE_EQ, &word, &word, RSEQDEV_CPU_OPV_MAX_OP_LEN + 1);
	expect_errno(opv(&op, 1, 0), EINVAL, "compare of 4097 bytes");
	op = op_arith(RSEQDEV_CPU_OP_ADD, &word, 8, 1);
	op.u.arithmetic.expect_fault_p = 2;
	expect_errno(opv(&op, 1, 0), EINVAL, "expect_fault 2");
	op.u.arithmetic.expect_fault_p = 0;
	op.u.reserved[20] = 1;
	expect_errno(opv(&op, 1, 0), EINVAL, "a non-zero unused byte");
	for (i = 0; i < 2; i++)
		ops[i] = op_cmp(RSEQDEV_CPU_OP_COMPARE_EQ, &word, &word, 4096);
	expect_errno(opv(ops, 2, 0), EINVAL, "two 4096-byte compares: over 4216 bytes");
	ok(word == 0, "no rejected vector ran");
}

/* Atomicity against rseq: both kinds of adds on each CPU's slot, exactly. */
#define SLOT(cpu)	(slots[(cpu) * 8])
static intptr_t *slots;
static int stop_adding;

static void *rseq_adder(void *arg)
{
	long *count = arg, n = 0;
	int cpu;

	rseqdev_register_current_thread();
	while (!RSEQ_READ_ONCE(stop_adding)) {
		cpu = rseq_current_cpu_raw();
		if (rseq_load_add_store__ptr(RSEQ_MO_RELAXED, RSEQ_PERCPU_CPU_ID,
					     &SLOT(cpu), 1, cpu) == 0)
			n++;
	}
	*count = n;
	return NULL;
}

/*
 * One increment of @cpu's slot as the library's fallback does it: compare,
 * store. The module runs such a short vector in an interrupt of the CPU,
 * which must abort the section the interrupted thread is in. With @busy, a
 * long copy between the two keeps the vector busy and sends it to the
 * kworker instead, whose preemption must abort it. Either way, an rseq add
 * landing during the vector would be overwritten.
 */
static bool opv_increment(int cpu, char *scratch, bool busy)
{
	intptr_t seen, next;
	struct rseqdev_cpu_op ops[3];
	unsigned int nr;
	long ret;

	do {
		seen = RSEQ_READ_ONCE(SLOT(cpu));
		next = seen + 1;
		nr = 0;
		ops[nr++] = op_cmp(RSEQDEV_CPU_OP_COMPARE_EQ, &SLOT(cpu), &seen, sizeof(seen));
		if (busy)
			ops[nr++] = op_copy(RSEQDEV_CPU_OP_MEMCPY, scratch, scratch + 4096, 4096);
		ops[nr++] = op_copy(RSEQDEV_CPU_OP_MEMCPY, &SLOT(cpu), &next, sizeof(next));
		ret = opv(ops, nr, cpu);
	} while (ret == 1);
	return ret == 0;
}

static void check_atomicity_against_rseq(bool busy, int vectors)
{
	long rseq_counts[8] = { 0 }, opv_count = 0, sum = 0;
	char *scratch = malloc(2 * 4096);
	pthread_t adders[8];
	int i, cpu, nthreads = 2 * ncpus > 8 ? 8 : 2 * ncpus;

	slots = calloc(ncpus * 8, sizeof(*slots));
	RSEQ_WRITE_ONCE(stop_adding, 0);
	for (i = 0; i < nthreads; i++)
		pthread_create(&adders[i], NULL, rseq_adder, &rseq_counts[i]);
	for (i = 0; i < vectors; i++)
		opv_count += opv_increment(i % ncpus, scratch, busy);
	RSEQ_WRITE_ONCE(stop_adding, 1);
	for (i = 0; i < nthreads; i++) {
		pthread_join(adders[i], NULL);
		sum += rseq_counts[i];
	}
	sum += opv_count;
	for (cpu = 0; cpu < ncpus; cpu++)
		sum -= SLOT(cpu);
	ok(opv_count == vectors && sum == 0,
	   "%s rseq adds on every CPU and %d cpu_opv increments of every CPU's slot (%s): none lost (%ld off)",
	   rseqdev_backend_name(rseqdev_get_backend()), vectors,
	   busy ? "compare, 4096-byte copy, store: the kworker" : "compare, store: an interrupt",
	   sum);
	free(slots);
	free(scratch);
}

static void check_atomicity(void)
{
	check_atomicity_against_rseq(true, 1000);
	check_atomicity_against_rseq(false, (int)test_scaled(2000, 200));
}

/* Hotplug rounds of the last CPU, until stop_adding or a failure. */
struct hotplug_loop {
	int rounds;
	int ended;	/* set when hotplug failed */
};

static void *hotplug_loop(void *arg)
{
	struct hotplug_loop *plug = arg;
	int cpu = ncpus - 1;

	while (!RSEQ_READ_ONCE(stop_adding)) {
		if (set_cpu_online(cpu, 0) || set_cpu_online(cpu, 1))
			break;
		RSEQ_WRITE_ONCE(plug->rounds, plug->rounds + 1);
	}
	RSEQ_WRITE_ONCE(plug->ended, 1);
	return NULL;
}

static void check_offline_cpu(void)
{
	struct hotplug_loop plug = { 0 };
	int cpu = ncpus - 1, i, bad = 0;
	uint64_t word = 0;
	struct rseqdev_cpu_op op = op_arith(RSEQDEV_CPU_OP_ADD, &word, 8, 1);
	pthread_t thread;

	if (ncpus < 2 || set_cpu_online(cpu, 0)) {
		ok(1, "# SKIP cannot take a CPU offline here");
		return;
	}
	ok(opv(&op, 1, cpu) == 0 && word == 1, "a vector for an offline CPU runs");
	set_cpu_online(cpu, 1);

	word = 0;
	RSEQ_WRITE_ONCE(stop_adding, 0);
	pthread_create(&thread, NULL, hotplug_loop, &plug);
	/*
	 * Keep going until the CPU has gone down and up a few times, however
	 * long that takes (a 4-CPU guest on a busy host once needed more than
	 * 100000 vectors for 5 rounds), or until hotplug fails.
	 */
	for (i = 0; i < 300 || (RSEQ_READ_ONCE(plug.rounds) < 5 &&
				!RSEQ_READ_ONCE(plug.ended)); i++)
		bad += opv(&op, 1, cpu) != 0;
	if (RSEQ_READ_ONCE(plug.ended))
		diag("hotplug of CPU %d failed after %d rounds", cpu, plug.rounds);
	RSEQ_WRITE_ONCE(stop_adding, 1);
	pthread_join(thread, NULL);
	set_cpu_online(cpu, 1);
	if (bad || word != (uint64_t)i)
		diag("%d vectors failed; the word counts %llu", bad, (unsigned long long)word);
	ok(bad == 0 && word == (uint64_t)i && plug.rounds >= 5,
	   "%d vectors while the CPU goes offline and online %d times: all ran once", i, plug.rounds);
}

/* usage: cpu_opv_test [atomicity]   (the atomicity checks alone) */
int main(int argc, char **argv)
{
	struct rseqdev_query q;

	page_size = sysconf(_SC_PAGESIZE);
	ncpus = nr_possible_cpus();
	if (rseqdev_query(&q) || !(q.features & RSEQDEV_FEATURE_CPU_OPV))
		tap_bail("the module does not provide cpu_opv");
	if (argc == 2 && !strcmp(argv[1], "atomicity")) {
		check_atomicity();
		return tap_done();
	}
	check_rows();
	check_arithmetic();
	check_compare_and_copy();
	check_vector_semantics();
	check_faults();
	check_bad_arguments();
	check_atomicity();
	check_offline_cpu();
	return tap_done();
}
