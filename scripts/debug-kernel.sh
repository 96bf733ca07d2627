#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Build a matrix kernel that is built here instead of downloaded (image
# "build:BASE" in matrix.conf; the debug-kernel lane), once per machine, and
# print the directory that holds it: vmlinuz, and build/, the tree modules
# are built against.
#
# The source is Debian's own linux-source package of exactly the version the
# stock image of BASE was built from, so that the lane differs from the
# stock kernel by its configuration only. The package is downloaded and
# unpacked into the cache, never installed: the installed linux-source-6.1
# (checkpatch's) keeps its version. The configuration is allnoconfig plus
# the entry's fragment (column 4, a file in scripts/), merged by the
# kernel's merge_config.sh; a fragment line that Kconfig dropped fails the
# build. The result is cached under $RSEQDEV_CACHE/built/RELEASE/ by source
# version and configuration hash: a second run only checks the stamp.
#
# Like a headers package, the build tree is linked as
# /lib/modules/RELEASE/build, so that DKMS, "make KVER=RELEASE" and the
# host tests find it as they find the stock kernels' headers.
#
# usage: scripts/debug-kernel.sh [NAME]   (default: the first built entry)
# environment: RSEQDEV_BUILD_JOBS (default 2: the build runs under nice and
# leaves the machine usable for VM runs)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

# Bump when the way the configuration is made changes: it is part of the
# cache key, as the fragment is.
recipe=1

name=${1:-$(awk '!/^[[:space:]]*(#|$)/ && $3 ~ /^build:/ { print $1; exit }' "$MATRIX_CONF")}
[ -n "$name" ] || die "no kernel with a 'build:' image in $MATRIX_CONF"
release=$(matrix_field "$name" 2)
base=$(matrix_base "$name")
[ -n "$base" ] || die "kernel $name is downloaded, not built (its image is not 'build:BASE')"
fragment=$RSEQDEV_TOP/scripts/$(matrix_field "$name" 4)
[ -f "$fragment" ] || die "no configuration fragment $fragment for $name"
jobs=${RSEQDEV_BUILD_JOBS:-2}

# The source version: the one BASE's image was built from. The image that
# fetch-kernel.sh cached is the one the stock runs boot, so its version
# wins over the archive's current candidate.
base_release=$(matrix_field "$base" 2)
base_package=$(matrix_field "$base" 3)
base_version=$(cat "$RSEQDEV_CACHE/kernels/$base_release/package-version" 2>/dev/null ||
	apt-cache show --no-all-versions "$base_package" 2>/dev/null | sed -n 's/^Version: //p')
[ -n "$base_version" ] || die "apt knows no $base_package (run 'apt-get update'?)"
# A signed image package names its source in Built-Using; an unsigned one
# comes from the source of its own version.
source_version=$(apt-cache show "$base_package=$base_version" 2>/dev/null |
	sed -n 's/^Built-Using:.*\blinux[-0-9.]* (= \([^)]*\)).*/\1/p' | head -n 1)
source_version=${source_version:-$base_version}
upstream=${source_version%%-*}
series=$(cut -d. -f1,2 <<< "$upstream")
source_package=linux-source-$series

# The cache key: everything the configuration and the object code depend on.
config_hash=$( { echo "recipe $recipe"; echo "release $release"; cat "$fragment"
	"${CC:-gcc}" --version | head -n 1; } | sha256sum | cut -c1-12)
dir=$RSEQDEV_CACHE/built/$release/$source_version-$config_hash
tree=$dir/build

# link_tree: the build tree as the kernel's "headers" (see the header).
link_tree() {
	[ "$(readlink "/lib/modules/$release/build" 2>/dev/null)" = "$tree" ] && return
	step "kernel $name: linking /lib/modules/$release/build to $tree"
	as_root mkdir -p "/lib/modules/$release"
	as_root ln -sfn "$tree" "/lib/modules/$release/build"
}

mkdir -p "$RSEQDEV_CACHE/built"
# One build at a time per kernel: test.sh, setup-host.sh and a hand run may
# all ask for it.
exec 9>"$RSEQDEV_CACHE/built/$release.lock"
flock 9

if [ -f "$dir/ok" ] && [ -s "$dir/vmlinuz" ]; then
	link_tree
	echo "$dir"
	exit 0
fi

step "kernel $name: building $release from $source_package $source_version" \
	"(the source of $base_package $base_version), config $config_hash"
started=$(date +%s)
ensure_packages build-essential bc bison flex libelf-dev libssl-dev kmod xz-utils

# 1. The source: Debian's tarball (Debian's patches applied) of that version.
src=$RSEQDEV_CACHE/sources/${source_package}_$source_version
if [ ! -f "$src/Makefile" ]; then
	step "kernel $name: downloading $source_package=$source_version"
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	(cd "$tmp" && apt-get download -q -o APT::Sandbox::User=root \
		"$source_package=$source_version" >&2) ||
		die "cannot download $source_package=$source_version (run 'apt-get update'; if" \
			"the archive has moved on, remove $RSEQDEV_CACHE/kernels/$base_release to" \
			"fetch the current $base_package, then build from its source)"
	deb=$(ls "$tmp"/*.deb)
	[ "$(dpkg-deb -f "$deb" Version)" = "$source_version" ] ||
		die "$deb is not version $source_version"
	step "kernel $name: unpacking the source"
	dpkg-deb --fsys-tarfile "$deb" |
		tar -xO "./usr/src/$source_package.tar.xz" > "$tmp/source.tar.xz"
	rm -rf "$src" "$src.tmp"
	mkdir -p "$src.tmp"
	tar -xJf "$tmp/source.tar.xz" -C "$src.tmp" --strip-components=1
	mv "$src.tmp" "$src"
	rm -rf "$tmp"
	trap - EXIT
fi
have=$(sed -n 's/^\(VERSION\|PATCHLEVEL\|SUBLEVEL\) = //p' "$src/Makefile" | paste -sd.)
[ "$have" = "$upstream" ] || die "$src is Linux $have, not $upstream"

# 2. The configuration. Kconfig itself builds into the output directory, so
# the source tree stays pristine and can serve other configurations.
mkdir -p "$tree"
kmake() { nice -n 10 make -C "$src" O="$tree" KERNELRELEASE="$release" "$@"; }
step "kernel $name: configuring (allnoconfig + $(basename "$fragment"))"
# merge_config.sh writes its temporary files into the current directory
# and runs make there.
(cd "$src" && ./scripts/kconfig/merge_config.sh -n -O "$tree" "$fragment") \
	> "$dir/config.log" 2>&1 || { cat "$dir/config.log" >&2; die "configuration failed"; }

# Every line of the fragment must have survived: merge_config.sh only warns
# when a dependency was missing, and the lane would then check less than it
# claims. Checked again after the build, which may rerun Kconfig.
verify_config() {
	local dropped
	dropped=$(awk '
		FNR == NR {
			if (match($0, /^CONFIG_[A-Za-z0-9_]+=/))
				have[substr($0, 1, RLENGTH - 1)] = substr($0, RLENGTH + 1)
			next
		}
		/^CONFIG_[A-Za-z0-9_]+=/ {
			sym = substr($0, 1, index($0, "=") - 1)
			want = substr($0, index($0, "=") + 1)
			if (!(sym in have) || have[sym] != want)
				print "  " sym "=" want " (have: " (sym in have ? have[sym] : "not set") ")"
		}
		/^# CONFIG_[A-Za-z0-9_]+ is not set$/ {
			if ($2 in have) print "  " $0 " (have: " have[$2] ")"
		}' "$tree/.config" "$fragment")
	[ -z "$dropped" ] || die "the configuration lacks what $(basename "$fragment") asks for:
$dropped"
}
verify_config

# 3. The kernel and what out-of-tree modules need (modules_prepare,
# Module.symvers). KERNELRELEASE on the command line names the kernel as
# Debian's own build does; include/config/kernel.release keeps the upstream
# version, as in Debian's headers packages.
step "kernel $name: compiling with $jobs jobs under nice (log: $dir/build.log)"
if ! kmake -j"$jobs" all > "$dir/build.log" 2>&1; then
	tail -n 40 "$dir/build.log" >&2
	die "kernel build failed; see $dir/build.log"
fi
verify_config
grep -qF "\"$release\"" "$tree/include/generated/utsrelease.h" ||
	die "the kernel built is not $release: $(cat "$tree/include/generated/utsrelease.h")"
[ -f "$tree/Module.symvers" ] || die "no Module.symvers in $tree"
cp "$tree/arch/x86/boot/bzImage" "$dir/vmlinuz"
echo "$source_version" > "$dir/source-version"
echo "$src" > "$dir/source-dir"
elapsed=$(($(date +%s) - started))
echo "$elapsed" > "$dir/build-seconds"
touch "$dir/ok"
step "kernel $name: built in $((elapsed / 60)) min $((elapsed % 60)) s"

# Older builds of this kernel, and sources no build uses any more, only take
# space (the build tree takes about 0.4 GB, the source tree 1.5 GB).
for old in "$RSEQDEV_CACHE/built/$release"/*; do
	[ "$old" = "$dir" ] || { step "kernel $name: removing the older build $old"; rm -rf "$old"; }
done
for s in "$RSEQDEV_CACHE/sources"/*; do
	grep -qxF "$s" "$RSEQDEV_CACHE"/built/*/*/source-dir 2>/dev/null || rm -rf "$s"
done

link_tree
echo "$dir"
