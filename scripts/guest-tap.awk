# SPDX-License-Identifier: GPL-2.0-only
# Turn the guest's result channel (see guest-init.sh) into flat TAP lines
# without numbers; vm-run.sh numbers them. Variables: release, cpus, nodes
# (what the guest must report), dmesg_out (file that receives the guest's dmesg).
#
# Each test program's own "ok"/"not ok" lines are prefixed with its name;
# the program itself adds one result: it exited 0 and printed a plan that
# matches the number of results it gave.

function result(pass, desc) { print (pass ? "ok - " : "not ok - ") desc }

BEGIN {
	in_test = ""; in_dmesg = 0; bad_dmesg = 0; done = 0

	# Kernel log lines that fail a run. The generic ones (any warning,
	# BUG, oops, stack dump) catch nearly every report; the named ones make
	# the quoted line say what went wrong, and catch the reports that print
	# no "WARNING:" or stack of their own. The debug kernel (lockdep, KASAN,
	# DEBUG_ATOMIC_SLEEP, DEBUG_LIST, DEBUG_OBJECTS) prints the others.
	# ("BUG:" not inside a word: "ODEBUG:" starts informational lines too.)
	bad = "WARNING:|(^|[^A-Za-z])BUG:|Oops|general protection fault|Kernel panic|kernel BUG at" \
	      "|Call Trace|refcount_t:|double fault|unable to handle|UBSAN"
	# Sleeping or scheduling where it must not; RCU stalls; hung tasks.
	bad = bad "|sleeping function called|scheduling while atomic" \
	      "|rcu.*(stall|self-detected)|blocked for more than"
	# Lockdep and RCU-lockdep reports, lockdep's own failures, and any
	# taint that turns lock checking off for the rest of the run.
	bad = bad "|possible (circular|recursive) locking|inconsistent lock state" \
	      "|lock order detected|lock inversion dependency|suspicious RCU usage" \
	      "|bad unlock balance|held lock freed|still has locks held" \
	      "|lock held when returning to user space|Nested lock was not taken" \
	      "|Invalid wait context|DEBUG_LOCKS_WARN_ON|non-static key" \
	      "|Disabling lock debugging"
	# KASAN, and SLUB's own reports ("BUG kmalloc-64 (Tainted: G O): ...").
	bad = bad "|KASAN|BUG [^ ]+ \\((Not t|T)ainted"
	# DEBUG_LIST corruption; DEBUG_OBJECTS reports and its giving up. Not
	# "ODEBUG:" alone: that prefix also starts informational lines.
	bad = bad "|list_(add|del) corruption|list_add double add" \
	      "|ODEBUG: [a-z_ ]+ \\(active state|ODEBUG: object .* annotated" \
	      "|ODEBUG: [Oo]ut of memory"
}

{ sub(/\r$/, "") }

in_dmesg && /^@@DMESG-END/ { in_dmesg = 0; next }
in_dmesg {
	print > dmesg_out
	if ($0 ~ bad) {
		bad_dmesg++
		bad_lines = bad_lines "\n# dmesg: " $0
	}
	next
}

/^@@BOOT / {
	result($2 == release && $3 == cpus && $4 == nodes,
	       "guest booted kernel " $2 " with " $3 " CPUs on " $4 " NUMA nodes (want " \
	       release ", " cpus ", " nodes ")")
	next
}
/^@@LOAD / { result($2 == "0", "module loads at boot (insmod status " $2 ")"); next }

/^@@BEGIN / { in_test = $2; count = 0; plan = -1; bailed = 0; began = $3; next }
/^@@END / {
	rc = $3
	pass = rc == "0" && plan == count && !bailed
	result(pass, in_test ": exit status " rc ", plan " (plan < 0 ? "missing" : plan) \
	       ", " count " results, " ($4 - began) " s")
	in_test = ""
	next
}

/^@@UNLOAD / {
	result($2 == "0" || $2 == "absent", "module unloads after the tests (" $2 ")")
	next
}
/^@@DMESG-BEGIN/ { in_dmesg = 1; printf "" > dmesg_out; next }
# Lockdep stops at its first report, or when something else turns it off:
# on a kernel that has it, it must still be on once the tests are over.
/^@@LOCKDEP / { result($2 == "1", "lockdep still on at the end (debug_locks " $2 ")"); next }
# kmemleak, on a kernel that has it: no object of the module unreferenced.
/^@@KMEMLEAK-REPORT / { sub(/^@@KMEMLEAK-REPORT /, ""); print "# kmemleak: " $0; next }
/^@@KMEMLEAK / {
	result($2 == "0", "kmemleak: no leaked object allocated by the module (" $2 ")")
	next
}
/^@@TAINT / {
	# Allowed: O (out-of-tree module, 1<<12) and E (unsigned module, 1<<13).
	taint = $2 + 0
	other = taint
	if (other >= 8192 && int(other / 8192) % 2 == 1) other -= 8192
	if (int(other / 4096) % 2 == 1) other -= 4096
	result(other == 0, "kernel taint " taint " has no bit but O and E")
	next
}
/^@@DONE/ { done = 1; next }

in_test != "" {
	if ($0 ~ /^(not )?ok /) {
		count++
		pass = $0 ~ /^ok /
		desc = $0
		sub(/^(not )?ok [0-9]* *(- )?/, "", desc)
		result(pass, in_test ": " desc)
	} else if ($0 ~ /^1\.\.[0-9]+/) {
		plan = substr($0, 4) + 0
	} else if ($0 ~ /^Bail out!/) {
		bailed = 1
		result(0, in_test ": " $0)
	} else {
		print "# " in_test "| " $0
	}
	next
}

END {
	if (in_test != "")
		result(0, in_test ": never finished")
	result(done && bad_dmesg == 0, "dmesg clean (" bad_dmesg " bad lines)" bad_lines)
	result(done, "guest ran to the end")
}
