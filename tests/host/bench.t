#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The benchmark report (scripts/bench-report.pl, what "make bench" and
# "make bench-arm64" end with), on the host, from recorded runs
# (bench-results: the "# data" lines of the run behind docs/performance.md,
# as scripts/bench.sh collected them, the report here covering two of its
# kernels; bench-results-arm64: the same of a run of both arm64 kernels).
# The guests run the benchmarks themselves only as a smoke test
# (tests/vm/plan, bench-smoke).
#  - every section and every kernel is there, and figures the report
#    derives (differences, ratios, verdicts) match the recorded numbers;
#  - gnuplot draws the three plots without a warning;
#  - a run that lost some figures still gives a report, with "—" for them;
#  - arm64's page is its own, beside x86-64's: each architecture's report
#    leaves the other's page and plots as they are, arm64's shows x86-64's
#    targets table from performance.md (or says it is absent), and both
#    keep what is written by hand below their closing marker;
#  - scripts/bench.sh takes the kernels of one architecture only;
#  - scripts/profile/report.pl (scripts/profile.sh's report) names the
#    functions of counted addresses, per switch, the differences first.
. "$(dirname "$0")/tap.sh"

ensure_packages gnuplot-nox perl
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fixture=$RSEQDEV_TOP/tests/host/bench-results
report=$RSEQDEV_TOP/scripts/bench-report.pl

# value KERNEL MODE KEY [FIXTURE]: the recorded figure.
value() {
	awk -v k="$1" -v m="$2" -v key="$3" '$1 == k && $2 == m && $3 == key { print $4 }' "${4:-$fixture}"
}

# switch_row KERNEL MARKDOWN [FIXTURE]: the module's row of the switch
# table: what it adds per yield switch, and its ratio to native's.
switch_row() {
	local none module native added versus
	none=$(value "$1" icount switch/yield/none "${3-}")
	module=$(value "$1" icount switch/yield/module "${3-}")
	native=$(value "$1" icount switch/yield/native "${3-}")
	added=$(awk -v a="$module" -v b="$none" 'BEGIN { printf "%+.0f", a - b }')
	versus=$(awk -v a="$module" -v b="$none" -v n="$native" 'BEGIN { printf "%.2f", (a - b) / (n - b) }')
	like "$2" "^\| $(re_escape "$1") \| module \| [0-9]+ \| \\$added \| [0-9]+ \| [-+][0-9]+ \| $versus \|\$" \
		"$1's added cost per switch ($added) and its ratio to native's ($versus)"
}

# contains TEXT PART: TEXT holds PART, its lines in one piece.
contains() { [[ $1 == *"$2"* ]]; }

# plots DOCS SUFFIX: the three plots are drawn, with bars.
plots() {
	local plot svg
	for plot in switch cpu_opv counter; do
		svg=$1/performance/$plot$2.svg
		ok "plot $plot$2.svg is drawn" grep -q '<svg' "$svg"
		like "$(cat "$svg" 2>/dev/null)" '<rect' "plot $plot$2.svg has bars"
	done
}

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

switch_row 6.1 "$md"
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

plots "$work/docs" ""
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

# arm64's report, into the directory of x86-64's, over a page with a
# hand-written end below the marker that ends every page.
arm64=$RSEQDEV_TOP/tests/host/bench-results-arm64
arm64_kernels=(6.1-arm64=6.1.0-47-arm64 6.12-arm64=6.12.107+deb12-arm64)
marker=$(tail -n 1 "$work/docs/performance.md")
like "$marker" '^<!-- .* -->$' "x86-64's page ends with the marker of its hand-written end"
# sums FILE...: the files' checksums, in the report's directory.
sums() { (cd "$work/docs" && sha256sum "$@" 2>&1); }
x86_files=(performance.md performance/switch.svg performance/cpu_opv.svg performance/counter.svg)
arm64_files=(performance-arm64.md performance/switch-arm64.svg performance/cpu_opv-arm64.svg
	performance/counter-arm64.svg)
before=$(sums "${x86_files[@]}")
printf '# By hand\n\nold figures\n\n%s\n\n## What differs\n\nWritten by hand.\n' "$marker" \
	> "$work/docs/performance-arm64.md"
cp "$arm64" "$work/results-arm64"
"$report" --arch arm64 "$work/results-arm64" "$work/docs" "${arm64_kernels[@]}" 2> "$work/stderr"
is "$?" 0 "the arm64 report is written"
is "$(grep -v '^bench-report: wrote' "$work/stderr")" "" "neither the arm64 report nor gnuplot warns"
is "$(sums "${x86_files[@]}")" "$before" "x86-64's page and plots are left as they are"
md=$(cat "$work/docs/performance-arm64.md")
like "$md" '^# Performance on arm64$' "arm64's page has its own title"
like "$md" "^- Kernels: 6\.1-arm64 \(6\.1\.0-47-arm64\), 6\.12-arm64 \(6\.12\.107\+deb12-arm64\)\.$" \
	"the arm64 kernels and their releases"
for k in 6.1-arm64 6.12-arm64; do
	like "$md" "^\| $(re_escape "$k") \| [0-9.]+\*? \((met|missed)\) / " "a targets row for $k"
done
switch_row 6.1-arm64 "$md" "$arm64"
plots "$work/docs" -arm64
like "$md" '^!\[.*\]\(performance/switch-arm64\.svg\)$' "the page shows arm64's plots"

# x86-64's targets table and the run it came from, as performance.md has them.
x86=$(cat "$work/docs/performance.md")
run=$(sed -n 's/^- Run of \([^,]*, tree [^,]*\),.*/\1/p' <<< "$x86")
like "$md" "^x86-64, as \[performance\.md\]\(performance\.md#against-the-targets\) has it \(run of $(
	re_escape "$run")\):$" "x86-64's targets are said to come from performance.md's run ($run)"
table=$(sed -n '/^| kernel | per switch/,/^$/p' <<< "$x86")
ok "x86-64's targets table is there, as performance.md has it" contains "$md" "$table"

is "$(grep -cF 'old figures' <<< "$md")" 0 "the page above the marker is written anew"
is "$(grep -cxF "$marker" <<< "$md")" 1 "the marker is there once"
is "$(sed "1,/^$(re_escape "$marker")\$/d" <<< "$md")" "$(printf '\n## What differs\n\nWritten by hand.')" \
	"what follows the marker is kept as it is"

# x86-64's report again, its page now with a hand-written end: arm64's stays.
echo "A note by hand." >> "$work/docs/performance.md"
before=$(sums "${arm64_files[@]}")
"$report" "$work/results" "$work/docs" 6.1=6.1.0-47-amd64 6.12=6.12.107+deb12-amd64 2> /dev/null
is "$(sums "${arm64_files[@]}")" "$before" "x86-64's report leaves arm64's page and plots as they are"
is "$(tail -n 2 "$work/docs/performance.md")" "$marker"$'\n'"A note by hand." \
	"and keeps its own page's hand-written end"

# A --quick run of arm64 alone, without performance.md.
{ cat "$arm64"; echo "- meta quick yes"; } > "$work/quick"
mkdir -p "$work/arm64-docs"
"$report" --arch arm64 "$work/quick" "$work/arm64-docs" "${arm64_kernels[@]}" 2> /dev/null
md=$(cat "$work/arm64-docs/performance-arm64.md")
like "$md" '^x86-64: no figures to compare, performance\.md is absent\.$' \
	"without performance.md, the page says there is nothing to compare"
like "$md" '^- \*\*A --quick run\*\*' "a --quick run's page says it is one"
is "$(grep -c -- '--quick run' "$work/docs/performance-arm64.md")" 0 "a full run's page does not"
ok "no x86-64 plot is drawn for arm64" test ! -e "$work/arm64-docs/performance/switch.svg"

# scripts/bench.sh: each architecture's pinned kernels, and one
# architecture a run (refused before any guest boots: the time limit only
# stops a run that would start one).
for arch in x86_64 arm64; do
	pinned=$(pinned_kernels $arch)
	like "$pinned" . "there are pinned $arch kernels"
	is "$(for k in $pinned; do [ "$(matrix_arch "$k")" = $arch ] || echo "$k"; done)" "" \
		"pinned $arch kernels are $arch only ($(echo $pinned))"
done
for run in "6.1 6.1-arm64" "--arm64 6.1"; do
	out=$(RSEQDEV_BUILD=$work/build timeout 60 "$RSEQDEV_TOP/scripts/bench.sh" $run 2>&1)
	is "$?" 1 "bench.sh $run: refused"
	like "$out" 'is not (x86_64|arm64): one run, one architecture' "bench.sh $run: says why"
done
# The profile's report, from made-up counts: two runs of 10 switches, the
# kernel's symbols and a module's; 4 instructions per switch more in
# "b" (2 in the module's fn, 1 each in the kernel's k_one, past an arm64
# mapping symbol, and k_two), the rest equal.
prof=$work/profile
mkdir -p "$prof"
printf '%s\n' '# x| # ksym ffff000000001000 T k_one' '# x| # ksym ffff000000002000 t k_two' \
	'# x| # ksym ffff000000001800 t $x' '# switch-ns 100.0' > "$prof/a.log"
printf '%s\n' '# x| # ksym ffff000000003000 t fn	[mod]' '# switch-ns 103.0' > "$prof/b.log"
grep ksym "$prof/a.log" >> "$prof/b.log"
printf '%s\n' 'ffff000000001000 50' 'ffff000000001900 50' 'ffff000000002004 10' 'ffff000000000010 7' > "$prof/a.counts"
printf '%s\n' 'ffff000000001000 50' 'ffff000000001900 60' 'ffff000000002004 20' 'ffff000000000010 7' \
	'ffff000000003008 20' > "$prof/b.counts"
out=$("$RSEQDEV_TOP/scripts/profile/report.pl" 10 a="$prof/a.counts:$prof/a.log" b="$prof/b.counts:$prof/b.log" 2>&1)
is "$?" 0 "profile report: runs"
is "$(awk 'NR == 1 { print $NF } NR == 2 { print $1, $2, $3, $4 }' <<< "$out" | paste -sd' ')" "b fn [mod] 0.0 2.0" \
	"profile report: the module's function first, 2 instructions per switch in b only"
like "$out" '^k_one +10\.0 +11\.0$' \
	"profile report: a kernel function, counted past an arm64 mapping symbol"
like "$out" '^k_two +1\.0 +2\.0$' "profile report: another, 1 and 2 instructions per switch"
is "$(grep -c -e '[$]x' -e unknown <<< "$out")" 0 "profile report: equal counts are not listed"
like "$out" 'added over a, all functions +0\.0 +4\.0' "profile report: the total added per switch"
like "$out" 'ns per switch +100\.0 +103\.0' "profile report: the benchmark's own figures"
out=$("$RSEQDEV_TOP/scripts/profile/report.pl" 10 a="$prof/a.counts:$prof/missing" 2>&1)
ok "profile report: a run without its log is refused" test $? -ne 0

done_testing
