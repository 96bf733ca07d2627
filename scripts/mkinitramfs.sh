#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Pack busybox, the module builds for one kernel, the tools and the tests
# into an initramfs for the test VM.
#
# usage: scripts/mkinitramfs.sh RELEASE PLAN OUTPUT [VARIANT...]
#
# Each VARIANT (a user-space build in build/variants/, see build_variant in
# lib.sh) adds its library-facing test programs and its preload shim under
# /variants/VARIANT/, for tests/vm/builds.sh.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

release=${1:?usage: mkinitramfs.sh RELEASE PLAN OUTPUT}
plan=${2:?plan file}
output=${3:?output file}
shift 3
modules=$RSEQDEV_BUILD/modules/$release
userspace=$RSEQDEV_BUILD/userspace

[ -f "$modules/rseqdev.ko" ] || die "no module for $release: run scripts/build-module.sh"
[ -x "$userspace/tools/rseqctl" ] || die "userspace not built: run make userspace"

# The programs tests/vm/builds.sh runs for each build variant.
VARIANT_TESTS="cpu_op_test percpu_ops_test percpu_stress singlestep_test"

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
# mktemp made it 0700; as the guest's / it must let unprivileged tests in.
chmod 755 "$root"
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

# The programs of tests/plain are linked dynamically, as their users build
# them, and run with or without the preload library: they come with the
# host's glibc runtime, at the paths ldd reports, where the loader looks.
preload=$userspace/preload/librseqdev-preload.so
[ -f "$preload" ] || die "no $preload: run make userspace"
mkdir -p "$root/tests/plain" "$root/usr/lib"
cp "$userspace/plain/"* "$root/tests/plain/"
cp "$preload" "$root/usr/lib/"
# copy_libraries FILE...: the shared libraries FILEs load, where ldd finds them.
copy_libraries() {
	local lib
	for lib in $(ldd "$@" |
		     awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// && $2 ~ /^\(0x/ { print $1 }' | sort -u); do
		mkdir -p "$root$(dirname "$lib")"
		cp -L "$lib" "$root$lib"
	done
}
# trace-cmd, for tests/vm/trace.sh.
tracecmd=$(command -v trace-cmd) || die "no trace-cmd: run scripts/setup-host.sh"
cp "$tracecmd" "$root/usr/bin/"
copy_libraries "$userspace/plain/"* "$preload" "$tracecmd"

# A plan that runs gdb (gdb.sh, and demo.sh through it) gets it: about
# 30 MB with its libraries, only then.
if grep -qE 'gdb|demo' "$plan"; then
	gdb=$(guest_gdb)
	cp "$gdb" "$root/usr/bin/gdb"
	copy_libraries "$gdb"
fi

for variant in "$@"; do
	dir=$RSEQDEV_BUILD/variants/$variant
	[ -f "$dir/preload/librseqdev-preload.so" ] ||
		die "build variant $variant is not built in $dir (build_variant in lib.sh)"
	mkdir -p "$root/variants/$variant"
	cp "$dir/preload/librseqdev-preload.so" "$root/variants/$variant/"
	for t in $VARIANT_TESTS; do
		cp "$dir/tests/$t" "$root/variants/$variant/"
	done
done

mkdir -p "$(dirname "$output")"
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) > "$output"
