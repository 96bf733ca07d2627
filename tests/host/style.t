#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Kernel coding style, checked by the kernel's own checkpatch.pl: the module
# and the ABI header with no exception; the library, tools and tests with
# only the checks that ask for kernel-internal macros (__printf, __noreturn)
# or misread a usage() message as an embedded function name.
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

check "module and uapi" module/*.c module/*/*.c module/*.h module/*/*.h uapi/linux/*.h
check "library, tools and tests" --ignore PREFER_DEFINED_ATTRIBUTE_MACRO,EMBEDDED_FUNCTION_NAME \
	userspace/lib/*.c userspace/tools/*.c userspace/tests/*.[ch] userspace/include/rseqdev/*.h
done_testing
