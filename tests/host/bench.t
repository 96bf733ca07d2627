#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The benchmark report (scripts/bench-report.pl, what "make bench" ends
# with), on the host, from a recorded run (bench-results: the "# data"
# lines of the run behind docs/performance.md, as scripts/bench.sh
# collected them; the report here covers two of its kernels). The guests run the
# benchmarks themselves only as a smoke test (tests/vm/plan, bench-smoke).
#  - every section and every kernel is there, and figures the report
#    derives (differences, ratios, verdicts) match the recorded numbers;
#  - gnuplot draws the three plots without a warning;
#  - a run that lost some figures still gives a report, with "—" for them.
. "$(dirname "$0")/tap.sh"

ensure_packages gnuplot-nox perl
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fixture=$RSEQDEV_TOP/tests/host/bench-results
report=$RSEQDEV_TOP/scripts/bench-report.pl

# value KERNEL MODE KEY: the recorded figure.
value() { awk -v k="$1" -v m="$2" -v key="$3" '$1 == k && $2 == m && $3 == key { print $4 }' "$fixture"; }

cp "$fixture" "$work/results"
mkdir -p "$work/docs"
"$report" "$work/results" "$work/docs" 6.1=6.1.0-47-amd64 6.12=6.12.107+deb12-amd64 \
	2> "$work/stderr"
is "$?" 0 "the report is written"
is "$(grep -v '^bench-report: wrote' "$work/stderr")" "" "neither the report nor gnuplot warns"
md=$(cat "$work/docs/performance.md")
for section in "Against the targets" "Context switches (icount)" "cpu_opv" "Counter increment" \
	"The rseq fence (TCG)" "Time-slice extension" "Reading the current CPU"; do
	ok "section '$section'" grep -qxF "## $section" <<< "$md"
done
like "$md" "^- Kernels: 6\.1 \(6\.1\.0-47-amd64\), 6\.12 \(6\.12\.107\+deb12-amd64\)\.$" \
	"the kernels and their releases"
like "$md" "^\| 6\.12 \| [0-9.]+ \(met\)|^\| 6\.12 \| [0-9.]+ \(missed\)" "a targets row per kernel"

# What the module adds per yield switch on 6.1, and its ratio to native's.
none=$(value 6.1 icount switch/yield/none)
module=$(value 6.1 icount switch/yield/module)
native=$(value 6.1 icount switch/yield/native)
added=$(awk -v a="$module" -v b="$none" 'BEGIN { printf "%+.0f", a - b }')
versus=$(awk -v a="$module" -v b="$none" -v n="$native" 'BEGIN { printf "%.2f", (a - b) / (n - b) }')
like "$md" "^\| 6\.1 \| module \| [0-9]+ \| \\$added \| [0-9]+ \| [-+][0-9]+ \| $versus \|$" \
	"6.1's added cost per switch ($added) and its ratio to native's ($versus)"
local_ratio=$(awk -v a="$(value 6.12 tcg opv/local)" -v b="$(value 6.12 tcg opv/ioctl)" \
	'BEGIN { printf "%.2f", a / b }')
like "$md" "^\| 6\.12 \| tcg \| 1\.00 / [0-9.]+ \| $local_ratio / " \
	"6.12's local cpu_opv in no-op ioctls ($local_ratio)"

# 6.12's unregistered pipe run is slower per switch than its native one
# (in this recording and in every run so far): no baseline to subtract.
like "$md" '^\\\* 6\.12, pipe: the unregistered run costs more per switch than the native one' \
	"a figure with no baseline is said to be one"
like "$md" '^\| 6\.12 \| native rseq \| [0-9]+ \| \+[0-9]+ \| [0-9]+ \| — \| 1\.00 \|$' \
	"and its added cost is left blank"

for plot in switch cpu_opv counter; do
	svg=$work/docs/performance/$plot.svg
	ok "plot $plot.svg is drawn" grep -q '<svg' "$svg"
	like "$(cat "$svg" 2>/dev/null)" '<rect' "plot $plot.svg has bars"
done
like "$(cat "$work/docs/performance/counter.svg")" 'plain per-thread' \
	"the counter plot shows every kind"

# A run that lost its cpu_opv and fence figures.
grep -v ' opv/\| fence/' "$fixture" > "$work/partial"
mkdir -p "$work/partial-docs"
"$report" "$work/partial" "$work/partial-docs" 6.1=6.1.0-47-amd64 6.12=6.12.107+deb12-amd64 \
	2> "$work/stderr"
is "$?" 0 "a run without cpu_opv and fence figures still gives a report"
like "$(cat "$work/partial-docs/performance.md")" "^\| 6\.1 \| icount \| — \| — \| — \| — \|$" \
	"with '—' for the missing figures"
done_testing
