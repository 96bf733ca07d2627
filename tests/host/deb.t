#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The Debian packages ("make deb"), installed on this host as a user would:
#  - dpkg-buildpackage builds the four, at dkms.conf's version, and lintian
#    finds no error in them (warnings are shown as comments);
#  - the same cross-built for arm64 ("make deb-arm64"), which this host
#    cannot install: their ELF files are AArch64's, librseqdev.so.0
#    exports what debian/librseqdev0.symbols lists, their files are the
#    host's packages' (multiarch triplet aside), and a program built
#    against them runs under QEMU's user-mode emulation;
#  - the manual pages the tree has are in the package of their section;
#  - "dpkg -i" of the four builds and installs the module through DKMS (the
#    package's postinst) for every matrix kernel's headers;
#  - a program built with "pkg-config --cflags --libs rseqdev", dynamically
#    and statically, links and runs as the library documents without the
#    device; rseqctl runs from /usr/bin, the shim loads from its path;
#  - "dpkg --purge" leaves nothing: no package, no file of theirs, no DKMS
#    state, no source in /usr/src, no module file.
# DKMS state is the machine's: what DKMS had of rseqdev (another tree's
# "make dkms-install", the guests' builds) is set aside first and put back
# at the end as it was, also when a check fails or the run is interrupted.
. "$(dirname "$0")/tap.sh"

# qemu-user runs the arm64 program of section 1b.
ensure_packages lintian pkg-config build-essential qemu-user
version=$(rseqdev_version)
arch=$(dpkg --print-architecture)
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
packages=(rseqdev-dkms librseqdev0 librseqdev-dev rseqdev-tools)
mapfile -t kernels < <(test_kernels)
releases=()
for k in "${kernels[@]}"; do releases+=("$(matrix_field "$k" 2)"); done
work=$(mktemp -d)

trap 'rm -rf "$work"' EXIT

# build_debs TARGET ARCH ARRAY: "make TARGET" builds the four packages,
# at dkms.conf's version, for ARCH (the DKMS source for all), and lintian
# finds no error in them (warnings are shown as comments); ARRAY gets their
# paths, in the order of $packages.
build_debs() {
	local target=$1 arch=$2 p deb want changes
	local -n into=$3
	into=()
	make -s -C "$RSEQDEV_TOP" "$target" > "$work/$target.list" 2> "$work/$target.log"
	is "$?" 0 "make $target" || sed 's/^/#   /' "$work/$target.log" | tail -n 30
	for p in "${packages[@]}"; do
		deb=$(grep -E "/${p}_[^/]*\.deb\$" "$work/$target.list")
		ok "$p ($arch) is built" test -f "$deb"
		is "$(dpkg-deb -f "$deb" Version 2>&1)" "$version" "$p ($arch): version $version, as dkms.conf says"
		want=$arch
		[ "$p" != rseqdev-dkms ] || want=all
		is "$(dpkg-deb -f "$deb" Architecture 2>&1)" "$want" "$p ($arch): Architecture $want"
		into+=("$deb")
	done
	changes=$(dirname "${into[0]}")/rseqdev_${version}_$arch.changes
	ok "the .changes ($arch) lists the .buildinfo" grep -q "rseqdev_${version}_$arch\.buildinfo" "$changes"
	# lintian over the .changes checks the packages and the .buildinfo it lists.
	lintian "$changes" > "$work/lintian-$arch" 2>&1
	is "$(grep '^E:' "$work/lintian-$arch")" "" "lintian ($arch): no errors"
	grep -E '^[WE]:' "$work/lintian-$arch" | sed "s/^/# lintian ($arch): /"
}

# 1. The build.
debs=()
build_debs deb "$arch" debs

# What each package must hold, and where.
contents() { dpkg-deb -c "$1" | awk '{ print $6 }' | sed 's|^\./|/|'; }
has() { # DEB PATH-ERE DESC
	like "$(contents "$1")" "$2" "$3"
}
has "${debs[0]}" "^/usr/src/rseqdev-$(re_escape "$version")/dkms\.conf\$" "rseqdev-dkms: dkms.conf"
has "${debs[0]}" "^/usr/src/rseqdev-$(re_escape "$version")/module/compat/arch_arm64\.c\$" \
	"rseqdev-dkms: the module's sources"
has "${debs[0]}" "^/usr/src/rseqdev-$(re_escape "$version")/uapi/linux/rseqdev\.h\$" "rseqdev-dkms: the uapi header"
like "$(dpkg-deb -I "${debs[0]}" postinst 2>&1)" "common\.postinst" "rseqdev-dkms: the postinst hands over to DKMS"
has "${debs[1]}" "^/usr/lib/$multiarch/librseqdev\.so\.0\$" "librseqdev0: librseqdev.so.0"
like "$(dpkg-deb -I "${debs[1]}" symbols 2>&1)" "^ rseqdev_query@Base " "librseqdev0: a symbols file"
has "${debs[2]}" "^/usr/lib/$multiarch/pkgconfig/rseqdev\.pc\$" "librseqdev-dev: rseqdev.pc"
has "${debs[2]}" "^/usr/lib/$multiarch/librseqdev\.a\$" "librseqdev-dev: the static library"
has "${debs[2]}" "^/usr/include/linux/rseqdev\.h\$" "librseqdev-dev: <linux/rseqdev.h>"
has "${debs[3]}" "^/usr/bin/rseqctl\$" "rseqdev-tools: rseqctl"
has "${debs[3]}" "^/usr/lib/$multiarch/rseqdev/librseqdev-preload\.so\$" "rseqdev-tools: the preload shim"

# Every manual page "make install" installs is in the package of its
# section: the device's (4) with the module, the library's (3) with the
# headers, the rest (1, 7, 8) with the tools.
make -s -C "$RSEQDEV_TOP/userspace" O="$work/userspace" install DESTDIR="$work/root" PREFIX=/usr \
	> "$work/install.log" 2>&1
is "$?" 0 "make install into a scratch root (for its list of manual pages)"
pages=0
while read -r page; do
	[ -n "$page" ] || continue
	pages=$((pages + 1))
	case "$page" in
	*/man4/*) deb=${debs[0]} ;;
	*/man3/*) deb=${debs[2]} ;;
	*) deb=${debs[3]} ;;
	esac
	name=${page#"$work/root"}
	ok "$(basename "$deb" | cut -d_ -f1): $name" grep -qxE "$(re_escape "$name")(\.gz)?" <(contents "$deb")
done <<< "$(find "$work/root/usr/share/man" -type f 2>/dev/null | sort)"
echo "# $pages manual pages installed by make install"

# The program sections 1b and 3 build, against the arm64 packages and the
# installed ones.
cat > "$work/prog.c" <<'EOF'
/* Without the device, as documented in <rseqdev/rseqdev.h>. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <rseqdev/rseqdev.h>

int main(void)
{
	struct rseqdev_query query;

	if (rseqdev_device_fd() != -1 || errno != ENOENT)
		return 2;
	memset(&query, 0, sizeof(query));
	if (rseqdev_query(&query) != -1 || errno != ENOENT)
		return 3;
	printf("%s %s\n", rseqdev_version(), rseqdev_device_path());
	return 0;
}
EOF

# 1b. The arm64 packages, cross-built on this x86-64 host ("make
# deb-arm64"): what can be checked of them without an arm64 machine. The
# guests of "make test-arm64" run the library itself.
cross_arch=arm64
gnu=$(deb_gnu_type "$cross_arch")
cross_multiarch=$(dpkg-architecture -a"$cross_arch" -qDEB_HOST_MULTIARCH 2>/dev/null)
cross_debs=()
build_debs deb-arm64 "$cross_arch" cross_debs

# elf_files DIR: "PATH: MACHINE" for each ELF file under DIR, a static
# library's members (one line a machine they are built for) included.
elf_files() {
	local f
	find "$1" -type f -print0 | sort -z | while IFS= read -r -d '' f; do
		LC_ALL=C readelf -h "$f" 2>/dev/null | sed -n 's/^ *Machine: *//p' | sort -u |
			sed "s|^|${f#"$1"}: |"
	done
}
for i in 1 2 3; do
	p=${packages[$i]}
	rm -rf "$work/unpacked"
	dpkg-deb -x "${cross_debs[$i]}" "$work/unpacked"
	elves=$(elf_files "$work/unpacked")
	ok "$p ($cross_arch): holds ELF files" test -n "$elves"
	is "$(grep -v ": $(elf_machine "$cross_arch")\$" <<< "$elves")" "" \
		"$p ($cross_arch): each of its $(wc -l <<< "$elves") ELF files is for $(elf_machine "$cross_arch")"
done

# Exactly what debian/librseqdev0.symbols lists, as the arm64 library's
# dynamic symbol table has it (not only as dpkg-gensymbols saw it).
rm -rf "$work/unpacked"
dpkg-deb -x "${cross_debs[1]}" "$work/unpacked"
exports=$("$gnu-nm" -D --defined-only --format=posix "$work/unpacked/usr/lib/$cross_multiarch/librseqdev.so.0" |
	awk '{ print $1 }' | sort)
listed=$(sed -n 's/^ \([^ @]*\)@Base .*/\1/p' "$RSEQDEV_TOP/debian/librseqdev0.symbols" | sort)
ok "librseqdev0 ($cross_arch): librseqdev.so.0 exports symbols" test -n "$exports"
is "$(diff <(echo "$listed") <(echo "$exports"))" "" \
	"librseqdev0 ($cross_arch): exactly the $(wc -l <<< "$listed") of debian/librseqdev0.symbols"

# The same files as the host's packages, in the multiarch directory of
# their own architecture.
for i in "${!packages[@]}"; do
	is "$(diff <(contents "${debs[$i]}" | sed "s|/$multiarch/|/TRIPLET/|g") \
		<(contents "${cross_debs[$i]}" | sed "s|/$cross_multiarch/|/TRIPLET/|g"))" "" \
		"${packages[$i]} ($cross_arch): the files of the $arch package, /$cross_multiarch/ for /$multiarch/"
done

# The program of section 3, cross-built against the arm64 -dev package
# through its own rseqdev.pc (pkg-config with the unpacked packages as its
# sysroot), runs under QEMU's user-mode emulation: the static one alone,
# the dynamic one with the cross C library and the packaged librseqdev.so.0.
root=$work/$cross_arch-root
for i in 1 2; do dpkg-deb -x "${cross_debs[$i]}" "$root"; done
cross_pkg_config() {
	PKG_CONFIG_SYSROOT_DIR=$root PKG_CONFIG_LIBDIR=$root/usr/lib/$cross_multiarch/pkgconfig pkg-config "$@"
}
# shellcheck disable=SC2046 # pkg-config's output is a list of flags
"$gnu-gcc" -Wall -Werror -o "$work/prog-$cross_arch" "$work/prog.c" \
	$(cross_pkg_config --cflags --libs rseqdev) 2> "$work/cc.log"
is "$?" 0 "an $cross_arch program builds with the package's rseqdev.pc" || sed 's/^/#   /' "$work/cc.log"
like "$(readelf -d "$work/prog-$cross_arch" 2>&1)" "NEEDED.*\[librseqdev\.so\.0\]" "it needs librseqdev.so.0"
# shellcheck disable=SC2046
"$gnu-gcc" -Wall -Werror -static -o "$work/prog-$cross_arch-static" "$work/prog.c" \
	$(cross_pkg_config --static --cflags --libs rseqdev) 2> "$work/cc.log"
is "$?" 0 "and statically" || sed 's/^/#   /' "$work/cc.log"
for prog in "prog-$cross_arch" "prog-$cross_arch-static"; do
	out=$("qemu-${gnu%%-*}" -L "/usr/$gnu" -E "LD_LIBRARY_PATH=$root/usr/lib/$cross_multiarch" \
		-E "RSEQDEV_DEVICE=$work/no-device" "$work/$prog" 2>&1)
	is "$?" 0 "$prog runs under qemu-${gnu%%-*}: no device, ENOENT from the device and the query"
	is "$out" "$version $work/no-device" "$prog: version and device path"
done

# The DKMS tree is the machine's: from here on no other run may build
# (see with_build_lock, and dkms.t). Building the packages above needs no
# lock: it happens in build/deb/ only.
mkdir -p "$RSEQDEV_CACHE"
exec 9>"$RSEQDEV_CACHE/build.lock"
flock 9

# installed PACKAGE...: those of the packages dpkg has in any state but
# "not installed" (half-installed and config-files count: purge removes them).
installed() {
	dpkg-query -W -f='${Package} ${db:Status-Abbrev}\n' "$@" 2>/dev/null |
		awk '$2 !~ /^.n/ { print $1 }'
}

# A developer's own installation of the packages is not the test's to
# remove: the test fails instead, and leaves it and DKMS alone.
before=$(installed "${packages[@]}" | paste -sd' ')
is "$before" "" "none of the packages is installed beforehand"
if [ -n "$before" ]; then
	rm -rf "$work"
	done_testing
fi

# What DKMS has of rseqdev before the test: a tree's "make dkms-install"
# (installed), or scripts/build-module.sh's builds for the guests (built),
# which build-module.sh takes again as they are. The packages replace it
# while the test runs; the source DKMS had and its DKMS tree are copied
# aside and put back at the end as they were (no rebuild), and the module
# is installed again for the kernels it was installed for.
dkms_tree=$(. /etc/dkms/framework.conf 2>/dev/null; echo "${dkms_tree:-/var/lib/dkms}")
saved=$work/dkms-saved
reinstall=()
while read -r line; do
	[[ $line =~ ^rseqdev/[^,]+,\ ([^,]+),.*:\ installed ]] && reinstall+=("${BASH_REMATCH[1]}")
done <<< "$(dkms_state)"

# cleanup: also after a failed or interrupted run: no package left, DKMS
# as it was found.
cleanup() {
	local left release
	left=$(installed "${packages[@]}")
	# shellcheck disable=SC2086 # one package name a word
	[ -z "$left" ] || as_root dpkg --purge $left >&2 || true
	[ -z "$(dkms_state)" ] || as_root dkms remove "rseqdev/$version" --all >&2 || true
	if [ -d "$saved" ]; then
		step "deb.t: putting back what DKMS had of rseqdev/$version"
		as_root rm -rf "/usr/src/rseqdev-$version" "$dkms_tree/rseqdev"
		[ ! -d "$saved/src" ] || as_root cp -a "$saved/src" "/usr/src/rseqdev-$version"
		[ ! -d "$saved/tree" ] || as_root cp -a "$saved/tree" "$dkms_tree/rseqdev"
		for release in ${reinstall[@]+"${reinstall[@]}"}; do
			as_root dkms install "rseqdev/$version" -k "$release" >&2 ||
				echo "rseqdev: deb.t could not install rseqdev/$version for $release again" >&2
		done
	fi
	as_root rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

if [ -n "$(dkms_state)" ] || [ -e "/usr/src/rseqdev-$version" ]; then
	mkdir -p "$saved"
	[ ! -d "/usr/src/rseqdev-$version" ] || as_root cp -a "/usr/src/rseqdev-$version" "$saved/src"
	[ ! -d "$dkms_tree/rseqdev" ] || as_root cp -a "$dkms_tree/rseqdev" "$saved/tree"
	as_root dkms remove "rseqdev/$version" --all >/dev/null 2>&1
	as_root rm -rf "/usr/src/rseqdev-$version"
	is "$(dkms_state)" "" "what DKMS had of rseqdev is set aside (put back at the end)"
fi

# 2. Installation: DKMS builds the module for every kernel with headers.
for release in "${releases[@]}"; do
	ok "$release: headers present" test -d "/lib/modules/$release/build"
done
as_root dpkg -i "${debs[@]}" > "$work/dpkg-i.log" 2>&1
is "$?" 0 "dpkg -i of the four packages" || sed 's/^/#   /' "$work/dpkg-i.log" | tail -n 30
# Debian's DKMS postinst builds for every kernel under /lib/modules when the
# running one has no directory there (a container, a VM with a kernel of
# its own: this machine and CI's); on a host whose running kernel is
# installed it builds for that kernel and the newest only, and the others
# get the module from "dkms autoinstall" as their headers' hook runs it.
if [ -d "/lib/modules/$(uname -r)" ]; then
	for release in "${releases[@]}"; do
		[[ $(dkms_state "$release") == *": installed"* ]] ||
			as_root dkms autoinstall -k "$release" >> "$work/dpkg-i.log" 2>&1
	done
fi
for release in "${releases[@]}"; do
	like "$(dkms_state "$release")" "rseqdev/$(re_escape "$version"), $(re_escape "$release"), [^:]*: installed" \
		"$release: dkms status says installed"
	file=$(find "/lib/modules/$release" -name 'rseqdev.ko*' 2>/dev/null | head -n 1)
	ok "$release: module file installed ($file)" test -n "$file"
	like "$(modinfo -F vermagic "$file" 2>&1)" "^$(re_escape "$release") " "$release: vermagic matches the kernel"
	is "$(modinfo -F version "$file" 2>&1)" "$version" "$release: module version $version"
done

# 3. Building against the installed library.
is "$(pkg-config --modversion rseqdev 2>&1)" "$version" "pkg-config knows rseqdev $version"
# shellcheck disable=SC2046 # pkg-config's output is a list of flags
cc -Wall -Werror -o "$work/prog" "$work/prog.c" $(pkg-config --cflags --libs rseqdev) 2> "$work/cc.log"
is "$?" 0 "a program builds with pkg-config --cflags --libs rseqdev" || sed 's/^/#   /' "$work/cc.log"
like "$(readelf -d "$work/prog" 2>&1)" "NEEDED.*\[librseqdev\.so\.0\]" "it needs librseqdev.so.0"
# (/lib is /usr/lib on a merged-/usr system: ld.so may name either.)
like "$(ldd "$work/prog" 2>&1)" "librseqdev\.so\.0 => (/usr)?/lib/$multiarch/librseqdev\.so\.0 " \
	"which resolves to the packaged library"
# shellcheck disable=SC2046
cc -Wall -Werror -static -o "$work/prog-static" "$work/prog.c" $(pkg-config --static --cflags --libs rseqdev) \
	2> "$work/cc.log"
is "$?" 0 "and statically with pkg-config --static" || sed 's/^/#   /' "$work/cc.log"
is "$(readelf -d "$work/prog-static" 2>&1 | grep -c NEEDED)" 0 "the static one needs no shared library"
for prog in prog prog-static; do
	out=$(RSEQDEV_DEVICE=$work/no-device "$work/$prog" 2>&1)
	is "$?" 0 "$prog runs: no device, ENOENT from the device and the query"
	is "$out" "$version $work/no-device" "$prog: version and device path"
done

# 4. The tools.
is "$(/usr/bin/rseqctl --version 2>&1)" "rseqctl $version" "rseqctl --version from /usr/bin"
like "$(/usr/bin/rseqctl --help 2>&1)" "^usage: rseqctl " "rseqctl --help"
# ld.so expands $LIB to the multiarch directory; the man page's path.
LD_PRELOAD="/usr/\$LIB/rseqdev/librseqdev-preload.so" /bin/true 2> "$work/preload.log"
is "$?" 0 "the shim loads from /usr/\$LIB/rseqdev/"
is "$(grep -c 'cannot be preloaded' "$work/preload.log")" 0 "and ld.so finds it there"

# 5. Purge: nothing is left.
for p in "${packages[@]}"; do dpkg -L "$p"; done 2>/dev/null | sort -u > "$work/files"
as_root dpkg --purge "${packages[@]}" > "$work/purge.log" 2>&1
is "$?" 0 "dpkg --purge of the four" || sed 's/^/#   /' "$work/purge.log" | tail -n 30
is "$(installed "${packages[@]}")" "" "dpkg lists none of them"
is "$(as_root dkms status rseqdev 2>&1)" "" "dkms knows no rseqdev"
ok "no DKMS tree for rseqdev" test ! -e /var/lib/dkms/rseqdev
is "$(compgen -G '/usr/src/rseqdev-*')" "" "no source in /usr/src"
is "$(find /lib/modules -name 'rseqdev.ko*' 2>/dev/null)" "" "no rseqdev.ko under /lib/modules"
left=$(while read -r f; do
	if [ -L "$f" ] || { [ -e "$f" ] && [ ! -d "$f" ]; }; then echo "$f"; fi
done < "$work/files")
is "$left" "" "none of the $(wc -l < "$work/files") paths the packages listed is left (directories aside)"
done_testing
