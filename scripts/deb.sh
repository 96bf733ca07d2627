#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Build the Debian packages (rseqdev-dkms, librseqdev0, librseqdev-dev,
# rseqdev-tools) with Debian's tooling: dpkg-buildpackage, debhelper, dh-dkms.
#
# The build runs in a copy of the source, $RSEQDEV_BUILD/deb/rseqdev-VERSION/,
# never in the tree itself: other runs use the tree's build/ at the same
# time, and dpkg-buildpackage cleans and writes where it builds. The copy
# holds what "git ls-files" lists, as it is on disk (uncommitted changes
# included), and the files git does not ignore that are not added yet, so
# that it builds what "make" in the tree would. The packages land in
# $RSEQDEV_BUILD/deb/; this prints their paths, one a line.
#
# usage: scripts/deb.sh [--arch ARCH]
#   --arch ARCH   the Debian architecture to build for: the host's own (the
#                 default) or, cross-compiled, another that debian/control
#                 lists (arm64 on x86-64: "make deb-arm64"). Another
#                 architecture's packages land in $RSEQDEV_BUILD/deb-ARCH/,
#                 so that both sets can be there at once.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

host_arch=$(dpkg --print-architecture)
arch=$host_arch
while [ $# -gt 0 ]; do
	case "$1" in
	--arch) arch=${2:?--arch needs an architecture}; shift 2 ;;
	*) die "unknown argument '$1' (see the header of $0)" ;;
	esac
done

ensure_packages dpkg-dev debhelper dh-dkms dkms fakeroot build-essential
out=$RSEQDEV_BUILD/deb
build=(dpkg-buildpackage -us -uc -b)
if [ "$arch" != "$host_arch" ]; then
	# dpkg-buildpackage would build the "all" package alone for an
	# architecture that no binary package lists: say so instead.
	grep -qE "^Architecture:.* $(re_escape "$arch")( |\$)" "$RSEQDEV_TOP/debian/control" ||
		die "debian/control builds no package for $arch"
	ensure_foreign_arch "$arch" libc6
	mapfile -t packages < <(deb_cross_packages "$arch")
	ensure_packages "${packages[@]}"
	out=$RSEQDEV_BUILD/deb-$arch
	# Debian's cross build: dpkg-architecture gives debian/rules the
	# host architecture's GNU type; the cross profile says it is a cross
	# build, nocheck that nothing built is to run (dh wants nocheck in
	# DEB_BUILD_OPTIONS too); dpkg-buildpackage warns unless CC builds
	# for that type.
	build=(env "CC=$(deb_gnu_type "$arch")-gcc" "DEB_BUILD_OPTIONS=${DEB_BUILD_OPTIONS:+$DEB_BUILD_OPTIONS }nocheck"
		"${build[@]}" --host-arch "$arch" "-Pcross,nocheck")
fi

version=$(rseqdev_version)
[ -n "$version" ] || die "no PACKAGE_VERSION in dkms.conf"
changelog=$(dpkg-parsechangelog -l "$RSEQDEV_TOP/debian/changelog" -S Version)
[ "$changelog" = "$version" ] ||
	die "debian/changelog is at $changelog but dkms.conf at $version: add a changelog entry (dch -v $version)"

src=$out/rseqdev-$version
git -C "$RSEQDEV_TOP" rev-parse --git-dir >/dev/null 2>&1 ||
	die "$RSEQDEV_TOP is not a git checkout: the copy is made from git's list of files"

step "deb: copying the sources to $src"
rm -rf "$out"
mkdir -p "$src"
# A tracked file deleted on disk is not part of what is built.
(cd "$RSEQDEV_TOP" && git ls-files -z --cached --others --exclude-standard |
	while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done |
	tar --null -T - -cf -) | tar -xf - -C "$src"

step "deb: dpkg-buildpackage for $arch (log: $out/build.log)"
if ! (cd "$src" && "${build[@]}") > "$out/build.log" 2>&1; then
	tail -n 40 "$out/build.log" >&2
	die "dpkg-buildpackage failed; see $out/build.log"
fi

for p in rseqdev-dkms librseqdev0 librseqdev-dev rseqdev-tools; do
	deb=$(ls "$out/${p}_${version}_"*.deb 2>/dev/null) || die "dpkg-buildpackage made no $p package"
	echo "$deb"
done
