# SPDX-License-Identifier: GPL-2.0-only
# Shared shell helpers for the scripts in this directory. Source it; do not run it.

RSEQDEV_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RSEQDEV_CACHE=${RSEQDEV_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/rseqdev}
RSEQDEV_BUILD=${RSEQDEV_BUILD:-$RSEQDEV_TOP/build}
MATRIX_CONF=${MATRIX_CONF:-$RSEQDEV_TOP/scripts/matrix.conf}

# Progress goes to stderr so that it never mixes with TAP on stdout.
step() { printf '[rseqdev %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf 'rseqdev: error: %s\n' "$*" >&2; exit 1; }

# Run as root, or through sudo when we are not.
as_root() {
	if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# matrix_names: the kernel names of the matrix, in file order.
matrix_names() { awk '!/^[[:space:]]*(#|$)/ { print $1 }' "$MATRIX_CONF"; }

# matrix_field NAME COLUMN: one column (2 = release, 3 = image, 4 = headers).
matrix_field() {
	awk -v n="$1" -v c="$2" '!/^[[:space:]]*(#|$)/ && $1 == n { print $c; found = 1 }
		END { exit !found }' "$MATRIX_CONF" || die "kernel '$1' is not in $MATRIX_CONF"
}

default_kernel() { matrix_names | head -n 1; }

# The module version, shared by dkms.conf and the library: one place.
rseqdev_version() { sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$RSEQDEV_TOP/dkms.conf"; }
