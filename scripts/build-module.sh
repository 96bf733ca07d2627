#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Build the module for matrix kernels the way users do, through DKMS, and
# the test-only variant (CONFIG_RSEQDEV_SELFTEST) with plain Kbuild. The
# results land in build/modules/RELEASE/{rseqdev.ko,selftest/rseqdev.ko}.
# A kernel built here ("build:BASE" in matrix.conf) is built first if need
# be, and DKMS is pointed at its build tree (--kernelsourcedir).
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
# The stamp is machine-wide, or a checkout whose sources did not change
# would build what another checkout added since.
stamp=$RSEQDEV_DKMS_STAMP

# Re-add the DKMS source whenever it changed; that also drops stale builds.
if [ "$(cat "$stamp" 2>/dev/null)" != "$hash" ] || [ -z "$(dkms_state)" ]; then
	step "dkms: adding rseqdev/$version"
	[ -z "$(dkms_state)" ] || as_root dkms remove "rseqdev/$version" --all >&2
	as_root dkms add --force "$stage" >&2
	echo "$hash" > "$stamp"
fi

# build_selftest RELEASE TREE OUT: the selftest variant, with plain
# Kbuild in a tree of its own, so it runs beside the DKMS builds (which
# share DKMS's build directory and so take turns).
build_selftest() {
	local src=$RSEQDEV_BUILD/selftest-src/$1
	step "kbuild: building the selftest variant for $1"
	stage_sources "$src"
	make -s -C "$2" M="$src" CONFIG_RSEQDEV_SELFTEST=y modules >&2
	cp "$src/module/rseqdev.ko" "$3/selftest/"
	echo "$hash $2" > "$3/selftest/hash"
}

selftest_builds=()
for name in "$@"; do
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
	wait "$pid" || die "a selftest build failed (see above)"
done
