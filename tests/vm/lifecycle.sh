# SPDX-License-Identifier: GPL-2.0-only
# The module under load:
#   fuzz      ioctl_fuzz (a million calls from 4 processes, with thread
#             exits, forks, execs and signals) while it tries rmmod every
#             0.2 s: every attempt is refused, the fuzzer passes, and the
#             harness unloads the module cleanly afterwards;
#   hotplug   rseq fast paths and cpu_opv slow paths on the same per-CPU
#             lists and counters while a CPU goes offline and online;
#   faults    the selftest build with allocation failures: each site
#             alone (fault_test), then the fuzzer with one allocation in
#             five failing; the module unloads cleanly afterwards;
#   switchout the selftest build switches every unregistration out at
#             its preemptible point while other threads take
#             concurrency ids: exact results, no hang;
#   soak      rounds until the time is up (rseqdev.soak= on the kernel
#             command line, default 60 s): the fuzzer with fresh seeds,
#             forks, execs and rmmod attempts, racing with registrations,
#             exits and execs (rseq_lifecycle_test) and exact per-CPU
#             counters on fast and slow paths (percpu_stress -F).
#
# usage: sh lifecycle.sh fuzz|hotplug|faults|switchout|soak
. ./tap.sh

fuzz() {
	out=$(ioctl_fuzz -u -n "$(scaled 62500)" 2>&1)
	rc=$?
	relay "$out"
	is "$rc" 0 "ioctl_fuzz -u: $(printf '%s\n' "$out" | grep -c '^ok') checks passed"
	ok "the module is still loaded" test -c /dev/rseq
}

# run_logged NAME COMMAND...: run, keep the output in /tmp/soak-NAME.out.
run_logged() {
	name=$1
	shift
	"$@" >/tmp/soak-$name.out 2>&1
}

# objects_left: the module's thread states and per-process states, once
# every program has ended ("0 0"); a moment is allowed for the last frees.
objects_left() {
	for try in 1 2 3 4 5 6 7 8 9 10; do
		left=$(rseqctl stats | awk '/^registered threads / { t = $NF }
			/^processes with registrations / { p = $NF } END { print t, p }')
		[ "$left" = "0 0" ] && break
		usleep 100000
	done
	echo "$left"
}

soak() {
	seconds=$(sed -n 's/.*rseqdev\.soak=\([0-9]*\).*/\1/p' /proc/cmdline)
	seconds=${seconds:-60}
	start=$(date +%s)
	rounds=0
	failed=0
	while [ $(($(date +%s) - start)) -lt "$seconds" ]; do
		rounds=$((rounds + 1))
		run_logged fuzz ioctl_fuzz -u -S -n "$(scaled 8000)" -p 2 -t 3 &
		fuzz_pid=$!
		run_logged life env RSEQDEV_BACKEND=module rseq_lifecycle_test
		life=$?
		run_logged stress env RSEQDEV_BACKEND=module percpu_stress -T counter -r "$(scaled 20000)" -F 2 -3 50
		stress=$?
		wait $fuzz_pid
		fuzz=$?
		left=$(objects_left)
		echo "# soak: round $rounds at $(($(date +%s) - start)) s: fuzz $fuzz, lifecycle $life, counters $stress, states left: $left"
		if [ $fuzz -ne 0 ] || [ $life -ne 0 ] || [ $stress -ne 0 ] ||
		   [ "$left" != "0 0" ]; then
			failed=$((failed + 1))
			for f in fuzz life stress; do
				grep -E '^not ok|^Bail|seed|[1-9][0-9]* bad answers' \
					/tmp/soak-$f.out | sed 's/^/#   /'
			done
		fi
	done
	is "$failed" 0 "soak: $rounds rounds in $(($(date +%s) - start)) s (limit ${seconds} s), every program passed"
	ok "soak: at least one round ran" test "$rounds" -gt 0
	ok "the module is still loaded" test -c /dev/rseq
}

# set_online CPU 0|1: quietly, for the loop.
set_online() {
	echo "$2" >"/sys/devices/system/cpu/cpu$1/online" 2>/dev/null
}

hotplug() {
	cpu=$(($(grep -c ^processor /proc/cpuinfo) - 1))
	if [ "$cpu" -lt 1 ] || [ ! -w "/sys/devices/system/cpu/cpu$cpu/online" ]; then
		tap_result 1 "# SKIP no CPU can go offline here"
		done_testing
		return
	fi
	for t in counter list memcpy; do
		percpu_stress -T $t -r "$(stress_reps 20000)" -F 2 -3 100 >/tmp/hotplug.out 2>&1 &
		pid=$!
		rounds=0
		while kill -0 $pid 2>/dev/null; do
			set_online "$cpu" 0 && rounds=$((rounds + 1))
			usleep 50000
			set_online "$cpu" 1
			usleep 50000
		done
		wait $pid
		rc=$?
		set_online "$cpu" 1
		out=$(cat /tmp/hotplug.out)
		relay "$out"
		is "$rc" 0 "$t: exact with fast and slow paths while CPU $cpu went offline $rounds times"
	done
}

params=/sys/module/rseqdev/parameters

use_selftest_build() {
	is "$(modctl unload rseqdev)" ok "the normal build unloads"
	is "$(modctl load /lib/modules/selftest/rseqdev.ko)" ok "the selftest build loads"
}

use_normal_build() {
	is "$(modctl unload rseqdev)" ok "the selftest build unloads"
	is "$(modctl load /lib/modules/rseqdev.ko)" ok "the normal build loads again"
}

faults() {
	use_selftest_build
	out=$(fault_test 2>&1)
	rc=$?
	relay "$out"
	is "$rc" 0 "fault_test: $(printf '%s\n' "$out" | grep -c '^ok') checks passed"
	echo 5 >$params/fail_alloc_every
	echo 7 >$params/fail_alloc_mask
	out=$(ioctl_fuzz -n "$(scaled 5000)" -p 2 -t 3 2>&1)
	rc=$?
	echo 0 >$params/fail_alloc_mask
	relay "$out"
	is "$rc" 0 "ioctl_fuzz with one allocation in five failing"
	use_normal_build
}

# Every unregistration switched out at its preemptible point: what a thread
# still held there while stopped (its concurrency id) would leave the
# threads that need an id spinning with preemption off, and the guest hung.
switchout() {
	rounds=3
	threads=16
	use_selftest_build
	echo 1 >$params/sleep_when_preemptible
	for round in $(seq $rounds); do
		out=$(percpu_stress -T counter -M -t $threads -r 2000 -F 4 2>&1)
		rc=$?
		relay "$out"
		is "$rc" 0 "round $round: $threads threads indexed by mm_cid, exact, each switched out in its unregistration"
	done
	echo 0 >$params/sleep_when_preemptible
	sleeps=$(cat $params/preemptible_sleeps)
	ok "the teardowns were switched out at the marked point: $sleeps times" \
		[ "$sleeps" -ge $((rounds * threads)) ]
	use_normal_build
}

case "$1" in
fuzz) fuzz ;;
hotplug) hotplug ;;
faults) faults ;;
switchout) switchout ;;
soak) soak ;;
*) echo "usage: sh lifecycle.sh fuzz|hotplug|faults|switchout|soak" >&2; exit 2 ;;
esac
done_testing
