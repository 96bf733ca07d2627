#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# /init of the test VM (busybox sh). Loads the module, runs every line of
# /tests/plan, then reports dmesg and the taint mask and powers off.
#
# Results go to the device rseqdev.results= names on the command line: the
# second serial port (ttyS1, x86-64) or a virtio console (hvc0, arm64),
# away from kernel messages on the console. Each line there starts with "@@" (harness records) or is the
# output of a test, framed by @@BEGIN/@@END.

/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
export PATH=/bin:/usr/bin:/tests

# The modules the result channel needs where the kernel has them as
# modules (arm64's virtio, 6.1), dependencies first (mkinitramfs.sh).
for m in /lib/modules/boot/*.ko; do
	[ -e "$m" ] && insmod "$m"
done
out=/dev/$(sed -n 's/.*rseqdev.results=\([a-zA-Z0-9]*\).*/\1/p' /proc/cmdline)
[ "$out" != /dev/ ] || out=/dev/ttyS1
# A virtio console's port appears once the device has announced it.
for _ in $(seq 100); do
	[ -e "$out" ] && break
	sleep 0.1
done
stty -F "$out" raw -echo 2>/dev/null
exec 3>"$out"
record() { echo "@@$*" >&3; }

# A kernel without NUMA support has no node directories: one node.
nodes=$(ls -d /sys/devices/system/node/node[0-9]* 2>/dev/null | wc -l)
[ "$nodes" -gt 0 ] || nodes=1
record "BOOT $(uname -r) $(nproc) $nodes"
insmod /lib/modules/rseqdev.ko
record "LOAD $?"

# One hung test must not take the others with it: each gets a time limit.
# A test runs in a session of its own, and what is left of that session
# when it ends or passes the limit is killed, so that nothing a test
# started in the background (a CPU hotplug loop, a stress program) runs on
# into the next test.
test_limit=$(sed -n 's/.*rseqdev.test_limit=\([0-9]*\).*/\1/p' /proc/cmdline)
test_limit=${test_limit:-600}

# The plan's repetition counts divided by this (rseqdev.scale=, from the
# kernel's "scale=" in matrix.conf): tests read $RSEQDEV_TEST_SCALE.
scale=$(sed -n 's/.*rseqdev.scale=\([0-9]*\).*/\1/p' /proc/cmdline)
export RSEQDEV_TEST_SCALE=${scale:-1}

# run_limited CMD: run CMD as a session leader (setsid execs in place: a
# background child of this shell leads no process group), kill its whole
# session after $test_limit seconds or once it exits; its exit status.
run_limited() {
	setsid sh -c "$1" >&3 2>&1 </dev/null &
	leader=$!
	setsid sh -c "sleep $test_limit; kill -KILL -$leader" &
	watchdog=$!
	wait $leader
	status=$?
	kill -KILL -$watchdog -$leader 2>/dev/null
	return $status
}

# A test killed halfway may leave a CPU offline.
all_cpus_online() {
	for f in /sys/devices/system/cpu/cpu*/online; do
		[ "$(cat "$f")" = 1 ] || echo 1 >"$f"
	done
}

cd /tests
while read -r name cmd; do
	case "$name" in ''|'#'*) continue ;; esac
	record "BEGIN $name $(date +%s)"
	run_limited "$cmd"
	status=$?
	[ $status -eq 137 ] && echo "# killed after ${test_limit}s" >&3
	all_cpus_online
	record "END $name $status $(date +%s)"
done < /tests/plan

# kmemleak (the debug kernel): objects allocated by the module, this
# instance or one unloaded earlier, that nothing references any more. A
# frame of an unloaded module has no name left, only its address; core
# kernel frames always have one, and no other module is loaded here. Two
# scans: an object is only reported once it is five seconds old and a scan
# found it unreferenced.
leaks=/sys/kernel/debug/kmemleak
if [ -e $leaks ]; then
	if echo scan >$leaks 2>/dev/null; then
		sleep 6
		echo scan >$leaks
		awk '/^unreferenced object/ { n++ }
		     { text[n] = text[n] "\n" $0 }
		     /\[rseqdev\]$|\] 0xffffffff[0-9a-f]+$/ { mine[n] = 1 }
		     END {
			for (i in mine) {
				count++
				lines = split(text[i], line, "\n")
				for (j = 1; j <= lines; j++)
					if (line[j] != "")
						print "@@KMEMLEAK-REPORT " line[j]
			}
			print "@@KMEMLEAK " count + 0
		     }' $leaks >&3
	else
		record "KMEMLEAK off"
	fi
fi

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
