#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Build the module for matrix kernels the way users do, through DKMS, and
# the test-only variant (CONFIG_RSEQDEV_SELFTEST) with plain Kbuild. The
# results land in build/modules/RELEASE/{rseqdev.ko,selftest/rseqdev.ko}.
# A kernel built here ("build:BASE" in matrix.conf) is built first if need
# be, and DKMS is pointed at its build tree (--kernelsourcedir).
# An arm64 kernel ("arch=arm64") gets both builds through plain Kbuild,
# cross-compiled against its headers package unpacked into the cache
# (kernel_headers in lib.sh): DKMS cannot build for a kernel of another
# architecture on this host (see docs/testing.md, arm64).
#
# usage: scripts/build-module.sh NAME...
set -euo pipefail
. "$(dirname "$0")/lib.sh"

[ $# -gt 0 ] || die "usage: build-module.sh NAME..."
version=$(rseqdev_version)
stage=$RSEQDEV_BUILD/dkms/rseqdev-$version
dkms_tree=$(. /etc/dkms/framework.conf 2>/dev/null; echo "${dkms_tree:-/var/lib/dkms}")

# copy_module DIR DEST: DKMS compresses modules when the kernel's config
# says so (6.12: xz); the test VM loads them uncompressed.
copy_module() {
	local f
	for f in "$1"/rseqdev.ko*; do
		case "$f" in
		*.ko) cp "$f" "$2" ;;
		*.ko.xz) xz -dc "$f" > "$2" ;;
		*.ko.zst) zstd -qdc "$f" > "$2" ;;
		*.ko.gz) gzip -dc "$f" > "$2" ;;
		*) die "no module built in $1" ;;
		esac
		return
	done
}

stage_sources "$stage"
hash=$(sources_hash "$stage")

# The host's kernels go through DKMS, the others through Kbuild alone.
native=()
foreign=()
for name in "$@"; do
	if [ "$(matrix_arch "$name")" = x86_64 ]; then native+=("$name"); else foreign+=("$name"); fi
done
# The stamp is machine-wide, or a checkout whose sources did not change
# would build what another checkout added since.
stamp=$RSEQDEV_DKMS_STAMP

# Re-add the DKMS source whenever it changed; that also drops stale builds.
if [ ${#native[@]} -gt 0 ] && { [ "$(cat "$stamp" 2>/dev/null)" != "$hash" ] || [ -z "$(dkms_state)" ]; }; then
	step "dkms: adding rseqdev/$version"
	[ -z "$(dkms_state)" ] || as_root dkms remove "rseqdev/$version" --all >&2
	as_root dkms add --force "$stage" >&2
	echo "$hash" > "$stamp"
fi

# build_selftest RELEASE TREE OUT [KBUILD-ARGS...]: the selftest variant,
# with plain Kbuild in a tree of its own, so it runs beside the DKMS builds
# (which share DKMS's build directory and so take turns).
build_selftest() {
	local src=$RSEQDEV_BUILD/selftest-src/$1 release=$1 tree=$2 out=$3
	shift 3
	step "kbuild: building the selftest variant for $release"
	stage_sources "$src"
	make -s -C "$tree" M="$src" "$@" CONFIG_RSEQDEV_SELFTEST=y modules >&2
	cp "$src/module/rseqdev.ko" "$out/selftest/"
	echo "$hash $tree" > "$out/selftest/hash"
}

# build_foreign NAME: both builds for a kernel of another architecture,
# cross-compiled with plain Kbuild, each in a tree of its own.
build_foreign() {
	local release arch tree out src kbuild
	release=$(matrix_field "$1" 2)
	arch=$(matrix_arch "$1")
	tree=$(kernel_headers "$1")
	out=$RSEQDEV_BUILD/modules/$release
	kbuild=(ARCH="$arch" CROSS_COMPILE="$(cross_compile "$arch")")
	mkdir -p "$out/selftest"
	if [ "$(cat "$out/hash" 2>/dev/null)" != "$hash $tree" ]; then
		src=$RSEQDEV_BUILD/module-src/$release
		step "kbuild: building rseqdev/$version for $release ($arch)"
		stage_sources "$src"
		make -s -C "$tree" M="$src" "${kbuild[@]}" modules >&2 ||
			die "the module does not build for $release ($arch)"
		cp "$src/module/rseqdev.ko" "$out/rseqdev.ko"
		echo "$hash $tree" > "$out/hash"
	fi
	if [ "$(cat "$out/selftest/hash" 2>/dev/null)" != "$hash $tree" ]; then
		build_selftest "$release" "$tree" "$out" "${kbuild[@]}"
	fi
}

selftest_builds=()
for name in ${foreign[@]+"${foreign[@]}"}; do
	build_foreign "$name" &
	selftest_builds+=($!)
done
for name in ${native[@]+"${native[@]}"}; do
	release=$(matrix_field "$name" 2)
	out=$RSEQDEV_BUILD/modules/$release
	tree=/lib/modules/$release/build
	source_dir_arg=()
	if [ -n "$(matrix_base "$name")" ]; then
		tree=$("$RSEQDEV_TOP/scripts/debug-kernel.sh" "$name")/build
		source_dir_arg=(--kernelsourcedir "$tree")
	fi
	[ -d "$tree" ] || die "no headers for $release: run scripts/setup-host.sh $name"
	mkdir -p "$out/selftest"

	# A kernel rebuilt with another configuration keeps its release but
	# not its symbol versions: what DKMS built against the old tree would
	# not load.
	force=()
	if [ "$(cat "$out/tree" 2>/dev/null || echo "$tree")" != "$tree" ]; then
		force=(--force)
	fi
	if [ ${#force[@]} -gt 0 ] || ! grep -qE 'built|installed' <<< "$(dkms_state "$release")"; then
		step "dkms: building rseqdev/$version for $release"
		as_root dkms build "rseqdev/$version" -k "$release" "${source_dir_arg[@]}" \
			"${force[@]}" >&2 ||
			die "dkms build failed; see $dkms_tree/rseqdev/$version/build/make.log"
	fi
	echo "$tree" > "$out/tree"
	copy_module "$dkms_tree/rseqdev/$version/$release/$(uname -m)/module" "$out/rseqdev.ko"

	if [ "$(cat "$out/selftest/hash" 2>/dev/null)" != "$hash $tree" ]; then
		build_selftest "$release" "$tree" "$out" &
		selftest_builds+=($!)
	fi
done
for pid in ${selftest_builds[@]+"${selftest_builds[@]}"}; do
	wait "$pid" || die "a module build failed (see above)"
done
