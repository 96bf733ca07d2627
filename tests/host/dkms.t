#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# DKMS from the source tree: add/build/install for every matrix kernel's
# headers (no need to run that kernel), and remove undoes all of it.
. "$(dirname "$0")/tap.sh"

# The DKMS tree is the machine's: no other run may build while this one
# installs, checks and removes (see with_build_lock).
mkdir -p "$RSEQDEV_CACHE"
exec 9>"$RSEQDEV_CACHE/build.lock"
flock 9

version=$(rseqdev_version)
mapfile -t kernels < <(test_kernels)
releases=()
for k in "${kernels[@]}"; do releases+=("$(matrix_field "$k" 2)"); done

"$RSEQDEV_TOP/scripts/dkms-install.sh" "${releases[@]}" >/dev/null 2>&1
is "$?" 0 "dkms add, build and install for ${releases[*]}"

for release in "${releases[@]}"; do
	like "$(dkms_state "$release")" "rseqdev/$version, $(re_escape "$release"), [^:]*: installed" \
		"$release: dkms status says installed"
	file=$(find "/lib/modules/$release" -name 'rseqdev.ko*' | head -n 1)
	ok "$release: module file installed ($file)" test -n "$file"
	like "$(modinfo -F vermagic "$file" 2>&1)" "^$(re_escape "$release") " "$release: vermagic matches the kernel"
	is "$(modinfo -F version "$file" 2>&1)" "$version" "$release: module version $version"
	is "$(modinfo -F license "$file" 2>&1)" "GPL" "$release: GPL license"
done

"$RSEQDEV_TOP/scripts/dkms-install.sh" --remove >/dev/null 2>&1
is "$?" 0 "dkms remove"
is "$(dkms status rseqdev 2>&1)" "" "dkms knows no rseqdev afterwards"
for release in "${releases[@]}"; do
	is "$(find "/lib/modules/$release" -name 'rseqdev.ko*')" "" "$release: module file gone"
done
ok "source copy in /usr/src gone" test ! -e "/usr/src/rseqdev-$version"
done_testing
