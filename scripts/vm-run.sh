#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Boot one matrix kernel under QEMU (TCG), load the module, run a test plan
# and print the results as TAP on stdout. Exit status 0 only when every
# result passed: tests, module unload, a clean dmesg, no unexpected taint,
# and a guest that ran to the end within the time limit.
#
# usage: scripts/vm-run.sh [--kernel NAME] [--smp N] [--nodes N] [--plan FILE]
#                          [--timeout SECONDS] [--tag TAG] [--icount]
#                          [--skip WORD[,WORD...]]
#
# --nodes N: a NUMA guest, the CPUs and the memory split evenly over N
# nodes (the CPU count must be a multiple of N).
# --icount: deterministic mode, one CPU; one guest instruction takes one
# nanosecond of guest time, so guest timings count instructions.
#
# Several runs may go at once (scripts/test.sh runs one guest per host
# core): only the build steps, which share the DKMS tree and build/, take
# turns. RSEQDEV_PREBUILT=1 says the caller has built everything already.
#
# The time limit is --timeout, else $RSEQDEV_VM_TIMEOUT, else the kernel's
# "timeout=" in matrix.conf, else 1500 s; it counts from the end of the
# guest's boot, which has $RSEQDEV_VM_BOOT_LIMIT seconds (default 600).
# The kernel's "test-limit=" there becomes the guest's limit per test
# (rseqdev.test_limit=, see guest-init.sh), its "scale=" the divisor of
# the plan's repetition counts (rseqdev.scale=).
# $RSEQDEV_SOAK_SECONDS sets how long the plan's soak test runs (default 60).
# $RSEQDEV_KERNEL_ARGS is appended to the kernel's command line and
# $RSEQDEV_QEMU_ARGS to QEMU's arguments (word-split; scripts/profile.sh).
# The kernel's "skip=WORD[,WORD...]" there, and --skip WORD[,WORD...],
# leave out the plan entries whose name contains a WORD. A plan entry named NAME/cpus=N runs only in guests with N
# CPUs (see tests/vm/plan).
#
# An arm64 kernel ("arch=arm64") boots in qemu-system-aarch64's virt
# machine with the cross-built module and user space; only the pieces
# below that name the architecture differ (see arch_setup).
#
# Logs (console, result channel, dmesg) stay in build/vm/NAME-smpN[-TAG]/.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

kernel=$(default_kernel)
smp=2
nodes=1
plan=$RSEQDEV_TOP/tests/vm/plan
timeout=${RSEQDEV_VM_TIMEOUT:-}
tag=
extra_skip=
# Single-threaded TCG by default: QEMU 7.2's multi-threaded TCG hung the
# guest within a few dozen module load/unload cycles (each flips the
# scheduler's preempt-notifier static key, i.e. rewrites code a sibling
# vCPU is running), while single-threaded TCG ran hundreds; the vCPUs still
# interleave, so the guest remains a real SMP machine. Override with
# RSEQDEV_TCG_ACCEL=tcg,thread=multi. RSEQDEV_QEMU_CPU replaces the -cpu
# model (default max; on arm64 max,pauth-impdef=on).
accel=${RSEQDEV_TCG_ACCEL:-tcg,thread=single}
icount=()
while [ $# -gt 0 ]; do
	case "$1" in
	--kernel) kernel=$2; shift 2 ;;
	--smp) smp=$2; shift 2 ;;
	--nodes) nodes=$2; shift 2 ;;
	--plan) plan=$2; shift 2 ;;
	--timeout) timeout=$2; shift 2 ;;
	--tag) tag=-$2; shift 2 ;;
	--skip) extra_skip=$2; shift 2 ;;
	--icount) icount=(-icount shift=0); accel=tcg,thread=single; smp=1; shift ;;
	*) die "unknown argument '$1' (see the header of $0)" ;;
	esac
done
[ -f "$plan" ] || die "no plan file $plan"
[ "$nodes" -ge 1 ] && [ $((smp % nodes)) -eq 0 ] ||
	die "--nodes $nodes does not divide $smp CPUs"

release=$(matrix_field "$kernel" 2)
arch=$(matrix_arch "$kernel")

[ -n "$timeout" ] || timeout=$(matrix_option "$kernel" timeout 1500)
boot_limit=${RSEQDEV_VM_BOOT_LIMIT:-600}
user_tag=$tag
[ "$nodes" -eq 1 ] || tag=-numa$nodes$tag
run=$RSEQDEV_BUILD/vm/$kernel-smp$smp$tag
rm -rf "$run"
mkdir -p "$run"

# What depends on the guest's architecture: the QEMU binary and machine,
# the console, the result channel (its QEMU devices and the guest's
# device name, rseqdev.results= for guest-init.sh) and how the console
# and QEMU's register dump name a CPU's instruction pointer.
case "$arch" in
x86_64)
	qemu=qemu-system-x86_64
	machine=(-cpu "${RSEQDEV_QEMU_CPU:-max}")
	console=ttyS0
	results_dev=ttyS1
	results_args=(-serial "file:$run/results.log")
	console_ip='RIP: 0010:'
	vcpu_ip='RIP=[0-9a-f]+|CS =[0-9a-f]+'
	vcpu_fields=2
	;;
arm64)
	# virt has one PL011 UART, the console: the results go to a virtio
	# console (hvc0) on PCI. pauth-impdef=on: QEMU's own pointer
	# authentication hash, far cheaper under TCG than the architected QARMA.
	qemu=qemu-system-aarch64
	machine=(-M virt -cpu "${RSEQDEV_QEMU_CPU:-max,pauth-impdef=on}")
	console=ttyAMA0
	results_dev=hvc0
	results_args=(-device virtio-serial-pci -chardev "file,id=results,path=$run/results.log"
		      -device virtconsole,chardev=results)
	console_ip='pc : '
	vcpu_ip='PC=[0-9a-f]+'
	vcpu_fields=1
	;;
esac

# A CPU that stops scheduling (say, spinning with preemption off) panics
# the guest at the soft-lockup threshold (20 s) with every CPU's backtrace
# on the console. On PREEMPT_RT the console is printed by kernel threads,
# which such a CPU starves: without the panic the guest would stay silent
# until the time limit.
cmdline="console=$console panic=-1 rdinit=/init softlockup_panic=1 softlockup_all_cpu_backtrace=1"
cmdline="$cmdline rseqdev.results=$results_dev"
test_limit=$(matrix_option "$kernel" test-limit)
[ -z "$test_limit" ] || cmdline="$cmdline rseqdev.test_limit=$test_limit"
[ -z "${RSEQDEV_SOAK_SECONDS:-}" ] || cmdline="$cmdline rseqdev.soak=$RSEQDEV_SOAK_SECONDS"
scale=$(matrix_option "$kernel" scale)
[ -z "$scale" ] || cmdline="$cmdline rseqdev.scale=$scale"
[ -z "${RSEQDEV_KERNEL_ARGS:-}" ] || cmdline="$cmdline $RSEQDEV_KERNEL_ARGS"
# shellcheck disable=SC2206 # word-split on purpose
extra_qemu_args=(${RSEQDEV_QEMU_ARGS:-})

# The plan for this guest (lib.sh, plan_for_guest): the kernel's "skip="
# words and --skip's leave entries out.
skip=$(matrix_option "$kernel" skip)
skip=$skip${skip:+${extra_skip:+,}}$extra_skip
builds=$(matrix_builds "$kernel")
plan_for_guest "$skip" "$smp" "$builds" < "$plan" > "$run/plan"
# The build variants are built and packed only for a plan that runs them.
grep -q '^builds[[:space:]]' "$run/plan" || builds=
[ -z "$builds" ] || [ "$arch" = x86_64 ] || die "kernel $kernel: build variants (builds=) are built for x86-64 only"

# prepare_guest: the kernel image, the module and user space built for it
# (unless the caller did: RSEQDEV_PREBUILT=1), all packed into the
# initramfs. Under the build lock: builds take turns, guests do not.
prepare_guest() {
	"$RSEQDEV_TOP/scripts/fetch-kernel.sh" "$kernel" > "$run/image"
	if [ "${RSEQDEV_PREBUILT:-0}" != 1 ]; then
		"$RSEQDEV_TOP/scripts/build-module.sh" "$kernel"
		build_userspace "$arch"
		for v in $builds; do build_variant "$v"; done
	fi
	"$RSEQDEV_TOP/scripts/mkinitramfs.sh" --arch "$arch" "$release" "$run/plan" \
		"$run/initramfs.cpio.gz" $builds
}
with_build_lock prepare_guest
image=$(cat "$run/image")

# dump_vcpus: every vCPU's registers through the QEMU monitor, into
# vcpus.log, for a guest past its time limit: a guest stuck with interrupts
# off cannot print its own backtraces.
dump_vcpus() {
	timeout 5 sh -c 'echo "info registers -a" > "$1"' sh "$run/monitor.in" || return 0
	sleep 2
	cp "$run/monitor.log" "$run/vcpus.log"
}

# numa_args: memory backends and -numa nodes, CPUs split evenly, one
# socket per node (a socket spanning two nodes makes the kernel warn that
# its cache siblings are not on the same node).
smp_arg=$smp
numa_args=()
if [ "$nodes" -gt 1 ]; then
	smp_arg="$smp,sockets=$nodes,cores=$((smp / nodes)),threads=1"
	per=$((smp / nodes))
	for n in $(seq 0 $((nodes - 1))); do
		numa_args+=(-object "memory-backend-ram,id=mem$n,size=$((1024 / nodes))M"
			    -numa "node,nodeid=$n,cpus=$((n * per))-$((n * per + per - 1)),memdev=mem$n")
	done
fi

step "vm $kernel smp=$smp nodes=$nodes: booting $release (limit ${timeout}s, logs in $run)"
mkfifo "$run/monitor.in" "$run/monitor.out"
started=$(date +%s)
"$qemu" -nodefaults -display none -no-reboot \
	-accel "$accel" "${icount[@]}" "${machine[@]}" -smp "$smp_arg" -m 1024 "${numa_args[@]}" \
	-kernel "$image" -initrd "$run/initramfs.cpio.gz" \
	-append "$cmdline" \
	-serial "file:$run/console.log" "${results_args[@]}" \
	-monitor "pipe:$run/monitor" "${extra_qemu_args[@]}" </dev/null >"$run/qemu.log" 2>&1 &
qemu=$!
drain=
trap 'kill $qemu $drain 2>/dev/null || true' EXIT
trap 'exit 143' INT TERM
# The monitor's output must be drained, or QEMU blocks writing it. Opened
# read-write, the FIFO cannot block this script if QEMU never opens it.
cat <> "$run/monitor.out" > "$run/monitor.log" &
drain=$!
# The time limit runs from the guest's first word on the result channel
# (the @@BOOT line of guest-init.sh): on a busy host the boot alone may take
# minutes of the limit a short plan was given. The boot has a limit of its
# own.
booted=
while kill -0 $qemu 2>/dev/null; do
	now=$(date +%s)
	[ -n "$booted" ] || [ ! -s "$run/results.log" ] || booted=$now
	if [ -n "$booted" ]; then
		[ $((now - booted)) -lt "$timeout" ] || break
	else
		[ $((now - started)) -lt "$boot_limit" ] || break
	fi
	sleep 1
done
status=0
if kill -0 $qemu 2>/dev/null; then
	dump_vcpus
	kill $qemu
	for _ in $(seq 10); do kill -0 $qemu 2>/dev/null && sleep 1; done
	kill -9 $qemu 2>/dev/null || true
	wait $qemu || true
	status=124
else
	wait $qemu || status=$?
fi
kill $drain
wait $drain || true
elapsed=$(($(date +%s) - started))
# The full plan's length orders the next suite's jobs (vm_run_cost).
if [ "$plan" = "$RSEQDEV_TOP/tests/vm/plan" ] && [ -z "$user_tag" ] && [ ${#icount[@]} -eq 0 ]; then
	mkdir -p "$RSEQDEV_CACHE/durations"
	echo "$elapsed" > "$RSEQDEV_CACHE/durations/$kernel-smp$smp"
fi
boot_time="boot not seen"
[ -z "$booted" ] || boot_time="booted in $((booted - started))s"
step "vm $kernel smp=$smp nodes=$nodes: guest stopped after ${elapsed}s ($boot_time, qemu status $status)"

{
	awk -v release="$release" -v cpus="$smp" -v nodes="$nodes" -v dmesg_out="$run/dmesg.log" \
		-f "$RSEQDEV_TOP/scripts/guest-tap.awk" "$run/results.log"
	if [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then
		if [ -n "$booted" ]; then
			echo "not ok - guest finished within ${timeout}s (it hung; console: $run/console.log)"
		else
			echo "not ok - guest booted within ${boot_limit}s (console: $run/console.log)"
		fi
	fi
	if grep -qE 'Kernel panic|Oops|(^|[^A-Za-z])BUG:' "$run/console.log"; then
		echo "not ok - console shows a panic, oops or BUG (see $run/console.log)"
	fi
} > "$run/results.tap"

if ! grep -q '^ok - guest ran to the end' "$run/results.tap"; then
	{
		stuck='soft lockup|self-detected stall'
		if grep -aqE "$stuck" "$run/console.log"; then
			echo "# where the guest's CPUs were stuck:"
			grep -aE "$stuck|$console_ip" "$run/console.log" | head -n 16 |
				sed 's/\r$//; s/^/#   /'
		fi
		if [ -s "$run/vcpus.log" ]; then
			echo "# vCPU instruction pointers at the time limit (registers: $run/vcpus.log):"
			grep -oE "$vcpu_ip" "$run/vcpus.log" | paste $(printf -- '- %.0s' $(seq "$vcpu_fields")) |
				sed 's/^/#   /'
		fi
		echo "# last console lines:"
		tr -d '\r' < "$run/console.log" | grep -av '^$' | tail -n 25 | sed 's/^/#   /'
	} >> "$run/results.tap"
fi

# Number the results and print the plan.
awk '/^(not )?ok - / { n++; sub(/ok - /, "ok " n " - ") } { print } END { print "1.." n }' \
	"$run/results.tap"
! grep -q '^not ok' "$run/results.tap"
