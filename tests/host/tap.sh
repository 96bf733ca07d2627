# SPDX-License-Identifier: GPL-2.0-only
# Host-side tests share the guest's TAP helpers; this only sets up paths.
. "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib.sh"
. "$RSEQDEV_TOP/tests/vm/tap.sh"

# test_kernels [--all-arches]: the kernels under test, $RSEQDEV_KERNELS
# (set by scripts/test.sh) or the default matrix; only the host's own
# architecture's (whose headers the host builds against natively, through
# DKMS and as packages), unless --all-arches.
test_kernels() {
	local k
	if [ -n "${RSEQDEV_KERNELS:-}" ]; then
		tr ' ,' '\n\n' <<< "$RSEQDEV_KERNELS" | grep .
	else
		matrix_names
	fi | while read -r k; do
		[ "${1-}" = --all-arches ] || [ "$(matrix_arch "$k")" = x86_64 ] && echo "$k"
	done
}

# sources PATTERN...: the project's source files matching the globs (from
# the top), without what Kbuild generates next to them.
sources() {
	(cd "$RSEQDEV_TOP" && for f in "$@"; do [ -f "$f" ] && echo "$f"; done) |
		grep -vE '\.mod\.c$'
}
