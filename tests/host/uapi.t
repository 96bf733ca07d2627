#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The ABI leaves no byte to the compiler (issue 12: clang kept the stack's
# bytes in the padding of struct rseqdev_cpu_op, and the module refused the
# library's vectors). On the host, no VM:
#  - the layout gcc and clang give every struct of uapi/, as pahole reads it
#    from their debug info: no hole, no padding, in nested structs and
#    unions too (uapi-layout.awk); -Wpadded agrees with both compilers;
#  - <linux/rseqdev_layout.h> (sizes, offsets, ioctl numbers) holds with
#    both compilers, 64-bit and 32-bit;
#  - uapi_probe, with the library built by each compiler at -O0 and -O2:
#    no byte the module refuses, no byte the library leaves unwritten.
# The one padding allowed: the 31 bytes after struct rseqdev_rseq's end[], which
# no field can take without moving the feature size (see the header).
. "$(dirname "$0")/tap.sh"

ensure_packages gcc clang libc6-dev make
# pahole: its own package on Debian 12, within dwarves before (and after,
# through a transitional package).
command -v pahole >/dev/null || ensure_packages dwarves

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
uapi=$RSEQDEV_TOP/uapi
rseq_abi_padding="rseqdev_rseq: bytes 33-63 not covered"

# A file that defines one object of every struct the uapi headers define
# (and includes only the headers that define them: not the layout checks).
mapfile -t headers < <(cd "$uapi" && grep -l '^struct [A-Za-z0-9_]* {$' linux/*.h)
structs=$(cd "$uapi" && sed -n 's/^struct \([A-Za-z0-9_]*\) {$/\1/p' "${headers[@]}")
{
	for h in "${headers[@]}"; do echo "#include <$h>"; done
	for s in $structs; do echo "struct $s $s;"; done
} > "$work/structs.c"
ok "the uapi headers define structs (${structs//$'\n'/ })" test -n "$structs"

# -Wpadded's notes but the one on rseqdev_rseq's tail (gcc puts it on its last
# line, clang on its first).
other_padding() {
	grep -E ': (warning|error):' | awk -F: -v lines="$(awk '
		/^struct rseqdev_rseq \{$/ { first = NR }
		first && /^\}/ { print first, NR; exit }' "$uapi/linux/rseqdev.h")" '
		BEGIN { split(lines, l, " ") }
		!($1 ~ /\/linux\/rseqdev\.h$/ && $2 >= l[1] && $2 <= l[2] &&
		  /alignment boundary/)'
}

for cc in gcc clang; do
	# Code and debug info make clang lay out nested structs too, and say
	# what -Wpadded finds in them.
	padded=$("$cc" -I"$uapi" -g -Wpadded -c -o "$work/structs-$cc.o" "$work/structs.c" 2>&1)
	is "$?" 0 "$cc: every uapi struct compiles, with debug info"
	layout=$(pahole "$work/structs-$cc.o" 2>&1)
	is "$(grep -c '^struct ' <<< "$layout")" "$(wc -w <<< "$structs")" \
		"$cc: pahole finds each of them"
	is "$(awk '/^(struct|union) / { name = $2 } /hole|padding/ { print name ": " $0 }' \
		<<< "$layout" | tr -s '\t ' ' ')" "rseqdev_rseq: /* padding: 31 */" \
		"$cc: pahole notes no hole or padding but rseqdev_rseq's"
	is "$(awk -f "$RSEQDEV_TOP/tests/host/uapi-layout.awk" <<< "$layout")" \
		"$rseq_abi_padding" "$cc: every byte of every struct and union is a member's"
	is "$(other_padding <<< "$padded")" "" \
		"$cc -Wpadded: no padding but rseqdev_rseq's"
done

# x86's <asm/*.h> serve both word sizes; Debian keeps them under the
# 64-bit triplet only.
asm=/usr/include/$(gcc -print-multiarch)
for cc in gcc clang; do
	for m in -m64 -m32; do
		out=$(echo '#include <linux/rseqdev_layout.h>' |
		      "$cc" "$m" -I"$uapi" -I"$asm" -Wall -Wextra -Werror -fsyntax-only -x c - 2>&1)
		is "$out" "" "$cc $m: <linux/rseqdev_layout.h> holds"
	done
done

for cc in clang gcc; do
	for opt in -O0 -O2; do
		o=$work/$cc$opt
		out=$(make -s -C "$RSEQDEV_TOP/userspace" CC="$cc" CFLAGS="$opt -g" O="$o" \
		      "$o/uapi_probe" 2>&1)
		is "$out" "" "$cc $opt: the library and uapi_probe build with -Werror"
		out=$("$o/uapi_probe" 2>&1)
		is "$?" 0 "$cc $opt: uapi_probe passes"
		like "$out" '^[1-9][0-9]* ioctls, [1-9][0-9]* operations: 0 bytes the module refuses, 0 bytes never written$' \
			"$cc $opt: no byte the module refuses, none left unwritten"
	done
done
done_testing
