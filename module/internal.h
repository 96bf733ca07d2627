/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Declarations shared between the files of the rseqdev module. Nothing here
 * depends on the kernel version: that lives behind compat/compat.h.
 */
#ifndef RSEQDEV_INTERNAL_H
#define RSEQDEV_INTERNAL_H

#include <linux/preempt.h>
#include <linux/gfp.h>
#include <linux/percpu.h>
#include <linux/list.h>
#include <linux/types.h>

#include <linux/rseqdev.h>

#define RSEQDEV_NAME "rseqdev"

struct mm_struct;
struct pt_regs;
struct task_struct;

/*
 * generation.c: the rules of each generation, and the default one.
 * @register_flags:	what registration accepts besides UNREGISTER
 * @split_by_length:	a registration longer than 32 bytes gets the
 *			optimized rules (7.1's "V2"), a 32-byte one the legacy
 *			rules ("V1")
 */
struct rseqdev_gen_rules {
	u32 gen;
	const char *name;
	u32 feature_size;
	u32 align;
	u32 register_flags;
	bool split_by_length;
};

const struct rseqdev_gen_rules *rseqdev_gen_rules(u32 requested);
u32 rseqdev_gen_mask(void);
bool rseqdev_gen_debug(void);
int rseqdev_gen_start(void);
void rseqdev_gen_stop(void);

/* device.c */
int rseqdev_device_register(void);
void rseqdev_device_unregister(void);

/*
 * mm_cid.c: per-process state. Compact concurrency ids (a thread holds an
 * id from its return to user space until it is switched out), the fence
 * registration, and the list of registered threads.
 */
struct rseqdev_mm;

struct rseqdev_mm *rseqdev_mm_alloc(gfp_t gfp);
void rseqdev_mm_free_unused(struct rseqdev_mm *rmm);
struct rseqdev_mm *rseqdev_mm_get(struct mm_struct *mm, struct rseqdev_mm **spare);
struct rseqdev_mm *rseqdev_mm_lookup(struct mm_struct *mm);
void rseqdev_mm_adopt(struct rseqdev_mm *rmm, struct mm_struct *mm,
		   struct rseqdev_mm *parent);
void rseqdev_mm_put(struct rseqdev_mm *rmm);
int rseqdev_mm_cid_take(struct rseqdev_mm *rmm, int last);
void rseqdev_mm_cid_drop(struct rseqdev_mm *rmm, int cid);
int rseqdev_mm_fence_register(void);
struct rseqdev_mm *rseqdev_mm_fence_registered(struct rseqdev_mm *own);
void rseqdev_mm_reap_soon(void);
void rseqdev_mm_reap_now(void);
void rseqdev_mm_exit(void);
void rseqdev_mm_add_thread(struct rseqdev_mm *rmm, struct list_head *node);
void rseqdev_mm_del_thread(struct rseqdev_mm *rmm, struct list_head *node);
typedef void (*rseqdev_mm_thread_fn)(struct list_head *node, void *arg);
unsigned int rseqdev_mm_visit_threads(struct rseqdev_mm *rmm, rseqdev_mm_thread_fn fn,
				     void *arg);

/*
 * rseqdev_thread.c: the state of one thread registered through the module.
 * Only the thread itself touches it (its ioctls, its context switches, its
 * signal delivery, its exec and exit, its return to user space, a fence
 * interrupt that finds it running), except that a parent sets up the state
 * of a forked child before the child runs, and that RSEQDEV_IOC_THREADS
 * reads the counters of the threads it lists. A switch-out or a fence
 * interrupt can interrupt the thread's own code, so that code changes the
 * fields they write (events, work_queued) only with interrupts off; beyond
 * that, no lock and no atomic operation is needed.
 */
enum rseqdev_thread_event {
	RSEQ_THREAD_EVENT_PREEMPT = 1 << 0,	/* switched out, incl. migration */
	RSEQ_THREAD_EVENT_SIGNAL = 1 << 1,	/* a signal is being delivered */
	RSEQ_THREAD_EVENT_INTERRUPT = 1 << 2,	/* a fence interrupted it */
	RSEQ_THREAD_EVENT_SYSCALL_EXIT = 1 << 3,	/* 7.1 debug: leaving a system call */
	RSEQ_THREAD_EVENT_SLICE_ENDED = 1 << 4,	/* a grant ended: clear slice_ctrl */
	RSEQ_THREAD_EVENT_CPU_OPV = 1 << 5,	/* a vector ran in an interrupt of its CPU */
};

/*
 * What the trace events (rseqdev_trace.h) report. How a state started
 * and why it ended:
 */
enum rseqdev_setup_how {
	RSEQDEV_SETUP_REGISTER,		/* the register ioctl */
	RSEQDEV_SETUP_FORK,		/* inherited by a forked child */
};

enum rseqdev_teardown_cause {
	RSEQDEV_TEARDOWN_UNREGISTER,	/* the thread unregistered */
	RSEQDEV_TEARDOWN_EXEC,		/* it ran execve() */
	RSEQDEV_TEARDOWN_EXIT,		/* it exited (or was killed) */
};

/* The rule a thread broke when the module kills it with SIGSEGV. */
enum rseqdev_reject_rule {
	RSEQDEV_REJECT_FAULT,		/* area or descriptor not accessible */
	RSEQDEV_REJECT_CS_ADDRESS,	/* rseq_cs beyond user space */
	RSEQDEV_REJECT_VERSION,		/* rseq_cs version not 0 */
	RSEQDEV_REJECT_IP_RANGE,	/* an IP of the section beyond user space */
	RSEQDEV_REJECT_OVERFLOW,	/* start_ip + post_commit_offset wraps */
	RSEQDEV_REJECT_ABORT_INSIDE,	/* abort_ip inside the section */
	RSEQDEV_REJECT_SIGNATURE,	/* the word before abort_ip is not sig */
	RSEQDEV_REJECT_CS_FLAGS,	/* flags in rseq_cs */
	RSEQDEV_REJECT_AREA_FLAGS,	/* flags in the area, inside a section */
	RSEQDEV_REJECT_IDS_CHANGED,	/* 7.1 optimized: user space wrote the IDs */
	RSEQDEV_REJECT_SYSCALL_IN_CS,	/* 7.1 debug: a system call inside a section */
	RSEQDEV_REJECT_SLICE_CTRL,	/* 7.1 debug: slice_ctrl broken after a grant */
	RSEQDEV_REJECT_SLICE_FLAGS,	/* slice prctl: the area's feature bits broken */
};

/* Where a cpu_opv vector ran. */
enum rseqdev_opv_route {
	RSEQDEV_OPV_ROUTE_NONE,		/* nowhere: refused before it ran */
	RSEQDEV_OPV_ROUTE_HERE,		/* in the caller, on the target CPU */
	RSEQDEV_OPV_ROUTE_IPI,		/* in an interrupt of the target CPU */
	RSEQDEV_OPV_ROUTE_KWORKER,	/* in a kworker bound to the target CPU */
	RSEQDEV_OPV_ROUTE_OFFLINE,	/* in the caller, for an offline CPU */
	RSEQDEV_OPV_ROUTE_MM_CID,	/* in the caller, holding the concurrency id */
};

/* A way the module took because the first one could not finish. */
enum rseqdev_fallback {
	RSEQDEV_FALLBACK_OPV_CPU_BUSY,	/* the interrupt found a vector running: kworker */
	RSEQDEV_FALLBACK_OPV_IPI_REFUSED,	/* the CPU went offline: hotplug path */
	RSEQDEV_FALLBACK_SWITCH_IN,	/* the switch-in left its work to the callback */
};

/*
 * The time-slice extension of a thread (slice.c). Written by the thread
 * itself, by its switch-out and by its CPU's timer; read by them and by
 * the hooks that run on its behalf.
 */
struct rseqdev_slice {
	bool available;	/* offered at registration: the prctl may enable it */
	bool enabled;
	bool granted;	/* a grant is running */
	bool yielded;	/* the last grant ended by the yield ioctl */
};

/* The ID fields of an area, as the module writes them. */
struct rseqdev_ids {
	u32 cpu_start;
	u32 cpu;
	u32 node;
	u32 cid;
};

struct rseqdev_thread {
	struct preempt_notifier notifier;
	struct callback_head resume_work;
	bool work_queued;	/* resume_work is on the task's list */
	bool resuming;		/* resume_work is running (it may be preempted) */
	bool dead;		/* unregistered: the callback only frees */
	bool needs_spares;	/* a fork used the spares up */
	unsigned int events;	/* RSEQ_THREAD_EVENT_*, since the last abort */
	struct task_struct *task;
	struct list_head mm_node;	/* on rmm's list while registered */
	int cpu;		/* where it last ran */
	u8 reject;		/* enum rseqdev_reject_rule, once one is broken */
	/* What RSEQDEV_IOC_THREADS reports; written by the owner only. */
	u64 nr_aborts;
	u64 nr_preempts;
	u64 nr_signals;
	u64 nr_fences;
	struct rseqdev_rseq __user *area;
	u32 len;
	u32 sig;
	const struct rseqdev_gen_rules *rules;
	bool optimized;		/* 7.1's V2 rules: longer than 32 bytes */
	struct rseqdev_ids written;	/* 7.1: the IDs the area should hold */
	struct rseqdev_slice slice;
	struct rseqdev_mm *rmm;
	int cid;		/* concurrency id held, or -1 */
	int last_cid;		/* the one held before, or -1 */
	/* rseq_traced.c: where a traced thread stood when a signal came. */
	struct {
		unsigned long ip, sp;
		bool noted;
	} traced_signal;
	/* Preallocated for a fork: the child's state and its process's ids. */
	struct rseqdev_thread *spare;
	struct rseqdev_mm *spare_rmm;
};

struct rseqdev_thread *rseqdev_thread_of_current(void);
int rseqdev_thread_register(struct rseqdev_rseq __user *area, u32 len, u32 sig,
			    const struct rseqdev_gen_rules *rules, u32 area_flags);
void rseqdev_thread_post(struct rseqdev_thread *t, unsigned int events);
void rseqdev_thread_teardown(struct rseqdev_thread *t,
			     enum rseqdev_teardown_cause cause);
int rseqdev_thread_reject(struct rseqdev_thread *t, enum rseqdev_reject_rule rule);
void rseqdev_thread_kill(struct rseqdev_thread *t, int err);
int rseqdev_thread_hold_cid(int cid);
void rseqdev_thread_fence_hit(struct rseqdev_thread *t);
void rseqdev_thread_opv_hit(void);

/**
 * rseqdev_thread_take_cid() - the concurrency id @t holds, taken if it has none
 * @t: the state of current
 *
 * Called with preemption off: only a switch-out gives the id up. Inline: it
 * is on every switch-in of a registered thread.
 *
 * Return: the id.
 */
static inline int rseqdev_thread_take_cid(struct rseqdev_thread *t)
{
	if (t->cid < 0)
		t->cid = rseqdev_mm_cid_take(t->rmm, t->last_cid);
	t->last_cid = t->cid;
	return t->cid;
}

/* fence.c: RSEQDEV_IOC_FENCE, and which CPUs run registered threads. */
struct rseqdev_fence;
long rseqdev_fence_run(const struct rseqdev_fence *req);

/*
 * The process of the registered thread running on each CPU, or NULL: what
 * the fence reads to choose the CPUs it interrupts. Written on every
 * switch of a registered thread, hence inline.
 */
DECLARE_PER_CPU(struct rseqdev_mm *, rseqdev_running_mm);

/**
 * rseqdev_fence_note_running() - current, a registered thread of @rmm, runs
 *	on this CPU
 * @rmm: current's process
 *
 * Called with preemption off, at switch-in and at registration.
 */
static inline void rseqdev_fence_note_running(struct rseqdev_mm *rmm)
{
	this_cpu_write(rseqdev_running_mm, rmm);
	/* Pairs with the barrier before the fence reads the slots. */
	smp_mb();
}

/**
 * rseqdev_fence_note_stopped() - current, a registered thread of @rmm, stops
 *	running on this CPU (switch-out, unregistration)
 * @rmm: current's process
 *
 * Called with preemption off. A stale slot would only cost an interrupt.
 */
static inline void rseqdev_fence_note_stopped(struct rseqdev_mm *rmm)
{
	if (this_cpu_read(rseqdev_running_mm) == rmm)
		this_cpu_write(rseqdev_running_mm, NULL);
}

/* threads.c: RSEQDEV_IOC_THREADS. */
struct rseqdev_threads;
long rseqdev_threads_report(const struct rseqdev_threads *req);

/* slice.c: the time-slice extension. */
struct rseqdev_slice_prctl;
bool rseqdev_slice_offered(void);
u32 rseqdev_slice_area_flags(const struct rseqdev_gen_rules *rules,
			     bool optimized, u32 reg_flags);
bool rseqdev_slice_schedule_call(struct pt_regs *call_regs);
void rseqdev_slice_syscall_entry(long nr, unsigned long arg1);
void rseqdev_slice_switched_out(struct rseqdev_thread *t);
int rseqdev_slice_clear_user(struct rseqdev_thread *t, bool check);
int rseqdev_slice_start_thread(struct rseqdev_thread *t, u32 area_flags);
void rseqdev_slice_inherit(struct rseqdev_thread *child,
			   const struct rseqdev_thread *parent);
void rseqdev_slice_stop_thread(struct rseqdev_thread *t);
long rseqdev_slice_prctl(const struct rseqdev_slice_prctl *req);
long rseqdev_slice_yield(void);
void rseqdev_slice_start(void);
void rseqdev_slice_stop(void);

/* rseq_resume.c: the work done before a thread returns to user space. */
int rseqdev_prepare_area(struct rseqdev_rseq __user *area,
			 const struct rseqdev_gen_rules *rules, bool optimized,
			 u32 area_flags);
int rseqdev_handle_resume(struct rseqdev_thread *t, struct pt_regs *regs);
int rseqdev_resume_rules(struct rseqdev_thread *t, struct pt_regs *regs);
bool rseqdev_resume_at_switch_in(struct rseqdev_thread *t, struct pt_regs *regs);

/* rseq_traced.c: signals to a thread under ptrace. */
bool rseqdev_traced_signal_note(struct rseqdev_thread *t, struct pt_regs *regs);
bool rseqdev_traced_resume(struct rseqdev_thread *t, struct pt_regs *regs,
			   int *ret);
int rseqdev_reset_ids(struct rseqdev_rseq __user *area);

/* stats.c: counters for RSEQDEV_IOC_STATS. */
enum rseqdev_event {
	RSEQDEV_EV_REGISTER,	/* a thread state set up, fork included */
	RSEQDEV_EV_ABORT,	/* a critical section aborted */
	RSEQDEV_EV_CPU_OPV,	/* a vector run */
	RSEQDEV_EV_FENCE,	/* a fence run */
	RSEQDEV_EV_FENCE_IPI,	/* a CPU a fence interrupted */
	RSEQDEV_EV_SLICE_GRANTED,	/* a time-slice extension granted */
	RSEQDEV_EV_SLICE_EXPIRED,	/* a grant's timer fired */
	RSEQDEV_EV_SLICE_REVOKED,	/* a grant ended by a reschedule */
	RSEQDEV_EV_SLICE_YIELDED,	/* a grant ended by the yield ioctl */
	RSEQDEV_EV_SLICE_ABORTED,	/* a grant ended by another system call */
	RSEQDEV_NR_EVENTS,
};

enum rseqdev_object {
	RSEQDEV_OBJ_THREAD,	/* struct rseqdev_thread */
	RSEQDEV_OBJ_MM,		/* struct rseqdev_mm */
	RSEQDEV_NR_OBJECTS,
};

struct rseqdev_stats;

void rseqdev_count_event(enum rseqdev_event event);
void rseqdev_count_object(enum rseqdev_object object, int delta);
void rseqdev_note_preempt_off(u64 ns);
int rseqdev_stats_read(struct rseqdev_stats *stats);

/* rseq_syscall.c: mainline's rules for (un)registration. */
long rseqdev_rseq_call(u64 addr, u32 len, u32 flags, u32 sig,
		       const struct rseqdev_gen_rules *rules);
bool rseqdev_rseq_optimized(const struct rseqdev_gen_rules *rules, u32 len);

/* cpu_opv.c */
struct rseqdev_cpu_opv;
long rseqdev_cpu_opv_run(const struct rseqdev_cpu_opv *req);

/* rseq_thread.c: the event entry points, handed to compat at install. */
struct rseqdev_compat_events;
extern const struct rseqdev_compat_events rseqdev_thread_events;

/* selftest.c: test-only injections; empty unless built for the harness. */
enum rseqdev_alloc_site {
	RSEQDEV_ALLOC_THREAD = 1 << 0,	/* struct rseqdev_thread */
	RSEQDEV_ALLOC_MM = 1 << 1,	/* struct rseqdev_mm */
	RSEQDEV_ALLOC_OPV = 1 << 2,	/* a cpu_opv vector's copy */
};

#ifdef CONFIG_RSEQDEV_SELFTEST
bool rseqdev_selftest_hides(const char *facility);
bool rseqdev_selftest_fails_alloc(enum rseqdev_alloc_site site);
void rseqdev_selftest_at_load(void);
void rseqdev_selftest_preemptible_point(bool may_sleep);
#else
static inline bool rseqdev_selftest_hides(const char *facility)
{
	return false;
}

static inline bool rseqdev_selftest_fails_alloc(enum rseqdev_alloc_site site)
{
	return false;
}

static inline void rseqdev_selftest_at_load(void)
{
}

static inline void rseqdev_selftest_preemptible_point(bool may_sleep)
{
}
#endif

#endif /* RSEQDEV_INTERNAL_H */
