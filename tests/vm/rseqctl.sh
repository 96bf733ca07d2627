# SPDX-License-Identifier: GPL-2.0-only
# rseqctl prints what the query returns, and fails clearly without the module.
. ./tap.sh

out=$(rseqctl 2>&1)
is "$?" 0 "rseqctl exits 0 with the module loaded"
like "$out" '^ABI version +1$' "shows the ABI version"
like "$out" "^module version +$(cat /sys/module/rseqdev/version)\$" "shows the module version"
like "$out" '^  rseq registration and aborts +(yes|no)$' "shows the rseq feature"
like "$out" '^  cpu_opv +(yes|no)$' "shows the cpu_opv feature"
like "$out" '^struct rseq +feature size 28, alignment 32$' "shows the struct rseq layout"
like "$out" '^generations +classic, 7\.1$' "shows the generations"
like "$out" '^default generation +classic$' "shows the default generation"
like "$out" '^  7\.1 time-slice extension +yes$' "the time-slice extension is offered by default"

# slice_ext (mainline's rseq_slice_ext=) takes it back for later registrations.
echo N > /sys/module/rseqdev/parameters/slice_ext
like "$(rseqctl 2>&1)" '^  7\.1 time-slice extension +no$' "slice_ext=N: not offered"
echo Y > /sys/module/rseqdev/parameters/slice_ext
like "$(rseqctl 2>&1)" '^  7\.1 time-slice extension +yes$' "slice_ext=Y: offered again"

# The default generation is a module parameter, writable at run time.
param=/sys/module/rseqdev/parameters/generation
is "$(cat $param)" classic "generation parameter: classic by default"
echo 7.1 > $param
is "$?" 0 "generation parameter: accepts 7.1"
out=$(rseqctl 2>&1)
like "$out" '^default generation +7\.1$' "7.1 default: shown"
like "$out" '^struct rseq +feature size 33, alignment 64$' "7.1 default: its layout (mainline-7x.md section 2)"
for bad in 7.0 CLASSIC "" "classic7.1" 2; do
	echo "$bad" > $param 2>/dev/null
	is "$?" 1 "generation parameter: refuses '$bad'"
done
is "$(cat $param)" 7.1 "generation parameter: unchanged by refused values"
echo classic > $param
is "$(cat $param)" classic "generation parameter: back to classic"
possible=$(cat /sys/devices/system/cpu/possible)
like "$out" "^possible CPU ids +$((${possible##*-} + 1))\$" "shows nr_cpu_ids"
like "$out" '^cpu_opv limits +16 ops, 4096 bytes per op, 4216 bytes per vector$' \
	"shows the cpu_opv limits"

out=$(rseqctl stats 2>&1)
is "$?" 0 "rseqctl stats exits 0"
like "$out" '^registered threads +0$' "stats: no thread registered"
like "$out" '^cpu_opv vectors run +[0-9]+$' "stats: the vector count"
like "$out" '^cpu_opv longest preempt-off +[0-9]+ ns$' "stats: the preemption-off maximum"
like "$out" '^time-slice extensions granted +[0-9]+$' "stats: the time-slice extension's grants"
like "$out" '^  ended by rseq_slice_yield +[0-9]+$' "stats: and how they ended"
out=$(rseqctl stats --reset-max 2>&1)
is "$?" 0 "rseqctl stats --reset-max as root"
out=$(rseqctl stats 2>&1)
like "$out" '^cpu_opv longest preempt-off +0 ns$' "stats: the maximum starts again at 0"
rseqctl stats --bogus >/dev/null 2>&1
is "$?" 2 "stats with an unknown option: exit 2"

# The library's RSEQ_SIG on this architecture (rseqdev/arch/*.h).
case $(uname -m) in
aarch64) sig=0xd428bc00 ;;
*) sig=0x53053053 ;;
esac

# threads PID: a process with three registered threads, then bad input
fence_test --hold 3 >/tmp/hold.out &
holder=$!
while ! grep -q ready /tmp/hold.out 2>/dev/null; do usleep 20000; done
out=$(rseqctl threads $holder 2>&1)
is "$?" 0 "threads: exits 0"
like "$out" "^process $holder: 3 threads registered through the module\$" "threads: the count"
tids=$(printf '%s\n' "$out" | awk '$1 ~ /^[0-9]+$/ { print $1 }' | sort -n | tr '\n' ' ')
is "$tids" "$(ls /proc/$holder/task | sort -n | tr '\n' ' ')" "threads: one line per thread, by tid"
like "$out" "$sig" "threads: the signature column"
like "$out" " 32 $sig classic " "threads: a classic 32-byte registration"
kill $holder
wait $holder 2>/dev/null
for gen in 7.1:33:7.1-opt 7.1-legacy:32:7.1-legacy classic:32:classic; do
	set -- $(echo $gen | tr : ' ')
	rm -f /tmp/hold.out
	RSEQDEV_GENERATION=$1 fence_test --hold 1 >/tmp/hold.out &
	holder=$!
	while ! grep -q ready /tmp/hold.out 2>/dev/null; do usleep 20000; done
	out=$(rseqctl threads $holder 2>&1)
	like "$out" " $2 $sig $3 " "threads: RSEQDEV_GENERATION=$1 registers $2 bytes under $3 rules"
	kill $holder
	wait $holder 2>/dev/null
done
out=$(rseqctl threads 1 2>&1)
like "$out" '^process 1: 0 threads registered through the module$' "threads: init has none"
out=$(rseqctl threads 1073741823 2>&1)
is "$?" 1 "threads: no such process: exit 1"
like "$out" 'process 1073741823: no such process' "threads: says so"
rseqctl threads nope >/dev/null 2>&1
is "$?" 2 "threads: not a pid: exit 2"

out=$(rseqctl --version)
like "$out" '^rseqctl [0-9]+\.[0-9]+\.[0-9]+$' "--version"
rseqctl bogus >/dev/null 2>&1
is "$?" 2 "unknown command: exit 2"

out=$(RSEQDEV_DEVICE=/dev/nonexistent rseqctl 2>&1)
is "$?" 1 "missing device: exit 1"
like "$out" 'cannot open /dev/nonexistent: No such file or directory' "missing device: says why"
like "$out" 'module is not loaded; load it with: sudo modprobe rseqdev' "missing device: says what to do"

rmmod rseqdev
out=$(rseqctl 2>&1)
is "$?" 1 "module unloaded: exit 1"
like "$out" 'module is not loaded' "module unloaded: says so"
insmod /lib/modules/rseqdev.ko
ok "module reloaded" test -c /dev/rseq
done_testing
