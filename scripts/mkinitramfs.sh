#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Pack busybox, the module builds for one kernel, the tools and the tests
# into an initramfs for the test VM.
#
# usage: scripts/mkinitramfs.sh [--arch ARCH] RELEASE PLAN OUTPUT [VARIANT...]
#
# --arch arm64 packs the arm64 builds (scripts/lib.sh, userspace_dir),
# Debian's arm64 busybox-static and trace-cmd (and gdb-minimal for a plan
# that runs gdb), the kernel's virtio modules for the result channel
# (loaded by guest-init.sh from /lib/modules/boot/), and the arm64 loader
# and libraries of everything dynamically linked, from the cross libc
# (libc6-arm64-cross) and the tools' packages.
#
# Each VARIANT (a user-space build in build/variants/, see build_variant in
# lib.sh) adds its library-facing test programs and its preload shim under
# /variants/VARIANT/, for tests/vm/builds.sh.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

arch=x86_64
if [ "${1-}" = --arch ]; then
	arch=$2
	shift 2
fi
release=${1:?usage: mkinitramfs.sh [--arch ARCH] RELEASE PLAN OUTPUT}
plan=${2:?plan file}
output=${3:?output file}
shift 3
modules=$RSEQDEV_BUILD/modules/$release
userspace=$(userspace_dir "$arch")

[ -f "$modules/rseqdev.ko" ] || die "no module for $release: run scripts/build-module.sh"
[ -x "$userspace/tools/rseqctl" ] || die "userspace not built for $arch (build_userspace in lib.sh)"

# The programs tests/vm/builds.sh runs for each build variant.
VARIANT_TESTS="cpu_op_test percpu_ops_test percpu_stress singlestep_test"

# The modules that guest-init.sh loads before anything else, where the
# kernel has them as modules: the arm64 guests' result channel is a
# virtio console on PCI (virtio_pci and virtio_console are built into
# 6.12, modules in 6.1).
BOOT_MODULES_arm64="virtio_pci virtio_console"

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
# mktemp made it 0700; as the guest's / it must let unprivileged tests in.
chmod 755 "$root"
mkdir -p "$root"/{bin,dev,proc,sys,tmp,usr/bin,lib/modules/selftest,tests}
if [ "$arch" = x86_64 ]; then
	cp /bin/busybox "$root/bin/busybox"
else
	cp "$(foreign_package_dir "$arch" busybox-static)/bin/busybox" "$root/bin/busybox"
fi
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
# host's glibc runtime, at the paths ldd reports, where the loader looks
# (another architecture's: copy_foreign_libraries).
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
# copy_foreign_libraries: for every dynamically linked file of the image,
# its loader and the libraries it needs, transitively, found in the cross
# libc (/usr/$triplet/lib) or the unpacked packages of $libdirs, placed where
# the guest's loader looks: the loader at its PT_INTERP path, the
# libraries in /lib/$triplet.
copy_foreign_libraries() {
	local triplet readelf f name dir found interp pending copied=" "
	triplet=$(cross_compile "$arch")
	triplet=${triplet%-}
	readelf=${triplet}-readelf
	mkdir -p "$root/lib/$triplet"
	mapfile -t pending < <(find "$root" -type f -perm -u+x -o -type f -name '*.so*' | sort)
	while [ ${#pending[@]} -gt 0 ]; do
		f=${pending[0]}
		pending=("${pending[@]:1}")
		[ "$(head -c 4 "$f" | od -An -c | tr -d ' ')" = 177ELF ] || continue
		interp=$("$readelf" -lW "$f" | sed -n 's/.*Requesting program interpreter: \(.*\)]/\1/p')
		if [ -n "$interp" ] && [ ! -e "$root$interp" ]; then
			mkdir -p "$root$(dirname "$interp")"
			cp -L "/usr/$triplet/lib/$(basename "$interp")" "$root$interp"
		fi
		for name in $("$readelf" -dW "$f" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
			case "$copied" in *" $name "*) continue ;; esac
			copied="$copied$name "
			found=
			for dir in "/usr/$triplet/lib" ${libdirs[@]+"${libdirs[@]/%//lib/$triplet}"} \
				   ${libdirs[@]+"${libdirs[@]/%//usr/lib/$triplet}"}; do
				if [ -e "$dir/$name" ]; then found=$dir/$name; break; fi
			done
			[ -n "$found" ] || die "$arch: no library $name (needed by ${f#"$root"}) in the cross libc or the tools' packages"
			cp -L "$found" "$root/lib/$triplet/$name"
			pending+=("$root/lib/$triplet/$name")
		done
	done
}

# Boot modules: $BOOT_MODULES_<arch>, those the kernel has as modules,
# with their dependencies first, uncompressed, numbered in load order
# into /lib/modules/boot/.
kmods=$RSEQDEV_CACHE/kernels/$release/modules
boot_modules_var=BOOT_MODULES_$arch
n=0
# add_boot_module NAME: NAME after its dependencies, once.
add_boot_module() {
	local file dep
	ls "$root/lib/modules/boot/"*"-$1.ko" >/dev/null 2>&1 && return 0
	grep -qE "/$1\.ko(\.[a-z]+)?\$" "$kmods/modules.builtin" && return 0
	file=$(find "$kmods/kernel" -name "$1.ko" -o -name "$1.ko.xz" -o -name "$1.ko.zst" | head -n 1)
	[ -n "$file" ] || die "kernel $release has no module $1 (in $kmods)"
	for dep in $(modinfo -F depends "$file" | tr , ' '); do add_boot_module "$dep"; done
	n=$((n + 1))
	mkdir -p "$root/lib/modules/boot"
	case "$file" in
	*.xz) xz -dc "$file" ;;
	*.zst) zstd -qdc "$file" ;;
	*) cat "$file" ;;
	esac > "$root/lib/modules/boot/$(printf %02d $n)-$1.ko"
}
for m in ${!boot_modules_var-}; do add_boot_module "$m"; done

if [ "$arch" = x86_64 ]; then
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
else
	# The guest's tools come from Debian's packages for the guest's
	# architecture, their libraries with them (libc's are the cross libc's).
	libdirs=()
	# (gdb-minimal's closure is 49 packages, 20 MB, through libdebuginfod's
	# libcurl; packed only for a plan that runs gdb, as on x86-64.)
	tools=$(foreign_package_dir "$arch" $(foreign_closure "$arch" trace-cmd))
	cp "$tools/usr/bin/trace-cmd" "$root/usr/bin/"
	libdirs+=("$tools")
	if grep -qE 'gdb|demo' "$plan"; then
		tools=$(foreign_package_dir "$arch" $(foreign_closure "$arch" gdb-minimal))
		cp "$tools/usr/bin/gdb" "$root/usr/bin/gdb"
		libdirs+=("$tools")
	fi
	copy_foreign_libraries
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
