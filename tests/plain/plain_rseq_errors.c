// SPDX-License-Identifier: GPL-2.0-only
/*
 * The rseq system call's answers, as a program written against mainline's
 * interface sees them: libc and kernel headers only, syscall(__NR_rseq).
 *
 * usage: plain_rseq_errors [--enosys] FEATURE_SIZE ALIGN
 *
 * FEATURE_SIZE and ALIGN are what getauxval(AT_RSEQ_FEATURE_SIZE) and
 * getauxval(AT_RSEQ_ALIGN) must return: numbers, or "kernel" for the
 * values the kernel put in /proc/self/auxv (0 when it put none).
 * --enosys expects every rseq call to fail with ENOSYS, as on a kernel
 * without rseq. Prints TAP; exits 0 only if every check passed.
 */
#define _GNU_SOURCE
#include "plain.h"

#include <sys/auxv.h>

static void check_errno(long ret, int want, const char *what)
{
	int err = errno;

	check(ret == -1 && err == want, "%s: %s", what, strerrorname_np(want));
	if (ret != -1)
		printf("# returned %ld\n", ret);
	else if (err != want)
		printf("# failed with %s\n", strerrorname_np(err));
}

static void check_success(long ret, const char *what)
{
	int err = errno;

	check(ret == 0, "%s: 0", what);
	if (ret)
		printf("# returned %ld (%s)\n", ret, strerrorname_np(err));
}

/* The kernel's own entry of the auxiliary vector, past any interposer. */
static unsigned long kernel_auxv(unsigned long type)
{
	unsigned long entry[2];
	unsigned long value = 0;
	FILE *f = fopen("/proc/self/auxv", "r");

	if (!f) {
		perror("/proc/self/auxv");
		exit(2);
	}
	while (fread(entry, sizeof(entry), 1, f) == 1 && entry[0] != AT_NULL)
		if (entry[0] == type)
			value = entry[1];
	fclose(f);
	return value;
}

static unsigned long expected_auxv(const char *arg, unsigned long type)
{
	char *end;
	unsigned long value;

	if (!strcmp(arg, "kernel"))
		return kernel_auxv(type);
	value = strtoul(arg, &end, 0);
	if (!*arg || *end) {
		fprintf(stderr, "plain_rseq_errors: '%s' is neither a number nor \"kernel\"\n", arg);
		exit(2);
	}
	return value;
}

static void check_auxv(const char *size_arg, const char *align_arg)
{
	unsigned long want_size = expected_auxv(size_arg, AT_RSEQ_FEATURE_SIZE);
	unsigned long want_align = expected_auxv(align_arg, AT_RSEQ_ALIGN);
	unsigned long size = getauxval(AT_RSEQ_FEATURE_SIZE);
	unsigned long align = getauxval(AT_RSEQ_ALIGN);

	check(size == want_size, "getauxval(AT_RSEQ_FEATURE_SIZE) is %lu (want %lu)",
	      size, want_size);
	check(align == want_align, "getauxval(AT_RSEQ_ALIGN) is %lu (want %lu)",
	      align, want_align);
}

/* Pin to the current CPU, so that cpu_id cannot change under the check. */
static int pin_here(cpu_set_t *old)
{
	cpu_set_t one;
	int cpu = sched_getcpu();

	if (sched_getaffinity(0, sizeof(*old), old) || cpu < 0) {
		perror("sched_getaffinity");
		exit(2);
	}
	CPU_ZERO(&one);
	CPU_SET(cpu, &one);
	if (sched_setaffinity(0, sizeof(one), &one)) {
		perror("sched_setaffinity");
		exit(2);
	}
	return cpu;
}

static void check_errors(struct rseq *area)
{
	check_errno(sys_rseq(NULL, 0, 0, 0), EINVAL,
		    "probe rseq(NULL, 0, 0, 0) (the call exists)");
	check_errno(sys_rseq(area, sizeof(*area), -1, RSEQ_SIG), EINVAL, "flags -1");
	check_errno(sys_rseq((char *)area + 8, sizeof(*area), 0, RSEQ_SIG), EINVAL,
		    "area misaligned by 8");
	check_errno(sys_rseq(area, 31, 0, RSEQ_SIG), EINVAL, "length 31");
	check_errno(sys_rseq((void *)-4096L, sizeof(*area), 0, RSEQ_SIG), EFAULT,
		    "area at -4096");
	check_errno(sys_rseq(area, sizeof(*area), RSEQ_FLAG_UNREGISTER, RSEQ_SIG), EINVAL,
		    "unregister while not registered");
}

static void check_registration(struct rseq *area)
{
	cpu_set_t old;
	int cpu = pin_here(&old);

	area->cpu_id = RSEQ_CPU_ID_UNINITIALIZED;
	check_success(sys_rseq(area, sizeof(*area), 0, RSEQ_SIG), "register");
	check((int32_t)area->cpu_id >= 0 && (int32_t)area->cpu_id == cpu,
	      "cpu_id %d is the current CPU %d", (int32_t)area->cpu_id, cpu);
	check_errno(sys_rseq(area, sizeof(*area), 0, RSEQ_SIG), EBUSY,
		    "same registration again");
	check_errno(sys_rseq(area, sizeof(*area), RSEQ_FLAG_UNREGISTER, RSEQ_SIG + 1),
		    EPERM, "unregister with another signature");
	check_success(sys_rseq(area, sizeof(*area), RSEQ_FLAG_UNREGISTER, RSEQ_SIG),
		      "unregister");
	check((int32_t)area->cpu_id == RSEQ_CPU_ID_UNINITIALIZED,
	      "cpu_id %d after unregistering is RSEQ_CPU_ID_UNINITIALIZED",
	      (int32_t)area->cpu_id);
	check_errno(sys_rseq(area, sizeof(*area), RSEQ_FLAG_UNREGISTER, RSEQ_SIG), EINVAL,
		    "unregister again");
	sched_setaffinity(0, sizeof(old), &old);
}

/* Without rseq every call fails alike, whatever its arguments. */
static void check_enosys(struct rseq *area)
{
	check_errno(sys_rseq(NULL, 0, 0, 0), ENOSYS, "probe rseq(NULL, 0, 0, 0)");
	check_errno(sys_rseq(area, sizeof(*area), -1, RSEQ_SIG), ENOSYS, "flags -1");
	check_errno(sys_rseq(area, sizeof(*area), 0, RSEQ_SIG), ENOSYS, "register");
	check_errno(sys_rseq(area, sizeof(*area), RSEQ_FLAG_UNREGISTER, RSEQ_SIG), ENOSYS,
		    "unregister");
	check((int32_t)area->cpu_id == RSEQ_CPU_ID_UNINITIALIZED,
	      "the area was not touched");
}

int main(int argc, char **argv)
{
	static struct rseq area __attribute__((aligned(64))) = {
		.cpu_id = RSEQ_CPU_ID_UNINITIALIZED,
	};
	bool enosys = argc > 1 && !strcmp(argv[1], "--enosys");

	if (argc != 3 + enosys)
		usage("plain_rseq_errors [--enosys] FEATURE_SIZE|kernel ALIGN|kernel");
	check_auxv(argv[1 + enosys], argv[2 + enosys]);
	if (enosys) {
		check_enosys(&area);
	} else {
		check_errors(&area);
		check_registration(&area);
	}
	return done_testing();
}
