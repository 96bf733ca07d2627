#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Run the benchmarks in the VM and print their tables: once under plain
# TCG with 2 CPUs (every benchmark), once in QEMU's deterministic icount
# mode with 1 CPU (context switch costs, in guest instructions).
#
# usage: scripts/bench.sh [--quick] [KERNEL-NAME...]   (default: the matrix)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

args=()
if [ "${1:-}" = "--quick" ]; then
	args=(--quick)
	shift
fi
kernels=("$@")
[ ${#kernels[@]} -gt 0 ] || mapfile -t kernels < <(pinned_kernels)
work=$RSEQDEV_BUILD/bench
mkdir -p "$work"

# plan_for FILE: the plan with the benchmark's options appended.
plan_for() { sed "s/--tap\$/--tap ${args[*]:-}/" "$1" > "$work/$(basename "$1")"; echo "$work/$(basename "$1")"; }

status=0
for k in "${kernels[@]}"; do
	for mode in tcg icount; do
		if [ $mode = tcg ]; then
			plan=$(plan_for "$RSEQDEV_TOP/tests/vm/bench.plan"); extra=(--smp 2)
			what="QEMU TCG, 2 CPUs: times distorted, read the ratios"
		else
			plan=$(plan_for "$RSEQDEV_TOP/tests/vm/bench-icount.plan"); extra=(--icount)
			what="QEMU icount, 1 CPU: 1 ns = 1 guest instruction"
		fi
		out=$("$RSEQDEV_TOP/scripts/vm-run.sh" --kernel "$k" --tag "bench-$mode" \
			--plan "$plan" "${extra[@]}") || status=1
		echo "== $(matrix_field "$k" 2): $what"
		sed -n 's/^# bench[-a-z]*| # \{0,1\}//p' <<< "$out"
		grep '^not ok' <<< "$out" || true
		echo
	done
done
exit $status
