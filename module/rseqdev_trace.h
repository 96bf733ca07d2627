/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The module's trace events, system "rseqdev": what a thread's
 * registration, its aborts, the rules it broke, its cpu_opv vectors,
 * fences and the module's fallbacks did, for ftrace, perf and trace-cmd
 * (docs/tracing.md). trace.c alone defines them (CREATE_TRACE_POINTS).
 *
 * A disabled event is a static branch over its call: the arguments are
 * read inside TP_fast_assign, only when the event is on, so the callers
 * hand over what they already hold (the thread's state, a descriptor).
 * No event has a string field: __assign_str() changed its arguments in
 * 6.10, and every field here is a number the kernel formats alike.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM rseqdev

#if !defined(RSEQDEV_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define RSEQDEV_TRACE_H

#include <linux/sched.h>
#include <linux/tracepoint.h>

#include "internal.h"

TRACE_DEFINE_ENUM(RSEQDEV_SETUP_REGISTER);
TRACE_DEFINE_ENUM(RSEQDEV_SETUP_FORK);
TRACE_DEFINE_ENUM(RSEQDEV_TEARDOWN_UNREGISTER);
TRACE_DEFINE_ENUM(RSEQDEV_TEARDOWN_EXEC);
TRACE_DEFINE_ENUM(RSEQDEV_TEARDOWN_EXIT);
TRACE_DEFINE_ENUM(RSEQDEV_REJECT_FAULT);
TRACE_DEFINE_ENUM(RSEQDEV_REJECT_CS_ADDRESS);
TRACE_DEFINE_ENUM(RSEQDEV_REJECT_VERSION);
TRACE_DEFINE_ENUM(RSEQDEV_REJECT_IP_RANGE);
TRACE_DEFINE_ENUM(RSEQDEV_REJECT_OVERFLOW);
TRACE_DEFINE_ENUM(RSEQDEV_REJECT_ABORT_INSIDE);
TRACE_DEFINE_ENUM(RSEQDEV_REJECT_SIGNATURE);
TRACE_DEFINE_ENUM(RSEQDEV_REJECT_CS_FLAGS);
TRACE_DEFINE_ENUM(RSEQDEV_REJECT_AREA_FLAGS);
TRACE_DEFINE_ENUM(RSEQDEV_REJECT_IDS_CHANGED);
TRACE_DEFINE_ENUM(RSEQDEV_REJECT_SYSCALL_IN_CS);
TRACE_DEFINE_ENUM(RSEQDEV_REJECT_SLICE_CTRL);
TRACE_DEFINE_ENUM(RSEQDEV_REJECT_SLICE_FLAGS);
TRACE_DEFINE_ENUM(RSEQDEV_OPV_ROUTE_NONE);
TRACE_DEFINE_ENUM(RSEQDEV_OPV_ROUTE_HERE);
TRACE_DEFINE_ENUM(RSEQDEV_OPV_ROUTE_IPI);
TRACE_DEFINE_ENUM(RSEQDEV_OPV_ROUTE_KWORKER);
TRACE_DEFINE_ENUM(RSEQDEV_OPV_ROUTE_OFFLINE);
TRACE_DEFINE_ENUM(RSEQDEV_OPV_ROUTE_MM_CID);
TRACE_DEFINE_ENUM(RSEQDEV_FALLBACK_OPV_CPU_BUSY);
TRACE_DEFINE_ENUM(RSEQDEV_FALLBACK_OPV_IPI_REFUSED);
TRACE_DEFINE_ENUM(RSEQDEV_FALLBACK_SWITCH_IN);
TRACE_DEFINE_ENUM(RSEQ_THREAD_EVENT_PREEMPT);
TRACE_DEFINE_ENUM(RSEQ_THREAD_EVENT_SIGNAL);
TRACE_DEFINE_ENUM(RSEQ_THREAD_EVENT_INTERRUPT);
TRACE_DEFINE_ENUM(RSEQ_THREAD_EVENT_SYSCALL_EXIT);
TRACE_DEFINE_ENUM(RSEQ_THREAD_EVENT_SLICE_ENDED);
TRACE_DEFINE_ENUM(RSEQ_THREAD_EVENT_CPU_OPV);

#define rseqdev_show_setup(how)						\
	__print_symbolic(how,						\
			 { RSEQDEV_SETUP_REGISTER, "register" },	\
			 { RSEQDEV_SETUP_FORK, "fork" })

#define rseqdev_show_teardown(cause)					\
	__print_symbolic(cause,						\
			 { RSEQDEV_TEARDOWN_UNREGISTER, "unregister" },	\
			 { RSEQDEV_TEARDOWN_EXEC, "exec" },		\
			 { RSEQDEV_TEARDOWN_EXIT, "exit" })

#define rseqdev_show_rule(rule)						\
	__print_symbolic(rule,						\
			 { RSEQDEV_REJECT_FAULT, "fault" },		\
			 { RSEQDEV_REJECT_CS_ADDRESS, "cs_address" },	\
			 { RSEQDEV_REJECT_VERSION, "version" },		\
			 { RSEQDEV_REJECT_IP_RANGE, "ip_range" },	\
			 { RSEQDEV_REJECT_OVERFLOW, "overflow" },	\
			 { RSEQDEV_REJECT_ABORT_INSIDE, "abort_inside" }, \
			 { RSEQDEV_REJECT_SIGNATURE, "signature" },	\
			 { RSEQDEV_REJECT_CS_FLAGS, "cs_flags" },	\
			 { RSEQDEV_REJECT_AREA_FLAGS, "area_flags" },	\
			 { RSEQDEV_REJECT_IDS_CHANGED, "ids_changed" },	\
			 { RSEQDEV_REJECT_SYSCALL_IN_CS, "syscall_in_cs" }, \
			 { RSEQDEV_REJECT_SLICE_CTRL, "slice_ctrl" },	\
			 { RSEQDEV_REJECT_SLICE_FLAGS, "slice_flags" })

#define rseqdev_show_route(route)					\
	__print_symbolic(route,						\
			 { RSEQDEV_OPV_ROUTE_NONE, "none" },		\
			 { RSEQDEV_OPV_ROUTE_HERE, "here" },		\
			 { RSEQDEV_OPV_ROUTE_IPI, "ipi" },		\
			 { RSEQDEV_OPV_ROUTE_KWORKER, "kworker" },	\
			 { RSEQDEV_OPV_ROUTE_OFFLINE, "offline" },	\
			 { RSEQDEV_OPV_ROUTE_MM_CID, "mm_cid" })

#define rseqdev_show_fallback(what)					\
	__print_symbolic(what,						\
			 { RSEQDEV_FALLBACK_OPV_CPU_BUSY, "opv_cpu_busy" }, \
			 { RSEQDEV_FALLBACK_OPV_IPI_REFUSED, "opv_ipi_refused" }, \
			 { RSEQDEV_FALLBACK_SWITCH_IN, "switch_in" })

#define rseqdev_show_events(events)					\
	__print_flags(events, "|",					\
		      { RSEQ_THREAD_EVENT_PREEMPT, "preempt" },		\
		      { RSEQ_THREAD_EVENT_SIGNAL, "signal" },		\
		      { RSEQ_THREAD_EVENT_INTERRUPT, "fence" },		\
		      { RSEQ_THREAD_EVENT_SYSCALL_EXIT, "syscall_exit" }, \
		      { RSEQ_THREAD_EVENT_SLICE_ENDED, "slice_ended" },	\
		      { RSEQ_THREAD_EVENT_CPU_OPV, "cpu_opv" })

/* The registration's feature bits, as the area's flags field shows them. */
#define rseqdev_trace_area_flags(t)					\
	(((t)->slice.available ? RSEQDEV_RSEQ_CS_FLAG_SLICE_EXT_AVAILABLE : 0) | \
	 ((t)->slice.enabled ? RSEQDEV_RSEQ_CS_FLAG_SLICE_EXT_ENABLED : 0))

/* A thread's state starts: registration, or a forked child's copy. */
TRACE_EVENT(rseqdev_register,
	TP_PROTO(const struct rseqdev_thread *t, enum rseqdev_setup_how how),
	TP_ARGS(t, how),
	TP_STRUCT__entry(
		__field(pid_t, pid)
		__field(pid_t, tid)
		__field(unsigned long, area)
		__field(u32, len)
		__field(u32, sig)
		__field(u32, gen)
		__field(bool, optimized)
		__field(u32, flags)
		__field(int, how)
	),
	TP_fast_assign(
		__entry->pid = task_tgid_nr(t->task);
		__entry->tid = task_pid_nr(t->task);
		__entry->area = (unsigned long)t->area;
		__entry->len = t->len;
		__entry->sig = t->sig;
		__entry->gen = t->rules->gen;
		__entry->optimized = t->optimized;
		__entry->flags = rseqdev_trace_area_flags(t);
		__entry->how = how;
	),
	TP_printk("pid=%d tid=%d area=0x%lx len=%u sig=0x%x gen=%u optimized=%d flags=0x%x how=%s",
		  __entry->pid, __entry->tid, __entry->area, __entry->len,
		  __entry->sig, __entry->gen, __entry->optimized, __entry->flags,
		  rseqdev_show_setup(__entry->how))
);

/* A registration ends; current is its thread. */
TRACE_EVENT(rseqdev_unregister,
	TP_PROTO(const struct rseqdev_thread *t, enum rseqdev_teardown_cause cause),
	TP_ARGS(t, cause),
	TP_STRUCT__entry(
		__field(pid_t, pid)
		__field(pid_t, tid)
		__field(unsigned long, area)
		__field(u32, len)
		__field(u64, nr_aborts)
		__field(int, cause)
	),
	TP_fast_assign(
		__entry->pid = task_tgid_nr(current);
		__entry->tid = task_pid_nr(current);
		__entry->area = (unsigned long)t->area;
		__entry->len = t->len;
		__entry->nr_aborts = t->nr_aborts;
		__entry->cause = cause;
	),
	TP_printk("pid=%d tid=%d area=0x%lx len=%u aborts=%llu cause=%s",
		  __entry->pid, __entry->tid, __entry->area, __entry->len,
		  __entry->nr_aborts, rseqdev_show_teardown(__entry->cause))
);

/*
 * current leaves a critical section for its abort handler, for the
 * @events recorded since its last abort ("preempt" includes a migration).
 */
TRACE_EVENT(rseqdev_abort,
	TP_PROTO(const struct rseqdev_rseq_cs *cs, unsigned long ip,
		 unsigned int events),
	TP_ARGS(cs, ip, events),
	TP_STRUCT__entry(
		__field(pid_t, pid)
		__field(pid_t, tid)
		__field(unsigned int, events)
		__field(u64, start_ip)
		__field(u64, post_commit_offset)
		__field(unsigned long, ip)
		__field(u64, abort_ip)
	),
	TP_fast_assign(
		__entry->pid = task_tgid_nr(current);
		__entry->tid = task_pid_nr(current);
		__entry->events = events;
		__entry->start_ip = cs->start_ip;
		__entry->post_commit_offset = cs->post_commit_offset;
		__entry->ip = ip;
		__entry->abort_ip = cs->abort_ip;
	),
	TP_printk("pid=%d tid=%d cause=%s start_ip=0x%llx post_commit_offset=%llu ip=0x%lx abort_ip=0x%llx",
		  __entry->pid, __entry->tid, rseqdev_show_events(__entry->events),
		  __entry->start_ip, __entry->post_commit_offset, __entry->ip,
		  __entry->abort_ip)
);

/* current broke @rule; the module sends it SIGSEGV. */
TRACE_EVENT(rseqdev_rejected,
	TP_PROTO(const struct rseqdev_thread *t, enum rseqdev_reject_rule rule,
		 int err, unsigned long ip),
	TP_ARGS(t, rule, err, ip),
	TP_STRUCT__entry(
		__field(pid_t, pid)
		__field(pid_t, tid)
		__field(unsigned long, area)
		__field(unsigned long, ip)
		__field(int, rule)
		__field(int, err)
	),
	TP_fast_assign(
		__entry->pid = task_tgid_nr(current);
		__entry->tid = task_pid_nr(current);
		__entry->area = (unsigned long)t->area;
		__entry->ip = ip;
		__entry->rule = rule;
		__entry->err = err;
	),
	TP_printk("pid=%d tid=%d area=0x%lx ip=0x%lx rule=%s err=%d",
		  __entry->pid, __entry->tid, __entry->area, __entry->ip,
		  rseqdev_show_rule(__entry->rule), __entry->err)
);

/*
 * A cpu_opv call ends: @cpu is the target CPU (a concurrency id with the
 * MM_CID flag), @ret the ioctl's result (0, the failed compare's 1-based
 * index, or a negative errno).
 */
TRACE_EVENT(rseqdev_cpu_opv,
	TP_PROTO(int cpu, u32 nr_ops, u32 flags, enum rseqdev_opv_route route,
		 long ret),
	TP_ARGS(cpu, nr_ops, flags, route, ret),
	TP_STRUCT__entry(
		__field(pid_t, pid)
		__field(int, cpu)
		__field(u32, nr_ops)
		__field(u32, flags)
		__field(int, route)
		__field(long, ret)
	),
	TP_fast_assign(
		__entry->pid = task_tgid_nr(current);
		__entry->cpu = cpu;
		__entry->nr_ops = nr_ops;
		__entry->flags = flags;
		__entry->route = route;
		__entry->ret = ret;
	),
	TP_printk("pid=%d cpu=%d nr_ops=%u flags=0x%x route=%s ret=%ld",
		  __entry->pid, __entry->cpu, __entry->nr_ops, __entry->flags,
		  rseqdev_show_route(__entry->route), __entry->ret)
);

/* The module took its second way: see enum rseqdev_fallback. */
TRACE_EVENT(rseqdev_fallback,
	TP_PROTO(enum rseqdev_fallback what, int cpu, u32 nr_ops),
	TP_ARGS(what, cpu, nr_ops),
	TP_STRUCT__entry(
		__field(int, what)
		__field(int, cpu)
		__field(u32, nr_ops)
	),
	TP_fast_assign(
		__entry->what = what;
		__entry->cpu = cpu;
		__entry->nr_ops = nr_ops;
	),
	TP_printk("what=%s cpu=%d nr_ops=%u",
		  rseqdev_show_fallback(__entry->what), __entry->cpu,
		  __entry->nr_ops)
);

/*
 * A fence ioctl ends: @cpu as asked (-1: every CPU), @nr_cpus the CPUs it
 * interrupted, @nr_threads the registered threads of the caller's process
 * it found running there.
 */
TRACE_EVENT(rseqdev_fence,
	TP_PROTO(u32 flags, int cpu, unsigned int nr_cpus,
		 unsigned int nr_threads, long ret),
	TP_ARGS(flags, cpu, nr_cpus, nr_threads, ret),
	TP_STRUCT__entry(
		__field(pid_t, pid)
		__field(u32, flags)
		__field(int, cpu)
		__field(unsigned int, nr_cpus)
		__field(unsigned int, nr_threads)
		__field(long, ret)
	),
	TP_fast_assign(
		__entry->pid = task_tgid_nr(current);
		__entry->flags = flags;
		__entry->cpu = cpu;
		__entry->nr_cpus = nr_cpus;
		__entry->nr_threads = nr_threads;
		__entry->ret = ret;
	),
	TP_printk("pid=%d flags=0x%x cpu=%d nr_cpus=%u nr_threads=%u ret=%ld",
		  __entry->pid, __entry->flags, __entry->cpu, __entry->nr_cpus,
		  __entry->nr_threads, __entry->ret)
);

#endif /* RSEQDEV_TRACE_H */

/* An external module's header: define_trace.h finds it through -I$(src). */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE rseqdev_trace
#include <trace/define_trace.h>
