#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Run the benchmarks in the VM and print their tables: once under plain
# TCG with 2 CPUs (every benchmark), once in QEMU's deterministic icount
# mode with 1 CPU (what one CPU can measure, in guest instructions).
# Every figure also goes to build/bench/ARCH/results ("KERNEL MODE KEY
# VALUE" lines, from the "# data" lines the benchmarks print); --report
# then writes the architecture's page and its plots from that file
# (scripts/bench-report.pl): docs/performance.md for x86-64, which is what
# "make bench" does, docs/performance-arm64.md for arm64 ("make
# bench-arm64"). One run covers one architecture, so that neither page
# takes the other's kernels.
#
# usage: scripts/bench.sh [--quick] [--report] [--arm64] [KERNEL-NAME...]
#        (default: the pinned x86-64 kernels of the matrix; --arm64: the
#        pinned arm64 ones; named kernels: all of one architecture)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

args=()
report=
arch=
while [ $# -gt 0 ]; do
	case "$1" in
	--quick) args=(--quick); shift ;;
	--report) report=1; shift ;;
	--arm64) arch=arm64; shift ;;
	-*) die "unknown option '$1' (see the header of $0)" ;;
	*) break ;;
	esac
done
kernels=("$@")
if [ ${#kernels[@]} -eq 0 ]; then
	arch=${arch:-x86_64}
	mapfile -t kernels < <(pinned_kernels "$arch")
	[ ${#kernels[@]} -gt 0 ] || die "no pinned $arch kernel in $MATRIX_CONF"
fi
arch=${arch:-$(matrix_arch "${kernels[0]}")}
for k in "${kernels[@]}"; do
	[ "$(matrix_arch "$k")" = "$arch" ] || die "kernel $k is not $arch: one run, one architecture"
done
work=$RSEQDEV_BUILD/bench/$arch
results=$work/results
mkdir -p "$work"
# The tree the figures come from, and a run that is no full one, for the report.
{
	echo "- meta tree $(git -C "$RSEQDEV_TOP" describe --always --dirty 2>/dev/null || echo unknown)"
	[ ${#args[@]} -eq 0 ] || echo "- meta quick yes"
} > "$results"
if [ -n "$report" ]; then
	ensure_packages gnuplot-nox
	step "bench: the $arch report of kernels ${kernels[*]} follows the runs"
fi

# plan_for FILE: the plan with the benchmark's options appended.
plan_for() { sed "s/--tap\$/--tap ${args[*]:-}/" "$1" > "$work/$(basename "$1")"; echo "$work/$(basename "$1")"; }

status=0
described=()
for k in "${kernels[@]}"; do
	described+=("$k=$(matrix_field "$k" 2)")
	for mode in tcg icount; do
		if [ $mode = tcg ]; then
			plan=$(plan_for "$RSEQDEV_TOP/tests/vm/bench.plan"); extra=(--smp 2)
			what="QEMU TCG, 2 CPUs: times distorted, read the ratios"
		else
			plan=$(plan_for "$RSEQDEV_TOP/tests/vm/bench-icount.plan"); extra=(--icount)
			what="QEMU icount, 1 CPU: 1 ns = 1 guest instruction"
		fi
		step "bench: $k, $what"
		out=$("$RSEQDEV_TOP/scripts/vm-run.sh" --kernel "$k" --tag "bench-$mode" \
			--plan "$plan" "${extra[@]}") || status=1
		echo "== $(matrix_field "$k" 2): $what"
		sed -n '/^# bench[-a-z]*| # data /d; s/^# bench[-a-z]*| # \{0,1\}//p' <<< "$out"
		sed -n "s/^# bench[-a-z]*| # data /$k $mode /p" <<< "$out" >> "$results"
		grep '^not ok' <<< "$out" || true
		echo
	done
done
[ $status -eq 0 ] || die "a benchmark run failed: no report"
[ -z "$report" ] || "$RSEQDEV_TOP/scripts/bench-report.pl" --arch "$arch" "$results" \
	"$RSEQDEV_TOP/docs" "${described[@]}"
