// SPDX-License-Identifier: GPL-2.0-only
/*
 * Per-CPU operations for a debugger to walk through. tests/vm/gdb.sh runs
 * gdb over this program; each phase below is one way of stepping that a
 * developer uses, and the gdb script stops at the phase's function:
 *
 *   phase_stepi	stepi through whole operations
 *   phase_next		next over operations, one per source line
 *   phase_breakpoints	breakpoints inside the critical sections, continue
 *   phase_finish	finish out of a function stopped inside a section
 *   phase_until	until a location past a loop of operations, from
 *			inside a section
 *
 * A stop inside a sequence aborts it, so every attempt made under a
 * debugger aborts: the operations complete only through the cpu_opv slow
 * path. At the end the program checks its totals exactly and says so; the
 * gdb script reads `phase` and `ops_done` to bound its loops.
 *
 * Every sequence also records the address of its injection point 3, which
 * lies between the sequence's first instruction and its commit, in the
 * section gdb_section_ips: main() publishes the list (section_ips and
 * nr_section_ips) for the script's breakpoints.
 */
#include <stdio.h>
#include <stdlib.h>

#define RSEQ_INJECT_ASM(n)	RSEQ_INJECT_ASM_##n
#define RSEQ_INJECT_ASM_1
#define RSEQ_INJECT_ASM_2
#define RSEQ_INJECT_ASM_3						\
	".pushsection gdb_section_ips, \"aw\"\n\t"			\
	".balign 8\n\t"							\
	".quad 771f\n\t"						\
	".popsection\n\t"						\
	"771:\n\t"
#define RSEQ_INJECT_ASM_4
#define RSEQ_INJECT_ASM_5
#define RSEQ_INJECT_ASM_6

#include <rseqdev/percpu.h>

#include "rseq_test_util.h"
#include "test_arch.h"

#define NOINLINE	__attribute__((noinline))
#define LOOP_OPS	3

/*
 * Read by the gdb script: global, so that their stores stay, and written
 * through PUBLISH(), so that they are not kept in a register.
 */
const unsigned long *section_ips;
int nr_section_ips;
int phase;		/* the last phase entered */
long ops_done;		/* operations completed so far */

static void publish(void *var, long value, size_t size)
{
	if (size == sizeof(int))
		__atomic_store_n((int *)var, (int)value, __ATOMIC_RELAXED);
	else
		__atomic_store_n((long *)var, value, __ATOMIC_RELAXED);
}

#define PUBLISH(var, value)	publish(&(var), (value), sizeof(var))

static struct rseqdev_percpu_counter *counter;
static struct rseqdev_percpu_list *list;
static struct rseqdev_percpu_list_node nodes[2];
static long adds, lost;

/*
 * Inlined into each phase, so that the sequences are part of the phase's
 * own lines: next then single-steps through them rather than stepping over
 * a call, which would run them at full speed.
 */
static inline __attribute__((always_inline)) void add_one(void)
{
	rseqdev_percpu_counter_add(counter, 1);
	adds++;
	PUBLISH(ops_done, ops_done + 1);
}

/* Push a node, pop it back: pinned, the pop returns that node. */
static inline __attribute__((always_inline))
void push_pop(struct rseqdev_percpu_list_node *node)
{
	rseqdev_percpu_list_push(list, node);
	PUBLISH(ops_done, ops_done + 1);
	lost += rseqdev_percpu_list_pop(list) != node;
	PUBLISH(ops_done, ops_done + 1);
}

static NOINLINE void phase_stepi(void)
{
	PUBLISH(phase, 1);
	add_one();
	push_pop(&nodes[0]);
}

static NOINLINE void phase_next(void)
{
	PUBLISH(phase, 2);
	add_one();
	add_one();
	push_pop(&nodes[1]);
}

static NOINLINE void phase_breakpoints(void)
{
	int i;

	PUBLISH(phase, 3);
	for (i = 0; i < LOOP_OPS; i++)
		add_one();
}

static NOINLINE void one_add(void)
{
	add_one();
}

static NOINLINE void phase_finish(void)
{
	PUBLISH(phase, 4);
	one_add();
}

/* Where phase_until's script runs to. */
static NOINLINE void until_here(void)
{
	test_compiler_barrier();
}

static NOINLINE void phase_until(void)
{
	int i;

	PUBLISH(phase, 5);
	for (i = 0; i < LOOP_OPS; i++)
		add_one();
	until_here();
}

int main(void)
{
	struct rseqdev_percpu_stats st;
	const unsigned long *ips_end;
	long sum;

	TEST_SECTION_BOUNDS(gdb_section_ips, section_ips, ips_end);
	PUBLISH(nr_section_ips, ips_end - section_ips);
	counter = rseqdev_percpu_counter_create(RSEQ_PERCPU_CPU_ID);
	list = rseqdev_percpu_list_create(RSEQ_PERCPU_CPU_ID);
	if (!counter || !list || rseqdev_register_current_thread() ||
	    pin_to_cpu(rseqdev_current_cpu())) {
		perror("gdb_target: setup");
		return 2;
	}
	rseqdev_percpu_reset_thread_stats();

	phase_stepi();
	phase_next();
	phase_breakpoints();
	phase_finish();
	phase_until();

	st = rseqdev_percpu_thread_stats();
	sum = rseqdev_percpu_counter_sum(counter);
	printf("gdb_target: %ld operations: %llu committed, %llu aborted attempts, %llu through cpu_opv\n",
	       ops_done, (unsigned long long)st.commits,
	       (unsigned long long)st.aborts, (unsigned long long)st.fallbacks);
	printf("gdb_target: counter %ld (expected %ld), list nodes lost %ld: %s\n",
	       sum, adds, lost, sum == adds && !lost ? "exact" : "WRONG");
	return sum == adds && !lost ? 0 : 1;
}
