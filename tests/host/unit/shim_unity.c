// SPDX-License-Identifier: GPL-2.0-only
/*
 * The shim as it ships (rseqdev_preload.c, membarrier.c and slice.c, unchanged),
 * with its entry points renamed before any header declares them (see
 * shim.h), and a reset that reaches its static state.
 */
#define syscall shim_syscall
#define getauxval shim_getauxval
#define prctl shim_prctl
#include "../../../userspace/preload/rseqdev_preload.c"
#include "../../../userspace/preload/membarrier.c"
#include "../../../userspace/preload/slice.c"
#undef syscall
#undef getauxval
#undef prctl

#include "fake_module.h"
#include "shim.h"

void shim_reset(bool warn_again)
{
	__atomic_store_n(&next_syscall, (void *)fake_kernel_syscall, __ATOMIC_RELEASE);
	__atomic_store_n(&next_getauxval, (void *)fake_kernel_getauxval,
			 __ATOMIC_RELEASE);
	__atomic_store_n(&next_prctl, (void *)fake_kernel_prctl, __ATOMIC_RELEASE);
	mode = MODE_UNSET;
	kernel_rseq = 0;
	warned_mode = !warn_again;
	warned_device = !warn_again;
	query_state = QUERY_NONE;
	memset(&cached_query, 0, sizeof(cached_query));
	module_registered = 0;
	kernel_registered = 0;
	kernel.calls = 0;
	memset(kernel.last, 0, sizeof(kernel.last));
	fake_device_forget();
}
