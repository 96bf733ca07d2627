#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Fetch the bootable image of one matrix kernel by package name and print
# its path. The package is downloaded and unpacked into the cache, not
# installed: the host's /boot and boot loader are left alone. A kernel that
# is built here ("build:BASE" in matrix.conf) comes from debug-kernel.sh,
# which builds it the first time.
#
# An arm64 kernel ("arch=arm64" in matrix.conf) also leaves its modules in
# the cache (modules/ beside the image): the guest loads the virtio ones
# its result channel needs (mkinitramfs.sh). Debian's arm64 vmlinuz is the
# raw Image that QEMU's -kernel takes; a gzip-compressed one would be
# decompressed here.
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
arch=$(matrix_arch "$name")
dir=$RSEQDEV_CACHE/kernels/$release
image=$dir/vmlinuz
members=("./boot/vmlinuz-$release")
if [ "$arch" != x86_64 ]; then
	package=$package:$arch
	members+=("./lib/modules/$release")
fi

if [ ! -s "$image" ] || { [ "$arch" != x86_64 ] && [ ! -d "$dir/modules" ]; }; then
	step "kernel $name: downloading $package"
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	(cd "$tmp" && apt-get download -q -o APT::Sandbox::User=root "$package" >&2) ||
		die "cannot download $package (run 'apt-get update'?)"
	dpkg-deb --fsys-tarfile "$tmp"/*.deb | tar -x -C "$tmp" "${members[@]}"
	mkdir -p "$dir"
	if [ "$arch" != x86_64 ]; then
		rm -rf "$dir/modules"
		mv "$tmp/lib/modules/$release" "$dir/modules"
	fi
	if [ "$(head -c 2 "$tmp/boot/vmlinuz-$release" | od -An -tx1 | tr -d ' ')" = 1f8b ]; then
		gzip -dc "$tmp/boot/vmlinuz-$release" > "$image"
	else
		mv "$tmp/boot/vmlinuz-$release" "$image"
	fi
	dpkg-deb -f "$tmp"/*.deb Version > "$dir/package-version"
fi
echo "$image"
