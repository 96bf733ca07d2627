// SPDX-License-Identifier: GPL-2.0-only
/*
 * ioctl_fuzz: random and structure-aware calls at every ioctl of /dev/rseq.
 *
 *   ioctl_fuzz [-s seed] [-n calls] [-p processes] [-t threads] [-u] [-S]
 *
 * Several processes, each with several threads, throw calls at the device:
 * random command numbers; every known command with random sizes, flags,
 * tails and pointers (NULL, unmapped, read-only, kernel, misaligned, page
 * straddling); registrations and unregistrations of random areas; cpu_opv
 * vectors of random operations, lengths, operands, CPUs and flags; the
 * counters with random flags. Between calls, threads exit and are replaced,
 * processes fork children that call too, exec themselves, and signal each
 * other.
 *
 * Every call must succeed or fail with an errno the ABI documents; any
 * other answer is counted and fails the run. At the end, with every
 * worker gone, the module must hold no thread state and no id table: the
 * counters come back to zero. The harness then unloads the module and
 * reads dmesg. Each worker's calls follow from the printed seed, so a run
 * replays with -s (scheduling aside).
 *
 * With -u, the parent also tries to unload the module every 200 ms while
 * the workers run; it holds the device open, so every attempt must be
 * refused with EWOULDBLOCK. With -S (shared), other programs use the
 * module at the same time, so the counters need not come back to zero:
 * the caller checks them once everything has ended.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/rseqdev_layout.h>
#include <rseqdev/rseq.h>
#include <rseqdev/rseqdev.h>

#include "tap.h"

#define KERNEL_ADDR	0xffffffff81000000ULL
#define EXEC_ARG	"--exec-child"

static struct {
	uint64_t seed;
	long calls;		/* per thread */
	int processes;
	int threads;		/* per process */
	bool unload;		/* try rmmod meanwhile */
	bool shared;		/* others use the module: no zero-count check */
} opt = {
	.calls = 25000,
	.processes = 4,
	.threads = 4,
};

static long page_size;
static int ncpus;
static char self_exe[64];

/*
 * Memory the calls may point at. "scratch" takes cpu_opv writes; "areas"
 * holds registrable struct rseq slots, never a cpu_opv target, so that a
 * registered area keeps a valid rseq_cs. Both are per process.
 */
static unsigned char *scratch;	/* 2 pages rw, then 1 read-only, 1 none */
static unsigned char *areas;	/* 1 page of 32-byte-aligned areas */

/* Per worker: the generator, and what went wrong. */
enum {
	SUCCESS_QUERY,
	SUCCESS_REGISTER,
	SUCCESS_CPU_OPV,
	SUCCESS_STATS,
	SUCCESS_FENCE,
	SUCCESS_THREADS,
	NR_SUCCESS_KINDS,
};

struct worker {
	uint64_t state;
	long calls;
	long successes[NR_SUCCESS_KINDS];
	long bad;
	char first_bad[160];
};

static uint64_t next(struct worker *w)
{
	/* xorshift64* */
	w->state ^= w->state >> 12;
	w->state ^= w->state << 25;
	w->state ^= w->state >> 27;
	return w->state * 0x2545f4914f6cdd1dULL;
}

static uint64_t below(struct worker *w, uint64_t n)
{
	return n ? next(w) % n : 0;
}

static bool chance(struct worker *w, unsigned int percent)
{
	return below(w, 100) < percent;
}

/* A user pointer of a random kind; @len bytes from it are used. */
static uint64_t any_pointer(struct worker *w, size_t len)
{
	size_t pages = 2 * (size_t)page_size;
	size_t room = pages > len ? pages - len : 0;

	switch (below(w, 10)) {
	case 0:
		return 0;
	case 1:
		return (uint64_t)(uintptr_t)scratch + 3 * page_size;	/* PROT_NONE */
	case 2:
		return (uint64_t)(uintptr_t)scratch + 2 * page_size;	/* read-only */
	case 3:
		return KERNEL_ADDR + below(w, 4096);
	case 4:
		return next(w);
	case 5:	/* straddles into the read-only page */
		return (uint64_t)(uintptr_t)scratch + 2 * page_size - 1 - below(w, 8);
	default:	/* inside the writable pages, often misaligned */
		return (uint64_t)(uintptr_t)scratch + below(w, room + 1);
	}
}

/*
 * A registration address that must fail (EINVAL or EFAULT): any pointer
 * but into scratch memory, which the kernel could write, or read-only
 * scratch, which makes a registered thread's return to user space fail.
 */
static uint64_t unusable_area(struct worker *w)
{
	uint64_t start = (uint64_t)(uintptr_t)scratch, p;

	do
		p = any_pointer(w, 32);
	while (p >= start && p < start + 3 * page_size);
	return p;
}

static uint32_t any_size(struct worker *w, uint32_t known)
{
	switch (below(w, 6)) {
	case 0:
		return (uint32_t)next(w);
	case 1:
		return below(w, known + 1);
	case 2:
		return known + below(w, 64);
	case 3:
		return 4096 + below(w, 3);
	default:
		return known;
	}
}

static uint32_t any_flags(struct worker *w)
{
	switch (below(w, 4)) {
	case 0:
		return (uint32_t)next(w);
	case 1:
		return 1U << below(w, 32);
	default:
		return 0;
	}
}

static void record_bad(struct worker *w, const char *what, long ret, int err)
{
	if (!w->bad++)
		snprintf(w->first_bad, sizeof(w->first_bad),
			 "%s returned %ld, errno %d (%s)", what, ret, err,
			 strerror(err));
}

/* The errnos the ABI documents for each command; ENOTTY for the rest. */
static bool errno_allowed(unsigned int cmd, int err)
{
	switch (cmd) {
	case RSEQDEV_IOC_QUERY:
		return err == EINVAL || err == EFAULT || err == E2BIG;
	case RSEQDEV_IOC_STATS:	/* EPERM: RESET_MAX without CAP_SYS_ADMIN */
		return err == EINVAL || err == EFAULT || err == E2BIG ||
		       (err == EPERM && geteuid());
	case RSEQDEV_IOC_REGISTER:
		return err == EINVAL || err == EFAULT || err == E2BIG ||
		       err == EPERM || err == EBUSY || err == ENOMEM;
	case RSEQDEV_IOC_CPU_OPV:
		return err == EINVAL || err == EFAULT || err == E2BIG ||
		       err == EAGAIN || err == ENOMEM;
	case RSEQDEV_IOC_FENCE:
		return err == EINVAL || err == EFAULT || err == E2BIG ||
		       err == EPERM || err == ENOMEM;
	case RSEQDEV_IOC_THREADS:
		return err == EINVAL || err == EFAULT || err == E2BIG ||
		       err == ESRCH || err == EPERM || err == ENOMEM;
	case RSEQDEV_IOC_SLICE_PRCTL:	/* 524: the kernel's ENOTSUPP */
		return err == EINVAL || err == EFAULT || err == E2BIG ||
		       err == ENXIO || err == 524 || err == ENOMEM;
	default:
		return err == ENOTTY;
	}
}

/* Successes tell how deep the calls got: counted per known command. */
static int success_kind(unsigned int cmd)
{
	switch (cmd) {
	case RSEQDEV_IOC_REGISTER:
		return SUCCESS_REGISTER;
	case RSEQDEV_IOC_CPU_OPV:
		return SUCCESS_CPU_OPV;
	case RSEQDEV_IOC_STATS:
		return SUCCESS_STATS;
	case RSEQDEV_IOC_FENCE:
		return SUCCESS_FENCE;
	case RSEQDEV_IOC_THREADS:
		return SUCCESS_THREADS;
	default:
		return SUCCESS_QUERY;
	}
}

static void check(struct worker *w, const char *what, unsigned int cmd,
		  long ret, long max_ok)
{
	int err = errno;

	w->calls++;
	if (ret == -1 ? !errno_allowed(cmd, err) : ret < 0 || ret > max_ok)
		record_bad(w, what, ret, err);
	else if (ret >= 0)
		w->successes[success_kind(cmd)]++;
}

/* A struct at a random place: usually a buffer we fill, else any pointer. */
static void *arg_buffer(struct worker *w, unsigned char *buf, size_t len)
{
	if (chance(w, 85))
		return buf;
	return (void *)(uintptr_t)any_pointer(w, len);
}

static void fuzz_random_cmd(struct worker *w, int fd)
{
	unsigned char buf[256];
	unsigned int cmd;
	size_t i;

	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (unsigned char)next(w);
	if (chance(w, 50)) {
		cmd = (uint32_t)next(w);
		/* Types the VFS answers itself (FIOCLEX, FIFREEZE, FICLONE...). */
		if (strchr("Tf\x94X", (int)_IOC_TYPE(cmd)))
			cmd ^= _IOC(0, 0x80, 0, 0);
	} else	/* our magic, any number, direction and size */
		cmd = _IOC(below(w, 4), RSEQDEV_IOC_MAGIC, below(w, 8),
			   below(w, 64));
	/* A known command would write into buf: give it a real size field. */
	if (cmd == RSEQDEV_IOC_QUERY || cmd == RSEQDEV_IOC_STATS)
		memset(buf, 0, 8);
	/* Those read pointers from buf: they have their own fuzzers. */
	if (cmd == RSEQDEV_IOC_REGISTER || cmd == RSEQDEV_IOC_CPU_OPV ||
	    cmd == RSEQDEV_IOC_THREADS || cmd == RSEQDEV_IOC_SLICE_PRCTL)
		cmd = _IO(RSEQDEV_IOC_MAGIC, 0x7f);
	check(w, "random command", cmd,
	      ioctl(fd, cmd, chance(w, 70) ? (void *)buf :
		    (void *)(uintptr_t)any_pointer(w, sizeof(buf))), 0);
}

static void fuzz_query_or_stats(struct worker *w, int fd, bool stats)
{
	unsigned char buf[160] = { 0 };
	uint32_t size = any_size(w, stats ? sizeof(struct rseqdev_stats) :
					    sizeof(struct rseqdev_query));
	uint32_t flags = any_flags(w);

	if (stats && flags == RSEQDEV_STATS_RESET_MAX && chance(w, 90))
		flags = 0;	/* resets are rare: keep some maxima */
	memcpy(buf, &size, 4);
	memcpy(buf + 4, &flags, 4);
	if (chance(w, 10))
		buf[8 + below(w, sizeof(buf) - 8)] = 1;	/* a tail, maybe */
	/* Only the first 160 bytes are ours: never let it write further. */
	if (size > sizeof(buf) && size <= 4096)
		memcpy(buf, &(uint32_t){ sizeof(buf) }, 4);
	check(w, stats ? "stats" : "query",
	      stats ? RSEQDEV_IOC_STATS : RSEQDEV_IOC_QUERY,
	      ioctl(fd, stats ? RSEQDEV_IOC_STATS : RSEQDEV_IOC_QUERY,
		    arg_buffer(w, buf, sizeof(buf))), 0);
}

/*
 * A 7.1 optimized registration (longer than 32 bytes) treats its ID
 * fields as read-only: another thread registering the same shared slot
 * would rightly get it killed. Such registrations get an area of their
 * thread's own.
 */
static __thread unsigned char own_area[128] __attribute__((aligned(64)));

static void fuzz_register(struct worker *w, int fd)
{
	struct rseqdev_register reg = {
		.size = any_size(w, sizeof(reg)),
		.flags = chance(w, 70) ? (uint32_t)below(w, 2) : any_flags(w),
		.rseq_len = chance(w, 70) ? 32 : (uint32_t)below(w, 80),
		.sig = chance(w, 80) ? RSEQ_SIG : (uint32_t)next(w),
		.generation = chance(w, 85) ? (uint32_t)below(w, RSEQDEV_NR_GENS)
					    : (uint32_t)next(w),
		.reserved = chance(w, 95) ? 0 : (uint32_t)next(w),
	};

	/*
	 * One of the area slots, aligned or not, or memory the kernel cannot
	 * write. Never scratch memory: an area there would get its rseq_cs
	 * scribbled on by cpu_opv, and the thread would rightly get SIGSEGV.
	 */
	if (chance(w, 75))
		reg.rseq = (uint64_t)(uintptr_t)areas +
			   32 * below(w, page_size / 32 - 2) +
			   (chance(w, 85) ? 0 : below(w, 32));
	else
		reg.rseq = unusable_area(w);
	if (reg.rseq_len > 32 && reg.rseq >= (uint64_t)(uintptr_t)areas &&
	    reg.rseq < (uint64_t)(uintptr_t)areas + page_size)
		reg.rseq = (uint64_t)(uintptr_t)own_area + (reg.rseq & 63);
	if (reg.size > sizeof(reg) && reg.size <= 4096)
		reg.size = sizeof(reg);	/* the tail would be our stack */
	if (chance(w, 50)) {
		/* Well formed: register or unregister an aligned slot. */
		reg.size = sizeof(reg);
		reg.flags = below(w, 2);
		reg.rseq_len = 32;
		reg.sig = RSEQ_SIG;
		reg.rseq = (uint64_t)(uintptr_t)areas + 32 * below(w, 4);
		reg.generation = (uint32_t)below(w, RSEQDEV_NR_GENS);
		reg.reserved = 0;
	}
	check(w, "register", RSEQDEV_IOC_REGISTER,
	      ioctl(fd, RSEQDEV_IOC_REGISTER, arg_buffer(w, (void *)&reg,
							  sizeof(reg))), 0);
}

/*
 * The fields of each form but the operands' addresses: @valid asks for
 * values the module accepts, else any (shift counts past the width too).
 */
static void fill_compare(struct worker *w, struct rseqdev_cpu_op *op, bool valid)
{
	(void)w, (void)op, (void)valid;	/* addresses only */
}

static void fill_memcpy(struct worker *w, struct rseqdev_cpu_op *op, bool valid)
{
	(void)w, (void)op, (void)valid;	/* addresses only */
}

static void fill_arithmetic(struct worker *w, struct rseqdev_cpu_op *op, bool valid)
{
	(void)valid;
	op->u.arithmetic.count = (int64_t)next(w);
}

static void fill_bitwise(struct worker *w, struct rseqdev_cpu_op *op, bool valid)
{
	(void)valid;
	op->u.bitwise.mask = next(w);
}

static void fill_shift(struct worker *w, struct rseqdev_cpu_op *op, bool valid)
{
	op->u.shift.bits = below(w, valid ? 8 * op->len : 70);
}

static void fill_none(struct worker *w, struct rseqdev_cpu_op *op, bool valid)
{
	(void)w, (void)op, (void)valid;	/* no field at all */
}

/* An operation type as the fuzzer builds it: its row of RSEQDEV_CPU_OPS. */
struct fuzz_op {
	unsigned int width;
	unsigned int nr_operands;
	void (*fill)(struct worker *w, struct rseqdev_cpu_op *op, bool valid);
};

#define FUZZ_OP(name, form, width_, writes, release, action)		\
	[RSEQDEV_CPU_OP_##name] = {					\
		.width = RSEQDEV_CPU_OP_WIDTH_##width_,			\
		.nr_operands = RSEQDEV_CPU_OP_OPERANDS_##form,		\
		.fill = fill_##form,					\
	},

static const struct fuzz_op fuzz_ops[RSEQDEV_NR_CPU_OPS] = {
	RSEQDEV_CPU_OPS(FUZZ_OP)
};

/*
 * Every form keeps its operands' addresses where compare keeps a and b
 * (offsets <linux/rseqdev_layout.h> fixes).
 */

/*
 * How many operation types the module runs, from its query; a module
 * older than the query's field runs those of the first ABI, up to MB.
 * Well-formed vectors use the ones this program has a row for, random
 * vectors any of them and the first unknown one.
 */
static int32_t module_op_types = RSEQDEV_CPU_OP_MB + 1;

static void learn_op_types(void)
{
	struct rseqdev_query q;

	if (!rseqdev_query(&q) && q.cpu_opv_nr_op_types)
		module_op_types = (int32_t)q.cpu_opv_nr_op_types;
}

static int32_t known_op_types(void)
{
	return module_op_types < RSEQDEV_NR_CPU_OPS ? module_op_types : RSEQDEV_NR_CPU_OPS;
}

static void random_op(struct worker *w, struct rseqdev_cpu_op *op)
{
	static const uint32_t lens[] = { 0, 1, 2, 3, 4, 8, 16, 64, 4096, 4097 };
	size_t i;

	op->op = chance(w, 90) ? (int32_t)below(w, module_op_types + 1) :
				 (int32_t)next(w);
	op->len = chance(w, 90) ? lens[below(w, ARRAY_SIZE(lens))] :
				  (uint32_t)next(w);
	op->u.compare.a = any_pointer(w, op->len < 4096 ? op->len : 4096);
	op->u.compare.b = any_pointer(w, op->len < 4096 ? op->len : 4096);
	if (op->op >= 0 && op->op < RSEQDEV_NR_CPU_OPS)
		fuzz_ops[op->op].fill(w, op, false);
	op->u.compare.expect_fault_a = chance(w, 80) ? 0 : below(w, 3);
	op->u.compare.expect_fault_b = chance(w, 80) ? 0 : below(w, 3);
	if (chance(w, 5))
		for (i = 0; i < sizeof(op->u.compare.pad); i++)
			op->u.compare.pad[i] = (uint8_t)next(w);
}

/* An operand of @len bytes inside scratch, aligned to @len for words. */
static uint64_t valid_operand(struct worker *w, unsigned int width, uint32_t len)
{
	uint64_t base = (uint64_t)(uintptr_t)scratch;

	if (width == RSEQDEV_CPU_OP_WIDTH_WORD)
		return base + len * below(w, 2 * page_size / len);
	return base + below(w, 2 * page_size - len + 1);
}

/* An operation the module accepts: operands aligned inside scratch. */
static void valid_op(struct worker *w, struct rseqdev_cpu_op *op)
{
	static const uint32_t word_lens[] = { 1, 2, 4, 8 };
	const struct fuzz_op *f;

	memset(op, 0, sizeof(*op));
	op->op = (int32_t)below(w, known_op_types());
	f = &fuzz_ops[op->op];
	if (f->width == RSEQDEV_CPU_OP_WIDTH_WORD)
		op->len = word_lens[below(w, ARRAY_SIZE(word_lens))];
	else if (f->width == RSEQDEV_CPU_OP_WIDTH_BYTES)
		/* Short mostly, a whole page now and then. */
		op->len = chance(w, 95) ? 1 + below(w, 64) : 4096;
	if (f->nr_operands > 0)
		op->u.compare.a = valid_operand(w, f->width, op->len);
	if (f->nr_operands > 1)
		op->u.compare.b = valid_operand(w, f->width, op->len);
	f->fill(w, op, true);
}

static void fuzz_cpu_opv(struct worker *w, int fd)
{
	struct rseqdev_cpu_op ops[RSEQDEV_CPU_OPV_MAX_OPS + 4];	/* nr_ops < 20 */
	struct rseqdev_cpu_opv req = {
		.size = any_size(w, sizeof(req)),
		.flags = chance(w, 60) ? 0 : chance(w, 70) ? RSEQDEV_CPU_OPV_MM_CID :
						  any_flags(w),
		.nr_ops = chance(w, 90) ? 1 + below(w, 4) : below(w, 20),
		.cpu = chance(w, 85) ? (int32_t)below(w, ncpus) :
		       chance(w, 50) ? ncpus + (int32_t)below(w, 3) - 1 :
				       (int32_t)next(w),
	};
	uint32_t i;

	memset(ops, 0, sizeof(ops));
	if (chance(w, 50)) {
		/* Well formed, with at most one field gone wrong. */
		req.size = sizeof(req);
		req.flags = 0;
		req.cpu = (int32_t)below(w, ncpus);
		for (i = 0; i < ARRAY_SIZE(ops); i++)
			valid_op(w, &ops[i]);
		/* nr_ops may exceed the array (a bad count): mutate inside it. */
		if (chance(w, 30))
			random_op(w, &ops[below(w, ARRAY_SIZE(ops))]);
	} else {
		for (i = 0; i < ARRAY_SIZE(ops); i++)
			random_op(w, &ops[i]);
	}
	req.ops = chance(w, 90) ? (uint64_t)(uintptr_t)ops : any_pointer(w, 64);
	if (req.size > sizeof(req) && req.size <= 4096)
		req.size = sizeof(req);
	check(w, "cpu_opv", RSEQDEV_IOC_CPU_OPV,
	      ioctl(fd, RSEQDEV_IOC_CPU_OPV, arg_buffer(w, (void *)&req,
							 sizeof(req))),
	      req.nr_ops);
}

static pthread_mutex_t report_lock = PTHREAD_MUTEX_INITIALIZER;
static long process_calls, process_bad, process_successes[NR_SUCCESS_KINDS];
static char process_first_bad[160];

static void worker_report(struct worker *w)
{
	pthread_mutex_lock(&report_lock);
	process_calls += w->calls;
	for (int i = 0; i < NR_SUCCESS_KINDS; i++)
		process_successes[i] += w->successes[i];
	if (w->bad && !process_bad)
		memcpy(process_first_bad, w->first_bad, sizeof(process_first_bad));
	process_bad += w->bad;
	pthread_mutex_unlock(&report_lock);
}

static void on_signal(int sig)
{
	(void)sig;
}

static void fuzz_fence(struct worker *w, int fd)
{
	static const uint32_t usual_flags[] = {
		0, RSEQDEV_FENCE_REGISTER, RSEQDEV_FENCE_CPU, RSEQDEV_FENCE_CPU,
	};
	unsigned char buf[64] = { 0 };
	struct rseqdev_fence fence = {
		.size = any_size(w, sizeof(fence)),
		.flags = chance(w, 80) ? usual_flags[below(w, 4)] : any_flags(w),
		.cpu = chance(w, 80) ? (int32_t)below(w, 8) - 2 :
				       (int32_t)next(w),
		.reserved = chance(w, 95) ? 0 : (uint32_t)next(w),
	};

	if (fence.flags != RSEQDEV_FENCE_CPU && chance(w, 80))
		fence.cpu = 0;
	memcpy(buf, &fence, sizeof(fence));
	if (chance(w, 10))
		buf[sizeof(fence) + below(w, sizeof(buf) - sizeof(fence))] = 1;
	if (fence.size > sizeof(buf) && fence.size <= 4096)
		memcpy(buf, &(uint32_t){ sizeof(buf) }, 4);
	check(w, "fence", RSEQDEV_IOC_FENCE,
	      ioctl(fd, RSEQDEV_IOC_FENCE, arg_buffer(w, buf, sizeof(buf))), 0);
}

/* Other processes' thread lists: our parent, init, ourselves, or nobody. */
static int32_t any_pid(struct worker *w)
{
	switch (below(w, 6)) {
	case 0:
		return 0;
	case 1:
		return getpid();
	case 2:
		return getppid();
	case 3:
		return 1;
	case 4:
		return (int32_t)syscall(SYS_gettid);
	default:
		return (int32_t)next(w);
	}
}

static void fuzz_threads(struct worker *w, int fd)
{
	struct rseqdev_thread_info info[8];
	struct rseqdev_threads req = {
		.size = any_size(w, sizeof(req)),
		.flags = chance(w, 90) ? 0 : any_flags(w),
		.pid = any_pid(w),
		.nr = chance(w, 90) ? (uint32_t)below(w, 9) : (uint32_t)next(w),
		.info_size = chance(w, 80) ? sizeof(info[0]) :
					     (uint32_t)below(w, 200),
		.reserved = chance(w, 95) ? 0 : (uint32_t)next(w),
	};
	unsigned char buf[64] = { 0 };

	/* Our array only when it holds what the module may write. */
	if (req.nr <= 8 && req.info_size <= sizeof(info[0]) && chance(w, 80))
		req.threads = (uintptr_t)info;
	else
		req.threads = unusable_area(w);
	memcpy(buf, &req, sizeof(req));
	if (req.size > sizeof(buf) && req.size <= 4096)
		memcpy(buf, &(uint32_t){ sizeof(buf) }, 4);
	check(w, "threads", RSEQDEV_IOC_THREADS,
	      ioctl(fd, RSEQDEV_IOC_THREADS, arg_buffer(w, buf, sizeof(buf))),
	      0);
}

/*
 * The time-slice extension's prctl: GET answers 0 or 1, the rest an errno
 * of its table. SET never finds rseq::flags broken: nothing here writes
 * them. The yield answers 0 or 1 whatever happened before.
 */
static void fuzz_slice(struct worker *w, int fd)
{
	unsigned char buf[64] = { 0 };
	struct rseqdev_slice_prctl req = {
		.size = any_size(w, sizeof(req)),
		.flags = chance(w, 90) ? 0 : any_flags(w),
		.op = chance(w, 80) ? below(w, 4) : next(w),
		.arg3 = chance(w, 80) ? below(w, 3) : next(w),
		.arg4 = chance(w, 90) ? 0 : next(w),
		.arg5 = chance(w, 90) ? 0 : next(w),
		.generation = chance(w, 90) ? below(w, RSEQDEV_NR_GENS) : (uint32_t)next(w),
		.reserved = chance(w, 95) ? 0 : (uint32_t)next(w),
	};

	memcpy(buf, &req, sizeof(req));
	if (req.size > sizeof(buf) && req.size <= 4096)
		memcpy(buf, &(uint32_t){ sizeof(buf) }, 4);
	check(w, "slice prctl", RSEQDEV_IOC_SLICE_PRCTL,
	      ioctl(fd, RSEQDEV_IOC_SLICE_PRCTL, arg_buffer(w, buf, sizeof(buf))), 1);
	check(w, "slice yield", RSEQDEV_IOC_SLICE_YIELD,
	      ioctl(fd, RSEQDEV_IOC_SLICE_YIELD), 1);
}

static void fuzz_calls(struct worker *w, long calls)
{
	int fd = rseqdev_device_fd();
	long i;

	for (i = 0; i < calls; i++) {
		switch (below(w, 13)) {
		case 0:
			fuzz_random_cmd(w, fd);
			break;
		case 12:
			fuzz_slice(w, fd);
			break;
		case 10:
			fuzz_fence(w, fd);
			break;
		case 11:
			fuzz_threads(w, fd);
			break;
		case 1:
			fuzz_query_or_stats(w, fd, false);
			break;
		case 2:
			fuzz_query_or_stats(w, fd, true);
			break;
		case 3: case 4:
			fuzz_register(w, fd);
			break;
		default:
			fuzz_cpu_opv(w, fd);
			break;
		}
	}
}

/*
 * A child process makes a few calls (it may inherit a registration), then
 * exits, or execs this program, which makes a few more: what fork handed
 * down must end with the child, and a registration must end at exec.
 */
static void child_process(struct worker *w, bool exec)
{
	unsigned long long state = w->state ^ 0x5bd1e995;
	pid_t pid = fork();
	char what[96];
	int status;

	if (pid == 0) {
		struct worker child = { .state = state };
		char seed[32];

		fuzz_calls(&child, 50);
		if (!exec || child.bad)
			_exit(child.bad ? 1 : 0);
		snprintf(seed, sizeof(seed), "%llu", (unsigned long long)next(w));
		execl(self_exe, self_exe, EXEC_ARG, seed, (char *)NULL);
		_exit(1);
	}
	if (pid < 0)
		return;
	waitpid(pid, &status, 0);
	w->calls += exec ? 100 : 50;
	if (WIFEXITED(status) && !WEXITSTATUS(status))
		return;
	/* Enough to tell where it died: the state its first 50 calls ran from. */
	snprintf(what, sizeof(what), "%s child of state %llu %s %d",
		 exec ? "exec'd" : "forked", state,
		 WIFSIGNALED(status) ? "killed by signal" : "exited with",
		 WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
	record_bad(w, what, status, 0);
}

struct thread_slot {
	pthread_t thread;
	struct worker w;
	long left;
	pthread_mutex_t lock;	/* running and thread, for signallers */
	bool running;		/* thread may be signalled: not joined yet */
};

static struct thread_slot *slots;

/* A thread that exited but was not joined yet may still be signalled. */
static void signal_slot(struct thread_slot *t)
{
	pthread_mutex_lock(&t->lock);
	if (t->running)
		pthread_kill(t->thread, SIGUSR1);
	pthread_mutex_unlock(&t->lock);
}

static void set_running(struct thread_slot *t, bool running)
{
	pthread_mutex_lock(&t->lock);
	t->running = running;
	pthread_mutex_unlock(&t->lock);
}

/* A thread: a random share of the calls, with events in between. */
static void *thread_main(void *arg)
{
	struct thread_slot *s = arg;
	long share = 1 + below(&s->w, s->left);
	long done;

	for (done = 0; done < share; done += 100) {
		fuzz_calls(&s->w, 100);
		switch (below(&s->w, 200)) {
		case 0:
		case 1:
			child_process(&s->w, below(&s->w, 2));
			break;
		case 2: case 3: case 4:
			signal_slot(&slots[below(&s->w, opt.threads)]);
			break;
		}
	}
	s->left = s->left > done ? s->left - done : 0;
	return NULL;	/* exits registered, unregistered, or half-way */
}

/* One fuzzing process: threads replaced as they exit, until the calls are done. */
/*
 * The memory calls point at (see "scratch" and "areas"), in the workers
 * and in the programs they exec alike: a writable page where the fuzzer
 * means an unwritable one would let a registration land where the module
 * writes other calls' answers.
 */
static int map_call_memory(void)
{
	scratch = mmap(NULL, 4 * page_size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	areas = mmap(NULL, page_size, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (scratch == MAP_FAILED || areas == MAP_FAILED ||
	    mprotect(scratch + 2 * page_size, page_size, PROT_READ) ||
	    mprotect(scratch + 3 * page_size, page_size, PROT_NONE))
		return -1;
	return 0;
}

static int process_main(uint64_t seed)
{
	struct sigaction sa = { .sa_handler = on_signal, .sa_flags = SA_RESTART };
	bool busy = true;
	int i;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
	slots = calloc(opt.threads, sizeof(*slots));
	if (!slots || map_call_memory())
		return 2;
	for (i = 0; i < opt.threads; i++) {
		slots[i].w.state = seed * (i + 1) | 1;
		slots[i].left = opt.calls;
		pthread_mutex_init(&slots[i].lock, NULL);
	}
	while (busy) {
		busy = false;
		for (i = 0; i < opt.threads; i++) {
			struct thread_slot *s = &slots[i];

			if (s->running) {
				set_running(s, false);
				pthread_join(s->thread, NULL);
			}
			if (!s->left)
				continue;
			busy = true;
			pthread_mutex_lock(&s->lock);
			if (pthread_create(&s->thread, NULL, thread_main, s)) {
				pthread_mutex_unlock(&s->lock);
				return 2;
			}
			s->running = true;
			pthread_mutex_unlock(&s->lock);
		}
	}
	for (i = 0; i < opt.threads; i++)
		worker_report(&slots[i].w);
	printf("%ld %ld %ld %ld %ld %ld %ld %ld %s\n", process_calls,
	       process_successes[SUCCESS_QUERY], process_successes[SUCCESS_REGISTER],
	       process_successes[SUCCESS_CPU_OPV], process_successes[SUCCESS_STATS],
	       process_successes[SUCCESS_FENCE], process_successes[SUCCESS_THREADS],
	       process_bad, process_first_bad);
	fflush(stdout);	/* the caller leaves with _exit() */
	return 0;
}

static int exec_child_main(const char *seed)
{
	struct worker w = { .state = strtoull(seed, NULL, 10) | 1 };

	if (map_call_memory())
		return 2;
	learn_op_types();
	fuzz_calls(&w, 50);
	return w.bad ? 1 : 0;
}

static bool fuzzing_done;
static long unload_tries, unload_refused;

/* -u: rmmod attempts while the workers run, all refused. */
static void *unload_loop(void *unused)
{
	(void)unused;
	while (!__atomic_load_n(&fuzzing_done, __ATOMIC_ACQUIRE)) {
		unload_tries++;
		if (syscall(SYS_delete_module, "rseqdev", O_NONBLOCK) == -1 &&
		    errno == EWOULDBLOCK)
			unload_refused++;
		usleep(200000);
	}
	return NULL;
}

static bool objects_gone(struct rseqdev_stats *st)
{
	int i;

	for (i = 0; i < 2000; i++) {
		if (rseqdev_stats(st, 0))
			return false;
		if (!st->threads && !st->processes)
			return true;
		usleep(1000);
	}
	return false;
}

int main(int argc, char **argv)
{
	struct rseqdev_stats st;
	long calls = 0, bad = 0;
	int c, i, crashed = 0;
	pthread_t unloader;
	FILE *out[64];
	pid_t pids[64];

	page_size = sysconf(_SC_PAGESIZE);
	ncpus = (int)sysconf(_SC_NPROCESSORS_CONF);
	snprintf(self_exe, sizeof(self_exe), "/proc/%d/exe", getpid());
	if (argc == 3 && !strcmp(argv[1], EXEC_ARG))
		return exec_child_main(argv[2]);
	opt.seed = (uint64_t)time(NULL) * 2654435761u ^ getpid();
	while ((c = getopt(argc, argv, "s:n:p:t:uS")) != -1) {
		switch (c) {
		case 's':
			opt.seed = strtoull(optarg, NULL, 0);
			break;
		case 'n':
			opt.calls = atol(optarg);
			break;
		case 'p':
			opt.processes = atoi(optarg);
			break;
		case 't':
			opt.threads = atoi(optarg);
			break;
		case 'u':
			opt.unload = true;
			break;
		case 'S':
			opt.shared = true;
			break;
		default:
			fprintf(stderr, "usage: %s [-s seed] [-n calls per thread] [-p processes] [-t threads] [-u] [-S]\n",
				argv[0]);
			return 2;
		}
	}
	if (opt.processes < 1 || opt.processes > 64 || opt.threads < 1 ||
	    opt.calls < 1)
		return 2;
	/* Held open for the whole run: the module cannot go away meanwhile. */
	if (rseqdev_device_fd() < 0)
		tap_bail("cannot open %s: %s", rseqdev_device_path(), strerror(errno));
	learn_op_types();
	/* This line also tells a watching script that the device is held. */
	diag("seed %llu: %d processes x %d threads x %ld calls (replay: %s -s %llu -n %ld -p %d -t %d)",
	     (unsigned long long)opt.seed, opt.processes, opt.threads,
	     opt.calls, argv[0], (unsigned long long)opt.seed, opt.calls,
	     opt.processes, opt.threads);
	for (i = 0; i < opt.processes; i++) {
		int fds[2];

		if (pipe(fds))
			tap_bail("pipe: %s", strerror(errno));
		pids[i] = fork();
		if (pids[i] == 0) {
			dup2(fds[1], STDOUT_FILENO);
			close(fds[0]);
			_exit(process_main(opt.seed + 0x9e3779b97f4a7c15ULL * (i + 1)));
		}
		close(fds[1]);
		out[i] = fdopen(fds[0], "r");
	}
	if (opt.unload && pthread_create(&unloader, NULL, unload_loop, NULL))
		tap_bail("pthread_create: unload loop");
	for (i = 0; i < opt.processes; i++) {
		long pc = 0, pb = 0, q = 0, r = 0, v = 0, s = 0, f = 0, t = 0;
		char first[200] = "";
		int status;

		if (fscanf(out[i], "%ld %ld %ld %ld %ld %ld %ld %ld %199[^\n]",
			   &pc, &q, &r, &v, &s, &f, &t, &pb, first) < 8)
			pc = pb = 0;
		fclose(out[i]);
		waitpid(pids[i], &status, 0);
		if (!WIFEXITED(status) || WEXITSTATUS(status)) {
			diag("process %d: wait status 0x%x", i, status);
			crashed++;
		}
		diag("process %d: %ld calls; successes: %ld query, %ld register, %ld cpu_opv, %ld stats, %ld fence, %ld threads; %ld bad answers%s%s",
		     i, pc, q, r, v, s, f, t, pb, pb ? "; first: " : "",
		     pb ? first : "");
		calls += pc;
		bad += pb;
	}
	if (opt.unload) {
		__atomic_store_n(&fuzzing_done, true, __ATOMIC_RELEASE);
		pthread_join(unloader, NULL);
		ok(unload_tries > 0 && unload_refused == unload_tries,
		   "unload attempts while fuzzing: %ld of %ld refused (EWOULDBLOCK)",
		   unload_refused, unload_tries);
	}
	ok(!crashed, "every fuzzing process ran to its end");
	ok(!bad, "%ld calls, every answer success or a documented errno", calls);
	ok(calls >= (long)opt.processes * opt.threads * opt.calls,
	   "at least %ld calls made", (long)opt.processes * opt.threads * opt.calls);
	if (!opt.shared) {
		bool gone = objects_gone(&st);

		ok(gone, "no thread state or id table left (%llu, %llu)",
		   (unsigned long long)st.threads,
		   (unsigned long long)st.processes);
	}
	return tap_done();
}
