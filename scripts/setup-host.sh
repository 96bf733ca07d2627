#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Install everything the build and the VM harness need on a Debian/Ubuntu host:
# compilers (gcc and clang, with clang's sanitizer and libFuzzer runtimes),
# QEMU, busybox, DKMS, sparse, pahole, gnuplot (the benchmark report's
# plots), gdb (the libraries of the guests' gdb-minimal), trace-cmd (the
# guests' trace test), groff and man-db (tests/host/man.t renders the man
# pages), Debian's packaging tools and lintian ("make deb"), what
# cross-building the arm64 packages needs ("make deb-arm64", which
# tests/host/deb.t runs, whatever the kernels: see deb_cross_packages)
# with qemu-user to run deb.t's arm64 program, and the headers of every
# matrix kernel.
# A kernel that is built here ("build:BASE" in matrix.conf) has no headers
# package: its build tree stands for them, so it is built now (once per
# machine; scripts/debug-kernel.sh caches it).
# An arm64 kernel ("arch=arm64") adds the cross compiler, QEMU for arm64,
# the arm64 architecture to dpkg (for downloading its kernel, headers,
# busybox and tools, which are unpacked, never installed) and the host
# packages its headers need: the common headers and linux-kbuild of its
# series.
# Idempotent: packages already present are not installed again.
#
# usage: scripts/setup-host.sh [kernel-name ...]   (default: the whole matrix)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

kernels=("$@")
[ ${#kernels[@]} -gt 0 ] || mapfile -t kernels < <(matrix_names)

want=(build-essential pkg-config kmod cpio xz-utils perl
      qemu-system-x86 busybox-static dkms sparse clang libclang-rt-dev pahole gnuplot-nox
      gdb trace-cmd groff-base man-db dpkg-dev debhelper dh-dkms fakeroot lintian)
built=()
foreign=()
for k in "${kernels[@]}"; do
	if [ -n "$(matrix_base "$k")" ]; then
		built+=("$k")
	elif [ "$(matrix_arch "$k")" != x86_64 ]; then
		foreign+=("$k")
	else
		want+=("$(matrix_field "$k" 4)")
	fi
done

# arm64 kernels: their packages are downloaded by name with ":arm64", which
# apt only serves once dpkg knows the architecture and the lists hold it.
if [ ${#foreign[@]} -gt 0 ]; then
	want+=(gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-system-arm)
	ensure_foreign_arch arm64 "$(matrix_field "${foreign[0]}" 4)"
	for k in "${foreign[@]}"; do
		mapfile -t -O ${#want[@]} want < <(kernel_headers_depends "$k")
	done
fi

# The arm64 packages' cross build installs arm64's libc6: dpkg must have
# the architecture first.
ensure_foreign_arch arm64 libc6
mapfile -t -O ${#want[@]} want < <(deb_cross_packages arm64)
want+=(qemu-user)

ensure_packages "${want[@]}"
step "host packages: all present"

for k in "${built[@]}"; do
	"$RSEQDEV_TOP/scripts/debug-kernel.sh" "$k" >/dev/null
done
