#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Fetch the bootable image of one matrix kernel by package name and print
# its path. The package is downloaded and unpacked into the cache, not
# installed: the host's /boot and boot loader are left alone. A kernel that
# is built here ("build:BASE" in matrix.conf) comes from debug-kernel.sh,
# which builds it the first time.
#
# usage: scripts/fetch-kernel.sh NAME
set -euo pipefail
. "$(dirname "$0")/lib.sh"

name=${1:?usage: fetch-kernel.sh NAME}
if [ -n "$(matrix_base "$name")" ]; then
	echo "$("$RSEQDEV_TOP/scripts/debug-kernel.sh" "$name")/vmlinuz"
	exit 0
fi
release=$(matrix_field "$name" 2)
package=$(matrix_field "$name" 3)
dir=$RSEQDEV_CACHE/kernels/$release
image=$dir/vmlinuz

if [ ! -s "$image" ]; then
	step "kernel $name: downloading $package"
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	(cd "$tmp" && apt-get download -q -o APT::Sandbox::User=root "$package" >&2) ||
		die "cannot download $package (run 'apt-get update'?)"
	dpkg-deb --fsys-tarfile "$tmp"/*.deb |
		tar -x -C "$tmp" "./boot/vmlinuz-$release"
	mkdir -p "$dir"
	mv "$tmp/boot/vmlinuz-$release" "$image"
	dpkg-deb -f "$tmp"/*.deb Version > "$dir/package-version"
fi
echo "$image"
