#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The whole test suite: host checks (build warnings, style, DKMS), the VM
# harness's own self-test, and the guest test plan on every matrix kernel
# with 2 and 4 CPUs. Installs what it needs first. Runs under prove, so the
# last lines say how many tests ran and whether all passed.
#
# usage: scripts/test.sh [--quick] [--kernels NAME[,NAME...]] [--smp "N ..."]
#   --quick    the default kernel only, 2 CPUs (for iteration)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

kernels=$(matrix_names | paste -sd,)
smps="2 4"
while [ $# -gt 0 ]; do
	case "$1" in
	--quick) kernels=$(default_kernel); smps=2; shift ;;
	--kernels) kernels=$2; shift 2 ;;
	--smp) smps=$2; shift 2 ;;
	*) die "unknown argument '$1' (see the header of $0)" ;;
	esac
done
IFS=, read -r -a kernel_list <<< "$kernels"
export RSEQDEV_KERNELS=$kernels

started=$(date +%s)
step "suite: kernels ${kernel_list[*]}; CPUs $smps"
"$RSEQDEV_TOP/scripts/setup-host.sh" "${kernel_list[@]}"
step "suite: building user space"
make -s -C "$RSEQDEV_TOP" userspace >&2
"$RSEQDEV_TOP/scripts/build-module.sh" "${kernel_list[@]}"
for k in "${kernel_list[@]}"; do
	"$RSEQDEV_TOP/scripts/fetch-kernel.sh" "$k" >/dev/null
done

# One prove "file" per VM run, so that each kernel/CPU pair is reported on
# its own line.
wrappers=$RSEQDEV_BUILD/prove
rm -rf "$wrappers"
mkdir -p "$wrappers"
vm_runs=()
for k in "${kernel_list[@]}"; do
	for smp in $smps; do
		t=$wrappers/vm-$k-smp$smp.t
		printf '#!/bin/sh\nexec "%s/scripts/vm-run.sh" --kernel "%s" --smp "%s"\n' \
			"$RSEQDEV_TOP" "$k" "$smp" > "$t"
		chmod +x "$t"
		vm_runs+=("$t")
	done
done

host=$RSEQDEV_TOP/tests/host
status=0
prove --failures --comments \
	"$host/build.t" "$host/style.t" "$host/harness.t" "${vm_runs[@]}" \
	"$host/dkms.t" || status=$?
step "suite: finished in $(($(date +%s) - started))s"
exit $status
