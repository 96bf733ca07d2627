# SPDX-License-Identifier: GPL-2.0-only
# The library-facing tests once for each build variant packed into this
# guest (matrix.conf "builds=", scripts/mkinitramfs.sh): the library, the
# shim and the test programs built by another compiler or at another
# optimisation level than the plan's own gcc -O2 build. The library builds
# every ioctl argument itself, so what one compiler leaves unspecified (pad
# bytes, say) shows up here as calls the module rejects, where the gcc -O2
# build passes.
#
# For each variant: the cpu_op twins (cpu_op_test), the per-CPU
# structures (percpu_ops_test), every structure with half the threads on
# cpu_opv and a signal storm, every operation forced onto cpu_opv, forward
# progress under single-stepping (at a quarter of its operations, or the
# guest's scale if smaller, and without the controls that show the test
# can fail: the plan's own run has them), and the preload shim.
#
# usage: sh builds.sh
. ./tap.sh

# run_program VARIANT DESC COMMAND...: one result for a program's whole TAP.
run_program() {
	variant=$1
	desc=$2
	shift 2
	out=$("$@" 2>&1)
	rc=$?
	relay "$out"
	is "$rc" 0 "$variant: $desc: $(printf '%s\n' "$out" | grep -c '^ok') checks passed"
}

# A quarter of singlestep_test's operations: it costs most of a variant's
# time, and its checks do not depend on how many there are.
step_scale=$((${RSEQDEV_TEST_SCALE:-1} > 4 ? ${RSEQDEV_TEST_SCALE:-1} : 4))

variants=0
for dir in /variants/*/; do
	[ -d "$dir" ] || continue
	variant=$(basename "$dir")
	variants=$((variants + 1))
	began=$(date +%s)
	export RSEQDEV_BACKEND=module
	run_program "$variant" "cpu_op twins" "$dir/cpu_op_test"
	run_program "$variant" "per-CPU structures" "$dir/percpu_ops_test"
	for t in counter spinlock list buffer memcpy; do
		run_program "$variant" "$t, half on cpu_opv, signal storm" \
			"$dir/percpu_stress" -T $t -r "$(stress_reps 2000)" -F 2 -S 500 -3 300 -4 300
	done
	for t in counter list; do
		run_program "$variant" "$t, every operation on cpu_opv" \
			env RSEQDEV_CPU_OPV=always "$dir/percpu_stress" -T $t -r "$(stress_reps 2000)"
	done
	run_program "$variant" "single-stepped" \
		env RSEQDEV_TEST_SCALE=$step_scale "$dir/singlestep_test" --no-controls
	unset RSEQDEV_BACKEND
	run_program "$variant" "preload shim" \
		env RSEQDEV_PRELOAD_SO="$dir/librseqdev-preload.so" sh preload.sh module
	echo "# $variant: $(($(date +%s) - began)) s"
done
ok "at least one build variant in this guest ($variants)" test "$variants" -gt 0
done_testing
