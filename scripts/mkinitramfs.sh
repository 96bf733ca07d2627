#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Pack busybox, the module builds for one kernel, the tools and the tests
# into an initramfs for the test VM.
#
# usage: scripts/mkinitramfs.sh RELEASE PLAN OUTPUT
set -euo pipefail
. "$(dirname "$0")/lib.sh"

release=${1:?usage: mkinitramfs.sh RELEASE PLAN OUTPUT}
plan=${2:?plan file}
output=${3:?output file}
modules=$RSEQDEV_BUILD/modules/$release
userspace=$RSEQDEV_BUILD/userspace

[ -f "$modules/rseqdev.ko" ] || die "no module for $release: run scripts/build-module.sh"
[ -x "$userspace/tools/rseqctl" ] || die "userspace not built: run make userspace"

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,dev,proc,sys,tmp,usr/bin,lib/modules/selftest,tests}
cp /bin/busybox "$root/bin/busybox"
ln -s busybox "$root/bin/sh"
cp "$RSEQDEV_TOP/scripts/guest-init.sh" "$root/init"
chmod 755 "$root/init"
cp "$modules/rseqdev.ko" "$root/lib/modules/"
cp "$modules/selftest/rseqdev.ko" "$root/lib/modules/selftest/"
cp "$userspace/tools/"* "$userspace/bench/"* "$root/usr/bin/"
cp "$userspace/tests/"* "$RSEQDEV_TOP"/tests/vm/*.sh "$root/tests/"
cp "$plan" "$root/tests/plan"

mkdir -p "$(dirname "$output")"
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) > "$output"
