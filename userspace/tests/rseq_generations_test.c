// SPDX-License-Identifier: GPL-2.0-only
/*
 * Generations (module only): each registration names the rules it runs
 * under, classic or 7.1, in struct rseqdev_register::generation. This test
 * names both explicitly, so one run checks both tables whatever the
 * module's default is; rseq_syscall_errors_test checks classic against
 * the kernel's own rseq.
 *
 * The 7.1 rules come from ../shared/reference/mainline-7x.md (cited as
 * "7x §N"): the registration checks and their order (§3), the flags the
 * call accepts (§2), what registration and unregistration write (§3,
 * steps 1 and 6), the feature size and alignment (§2), slice_ctrl never
 * written for a legacy registration (§3.1 row 6), fork (§3).
 */
#include <sys/mman.h>
#include <sys/resource.h>

#include "rseq_test_util.h"

#define AREA_BYTES	4096
#define FILL		0xa5
#define FILL32		0xa5a5a5a5u
#define GEN_PARAM	"/sys/module/rseqdev/parameters/generation"

static struct rseqdev_rseq *area;	/* page-aligned, AREA_BYTES */

/* expect_errnof() with a formatted description. */
#define expect_errnof(ret, err, ...)					\
	({								\
		long __ret = (ret);					\
		char __what[192];					\
									\
		snprintf(__what, sizeof(__what), __VA_ARGS__);		\
		expect_errno(__ret, err, __what);			\
	})

static uint64_t at(size_t offset)
{
	return (uintptr_t)area + offset;
}

static struct rseqdev_rseq *area_at(size_t offset)
{
	return (struct rseqdev_rseq *)((char *)area + offset);
}

/* RSEQDEV_IOC_REGISTER with every field given. */
static long reg_ioctl(uint64_t addr, uint32_t len, uint32_t flags,
		      uint32_t gen, uint32_t reserved)
{
	struct rseqdev_register reg = {
		.size = sizeof(reg),
		.flags = flags,
		.rseq = addr,
		.rseq_len = len,
		.sig = RSEQ_SIG,
		.generation = gen,
		.reserved = reserved,
	};

	return ioctl(rseqdev_device_fd(), RSEQDEV_IOC_REGISTER, &reg);
}

static long reg_gen(uint64_t addr, uint32_t len, uint32_t flags, uint32_t gen)
{
	return reg_ioctl(addr, len, flags, gen, 0);
}

static long unreg(uint64_t addr, uint32_t len)
{
	return reg_gen(addr, len, RSEQDEV_RSEQ_FLAG_UNREGISTER, RSEQDEV_GEN_DEFAULT);
}

static const char *gen_name(uint32_t gen)
{
	return gen == RSEQDEV_GEN_7_1 ? "7.1" : "classic";
}

static void check_bad_generations(void)
{
	static const uint32_t bad[] = { RSEQDEV_NR_GENS, 4, 255, 0x80000000u,
					0xffffffffu };
	size_t i;

	memset(area, 0, AREA_BYTES);
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		expect_errnof(reg_gen(at(0), 32, 0, bad[i]), EINVAL,
			     "generation %#x: EINVAL", bad[i]);
		expect_errnof(reg_gen(at(0), 32, RSEQDEV_RSEQ_FLAG_UNREGISTER, bad[i]),
			     EINVAL, "generation %#x when unregistering: EINVAL", bad[i]);
	}
	expect_errnof(reg_ioctl(at(0), 32, 0, RSEQDEV_GEN_7_1, 1), EINVAL,
		     "reserved 1: EINVAL");
	expect_errnof(reg_ioctl(at(0), 32, 0, RSEQDEV_GEN_CLASSIC, 0x80000000u),
		     EINVAL, "reserved 0x80000000: EINVAL");
	ok(area->cpu_id == 0 && area->flags == 0, "refused calls wrote nothing");
}

/* 7x §2: the one registration flag is SLICE_EXT_DEFAULT_ON, 7.1 only. */
/* The feature bits of an optimized 7.1 registration: the extension's. */
static uint32_t slice_bits(uint32_t reg_flags)
{
	struct rseqdev_query q;

	if (rseqdev_query(&q))
		tap_bail("query: %s", strerror(errno));
	if (!(q.features & RSEQDEV_FEATURE_SLICE_EXT))
		return 0;
	return RSEQDEV_RSEQ_CS_FLAG_SLICE_EXT_AVAILABLE |
	       (reg_flags & RSEQDEV_RSEQ_FLAG_SLICE_EXT_DEFAULT_ON ?
		RSEQDEV_RSEQ_CS_FLAG_SLICE_EXT_ENABLED : 0);
}

static void check_flags(void)
{
	static const uint32_t bad[] = { 1u << 2, 1u << 3, 1u << 31, 0xfffffffeu,
					RSEQDEV_RSEQ_FLAG_SLICE_EXT_DEFAULT_ON | (1u << 2) };
	size_t i;

	memset(area, 0, AREA_BYTES);
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		expect_errnof(reg_gen(at(0), 32, bad[i], RSEQDEV_GEN_7_1), EINVAL,
			     "7.1: flags %#x: EINVAL (7x §3 step 2)", bad[i]);
		expect_errnof(reg_gen(at(0), 32, bad[i], RSEQDEV_GEN_CLASSIC), EINVAL,
			     "classic: flags %#x: EINVAL", bad[i]);
	}
	expect_errnof(reg_gen(at(0), 32, RSEQDEV_RSEQ_FLAG_SLICE_EXT_DEFAULT_ON,
			     RSEQDEV_GEN_CLASSIC), EINVAL,
		     "classic: SLICE_EXT_DEFAULT_ON is unknown: EINVAL");
	ok(reg_gen(at(64), 64, RSEQDEV_RSEQ_FLAG_SLICE_EXT_DEFAULT_ON,
		   RSEQDEV_GEN_7_1) == 0,
	   "7.1: SLICE_EXT_DEFAULT_ON accepted (7x §2)");
	ok(area_at(64)->flags == slice_bits(RSEQDEV_RSEQ_FLAG_SLICE_EXT_DEFAULT_ON),
	   "7.1: the slice extension's bits, ENABLED with DEFAULT_ON (7x §3 step 6)");
	ok(unreg(at(64), 64) == 0, "7.1: unregister it");
	expect_errnof(reg_gen(at(64), 64, RSEQDEV_RSEQ_FLAG_UNREGISTER |
			     RSEQDEV_RSEQ_FLAG_SLICE_EXT_DEFAULT_ON, RSEQDEV_GEN_7_1),
		     EINVAL, "7.1: unregister with SLICE_EXT_DEFAULT_ON: EINVAL (7x §3 step 1)");
}

struct shape {
	size_t offset;
	uint32_t len;
	bool classic_ok;	/* 32-aligned and >= 28 */
	bool gen71_ok;		/* 7x §3 step 4 */
};

static const struct shape shapes[] = {
	{ 0, 0, false, false },
	{ 0, 20, false, false },
	{ 0, 31, false, false },
	{ 16, 32, false, false },
	{ 32, 32, true, true },		/* legacy: 32-aligned is enough */
	{ 64, 32, true, true },
	{ 32, 33, true, false },	/* optimized: 64-aligned */
	{ 32, 64, true, false },
	{ 96, 40, true, false },
	{ 64, 33, true, true },
	{ 64, 40, true, true },
	{ 128, 64, true, true },
	{ 0, 4096, true, true },
	{ 8, 64, false, false },
	{ 48, 33, false, false },
};

static void check_shapes(uint32_t gen)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(shapes); i++) {
		const struct shape *s = &shapes[i];
		bool want = gen == RSEQDEV_GEN_7_1 ? s->gen71_ok : s->classic_ok;

		memset(area, 0, AREA_BYTES);
		if (!want) {
			expect_errnof(reg_gen(at(s->offset), s->len, 0, gen), EINVAL,
				     "%s: %u bytes at offset %zu: EINVAL (7x §3 step 4)",
				     gen_name(gen), s->len, s->offset);
			continue;
		}
		ok(reg_gen(at(s->offset), s->len, 0, gen) == 0 &&
		   unreg(at(s->offset), s->len) == 0,
		   "%s: %u bytes at offset %zu: registers and unregisters",
		   gen_name(gen), s->len, s->offset);
	}
}

/* 7x §3 step 3: the same order in both generations. */
static void check_registered_errors(uint32_t gen, uint32_t len)
{
	memset(area, 0, AREA_BYTES);
	ok(reg_gen(at(64), len, 0, gen) == 0, "%s, %u bytes: register", gen_name(gen), len);
	expect_errnof(reg_gen(at(64), len, 0, gen), EBUSY, "%s: again: EBUSY", gen_name(gen));
	expect_errnof(reg_gen(at(128), len, 0, gen), EINVAL, "%s: another area: EINVAL",
		     gen_name(gen));
	expect_errnof(reg_gen(at(64), len + 32, 0, gen), EINVAL,
		     "%s: another length: EINVAL", gen_name(gen));
	{
		struct rseqdev_register reg = {
			.size = sizeof(reg), .rseq = at(64), .rseq_len = len,
			.sig = RSEQ_SIG + 1, .generation = gen,
		};

		expect_errnof(ioctl(rseqdev_device_fd(), RSEQDEV_IOC_REGISTER, &reg),
			     EPERM, "%s: another signature: EPERM", gen_name(gen));
		reg.flags = RSEQDEV_RSEQ_FLAG_UNREGISTER;
		expect_errnof(ioctl(rseqdev_device_fd(), RSEQDEV_IOC_REGISTER, &reg),
			     EPERM, "%s: unregister with another signature: EPERM (7x §3 step 1)",
			     gen_name(gen));
	}
	expect_errnof(reg_gen(at(64), len + 32, RSEQDEV_RSEQ_FLAG_UNREGISTER, gen),
		     EINVAL, "%s: unregister with another length: EINVAL", gen_name(gen));
	/* The generation is read when registering only. */
	ok(reg_gen(at(64), len, RSEQDEV_RSEQ_FLAG_UNREGISTER,
		   gen == RSEQDEV_GEN_7_1 ? RSEQDEV_GEN_CLASSIC : RSEQDEV_GEN_7_1) == 0,
	   "%s: unregister naming the other generation", gen_name(gen));
	expect_errnof(unreg(at(64), len), EINVAL, "%s: unregister twice: EINVAL",
		     gen_name(gen));
}

static void check_written_fields(const struct rseqdev_rseq *a, uint32_t gen,
				 uint32_t len)
{
	unsigned int cpu, node;
	bool optimized = gen == RSEQDEV_GEN_7_1 && len > RSEQDEV_RSEQ_ORIG_SIZE;
	const char *what = gen == RSEQDEV_GEN_CLASSIC ? "classic" :
			   optimized ? "7.1 optimized" : "7.1 legacy";

	if (getcpu(&cpu, &node))
		tap_bail("getcpu: %s", strerror(errno));
	ok(a->cpu_id == cpu && a->cpu_id_start == cpu && a->node_id == node &&
	   a->mm_cid == 0 && a->rseq_cs == 0,
	   "%s: the IDs are current before the call returns, rseq_cs cleared", what);
	if (gen == RSEQDEV_GEN_CLASSIC)
		ok(a->flags == FILL32, "classic: flags left as they were");
	else
		ok(a->flags == (optimized ? slice_bits(0) : 0),
		   "%s: flags hold the feature bits (7x §3 step 6)", what);
	if (optimized)
		ok(a->slice_ctrl == 0, "%s: slice_ctrl cleared (7x §3 step 6)", what);
	else
		ok(a->slice_ctrl == FILL32, "%s: slice_ctrl never written (7x §3.1 row 6)",
		   what);
	ok(a->reserved == FILL, "%s: the reserved byte is never written", what);
}

/* The calling thread's context switches so far, voluntary or not. */
static long thread_switches(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_THREAD, &ru))
		tap_bail("getrusage: %s", strerror(errno));
	return ru.ru_nvcsw + ru.ru_nivcsw;
}

/*
 * A valid descriptor whose range, [0, 0), holds no IP: what a switch
 * does to an rseq_cs naming it is to clear it (7x §3.1 row 2), never to
 * abort or kill.
 */
static const struct rseqdev_rseq_cs no_section;

#define UNREG_TRIES	20

/*
 * Set rseq_cs and slice_ctrl, then unregister: 0 or the unregistration's
 * error. A switch in between may clear rseq_cs (7x §3.1 row 2) and an
 * optimized registration's slice_ctrl (row 6), as it should: such a try
 * tells nothing of unregistration, and is made again, registered anew.
 */
static long unreg_with_fields_set(struct rseqdev_rseq *a, uint32_t gen,
				  size_t offset, uint32_t len)
{
	long ret, switches;
	int try;

	for (try = 1; ; try++) {
		switches = thread_switches();
		a->rseq_cs = (uintptr_t)&no_section;
		a->slice_ctrl = 0x01020304;
		ret = unreg(at(offset), len);
		if (ret || thread_switches() == switches)
			return ret;
		if (try == UNREG_TRIES) {
			diag("a switch came between the stores and the unregistration in %d tries",
			     try);
			return 0;
		}
		diag("try %d: switched before the unregistration; again", try);
		if (reg_gen(at(offset), len, 0, gen))
			tap_bail("registering again: %s", strerror(errno));
	}
}

/* What registration writes, and what unregistration resets (7x §3). */
static void check_area_values(uint32_t gen, size_t offset, uint32_t len)
{
	struct rseqdev_rseq *a = area_at(offset);

	memset(area, FILL, AREA_BYTES);
	ok(reg_gen(at(offset), len, 0, gen) == 0, "%s: register %u bytes",
	   gen_name(gen), len);
	check_written_fields(a, gen, len);
	ok(unreg_with_fields_set(a, gen, offset, len) == 0, "%s: unregister", gen_name(gen));
	ok(a->cpu_id_start == 0 && (int32_t)a->cpu_id == -1 && a->node_id == 0 &&
	   a->mm_cid == 0,
	   "%s: unregistration writes cpu_id_start 0, cpu_id -1, node_id 0, mm_cid 0 (7x §3 step 1)",
	   gen_name(gen));
	if (a->rseq_cs != (uintptr_t)&no_section || a->slice_ctrl != 0x01020304)
		diag("rseq_cs 0x%llx (set to %p), slice_ctrl 0x%x", (unsigned long long)a->rseq_cs,
		     (const void *)&no_section, a->slice_ctrl);
	ok(a->rseq_cs == (uintptr_t)&no_section && a->slice_ctrl == 0x01020304,
	   "%s: unregistration leaves rseq_cs and slice_ctrl alone (7x §3 step 1)",
	   gen_name(gen));
}

/* A forked child keeps its parent's generation and length (7x §3). */
static void report_own_registration(void *unused)
{
	struct rseqdev_thread_info info;
	int nr;

	(void)unused;
	nr = rseqdev_threads(0, &info, 1);
	if (nr != 1)
		_exit(10);
	if (info.generation != RSEQDEV_GEN_7_1)
		_exit(11);
	_exit(info.area_len == 40 ? 0 : 12);
}

static void check_fork(void)
{
	struct rseqdev_thread_info info;

	memset(area, 0, AREA_BYTES);
	ok(reg_gen(at(64), 40, 0, RSEQDEV_GEN_7_1) == 0, "7.1: register 40 bytes");
	ok(rseqdev_threads(0, &info, 1) == 1 && info.generation == RSEQDEV_GEN_7_1 &&
	   info.area_len == 40,
	   "the thread list shows the generation and the length");
	ok(exited_with(run_in_child(report_own_registration, NULL), 0),
	   "a forked child is registered under 7.1 with 40 bytes too");
	ok(unreg(at(64), 40) == 0, "unregister");
}

static void check_query(void)
{
	struct rseqdev_query q;
	char word[32] = "";
	FILE *f = fopen(GEN_PARAM, "r");
	uint32_t want_default;

	if (!f || !fgets(word, sizeof(word), f))
		tap_bail("cannot read %s", GEN_PARAM);
	fclose(f);
	want_default = !strcmp(word, "7.1\n") ? RSEQDEV_GEN_7_1 : RSEQDEV_GEN_CLASSIC;
	if (rseqdev_query(&q))
		tap_bail("query: %s", strerror(errno));
	ok(q.size == RSEQDEV_QUERY_SIZE_VER1, "query: size %u", q.size);
	ok(q.generations == (1u << RSEQDEV_GEN_CLASSIC | 1u << RSEQDEV_GEN_7_1),
	   "query: generations classic and 7.1 (%#x)", q.generations);
	ok(q.default_generation == want_default,
	   "query: the default generation is the parameter's (%s)", word);
	if (want_default == RSEQDEV_GEN_7_1)
		ok(q.rseq_feature_size == 33 && q.rseq_align == 64,
		   "query: 7.1's feature size 33 and alignment 64 (7x §2)");
	else
		ok(q.rseq_feature_size == 28 && q.rseq_align == 32,
		   "query: classic's feature size 28 and alignment 32");
}

/* $RSEQDEV_GENERATION, as the library and the shim read it. */
static void check_environment(void)
{
	static const struct {
		const char *word;
		int gen, legacy;
	} good[] = {
		{ "", RSEQDEV_GEN_DEFAULT, 0 },
		{ "classic", RSEQDEV_GEN_CLASSIC, 0 },
		{ "7.1", RSEQDEV_GEN_7_1, 0 },
		{ "7.1-legacy", RSEQDEV_GEN_7_1, 1 },
	};
	static const char *const bad[] = { "7.2", "7.1 ", "Classic", "7", "v2", "2" };
	size_t i;
	int legacy;

	for (i = 0; i < ARRAY_SIZE(good); i++) {
		setenv(RSEQDEV_ENV_GENERATION, good[i].word, 1);
		legacy = -1;
		ok(rseqdev_requested_generation(&legacy) == good[i].gen &&
		   legacy == good[i].legacy,
		   "RSEQDEV_GENERATION='%s': generation %d%s", good[i].word, good[i].gen,
		   good[i].legacy ? ", legacy length" : "");
	}
	memset(area, 0, AREA_BYTES);
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		setenv(RSEQDEV_ENV_GENERATION, bad[i], 1);
		expect_errnof(rseqdev_requested_generation(NULL), EINVAL,
			      "RSEQDEV_GENERATION='%s'", bad[i]);
		expect_errnof(rseqdev_rseq(area, 32, 0, RSEQ_SIG), EINVAL,
			      "RSEQDEV_GENERATION='%s': rseqdev_rseq() refuses", bad[i]);
	}
	ok(area->cpu_id == 0, "refused registrations wrote nothing");
	unsetenv(RSEQDEV_ENV_GENERATION);
}

int main(void)
{
	if (rseqdev_init() != RSEQ_BACKEND_MODULE)
		tap_bail("needs the module backend");
	area = mmap(NULL, AREA_BYTES, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (area == MAP_FAILED)
		tap_bail("mmap: %s", strerror(errno));
	if (pin_to_cpu(0))
		tap_bail("sched_setaffinity: %s", strerror(errno));

	check_query();
	check_bad_generations();
	check_flags();
	check_shapes(RSEQDEV_GEN_CLASSIC);
	check_shapes(RSEQDEV_GEN_7_1);
	check_registered_errors(RSEQDEV_GEN_CLASSIC, 32);
	check_registered_errors(RSEQDEV_GEN_7_1, 32);
	check_registered_errors(RSEQDEV_GEN_7_1, 64);
	check_area_values(RSEQDEV_GEN_CLASSIC, 0, 32);
	check_area_values(RSEQDEV_GEN_CLASSIC, 64, 64);
	check_area_values(RSEQDEV_GEN_7_1, 32, 32);
	check_area_values(RSEQDEV_GEN_7_1, 64, 33);
	check_area_values(RSEQDEV_GEN_7_1, 128, 64);
	check_fork();
	check_environment();
	return tap_done();
}
