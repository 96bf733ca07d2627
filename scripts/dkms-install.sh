#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Install the module through DKMS for one or more kernels, from this source
# tree: stage the module sources, "dkms add", "dkms build", "dkms install".
# With --remove, undo it for every kernel ("dkms remove --all").
#
# usage: scripts/dkms-install.sh [KERNEL-RELEASE...]   (default: running kernel)
#        scripts/dkms-install.sh --remove
set -euo pipefail
. "$(dirname "$0")/lib.sh"

version=$(rseqdev_version)

if [ "${1:-}" = "--remove" ]; then
	if [ -n "$(dkms_state)" ]; then
		step "dkms: removing rseqdev/$version from every kernel"
		as_root dkms remove "rseqdev/$version" --all >&2
	fi
	as_root rm -rf "/usr/src/rseqdev-$version"
	rm -f "$RSEQDEV_DKMS_STAMP"
	exit 0
fi

releases=("$@")
[ ${#releases[@]} -gt 0 ] || releases=("$(uname -r)")

stage=$RSEQDEV_BUILD/dkms/rseqdev-$version
stage_sources "$stage"
[ -z "$(dkms_state)" ] || as_root dkms remove "rseqdev/$version" --all >&2
step "dkms: adding rseqdev/$version"
as_root dkms add --force "$stage" >&2
rm -f "$RSEQDEV_DKMS_STAMP"
for release in "${releases[@]}"; do
	[ -d "/lib/modules/$release/build" ] ||
		die "no headers for $release (install linux-headers-$release)"
	step "dkms: building and installing for $release"
	as_root dkms install "rseqdev/$version" -k "$release" >&2
done
