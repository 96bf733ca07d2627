# SPDX-License-Identifier: GPL-2.0-only
# What the module costs processes that do not use it (issue 16, target 2):
# the context switches of a process that registers nothing, with the
# module unloaded, loaded and idle, and loaded while another process holds
# a registration (the preempt notifiers' static key is on from the load;
# the registration adds nothing global). A benchmark, run by
# scripts/bench.sh: it prints the ratios; its checks only say that each
# step ran. Leaves the module loaded.
#
# usage: sh bystander.sh [--tap] [--quick]   (TAP either way)
. ./tap.sh

ko=/lib/modules/rseqdev.ko
quick=
for arg in "$@"; do
	[ "$arg" = --quick ] && quick=--quick
done

# measure: "YIELD PIPE", nanoseconds per switch, or nothing on failure.
measure() {
	rseq_bench bystander $quick | sed -n 's/.*yield \([0-9]*\) ns, pipe \([0-9]*\) ns.*/\1 \2/p'
}

# ratio A B: A/B with three decimals.
ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'
}

is "$(modctl unload rseqdev)" ok "module unloaded"
unloaded=$(measure)
is "$(modctl load $ko)" ok "module loaded again"
idle=$(measure)
rm -f /tmp/held
rseq_lifecycle_test --hold /tmp/held &
holder=$!
for i in $(seq 50); do [ -s /tmp/held ] && break; usleep 100000; done
like "$(cat /tmp/held 2>/dev/null)" "^cpu_id [0-9]+$" "another process holds a registration"
used=$(measure)
kill $holder
wait $holder 2>/dev/null

ok "each of the three measurements ran" \
	test -n "$unloaded" -a -n "$idle" -a -n "$used"
set -- $unloaded $idle $used
echo "# a process that registers nothing, per switch (yield, pipe):"
echo "#   module unloaded        $1 ns, $2 ns"
echo "#   loaded, idle           $3 ns ($(ratio $3 $1)x), $4 ns ($(ratio $4 $2)x)"
echo "#   loaded, used elsewhere $5 ns ($(ratio $5 $1)x), $6 ns ($(ratio $6 $2)x)"
# the same figures for scripts/bench-report.sh
for state in unloaded idle used; do
	echo "# data bystander/$state/yield $1"
	echo "# data bystander/$state/pipe $2"
	shift 2
done
done_testing
