# SPDX-License-Identifier: GPL-2.0-only
# Module lifecycle: repeated load/unload, unload refused while the device is
# open, and refusal to load when a kernel facility is missing. Runs with the
# module loaded and leaves it loaded.
. ./tap.sh

ko=/lib/modules/rseqdev.ko
selftest_ko=/lib/modules/selftest/rseqdev.ko

is "$(stat -c '%A' /dev/rseq)" "crw-rw-rw-" "device node is open to every user"
is "$(modctl load $ko)" EEXIST "loading a second time: EEXIST"

exec 4</dev/rseq
is "$(modctl unload rseqdev)" EAGAIN "unload while the device is open: EAGAIN (EWOULDBLOCK)"
ok "device still there after the refused unload" test -c /dev/rseq
exec 4<&-
is "$(modctl unload rseqdev)" ok "unload once the descriptor is closed"
ok "device node removed on unload" test ! -e /dev/rseq
is "$(modctl unload rseqdev)" ENOENT "unloading a module that is not loaded: ENOENT"

# A registration pins the module by itself: the holder closes the device.
is "$(modctl load $ko)" ok "module loaded for the registration tests"
rm -f /tmp/held
rseq_lifecycle_test --hold /tmp/held &
holder=$!
for i in $(seq 50); do [ -s /tmp/held ] && break; usleep 100000; done
is "$(cat /tmp/held 2>/dev/null)" "cpu_id 1" "a registration keeps working after its device is closed"
is "$(modctl unload rseqdev)" EAGAIN "unload while a thread is registered: EAGAIN (EWOULDBLOCK)"
kill $holder
wait $holder 2>/dev/null
is "$(modctl unload rseqdev)" ok "unload once the registered thread has exited"

bad=0
for i in $(seq 20); do
	[ "$(modctl load $ko)" = ok ] || { echo "# cycle $i: load failed"; bad=$((bad + 1)); }
	rseqctl >/dev/null || { echo "# cycle $i: query failed"; bad=$((bad + 1)); }
	[ "$(modctl unload rseqdev)" = ok ] || { echo "# cycle $i: unload failed"; bad=$((bad + 1)); }
	[ ! -e /dev/rseq ] || { echo "# cycle $i: device left behind"; bad=$((bad + 1)); }
done
is "$bad" 0 "20 load, query, unload cycles"

# The selftest build can pretend a facility is missing; the module must
# refuse to load and name it.
for facility in "kprobe on get_signal" "preempt notifiers" \
		"tracepoint sched_process_fork" "tracepoint sched_process_exec" \
		"tracepoint sched_process_exit"; do
	key=${facility##* }
	is "$(modctl load $selftest_ko hide_facility=$key)" EOPNOTSUPP \
		"missing $facility: load refused with EOPNOTSUPP"
	like "$(dmesg | tail -n 4)" "rseqdev: kernel facility missing: $facility\$" \
		"missing $facility: dmesg names it"
	ok "missing $facility: no device published" test ! -e /dev/rseq
done
is "$(modctl load $selftest_ko)" ok "selftest build loads with nothing hidden"
is "$(modctl unload rseqdev)" ok "selftest build unloads"

is "$(modctl load $ko)" ok "module loaded again for the tests that follow"
done_testing
