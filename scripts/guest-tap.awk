# SPDX-License-Identifier: GPL-2.0-only
# Turn the guest's result channel (see guest-init.sh) into flat TAP lines
# without numbers; vm-run.sh numbers them. Variables: release, cpus (what
# the guest must report), dmesg_out (file that receives the guest's dmesg).
#
# Each test program's own "ok"/"not ok" lines are prefixed with its name;
# the program itself adds one result: it exited 0 and printed a plan that
# matches the number of results it gave.

function result(pass, desc) { print (pass ? "ok - " : "not ok - ") desc }

BEGIN { in_test = ""; in_dmesg = 0; bad_dmesg = 0; done = 0 }

{ sub(/\r$/, "") }

in_dmesg && /^@@DMESG-END/ { in_dmesg = 0; next }
in_dmesg {
	print > dmesg_out
	if ($0 ~ /WARNING:|BUG:|Oops|general protection fault|Kernel panic|sleeping function called|scheduling while atomic|rcu.*(stall|self-detected)|blocked for more than|possible (circular|recursive) locking|inconsistent lock state|KASAN|UBSAN|list_(add|del) corruption|Call Trace|refcount_t:|double fault|unable to handle/) {
		bad_dmesg++
		bad_lines = bad_lines "\n# dmesg: " $0
	}
	next
}

/^@@BOOT / {
	result($2 == release && $3 == cpus,
	       "guest booted kernel " $2 " with " $3 " CPUs (want " release ", " cpus ")")
	next
}
/^@@LOAD / { result($2 == "0", "module loads at boot (insmod status " $2 ")"); next }

/^@@BEGIN / { in_test = $2; count = 0; plan = -1; bailed = 0; next }
/^@@END / {
	rc = $3
	pass = rc == "0" && plan == count && !bailed
	result(pass, in_test ": exit status " rc ", plan " (plan < 0 ? "missing" : plan) \
	       ", " count " results")
	in_test = ""
	next
}

/^@@UNLOAD / {
	result($2 == "0" || $2 == "absent", "module unloads after the tests (" $2 ")")
	next
}
/^@@DMESG-BEGIN/ { in_dmesg = 1; printf "" > dmesg_out; next }
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
