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
possible=$(cat /sys/devices/system/cpu/possible)
like "$out" "^possible CPU ids +$((${possible##*-} + 1))\$" "shows nr_cpu_ids"
like "$out" '^cpu_opv limits +16 ops, 4096 bytes per op, 4216 bytes per vector$' \
	"shows the cpu_opv limits"

out=$(rseqctl stats 2>&1)
is "$?" 0 "rseqctl stats exits 0"
like "$out" '^registered threads +0$' "stats: no thread registered"
like "$out" '^cpu_opv vectors run +[0-9]+$' "stats: the vector count"
like "$out" '^cpu_opv longest preempt-off +[0-9]+ ns$' "stats: the preemption-off maximum"
out=$(rseqctl stats --reset-max 2>&1)
is "$?" 0 "rseqctl stats --reset-max as root"
out=$(rseqctl stats 2>&1)
like "$out" '^cpu_opv longest preempt-off +0 ns$' "stats: the maximum starts again at 0"
rseqctl stats --bogus >/dev/null 2>&1
is "$?" 2 "stats with an unknown option: exit 2"

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
