// SPDX-License-Identifier: LGPL-2.1-only OR MIT
/*
 * librseqdev-preload: unmodified rseq programs on the rseqdev module.
 *
 * Loaded with LD_PRELOAD, it interposes on libc's syscall(), prctl() and
 * getauxval(): rseq(2) goes to /dev/rseq, the RSEQ commands of
 * membarrier(2) to the module's fence (membarrier.c), the time-slice
 * extension's prctl and rseq_slice_yield(2) to the module (slice.c), and
 * AT_RSEQ_FEATURE_SIZE and AT_RSEQ_ALIGN describe the module's struct rseq
 * in the generation $RSEQDEV_GENERATION names (else the module's default).
 * Every other call reaches libc untouched, errno included. The user's side
 * is docs/preload.md.
 *
 * syscall() may be called from a signal handler, so the rseq and membarrier
 * paths take no lock and allocate nothing: the state is a few words, each
 * set once with an atomic store, and the only output is one writev() of a
 * warning.
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "preload.h"

#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))
#define PRELOAD_ENV_MODE	"RSEQDEV_PRELOAD_RSEQ"

#if __has_include("sys/rseq.h")
/*
 * glibc 2.35+ describes the area it registers in every thread: offset
 * from the thread pointer, and a size of 0 when it registered none.
 */
#include <sys/rseq.h>
#define HAVE_GLIBC_RSEQ 1
#else
#define HAVE_GLIBC_RSEQ 0
#endif

enum preload_mode {
	MODE_UNSET,
	MODE_MODULE,	/* every rseq(2) call goes to the module */
	MODE_AUTO,	/* the kernel's rseq(2) when it has one, else the module */
	MODE_EXCLUSIVE,	/* the module, but never beside glibc's registration */
};

static const struct {
	const char *name;
	enum preload_mode mode;
} mode_names[] = {
	{ "module", MODE_MODULE },
	{ "auto", MODE_AUTO },
	{ "exclusive", MODE_EXCLUSIVE },
};

/* Answers computed on first use; 0 means not known yet. */
enum { ANSWER_NO = 1, ANSWER_YES };
enum { QUERY_NONE, QUERY_FILLING, QUERY_READY };

typedef long (*syscall_fn)(long number, ...);
typedef unsigned long (*getauxval_fn)(unsigned long type);
typedef int (*prctl_fn)(int option, ...);

static void *next_syscall;
static void *next_getauxval;
static void *next_prctl;
static int mode;
static int kernel_rseq;
static int warned_mode;
static int warned_device;
static int query_state;
static struct rseqdev_query cached_query;

/*
 * The next definition of @name after ours: libc's. dlsym() is not
 * async-signal-safe, so the constructor resolves both symbols; only a call
 * made earlier, from another library's constructor, resolves here.
 */
static void *next_symbol(void **slot, const char *name)
{
	void *fn = __atomic_load_n(slot, __ATOMIC_ACQUIRE);

	if (!fn) {
		fn = dlsym(RTLD_NEXT, name);
		__atomic_store_n(slot, fn, __ATOMIC_RELEASE);
	}
	return fn;
}

long preload_real_syscall(long number, long a0, long a1, long a2, long a3,
			  long a4, long a5)
{
	syscall_fn fn = (syscall_fn)next_symbol(&next_syscall, "syscall");

	if (!fn) {
		errno = ENOSYS;
		return -1;
	}
	return fn(number, a0, a1, a2, a3, a4, a5);
}

/* One line on stderr from a NULL-terminated list of pieces, in one write. */
static void say(const char *const *pieces)
{
	struct iovec iov[8];
	int saved_errno = errno;
	ssize_t written;
	int n = 0;

	iov[n].iov_base = (void *)"rseqdev-preload: ";
	iov[n++].iov_len = strlen("rseqdev-preload: ");
	for (; *pieces && n < (int)ARRAY_SIZE(iov) - 1; pieces++, n++) {
		iov[n].iov_base = (void *)*pieces;
		iov[n].iov_len = strlen(*pieces);
	}
	iov[n].iov_base = (void *)"\n";
	iov[n++].iov_len = 1;
	/*
	 * Nowhere to report a failure to report. (A cast of the call to void
	 * does not quiet warn_unused_result, which glibc puts on writev()
	 * under _FORTIFY_SOURCE, as distributions build.)
	 */
	written = writev(STDERR_FILENO, iov, n);
	(void)written;
	errno = saved_errno;
}

static bool first_time(int *flag)
{
	return !__atomic_exchange_n(flag, 1, __ATOMIC_RELAXED);
}

static enum preload_mode parse_mode(void)
{
	const char *word = getenv(PRELOAD_ENV_MODE);
	size_t i;

	if (!word || !*word)
		return MODE_MODULE;
	for (i = 0; i < ARRAY_SIZE(mode_names); i++)
		if (!strcmp(word, mode_names[i].name))
			return mode_names[i].mode;
	if (first_time(&warned_mode))
		say((const char *const[]){ "ignoring " PRELOAD_ENV_MODE "=", word,
			" (module, auto or exclusive); using module", NULL });
	return MODE_MODULE;
}

static enum preload_mode preload_mode(void)
{
	int m = __atomic_load_n(&mode, __ATOMIC_RELAXED);

	if (m == MODE_UNSET) {
		m = parse_mode();
		__atomic_store_n(&mode, m, __ATOMIC_RELAXED);
	}
	return m;
}

/* rseq(NULL, 0, 0, 0) fails with EINVAL where the system call exists. */
bool preload_kernel_has_rseq(void)
{
	int answer = __atomic_load_n(&kernel_rseq, __ATOMIC_RELAXED);
	int saved_errno = errno;

	if (!answer) {
		answer = preload_real_syscall(__NR_rseq, 0, 0, 0, 0, 0, 0) == -1 &&
			 errno == EINVAL ? ANSWER_YES : ANSWER_NO;
		__atomic_store_n(&kernel_rseq, answer, __ATOMIC_RELAXED);
		errno = saved_errno;
	}
	return answer == ANSWER_YES;
}

static bool glibc_registered(void)
{
#if HAVE_GLIBC_RSEQ
	return __rseq_size > 0;
#else
	return false;
#endif
}

/*
 * Whether glibc's registration of the calling thread is in place: the
 * kernel keeps cpu_id >= 0 while an area is registered, and glibc leaves
 * a negative one when its registration failed.
 */
static bool glibc_holds_thread(void)
{
#if HAVE_GLIBC_RSEQ
	struct rseqdev_rseq *area;

	if (!glibc_registered())
		return false;
	area = (struct rseqdev_rseq *)((char *)__builtin_thread_pointer() + __rseq_offset);
	return (int32_t)__atomic_load_n(&area->cpu_id, __ATOMIC_RELAXED) >= 0;
#else
	return false;
#endif
}

bool preload_rseq_to_module(void)
{
	return preload_mode() != MODE_AUTO || !preload_kernel_has_rseq();
}

/*
 * Whether this call goes to the kernel. In exclusive mode a thread glibc
 * registered keeps its one registration slot in the kernel, which then
 * answers exactly as a kernel would: EBUSY for glibc's own registration,
 * EINVAL for another area or length, EPERM for another signature, and an
 * unregistration frees the slot for the module.
 */
bool preload_rseq_call_to_kernel(void)
{
	switch (preload_mode()) {
	case MODE_AUTO:
		return preload_kernel_has_rseq();
	case MODE_EXCLUSIVE:
		return glibc_holds_thread();
	default:
		return false;
	}
}

int preload_module_query(struct rseqdev_query *query)
{
	int expected = QUERY_NONE;

	if (__atomic_load_n(&query_state, __ATOMIC_ACQUIRE) == QUERY_READY) {
		*query = cached_query;
		return 0;
	}
	if (rseqdev_query(query))
		return -1;
	/* The first thread to get an answer publishes it; the others use theirs. */
	if (__atomic_compare_exchange_n(&query_state, &expected, QUERY_FILLING,
					false, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) {
		cached_query = *query;
		__atomic_store_n(&query_state, QUERY_READY, __ATOMIC_RELEASE);
	}
	return 0;
}

static void warn_device_unusable(int err)
{
	const char *reason = strerrordesc_np(err);

	if (first_time(&warned_device))
		say((const char *const[]){ "cannot open ", rseqdev_device_path(), ": ",
			reason ? reason : "unknown error",
			"; rseq calls fail with ENOSYS", NULL });
}

/*
 * The device's descriptor; else -1 with ENOSYS, so that the program sees a
 * kernel without rseq. A missing device only means the module is not
 * loaded; any other reason (permissions first) is reported once.
 */
int preload_module_fd(void)
{
	int fd = rseqdev_device_fd();
	int err = errno;

	if (fd >= 0)
		return fd;
	if (err != ENOENT && err != ENODEV && err != ENXIO)
		warn_device_unusable(err);
	errno = ENOSYS;
	return -1;
}

static long rseq_by_module(long area, long len, long flags, long sig)
{
	int saved_errno = errno;

	if (preload_module_fd() < 0)
		return -1;
	/* The same truncations as the system call's u32 and int arguments. */
	if (rseqdev_rseq((void *)area, (unsigned int)len, (int)flags, (unsigned int)sig))
		return -1;
	errno = saved_errno;
	return 0;
}

static long preload_rseq(long area, long len, long flags, long sig)
{
	if (preload_rseq_call_to_kernel())
		return preload_real_syscall(__NR_rseq, area, len, flags, sig, 0, 0);
	return rseq_by_module(area, len, flags, sig);
}

/* The next @n arguments of @ap into @a. */
static void read_args(va_list ap, long *a, int n)
{
	int i;

	for (i = 0; i < n; i++)
		a[i] = va_arg(ap, long);
}

/*
 * rseq(2) and membarrier(2) read only their own arguments: their callers
 * pass just those, and reading more is undefined. On x86-64 the sixth
 * comes from the caller's frame, where clang's AddressSanitizer reports
 * the read. Any other call gets six, whatever it was given: the shim
 * cannot know how many, and libc's own syscall() reads six too.
 */
long syscall(long number, ...)
{
	long a[6];
	va_list ap;

	va_start(ap, number);
	if (number == __NR_rseq) {
		read_args(ap, a, 4);
		va_end(ap);
		return preload_rseq(a[0], a[1], a[2], a[3]);
	}
	if (number == __NR_membarrier) {
		read_args(ap, a, 3);
		va_end(ap);
		return preload_membarrier(a[0], a[1], a[2]);
	}
	if (number == RSEQDEV_NR_RSEQ_SLICE_YIELD) {
		va_end(ap);
		return preload_slice_yield();
	}
	read_args(ap, a, 6);
	va_end(ap);
	if (number == __NR_prctl && a[0] == RSEQDEV_PR_RSEQ_SLICE_EXTENSION)
		return preload_slice_prctl(a[1], a[2], a[3], a[4]);
	return preload_real_syscall(number, a[0], a[1], a[2], a[3], a[4], a[5]);
}

int preload_real_prctl(int option, unsigned long a2, unsigned long a3,
		       unsigned long a4, unsigned long a5)
{
	prctl_fn fn = (prctl_fn)next_symbol(&next_prctl, "prctl");

	if (!fn) {
		errno = ENOSYS;
		return -1;
	}
	return fn(option, a2, a3, a4, a5);
}

/* As libc's own prctl(), it reads four arguments after the option. */
int prctl(int option, ...)
{
	unsigned long a[4];
	va_list ap;
	int i;

	va_start(ap, option);
	for (i = 0; i < 4; i++)
		a[i] = va_arg(ap, unsigned long);
	va_end(ap);
	if (option == RSEQDEV_PR_RSEQ_SLICE_EXTENSION)
		return (int)preload_slice_prctl(a[0], a[1], a[2], a[3]);
	return preload_real_prctl(option, a[0], a[1], a[2], a[3]);
}

/*
 * The module's layout is what a program should size its own area by, but
 * only when its registrations go to the module. Once glibc registered
 * every thread natively, programs (librseq among them) use glibc's area,
 * which the kernel fills as its own AT_RSEQ_FEATURE_SIZE says.
 */
static bool auxv_from_module(unsigned long type, unsigned long *value)
{
	struct rseqdev_query q;

	if (type != AT_RSEQ_FEATURE_SIZE && type != AT_RSEQ_ALIGN)
		return false;
	if (!preload_rseq_to_module() || glibc_registered())
		return false;
	if (preload_module_query(&q) || !(q.features & RSEQDEV_FEATURE_RSEQ))
		return false;
	*value = type == AT_RSEQ_FEATURE_SIZE ? q.rseq_feature_size : q.rseq_align;
	/* The layout of the generation the registrations will ask for. */
	switch (rseqdev_requested_generation(NULL)) {
	case RSEQDEV_GEN_CLASSIC:
		*value = type == AT_RSEQ_FEATURE_SIZE ? RSEQDEV_GEN_CLASSIC_FEATURE_SIZE
						      : RSEQDEV_GEN_CLASSIC_ALIGN;
		break;
	case RSEQDEV_GEN_7_1:
		*value = type == AT_RSEQ_FEATURE_SIZE ? RSEQDEV_GEN_7_1_FEATURE_SIZE
						      : RSEQDEV_GEN_7_1_ALIGN;
		break;
	}
	return true;
}

unsigned long getauxval(unsigned long type)
{
	getauxval_fn fn;
	unsigned long value;
	int saved_errno = errno;

	if (auxv_from_module(type, &value)) {
		errno = saved_errno;
		return value;
	}
	errno = saved_errno;
	fn = (getauxval_fn)next_symbol(&next_getauxval, "getauxval");
	if (!fn) {
		errno = ENOENT;
		return 0;
	}
	return fn(type);
}

__attribute__((constructor)) static void preload_init(void)
{
	next_symbol(&next_syscall, "syscall");
	next_symbol(&next_getauxval, "getauxval");
	next_symbol(&next_prctl, "prctl");
	preload_mode();
}
