// SPDX-License-Identifier: GPL-2.0-only
/*
 * The LD_PRELOAD shim's translation on the host, under AddressSanitizer
 * and UndefinedBehaviorSanitizer (tests/host/sanitize.t): rseq(2)
 * arguments into the module's registration, membarrier(2)'s RSEQ
 * commands into its fence, getauxval()'s rseq entries into its layout,
 * with the device missing, unusable, or fake_module.c; and everything
 * else passed to the kernel (fake_kernel.c) untouched, errno included.
 *
 *   shim_check plain	GLIBC_TUNABLES=glibc.pthread.rseq=0: glibc
 *			registered nothing
 *   shim_check glibc	glibc registered every thread (the default)
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/membarrier.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/auxv.h>
#include <sys/syscall.h>

#if __has_include("sys/rseq.h")
#include <sys/rseq.h>
#endif

#include <rseqdev/rseq.h>
#include <rseqdev/rseqdev.h>

#include "fake_module.h"
#include "shim.h"
#include "tap.h"

/* Opening a directory for writing fails with EISDIR: a device that is there but unusable. */
#define UNUSABLE_DEVICE	"/"
#define ERRNO_MARK	4242	/* an errno no call sets */
#define HIGH		0x7eadbeef00000000L	/* bits the u32 and int arguments drop */

static struct rseqdev_rseq area __attribute__((aligned(32)));
static int saved_stderr = -1;
static char captured[1024];

/* A process as it starts: the shim knows nothing, the fake module is reset. */
static void start(const char *device, const char *mode)
{
	setenv(RSEQDEV_ENV_DEVICE, device, 1);
	if (mode)
		setenv("RSEQDEV_PRELOAD_RSEQ", mode, 1);
	else
		unsetenv("RSEQDEV_PRELOAD_RSEQ");
	fake_module_reset();
	kernel.has_rseq = true;
	kernel.has_membarrier = true;
	shim_reset(true);
}

/* What the shim writes to stderr until end_capture() goes to captured[]. */
static void begin_capture(void)
{
	int fd = open("/tmp", O_TMPFILE | O_RDWR, 0600);

	fflush(stderr);
	saved_stderr = dup(STDERR_FILENO);
	if (fd < 0 || saved_stderr < 0 || dup2(fd, STDERR_FILENO) < 0)
		tap_bail("cannot capture stderr");
	close(fd);
}

static void end_capture(void)
{
	ssize_t n;

	n = pread(STDERR_FILENO, captured, sizeof(captured) - 1, 0);
	captured[n > 0 ? n : 0] = '\0';
	dup2(saved_stderr, STDERR_FILENO);
	close(saved_stderr);
}

static unsigned int lines(const char *s)
{
	unsigned int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* A call that succeeds must leave errno alone, as libc's would. */
#define keeps_errno(call)						\
	({								\
		long __r;						\
		errno = ERRNO_MARK;					\
		__r = (call);						\
		errno == ERRNO_MARK ? __r : -1000 - errno;		\
	})

static bool kernel_got(long nr, long a0, long a1, long a2, long a3)
{
	return kernel.last[0] == nr && kernel.last[1] == a0 && kernel.last[2] == a1 &&
	       kernel.last[3] == a2 && kernel.last[4] == a3;
}

static bool fence_sent(uint32_t flags, int32_t cpu)
{
	struct rseqdev_fence f = { .size = sizeof(f), .flags = flags, .cpu = cpu };

	return fake.last.cmd == RSEQDEV_IOC_FENCE && fake.last.len == sizeof(f) &&
	       !memcmp(fake.last.arg, &f, sizeof(f));
}

static bool register_sent(uint32_t flags, uint32_t len, uint32_t sig)
{
	struct rseqdev_register r = { .size = sizeof(r), .flags = flags,
				      .rseq = (uintptr_t)&area, .rseq_len = len,
				      .sig = sig };

	return fake.last.cmd == RSEQDEV_IOC_REGISTER && fake.last.len == sizeof(r) &&
	       !memcmp(fake.last.arg, &r, sizeof(r));
}

/* No ioctl since @calls but the query the shim asks once per process. */
static bool no_fence_since(unsigned int calls)
{
	return fake.calls == calls ||
	       (fake.calls == calls + 1 && fake.last.cmd == RSEQDEV_IOC_QUERY);
}

/* Without the module, a kernel without rseq is what the program sees. */
static void check_missing_device(void)
{
	start(MISSING_DEVICE, NULL);
	begin_capture();
	expect_errno(shim_syscall(__NR_rseq, &area, 32, 0, RSEQ_SIG), ENOSYS,
		     "missing device: rseq()");
	expect_errno(shim_syscall(__NR_rseq, &area, 32, RSEQDEV_RSEQ_FLAG_UNREGISTER,
				  RSEQ_SIG), ENOSYS, "missing device: rseq(UNREGISTER)");
	end_capture();
	ok(!captured[0], "missing device: no warning (the module is just not loaded)");
	ok(fake.calls == 0 && kernel.calls == 0, "missing device: neither module nor kernel called");
	ok(keeps_errno(shim_syscall(__NR_membarrier, MEMBARRIER_CMD_QUERY, 0, 0)) ==
	   kernel.membarrier_mask, "missing device: membarrier(QUERY) is the kernel's");
	ok(keeps_errno(shim_syscall(__NR_membarrier,
				    MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_RSEQ, 0, 0)) == 0 &&
	   kernel_got(__NR_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_RSEQ, 0, 0, 0),
	   "missing device: membarrier(REGISTER_..._RSEQ) goes to the kernel");
	ok(shim_getauxval(AT_RSEQ_FEATURE_SIZE) == KERNEL_AUXV(AT_RSEQ_FEATURE_SIZE) &&
	   shim_getauxval(AT_RSEQ_ALIGN) == KERNEL_AUXV(AT_RSEQ_ALIGN),
	   "missing device: getauxval(AT_RSEQ_*) are the kernel's");
}

static void check_unusable_device(void)
{
	start(UNUSABLE_DEVICE, NULL);
	begin_capture();
	expect_errno(shim_syscall(__NR_rseq, &area, 32, 0, RSEQ_SIG), ENOSYS,
		     "unusable device: rseq()");
	expect_errno(shim_syscall(__NR_rseq, &area, 32, 0, RSEQ_SIG), ENOSYS,
		     "unusable device: rseq() again");
	end_capture();
	ok(lines(captured) == 1 && strstr(captured, "cannot open " UNUSABLE_DEVICE) &&
	   strstr(captured, "Is a directory"), "unusable device: one warning with the reason");
	if (lines(captured) != 1)
		diag("stderr: %s", captured);
}

/* Everything but rseq and membarrier: the kernel's, all six arguments. */
static void check_passthrough(void)
{
	start(FAKE_DEVICE, NULL);
	ok(keeps_errno(shim_syscall(__NR_getpid, 1L, -2L, HIGH, 4L, 5L, LONG_MIN)) == 42 &&
	   kernel.last[0] == __NR_getpid && kernel.last[1] == 1 && kernel.last[2] == -2 &&
	   kernel.last[3] == HIGH && kernel.last[4] == 4 && kernel.last[5] == 5 &&
	   kernel.last[6] == LONG_MIN, "other system calls: six arguments, the kernel's result");
	ok(shim_getauxval(AT_PAGESZ) == KERNEL_AUXV(AT_PAGESZ),
	   "getauxval(AT_PAGESZ) is the kernel's");
	ok(fake.calls == 0, "neither called the module");
}

/* rseq(2) through the module: its u32 and int arguments truncated as the kernel's. */
static void check_rseq_to_module(void)
{
	start(FAKE_DEVICE, NULL);
	ok(keeps_errno(shim_syscall(__NR_rseq, &area, HIGH | 32, HIGH, HIGH | RSEQ_SIG)) == 0 &&
	   register_sent(0, 32, RSEQ_SIG),
	   "rseq(): registered through the module, the high bits dropped");
	ok(kernel.calls == 0, "rseq(): the kernel is not called");
	expect_errno(shim_syscall(__NR_rseq, &area, 32, 0, RSEQ_SIG), EBUSY,
		     "rseq() twice: the module's EBUSY");
	expect_errno(shim_syscall(__NR_rseq, &area, 32, RSEQDEV_RSEQ_FLAG_UNREGISTER, 0x1234),
		     EPERM, "rseq(UNREGISTER) with another signature: EPERM");
	ok(keeps_errno(shim_syscall(__NR_rseq, &area, 32, RSEQDEV_RSEQ_FLAG_UNREGISTER,
				    RSEQ_SIG)) == 0 &&
	   register_sent(RSEQDEV_RSEQ_FLAG_UNREGISTER, 32, RSEQ_SIG), "rseq(UNREGISTER)");
	expect_errno(shim_syscall(__NR_rseq, &area, 32, 2, RSEQ_SIG), EINVAL,
		     "rseq(flags 2): EINVAL");
	fake.fail_next = EFAULT;
	expect_errno(shim_syscall(__NR_rseq, &area, 32, 0, RSEQ_SIG), EFAULT,
		     "rseq(): the module's EFAULT");
	ok(shim_getauxval(AT_RSEQ_FEATURE_SIZE) == RSEQDEV_GEN_CLASSIC_FEATURE_SIZE &&
	   shim_getauxval(AT_RSEQ_ALIGN) == 32,
	   "getauxval(AT_RSEQ_*): the module's layout");
	/* The layout of the generation the registrations will ask for. */
	setenv(RSEQDEV_ENV_GENERATION, "7.1", 1);
	ok(shim_getauxval(AT_RSEQ_FEATURE_SIZE) == RSEQDEV_GEN_7_1_FEATURE_SIZE &&
	   shim_getauxval(AT_RSEQ_ALIGN) == RSEQDEV_GEN_7_1_ALIGN,
	   "RSEQDEV_GENERATION=7.1: getauxval(AT_RSEQ_*) 33 and 64");
	setenv(RSEQDEV_ENV_GENERATION, "classic", 1);
	ok(shim_getauxval(AT_RSEQ_FEATURE_SIZE) == RSEQDEV_GEN_CLASSIC_FEATURE_SIZE &&
	   shim_getauxval(AT_RSEQ_ALIGN) == RSEQDEV_GEN_CLASSIC_ALIGN,
	   "RSEQDEV_GENERATION=classic: getauxval(AT_RSEQ_*) 28 and 32");
	setenv(RSEQDEV_ENV_GENERATION, "7.2", 1);
	expect_errno(shim_syscall(__NR_rseq, &area, 32, 0, RSEQ_SIG), EINVAL,
		     "RSEQDEV_GENERATION=7.2: rseq() fails with EINVAL");
	unsetenv(RSEQDEV_ENV_GENERATION);
	ok(fake.refused == 0, "the fake module refused nothing%s",
	   fake_why());
}

/*
 * The time-slice extension: the module's under the 7.1 generation, the
 * kernel's (which has none: EINVAL, and 471 is just another number)
 * under classic.
 */
static void check_slice_routing(void)
{
	start(FAKE_DEVICE, NULL);
	setenv(RSEQDEV_ENV_GENERATION, "classic", 1);
	expect_errno(shim_prctl(RSEQDEV_PR_RSEQ_SLICE_EXTENSION,
				RSEQDEV_PR_RSEQ_SLICE_EXTENSION_GET, 0, 0, 0), EINVAL,
		     "classic: prctl(PR_RSEQ_SLICE_EXTENSION) is the kernel's");
	ok(kernel.last[0] == SYS_prctl && kernel.last[1] == RSEQDEV_PR_RSEQ_SLICE_EXTENSION &&
	   fake.calls == 0, "classic: the kernel got it, the module nothing");
	ok(keeps_errno(shim_syscall(RSEQDEV_NR_RSEQ_SLICE_YIELD)) == 42 &&
	   kernel.last[0] == RSEQDEV_NR_RSEQ_SLICE_YIELD,
	   "classic: syscall(471) is the kernel's");
	setenv(RSEQDEV_ENV_GENERATION, "7.1", 1);
	kernel.calls = 0;
	shim_prctl(RSEQDEV_PR_RSEQ_SLICE_EXTENSION, RSEQDEV_PR_RSEQ_SLICE_EXTENSION_GET, 0, 0, 0);
	ok(kernel.calls == 0 && fake.last.cmd == RSEQDEV_IOC_SLICE_PRCTL,
	   "7.1: prctl(PR_RSEQ_SLICE_EXTENSION) goes to the module");
	/* Six arguments: the shim reads six for any call but rseq and membarrier. */
	shim_syscall(SYS_prctl, RSEQDEV_PR_RSEQ_SLICE_EXTENSION,
		     RSEQDEV_PR_RSEQ_SLICE_EXTENSION_GET, 0L, 0L, 0L, 0L);
	ok(kernel.calls == 0 && fake.last.cmd == RSEQDEV_IOC_SLICE_PRCTL,
	   "7.1: syscall(SYS_prctl, PR_RSEQ_SLICE_EXTENSION, ...) too");
	shim_syscall(RSEQDEV_NR_RSEQ_SLICE_YIELD);
	ok(kernel.calls == 0 && fake.last.cmd == RSEQDEV_IOC_SLICE_YIELD,
	   "7.1: syscall(471) is the module's yield");
	expect_errno(shim_prctl(PR_SET_NAME, 0, 0, 0, 0), EINVAL,
		     "another prctl option: the kernel's answer");
	ok(kernel.calls == 1 && kernel.last[1] == PR_SET_NAME, "and the kernel got it");
	unsetenv(RSEQDEV_ENV_GENERATION);
}

static long membarrier(long cmd, long flags, long cpu)
{
	return keeps_errno(shim_syscall(__NR_membarrier, cmd, flags, cpu));
}

static void check_membarrier_query(void)
{
	long rseq_cmds = MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ |
			 MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_RSEQ;

	start(FAKE_DEVICE, NULL);
	ok(membarrier(MEMBARRIER_CMD_QUERY, 0, 0) == (kernel.membarrier_mask | rseq_cmds),
	   "membarrier(QUERY): the kernel's commands and the module's");
	expect_errno(shim_syscall(__NR_membarrier, MEMBARRIER_CMD_QUERY, 1, 0), EINVAL,
		     "membarrier(QUERY, flags 1): the kernel's EINVAL");
	kernel.has_membarrier = false;
	ok(membarrier(MEMBARRIER_CMD_QUERY, 0, 0) == rseq_cmds,
	   "membarrier(QUERY) without the kernel's: the module's commands");
	expect_errno(shim_syscall(__NR_membarrier, MEMBARRIER_CMD_QUERY, 1, 0), ENOSYS,
		     "membarrier(QUERY, flags 1) without the kernel's: ENOSYS");
	kernel.has_membarrier = true;
	ok(membarrier(MEMBARRIER_CMD_GLOBAL, 0, 7) == 0 &&
	   kernel_got(__NR_membarrier, MEMBARRIER_CMD_GLOBAL, 0, 7, kernel.last[4]),
	   "membarrier(GLOBAL): the kernel's");
}

static void check_membarrier_register(void)
{
	unsigned int calls;

	start(FAKE_DEVICE, NULL);
	calls = fake.calls;
	expect_errno(shim_syscall(__NR_membarrier,
				  MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_RSEQ, 1, 0),
		     EINVAL, "membarrier(REGISTER_..._RSEQ, flags 1)");
	ok(no_fence_since(calls), "... refused before the module");
	fake.fail_next = ENOMEM;
	expect_errno(shim_syscall(__NR_membarrier,
				  MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_RSEQ, 0, 0),
		     ENOMEM, "membarrier(REGISTER_..._RSEQ): the module's ENOMEM");
	ok(membarrier(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_RSEQ, 0, 0) == 0 &&
	   fence_sent(RSEQDEV_FENCE_REGISTER, 0) &&
	   kernel_got(__NR_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_RSEQ, 0, 0,
		      kernel.last[4]),
	   "membarrier(REGISTER_..._RSEQ): the module, then the kernel");
	start(FAKE_DEVICE, NULL);
	kernel.has_rseq = false;
	ok(membarrier(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_RSEQ, 0, 0) == 0 &&
	   fence_sent(RSEQDEV_FENCE_REGISTER, 0) && kernel.calls == 0,
	   "membarrier(REGISTER_..._RSEQ) on a kernel without rseq: the module only");
}

static void check_membarrier_fence(void)
{
	long cmd = MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ;
	long cpu_flag = MEMBARRIER_CMD_FLAG_CPU;
	unsigned int calls;

	start(FAKE_DEVICE, NULL);
	calls = fake.calls;
	expect_errno(shim_syscall(__NR_membarrier, cmd, 2, 0), EINVAL,
		     "membarrier(..._RSEQ, flags 2)");
	ok(no_fence_since(calls), "... refused before the module");
	fake.fail_next = EPERM;
	expect_errno(shim_syscall(__NR_membarrier, cmd, 0, 0), EPERM,
		     "membarrier(..._RSEQ) unregistered: the module's EPERM");
	ok(membarrier(cmd, 0, 123) == 0 && fence_sent(0, 0),
	   "membarrier(..._RSEQ, 0, 123): every CPU, the CPU ignored");
	ok(membarrier(cmd, cpu_flag, -7) == 0 && fence_sent(0, 0),
	   "membarrier(..._RSEQ, CPU, -7): every CPU");
	ok(membarrier(cmd, cpu_flag, FAKE_NR_CPUS - 1) == 0 &&
	   fence_sent(RSEQDEV_FENCE_CPU, FAKE_NR_CPUS - 1),
	   "membarrier(..._RSEQ, CPU, last CPU): that CPU");
	ok(membarrier(cmd, cpu_flag, HIGH | 2) == 0 && fence_sent(RSEQDEV_FENCE_CPU, 2),
	   "membarrier(..._RSEQ, CPU, high bits | 2): CPU 2, as the kernel's int");
	calls = fake.calls;
	ok(membarrier(cmd, cpu_flag, FAKE_NR_CPUS) == 0 && fake.calls == calls + 1 &&
	   fence_sent(0, 0),
	   "membarrier(..._RSEQ, CPU, nr_cpu_ids) unregistered here: the module checks");
	ok(membarrier(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_RSEQ, 0, 0) == 0,
	   "registered");
	calls = fake.calls;
	ok(membarrier(cmd, cpu_flag, FAKE_NR_CPUS) == 0 && fake.calls == calls,
	   "membarrier(..._RSEQ, CPU, nr_cpu_ids) registered: nothing to do");
	ok(membarrier(cmd, cpu_flag, 1) == 0 && fence_sent(RSEQDEV_FENCE_CPU, 1) &&
	   kernel_got(__NR_membarrier, cmd, cpu_flag, 1, kernel.last[4]),
	   "membarrier(..._RSEQ, CPU, 1) registered: the module's fence, then the kernel's");
	ok(fake.refused == 0, "the fake module refused nothing%s",
	   fake_why());

	start(FAKE_DEVICE, NULL);
	fake.features &= ~RSEQDEV_FEATURE_FENCE;
	ok(membarrier(cmd, 0, 0) == 0 && kernel_got(__NR_membarrier, cmd, 0, 0, kernel.last[4]),
	   "a module without the fence: membarrier(..._RSEQ) is the kernel's");
}

/* RSEQDEV_PRELOAD_RSEQ: auto, exclusive, and a misspelt one. */
static void check_modes(void)
{
	start(FAKE_DEVICE, "auto");
	ok(keeps_errno(shim_syscall(__NR_rseq, &area, HIGH | 32, 0, RSEQ_SIG)) == 0 &&
	   kernel_got(__NR_rseq, (long)&area, HIGH | 32, 0, RSEQ_SIG) && fake.calls == 0,
	   "auto: rseq() is the kernel's, arguments untouched");
	ok(shim_getauxval(AT_RSEQ_FEATURE_SIZE) == KERNEL_AUXV(AT_RSEQ_FEATURE_SIZE),
	   "auto: getauxval(AT_RSEQ_FEATURE_SIZE) is the kernel's");
	ok(membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ, 0, 0) == 0 &&
	   kernel.last[0] == __NR_membarrier && fake.last.cmd != RSEQDEV_IOC_FENCE,
	   "auto: membarrier() is the kernel's");
	start(FAKE_DEVICE, "auto");
	kernel.has_rseq = false;
	ok(keeps_errno(shim_syscall(__NR_rseq, &area, 32, 0, RSEQ_SIG)) == 0 &&
	   register_sent(0, 32, RSEQ_SIG), "auto on a kernel without rseq: the module");
	ok(!shim_syscall(__NR_rseq, &area, 32, RSEQDEV_RSEQ_FLAG_UNREGISTER, RSEQ_SIG),
	   "unregistered");

	start(FAKE_DEVICE, "exclusive");
	ok(keeps_errno(shim_syscall(__NR_rseq, &area, 32, 0, RSEQ_SIG)) == 0 &&
	   register_sent(0, 32, RSEQ_SIG) && kernel.calls == 0,
	   "exclusive, glibc registered nothing: the module");
	ok(!shim_syscall(__NR_rseq, &area, 32, RSEQDEV_RSEQ_FLAG_UNREGISTER, RSEQ_SIG),
	   "unregistered");

	start(FAKE_DEVICE, "bogus");
	begin_capture();
	ok(keeps_errno(shim_syscall(__NR_rseq, &area, 32, 0, RSEQ_SIG)) == 0 &&
	   register_sent(0, 32, RSEQ_SIG), "RSEQDEV_PRELOAD_RSEQ=bogus: the module");
	shim_syscall(__NR_rseq, &area, 32, RSEQDEV_RSEQ_FLAG_UNREGISTER, RSEQ_SIG);
	end_capture();
	ok(lines(captured) == 1 && strstr(captured, "ignoring RSEQDEV_PRELOAD_RSEQ=bogus"),
	   "RSEQDEV_PRELOAD_RSEQ=bogus: one warning");
}

/* With glibc's registration in place (a kernel with rseq, the default tunables). */
static void check_glibc_registered(void)
{
	start(FAKE_DEVICE, NULL);
	ok(shim_getauxval(AT_RSEQ_FEATURE_SIZE) == KERNEL_AUXV(AT_RSEQ_FEATURE_SIZE) &&
	   shim_getauxval(AT_RSEQ_ALIGN) == KERNEL_AUXV(AT_RSEQ_ALIGN),
	   "glibc registered: getauxval(AT_RSEQ_*) describe the kernel's area");
	ok(keeps_errno(shim_syscall(__NR_rseq, &area, 32, 0, RSEQ_SIG)) == 0 &&
	   register_sent(0, 32, RSEQ_SIG), "module mode: rseq() still goes to the module");
	ok(!shim_syscall(__NR_rseq, &area, 32, RSEQDEV_RSEQ_FLAG_UNREGISTER, RSEQ_SIG),
	   "unregistered");
	start(FAKE_DEVICE, "exclusive");
	ok(keeps_errno(shim_syscall(__NR_rseq, &area, 32, 0, RSEQ_SIG)) == 0 &&
	   kernel_got(__NR_rseq, (long)&area, 32, 0, RSEQ_SIG) && fake.calls == 0,
	   "exclusive: the kernel answers for glibc's thread");
}

static bool glibc_registered_rseq(void)
{
#if __has_include("sys/rseq.h")
	return __rseq_size > 0;
#else
	return false;
#endif
}

int main(int argc, char **argv)
{
	const char *what = argc > 1 ? argv[1] : "";

	if (!strcmp(what, "plain")) {
		check_missing_device();
		check_unusable_device();
		check_passthrough();
		check_rseq_to_module();
		check_slice_routing();
		check_membarrier_query();
		check_membarrier_register();
		check_membarrier_fence();
		check_modes();
	} else if (!strcmp(what, "glibc")) {
		if (!glibc_registered_rseq()) {
			printf("1..0 # SKIP glibc registered no rseq area (old glibc, or a kernel without rseq)\n");
			return 0;
		}
		check_glibc_registered();
	} else {
		tap_bail("usage: shim_check plain|glibc");
	}
	return tap_done();
}
