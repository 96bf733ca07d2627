# SPDX-License-Identifier: GPL-2.0-only
# Shared shell helpers for the scripts in this directory. Source it; do not run it.

RSEQDEV_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RSEQDEV_CACHE=${RSEQDEV_CACHE:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/rseqdev}
RSEQDEV_BUILD=${RSEQDEV_BUILD:-$RSEQDEV_TOP/build}
# Which sources the machine's DKMS tree holds, as build-module.sh added
# them: machine-wide like that tree, shared by every checkout.
RSEQDEV_DKMS_STAMP=$RSEQDEV_CACHE/dkms-added.hash
MATRIX_CONF=${MATRIX_CONF:-$RSEQDEV_TOP/scripts/matrix.conf}

# Progress goes to stderr so that it never mixes with TAP on stdout.
step() { printf '[rseqdev %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf 'rseqdev: error: %s\n' "$*" >&2; exit 1; }

# Run as root, or through sudo when we are not.
as_root() {
	if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# matrix_names: the kernel names of the default matrix, in file order
# (without the entries marked "on-request", which run only when named).
matrix_names() {
	awk '!/^[[:space:]]*(#|$)/ { for (i = 5; i <= NF; i++) if ($i == "on-request") next
		print $1 }' "$MATRIX_CONF"
}

# matrix_latest_names: the entries that follow the archive ("latest").
matrix_latest_names() {
	awk '!/^[[:space:]]*(#|$)/ && $2 == "latest" { print $1 }' "$MATRIX_CONF"
}

# matrix_raw NAME COLUMN: one column as written in the file.
matrix_raw() {
	awk -v n="$1" -v c="$2" '!/^[[:space:]]*(#|$)/ && $1 == n { print $c; found = 1 }
		END { exit !found }' "$MATRIX_CONF" || die "kernel '$1' is not in $MATRIX_CONF"
}

# matrix_field NAME COLUMN: one column (2 = release, 3 = image, 4 = headers),
# with a "latest" entry resolved to the archive's newest ABI.
matrix_field() {
	local release image headers
	if [ "$(matrix_raw "$1" 2)" != latest ] || [ "$2" -lt 2 ] || [ "$2" -gt 4 ]; then
		matrix_raw "$1" "$2"
		return
	fi
	read -r release image headers < <(latest_kernel "$1") || exit 1
	case "$2" in 2) echo "$release" ;; 3) echo "$image" ;; 4) echo "$headers" ;; esac
}

# latest_kernel NAME: "RELEASE IMAGE HEADERS" of a "latest" entry, whose
# image column is SERIES:FLAVOUR (6.12:cloud-amd64): the newest ABI of that
# series and flavour that the archive serves. Looked up once per suite run
# (scripts/test.sh clears the answers); a newest image whose headers the
# archive lacks is an error naming the package, never an older kernel.
latest_kernel() {
	local answer=$RSEQDEV_BUILD/latest/$1 spec series flavour pattern image release
	if [ ! -s "$answer" ]; then
		spec=$(matrix_raw "$1" 3)
		series=${spec%%:*}
		flavour=${spec#*:}
		# 6.1's ABIs are 6.1.0-N, 6.12's 6.12.N+debM.
		pattern="^linux-image-$(re_escape "$series")(\.0-[0-9]+|\.[0-9]+\+deb[0-9]+)-$(re_escape "$flavour")\$"
		image=$(apt-cache pkgnames "linux-image-$series" | grep -E "$pattern" | sort -V | tail -n 1)
		[ -n "$image" ] || die "kernel $1: the archive serves no package matching $pattern (run 'apt-get update'?)"
		release=${image#linux-image-}
		apt-cache show --no-all-versions "linux-headers-$release" >/dev/null 2>&1 ||
			die "kernel $1: the newest image is $image, but the archive has no linux-headers-$release"
		mkdir -p "$(dirname "$answer")"
		echo "$release $image linux-headers-$release" > "$answer"
	fi
	cat "$answer"
}

# matrix_option NAME KEY [DEFAULT]: the value of a "KEY=VALUE" option of the
# entry (columns 5 on), or DEFAULT.
matrix_option() {
	matrix_raw "$1" 1 >/dev/null
	awk -v n="$1" -v k="$2" -v d="${3-}" '!/^[[:space:]]*(#|$)/ && $1 == n {
			for (i = 5; i <= NF; i++)
				if (index($i, k "=") == 1) { v = substr($i, length(k) + 2); found = 1 }
		}
		END { print found ? v : d }' "$MATRIX_CONF"
}

# plan_for_guest SKIP SMP BUILDS < PLAN: the plan a guest runs. Entries
# whose name contains a word of SKIP (comma-separated) are left out; an
# entry named NAME/cpus=N runs only in guests with N CPUs (as NAME); the
# "builds" entry only where the kernel has build variants (BUILDS).
plan_for_guest() {
	awk -v skip="$1" -v smp="$2" -v builds="$3" '
		BEGIN { n = split(skip, words, ",") }
		NF == 0 || $1 ~ /^#/ { print; next }
		{ for (i = 1; i <= n; i++) if (words[i] != "" && index($1, words[i])) next }
		builds == "" && $1 ~ /^builds(\/|$)/ { next }
		match($1, /\/cpus=[0-9]+$/) {
			if (substr($1, RSTART + 6) + 0 != smp)
				next
			sub(/\/cpus=[0-9]+$/, "", $1)
		}
		{ print }'
}

# matrix_arch NAME: the architecture of the entry's kernel, its "arch="
# option: x86_64 (the default) or arm64. An arm64 kernel boots in
# qemu-system-aarch64 and gets a cross-built module and user space.
matrix_arch() {
	local arch
	arch=$(matrix_option "$1" arch x86_64)
	case "$arch" in
	x86_64 | arm64) echo "$arch" ;;
	*) die "kernel $1: unknown arch '$arch' (x86_64 or arm64)" ;;
	esac
}

# matrix_arch_names ARCH: the entries of that architecture, on-request or not.
matrix_arch_names() {
	local k
	for k in $(awk '!/^[[:space:]]*(#|$)/ { print $1 }' "$MATRIX_CONF"); do
		[ "$(matrix_arch "$k")" != "$1" ] || echo "$k"
	done
}

# cross_compile ARCH: the CROSS_COMPILE prefix that builds for ARCH on
# this (x86-64) host; empty for the host's own architecture.
cross_compile() {
	case "$1" in
	x86_64) echo ;;
	arm64) echo aarch64-linux-gnu- ;;
	*) die "no cross compiler known for '$1'" ;;
	esac
}

# userspace_dir ARCH: where user space built for ARCH lives: the tree's
# own build for the host, build/ARCH/userspace for another architecture.
userspace_dir() {
	if [ "$1" = x86_64 ]; then
		echo "$RSEQDEV_BUILD/userspace"
	else
		echo "$RSEQDEV_BUILD/$1/userspace"
	fi
}

# build_userspace ARCH: user space for the guests of ARCH, another
# architecture's cross-compiled. It is linked as the host's build is: the
# test programs, tools and benchmarks statically; the preload shim and
# tests/plain dynamically, as their users build them, so that preload.sh
# can run them through the shim (mkinitramfs.sh packs the loader and libc
# they need). Not STATIC_TESTS=1, which links tests/plain statically too.
build_userspace() {
	local bin
	if [ "$1" = x86_64 ]; then
		make -s -C "$RSEQDEV_TOP" userspace >&2
		return
	fi
	make -s -C "$RSEQDEV_TOP/userspace" CROSS_COMPILE="$(cross_compile "$1")" \
		O="$(userspace_dir "$1")" >&2
	# A userspace/Makefile that ignores CROSS_COMPILE builds for the host.
	bin=$(userspace_dir "$1")/tools/rseqctl
	case "$(LC_ALL=C readelf -h "$bin" 2>/dev/null | sed -n 's/^ *Machine: *//p')" in
	"$(elf_machine "$1")") ;;
	*) die "user space in $(userspace_dir "$1") is not built for $1 (does userspace/Makefile take CROSS_COMPILE?)" ;;
	esac
}

# elf_machine ARCH: how readelf names ARCH's machine in an ELF header.
elf_machine() {
	case "$1" in
	x86_64) echo 'Advanced Micro Devices X86-64' ;;
	arm64) echo AArch64 ;;
	esac
}

# foreign_package_dir ARCH PACKAGE...: the packages (of ARCH, as apt
# names them), downloaded and unpacked into one directory of the cache on
# first use, never installed; prints the directory.
foreign_package_dir() {
	local arch=$1 dir tmp p
	shift
	dir=$RSEQDEV_CACHE/guest-tools/$arch/$(printf '%s\n' "$@" | sha256sum | cut -c1-12)
	if [ ! -e "$dir/.complete" ]; then
		step "guest tools ($arch): downloading $*"
		tmp=$(mktemp -d)
		(cd "$tmp" && apt-get download -q -o APT::Sandbox::User=root \
			$(for p in "$@"; do echo "$p:$arch"; done) >&2) ||
			die "cannot download $* for $arch (run scripts/setup-host.sh, or 'apt-get update')"
		rm -rf "$dir"
		mkdir -p "$dir"
		for p in "$tmp"/*.deb; do dpkg-deb -x "$p" "$dir"; done
		rm -rf "$tmp"
		touch "$dir/.complete"
	fi
	echo "$dir"
}

# foreign_closure ARCH PACKAGE...: the packages of ARCH that PACKAGEs need
# to run, themselves included, as apt resolves their dependencies (without
# libc6: the guests' libc is the cross libc, libc6-ARCH-cross).
foreign_closure() {
	local arch=$1
	shift
	apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks \
		--no-replaces --no-enhances "${@/%/:$arch}" |
		sed -n "s/^\([a-z0-9][^ ]*\):$arch\$/\1/p" | grep -vx libc6 | sort -u
}

# kernel_headers NAME: the build directory of the entry's headers. The
# host's own kernels' headers are installed packages; another
# architecture's headers package is downloaded and unpacked into the
# cache, and what it needs from the host (the arch-independent common
# headers it includes by absolute path and the linux-kbuild host tools its
# relative links name) must be installed (scripts/setup-host.sh does).
kernel_headers() {
	local release arch package dir tmp kbuild
	release=$(matrix_field "$1" 2)
	arch=$(matrix_arch "$1")
	if [ "$arch" = x86_64 ]; then
		echo "/lib/modules/$release/build"
		return
	fi
	package=$(matrix_field "$1" 4)
	dir=$RSEQDEV_CACHE/headers/$release
	if [ ! -e "$dir/.complete" ]; then
		step "kernel $1: downloading $package:$arch"
		tmp=$(mktemp -d)
		(cd "$tmp" && apt-get download -q -o APT::Sandbox::User=root "$package:$arch" >&2) ||
			die "cannot download $package:$arch (run scripts/setup-host.sh, or 'apt-get update')"
		rm -rf "$dir"
		mkdir -p "$dir"
		dpkg-deb -x "$tmp"/*.deb "$dir"
		rm -rf "$tmp"
		# scripts and tools are links to ../../lib/linux-kbuild-V/:
		# inside the cache, to the host's installed linux-kbuild-V.
		for kbuild in $(find "$dir/usr/src/linux-headers-$release" -maxdepth 1 -type l \
				-exec readlink {} + | sed -n 's|^\.\./\.\./lib/\([^/]*\)/.*|\1|p' | sort -u); do
			mkdir -p "$dir/usr/lib"
			ln -sfn "/usr/lib/$kbuild" "$dir/usr/lib/$kbuild"
		done
		touch "$dir/.complete"
	fi
	[ -e "$dir/usr/src/linux-headers-$release/scripts/Makefile.build" ] ||
		die "kernel $1: the headers' host tools are missing (run scripts/setup-host.sh $1)"
	echo "$dir/usr/src/linux-headers-$release"
}

# kernel_headers_depends NAME: the host packages another architecture's
# headers need installed (the common headers, linux-kbuild), as the
# headers package's own Depends name them.
kernel_headers_depends() {
	local package arch
	package=$(matrix_field "$1" 4)
	arch=$(matrix_arch "$1")
	apt-cache show --no-all-versions "$package:$arch" |
		sed -n 's/^Depends: //p' | tr ',' '\n' | sed 's/^ *//; s/[ |].*//' |
		grep -E '^linux-(headers-.*-common|kbuild-)'
}

# matrix_builds NAME: the entry's build variants ("builds=clang-O2,gcc-O0"),
# one per line: user space built by another compiler or at another
# optimisation level than the plan's own gcc -O2 build, whose
# library-facing tests its 2-CPU guest runs (tests/vm/builds.sh).
matrix_builds() {
	matrix_option "$1" builds | tr , '\n'
}

# build_variant NAME: user space built as NAME says (COMPILER-OLEVEL:
# gcc or clang, O0 to O3) into $RSEQDEV_BUILD/variants/NAME.
build_variant() {
	local cc=${1%%-*} level=${1#*-}
	case "$cc:$level" in
	gcc:O[0-3] | clang:O[0-3]) ;;
	*) die "unknown build variant '$1' (COMPILER-OLEVEL: gcc or clang, O0 to O3)" ;;
	esac
	make -s -C "$RSEQDEV_TOP/userspace" O="$RSEQDEV_BUILD/variants/$1" \
		CC="$cc" CFLAGS="-$level -g" >&2
}

# matrix_numa_nodes NAME CPUS: how many NUMA nodes the entry's guest with
# CPUS CPUs has: its "numa=CPUS:NODES" option, else 1.
matrix_numa_nodes() {
	local numa
	numa=$(matrix_option "$1" numa)
	if [ "${numa%%:*}" = "$2" ]; then echo "${numa#*:}"; else echo 1; fi
}

# vm_run_cost NAME CPUS: how many seconds the guest's plan took last time
# on this machine, else a rough guess (a kernel built here is the debug
# kernel: several times slower). It only orders the suite's jobs.
vm_run_cost() {
	local last=$RSEQDEV_CACHE/durations/$1-smp$2
	if [ -s "$last" ]; then
		cat "$last"
	elif [ -n "$(matrix_base "$1")" ]; then
		echo $((1500 * $2 / 2))
	else
		echo $((100 + 60 * $2))
	fi
}

# matrix_base NAME: for a kernel built here ("build:BASE" as its image),
# BASE, the matrix entry whose Debian source it is built from; empty for a
# kernel that is downloaded.
matrix_base() {
	local image
	image=$(matrix_raw "$1" 3)
	case "$image" in build:*) echo "${image#build:}" ;; esac
}

# with_build_lock COMMAND...: run COMMAND while no other run on this
# machine builds. Suites and VM runs may go side by side, but they share
# the DKMS tree, the cache and, within one checkout, build/.
with_build_lock() {
	mkdir -p "$RSEQDEV_CACHE"
	(
		flock 9
		"$@"
	) 9>"$RSEQDEV_CACHE/build.lock"
}

# ensure_packages PACKAGE...: install the Debian packages that are missing.
ensure_packages() {
	local p missing=()
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
			missing+=("$p")
	done
	[ ${#missing[@]} -gt 0 ] || return 0
	step "host packages: installing ${missing[*]}"
	# The package lists may be stale or absent on a fresh machine.
	as_root apt-get update -qq
	as_root env DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
}

# ensure_foreign_arch ARCH PACKAGE: dpkg has the architecture ARCH (a
# Debian name: arm64) and apt's lists hold PACKAGE:ARCH, so that
# ensure_packages can install ARCH's packages and apt-get download fetch
# them: apt serves them only once dpkg knows ARCH and the lists were
# fetched since.
ensure_foreign_arch() {
	if ! dpkg --print-foreign-architectures | grep -qx "$1"; then
		step "host packages: adding the $1 architecture to dpkg"
		as_root dpkg --add-architecture "$1"
		as_root apt-get update -qq
	elif ! apt-cache show --no-all-versions "$2:$1" >/dev/null 2>&1; then
		as_root apt-get update -qq
	fi
}

# deb_gnu_type ARCH: the GNU system type of the Debian architecture ARCH
# (arm64: aarch64-linux-gnu), as dpkg-architecture names it.
deb_gnu_type() { dpkg-architecture -a"$1" -qDEB_HOST_GNU_TYPE 2>/dev/null; }

# deb_cross_packages ARCH: what cross-building the Debian packages for
# ARCH needs besides the native build's tools: the cross compiler and its
# C library, and ARCH's own libc6, whose symbols file dpkg-shlibdeps reads
# for the packages' Depends (the cross C library is no package of ARCH).
deb_cross_packages() {
	printf '%s\n' "gcc-$(deb_gnu_type "$1")" "libc6-dev-$1-cross" "libc6:$1"
}

# guest_gdb: the path of the gdb the guests run, Debian's gdb-minimal (gdb
# without Python, whose full build cannot start without Python's standard
# library), unpacked from its package into the cache on first use. Its
# shared libraries are the host's: setup-host.sh installs them with gdb.
guest_gdb() {
	local dir=$RSEQDEV_CACHE/guest-tools/gdb-minimal tmp
	if [ ! -x "$dir/usr/bin/gdb" ]; then
		step "guest tools: downloading gdb-minimal"
		tmp=$(mktemp -d)
		(cd "$tmp" && apt-get download -q -o APT::Sandbox::User=root gdb-minimal >&2) ||
			die "cannot download gdb-minimal (run 'apt-get update'?)"
		rm -rf "$dir"
		mkdir -p "$dir"
		dpkg-deb -x "$tmp"/gdb-minimal_*.deb "$dir"
		rm -rf "$tmp"
	fi
	echo "$dir/usr/bin/gdb"
}

default_kernel() { matrix_names | head -n 1; }

# pinned_kernels ARCH: the default matrix's kernels of ARCH that Debian
# ships and the file pins: neither built here nor following the archive.
pinned_kernels() {
	local k
	for k in $(matrix_names); do
		[ "$(matrix_arch "$k")" != "$1" ] || [ -n "$(matrix_base "$k")" ] ||
			[ "$(matrix_raw "$k" 2)" = latest ] || echo "$k"
	done
}

# The module version, shared by dkms.conf and the library: one place.
rseqdev_version() { sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$RSEQDEV_TOP/dkms.conf"; }

# stage_sources DIR: the files a DKMS source package holds, nothing else.
stage_sources() {
	rm -rf "$1"
	mkdir -p "$1"
	cp -r "$RSEQDEV_TOP"/{dkms.conf,Kbuild,module,uapi} "$1/"
	find "$1" \( -name '*.o' -o -name '*.ko' -o -name '*.cmd' -o -name '*.mod' \
		-o -name '*.mod.c' -o -name 'modules.order' -o -name 'Module.symvers' \) -delete
}

sources_hash() { (cd "$1" && find . -type f | LC_ALL=C sort | xargs sha256sum | sha256sum | cut -c1-16); }

# dkms_state [RELEASE]: DKMS's status line(s) for this version of rseqdev.
# (Captured whole: "dkms status | grep -q" under pipefail fails by SIGPIPE.)
dkms_state() {
	as_root dkms status "rseqdev/$(rseqdev_version)" ${1:+-k "$1"} 2>/dev/null || true
}

# re_escape TEXT: TEXT as an extended regular expression matching itself.
re_escape() { printf '%s' "$1" | sed 's/[][\.*^$+?(){}|/]/\\&/g'; }

# failure_digest DIR JOB...: the failed checks of the failed jobs, each
# with its first comments, as the last lines before the suite's verdict:
# a CI log is often read from its end only, and the whole of a failing
# job's TAP stays in DIR/JOB.tap. A guest's TAP names each plan entry's
# checks "ENTRY: ..." and its comments "# ENTRY| ...": a failed check
# takes only its own entry's comments.
failure_digest() {
	local dir=$1 name
	shift
	echo "# what failed (the whole TAP of each job in $dir/JOB.tap):"
	for name in "$@"; do
		[ "$(cat "$dir/$name.rc")" -ne 0 ] || continue
		if grep -q '^not ok' "$dir/$name.tap"; then
			awk -v job="$name" '
				/^not ok/ {
					print "#  " job ": " $0
					entry = $0
					sub(/^not ok [0-9]* *- */, "", entry)
					sub(/:.*/, "", entry)
					comments = 0
					after = 1
					next
				}
				/^ok / { after = 0; next }
				/^# [^ |]+\| / && index($0, "# " entry "| ") != 1 { next }
				after && /^#/ && comments < 3 {
					print "#  " job ":   " substr($0, 1, 160)
					comments++
				}' "$dir/$name.tap" | head -n 24
		else
			tail -n 3 "$dir/$name.log" | sed "s/^/#  $name: exit status $(cat "$dir/$name.rc"): /"
		fi
	done
}
