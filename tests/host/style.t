#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Kernel coding style, checked by the kernel's own checkpatch.pl: the module
# with no exception; the ABI header, the library, tools and tests without
# the check that asks for kernel-internal macros (__aligned, __printf, ...),
# which user space does not have; user space also without the check that
# misreads a usage() message as an embedded function name, and without the
# one that reserves ENOSYS for a missing system call: the library answers
# ENOSYS exactly when rseq is missing, as the kernel would. The ABI header
# also without the check that wants a macro's value in parentheses: its
# list of cpu_opv operations (RSEQDEV_CPU_OPS) is a row of X(...) calls for
# the caller to expand, which parentheses would break.
. "$(dirname "$0")/tap.sh"

checkpatch=$("$RSEQDEV_TOP/scripts/get-checkpatch.sh" 2>/dev/null)
ok "checkpatch.pl is available" test -x "$checkpatch"
cd "$RSEQDEV_TOP" || exit 1

# check NAME FILE... [-- OPTION...]
check() {
	local name=$1 out
	shift
	out=$("$checkpatch" --no-tree -f --terse --show-types --quiet --no-summary "$@" 2>&1)
	is "$out" "" "checkpatch: $name"
}

check "module" $(sources module/*.c module/*/*.c module/*.h module/*/*.h)
check "uapi" --ignore PREFER_DEFINED_ATTRIBUTE_MACRO,COMPLEX_MACRO $(sources uapi/linux/*.h)
check "library, tools, tests and benchmarks" \
	--ignore PREFER_DEFINED_ATTRIBUTE_MACRO,EMBEDDED_FUNCTION_NAME,ENOSYS \
	$(sources userspace/lib/*.c userspace/tools/*.c userspace/tests/*.[ch] \
		  userspace/bench/*.[ch] userspace/include/rseqdev/*.h \
		  userspace/include/rseqdev/arch/*.h \
		  tests/plain/*.[ch] userspace/preload/*.[ch] tests/host/unit/*.[ch])
done_testing
