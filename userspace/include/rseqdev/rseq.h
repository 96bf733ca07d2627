/* SPDX-License-Identifier: LGPL-2.1-only OR MIT */
/*
 * librseqdev: restartable sequences, registered through the rseqdev module
 * or through the kernel's own rseq system call.
 *
 * Each thread has one struct rseqdev_rseq at a fixed offset from its thread
 * pointer (rseqdev_rseq_offset), whoever registered it. The per-CPU operations read
 * the current CPU from it and name it in their critical sections; only
 * registration goes through the device.
 *
 * Backend selection, once per process, from $RSEQDEV_BACKEND:
 *   "module"  register through /dev/rseq (the library's own area)
 *   "native"  use the rseq system call: adopt glibc's area when glibc
 *             registered one, else register the library's own area
 *   "auto" or unset: the module when it provides rseq, else native
 */
#ifndef RSEQDEV_RSEQ_H
#define RSEQDEV_RSEQ_H

#include <sched.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/rseqdev.h>
#include <rseqdev/arch.h>	/* RSEQ_SIG, the abort signature */
#include <rseqdev/rseqdev.h>	/* rseqdev_slice_yield() */

#ifdef __cplusplus
extern "C" {
#endif

#define RSEQDEV_ENV_BACKEND	"RSEQDEV_BACKEND"
#define RSEQDEV_ENV_SLICE_EXT	"RSEQDEV_SLICE_EXT"

enum rseq_backend {
	RSEQ_BACKEND_NONE = 0,		/* rseq unavailable */
	RSEQ_BACKEND_MODULE,		/* registered through /dev/rseq */
	RSEQ_BACKEND_NATIVE,		/* the kernel's rseq system call */
};

/* Offset from the thread pointer to the thread's struct rseqdev_rseq. */
extern ptrdiff_t rseqdev_rseq_offset;

/*
 * Feature size of the area in use (offsetof(struct rseqdev_rseq, end) or less);
 * 0 when rseq is unavailable. Fields past it are not maintained.
 */
extern unsigned int rseqdev_rseq_size;

/**
 * rseqdev_init() - choose the backend; idempotent, thread-safe
 *
 * Runs by itself when the library loads; call it from code that may run
 * before library constructors.
 *
 * Return: the backend chosen.
 */
enum rseq_backend rseqdev_init(void);

/**
 * rseqdev_get_backend() - the backend chosen for this process
 *
 * Return: RSEQ_BACKEND_MODULE, RSEQ_BACKEND_NATIVE or RSEQ_BACKEND_NONE.
 */
enum rseq_backend rseqdev_get_backend(void);

/**
 * rseqdev_backend_name() - a backend as a word: "module", "native", "none"
 * @backend: the backend
 *
 * Return: a static string.
 */
const char *rseqdev_backend_name(enum rseq_backend backend);

/**
 * enum rseqdev_rules - the rules the calling process's registrations follow
 * @RSEQDEV_RULES_NONE: rseq unavailable
 * @RSEQDEV_RULES_CLASSIC: mainline 4.18 to 6.18 (the module's classic
 *	generation, or a kernel's own rseq before 6.19)
 * @RSEQDEV_RULES_7_1_LEGACY: mainline 7.1, a 32-byte registration ("V1")
 * @RSEQDEV_RULES_7_1_OPTIMIZED: mainline 7.1, a longer registration ("V2")
 */
enum rseqdev_rules {
	RSEQDEV_RULES_NONE,
	RSEQDEV_RULES_CLASSIC,
	RSEQDEV_RULES_7_1_LEGACY,
	RSEQDEV_RULES_7_1_OPTIMIZED,
};

/**
 * rseqdev_rseq_rules() - which rules the library's registrations get
 *
 * With the module: the generation $RSEQDEV_GENERATION names, or the
 * module's default, and the length the library registers for it. With
 * the kernel's own rseq: classic when AT_RSEQ_FEATURE_SIZE is below 7.1's,
 * else 7.1 with the length registered (glibc's, or the library's 32
 * bytes).
 *
 * Return: the rules, RSEQDEV_RULES_NONE without a backend.
 */
enum rseqdev_rules rseqdev_rseq_rules(void);

/**
 * rseqdev_register_current_thread() - register the calling thread
 *
 * Idempotent: a thread the library registered already gets 0. When glibc
 * owns the thread's registration (native backend), nothing is done. Threads
 * registered by the library are unregistered when they exit.
 *
 * With $RSEQDEV_SLICE_EXT set to "on", a registration that can have the
 * time-slice extension (the module, the 7.1 generation, optimized rules)
 * starts with it enabled; "off" or unset leaves it off.
 *
 * Return: 0, or -1 with errno: ENOSYS when no backend provides rseq,
 * EINVAL for another word in $RSEQDEV_SLICE_EXT, or the error of the
 * registration ioctl or system call.
 */
int rseqdev_register_current_thread(void);

/**
 * rseqdev_rseq_fence_register() - register the process for rseqdev_rseq_fence()
 *
 * Once per process, before the first fence; idempotent.
 *
 * Return: 0, or -1 with errno: ENOSYS without a backend, or the error of
 * membarrier(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_RSEQ) or of the
 * module's fence ioctl.
 */
int rseqdev_rseq_fence_register(void);

/**
 * rseqdev_rseq_fence() - abort the critical sections of the process's threads that
 *	run on other CPUs
 * @cpu: one CPU, or -1 for every CPU
 *
 * When it returns, every critical section of another thread that could
 * have read memory older than the caller's stores before the fence has
 * either committed or will abort before it commits; and the fence is a
 * full memory barrier with those threads. The native backend uses
 * membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ), the module its fence
 * ioctl, which interrupts only CPUs running a registered thread of the
 * process.
 *
 * Return: 0, or -1 with errno: EPERM before rseqdev_rseq_fence_register(), EINVAL
 * for a CPU out of range with the module (membarrier returns 0 there).
 */
int rseqdev_rseq_fence(int cpu);

/**
 * rseqdev_unregister_current_thread() - undo rseqdev_register_current_thread()
 *
 * Return: 0, or -1 with errno (EINVAL when the library did not register
 * the thread).
 */
int rseqdev_unregister_current_thread(void);

static inline __attribute__((always_inline))
struct rseqdev_rseq *rseq_get_abi(void)
{
	return (struct rseqdev_rseq *)((uintptr_t)__builtin_thread_pointer() +
				   rseqdev_rseq_offset);
}

/* A single, untorn access the compiler may neither repeat nor elide. */
#define RSEQ_READ_ONCE(x)	__atomic_load_n(&(x), __ATOMIC_RELAXED)
#define RSEQ_WRITE_ONCE(x, v)	__atomic_store_n(&(x), (v), __ATOMIC_RELAXED)

/**
 * rseq_current_cpu_raw() - the current CPU as the kernel last wrote it
 *
 * Return: the CPU number, or a negative RSEQDEV_RSEQ_CPU_ID_* value when the
 * thread is not registered.
 */
static inline __attribute__((always_inline)) int32_t rseq_current_cpu_raw(void)
{
	return (int32_t)RSEQ_READ_ONCE(rseq_get_abi()->cpu_id);
}

/**
 * rseq_cpu_start() - cpu_id_start: always a possible CPU number
 *
 * Return: the CPU number (0 when the thread is not registered).
 */
static inline __attribute__((always_inline)) uint32_t rseq_cpu_start(void)
{
	return RSEQ_READ_ONCE(rseq_get_abi()->cpu_id_start);
}

/**
 * rseqdev_current_cpu() - the current CPU, registering the thread if needed
 *
 * Return: the CPU number; sched_getcpu()'s answer when rseq is unavailable.
 */
int32_t rseqdev_current_cpu(void);

/**
 * rseq_node_id_available() - does the area in use carry node_id?
 *
 * Return: non-zero when it does.
 */
static inline int rseq_node_id_available(void)
{
	return rseqdev_rseq_size >= offsetof(struct rseqdev_rseq, node_id) + sizeof(uint32_t);
}

/**
 * rseq_mm_cid_available() - does the area in use carry mm_cid?
 *
 * Return: non-zero when it does.
 */
static inline int rseq_mm_cid_available(void)
{
	return rseqdev_rseq_size >= offsetof(struct rseqdev_rseq, mm_cid) + sizeof(uint32_t);
}

/**
 * rseq_current_node_id() - NUMA node of the current CPU, from the area
 *
 * Only meaningful when rseq_node_id_available() and the thread is registered.
 *
 * Return: the node number.
 */
static inline __attribute__((always_inline)) uint32_t rseq_current_node_id(void)
{
	return RSEQ_READ_ONCE(rseq_get_abi()->node_id);
}

/**
 * rseq_current_mm_cid() - the thread's concurrency id, from the area
 *
 * Only meaningful when rseq_mm_cid_available() and the thread is registered.
 *
 * Return: the concurrency id.
 */
static inline __attribute__((always_inline)) uint32_t rseq_current_mm_cid(void)
{
	return RSEQ_READ_ONCE(rseq_get_abi()->mm_cid);
}

/**
 * rseq_thread_ready() - make sure the calling thread is registered
 *
 * The lazy registration every per-CPU operation starts with: one load when
 * the thread is registered already.
 *
 * Return: 0, or -1 with errno as rseqdev_register_current_thread().
 */
static inline __attribute__((always_inline)) int rseq_thread_ready(void)
{
	if (__builtin_expect(rseq_current_cpu_raw() >= 0, 1))
		return 0;
	return rseqdev_register_current_thread();
}

/*
 * The time-slice extension (mainline 7.0; the module's 7.1 generation,
 * optimized registrations): a thread asks not to be preempted during a
 * short critical section, typically while it holds a lock other threads
 * spin on. The kernel may then let it run a few microseconds past a
 * reschedule request, and sets "granted"; the thread gives the CPU back
 * when it is done. Enable it first, per thread:
 * rseqdev_slice_prctl(RSEQDEV_PR_RSEQ_SLICE_EXTENSION_SET,
 * RSEQDEV_PR_RSEQ_SLICE_EXT_ENABLE, 0, 0), or register with
 * RSEQDEV_RSEQ_FLAG_SLICE_EXT_DEFAULT_ON. Without it the request is
 * harmless and never granted.
 */

/* A byte of slice_ctrl (RSEQDEV_SLICE_CTRL_*_BYTE) of the thread's area. */
static inline __attribute__((always_inline)) uint8_t *rseqdev_slice_byte(int byte)
{
	return (uint8_t *)&rseq_get_abi()->slice_ctrl + byte;
}

/**
 * rseqdev_slice_request() - ask for no preemption until the release
 *
 * A compiler barrier follows the store: the critical section cannot move
 * above it. Only the thread itself and the kernel, on its behalf, touch
 * the word, so no atomic operation is needed.
 */
static inline __attribute__((always_inline)) void rseqdev_slice_request(void)
{
	RSEQ_WRITE_ONCE(*rseqdev_slice_byte(RSEQDEV_SLICE_CTRL_REQUEST_BYTE), 1);
	__asm__ __volatile__("" : : : "memory");
}

/**
 * rseqdev_slice_release() - end the request; give the CPU back if the
 *	kernel extended the thread's time slice meanwhile
 *
 * Return: 1 when a grant was running and the CPU was given back, 0 when
 * none was running (none granted, or the kernel ended it already), -1
 * with errno when the yield could not be made.
 */
static inline __attribute__((always_inline)) int rseqdev_slice_release(void)
{
	__asm__ __volatile__("" : : : "memory");
	RSEQ_WRITE_ONCE(*rseqdev_slice_byte(RSEQDEV_SLICE_CTRL_REQUEST_BYTE), 0);
	__asm__ __volatile__("" : : : "memory");
	if (__builtin_expect(RSEQ_READ_ONCE(*rseqdev_slice_byte(RSEQDEV_SLICE_CTRL_GRANTED_BYTE)), 0))
		return rseqdev_slice_yield();
	return 0;
}

/**
 * struct rseqdev_slice_spinlock - a process-wide spinlock whose holder asks
 *	for a time-slice extension while it holds it
 * @locked: 0 when free, 1 when held
 *
 * The case the extension is for: when the kernel wants to preempt a
 * holder, it may let it run on until the unlock rather than leave every
 * waiter spinning for a time slice. Without the extension (not enabled,
 * not offered, a classic or legacy registration) it is a plain
 * test-and-test-and-set lock.
 */
struct rseqdev_slice_spinlock {
	int locked;
};

#define RSEQDEV_SLICE_SPINLOCK_INIT	{ 0 }

/* Failed looks at a held lock before the waiter yields its CPU. */
#define RSEQDEV_SLICE_SPIN_BEFORE_YIELD	128

/**
 * rseqdev_slice_spin_lock() - take the lock, the extension requested
 * @lock: the lock
 *
 * The request comes before the lock is taken, so that no preemption finds
 * the lock held without it; a waiter withdraws it while it spins, since
 * waiting is no critical section, and yields its CPU now and then for a
 * holder preempted on the same CPU.
 */
static inline void rseqdev_slice_spin_lock(struct rseqdev_slice_spinlock *lock)
{
	unsigned int spins = 0;

	for (;;) {
		rseqdev_slice_request();
		if (!__atomic_exchange_n(&lock->locked, 1, __ATOMIC_ACQUIRE))
			return;
		rseqdev_slice_release();
		while (RSEQ_READ_ONCE(lock->locked)) {
			if (++spins % RSEQDEV_SLICE_SPIN_BEFORE_YIELD == 0)
				sched_yield();
			else
				rseq_arch_cpu_relax();
		}
	}
}

/**
 * rseqdev_slice_spin_unlock() - release the lock, then the request
 * @lock: the lock, held by the caller
 *
 * Return: what rseqdev_slice_release() returns: 1 when the kernel had
 * extended the holder's time slice and the CPU was given back.
 */
static inline int rseqdev_slice_spin_unlock(struct rseqdev_slice_spinlock *lock)
{
	__atomic_store_n(&lock->locked, 0, __ATOMIC_RELEASE);
	return rseqdev_slice_release();
}

#ifdef __cplusplus
}
#endif

#endif /* RSEQDEV_RSEQ_H */
