// SPDX-License-Identifier: GPL-2.0-only
/*
 * The kernel's own rseq. A cpu_opv vector that runs in an interrupt of its
 * target CPU must abort the critical section the interrupted thread may be
 * in; a thread registered with the kernel (glibc's registration) learns
 * it the way membarrier's RSEQ fence tells it: a preemption event and a
 * notify-resume, so the kernel's rseq examines the thread on its way back
 * to user space.
 */
/*
 * rseq_preempt() sits in sched.h up to 6.2 and in linux/rseq.h since:
 * this header's inline return-to-user work calls the rseq helpers, so it
 * brings them in either case.
 */
#include <linux/resume_user_mode.h>
#include <linux/sched.h>

#include "compat.h"

/* Hard interrupt context: current's native section, if any, aborts. */
void rseqdev_compat_native_abort_current(void)
{
#ifdef CONFIG_RSEQ
	rseq_preempt(current);
#endif
}
