#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The man pages (docs/man), on the host:
#  - every page renders without a single warning, through groff with
#    every warning on and through man-db's man -l (which also runs tbl and
#    preconv), and its .TH names the package version of dkms.conf;
#  - every function and variable librseqdev.so exports, and every static
#    inline function of the headers under userspace/include/rseqdev/, has
#    a page of its own name (its group page, or a ".so" link to it) whose
#    target names it; every ".so" link points at a page that exists;
#  - make install DESTDIR=... installs every page, links included, under
#    $(MANDIR)/manN, and "man -M" finds every one of them there.
. "$(dirname "$0")/tap.sh"

ensure_packages groff-base man-db
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
man_top=$RSEQDEV_TOP/docs/man
export LC_ALL=C.UTF-8 MANWIDTH=80 MAN_DISABLE_SECCOMP=1

# is_link PAGE: a one-line ".so" page.
is_link() { [ "$(wc -l < "$1")" = 1 ] && grep -q '^\.so ' "$1"; }

mapfile -t pages < <(cd "$man_top" && ls man*/*.[1-8])
ok "there are man pages" test "${#pages[@]}" -gt 0

version=$(rseqdev_version)
for page in "${pages[@]}"; do
	is_link "$man_top/$page" && continue
	out=$(groff -man -ww -z -t "$man_top/$page" 2>&1)
	is "$out" "" "$page: groff -ww is silent"
	out=$(cd "$man_top" && man --warnings=w -l "$page" 2>&1 >/dev/null)
	is "$out" "" "$page: man --warnings=w -l is silent"
	like "$(grep '^\.TH ' "$man_top/$page")" "\"rseqdev $version\"" \
		"$page: .TH names rseqdev $version"
done

# target PAGE: the page a ".so" link names (man3/x.3), or PAGE itself.
target() {
	if is_link "$man_top/$1"; then sed -n 's/^\.so //p' "$man_top/$1"; else echo "$1"; fi
}

# Links resolve, and their target names them.
bad=
for page in "${pages[@]}"; do
	is_link "$man_top/$page" || continue
	t=$(target "$page")
	name=$(basename "$page" .3)
	if [ ! -f "$man_top/$t" ] || is_link "$man_top/$t"; then
		bad+=" $page->$t"
	elif ! grep -qw -- "$name" "$man_top/$t"; then
		bad+=" $page(not in $t)"
	fi
done
is "${bad# }" "" "every .so link points at a page that names it"

# The names that need a page.
lib=$work/userspace
out=$(make -s -C "$RSEQDEV_TOP/userspace" O="$lib" "$lib/librseqdev.so.$version" 2>&1)
is "$out" "" "librseqdev.so builds"
exported=$(nm -D --defined-only "$lib/librseqdev.so" | awk 'NF == 3 { print $3 }' | sort -u)
ok "librseqdev.so exports names" test -n "$exported"
# static inline functions: the name before the "(" of each definition,
# attributes dropped.
inline=$(cd "$RSEQDEV_TOP/userspace/include/rseqdev" && perl -0777 -ne '
	s/__attribute__\s*\(\((?:[^()]|\([^()]*\))*\)\)//g;
	print "$1\n" while /\bstatic\s+inline\s+[^;{(]*?\b([A-Za-z_]\w*)\s*\(/g' ./*.h | sort -u)
ok "the headers define static inline functions" test -n "$inline"

# documented NAME: man3/NAME.3 exists, and the page it leads to names
# NAME in its NAME section, its synopsis or its text.
documented() {
	local page=man3/$1.3 t
	[ -f "$man_top/$page" ] || return 1
	t=$(target "$page")
	[ -f "$man_top/$t" ] && grep -qw -- "$1" "$man_top/$t"
}
missing=
for name in $exported $inline; do
	documented "$name" || missing+=" $name"
done
is "${missing# }" "" "every exported name and header inline function has a page ($(wc -w <<< "$exported $inline") names)"

# make install puts every page, links included, under MANDIR.
inst=$work/inst
out=$(make -s -C "$RSEQDEV_TOP/userspace" O="$lib" install DESTDIR="$inst" PREFIX=/usr 2>&1)
is "$?" 0 "make install DESTDIR=... PREFIX=/usr succeeds"
[ -n "$out" ] && printf '%s\n' "$out" | sed 's/^/#   /'
mandir=$inst/usr/share/man
absent=
for page in "${pages[@]}"; do
	cmp -s "$man_top/$page" "$mandir/$page" || absent+=" $page"
done
is "${absent# }" "" "every page is installed under usr/share/man/manN (${#pages[@]} pages)"
extra=$(cd "$mandir" && find . -type f | sed 's|^\./||' | sort |
	comm -13 <(printf '%s\n' "${pages[@]}" | sort) -)
is "$extra" "" "nothing else is installed there"

# man finds every installed page by its name, links resolved.
broken=
for page in "${pages[@]}"; do
	section=${page%%/*}
	section=${section#man}
	name=$(basename "$page" ".$section")
	out=$(man --warnings=w -M "$mandir" "$section" "$name" 2>&1 >"$work/out")
	if [ -n "$out" ] || ! grep -q "$(target "$page" | sed 's|.*/||; s|\.[0-9]$||' |
				       tr '[:lower:]' '[:upper:]')" "$work/out"; then
		broken+=" $page"
	fi
done
is "${broken# }" "" "man -M MANDIR SECTION NAME shows every installed page without a warning"

done_testing
