// SPDX-License-Identifier: GPL-2.0-only
/*
 * What a registered thread's return to user space does after an event,
 * under the rules of its generation.
 *
 * A critical section, as user space writes it:
 *
 *	start_ip:	rseq_cs = &descriptor
 *			if (cpu_id != cpu) goto abort
 *			...preparation, may be interrupted...
 *			commit store (last instruction)
 *	post_commit_ip:	(start_ip + post_commit_offset)
 *	...
 *			.long SIGNATURE
 *	abort_ip:	handler, outside [start_ip, post_commit_ip)
 *
 * Classic (mainline 4.18 to 6.18):
 * 1. cpu_id_start, cpu_id, node_id and mm_cid are rewritten, every time,
 *    whether or not they changed: user space (TCMalloc) stores its own
 *    data in cpu_id_start and relies on that.
 * 2. The descriptor named by rseq_cs is validated whenever it is non-zero,
 *    inside the section or not: a bad one is fatal (SIGSEGV).
 * 3. Outside the section, rseq_cs is cleared (lazily) and nothing else.
 * 4. Inside it, if a switch-out or a signal happened since the last
 *    abort, rseq_cs is cleared and the thread resumes at abort_ip.
 *
 * Mainline writes the IDs after the fix-up; no user code runs in between,
 * so the order cannot be observed, and doing it first lets the common
 * case (no section armed) read rseq_cs and write the IDs in one go.
 *
 * 7.1 (mainline-7x.md 3.1 and 3.2), legacy (32-byte) and optimized
 * (longer) registrations:
 * 1. Legacy: the IDs are rewritten after every event, as in classic.
 *    Optimized: only when they changed; before that, the four fields must
 *    still hold what the module wrote last (user space may only read
 *    them), else the thread is killed.
 * 2. rseq_cs is examined only when the thread entered the kernel by an
 *    interrupt or exception from user mode: after a system call or a
 *    block in the kernel, user space cannot be inside a section. A legacy
 *    registration's is also examined before a signal is delivered.
 * 3. When examined, the checks are minimal: the descriptor's address, and
 *    inside the section the abort handler's address and signature.
 *    Outside it, rseq_cs is cleared; inside, the section aborts.
 *
 * Every user access may fault and sleep; this runs in process context.
 */
#include <linux/printk.h>
#include <linux/ptrace.h>
#include <linux/sched.h>
#include <linux/topology.h>
#include <linux/uaccess.h>

#include "compat/compat.h"
#include "compat/uaccess.h"
#include "internal.h"
#include "rseqdev_trace.h"

#define RSEQ_CS_FLAGS_DEPRECATED (RSEQDEV_RSEQ_CS_FLAG_NO_RESTART_ON_PREEMPT | \
				  RSEQDEV_RSEQ_CS_FLAG_NO_RESTART_ON_SIGNAL |  \
				  RSEQDEV_RSEQ_CS_FLAG_NO_RESTART_ON_MIGRATE)

/*
 * Mainline 6.0 made the NO_RESTART flags fatal; so are they here. Any bit
 * set in either structure makes the section invalid.
 */
static bool rseqdev_flags_invalid(u32 flags, const char *where)
{
	if (!flags)
		return false;
	if (flags & RSEQ_CS_FLAGS_DEPRECATED)
		pr_warn_once(RSEQDEV_NAME ": deprecated flags (%u) in %s ABI structure\n",
			     flags & RSEQ_CS_FLAGS_DEPRECATED, where);
	if (flags & ~RSEQ_CS_FLAGS_DEPRECATED)
		pr_warn_once(RSEQDEV_NAME ": unknown flags (%u) in %s ABI structure\n",
			     flags & ~RSEQ_CS_FLAGS_DEPRECATED, where);
	return true;
}

/*
 * Mainline's checks, in mainline's order; the rule a check names is what
 * the trace event reports.
 */
static int rseqdev_validate_cs(struct rseqdev_thread *t,
			       const struct rseqdev_rseq_cs *cs)
{
	u64 post_commit_ip = cs->start_ip + cs->post_commit_offset;
	u32 __user *sig_addr;
	u32 found;

	if (cs->start_ip >= TASK_SIZE || post_commit_ip >= TASK_SIZE ||
	    cs->abort_ip >= TASK_SIZE)
		return rseqdev_thread_reject(t, RSEQDEV_REJECT_IP_RANGE);
	if (cs->version > 0)
		return rseqdev_thread_reject(t, RSEQDEV_REJECT_VERSION);
	if (post_commit_ip < cs->start_ip)
		return rseqdev_thread_reject(t, RSEQDEV_REJECT_OVERFLOW);
	/* The abort handler must lie outside the section. */
	if (cs->abort_ip - cs->start_ip < cs->post_commit_offset)
		return rseqdev_thread_reject(t, RSEQDEV_REJECT_ABORT_INSIDE);

	sig_addr = (u32 __user *)(unsigned long)(cs->abort_ip - sizeof(u32));
	if (get_user(found, sig_addr))
		return -EFAULT;
	if (found != t->sig) {
		pr_warn_ratelimited(RSEQDEV_NAME ": unexpected rseq signature 0x%x, expecting 0x%x (pid=%d, user address 0x%lx)\n",
				    found, t->sig, task_pid_nr(current),
				    (unsigned long)sig_addr);
		return rseqdev_thread_reject(t, RSEQDEV_REJECT_SIGNATURE);
	}
	return 0;
}

/* Reads and validates the descriptor at @cs_ptr (non-zero). */
static int rseqdev_get_cs(struct rseqdev_thread *t, u64 cs_ptr,
		       struct rseqdev_rseq_cs *cs)
{
	if (cs_ptr >= TASK_SIZE)
		return rseqdev_thread_reject(t, RSEQDEV_REJECT_CS_ADDRESS);
	if (copy_from_user(cs, (void __user *)(unsigned long)cs_ptr, sizeof(*cs)))
		return -EFAULT;
	return rseqdev_validate_cs(t, cs);
}

static int rseqdev_clear_cs(struct rseqdev_rseq __user *area)
{
	return put_user(0ULL, &area->rseq_cs) ? -EFAULT : 0;
}

/* One unsigned comparison: a zero-length section contains nothing. */
static bool rseqdev_ip_in_cs(const struct rseqdev_rseq_cs *cs, unsigned long ip)
{
	return ip - cs->start_ip < cs->post_commit_offset;
}

/*
 * Return: the events since the last abort (RSEQ_THREAD_EVENT_*, none: the
 * section goes on), or a negative errno on an invalid section.
 */
static int rseqdev_need_restart(struct rseqdev_thread *t, u32 cs_flags)
{
	unsigned int events;
	u32 thread_flags;

	if (rseqdev_flags_invalid(cs_flags, "rseq_cs"))
		return rseqdev_thread_reject(t, RSEQDEV_REJECT_CS_FLAGS);
	if (get_user(thread_flags, &t->area->flags))
		return -EFAULT;
	if (rseqdev_flags_invalid(thread_flags, "rseq"))
		return rseqdev_thread_reject(t, RSEQDEV_REJECT_AREA_FLAGS);
	/* A switch-out or a fence writes events too: consume them with irqs off. */
	local_irq_disable();
	events = t->events;
	t->events = 0;
	local_irq_enable();
	return events;
}

/* Resume the section's thread at its abort handler; @events: why. */
static int rseqdev_abort_to(struct rseqdev_thread *t, struct pt_regs *regs,
			    const struct rseqdev_rseq_cs *cs, unsigned int events)
{
	int ret = rseqdev_clear_cs(t->area);

	if (ret)
		return ret;
	trace_rseqdev_abort(cs, instruction_pointer(regs), events);
	instruction_pointer_set(regs, cs->abort_ip);
	rseqdev_count_event(RSEQDEV_EV_ABORT);
	t->nr_aborts++;
	/*
	 * Only a section that made a system call (which it must not) gets
	 * here from inside one; restarting that call would now resume at
	 * abort_ip - 2. Abort instead, as mainline does.
	 */
	rseqdev_compat_forget_syscall_restart(regs);
	return 0;
}

static int rseqdev_ip_fixup(struct rseqdev_thread *t, struct pt_regs *regs,
			 u64 cs_ptr)
{
	unsigned long ip = instruction_pointer(regs);
	struct rseqdev_rseq_cs cs;
	int ret;

	ret = rseqdev_get_cs(t, cs_ptr, &cs);
	if (ret)
		return ret;
	if (!rseqdev_ip_in_cs(&cs, ip))
		return rseqdev_clear_cs(t->area);
	ret = rseqdev_need_restart(t, cs.flags);
	if (ret <= 0)
		return ret;
	return rseqdev_abort_to(t, regs, &cs, ret);
}

/*
 * Every field the module reads or writes lies in the first 32 bytes, which
 * every registration covers; the struct itself is longer.
 */
#define RSEQDEV_AREA_FIELDS	RSEQDEV_RSEQ_ORIG_SIZE

/* The four stores, inside a user-access region that jumps to @efault. */
#define unsafe_put_ids(area, ids, efault)				\
	do {								\
		rseqdev_unsafe_put_user((ids)->cpu_start,		\
					&(area)->cpu_id_start, efault);	\
		rseqdev_unsafe_put_user((ids)->cpu, &(area)->cpu_id,	\
					efault);			\
		rseqdev_unsafe_put_user((ids)->node, &(area)->node_id,	\
					efault);			\
		rseqdev_unsafe_put_user((ids)->cid, &(area)->mm_cid,	\
					efault);			\
	} while (0)

static int rseqdev_write_ids(struct rseqdev_rseq __user *area,
			  const struct rseqdev_ids *ids)
{
	if (!user_write_access_begin(area, RSEQDEV_AREA_FIELDS))
		return -EFAULT;
	unsafe_put_ids(area, ids, efault);
	user_write_access_end();
	return 0;
efault:
	user_write_access_end();
	return -EFAULT;
}

/*
 * The common case in one user access: read rseq_cs, write the IDs. Inline,
 * as the rest of the switch-in's path: a call costs an arm64 switch more
 * than a field's store (its patchable entry, pointer authentication, a
 * frame), and the IDs would go through the stack.
 */
static __always_inline int rseqdev_exchange(struct rseqdev_rseq __user *area,
			 const struct rseqdev_ids *ids, u64 *cs_ptr)
{
	if (!user_access_begin(area, RSEQDEV_AREA_FIELDS))
		return -EFAULT;
	rseqdev_unsafe_get_user(*cs_ptr, &area->rseq_cs, efault);
	unsafe_put_ids(area, ids, efault);
	user_access_end();
	return 0;
efault:
	user_access_end();
	return -EFAULT;
}

/*
 * A switch-out between reading the CPU and the return to user space queues
 * this work again, so the values user space finally sees are current.
 */
static __always_inline void __rseqdev_current_ids(struct rseqdev_thread *t,
						  struct rseqdev_ids *ids)
{
	ids->cid = rseqdev_thread_take_cid(t);
	ids->cpu = smp_processor_id();
	ids->cpu_start = ids->cpu;
	ids->node = cpu_to_node(ids->cpu);
}

static void rseqdev_current_ids(struct rseqdev_thread *t, struct rseqdev_ids *ids)
{
	preempt_disable();
	__rseqdev_current_ids(t, ids);
	preempt_enable();
}

static int rseqdev_resume_classic(struct rseqdev_thread *t, struct pt_regs *regs)
{
	struct rseqdev_ids ids;
	u64 cs_ptr;
	int ret;

	rseqdev_current_ids(t, &ids);
	ret = rseqdev_exchange(t->area, &ids, &cs_ptr);
	if (ret || !cs_ptr)
		return ret;
	return rseqdev_ip_fixup(t, regs, cs_ptr);
}

/* Classic: the IDs, and rseq_cs must read zero. */
static __always_inline bool rseqdev_switch_in_classic(struct rseqdev_thread *t)
{
	struct rseqdev_ids ids;
	u64 cs_ptr;

	__rseqdev_current_ids(t, &ids);
	return !rseqdev_exchange(t->area, &ids, &cs_ptr) && !cs_ptr;
}

static bool rseqdev_ids_equal(const struct rseqdev_ids *a,
			      const struct rseqdev_ids *b)
{
	return a->cpu_start == b->cpu_start && a->cpu == b->cpu &&
	       a->node == b->node && a->cid == b->cid;
}

/* 7.1 optimized: the fields are read-only; a change is user space's. */
static int rseqdev_check_ids_untouched(struct rseqdev_thread *t)
{
	struct rseqdev_rseq __user *area = t->area;
	struct rseqdev_ids found;

	if (!user_read_access_begin(area, RSEQDEV_AREA_FIELDS))
		return -EFAULT;
	rseqdev_unsafe_get_user(found.cpu_start, &area->cpu_id_start, efault);
	rseqdev_unsafe_get_user(found.cpu, &area->cpu_id, efault);
	rseqdev_unsafe_get_user(found.node, &area->node_id, efault);
	rseqdev_unsafe_get_user(found.cid, &area->mm_cid, efault);
	user_read_access_end();
	if (!rseqdev_ids_equal(&found, &t->written))
		return rseqdev_thread_reject(t, RSEQDEV_REJECT_IDS_CHANGED);
	return 0;
efault:
	user_read_access_end();
	return -EFAULT;
}

/*
 * 7.1: legacy registrations get every update (but on a system call's exit
 * seen only by debug mode), optimized ones the changes. The fields are
 * checked before an update of an optimized registration, and of a legacy
 * one in debug mode.
 */
static int rseqdev_update_ids_71(struct rseqdev_thread *t, unsigned int events,
				 bool debug)
{
	bool every = !t->optimized && events != RSEQ_THREAD_EVENT_SYSCALL_EXIT;
	struct rseqdev_ids ids;
	int ret;

	rseqdev_current_ids(t, &ids);
	if (!every && rseqdev_ids_equal(&ids, &t->written))
		return 0;
	if (t->optimized || debug) {
		ret = rseqdev_check_ids_untouched(t);
		if (ret)
			return ret;
	}
	ret = rseqdev_write_ids(t->area, &ids);
	if (!ret)
		t->written = ids;
	return ret;
}

/*
 * 7.1's minimal checks: a descriptor user space can address, and inside
 * the section an abort handler it can address, with the signature.
 */
static int rseqdev_fixup_71(struct rseqdev_thread *t, struct pt_regs *regs,
			    u64 cs_ptr, unsigned int events)
{
	unsigned long ip = instruction_pointer(regs);
	struct rseqdev_rseq_cs cs;
	u32 found;

	if (cs_ptr >= TASK_SIZE)
		return rseqdev_thread_reject(t, RSEQDEV_REJECT_CS_ADDRESS);
	if (copy_from_user(&cs, (void __user *)(unsigned long)cs_ptr, sizeof(cs)))
		return -EFAULT;
	if (!rseqdev_ip_in_cs(&cs, ip))
		return rseqdev_clear_cs(t->area);
	if (cs.abort_ip >= TASK_SIZE || cs.abort_ip < sizeof(u32))
		return rseqdev_thread_reject(t, RSEQDEV_REJECT_IP_RANGE);
	if (get_user(found, (u32 __user *)(unsigned long)(cs.abort_ip - sizeof(u32))))
		return -EFAULT;
	if (found != t->sig)
		return rseqdev_thread_reject(t, RSEQDEV_REJECT_SIGNATURE);
	return rseqdev_abort_to(t, regs, &cs, events);
}

/*
 * 7.1's debug mode: classic's full checks, version and flags zero, and
 * the section must not be running when the kernel was entered any other
 * way than by an interrupt or exception (a system call from inside it).
 * @examine is false for the check at a system call's exit, which leaves
 * a valid rseq_cs in place. @events: why the section aborts.
 */
static int rseqdev_fixup_71_debug(struct rseqdev_thread *t, struct pt_regs *regs,
				  u64 cs_ptr, bool user_irq, bool examine,
				  unsigned int events)
{
	struct rseqdev_rseq_cs cs;
	int ret;

	ret = rseqdev_get_cs(t, cs_ptr, &cs);
	if (ret)
		return ret;
	if (cs.flags)
		return rseqdev_thread_reject(t, RSEQDEV_REJECT_CS_FLAGS);
	if (!rseqdev_ip_in_cs(&cs, instruction_pointer(regs)))
		return examine ? rseqdev_clear_cs(t->area) : 0;
	if (!user_irq)
		return rseqdev_thread_reject(t, RSEQDEV_REJECT_SYSCALL_IN_CS);
	return rseqdev_abort_to(t, regs, &cs, events);
}

#define RSEQ_SLICE_CLEARING_EVENTS (RSEQ_THREAD_EVENT_PREEMPT | RSEQ_THREAD_EVENT_INTERRUPT | \
				    RSEQ_THREAD_EVENT_CPU_OPV | \
				    RSEQ_THREAD_EVENT_SLICE_ENDED)

static int rseqdev_resume_71(struct rseqdev_thread *t, struct pt_regs *regs)
{
	bool user_irq = rseqdev_compat_entered_by_interrupt(regs);
	bool debug = rseqdev_gen_debug();
	bool examine;
	unsigned int events;
	u64 cs_ptr;
	int ret;

	local_irq_disable();
	events = t->events;
	t->events = 0;
	local_irq_enable();

	ret = rseqdev_update_ids_71(t, events, debug);
	if (ret)
		return ret;
	/* No grant survives scheduling or a system call (mainline-7x.md 3.1 row 6). */
	if (t->slice.available && (events & RSEQ_SLICE_CLEARING_EVENTS)) {
		ret = rseqdev_slice_clear_user(t, debug &&
					       (events & RSEQ_THREAD_EVENT_SLICE_ENDED));
		if (ret)
			return ret;
	}
	/* A legacy registration's section is examined before a signal too. */
	examine = user_irq || (!t->optimized && (events & RSEQ_THREAD_EVENT_SIGNAL));
	examine = examine && (events & ~(RSEQ_THREAD_EVENT_SYSCALL_EXIT |
					 RSEQ_THREAD_EVENT_SLICE_ENDED));
	/* Debug mode checks rseq_cs on the way out of every system call. */
	if (!examine && !(debug && (events & RSEQ_THREAD_EVENT_SYSCALL_EXIT)))
		return 0;
	if (get_user(cs_ptr, &t->area->rseq_cs))
		return -EFAULT;
	if (!cs_ptr)
		return 0;
	if (debug)
		return rseqdev_fixup_71_debug(t, regs, cs_ptr, user_irq, examine,
					      events);
	return rseqdev_fixup_71(t, regs, cs_ptr, events);
}

/*
 * 7.1, a switch-out alone: what rseqdev_resume_71() does for it, with rseq_cs
 * zero when examined. The event is consumed only when all of it is done.
 */
static bool rseqdev_switch_in_71(struct rseqdev_thread *t, struct pt_regs *regs)
{
	unsigned long flags;
	u64 cs_ptr = 0;

	if (rseqdev_gen_debug() || READ_ONCE(t->events) != RSEQ_THREAD_EVENT_PREEMPT)
		return false;
	if (rseqdev_update_ids_71(t, RSEQ_THREAD_EVENT_PREEMPT, false))
		return false;
	if (t->slice.available && rseqdev_slice_clear_user(t, false))
		return false;
	if (rseqdev_compat_entered_by_interrupt(regs) &&
	    (get_user(cs_ptr, &t->area->rseq_cs) || cs_ptr))
		return false;
	local_irq_save(flags);
	t->events &= ~RSEQ_THREAD_EVENT_PREEMPT;
	local_irq_restore(flags);
	return true;
}

/**
 * rseqdev_resume_at_switch_in() - the work of a switch-out, done as the
 *	thread is switched back in, when it can be
 * @t:		state of current
 * @regs:	current's user registers
 *
 * Called by the switch-in notifier: preemption off, current's mm active.
 * Most switches happen outside a critical section, where all there is to
 * do is to write the IDs and see rseq_cs zero; that is done here with
 * page faults disabled, and nothing else. Anything more (a section armed,
 * a page not present, another event pending, 7.1's debug mode) is left to
 * the resume callback, which redoes the rest where it may fault and sleep.
 *
 * Return: true when nothing is left for the callback.
 */
bool rseqdev_resume_at_switch_in(struct rseqdev_thread *t, struct pt_regs *regs)
{
	bool done;

	pagefault_disable();
	if (t->rules->gen == RSEQDEV_GEN_7_1)
		done = rseqdev_switch_in_71(t, regs);
	else
		done = rseqdev_switch_in_classic(t);
	pagefault_enable();
	return done;
}

/**
 * rseqdev_resume_rules() - the work of the thread's generation: refresh the
 *	IDs and abort an interrupted section
 * @t:		state of current
 * @regs:	the user registers to examine and fix up: current's, or those
 *		a signal frame saved (rseq_traced.c)
 *
 * Return: 0, or a negative errno that the caller turns into SIGSEGV.
 */
int rseqdev_resume_rules(struct rseqdev_thread *t, struct pt_regs *regs)
{
	if (t->rules->gen == RSEQDEV_GEN_7_1)
		return rseqdev_resume_71(t, regs);
	return rseqdev_resume_classic(t, regs);
}

/**
 * rseqdev_handle_resume() - the resume work, before current returns to user
 *	space
 * @t:		state of current
 * @regs:	current's user registers
 *
 * Return: 0, or a negative errno that the caller turns into SIGSEGV.
 */
int rseqdev_handle_resume(struct rseqdev_thread *t, struct pt_regs *regs)
{
	int ret;

	/* A tracer sees a section where native rseq would show it (rseq_traced.c). */
	if (unlikely(current->ptrace) && rseqdev_traced_resume(t, regs, &ret))
		return ret;
	return rseqdev_resume_rules(t, regs);
}

/* Classic: clear a stale rseq_cs, and nothing else. */
static int rseqdev_clear_stale_cs(struct rseqdev_rseq __user *area)
{
	u64 cs_ptr;

	if (get_user(cs_ptr, &area->rseq_cs))
		return -EFAULT;
	return cs_ptr ? rseqdev_clear_cs(area) : 0;
}

/*
 * 7.1: every field the kernel owns gets a known value. flags gets the
 * feature bits; the IDs read "unset" until the return to user space
 * writes them, and are what the optimized rules expect to find at their
 * first update.
 */
static int rseqdev_write_registration(struct rseqdev_rseq __user *area,
				      bool optimized, u32 area_flags)
{
	static const struct rseqdev_ids registering = {
		.cpu_start = (u32)RSEQDEV_RSEQ_CPU_ID_UNINITIALIZED,
		.cpu = (u32)RSEQDEV_RSEQ_CPU_ID_UNINITIALIZED,
	};

	if (!user_write_access_begin(area, RSEQDEV_AREA_FIELDS))
		return -EFAULT;
	rseqdev_unsafe_put_user(0ULL, &area->rseq_cs, efault);
	rseqdev_unsafe_put_user(area_flags, &area->flags, efault);
	unsafe_put_ids(area, &registering, efault);
	if (optimized)
		rseqdev_unsafe_put_user(0U, &area->slice_ctrl, efault);
	user_write_access_end();
	return 0;
efault:
	user_write_access_end();
	return -EFAULT;
}

/**
 * rseqdev_prepare_area() - what registration writes into a new area
 * @area:	the area, accessible for its registered length
 * @rules:	the registration's generation
 * @optimized:	whether it gets 7.1's optimized rules
 * @area_flags:	7.1: the feature bits for rseq::flags
 *
 * A libc may hand a new thread the area of a dead one without clearing
 * it: every generation clears rseq_cs; 7.1 also resets the rest.
 *
 * Return: 0 or -EFAULT.
 */
int rseqdev_prepare_area(struct rseqdev_rseq __user *area,
			 const struct rseqdev_gen_rules *rules, bool optimized,
			 u32 area_flags)
{
	if (rules->gen == RSEQDEV_GEN_CLASSIC)
		return rseqdev_clear_stale_cs(area);
	return rseqdev_write_registration(area, optimized, area_flags);
}

/**
 * rseqdev_reset_ids() - the values an unregistered area holds
 * @area: the area
 *
 * Return: 0 or -EFAULT.
 */
int rseqdev_reset_ids(struct rseqdev_rseq __user *area)
{
	static const struct rseqdev_ids unregistered = {
		.cpu = (u32)RSEQDEV_RSEQ_CPU_ID_UNINITIALIZED,
	};

	return rseqdev_write_ids(area, &unregistered);
}
