#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The whole test suite: host checks (build warnings, style, DKMS), the VM
# harness's own self-test, and the guest test plan on every kernel of the
# matrix with its CPU counts. Installs what it needs first. Runs under
# prove, so the last lines say how many tests ran and whether all passed.
#
# usage: scripts/test.sh [--quick | --latest | --kernels NAME[,NAME...]]
#                        [--smp "N ..."] [--jobs N]
#   (none)     the default matrix of scripts/matrix.conf: the pinned stock
#              kernels, the debug kernel, the newest ABI of one series
#   --quick    the default kernel only, 2 CPUs (for iteration)
#   --latest   the newest ABI of every series and flavour the matrix
#              follows ("latest" entries), 2 CPUs each
#   --smp      the CPU counts of every guest (default: each kernel's own)
#   --jobs     guests and host tests at once (default: the host's cores;
#              each guest is a single-threaded QEMU, one core)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

kernels=$(matrix_names | paste -sd,)
smps=
jobs=$(nproc)
while [ $# -gt 0 ]; do
	case "$1" in
	--quick) kernels=$(default_kernel); smps=2; shift ;;
	--latest) kernels=$(matrix_latest_names | paste -sd,); smps=2; shift ;;
	--kernels) kernels=$2; shift 2 ;;
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

# build_all: user space, the module for every kernel, the kernel images.
build_all() {
	local k
	step "suite: building user space"
	make -s -C "$RSEQDEV_TOP" userspace >&2
	"$RSEQDEV_TOP/scripts/build-module.sh" "${kernel_list[@]}"
	for k in "${kernel_list[@]}"; do
		"$RSEQDEV_TOP/scripts/fetch-kernel.sh" "$k" >/dev/null
	done
}
with_build_lock build_all
# Everything is built: the guests only pack it, and may run side by side.
export RSEQDEV_PREBUILT=1

# One prove "file" per VM run, so that each guest is reported on its own
# line, named with its expected length (seconds, see vm_run_cost) in front
# so that the longest start first and two queues end close together.
wrappers=$RSEQDEV_BUILD/prove
rm -rf "$wrappers"
mkdir -p "$wrappers"
jobs_list=()

# add_job COST NAME COMMAND...: a prove file that runs COMMAND.
add_job() {
	local cost=$1 name=$2 t
	shift 2
	t=$wrappers/$name.t
	printf '#!/bin/sh\nexec' > "$t"
	printf ' "%s"' "$@" >> "$t"
	printf '\n' >> "$t"
	chmod +x "$t"
	jobs_list+=("$(printf '%06d %s' "$cost" "$t")")
}

host=$RSEQDEV_TOP/tests/host
for k in "${kernel_list[@]}"; do
	for smp in ${smps:-$(matrix_option "$k" smp 2,4 | tr , ' ')}; do
		nodes=$(matrix_numa_nodes "$k" "$smp")
		name=vm-$k-smp$smp
		[ "$nodes" -eq 1 ] || name=$name-numa$nodes
		add_job "$(vm_run_cost "$k" "$smp")" "$name" \
			"$RSEQDEV_TOP/scripts/vm-run.sh" --kernel "$k" --smp "$smp" --nodes "$nodes"
	done
done
# The host tests: their rough length here, for the order only.
add_job 300 harness "$host/harness.t"
add_job 150 build "$host/build.t"
add_job 100 dkms "$host/dkms.t"
add_job 60 style "$host/style.t"
add_job 20 uapi "$host/uapi.t"

mapfile -t ordered < <(printf '%s\n' "${jobs_list[@]}" | sort -rn | cut -d' ' -f2-)
step "suite: kernels ${kernel_list[*]}; ${#ordered[@]} jobs, $jobs at a time"
status=0
prove --failures --comments --jobs "$jobs" "${ordered[@]}" || status=$?
step "suite: finished in $(($(date +%s) - started))s"
exit $status
