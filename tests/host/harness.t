#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The VM harness fails when it should: a failing test, a kernel warning, a
# hung guest and a CPU that stops scheduling each fail the run, for the
# right reason; a good plan passes. The matrix's architecture helpers
# answer as matrix.conf says.
. "$(dirname "$0")/tap.sh"

plans=$RSEQDEV_TOP/tests/host/plans

# run_plan NAME [ARGS...]: run a plan on $kernel; sets $out, $rc.
run_plan() {
	local name=$1
	shift
	out=$("$RSEQDEV_TOP/scripts/vm-run.sh" --kernel "$kernel" --tag "selftest-$name" \
		--plan "$plans/$name" "$@" 2>/dev/null)
	rc=$?
}

# The architecture of matrix entries (lib.sh): x86_64 unless "arch=";
# arm64 entries run in the default matrix at 2 CPUs only (suite-smp=);
# an unknown arch is refused.
is "$(matrix_arch 6.1)" x86_64 "matrix_arch: an entry without arch= is x86_64"
for k in $(matrix_arch_names arm64); do
	is "$(matrix_arch "$k")" arm64 "matrix_arch: $k is arm64"
	is "$(matrix_option "$k" suite-smp)" 2 "$k: 2 CPUs in make test, all its CPU counts in make test-arm64"
done
ok "matrix.conf has arm64 entries" test -n "$(matrix_arch_names arm64)"
is "$(matrix_arch_names x86_64 | head -n 1)" "$(default_kernel)" "the default kernel is x86_64"
is "$(cross_compile arm64)" aarch64-linux-gnu- "cross_compile arm64"
is "$(cross_compile x86_64)" "" "cross_compile x86_64: the host's own compiler"
is "$(userspace_dir arm64)" "$RSEQDEV_BUILD/arm64/userspace" "userspace_dir arm64"
bad_conf=$(mktemp)
echo "odd 6.1.0-1-odd linux-image-odd linux-headers-odd arch=sparc" > "$bad_conf"
out=$(MATRIX_CONF=$bad_conf matrix_arch odd 2>&1)
ok "matrix_arch refuses an unknown arch" test $? -ne 0
like "$out" "unknown arch 'sparc'" "and names it"
rm -f "$bad_conf"
# The host tests that build natively (build.t, dkms.t, deb.t) see only the
# host's kernels; the harness's cases see every architecture's.
arm=$(matrix_arch_names arm64 | head -n 1)
is "$(RSEQDEV_KERNELS=6.1,$arm test_kernels | paste -sd,)" 6.1 "test_kernels: the host's architecture only"
is "$(RSEQDEV_KERNELS=6.1,$arm test_kernels --all-arches | paste -sd,)" "6.1,$arm" \
	"test_kernels --all-arches: every kernel named"

# The plan a guest runs (lib.sh, plan_for_guest): skip words, CPU counts,
# build variants; and the default matrix's "suite-skip=": each word names
# an entry, and no entry is left out by both arm64 guests.
plan=$(printf '%s\n' '# c' 'a-one x' 'b-two/cpus=2 y' 'c-three/cpus=4 z' 'builds w')
names() { plan_for_guest "$@" <<< "$plan" | awk '!/^#/ { printf "%s ", $1 }'; }
is "$(names "" 2 "")" "a-one b-two " "plan_for_guest: a 2-CPU guest, no variants"
is "$(names "" 4 "gcc-O0")" "a-one c-three builds " "plan_for_guest: a 4-CPU guest with variants"
is "$(names "one,three" 4 "")" "" "plan_for_guest: skip words, comma-separated"
is "$(names "two" 2 "" | wc -w)" 1 "plan_for_guest: a skip word drops the entries it names only"
# The suite's last lines when it fails (lib.sh, failure_digest): each failed
# check of each failed job with its first three comments; a job that ended
# without a failed check (a crashed guest) by the end of its log.
digest_dir=$(mktemp -d)
printf '%s\n' 'ok 1 - a' 'not ok 2 - b' '# why 1' '# why 2' '# why 3' '# why 4' \
	'ok 3 - c' '# later' 'not ok 4 - e: x' '# f| # not its' '# e| # its own' \
	> "$digest_dir/failed.tap"
echo 1 > "$digest_dir/failed.rc"
echo 'ok 1 - a' > "$digest_dir/passed.tap"
echo 0 > "$digest_dir/passed.rc"
: > "$digest_dir/crashed.tap"
printf '%s\n' one two three four > "$digest_dir/crashed.log"
echo 3 > "$digest_dir/crashed.rc"
is "$(failure_digest "$digest_dir" failed passed crashed | tail -n +2)" \
	"#  failed: not ok 2 - b
#  failed:   # why 1
#  failed:   # why 2
#  failed:   # why 3
#  failed: not ok 4 - e: x
#  failed:   # e| # its own
#  crashed: exit status 3: two
#  crashed: exit status 3: three
#  crashed: exit status 3: four" \
	"failure_digest: failed checks with their first comments (a guest entry's own), a crash's log"
rm -rf "$digest_dir"
for k in $(matrix_names); do
	for word in $(matrix_option "$k" suite-skip | tr , ' '); do
		ok "$k: suite-skip word '$word' names a plan entry" \
			grep -q "^[^#[:space:]]*$word" "$RSEQDEV_TOP/tests/vm/plan"
	done
done
both=
for k in $(matrix_arch_names arm64); do
	both=${both:+$both$'\n'}$(plan_for_guest "" 2 "" < "$RSEQDEV_TOP/tests/vm/plan" |
		plan_for_guest "$(matrix_option "$k" suite-skip)" 2 "" | awk '!/^#/ && NF { print $1 }')
done
is "$(comm -23 <(plan_for_guest "" 2 "" < "$RSEQDEV_TOP/tests/vm/plan" | awk '!/^#/ && NF { print $1 }' | sort -u) \
	<(sort -u <<< "$both") | paste -sd' ')" "" \
	"the arm64 guests of the default matrix run every 2-CPU entry of the plan between them"

# The harness's own logic does not depend on the kernel: these cases run
# once, on the first stock kernel under test; a kernel built here (the
# debug kernel) spends its time on what only it can show. Under "make
# test-arm64", that is an arm64 kernel: the failure paths of its guests.
kernel=
for k in $(test_kernels --all-arches); do
	if [ -z "$(matrix_base "$k")" ]; then
		kernel=$k
		break
	fi
done
if [ -n "$kernel" ]; then
	# How the console's backtraces and QEMU's register dump name a CPU's
	# instruction pointer (vm-run.sh quotes both).
	case "$(matrix_arch "$kernel")" in
	x86_64) console_ip='RIP: 0010:' vcpu_ips='RIP=[0-9a-f]{16}[[:space:]]+CS =[0-9a-f]{4}' ;;
	arm64) console_ip='pc : ' vcpu_ips='PC=[0-9a-f]{16}' ;;
	esac
	run_plan pass
	is "$rc" 0 "a good plan passes"
	like "$out" '^ok [0-9]+ - guest ran to the end$' "a good plan runs to the end"

	run_plan fail
	ok "a failing test fails the run" test "$rc" -ne 0
	like "$out" '^not ok [0-9]+ - fail: deliberately failing check$' "the failing check is reported"
	like "$out" '^not ok [0-9]+ - fail: exit status 1' "the failing program's status is reported"
	like "$out" '^ok [0-9]+ - dmesg clean' "a failing test is not blamed on dmesg"

	run_plan warn
	ok "a kernel warning fails the run" test "$rc" -ne 0
	like "$out" '^ok [0-9]+ - warn: exit status 0' "the test itself passed"
	like "$out" '^not ok [0-9]+ - dmesg clean \([1-9][0-9]* bad lines\)$' "dmesg check catches the warning"
	like "$out" '^# dmesg: .*WARNING: .*selftest' "the warning line is quoted"
	like "$out" '^not ok [0-9]+ - kernel taint [0-9]+ has no bit but O and E$' \
		"the warning's taint is caught"

	run_plan hang --timeout 30
	ok "a hung guest fails the run" test "$rc" -ne 0
	like "$out" '^not ok [0-9]+ - guest finished within 30s \(it hung' "the hang is reported as such"
	like "$out" '^not ok [0-9]+ - hang: never finished$' "the hung test is named"
	like "$out" "^#   $vcpu_ips\$" \
		"the vCPUs' instruction pointers at the time limit are quoted"

	# A CPU spinning with preemption off: the soft-lockup detector panics the
	# guest with every CPU's backtrace. (6.1-rt printed its panic but did not
	# reboot, so the guest may still run to the time limit.)
	run_plan lockup --timeout 240
	ok "a CPU that stops scheduling fails the run" test "$rc" -ne 0
	like "$out" '^not ok [0-9]+ - console shows a panic' "the guest panicked"
	like "$out" '^#   .*BUG: soft lockup - CPU#[0-9]+ stuck' "the lockup is quoted"
	like "$out" "^#   .*${console_ip}rseqdev_selftest_at_load\\+" "the spinning function is named"
else
	echo "# failing, warning, hung and stuck guests: checked with a stock kernel"
fi

# Leaks are seen where the kernel has kmemleak (the debug kernel).
for kernel in $(test_kernels --all-arches); do
	release=$(matrix_field "$kernel" 2)
	grep -q '^CONFIG_DEBUG_KMEMLEAK=y' "/lib/modules/$release/build/.config" 2>/dev/null ||
		continue
	run_plan leak
	ok "$kernel: a leak fails the run" test "$rc" -ne 0
	like "$out" '^ok [0-9]+ - leak: exit status 0' "$kernel: the test itself passed"
	like "$out" '^not ok [0-9]+ - kmemleak: no leaked object allocated by the module \(1\)$' \
		"$kernel: kmemleak finds the one leaked object"
	like "$out" '^# kmemleak: +.*kmalloc|^# kmemleak: .*size 96' "$kernel: the leak's report is quoted"
	like "$out" '^ok [0-9]+ - dmesg clean' "$kernel: a leak is not blamed on dmesg"
done
done_testing
