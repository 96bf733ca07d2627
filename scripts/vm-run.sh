#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Boot one matrix kernel under QEMU (TCG), load the module, run a test plan
# and print the results as TAP on stdout. Exit status 0 only when every
# result passed: tests, module unload, a clean dmesg, no unexpected taint,
# and a guest that ran to the end within the time limit.
#
# usage: scripts/vm-run.sh [--kernel NAME] [--smp N] [--plan FILE]
#                          [--timeout SECONDS] [--tag TAG] [--icount]
#
# --icount: deterministic mode, one CPU; one guest instruction takes one
# nanosecond of guest time, so guest timings count instructions.
#
# The time limit is --timeout, else $RSEQDEV_VM_TIMEOUT, else the kernel's
# "timeout=" in matrix.conf, else 900 s. The kernel's "test-limit=" there
# becomes the guest's limit per test (rseqdev.test_limit=, see guest-init.sh).
# $RSEQDEV_SOAK_SECONDS sets how long the plan's soak test runs (default 60).
# The kernel's "skip=WORD" there leaves out the plan entries whose name
# contains WORD.
#
# Logs (console, result channel, dmesg) stay in build/vm/NAME-smpN[-TAG]/.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

kernel=$(default_kernel)
smp=2
plan=$RSEQDEV_TOP/tests/vm/plan
timeout=${RSEQDEV_VM_TIMEOUT:-}
tag=
# Single-threaded TCG by default: QEMU 7.2's multi-threaded TCG hung the
# guest within a few dozen module load/unload cycles (each flips the
# scheduler's preempt-notifier static key, i.e. rewrites code a sibling
# vCPU is running), while single-threaded TCG ran hundreds; the vCPUs still
# interleave, so the guest remains a real SMP machine. Override with
# RSEQDEV_TCG_ACCEL=tcg,thread=multi.
accel=${RSEQDEV_TCG_ACCEL:-tcg,thread=single}
icount=()
while [ $# -gt 0 ]; do
	case "$1" in
	--kernel) kernel=$2; shift 2 ;;
	--smp) smp=$2; shift 2 ;;
	--plan) plan=$2; shift 2 ;;
	--timeout) timeout=$2; shift 2 ;;
	--tag) tag=-$2; shift 2 ;;
	--icount) icount=(-icount shift=0); accel=tcg,thread=single; smp=1; shift ;;
	*) die "unknown argument '$1' (see the header of $0)" ;;
	esac
done
[ -f "$plan" ] || die "no plan file $plan"

# One run at a time per machine: the DKMS tree, build/ and the two host
# cores are shared, so a second run waits here for the first.
mkdir -p "$RSEQDEV_CACHE"
exec 8>"$RSEQDEV_CACHE/vm-run.lock"
if ! flock -n 8; then
	step "waiting for another VM run to finish"
	flock 8
fi

release=$(matrix_field "$kernel" 2)
[ -n "$timeout" ] || timeout=$(matrix_option "$kernel" timeout 900)
cmdline="console=ttyS0 panic=-1 rdinit=/init"
test_limit=$(matrix_option "$kernel" test-limit)
[ -z "$test_limit" ] || cmdline="$cmdline rseqdev.test_limit=$test_limit"
[ -z "${RSEQDEV_SOAK_SECONDS:-}" ] || cmdline="$cmdline rseqdev.soak=$RSEQDEV_SOAK_SECONDS"
run=$RSEQDEV_BUILD/vm/$kernel-smp$smp$tag
rm -rf "$run"
mkdir -p "$run"

image=$("$RSEQDEV_TOP/scripts/fetch-kernel.sh" "$kernel")
"$RSEQDEV_TOP/scripts/build-module.sh" "$kernel"
make -s -C "$RSEQDEV_TOP" userspace >&2
# A kernel's "skip=WORD" drops the plan entries whose name contains WORD.
skip=$(matrix_option "$kernel" skip)
awk -v skip="$skip" 'skip != "" && $1 !~ /^#/ && index($1, skip) { next } { print }' \
	"$plan" > "$run/plan"
"$RSEQDEV_TOP/scripts/mkinitramfs.sh" "$release" "$run/plan" "$run/initramfs.cpio.gz"

step "vm $kernel smp=$smp: booting $release (limit ${timeout}s, logs in $run)"
started=$(date +%s)
status=0
timeout --kill-after=10 "$timeout" \
	qemu-system-x86_64 -nodefaults -display none -no-reboot \
		-accel "$accel" "${icount[@]}" -cpu max -smp "$smp" -m 1024 \
		-kernel "$image" -initrd "$run/initramfs.cpio.gz" \
		-append "$cmdline" \
		-serial "file:$run/console.log" -serial "file:$run/results.log" \
		</dev/null >"$run/qemu.log" 2>&1 || status=$?
elapsed=$(($(date +%s) - started))
step "vm $kernel smp=$smp: guest stopped after ${elapsed}s (qemu status $status)"

{
	awk -v release="$release" -v cpus="$smp" -v dmesg_out="$run/dmesg.log" \
		-f "$RSEQDEV_TOP/scripts/guest-tap.awk" "$run/results.log"
	if [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then
		echo "not ok - guest finished within ${timeout}s (it hung; console: $run/console.log)"
	fi
	if grep -qE 'Kernel panic|Oops|(^|[^A-Za-z])BUG:' "$run/console.log"; then
		echo "not ok - console shows a panic, oops or BUG (see $run/console.log)"
	fi
} > "$run/results.tap"

if ! grep -q '^ok - guest ran to the end' "$run/results.tap"; then
	{
		echo "# last console lines:"
		tail -n 25 "$run/console.log" | sed 's/\r$//; s/^/#   /'
	} >> "$run/results.tap"
fi

# Number the results and print the plan.
awk '/^(not )?ok - / { n++; sub(/ok - /, "ok " n " - ") } { print } END { print "1.." n }' \
	"$run/results.tap"
! grep -q '^not ok' "$run/results.tap"
