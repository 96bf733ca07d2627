# SPDX-License-Identifier: GPL-2.0-only
# The demonstration run by "make demo": what the module does on a stock
# kernel, in plain words, then one TAP line per part for the harness (and
# for scripts/demo.sh's verdicts).
#
#   1. demo_workload: threads on per-CPU structures under a signal storm
#      and CPU hopping, registered with the module; the module's trace
#      events say why each section aborted
#   2. gdb single-steps library operations: done through cpu_opv, and the
#      control without cpu_opv does not get through (gdb.sh --demo)
#   3. a program written for the plain rseq system call, unmodified, on the
#      module through the preload shim
. ./tap.sh

T=/sys/kernel/tracing
E=$T/events/rseqdev
[ -d $T/events ] || mount -t tracefs nodev $T

# counter NAME: one of the module's counters, from rseqctl stats.
counter() {
	rseqctl stats | sed -n "s/^$1  *//p"
}

echo "kernel:       $(uname -r), $(nproc) CPUs, rseqdev $(cat /sys/module/rseqdev/version)"
echo

echo "1. Threads on per-CPU structures, a signal storm, CPU hopping (3 s)"
echo 1 > $E/rseqdev_abort/enable
echo 1 > $E/rseqdev_cpu_opv/enable
echo > $T/trace
RSEQDEV_BACKEND=module demo_workload 3 > /tmp/workload.out 2>&1
workload=$?
echo 0 > $E/enable
sed 's/^/   /' /tmp/workload.out
# An abort record's cause lists the events since the thread's previous
# abort, any of which can be the one that hit the section: count each.
awk '/rseqdev_abort:/ { n++; if (/cause=[^ ]*signal/) sig++; if (/cause=[^ ]*preempt/) sw++ }
     /rseqdev_cpu_opv:/ { opv++ }
     END { printf "   module:       %d sections aborted, after a signal %d, a preemption or migration %d; %d cpu_opv calls\n",
		   n, sig, sw, opv }' $T/trace
echo > $T/trace
is "$workload $(sed -n 's/^totals: *//p' /tmp/workload.out)" "0 exact" "per-CPU totals exact under signals and CPU hopping"
echo

echo "2. gdb single-steps library operations"
RSEQDEV_BACKEND=module sh gdb.sh --demo > /tmp/gdb_demo.out 2>&1
sed 's/^/   /' /tmp/gdb_demo.out
ok "the debugger gets through, thanks to cpu_opv" \
	grep -q '^   counter .*: exact$' /tmp/gdb_demo.out
like "$(cat /tmp/gdb_demo.out)" '^   14 operations: .* 11 through cpu_opv$' \
	"...11 of its 14 operations through cpu_opv"
like "$(cat /tmp/gdb_demo.out)" '^without cpu_opv: 0 of 3 operations' \
	"without cpu_opv it does not"
echo

echo "3. An unmodified program written for the rseq system call, on the module"
before=$(counter 'registrations since load')
GLIBC_TUNABLES=glibc.pthread.rseq=0 LD_PRELOAD=/usr/lib/librseqdev-preload.so \
	/tests/plain/plain_percpu_counter 4 > /tmp/plain.out 2>&1
plain=$?
registered=$(($(counter 'registrations since load') - before))
sed -n 's/^# /   /p; s/^\(not \)\{0,1\}ok [0-9]* - /   /p' /tmp/plain.out
echo "   module:       $registered threads registered through the preload shim"
ok "the plain rseq program passes on the module (exit $plain, $registered registrations)" \
	test "$plain" = 0 -a "$registered" -ge 4
echo
done_testing
