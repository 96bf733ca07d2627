// SPDX-License-Identifier: GPL-2.0-only
/*
 * The ID fields: cpu_id, cpu_id_start and node_id agree with the kernel's
 * own answer on every CPU; mm_cid stays within [0, min(threads, CPUs)) for
 * a process with twice as many busy threads as CPUs, and is compact (0)
 * for a single thread. Uniqueness of mm_cid among running threads is what
 * the mm_cid-indexed stress tests (percpu_stress -M) prove with exact sums.
 */
#include <pthread.h>
#include <stdbool.h>
#include <sys/rseq.h>

#include "rseq_test_util.h"

static void check_cpu_ids(void)
{
	int cpu, bad = 0, ncpus = nr_possible_cpus();
	unsigned int kcpu, knode;
	struct rseqdev_rseq *abi = rseq_get_abi();

	for (cpu = 0; cpu < ncpus; cpu++) {
		if (pin_to_cpu(cpu))
			tap_bail("cannot pin to CPU %d: %s", cpu, strerror(errno));
		if (getcpu(&kcpu, &knode))
			tap_bail("getcpu: %s", strerror(errno));
		if ((int32_t)abi->cpu_id != cpu || abi->cpu_id_start != (uint32_t)cpu ||
		    sched_getcpu() != cpu || kcpu != (unsigned int)cpu) {
			diag("CPU %d: cpu_id %d cpu_id_start %u sched_getcpu %d getcpu %u",
			     cpu, (int32_t)abi->cpu_id, abi->cpu_id_start,
			     sched_getcpu(), kcpu);
			bad++;
		}
		if (rseq_node_id_available() && abi->node_id != knode) {
			diag("CPU %d: node_id %u, getcpu says node %u", cpu,
			     abi->node_id, knode);
			bad++;
		}
	}
	ok(bad == 0, "pinned to each of %d CPUs: cpu_id == cpu_id_start == sched_getcpu()%s",
	   ncpus, rseq_node_id_available() ? ", node_id == getcpu's node" : "");
}

/*
 * With the module backend glibc keeps its own native registration (unless
 * told not to): both areas must be right on every CPU.
 */
static void check_coexistence(void)
{
	const struct rseq *glibc_area;
	int cpu, bad = 0, ncpus = nr_possible_cpus();

	if (rseqdev_get_backend() != RSEQ_BACKEND_MODULE || __rseq_size == 0) {
		ok(1, "# SKIP needs the module backend beside glibc's registration");
		return;
	}
	glibc_area = (const struct rseq *)((char *)__builtin_thread_pointer() +
					   __rseq_offset);
	if ((void *)glibc_area == (void *)rseq_get_abi())
		tap_bail("the module backend uses glibc's area");
	for (cpu = 0; cpu < ncpus; cpu++) {
		pin_to_cpu(cpu);
		sleep_until_switched();
		if ((int32_t)glibc_area->cpu_id != cpu ||
		    (int32_t)rseq_get_abi()->cpu_id != cpu)
			bad++;
	}
	ok(bad == 0, "glibc's native area and the module's area both follow the thread");
}

static void check_mm_cid_range(void)
{
	int ncpus = nr_possible_cpus(), nthreads = 2 * ncpus, i;
	uint32_t max;
	bool bad;
	cpu_set_t all;

	if (!rseq_mm_cid_available()) {
		ok(1, "# SKIP this backend has no mm_cid");
		return;
	}
	ok(rseq_current_mm_cid() == 0, "a single-threaded process has mm_cid 0");
	if (nthreads > MAX_CID_WATCHERS)
		nthreads = MAX_CID_WATCHERS;
	CPU_ZERO(&all);
	for (i = 0; i < ncpus; i++)
		CPU_SET(i, &all);
	sched_setaffinity(0, sizeof(all), &all);
	max = watch_mm_cids(nthreads, 0, &bad);
	ok(!bad, "%d busy threads: every mm_cid read was valid", nthreads);
	/* The main thread holds an id too while it runs. */
	ok(max < (uint32_t)ncpus, "largest mm_cid seen %u < min(threads, CPUs) = %d",
	   max, ncpus);
}

int main(void)
{
	require_backend();
	if (rseqdev_register_current_thread())
		tap_bail("cannot register: %s", strerror(errno));
	check_cpu_ids();
	check_coexistence();
	check_mm_cid_range();
	return tap_done();
}
