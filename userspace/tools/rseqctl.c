// SPDX-License-Identifier: GPL-2.0-only
/*
 * rseqctl: inspect the rseqdev module from the command line.
 *
 *   rseqctl [info]     what the loaded module provides, as a table
 *   rseqctl stats      the module's counters; "stats --reset-max" also
 *                      starts a new preemption-off maximum (root)
 *   rseqctl threads PID  the threads of process PID registered through
 *                      the module, with their counters
 *   rseqctl --version  the tool's own version
 *
 * Exit status: 0 on success, 1 when the device cannot be used, 2 on a
 * usage error.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rseqdev/rseqdev.h>

#define MODULE_VERSION_FILE "/sys/module/rseqdev/version"
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const struct {
	unsigned long long bit;
	const char *name;
} feature_names[] = {
	{ RSEQDEV_FEATURE_RSEQ, "rseq registration and aborts" },
	{ RSEQDEV_FEATURE_NODE_ID, "rseq node_id" },
	{ RSEQDEV_FEATURE_MM_CID, "rseq mm_cid" },
	{ RSEQDEV_FEATURE_CPU_OPV, "cpu_opv" },
	{ RSEQDEV_FEATURE_FENCE, "rseq fence (membarrier RSEQ)" },
	{ RSEQDEV_FEATURE_CPU_OPV_MM_CID, "cpu_opv by mm_cid" },
	{ RSEQDEV_FEATURE_STATS, "counters (rseqctl stats)" },
	{ RSEQDEV_FEATURE_THREADS, "thread list (rseqctl threads)" },
	{ RSEQDEV_FEATURE_SLICE_EXT, "7.1 time-slice extension" },
};

/* A generation as the module parameter and $RSEQDEV_GENERATION spell it. */
static const char *generation_name(unsigned int gen)
{
	switch (gen) {
	case RSEQDEV_GEN_CLASSIC:
		return "classic";
	case RSEQDEV_GEN_7_1:
		return "7.1";
	default:
		return "unknown";
	}
}

/* The rules a registration gets: 7.1 tells them apart by length. */
static const char *rules_name(unsigned int gen, unsigned int len)
{
	/* 0: a module from before generations, which runs classic only. */
	if (gen == 0 || gen == RSEQDEV_GEN_CLASSIC)
		return "classic";
	if (gen != RSEQDEV_GEN_7_1)
		return "unknown";
	return len > RSEQDEV_RSEQ_ORIG_SIZE ? "7.1-opt" : "7.1-legacy";
}

static void print_generations(const struct rseqdev_query *q)
{
	/* 0: a module from before generations, which runs classic only. */
	unsigned int mask = q->generations ? q->generations : 1U << RSEQDEV_GEN_CLASSIC;
	unsigned int gen;
	const char *sep = "";

	printf("%-32s ", "generations");
	for (gen = RSEQDEV_GEN_CLASSIC; gen < 32; gen++) {
		if (!(mask & (1U << gen)))
			continue;
		printf("%s%s", sep, generation_name(gen));
		sep = ", ";
	}
	printf("\n%-32s %s\n", "default generation",
	       generation_name(q->default_generation ? q->default_generation
						     : RSEQDEV_GEN_CLASSIC));
}

static void explain_open_failure(const char *path, int err)
{
	fprintf(stderr, "rseqctl: cannot open %s: %s\n", path, strerror(err));
	if (err == ENOENT)
		fprintf(stderr, "rseqctl: the rseqdev module is not loaded; load it with: sudo modprobe rseqdev\n");
	else if (err == EACCES || err == EPERM)
		fprintf(stderr, "rseqctl: no permission; see \"Device permissions\" in the README\n");
}

static void read_module_version(char *buf, size_t len)
{
	FILE *f = fopen(MODULE_VERSION_FILE, "r");

	snprintf(buf, len, "unknown");
	if (!f)
		return;
	if (fgets(buf, (int)len, f))
		buf[strcspn(buf, "\n")] = '\0';
	fclose(f);
}

static void print_info(const struct rseqdev_query *q)
{
	unsigned long long unknown = q->features;
	char version[64];
	size_t i;

	read_module_version(version, sizeof(version));
	printf("%-32s %s\n", "device", rseqdev_device_path());
	printf("%-32s %s\n", "module version", version);
	printf("%-32s %s\n", "library version", rseqdev_version());
	printf("%-32s %u\n", "ABI version", q->abi_version);
	printf("features:\n");
	for (i = 0; i < ARRAY_SIZE(feature_names); i++) {
		printf("  %-30s %s\n", feature_names[i].name,
		       q->features & feature_names[i].bit ? "yes" : "no");
		unknown &= ~feature_names[i].bit;
	}
	if (unknown)
		printf("  %-30s 0x%llx\n", "unknown to this tool", unknown);
	print_generations(q);
	printf("%-32s feature size %u, alignment %u\n", "struct rseq",
	       q->rseq_feature_size, q->rseq_align);
	printf("%-32s %u\n", "possible CPU ids", q->nr_cpu_ids);
	printf("%-32s %u ops, %u bytes per op, %u bytes per vector\n",
	       "cpu_opv limits", q->cpu_opv_max_ops, q->cpu_opv_max_op_len,
	       q->cpu_opv_max_total_len);
	/* 0: a module from before the field, with the first ABI's types. */
	printf("%-32s %u\n", "cpu_opv operation types",
	       q->cpu_opv_nr_op_types ? q->cpu_opv_nr_op_types : RSEQDEV_CPU_OP_MB + 1);
}

static int open_device(void)
{
	if (rseqdev_device_fd() >= 0)
		return 0;
	explain_open_failure(rseqdev_device_path(), errno);
	return -1;
}

static int cmd_info(void)
{
	struct rseqdev_query q;

	if (open_device())
		return 1;
	if (rseqdev_query(&q)) {
		fprintf(stderr, "rseqctl: query failed: %s\n", strerror(errno));
		return 1;
	}
	print_info(&q);
	return 0;
}

static void print_stats(const struct rseqdev_stats *st)
{
	const struct {
		const char *name;
		__u64 value;
		const char *unit;
	} rows[] = {
		{ "registered threads", st->threads, "" },
		{ "processes with registrations", st->processes, "" },
		{ "registrations since load", st->registrations, "" },
		{ "critical sections aborted", st->aborts, "" },
		{ "cpu_opv vectors run", st->cpu_opv_calls, "" },
		{ "cpu_opv longest preempt-off", st->cpu_opv_max_preempt_off_ns, " ns" },
		{ "fences run", st->fences, "" },
		{ "CPUs interrupted by fences", st->fence_ipis, "" },
		{ "time-slice extensions granted", st->slice_granted, "" },
		{ "  whose timer ran out", st->slice_expired, "" },
		{ "  ended by a reschedule", st->slice_revoked, "" },
		{ "  ended by rseq_slice_yield", st->slice_yielded, "" },
		{ "  ended by another system call", st->slice_aborted, "" },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(rows); i++)
		printf("%-32s %llu%s\n", rows[i].name,
		       (unsigned long long)rows[i].value, rows[i].unit);
}

static int cmd_stats(unsigned int flags)
{
	struct rseqdev_stats st;

	if (open_device())
		return 1;
	if (rseqdev_stats(&st, flags)) {
		fprintf(stderr, "rseqctl: reading the counters failed: %s\n",
			strerror(errno));
		if (errno == EPERM)
			fprintf(stderr, "rseqctl: --reset-max needs CAP_SYS_ADMIN\n");
		return 1;
	}
	print_stats(&st);
	return 0;
}

/* One line per thread; the table's columns name the counters. */
static void print_threads(const struct rseqdev_thread_info *info, int nr)
{
	int i;

	printf("%-8s %-18s %4s %-10s %-10s %4s %10s %10s %10s %10s\n", "TID",
	       "AREA", "LEN", "SIGNATURE", "RULES", "CPU", "ABORTS", "SWITCHES",
	       "SIGNALS", "FENCES");
	for (i = 0; i < nr; i++)
		printf("%-8u 0x%-16llx %4u 0x%08x %-10s %4d %10llu %10llu %10llu %10llu\n",
		       info[i].tid, (unsigned long long)info[i].area,
		       info[i].area_len, info[i].sig,
		       rules_name(info[i].generation, info[i].area_len), info[i].cpu,
		       (unsigned long long)info[i].aborts,
		       (unsigned long long)info[i].preempts,
		       (unsigned long long)info[i].signals,
		       (unsigned long long)info[i].fences);
}

static int cmd_threads(const char *arg)
{
	struct rseqdev_thread_info *info = NULL;
	int nr, room = 0;
	char *end;
	long pid;

	errno = 0;
	pid = strtol(arg, &end, 10);
	if (errno || *end || end == arg || pid <= 0 || pid > 0x7fffffff) {
		fprintf(stderr, "rseqctl: '%s' is not a process id\n", arg);
		return 2;
	}
	if (open_device())
		return 1;
	/* Threads may register between the calls: grow until all fit. */
	for (;;) {
		nr = rseqdev_threads((int)pid, info, (unsigned int)room);
		if (nr < 0 || nr <= room)
			break;
		room = nr + 16;
		free(info);
		info = calloc((size_t)room, sizeof(*info));
		if (!info) {
			fprintf(stderr, "rseqctl: out of memory\n");
			return 1;
		}
	}
	if (nr < 0) {
		fprintf(stderr, "rseqctl: process %ld: %s\n", pid,
			errno == ESRCH ? "no such process" : strerror(errno));
		free(info);
		return 1;
	}
	printf("process %ld: %d thread%s registered through the module\n", pid,
	       nr, nr == 1 ? "" : "s");
	if (nr)
		print_threads(info, nr);
	free(info);
	return 0;
}

static void usage(FILE *out)
{
	fprintf(out, "usage: rseqctl [info | stats [--reset-max] | threads PID | --version | --help]\n");
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "info";

	if (argc == 3 && !strcmp(cmd, "stats") && !strcmp(argv[2], "--reset-max"))
		return cmd_stats(RSEQDEV_STATS_RESET_MAX);
	if (argc == 3 && !strcmp(cmd, "threads"))
		return cmd_threads(argv[2]);
	if (argc > 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(cmd, "info"))
		return cmd_info();
	if (!strcmp(cmd, "stats"))
		return cmd_stats(0);
	if (!strcmp(cmd, "--version")) {
		printf("rseqctl %s\n", rseqdev_version());
		return 0;
	}
	if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
		usage(stdout);
		return 0;
	}
	usage(stderr);
	return 2;
}
