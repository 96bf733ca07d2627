#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Print the path of the kernel's checkpatch.pl, unpacking it once from
# Debian's linux-source-6.1 package (Debian ships it nowhere else).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

dir=$RSEQDEV_CACHE/checkpatch
if [ ! -x "$dir/scripts/checkpatch.pl" ]; then
	tarball=$(ls /usr/src/linux-source-6.1.tar.xz 2>/dev/null || true)
	if [ -z "$tarball" ]; then
		step "checkpatch: installing linux-source-6.1"
		as_root env DEBIAN_FRONTEND=noninteractive \
			apt-get install -y -qq --no-install-recommends linux-source-6.1 >&2
		tarball=/usr/src/linux-source-6.1.tar.xz
	fi
	step "checkpatch: unpacking it from $tarball"
	mkdir -p "$dir"
	tar -xJf "$tarball" -C "$dir" --strip-components=1 --wildcards \
		'*/scripts/checkpatch.pl' '*/scripts/spelling.txt' \
		'*/scripts/const_structs.checkpatch'
fi
echo "$dir/scripts/checkpatch.pl"
