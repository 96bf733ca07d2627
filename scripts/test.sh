#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The whole test suite: host checks (build warnings, style, DKMS), the VM
# harness's own self-test, and the guest test plan on every kernel of the
# matrix with its CPU counts. Installs what it needs first. Runs under
# prove, so the last lines say how many tests ran and whether all passed.
#
# usage: scripts/test.sh [--quick | --latest | --arm64 | --kernels NAME[,NAME...]]
#                        [--smp "N ..."] [--jobs N]
#   (none)     the default matrix of scripts/matrix.conf: the pinned stock
#              kernels (x86-64 and arm64), the debug kernel, the newest ABI
#              of one series; an entry's "suite-smp=" CPU counts if it has
#              one, and without its plan entries named in "suite-skip="
#   --quick    the default kernel only, 2 CPUs (for iteration)
#   --latest   the newest ABI of every series and flavour the matrix
#              follows ("latest" entries), 2 CPUs each
#   --arm64    the arm64 kernels ("arch=arm64" entries) with their CPU
#              counts, and of the host tests only the harness's own
#              (the others build for the host's kernels)
#   --smp      the CPU counts of every guest (default: each kernel's own)
#   --jobs     guests and host tests at once (default: the host's cores;
#              each guest is a single-threaded QEMU, one core)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

kernels=$(matrix_names | paste -sd,)
smps=
whole_matrix=1
jobs=$(nproc)
host_tests=all
while [ $# -gt 0 ]; do
	case "$1" in
	--quick) kernels=$(default_kernel); smps=2; whole_matrix=; shift ;;
	--latest) kernels=$(matrix_latest_names | paste -sd,); smps=2; whole_matrix=; shift ;;
	--arm64) kernels=$(matrix_arch_names arm64 | paste -sd,); host_tests=harness; whole_matrix=; shift ;;
	--kernels) kernels=$2; whole_matrix=; shift 2 ;;
	--smp) smps=$2; shift 2 ;;
	--jobs) jobs=$2; shift 2 ;;
	*) die "unknown argument '$1' (see the header of $0)" ;;
	esac
done
IFS=, read -r -a kernel_list <<< "$kernels"
export RSEQDEV_KERNELS=$kernels

started=$(date +%s)
# "latest" entries are looked up anew in every run, in fresh package lists.
rm -rf "$RSEQDEV_BUILD/latest"
for k in "${kernel_list[@]}"; do
	if [ "$(matrix_raw "$k" 2)" = latest ]; then
		step "suite: asking the archive for its newest kernels"
		as_root apt-get update -qq
		break
	fi
done
for k in "${kernel_list[@]}"; do
	[ "$(matrix_raw "$k" 2)" != latest ] ||
		step "suite: $k is $(matrix_field "$k" 2) ($(matrix_field "$k" 3))"
done

"$RSEQDEV_TOP/scripts/setup-host.sh" "${kernel_list[@]}"

# build_all: user space for every architecture, the module for every
# kernel, the kernel images.
build_all() {
	local k v a
	for a in $(for k in "${kernel_list[@]}"; do matrix_arch "$k"; done | sort -u); do
		step "suite: building user space ($a)"
		build_userspace "$a"
	done
	for v in $(for k in "${kernel_list[@]}"; do matrix_builds "$k"; done | sort -u); do
		step "suite: building user space as $v"
		build_variant "$v"
	done
	"$RSEQDEV_TOP/scripts/build-module.sh" "${kernel_list[@]}"
	for k in "${kernel_list[@]}"; do
		"$RSEQDEV_TOP/scripts/fetch-kernel.sh" "$k" >/dev/null
	done
}
with_build_lock build_all
# Everything is built: the guests only pack it, and may run side by side.
export RSEQDEV_PREBUILT=1

# The jobs: one per guest and one per host test. A queue runs them, $jobs
# at a time, longest first (their expected seconds: vm_run_cost), so that
# the queues end close together; prove then reads what each printed, so
# that every guest is reported on its own line and the summary covers all.
# (prove --jobs would run them itself, but it starts a new job only once
# the oldest running one has ended, which leaves a core idle beside the
# debug kernel's guest for most of the run.)
out=$RSEQDEV_BUILD/suite
rm -rf "$out"
mkdir -p "$out"
queue=()

# add_job COST NAME COMMAND...: queue COMMAND as job NAME.
add_job() {
	local cost=$1 name=$2
	shift 2
	printf '%q ' "$@" > "$out/$name.cmd"
	queue+=("$(printf '%06d %s' "$cost" "$name")")
}

# guest_smps KERNEL: its guests' CPU counts in this run.
guest_smps() {
	local all
	all=$(matrix_option "$1" smp 2,4)
	[ -z "$whole_matrix" ] || all=$(matrix_option "$1" suite-smp "$all")
	echo "${smps:-${all//,/ }}"
}

# guest_skips KERNEL: the plan entries its guests leave out in this run,
# beyond its "skip=": its "suite-skip=" words in the default matrix's run.
guest_skips() {
	[ -z "$whole_matrix" ] || matrix_option "$1" suite-skip
}

host=$RSEQDEV_TOP/tests/host
for k in "${kernel_list[@]}"; do
	for smp in $(guest_smps "$k"); do
		nodes=$(matrix_numa_nodes "$k" "$smp")
		name=vm-$k-smp$smp
		[ "$nodes" -eq 1 ] || name=$name-numa$nodes
		add_job "$(vm_run_cost "$k" "$smp")" "$name" \
			"$RSEQDEV_TOP/scripts/vm-run.sh" --kernel "$k" --smp "$smp" --nodes "$nodes" \
			--skip "$(guest_skips "$k")"
	done
done
# The host tests: their rough length here, for the order only.
add_job 300 harness "$host/harness.t"
if [ "$host_tests" = all ]; then
	add_job 150 build "$host/build.t"
	add_job 100 dkms "$host/dkms.t"
	add_job 140 deb "$host/deb.t"
	add_job 60 style "$host/style.t"
	add_job 20 uapi "$host/uapi.t"
	add_job 10 link "$host/link.t"
	add_job 20 sanitize "$host/sanitize.t"
	add_job 40 fuzz "$host/fuzz.t"
	add_job 10 bench "$host/bench.t"
	add_job 40 man "$host/man.t"
fi
mapfile -t ordered < <(printf '%s\n' "${queue[@]}" | sort -rn | cut -d' ' -f2-)

# run_job NAME: the job's TAP into NAME.tap, its stderr into NAME.log, its
# exit status into NAME.rc; one progress line when it ends.
run_job() {
	local name=$1 began=$SECONDS rc=0
	bash -c "$(cat "$out/$name.cmd")" > "$out/$name.tap" 2> "$out/$name.log" </dev/null || rc=$?
	echo "$rc" > "$out/$name.rc"
	step "suite: $name $([ "$rc" -eq 0 ] && echo passed || echo FAILED) in $((SECONDS - began))s" \
		"($(grep -c '^ok' "$out/$name.tap") ok, $(grep -c '^not ok' "$out/$name.tap") not ok)"
}

step "suite: kernels ${kernel_list[*]}; ${#ordered[@]} jobs, $jobs at a time"
running=0
for name in "${ordered[@]}"; do
	if [ "$running" -ge "$jobs" ]; then
		wait -n || true
		running=$((running - 1))
	fi
	step "suite: starting $name"
	run_job "$name" &
	running=$((running + 1))
done
wait

# replay: prove files that print each job's TAP and exit with its status.
for name in "${ordered[@]}"; do
	printf '#!/bin/sh\ncat "%s"\nexit "$(cat "%s")"\n' "$out/$name.tap" "$out/$name.rc" > "$out/$name.t"
	chmod +x "$out/$name.t"
done
status=0
(cd "$out" && prove --failures --comments "${ordered[@]/%/.t}") || status=$?
[ "$status" -eq 0 ] || failure_digest "$out" "${ordered[@]}"
step "suite: finished in $(($(date +%s) - started))s"
exit $status
