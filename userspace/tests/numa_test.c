// SPDX-License-Identifier: GPL-2.0-only
/*
 * The ID fields and the per-CPU paths on a guest with several NUMA nodes,
 * where a wrong node id or an index that follows the node can show:
 *
 *  - node_id equals getcpu()'s node and the node sysfs lists for that CPU,
 *    pinned to every CPU, right after each migration between nodes, and
 *    inside and after a signal handler;
 *  - per-CPU counters stay exact while threads hop between nodes, and
 *    cpu_opv vectors aimed from one node at the CPUs of the other stay
 *    exact against rseq sections running there;
 *  - mm_cid stays compact: threads confined to one node's CPUs see ids
 *    below that node's CPU count, never the CPU numbers.
 *
 * A single-node guest has nothing to show here: the test skips, and the
 * harness checks that the NUMA guest of the matrix did boot with its nodes.
 */
#include <dirent.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include <rseqdev/cpu_op.h>
#include <rseqdev/percpu.h>

#include "rseq_test_util.h"

#define MAX_CPUS		64
#define MIGRATION_ROUNDS	20
#define HOPPERS			4
#define HOPPER_ADDS		4000
#define HOP_EVERY		40
#define RSEQ_ADDS		20000
#define OPV_ADDS		150

static int nr_cpus, nr_nodes;
static int node_of[MAX_CPUS];

/* Reads the node of every CPU from /sys/devices/system/node/nodeN/cpulist. */
static void read_topology(void)
{
	char path[96], list[256], *p;
	int node, cpu, first, last, seen = 0;
	FILE *f;

	nr_cpus = nr_possible_cpus();
	if (nr_cpus > MAX_CPUS)
		tap_bail("%d CPUs; the test handles %d", nr_cpus, MAX_CPUS);
	for (cpu = 0; cpu < nr_cpus; cpu++)
		node_of[cpu] = -1;
	for (node = 0; node < MAX_CPUS; node++) {
		snprintf(path, sizeof(path), "/sys/devices/system/node/node%d/cpulist", node);
		f = fopen(path, "r");
		if (!f)
			continue;
		nr_nodes = node + 1;
		if (!fgets(list, sizeof(list), f))
			list[0] = '\0';
		fclose(f);
		/* "0-1,4,6-7": ranges and single CPUs, comma-separated. */
		for (p = list; *p >= '0' && *p <= '9'; p++) {
			first = (int)strtol(p, &p, 10);
			last = *p == '-' ? (int)strtol(p + 1, &p, 10) : first;
			for (cpu = first; cpu <= last && cpu < nr_cpus; cpu++, seen++)
				node_of[cpu] = node;
			if (*p != ',')
				break;
		}
	}
	if (seen != nr_cpus)
		tap_bail("the node lists name %d of %d CPUs", seen, nr_cpus);
}

/* The first CPU of @node, or -1. */
static int first_cpu_of(int node)
{
	int cpu;

	for (cpu = 0; cpu < nr_cpus; cpu++)
		if (node_of[cpu] == node)
			return cpu;
	return -1;
}

static int pin_to_node(int node)
{
	cpu_set_t set;
	int cpu;

	CPU_ZERO(&set);
	for (cpu = 0; cpu < nr_cpus; cpu++)
		if (node_of[cpu] == node)
			CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set);
}

/*
 * The area right now against the kernel's answer; @where names the moment.
 * Returns 0 when cpu_id, cpu_id_start and node_id agree with getcpu() and
 * the topology.
 */
static int ids_disagree(const char *where, int want_cpu)
{
	struct rseqdev_rseq *abi = rseq_get_abi();
	uint32_t cpu = abi->cpu_id, start = abi->cpu_id_start, node = abi->node_id;
	unsigned int kcpu, knode;

	if (getcpu(&kcpu, &knode))
		tap_bail("getcpu: %s", strerror(errno));
	if (cpu == (uint32_t)want_cpu && start == cpu && kcpu == cpu &&
	    node == knode && (int)node == node_of[cpu])
		return 0;
	diag("%s: cpu_id %d cpu_id_start %u node_id %u; getcpu %u node %u; want CPU %d node %d",
	     where, (int32_t)cpu, start, node, kcpu, knode, want_cpu,
	     want_cpu >= 0 ? node_of[want_cpu] : -1);
	return 1;
}

static void check_pinned(void)
{
	int cpu, bad = 0;

	for (cpu = 0; cpu < nr_cpus; cpu++) {
		if (pin_to_cpu(cpu))
			tap_bail("cannot pin to CPU %d: %s", cpu, strerror(errno));
		bad += ids_disagree("pinned", cpu);
	}
	ok(bad == 0, "pinned to each of %d CPUs on %d nodes: node_id == getcpu's node == sysfs",
	   nr_cpus, nr_nodes);
}

/* Every CPU, alternating with a CPU of another node, checked on arrival. */
static void check_migrations(void)
{
	int round, cpu, other, bad = 0, moves = 0;

	for (round = 0; round < MIGRATION_ROUNDS; round++) {
		for (cpu = 0; cpu < nr_cpus; cpu++) {
			other = first_cpu_of((node_of[cpu] + 1) % nr_nodes);
			if (pin_to_cpu(other) || pin_to_cpu(cpu))
				tap_bail("cannot migrate: %s", strerror(errno));
			bad += ids_disagree("after a migration between nodes", cpu);
			moves += 2;
		}
	}
	ok(bad == 0, "%d migrations between nodes: node_id follows on arrival", moves);
}

/* Shared with the handler through lock-free atomics, which it may use. */
static int in_handler_bad, handled;

static int handled_so_far(void)
{
	return __atomic_load_n(&handled, __ATOMIC_ACQUIRE);
}

static void check_in_handler(int sig)
{
	(void)sig;
	if (ids_disagree("in a signal handler", sched_getcpu()))
		__atomic_fetch_add(&in_handler_bad, 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&handled, 1, __ATOMIC_RELEASE);
}

struct signaller {
	pthread_t target;
	int cpu, count;
};

/* From a CPU of another node: signals the target while it spins. */
static void *send_signals(void *arg)
{
	struct signaller *s = arg;
	int i;

	pin_to_cpu(s->cpu);
	/* One at a time: a signal sent while one is pending merges with it. */
	for (i = 0; i < s->count; i++) {
		int before = handled_so_far();

		pthread_kill(s->target, SIGUSR1);
		while (handled_so_far() == before)
			usleep(200);
	}
	return NULL;
}

static void check_signals(void)
{
	struct signaller s = { .target = pthread_self(), .count = 20 };
	int cpu, bad = 0, sent = 0;
	pthread_t thread;

	signal(SIGUSR1, check_in_handler);
	in_handler_bad = 0;
	handled = 0;
	for (cpu = 0; cpu < nr_cpus; cpu++) {
		pin_to_cpu(cpu);
		raise(SIGUSR1);
		bad += ids_disagree("after a signal to self", cpu);
		sent++;

		s.cpu = first_cpu_of((node_of[cpu] + 1) % nr_nodes);
		pthread_create(&thread, NULL, send_signals, &s);
		while (handled_so_far() < sent + s.count)
			bad += ids_disagree("spinning while signalled", cpu) ? 1 : 0;
		pthread_join(thread, NULL);
		sent += s.count;
	}
	signal(SIGUSR1, SIG_DFL);
	ok(bad == 0 && in_handler_bad == 0 && handled_so_far() == sent,
	   "%d signals, from the thread and from the other node: node_id right in the handler and after",
	   sent);
}

/* A padded per-CPU word, as the library's structures lay them out. */
struct slot {
	intptr_t v;
	char pad[64 - sizeof(intptr_t)];
};

static struct slot slots[MAX_CPUS];

struct hopper {
	struct rseqdev_percpu_counter *counter;
	unsigned int seed;
	int failed;
};

/* Counter adds, moving to a random CPU (often of the other node) every few. */
static void *hop_and_add(void *arg)
{
	struct hopper *h = arg;
	int i;

	if (rseqdev_register_current_thread()) {
		h->failed = 1;
		return NULL;
	}
	for (i = 0; i < HOPPER_ADDS; i++) {
		if (i % HOP_EVERY == 0)
			pin_to_cpu(rand_r(&h->seed) % nr_cpus);
		if (rseqdev_percpu_counter_add(h->counter, 1))
			h->failed = 1;
	}
	return NULL;
}

static void check_hopping_counter(void)
{
	struct rseqdev_percpu_counter *counter = rseqdev_percpu_counter_create(RSEQ_PERCPU_CPU_ID);
	struct hopper hoppers[HOPPERS];
	pthread_t threads[HOPPERS];
	int i, failed = 0;

	if (!counter)
		tap_bail("cannot create a counter: %s", strerror(errno));
	for (i = 0; i < HOPPERS; i++) {
		hoppers[i] = (struct hopper){ .counter = counter, .seed = 17 * i + 1 };
		pthread_create(&threads[i], NULL, hop_and_add, &hoppers[i]);
	}
	for (i = 0; i < HOPPERS; i++) {
		pthread_join(threads[i], NULL);
		failed |= hoppers[i].failed;
	}
	ok(!failed && rseqdev_percpu_counter_sum(counter) == HOPPERS * HOPPER_ADDS,
	   "%d threads hopping between nodes: counter %ld, want %d",
	   HOPPERS, (long)rseqdev_percpu_counter_sum(counter), HOPPERS * HOPPER_ADDS);
	rseqdev_percpu_counter_destroy(counter);
}

struct worker {
	int cpu;	/* where the worker runs */
	int failed;
};

/* Registers the worker's thread and pins it to its CPU. */
static bool worker_ready(struct worker *w)
{
	if (rseqdev_register_current_thread() || pin_to_cpu(w->cpu)) {
		w->failed = 1;
		return false;
	}
	return true;
}

/* rseq adds to the slot of the worker's own CPU. */
static void *rseq_adds(void *arg)
{
	struct worker *w = arg;
	int i, index;

	if (!worker_ready(w))
		return NULL;
	for (i = 0; i < RSEQ_ADDS; i++) {
		do
			index = rseqdev_percpu_current_index(RSEQ_PERCPU_CPU_ID);
		while (index < 0 ||
		       rseq_load_add_store__ptr(RSEQ_MO_RELAXED, RSEQ_PERCPU_CPU_ID,
						&slots[index].v, 1, index));
	}
	return NULL;
}

/* cpu_opv adds, from the worker's CPU, to every CPU of the other nodes. */
static void *opv_adds(void *arg)
{
	struct worker *w = arg;
	int i, cpu;

	if (!worker_ready(w))
		return NULL;
	for (i = 0; i < OPV_ADDS; i++)
		for (cpu = 0; cpu < nr_cpus; cpu++)
			if (node_of[cpu] != node_of[w->cpu] &&
			    rseqdev_cpu_op_load_add_store__ptr(RSEQ_MO_RELAXED, RSEQ_PERCPU_CPU_ID,
						       &slots[cpu].v, 1, cpu)) {
				diag("cpu_opv from CPU %d to CPU %d: %s", w->cpu,
				     cpu, strerror(errno));
				w->failed = 1;
				return NULL;
			}
	return NULL;
}

static void check_opv_across_nodes(void)
{
	struct worker adders[MAX_CPUS], senders[MAX_CPUS];
	pthread_t adder_threads[MAX_CPUS], sender_threads[MAX_CPUS];
	int cpu, node, failed = 0, wrong = 0;
	long want = RSEQ_ADDS + (long)OPV_ADDS * (nr_nodes - 1);

	if (!rseqdev_cpu_opv_usable(RSEQ_PERCPU_CPU_ID)) {
		ok(1, "# SKIP cpu_opv is not available");
		return;
	}
	memset(slots, 0, sizeof(slots));
	for (cpu = 0; cpu < nr_cpus; cpu++) {
		adders[cpu] = (struct worker){ .cpu = cpu };
		pthread_create(&adder_threads[cpu], NULL, rseq_adds, &adders[cpu]);
	}
	for (node = 0; node < nr_nodes; node++) {
		senders[node] = (struct worker){ .cpu = first_cpu_of(node) };
		pthread_create(&sender_threads[node], NULL, opv_adds, &senders[node]);
	}
	for (node = 0; node < nr_nodes; node++) {
		pthread_join(sender_threads[node], NULL);
		failed |= senders[node].failed;
	}
	for (cpu = 0; cpu < nr_cpus; cpu++) {
		pthread_join(adder_threads[cpu], NULL);
		failed |= adders[cpu].failed;
		if (slots[cpu].v != want) {
			diag("CPU %d (node %d): %ld, want %ld", cpu, node_of[cpu],
			     (long)slots[cpu].v, want);
			wrong++;
		}
	}
	ok(!failed && wrong == 0,
	   "cpu_opv from each node onto the other's CPUs against rseq adds there: every CPU %ld",
	   want);
}

/*
 * Busy threads (and the main thread) confined to the last node: at most
 * that node's CPU count of them run at once, so the ids settle below it,
 * whatever the CPU numbers are. Settle, not stay: ids the other node's
 * CPUs or earlier threads held are given back by the kernel's periodic
 * compaction (spec.md section 4), which a native 6.12 needs a few 100 ms
 * periods for.
 */
static void check_cid_compact_on_node(void)
{
	int node = nr_nodes - 1, width = 0, nthreads, cpu;
	uint32_t max;
	bool invalid;

	if (!rseq_mm_cid_available()) {
		ok(1, "# SKIP this backend has no mm_cid");
		return;
	}
	for (cpu = 0; cpu < nr_cpus; cpu++)
		width += node_of[cpu] == node;
	if (pin_to_node(node))
		tap_bail("cannot pin to node %d: %s", node, strerror(errno));
	nthreads = 2 * width;
	max = watch_mm_cids(nthreads, 400000, &invalid);
	ok(!invalid && max < (uint32_t)width,
	   "%d threads on node %d's %d CPUs (from CPU %d), after 0.4 s: largest mm_cid %u < %d",
	   nthreads, node, width, first_cpu_of(node), max, width);
}

int main(void)
{
	require_backend();
	read_topology();
	if (nr_nodes < 2) {
		printf("1..0 # SKIP one NUMA node: nothing to tell apart\n");
		return 0;
	}
	diag("%d CPUs on %d nodes", nr_cpus, nr_nodes);
	if (rseqdev_register_current_thread())
		tap_bail("cannot register: %s", strerror(errno));
	if (rseq_node_id_available()) {
		check_pinned();
		check_migrations();
		check_signals();
	} else {
		ok(1, "# SKIP the area in use has no node_id (native rseq before 6.3)");
	}
	check_hopping_counter();
	check_opv_across_nodes();
	check_cid_compact_on_node();
	return tap_done();
}
