// SPDX-License-Identifier: LGPL-2.1-only OR MIT
/*
 * Backend choice and per-thread registration.
 *
 * The library's own area is an initial-exec TLS variable, so its offset
 * from the thread pointer is the same in every thread and the fast paths
 * reach it with one %fs-relative access. When glibc has registered its own
 * area and the native backend is chosen, the library adopts glibc's area
 * instead: a thread has only one native registration.
 */
#include <linux/membarrier.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#if __has_include("sys/rseq.h")
/* glibc 2.35+: __rseq_offset and __rseq_size of the area glibc registered. */
#include <sys/rseq.h>
#define HAVE_GLIBC_RSEQ 1
#else
#define HAVE_GLIBC_RSEQ 0
#endif

#include <rseqdev/rseq.h>
#include <rseqdev/rseqdev.h>

ptrdiff_t rseqdev_rseq_offset;
unsigned int rseqdev_rseq_size;

/* Aligned for an optimized registration of the 7.1 generation. */
static __thread struct rseqdev_rseq rseq_area
	__attribute__((tls_model("initial-exec"), aligned(RSEQDEV_GEN_7_1_ALIGN))) = {
	.cpu_id = (uint32_t)RSEQDEV_RSEQ_CPU_ID_UNINITIALIZED,
};

/* Whether the library registered the calling thread (and so owns it). */
static __thread bool thread_registered
	__attribute__((tls_model("initial-exec")));

static enum rseq_backend backend;
static enum rseqdev_rules rules;
/* The length of the library's own registrations. */
static unsigned int own_len = RSEQDEV_RSEQ_ORIG_SIZE;
static bool glibc_owns_area;
static pthread_key_t exit_key;
static pthread_once_t init_once = PTHREAD_ONCE_INIT;

static ptrdiff_t offset_of_own_area(void)
{
	return (char *)&rseq_area - (char *)__builtin_thread_pointer();
}

/* The feature size the kernel reports, or the original 20 bytes. */
static unsigned int native_feature_size(void)
{
	unsigned long size = getauxval(AT_RSEQ_FEATURE_SIZE);

	return size ? (unsigned int)size : 20;
}

static bool module_provides_rseq(struct rseqdev_query *q)
{
	return !rseqdev_query(q) && (q->features & RSEQDEV_FEATURE_RSEQ);
}

/*
 * The generation the registrations get: the one asked for, else the
 * module's default (a module older than generations runs classic only).
 * An unknown $RSEQDEV_GENERATION makes every registration fail with
 * EINVAL; the sizes here do not matter then.
 */
static void choose_module_rules(const struct rseqdev_query *q)
{
	int legacy = 0;
	int gen = rseqdev_requested_generation(&legacy);

	if (gen <= RSEQDEV_GEN_DEFAULT)
		gen = q->default_generation ? (int)q->default_generation
					    : RSEQDEV_GEN_CLASSIC;
	if (gen == RSEQDEV_GEN_7_1 && !legacy) {
		rules = RSEQDEV_RULES_7_1_OPTIMIZED;
		own_len = RSEQDEV_GEN_7_1_FEATURE_SIZE;
		rseqdev_rseq_size = RSEQDEV_GEN_7_1_FEATURE_SIZE;
	} else if (gen == RSEQDEV_GEN_7_1) {
		rules = RSEQDEV_RULES_7_1_LEGACY;
		rseqdev_rseq_size = RSEQDEV_RSEQ_ORIG_SIZE;
	} else {
		rules = RSEQDEV_RULES_CLASSIC;
		rseqdev_rseq_size = RSEQDEV_GEN_CLASSIC_FEATURE_SIZE;
	}
}

/* A kernel's own rseq: 7.1's feature size tells the generation. */
static void choose_native_rules(unsigned int len)
{
	if (native_feature_size() < RSEQDEV_GEN_7_1_FEATURE_SIZE)
		rules = RSEQDEV_RULES_CLASSIC;
	else if (len > RSEQDEV_RSEQ_ORIG_SIZE)
		rules = RSEQDEV_RULES_7_1_OPTIMIZED;
	else
		rules = RSEQDEV_RULES_7_1_LEGACY;
}

/* rseq(NULL, 0, 0, 0) fails with EINVAL when the system call exists. */
static bool kernel_provides_rseq(void)
{
	return syscall(__NR_rseq, NULL, 0, 0, 0) == -1 && errno == EINVAL;
}

static bool use_module(void)
{
	struct rseqdev_query q;

	if (!module_provides_rseq(&q))
		return false;
	backend = RSEQ_BACKEND_MODULE;
	rseqdev_rseq_offset = offset_of_own_area();
	choose_module_rules(&q);
	return true;
}

static bool glibc_registered(void)
{
#if HAVE_GLIBC_RSEQ
	return __rseq_size > 0;
#else
	return false;
#endif
}

static void adopt_glibc_area(void)
{
#if HAVE_GLIBC_RSEQ
	glibc_owns_area = true;
	rseqdev_rseq_offset = __rseq_offset;
	/* glibc 2.40 says 20 for a 32-byte area; trust the kernel then. */
	rseqdev_rseq_size = native_feature_size();
	if (__rseq_size < 32 && rseqdev_rseq_size > __rseq_size)
		rseqdev_rseq_size = __rseq_size;
	/* glibc registers at least 32 bytes, more when the features need it. */
	choose_native_rules(__rseq_size > RSEQDEV_RSEQ_ORIG_SIZE ? __rseq_size
								 : RSEQDEV_RSEQ_ORIG_SIZE);
#endif
}

static bool use_native(void)
{
	if (glibc_registered()) {
		/* glibc registered every thread: adopt its area. */
		adopt_glibc_area();
	} else if (kernel_provides_rseq()) {
		rseqdev_rseq_offset = offset_of_own_area();
		rseqdev_rseq_size = native_feature_size();
		choose_native_rules(own_len);
	} else {
		return false;
	}
	backend = RSEQ_BACKEND_NATIVE;
	return true;
}

static void unregister_at_exit(void *unused)
{
	(void)unused;
	if (thread_registered)
		rseqdev_unregister_current_thread();
}

static void init_once_fn(void)
{
	const char *want = getenv(RSEQDEV_ENV_BACKEND);
	int saved_errno = errno;

	pthread_key_create(&exit_key, unregister_at_exit);
	rseqdev_rseq_offset = offset_of_own_area();
	if (want && !strcmp(want, "module"))
		use_module();
	else if (want && !strcmp(want, "native"))
		use_native();
	else if (!use_module())
		use_native();
	errno = saved_errno;
}

enum rseq_backend rseqdev_init(void)
{
	pthread_once(&init_once, init_once_fn);
	return backend;
}

__attribute__((constructor)) static void rseq_init_at_load(void)
{
	rseqdev_init();
}

enum rseq_backend rseqdev_get_backend(void)
{
	return rseqdev_init();
}

enum rseqdev_rules rseqdev_rseq_rules(void)
{
	rseqdev_init();
	return rules;
}

const char *rseqdev_backend_name(enum rseq_backend b)
{
	switch (b) {
	case RSEQ_BACKEND_MODULE:
		return "module";
	case RSEQ_BACKEND_NATIVE:
		return "native";
	default:
		return "none";
	}
}

/* The rseq system call's operation, through whichever backend is in use. */
static int rseq_call(unsigned int flags)
{
	if (backend == RSEQ_BACKEND_NATIVE)
		return syscall(__NR_rseq, &rseq_area, own_len, flags,
			       RSEQ_SIG) ? -1 : 0;
	return rseqdev_rseq(&rseq_area, own_len, (int)flags, RSEQ_SIG);
}

/*
 * $RSEQDEV_SLICE_EXT: "on" registers with the time-slice extension enabled
 * where a registration can have it (the module, 7.1, optimized rules).
 */
static int registration_flags(unsigned int *flags)
{
	const char *word = getenv(RSEQDEV_ENV_SLICE_EXT);

	*flags = 0;
	if (!word || !*word || !strcmp(word, "off"))
		return 0;
	if (strcmp(word, "on")) {
		errno = EINVAL;
		return -1;
	}
	if (backend == RSEQ_BACKEND_MODULE &&
	    rseqdev_rseq_rules() == RSEQDEV_RULES_7_1_OPTIMIZED)
		*flags = RSEQDEV_RSEQ_FLAG_SLICE_EXT_DEFAULT_ON;
	return 0;
}

int rseqdev_register_current_thread(void)
{
	unsigned int flags;

	if (rseqdev_init() == RSEQ_BACKEND_NONE) {
		errno = ENOSYS;
		return -1;
	}
	if (glibc_owns_area || thread_registered)
		return 0;
	if (registration_flags(&flags) || rseq_call(flags))
		return -1;
	thread_registered = true;
	/* A non-NULL value makes the key's destructor run at thread exit. */
	pthread_setspecific(exit_key, &rseq_area);
	return 0;
}

int rseqdev_unregister_current_thread(void)
{
	if (!thread_registered) {
		errno = EINVAL;
		return -1;
	}
	if (rseq_call(RSEQDEV_RSEQ_FLAG_UNREGISTER))
		return -1;
	thread_registered = false;
	pthread_setspecific(exit_key, NULL);
	return 0;
}

int rseqdev_rseq_fence_register(void)
{
	switch (rseqdev_init()) {
	case RSEQ_BACKEND_MODULE:
		return rseqdev_fence_register();
	case RSEQ_BACKEND_NATIVE:
		return syscall(__NR_membarrier,
			       MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_RSEQ, 0,
			       0) ? -1 : 0;
	default:
		errno = ENOSYS;
		return -1;
	}
}

int rseqdev_rseq_fence(int cpu)
{
	switch (rseqdev_get_backend()) {
	case RSEQ_BACKEND_MODULE:
		return rseqdev_fence(cpu < 0 ? 0 : RSEQDEV_FENCE_CPU, cpu);
	case RSEQ_BACKEND_NATIVE:
		return syscall(__NR_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ,
			       cpu < 0 ? 0 : MEMBARRIER_CMD_FLAG_CPU, cpu) ? -1 : 0;
	default:
		errno = ENOSYS;
		return -1;
	}
}

int32_t rseqdev_current_cpu(void)
{
	int32_t cpu = rseq_current_cpu_raw();

	if (cpu >= 0)
		return cpu;
	if (rseqdev_register_current_thread() == 0) {
		cpu = rseq_current_cpu_raw();
		if (cpu >= 0)
			return cpu;
	}
	return sched_getcpu();
}
