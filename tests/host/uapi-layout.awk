# SPDX-License-Identifier: GPL-2.0-only
# Reads pahole's output and prints every byte range of a struct or union
# that none of its members covers, in nested structs and unions too: pahole
# notes holes and padding only for named structs, and a union member
# shorter than its union is neither. One line per range:
#
#   TYPE: bytes FIRST-LAST not covered [in MEMBER]
#
# TYPE is the outermost type, MEMBER the nested block the bytes belong to;
# offsets are pahole's, from the start of TYPE.

function open_block(kind) {
	depth++
	kind_of[depth] = kind
	count[depth] = 0
}

function add_member(off, size) {
	count[depth]++
	off_of[depth, count[depth]] = off
	size_of[depth, count[depth]] = size
}

function uncovered(first, end, where) {
	if (end > first)
		printf "%s: bytes %d-%d not covered%s\n", outer, first, end - 1,
		       where == "" ? "" : " in " where
}

# The block on top spans [start, start + size): its members must cover it,
# one after the other in a struct, each on the whole of it in a union.
# size is -1 for a type pahole prints inside another without its size: it
# then spans its members.
function close_block(start, size, where,    i, at, end) {
	if (size < 0) {
		start = off_of[depth, 1]
		size = 0
		for (i = 1; i <= count[depth]; i++)
			if (off_of[depth, i] + size_of[depth, i] - start > size)
				size = off_of[depth, i] + size_of[depth, i] - start
	}
	end = start + size
	at = start
	for (i = 1; i <= count[depth]; i++) {
		if (kind_of[depth] == "union") {
			uncovered(start, off_of[depth, i], where)
			uncovered(off_of[depth, i] + size_of[depth, i], end, where)
			continue
		}
		uncovered(at, off_of[depth, i], where)
		if (off_of[depth, i] + size_of[depth, i] > at)
			at = off_of[depth, i] + size_of[depth, i]
	}
	if (kind_of[depth] != "union")
		uncovered(at, end, where)
	depth--
}

# struct NAME {, union {, ... at any depth.
/^\t*(struct|union)( [A-Za-z0-9_]+)? \{$/ {
	if (depth == 0) {
		outer = NF == 3 ? $2 : "(anonymous " $1 ")"
		top_size = -1
	}
	open_block($1)
	next
}

/\/\* size: [0-9]+,/ && depth == 1 {
	top_size = $3 + 0
	next
}

# A member, or a nested block closing as a member: "...; /* OFF SIZE */".
/; +\/\* +[0-9]+ +[0-9]+ \*\/$/ {
	off = $(NF - 2) + 0
	size = $(NF - 1) + 0
	if ($1 == "}") {
		name = $2
		sub(/;$/, "", name)
		close_block(off, size, name)
	}
	add_member(off, size)
	next
}

# The end of a block that is not a member: the outermost type, or a type
# pahole prints inside another.
/^\t*\}.*;$/ {
	if (depth == 1)
		close_block(0, top_size, "")
	else
		close_block(0, -1, "")
	next
}
