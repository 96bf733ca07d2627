// SPDX-License-Identifier: GPL-2.0-only
/*
 * insnprof: a QEMU TCG plugin that counts the guest instructions executed
 * at each address from a threshold up (the kernel's half of the address
 * space), for scripts/profile.sh. Under -icount the counts repeat from run
 * to run; scripts/profile/report.pl names their functions.
 *
 * Written for the plugin interface of version 1 (QEMU 4.2 to 8.0; Debian
 * 12 ships 7.2), whose header QEMU's packages do not install: the few
 * declarations it needs are below. QEMU resolves them in its own binary.
 *
 * Arguments: out=FILE (default insnprof.out), min=HEX (default
 * ff00000000000000), stop=HEX: the counts are those at the first execution
 * of the instruction at that address (what runs after, such as the
 * guest's report, does not count). Output: "ADDRESS COUNT" lines,
 * hexadecimal address, sorted, addresses never executed left out.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef uint64_t qemu_plugin_id_t;
struct qemu_plugin_tb;
struct qemu_plugin_insn;
typedef struct {
	const char *target_name;
	struct {
		int min;
		int cur;
	} version;
	bool system_emulation;
} qemu_info_t;
enum qemu_plugin_op { QEMU_PLUGIN_INLINE_ADD_U64 };
enum qemu_plugin_cb_flags {
	QEMU_PLUGIN_CB_NO_REGS,
	QEMU_PLUGIN_CB_R_REGS,
	QEMU_PLUGIN_CB_RW_REGS,
};

typedef void (*tb_trans_cb)(qemu_plugin_id_t id, struct qemu_plugin_tb *tb);
typedef void (*udata_cb)(qemu_plugin_id_t id, void *udata);
typedef void (*vcpu_udata_cb)(unsigned int vcpu_index, void *udata);
void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id, tb_trans_cb cb);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id, udata_cb cb, void *udata);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
struct qemu_plugin_insn *qemu_plugin_tb_get_insn(const struct qemu_plugin_tb *tb,
						 size_t idx);
uint64_t qemu_plugin_insn_vaddr(const struct qemu_plugin_insn *insn);
void qemu_plugin_register_vcpu_insn_exec_cb(struct qemu_plugin_insn *insn,
					    vcpu_udata_cb cb,
					    enum qemu_plugin_cb_flags flags,
					    void *udata);
void qemu_plugin_register_vcpu_tb_exec_inline(struct qemu_plugin_tb *tb,
					      enum qemu_plugin_op op, void *ptr,
					      uint64_t imm);

#define EXPORT __attribute__((visibility("default")))

EXPORT int qemu_plugin_version = 1;

/*
 * One translated block: how often it ran, and its instructions. A block
 * that ends early (an exception, an interrupt) still counts whole: the
 * error is a few instructions per interrupt.
 */
struct block {
	uint64_t runs;
	uint64_t at_stop;	/* runs when the stop address first ran */
	struct block *next;
	size_t nr;
	uint64_t addr[];
};

static struct block *blocks;
static uint64_t min_addr = 0xff00000000000000ull;
static const char *out_path = "insnprof.out";
static uint64_t stop_addr;
static bool stopped;

/* The stop address ran: what every block ran so far is the result. */
static void on_stop(unsigned int vcpu_index, void *udata)
{
	struct block *b;

	if (stopped)
		return;
	for (b = blocks; b; b = b->next)
		b->at_stop = b->runs;
	stopped = true;
}

static void on_translate(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	size_t i, nr = qemu_plugin_tb_n_insns(tb);
	struct block *b;

	if (!nr || qemu_plugin_insn_vaddr(qemu_plugin_tb_get_insn(tb, 0)) < min_addr)
		return;
	b = calloc(1, sizeof(*b) + nr * sizeof(b->addr[0]));
	if (!b)
		abort();
	b->nr = nr;
	for (i = 0; i < nr; i++) {
		struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);

		b->addr[i] = qemu_plugin_insn_vaddr(insn);
		if (stop_addr && b->addr[i] == stop_addr)
			qemu_plugin_register_vcpu_insn_exec_cb(insn, on_stop,
							       QEMU_PLUGIN_CB_NO_REGS,
							       NULL);
	}
	b->next = blocks;
	blocks = b;
	/* Inline: one add per block run, no call out of the generated code. */
	qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64,
						 &b->runs, 1);
}

struct hit {
	uint64_t addr, count;
};

static int by_addr(const void *a, const void *b)
{
	const struct hit *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static uint64_t block_runs(const struct block *b)
{
	return stopped ? b->at_stop : b->runs;
}

/* A block translated again (or twice) adds to the same addresses. */
static void write_counts(qemu_plugin_id_t id, void *udata)
{
	size_t nr = 0, i, k = 0;
	struct block *b;
	struct hit *hits;
	FILE *f;

	for (b = blocks; b; b = b->next)
		nr += block_runs(b) ? b->nr : 0;
	hits = malloc((nr + 1) * sizeof(*hits));
	f = fopen(out_path, "w");
	if (!hits || !f)
		abort();
	for (b = blocks; b; b = b->next)
		for (i = 0; block_runs(b) && i < b->nr; i++)
			hits[k++] = (struct hit){ b->addr[i], block_runs(b) };
	qsort(hits, nr, sizeof(*hits), by_addr);
	for (i = 0; i < nr; i++) {
		uint64_t count = hits[i].count;

		while (i + 1 < nr && hits[i + 1].addr == hits[i].addr)
			count += hits[++i].count;
		fprintf(f, "%llx %llu\n", (unsigned long long)hits[i].addr,
			(unsigned long long)count);
	}
	fclose(f);
	free(hits);
}

EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info,
			       int argc, char **argv)
{
	int i;

	for (i = 0; i < argc; i++) {
		if (!strncmp(argv[i], "out=", 4))
			out_path = argv[i] + 4;
		else if (!strncmp(argv[i], "min=", 4))
			min_addr = strtoull(argv[i] + 4, NULL, 16);
		else if (!strncmp(argv[i], "stop=", 5))
			stop_addr = strtoull(argv[i] + 5, NULL, 16);
		else
			return -1;
	}
	qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
	qemu_plugin_register_atexit_cb(id, write_counts, NULL);
	return 0;
}
