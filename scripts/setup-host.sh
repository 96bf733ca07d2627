#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Install everything the build and the VM harness need on a Debian/Ubuntu host:
# compilers, QEMU, busybox, DKMS, sparse, and the headers of every matrix kernel.
# Idempotent: packages already present are not installed again.
#
# usage: scripts/setup-host.sh [kernel-name ...]   (default: the whole matrix)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

kernels=("$@")
[ ${#kernels[@]} -gt 0 ] || mapfile -t kernels < <(matrix_names)

want=(build-essential pkg-config kmod cpio xz-utils perl
      qemu-system-x86 busybox-static dkms sparse)
for k in "${kernels[@]}"; do
	want+=("$(matrix_field "$k" 4)")
done

missing=()
for p in "${want[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
	step "host packages: all present"
	exit 0
fi

step "host packages: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# The package lists may be stale or absent on a fresh machine.
as_root apt-get update -qq
as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
step "host packages: done"
