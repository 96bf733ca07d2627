# SPDX-License-Identifier: GPL-2.0-only
# Host-side tests share the guest's TAP helpers; this only sets up paths.
. "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib.sh"
. "$RSEQDEV_TOP/tests/vm/tap.sh"

# The kernels under test: $RSEQDEV_KERNELS (set by scripts/test.sh) or all.
test_kernels() {
	if [ -n "${RSEQDEV_KERNELS:-}" ]; then
		tr ' ,' '\n\n' <<< "$RSEQDEV_KERNELS" | grep .
	else
		matrix_names
	fi
}

# sources PATTERN...: the project's source files matching the globs (from
# the top), without what Kbuild generates next to them.
sources() {
	(cd "$RSEQDEV_TOP" && for f in "$@"; do [ -f "$f" ] && echo "$f"; done) |
		grep -vE '\.mod\.c$'
}
