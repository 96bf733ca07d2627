#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The module builds without a single compiler or sparse warning (W=1, C=2)
# against every matrix kernel's headers; kernel-doc comments parse; the
# user-space half builds with -Werror.
. "$(dirname "$0")/tap.sh"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

for kernel in $(test_kernels); do
	release=$(matrix_field "$kernel" 2)
	src=$work/$release
	stage_sources "$src"
	out=$(make -C "/lib/modules/$release/build" M="$src" W=1 C=2 modules 2>&1)
	is "$?" 0 "$kernel: module builds with W=1 C=2"
	warnings=$(grep -E 'warning|error' <<< "$out")
	is "$warnings" "" "$kernel: no compiler or sparse warnings"
	# Every name the module exports to the kernel's symbol table is ours:
	# the kernel owns rseq_*, and a later kernel may add any other name.
	# (The toolchain adds __pfx_NAME before each function where the kernel
	# pads them, 6.12, and __start_/__stop_ bounds of the sections it uses;
	# TRACE_EVENT(rseqdev_X) defines __tracepoint_, __traceiter_,
	# __probestub_ and static-call __SCK__/__SCT__tp_func_ names around
	# each event's own name, which is ours.)
	ko=$src/module/rseqdev.ko
	foreign=$( (nm "$ko" || echo "no symbols in $ko") |
		awk '$2 ~ /^[A-Z]$/ && $2 != "U" || NF > 3 { print $NF }' | sed 's/^__pfx_//' |
		sed -E 's/^(__tracepoint_|__traceiter_|__probestub_|__SC[KT]__tp_func_)rseqdev_/rseqdev_/' |
		grep -vE '^(rseqdev_|__this_module$|init_module$|cleanup_module$|__(start|stop)_[a-z_]+$)')
	is "$foreign" "" "$kernel: every global symbol of the module is rseqdev_*"
done

# Every struct, union and enum the module declares is ours too: a tag the
# kernel later adds under the same name (6.19's struct rseq_ids) would
# otherwise stop the module from compiling.
tags=$(cd "$RSEQDEV_TOP" && grep -hoE '^(struct|union|enum) [a-z_0-9]+ \{' \
	$(sources module/*.c module/*/*.c module/*.h module/*/*.h) | grep -v ' rseqdev_')
is "$tags" "" "every struct, union and enum tag of the module is rseqdev_*"

kernel_doc=$(ls /usr/lib/linux-kbuild-*/scripts/kernel-doc 2>/dev/null | head -n 1)
ok "kernel-doc is available ($kernel_doc)" test -n "$kernel_doc"
out=$(cd "$RSEQDEV_TOP" && perl "$kernel_doc" -none $(sources module/*.c module/*/*.c \
	module/*.h module/*/*.h uapi/linux/*.h userspace/include/rseqdev/*.h \
	userspace/include/rseqdev/arch/*.h userspace/lib/*.c) 2>&1)
is "$out" "" "kernel-doc comments parse without warnings"

out=$(make -s -C "$RSEQDEV_TOP/userspace" O="$work/userspace" 2>&1)
is "$?" 0 "user space builds with -Werror"
ok "static and shared library, pkg-config file" test -f "$work/userspace/librseqdev.a" \
	-a -f "$work/userspace/librseqdev.so.0" -a -f "$work/userspace/rseqdev.pc"
like "$(PKG_CONFIG_PATH=$work/userspace pkg-config --modversion rseqdev)" \
	"^$(re_escape "$(rseqdev_version)")\$" "pkg-config reports the version"
done_testing
