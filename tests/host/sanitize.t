#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The library's and the shim's non-asm C under AddressSanitizer and
# UndefinedBehaviorSanitizer, on the host, without the module (issue 12).
# tests/host/unit builds them with -fsanitize=address,undefined
# -fno-sanitize-recover=all, with gcc and with clang, into:
#  - lib_check absent: $RSEQDEV_DEVICE names no file: every exported
#    function fails with its documented errno, argument checks before any
#    device access; every rseqdev_cpu_op_*() with good and bad memory orders,
#    modes, CPUs and lengths;
#  - lib_check fake: the ioctls answered by a fake module (--wrap=ioctl):
#    every byte of every ioctl argument and cpu_opv vector the library
#    builds, over a stack filled with 0xaa, then 0x55 (pads must be zero);
#    the module's errors passed on; the per-CPU structures on the slow path;
#  - lib_check env: the slow-path policy from $RSEQDEV_CPU_OPV and
#    $RSEQDEV_CPU_OPV_AFTER, misspellings reported and ignored;
#  - shim_check plain and glibc: the preload shim's translation of rseq(2)
#    arguments, membarrier(2) commands and getauxval() with the device
#    missing, unusable or fake, in every RSEQDEV_PRELOAD_RSEQ mode, with and
#    without glibc's own registration; other calls passed on untouched.
# A program passes when it exits 0, with a plan and no failed check, and
# prints no sanitizer report. Programs with a planted overflow prove that
# a report fails the run.
. "$(dirname "$0")/tap.sh"

# libclang-rt-dev: clang's sanitizer runtimes (gcc's come with gcc).
ensure_packages gcc clang libclang-rt-dev libc6-dev make

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
unit=$RSEQDEV_TOP/tests/host/unit
export ASAN_OPTIONS=halt_on_error=1:detect_leaks=1:abort_on_error=0
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
sanitizer_report='ERROR: (Address|Leak)Sanitizer|runtime error:|SUMMARY: [A-Za-z]*Sanitizer'

# run NAME [VAR=VALUE...] -- PROGRAM [ARG...]: the program's output in
# $work/out and $work/err; 0 when it passed as the header says.
run() {
	local rc=0
	shift
	local vars=()
	while [ "$1" != -- ]; do vars+=("$1"); shift; done
	shift
	env "${vars[@]}" "$@" > "$work/out" 2> "$work/err" || rc=$?
	[ "$rc" -eq 0 ] && grep -qE '^1\.\.[0-9]+' "$work/out" &&
		! grep -q '^not ok' "$work/out" && ! grep -qE "$sanitizer_report" "$work/err"
}

# check NAME [VAR=VALUE...] -- PROGRAM [ARG...]: one TAP line for it.
check() {
	local name=$1 checks
	if run "$@"; then
		checks=$(grep -c '^ok' "$work/out")
		tap_result 1 "$name: $checks checks$(grep -o ' # SKIP.*' "$work/out")"
	else
		tap_result 0 "$name"
		{ grep '^not ok' "$work/out"; head -n 40 "$work/err"; } | sed 's/^/#   /'
	fi
}

planted() {
	cat <<'C'
#include <limits.h>
#include <stdlib.h>
int main(int argc, char **argv)
{
	int *a = calloc(2, sizeof(*a));
	int i = atoi(argv[1]);

	(void)argc;
	if (i == 2)
		return a[i];		/* heap-buffer-overflow */
	return INT_MAX + i;		/* signed overflow for i = 1 */
}
C
}

for cc in gcc clang; do
	o=$work/$cc
	out=$(make -s -C "$unit" O="$o" CC="$cc" check 2>&1)
	is "$out" "" "$cc: lib_check and shim_check build with -Werror and the sanitizers"

	planted > "$o/planted.c"
	"$cc" -g -fsanitize=address,undefined -fno-sanitize-recover=all \
		-o "$o/planted" "$o/planted.c" 2>/dev/null
	! run x -- "$o/planted" 2 &&
		grep -q 'AddressSanitizer: heap-buffer-overflow' "$work/err"
	is "$?" 0 "$cc: a planted heap overflow is reported and fails the run"
	! run x -- "$o/planted" 1 &&
		grep -q 'runtime error: signed integer overflow' "$work/err"
	is "$?" 0 "$cc: a planted signed overflow is reported and fails the run"

	check "$cc: lib_check absent" RSEQDEV_DEVICE=/nonexistent/rseq \
		RSEQDEV_BACKEND=module -- "$o/lib_check" absent
	check "$cc: lib_check fake" RSEQDEV_DEVICE=/dev/null RSEQDEV_BACKEND=module \
		-- "$o/lib_check" fake
	check "$cc: shim_check plain" GLIBC_TUNABLES=glibc.pthread.rseq=0 \
		-- "$o/shim_check" plain
	check "$cc: shim_check glibc" -- "$o/shim_check" glibc
done

# The policy the environment sets: MODE (0 auto, 1 always, 2 never),
# LIMIT, and the warning a bad value gives.
o=$work/gcc
while read -r mode after want_mode want_limit warning; do
	vars=(RSEQDEV_DEVICE=/nonexistent/rseq)
	[ "$mode" = - ] || vars+=(RSEQDEV_CPU_OPV="$mode")
	[ "$after" = - ] || vars+=(RSEQDEV_CPU_OPV_AFTER="$after")
	desc=${vars[*]:1}
	check "policy from ${desc:-the defaults}" "${vars[@]}" -- "$o/lib_check" env "$want_mode" "$want_limit"
	if [ "$warning" = - ]; then
		is "$(cat "$work/err")" "" "... no warning"
	else
		like "$(cat "$work/err")" "^librseqdev: ignoring $warning" "... one warning: $warning"
	fi
done <<'EOF_TABLE'
- - 0 8 -
always - 1 8 -
never 3 2 3 -
auto 4294967295 0 4294967295 -
bogus - 0 8 RSEQDEV_CPU_OPV=bogus
- 0 0 8 RSEQDEV_CPU_OPV_AFTER=0
- -1 0 8 RSEQDEV_CPU_OPV_AFTER=-1
- 12x 0 8 RSEQDEV_CPU_OPV_AFTER=12x
- 4294967296 0 8 RSEQDEV_CPU_OPV_AFTER=4294967296
EOF_TABLE
done_testing
