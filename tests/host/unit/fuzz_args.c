// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target: arbitrary bytes as the arguments of the library's and
 * the shim's entry points that check their input before any ioctl
 * (tests/host/fuzz.t). The device is missing or fake_module.c; the shim's
 * system calls reach fake_kernel.c.
 *
 * Besides what AddressSanitizer and UndefinedBehaviorSanitizer find, each
 * call is held to what the library documents, and a departure aborts:
 *  - rseqdev_cpu_op_*(): EINVAL for arguments the rseq operation refuses, without
 *    an ioctl; otherwise exactly the vector cases.c expects;
 *  - rseqdev_*(): the ioctl argument holds the caller's values and zero
 *    elsewhere; the fake module never refuses a byte the library built;
 *  - the shim: rseq(2) to the module with the system call's truncations,
 *    or to the kernel untouched, as the mode says; membarrier(2) never
 *    sends the module a CPU it refuses; getauxval() the module's layout
 *    exactly when registrations go to the module;
 *  - the per-CPU creators and rseqdev_percpu_set_slow_path(): EINVAL exactly
 *    for what they document as invalid.
 *
 * Runs with RSEQDEV_BACKEND=module, RSEQDEV_DEVICE=/dev/null and
 * GLIBC_TUNABLES=glibc.pthread.rseq=0 (fuzz.t sets them).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/membarrier.h>
#include <sys/syscall.h>

#include <rseqdev/percpu.h>
#include <rseqdev/rseqdev.h>

#include "cases.h"
#include "fake_module.h"
#include "fuzz.h"
#include "shim.h"

/* Bigger allocations than this are not tried: they would only fail. */
#define MAX_ALLOC	(1UL << 20)
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* The input, consumed from the front; zeros once it runs out. */
struct input {
	const uint8_t *p;
	size_t left;
};

static uint64_t take(struct input *in, unsigned int bytes)
{
	uint64_t v = 0;

	while (bytes--) {
		v = v << 8 | (in->left ? *in->p : 0);
		if (in->left) {
			in->p++;
			in->left--;
		}
	}
	return v;
}

/* Mostly values near the edges, sometimes anything. */
static int64_t take_int(struct input *in)
{
	static const int64_t edges[] = { 0, 1, 2, -1, 3, 4, 8, 31, 32, 33, 4096, 4097,
					 INT_MAX, INT_MIN, UINT_MAX, INT64_MAX, INT64_MIN };
	uint8_t pick = take(in, 1);

	if (pick < 2 * ARRAY_SIZE(edges))
		return edges[pick % ARRAY_SIZE(edges)];
	return (int64_t)take(in, 8);
}

static void fail(const char *what, const char *why)
{
	fprintf(stderr, "fuzz_args: %s: %s%s\n", what, why, fake_why());
	abort();
}

static void use_device(bool present)
{
	fake_device_forget();
	setenv(RSEQDEV_ENV_DEVICE, present ? FAKE_DEVICE : MISSING_DEVICE, 1);
	cases_no_device = !present;
}

static intptr_t word_v, word_v2;
static char buf_dst[2 * RSEQDEV_CPU_OPV_MAX_OP_LEN];
static char buf_src[2 * RSEQDEV_CPU_OPV_MAX_OP_LEN];

static void fuzz_cpu_op(struct input *in)
{
	struct cpu_op_case c = {
		.fn = take(in, 1) % NR_CASE_FNS,
		.rseq_mo = (int)take_int(in),
		.percpu_mode = (int)take_int(in),
		.cpu = (int)take_int(in),
		.v = &word_v,
		.v2 = &word_v2,
		.expect = (intptr_t)take_int(in),
		.expect2 = (intptr_t)take_int(in),
		.newv = (intptr_t)take_int(in),
		.newv2 = (intptr_t)take_int(in),
		.count = (intptr_t)take_int(in),
		.voffp = (long)take_int(in),
		.dst = buf_dst,
		.src = buf_src,
		.len = take(in, 2) % sizeof(buf_dst),
	};
	unsigned int calls = fake.calls;
	intptr_t load, head;
	const char *why;
	int ret, err;

	word_v = (intptr_t)take_int(in);
	word_v2 = (intptr_t)take_int(in);
	/* An empty list now and then: its head is the value popping stops at. */
	if (c.fn == CASE_LIST_POP && take(in, 1) & 1)
		c.expect = word_v;
	head = word_v;
	use_device(take(in, 1) & 1);
	errno = 0;
	ret = case_call(&c, &load);
	err = errno;
	why = case_verify(&c, ret, err, calls, head);
	if (why)
		fail(case_names[c.fn], why);
}

/* The last ioctl was @cmd with @want, byte for byte. */
static void expect_arg(const char *what, unsigned long cmd, const void *want, size_t len)
{
	if (fake.last.cmd != cmd || fake.last.len != len || memcmp(fake.last.arg, want, len))
		fail(what, "the ioctl argument is not the caller's values and zeros");
}

static void fuzz_device_calls(struct input *in)
{
	static struct rseqdev_rseq area __attribute__((aligned(32)));
	struct rseqdev_thread_info info[8];
	struct rseqdev_cpu_op ops[RSEQDEV_CPU_OPV_MAX_OPS];
	unsigned int flags = (unsigned int)take_int(in);
	int cpu = (int)take_int(in);
	unsigned int len = (unsigned int)take_int(in);
	unsigned int sig = (unsigned int)take_int(in);
	unsigned int nr = take(in, 1);
	char *where = (char *)&area + (take(in, 1) & 1 ? 0 : 4);

	use_device(true);
	switch (take(in, 1) % 5) {
	case 0:
		rseqdev_rseq(where, len, (int)flags, sig);
		expect_arg("rseqdev_rseq", RSEQDEV_IOC_REGISTER,
			   &(struct rseqdev_register) { .size = sizeof(struct rseqdev_register),
				.flags = flags, .rseq = (uintptr_t)where, .rseq_len = len,
				.sig = sig }, sizeof(struct rseqdev_register));
		break;
	case 1:
		rseqdev_fence(flags, cpu);
		expect_arg("rseqdev_fence", RSEQDEV_IOC_FENCE,
			   &(struct rseqdev_fence) { .size = sizeof(struct rseqdev_fence),
				.flags = flags, .cpu = flags & RSEQDEV_FENCE_CPU ? cpu : 0 },
			   sizeof(struct rseqdev_fence));
		break;
	case 2:
		rseqdev_stats(&(struct rseqdev_stats) { 0 }, flags);
		expect_arg("rseqdev_stats", RSEQDEV_IOC_STATS,
			   &(struct rseqdev_stats) { .size = sizeof(struct rseqdev_stats),
				.flags = flags }, sizeof(struct rseqdev_stats));
		break;
	case 3:
		fake.nr_threads = nr;
		nr %= ARRAY_SIZE(info) + 1;
		if (rseqdev_threads(cpu, info, nr) != (int)fake.nr_threads)
			fail("rseqdev_threads", "not the module's count");
		expect_arg("rseqdev_threads", RSEQDEV_IOC_THREADS,
			   &(struct rseqdev_threads) { .size = sizeof(struct rseqdev_threads),
				.pid = cpu, .nr = nr, .threads = (uintptr_t)info,
				.info_size = sizeof(info[0]) }, sizeof(struct rseqdev_threads));
		break;
	default:
		/* A vector of anything: the module judges it, not the library. */
		memset(ops, 0, sizeof(ops));
		memcpy(ops, in->p, in->left < sizeof(ops) ? in->left : sizeof(ops));
		fake.foreign_vectors = true;
		rseqdev_cpu_opv(ops, nr, cpu, flags);
		expect_arg("rseqdev_cpu_opv", RSEQDEV_IOC_CPU_OPV,
			   &(struct rseqdev_cpu_opv) { .size = sizeof(struct rseqdev_cpu_opv),
				.flags = flags, .ops = (uintptr_t)ops, .nr_ops = nr, .cpu = cpu },
			   sizeof(struct rseqdev_cpu_opv));
		/* The caller's vector is the caller's fault. */
		fake.refused = 0;
		fake.why = NULL;
		break;
	}
}

static const char *const shim_modes[] = { NULL, "module", "auto", "exclusive", "bogus" };

/* The shim's rseq(2): to the module, truncated as the system call's, or to the kernel. */
static void fuzz_shim_rseq(struct input *in, bool to_module, bool present)
{
	static struct rseqdev_rseq area __attribute__((aligned(32)));
	static const long areas[] = { (long)&area, (long)&area + 4, 0 };
	long where = areas[take(in, 1) % ARRAY_SIZE(areas)];
	long len = (long)take_int(in), flags = (long)take_int(in), sig = (long)take_int(in);
	struct rseqdev_register reg = {
		.size = sizeof(reg), .flags = (uint32_t)flags, .rseq = (uint64_t)where,
		.rseq_len = (uint32_t)len, .sig = (uint32_t)sig,
	};
	long ret = shim_syscall(__NR_rseq, where, len, flags, sig);

	/* rseq(NULL, 0, 0, 0) is the shim's probe: the fake kernel keeps no record. */
	if (!where && !len && !flags && !sig)
		return;
	if (!to_module) {
		if (kernel.last[0] != __NR_rseq || kernel.last[1] != where ||
		    kernel.last[2] != len || kernel.last[3] != flags || kernel.last[4] != sig)
			fail("shim rseq", "not passed to the kernel untouched");
	} else if (!present) {
		if (ret != -1 || errno != ENOSYS)
			fail("shim rseq", "no device: not ENOSYS");
	} else {
		expect_arg("shim rseq", RSEQDEV_IOC_REGISTER, &reg, sizeof(reg));
	}
}

/* membarrier(2): a fence the shim asks the module for is one it accepts. */
static void fuzz_shim_membarrier(struct input *in, bool to_module, bool present)
{
	static const long cmds[] = {
		MEMBARRIER_CMD_QUERY, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_RSEQ,
		MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ, MEMBARRIER_CMD_GLOBAL,
	};
	uint8_t pick = take(in, 1);
	long cmd = pick < 4 * ARRAY_SIZE(cmds) ? cmds[pick % ARRAY_SIZE(cmds)] : (long)take_int(in);
	long flags = (long)take_int(in), cpu = (long)take_int(in);
	bool fence = cmd == MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ && to_module && present;
	long ret;

	if (take(in, 1) & 1)
		shim_syscall(__NR_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_RSEQ, 0, 0);
	errno = 0;
	fake.last.cmd = 0;
	ret = shim_syscall(__NR_membarrier, cmd, flags, cpu);
	if (!fence)
		return;
	if ((unsigned int)flags & ~MEMBARRIER_CMD_FLAG_CPU) {
		if (ret != -1 || errno != EINVAL || fake.last.cmd == RSEQDEV_IOC_FENCE)
			fail("shim membarrier", "bad flags: not EINVAL before the module");
	} else if (ret) {
		fail("shim membarrier", "a fence the module refused");
	}
}

static void fuzz_shim_getauxval(struct input *in, bool to_module, bool present)
{
	uint8_t pick = take(in, 1);
	unsigned long type = pick < 0x80 ? AT_RSEQ_FEATURE_SIZE :
			     pick < 0xf0 ? AT_RSEQ_ALIGN : (unsigned long)take_int(in);
	bool rseq_type = type == AT_RSEQ_FEATURE_SIZE || type == AT_RSEQ_ALIGN;
	unsigned long want = KERNEL_AUXV(type);

	if (to_module && present && rseq_type)
		want = type == AT_RSEQ_FEATURE_SIZE ? RSEQDEV_GEN_CLASSIC_FEATURE_SIZE
						     : RSEQDEV_GEN_CLASSIC_ALIGN;
	if (shim_getauxval(type) != want)
		fail("shim getauxval", "not the layout of whoever serves rseq(2)");
}

static void fuzz_shim(struct input *in)
{
	unsigned int mode = take(in, 1) % ARRAY_SIZE(shim_modes);
	bool present = take(in, 1) & 1;
	bool kernel_rseq = take(in, 1) & 1;
	/* glibc registered nothing (fuzz.t's tunable): exclusive is module. */
	bool to_module = !(mode == 2 && kernel_rseq);

	use_device(present);
	if (shim_modes[mode])
		setenv("RSEQDEV_PRELOAD_RSEQ", shim_modes[mode], 1);
	else
		unsetenv("RSEQDEV_PRELOAD_RSEQ");
	fake_module_reset();
	shim_reset(false);
	kernel.has_rseq = kernel_rseq;
	kernel.has_membarrier = take(in, 1) & 1;
	switch (take(in, 1) % 3) {
	case 0:
		fuzz_shim_rseq(in, to_module, present);
		break;
	case 1:
		fuzz_shim_membarrier(in, to_module, present);
		break;
	default:
		fuzz_shim_getauxval(in, to_module, present);
		break;
	}
	unsetenv("RSEQDEV_PRELOAD_RSEQ");
}

/* Whether @n items of @len bytes in every slot stay under MAX_ALLOC. */
static bool small_enough(size_t n, size_t len)
{
	return n <= MAX_ALLOC / len / rseqdev_percpu_nr_slots();
}

static void fuzz_percpu(struct input *in)
{
	int mode = (int)take_int(in);
	size_t capacity = (size_t)take_int(in);
	size_t item_len = (size_t)take_int(in);
	bool mode_ok = mode == RSEQ_PERCPU_CPU_ID || mode == RSEQ_PERCPU_MM_CID;
	bool valid;
	void *made;

	switch (take(in, 1) % 3) {
	case 0:
		valid = mode >= 0 && mode <= RSEQDEV_PERCPU_SLOW_NEVER && (unsigned int)capacity;
		made = rseqdev_percpu_set_slow_path(mode, (unsigned int)capacity) ? NULL : &made;
		rseqdev_percpu_set_slow_path(RSEQDEV_PERCPU_SLOW_AUTO, RSEQDEV_PERCPU_ABORT_LIMIT_DEFAULT);
		break;
	case 1:
		valid = mode_ok && capacity && capacity <= (size_t)INTPTR_MAX / sizeof(void *);
		if (valid && !small_enough(capacity, sizeof(void *)))
			return;
		made = rseqdev_percpu_buffer_create(mode, capacity);
		rseqdev_percpu_buffer_destroy(made);
		break;
	default:
		valid = mode_ok && item_len && item_len <= RSEQDEV_CPU_OPV_MAX_OP_LEN &&
			capacity && capacity <= (size_t)INTPTR_MAX / item_len;
		if (valid && !small_enough(capacity, item_len))
			return;
		made = rseqdev_percpu_memcpy_buffer_create(mode, capacity, item_len);
		rseqdev_percpu_memcpy_buffer_destroy(made);
		break;
	}
	if (valid != !!made || (!made && errno != EINVAL))
		fail("per-CPU creator or policy", valid ? "valid arguments refused" :
		     "invalid arguments: not EINVAL");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = { .p = data, .left = size };

	switch (take(&in, 1) % 4) {
	case 0:
		fuzz_cpu_op(&in);
		break;
	case 1:
		fuzz_device_calls(&in);
		break;
	case 2:
		fuzz_shim(&in);
		break;
	default:
		fuzz_percpu(&in);
		break;
	}
	if (fake.refused)
		fail("the library", "built bytes the module refuses");
	fake_module_reset();
	return 0;
}
