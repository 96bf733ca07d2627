# SPDX-License-Identifier: GPL-2.0-only
# The per-CPU structures under stress, one TAP result per configuration:
# threads > CPUs (percpu_stress defaults to 4 per CPU), delays inside the
# critical sections, yields, sleeps, raised signals, and a signal storm
# whose handler runs per-CPU operations too. Totals must be exact.
#
# "mixed" runs every structure with every other thread on the cpu_opv
# slow path, so that rseq sequences and cpu_opv vectors race on the same
# data; the totals must stay exact.
#
# "optimized" and "legacy" are the subsets run under 7.1's rules (the plan
# sets RSEQDEV_GENERATION): only the return to user space differs there.
# Optimized registrations get both index modes (mm_cid changes drive ID
# updates, the read-only check before each) with yields (system calls,
# where 7.1 leaves rseq_cs alone) and a signal storm (interrupts, where it
# aborts); legacy ones the delay loops and the storm in cpu_id mode.
#
# usage: sh stress.sh module|native [short|mixed|optimized|legacy]
. ./tap.sh

backend=$1
structures="counter spinlock list buffer memcpy"
modes="cpu_id mm_cid"
configs="loops yield sleep storm raise"
if [ "$2" = short ]; then
	modes=cpu_id
	configs="loops storm"
elif [ "$2" = mixed ]; then
	configs="mixed"
elif [ "$2" = optimized ]; then
	configs="yield storm"
elif [ "$2" = legacy ]; then
	modes=cpu_id
	configs="loops storm"
fi

# config_args NAME: percpu_stress options of a configuration.
config_args() {
	case "$1" in
	loops) echo "-r $(stress_reps 10000) -1 50 -2 50 -3 200 -4 200 -5 200 -6 200" ;;
	yield) echo "-r $(stress_reps 10000) -m 4 -y" ;;
	sleep) echo "-r $(stress_reps 1000) -m 20 -s 1" ;;
	storm) echo "-r $(stress_reps 40000) -S 1000 -3 200 -4 200" ;;
	raise) echo "-r $(stress_reps 10000) -m 10 -k" ;;
	mixed) echo "-r $(stress_reps 4000) -F 2 -S 500 -3 300 -4 300" ;;
	esac
}

for t in $structures; do
	for m in $modes; do
		for c in $configs; do
			args="-T $t $(config_args $c)"
			[ $m = mm_cid ] && args="$args -M"
			# Release ordering where the structure has it.
			case "$t:$c" in buffer:storm|memcpy:loops) args="$args -R" ;; esac
			out=$(RSEQDEV_BACKEND=$backend percpu_stress $args 2>&1)
			rc=$?
			desc="$t, $m, $c"
			if printf '%s\n' "$out" | grep -q '^1\.\.0 # SKIP'; then
				tap_result 1 "$desc # SKIP $(printf '%s\n' "$out" | sed -n 's/^1\.\.0 # SKIP //p')"
			elif [ $rc -eq 0 ] && ! printf '%s\n' "$out" | grep -q '^not ok'; then
				tap_result 1 "$desc"
				printf '%s\n' "$out" | grep 'aborts' | head -n 1
			else
				tap_result 0 "$desc (percpu_stress $args: exit $rc)"
				printf '%s\n' "$out" | sed 's/^/#   /'
			fi
		done
	done
done
done_testing
