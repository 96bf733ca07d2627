// SPDX-License-Identifier: GPL-2.0-only
/*
 * A program written for mainline 7.0's time-slice extension, with the
 * kernel's numbers and nothing of rseqdev: it registers an area as large
 * as AT_RSEQ_FEATURE_SIZE says, enables the extension with prctl() and
 * calls rseq_slice_yield(2) through syscall().
 *
 * usage: plain_slice kernel|extension
 *   kernel     a kernel without the extension: the prctl option is
 *              unknown (EINVAL), the system call too (ENOSYS)
 *   extension  a kernel with it (the module's 7.1 generation behind the
 *              preload shim): the prctl's answers and errors, and the
 *              yield's 0 without a grant
 */
#define _GNU_SOURCE
#include "plain.h"

#include <sys/auxv.h>
#include <sys/prctl.h>

#define PR_RSEQ_SLICE_EXTENSION		79
#define PR_RSEQ_SLICE_EXTENSION_GET	1
#define PR_RSEQ_SLICE_EXTENSION_SET	2
#define PR_RSEQ_SLICE_EXT_ENABLE	0x01
#define NR_RSEQ_SLICE_YIELD		471
#define FLAG_SLICE_EXT_AVAILABLE	(1u << 4)
#define FLAG_SLICE_EXT_ENABLED		(1u << 5)

static unsigned char area[64] __attribute__((aligned(64)));

static void on_kernel_without(void)
{
	errno = 0;
	check(prctl(PR_RSEQ_SLICE_EXTENSION, PR_RSEQ_SLICE_EXTENSION_GET, 0, 0, 0) == -1 &&
	      errno == EINVAL, "prctl(PR_RSEQ_SLICE_EXTENSION): EINVAL, an unknown option");
	errno = 0;
	check(syscall(NR_RSEQ_SLICE_YIELD) == -1 && errno == ENOSYS,
	      "rseq_slice_yield(): ENOSYS");
}

static void on_kernel_with(void)
{
	struct rseq *r = (struct rseq *)area;
	unsigned long size = getauxval(AT_RSEQ_FEATURE_SIZE);

	check(size == 33 && getauxval(AT_RSEQ_ALIGN) == 64,
	      "the auxiliary vector: feature size 33, alignment 64 (%lu)", size);
	check(sys_rseq(area, (uint32_t)size, 0, RSEQ_SIG) == 0,
	      "registered %lu bytes", size);
	check(r->flags == FLAG_SLICE_EXT_AVAILABLE, "rseq::flags: AVAILABLE");
	check(prctl(PR_RSEQ_SLICE_EXTENSION, PR_RSEQ_SLICE_EXTENSION_GET, 0, 0, 0) == 0,
	      "GET: 0, not enabled yet");
	errno = 0;
	check(prctl(PR_RSEQ_SLICE_EXTENSION, PR_RSEQ_SLICE_EXTENSION_SET,
		    PR_RSEQ_SLICE_EXT_ENABLE, 1, 0) == -1 && errno == EINVAL,
	      "SET with arg4 set: EINVAL");
	check(prctl(PR_RSEQ_SLICE_EXTENSION, PR_RSEQ_SLICE_EXTENSION_SET,
		    PR_RSEQ_SLICE_EXT_ENABLE, 0, 0) == 0 &&
	      r->flags == (FLAG_SLICE_EXT_AVAILABLE | FLAG_SLICE_EXT_ENABLED),
	      "SET: enabled, rseq::flags gains ENABLED");
	check(syscall(SYS_prctl, PR_RSEQ_SLICE_EXTENSION,
		      PR_RSEQ_SLICE_EXTENSION_GET, 0, 0, 0) == 1,
	      "GET through syscall(SYS_prctl): 1");
	check(syscall(NR_RSEQ_SLICE_YIELD) == 0, "rseq_slice_yield() without a grant: 0");
	check(prctl(PR_SET_NAME, "plain_slice", 0, 0, 0) == 0,
	      "another prctl option still reaches the kernel");
	check(sys_rseq(area, (uint32_t)size, RSEQ_FLAG_UNREGISTER, RSEQ_SIG) == 0,
	      "unregistered");
}

int main(int argc, char **argv)
{
	static const char line[] = "plain_slice kernel|extension";

	if (argc != 2)
		usage(line);
	if (!strcmp(argv[1], "kernel"))
		on_kernel_without();
	else if (!strcmp(argv[1], "extension"))
		on_kernel_with();
	else
		usage(line);
	return done_testing();
}
