# SPDX-License-Identifier: GPL-2.0-only
# The module's trace events (system rseqdev, docs/tracing.md): tracefs
# lists each one; enabled, they record trace_test's known sequence, in
# order, with the values the program reports (process ids, the area, the
# section's start and abort IPs, the rule its child broke, the cpu_opv
# routes, the fence's counts); disabled, they record nothing.
#
# usage: sh trace.sh   (2 CPUs or more; runs as root)
. ./tap.sh

T=/sys/kernel/tracing
E=$T/events/rseqdev
EVENTS="rseqdev_abort rseqdev_cpu_opv rseqdev_fallback rseqdev_fence rseqdev_register rseqdev_rejected rseqdev_unregister"

[ -e $T/trace ] || mount -t tracefs tracefs $T
ok "tracefs is mounted at $T" test -e $T/trace
is "$(ls $E | grep -v -e '^enable$' -e '^filter$' | tr '\n' ' ')" "$EVENTS " \
	"events/rseqdev lists every event"
for e in $EVENTS; do
	ok "$e: its format has a print fmt" grep -q '^print fmt:' $E/$e/format
done

# trace_sequence OUTPUT: run trace_test with the buffer cleared and the
# global clock (the helper thread runs on another CPU); the trace is left
# in /tmp/trace.txt, the program's output in $OUTPUT.
trace_sequence() {
	echo 0 > $T/tracing_on
	echo global > $T/trace_clock
	echo > $T/trace
	echo 1 > $T/tracing_on
	RSEQDEV_BACKEND=module ./trace_test > "$1"
	status=$?
	echo 0 > $T/tracing_on
	cat $T/trace > /tmp/trace.txt
	return $status
}

echo 0 > $T/events/enable
echo 1 > $E/enable
ok "every rseqdev event enabled" test "$(cat $E/enable)" = 1
trace_sequence /tmp/trace_test.out
is "$?" 0 "trace_test ran its sequence"
relay "$(cat /tmp/trace_test.out)"

# read_facts OUTPUT: what trace_test said to expect.
read_facts() {
	pid=$(fact "$1" pid)
	child=$(fact "$1" child)
	helper=$(fact "$1" helper)
	area=$(fact "$1" area)
	helper_area=$(fact "$1" helper_area)
	start_ip=$(fact "$1" start_ip)
	abort_ip=$(fact "$1" abort_ip)
	offline=$(fact "$1" offline)
	# The trap's IP as the architecture reports it (after x86's int3, at
	# arm64's brk).
	trap_ip=$(fact "$1" trap_ip)
}

fact() { # OUTPUT NAME
	sed -n "s/^fact $2 //p" "$1"
}
read_facts /tmp/trace_test.out

# The records of trace_test's threads, one line each: the thread, its CPU,
# the event and its fields, process and thread ids named, the fields that
# the sequence fixes only. A switch-in that leaves its work to the
# callback depends on timing: left out. Classic rules abort for every event
# since the last abort, so the trap's abort names "signal" among whatever
# switches came before it: only "signal" is kept. A thread killed on its
# way out of a system call is checked again when its SIGSEGV is
# delivered, as on mainline: a repeated record counts once.
# usage: normalized TRACE (tracefs's trace file, or trace-cmd report's output)
normalized() {
	awk -v main="$pid" -v child="$child" -v helper="$helper" '
	function who(id) {
		return id == main ? "main" : id == child ? "child" : \
		       id == helper ? "helper" : id
	}
	/ rseqdev_[a-z_]+: / {
		if (!match($0, /-[0-9]+ +\[[0-9]+\]/))
			next
		split(substr($0, RSTART + 1, RLENGTH - 1), head, /[][ ]+/)
		thread = who(head[1])
		if (thread !~ /^(main|child|helper)$/)
			next
		for (i = 1; i <= NF && $i !~ /^rseqdev_[a-z_]+:$/; i++)
			;
		event = substr($i, 9, length($i) - 9)
		keep["register"] = " pid tid area len how "
		keep["unregister"] = " pid tid cause "
		keep["abort"] = " pid tid cause ip start_ip abort_ip "
		keep["rejected"] = " pid tid rule "
		keep["cpu_opv"] = " pid cpu nr_ops route ret "
		keep["fallback"] = " what cpu nr_ops "
		keep["fence"] = " pid flags cpu nr_cpus nr_threads ret "
		line = thread " cpu" (head[2] + 0) " " event
		for (j = i + 1; j <= NF; j++) {
			eq = index($j, "=")
			key = substr($j, 1, eq - 1)
			value = substr($j, eq + 1)
			if (index(keep[event], " " key " ") == 0)
				continue
			if (key == "pid" || key == "tid")
				value = who(value)
			if (event == "abort" && key == "cause" && value ~ /(^|[|])signal([|]|$)/)
				value = "signal"
			line = line " " key "=" value
		}
		if (line ~ / fallback what=switch_in / || line == last)
			next
		print line
		last = line
	}' "$1"
}
got=$(normalized /tmp/trace.txt)

# expected: the records of the sequence, from the facts read last.
expected() {
	echo "main cpu0 register pid=main tid=main area=$area len=32 how=register
main cpu0 abort pid=main tid=main cause=signal start_ip=$start_ip ip=$trap_ip abort_ip=$abort_ip
main cpu0 register pid=child tid=child area=$area len=32 how=fork
child cpu0 rejected pid=child tid=child rule=version
child cpu0 unregister pid=child tid=child cause=exit
main cpu0 cpu_opv pid=main cpu=0 nr_ops=2 route=here ret=0
main cpu0 cpu_opv pid=main cpu=1 nr_ops=2 route=ipi ret=0
main cpu0 cpu_opv pid=main cpu=1 nr_ops=5 route=kworker ret=0
main cpu0 fence pid=main flags=0x1 cpu=0 nr_cpus=0 nr_threads=0 ret=0
helper cpu1 register pid=main tid=helper area=$helper_area len=32 how=register
main cpu0 fence pid=main flags=0x2 cpu=1 nr_cpus=1 nr_threads=1 ret=0
helper cpu1 unregister pid=main tid=helper cause=unregister"
	if [ "$offline" = 1 ]; then
		echo "main cpu0 fallback what=opv_ipi_refused cpu=1 nr_ops=2
main cpu0 cpu_opv pid=main cpu=1 nr_ops=2 route=offline ret=0"
	fi
	echo "main cpu0 unregister pid=main tid=main cause=unregister"
}
want=$(expected)

# One check per step, then the whole sequence in order.
step() { # DESC PATTERN
	like "$got" "$2" "$1"
}
step "register: pid, tid, area, length" "^main cpu0 register pid=main tid=main area=$area len=32 how=register\$"
step "abort: cause signal, at the trap, to the program's abort handler $abort_ip" \
	"^main cpu0 abort pid=main tid=main cause=signal start_ip=$start_ip ip=$trap_ip abort_ip=$abort_ip\$"
step "the forked child's registration" "^main cpu0 register pid=child tid=child area=$area len=32 how=fork\$"
step "rejected: the child's descriptor broke the version rule" "^child cpu0 rejected pid=child tid=child rule=version\$"
step "the child's teardown at exit" "^child cpu0 unregister pid=child tid=child cause=exit\$"
step "cpu_opv on the caller's CPU" "^main cpu0 cpu_opv pid=main cpu=0 nr_ops=2 route=here ret=0\$"
step "cpu_opv in an interrupt of CPU 1" "^main cpu0 cpu_opv pid=main cpu=1 nr_ops=2 route=ipi ret=0\$"
step "cpu_opv of 5 operations in a kworker of CPU 1" "^main cpu0 cpu_opv pid=main cpu=1 nr_ops=5 route=kworker ret=0\$"
step "fence: CPU 1 interrupted, the helper found there" \
	"^main cpu0 fence pid=main flags=0x2 cpu=1 nr_cpus=1 nr_threads=1 ret=0\$"
ok "CPU 1 went offline, for the offline route" test "$offline" = 1
step "fallback: the interrupt of offline CPU 1 refused" "^main cpu0 fallback what=opv_ipi_refused cpu=1 nr_ops=2\$"
step "cpu_opv for offline CPU 1, on the caller's" "^main cpu0 cpu_opv pid=main cpu=1 nr_ops=2 route=offline ret=0\$"
step "unregister" "^main cpu0 unregister pid=main tid=main cause=unregister\$"
is "$got" "$want" "the records, in the program's order"
[ "$got" = "$want" ] || grep rseqdev_ /tmp/trace.txt | sed 's/^/#   trace: /'

# trace-cmd (scripts/mkinitramfs.sh packs it) reads the
# same events through their format files: its report must show the same
# records, the symbolic fields decoded by libtraceevent.
echo 0 > $E/enable
echo local > $T/trace_clock
RSEQDEV_BACKEND=module trace-cmd record -q -C global -e rseqdev -o /tmp/trace.dat \
	./trace_test > /tmp/trace_cmd.out 2> /tmp/trace_cmd.err
is "$?" 0 "trace-cmd record -e rseqdev ./trace_test"
sed 's/^/#   stderr: /' /tmp/trace_cmd.err
trace-cmd report -i /tmp/trace.dat > /tmp/trace_report.txt 2> /tmp/trace_cmd.err
is "$?" 0 "trace-cmd report"
read_facts /tmp/trace_cmd.out
got=$(normalized /tmp/trace_report.txt)
is "$got" "$(expected)" "trace-cmd report: the records, in the program's order"
[ "$got" = "$(expected)" ] || sed 's/^/#   report: /' /tmp/trace_report.txt /tmp/trace_cmd.err

# Disabled, the same program leaves nothing.
echo 0 > $E/enable
ok "every rseqdev event disabled" test "$(cat $E/enable)" = 0
trace_sequence /tmp/trace_test.out
is "$?" 0 "trace_test ran again, the events disabled"
is "$(grep -c ' rseqdev_' /tmp/trace.txt)" 0 "...and no rseqdev record"
echo > $T/trace
done_testing
