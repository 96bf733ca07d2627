#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# /init of the test VM (busybox sh). Loads the module, runs every line of
# /tests/plan, then reports dmesg and the taint mask and powers off.
#
# Results go to the second serial port (ttyS1), away from kernel messages on
# the console. Each line there starts with "@@" (harness records) or is the
# output of a test, framed by @@BEGIN/@@END.

/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
export PATH=/bin:/usr/bin:/tests

out=/dev/ttyS1
stty -F "$out" raw -echo 2>/dev/null
exec 3>"$out"
record() { echo "@@$*" >&3; }

record "BOOT $(uname -r) $(nproc)"
insmod /lib/modules/rseqdev.ko
record "LOAD $?"

# One hung test must not take the others with it: each gets a time limit.
test_limit=$(sed -n 's/.*rseqdev.test_limit=\([0-9]*\).*/\1/p' /proc/cmdline)
cd /tests
while read -r name cmd; do
	case "$name" in ''|'#'*) continue ;; esac
	record "BEGIN $name"
	timeout -s KILL "${test_limit:-300}" sh -c "$cmd" >&3 2>&1 </dev/null
	status=$?
	[ $status -eq 137 ] && echo "# killed after ${test_limit:-300}s" >&3
	record "END $name $status"
done < /tests/plan

# Nothing may keep the module busy once the tests are over.
if grep -q '^rseqdev ' /proc/modules; then
	rmmod rseqdev
	record "UNLOAD $?"
else
	record "UNLOAD absent"
fi

# A kernel with lockdep (the debug kernel) must still have it on: it turns
# itself off at its first report, and on some taints, without a word later.
if [ -r /proc/lockdep_stats ]; then
	record "LOCKDEP $(sed -n 's/^ *debug_locks: *//p' /proc/lockdep_stats)"
fi

record "DMESG-BEGIN"
dmesg >&3
record "DMESG-END"
record "TAINT $(cat /proc/sys/kernel/tainted)"
record "DONE"
exec 3>&-
sync
poweroff -f
