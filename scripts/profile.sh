#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Where a context switch's instructions go, function by function: the
# switch benchmark's measuring child (rseq_bench --switch-child) runs in
# a deterministic (icount) guest, once per registration, with a QEMU TCG
# plugin (profile/insnprof.c) counting the instructions executed at each
# kernel address; profile/report.pl names their functions and prints the
# instructions per switch of each registration, function by function, the
# functions that differ first. It explains the benchmark's "added per
# switch" figures (docs/performance.md); it checks nothing.
#
# usage: scripts/profile.sh [--kernel NAME] [--kind yield|pipe]
#                           [--rounds N] [REGISTRATION...]
#   REGISTRATION: none, native, module, both, 71-legacy, 71-optimized
#   (the benchmark's; default: none native module); --rounds: the child's
#   rounds, two switches each (default 200000 for yield, 100000 for pipe)
#
# The guests boot with nokaslr, so that the kernel's addresses are those
# its /proc/kallsyms showed in a first guest; each counted guest prints the
# module's symbols after the benchmark (wherever it was loaded). Output in
# build/profile/.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

kernel=$(default_kernel)
kind=yield
rounds=
while [ $# -gt 0 ]; do
	case "$1" in
	--kernel) kernel=$2; shift 2 ;;
	--kind) kind=$2; shift 2 ;;
	--rounds) rounds=$2; shift 2 ;;
	-*) die "unknown option '$1' (see the header of $0)" ;;
	*) break ;;
	esac
done
registrations=("$@")
[ ${#registrations[@]} -gt 0 ] || registrations=(none native module)
case "$kind" in
yield) rounds=${rounds:-200000} ;;
pipe) rounds=${rounds:-100000} ;;
*) die "--kind: yield or pipe, not '$kind'" ;;
esac

# environment REGISTRATION: the child's environment and its "module"
# argument, as rseq_bench's switch modes set them (userspace/bench/switch.c).
environment() {
	local off=GLIBC_TUNABLES=glibc.pthread.rseq=0 on='env -u GLIBC_TUNABLES'
	case "$1" in
	none) echo "$off 0" ;;
	native) echo "$on 0" ;;
	module) echo "$off RSEQDEV_BACKEND=module 1" ;;
	both) echo "$on RSEQDEV_BACKEND=module 1" ;;
	71-legacy) echo "$off RSEQDEV_BACKEND=module RSEQDEV_GENERATION=7.1-legacy 1" ;;
	71-optimized) echo "$off RSEQDEV_BACKEND=module RSEQDEV_GENERATION=7.1 1" ;;
	*) die "unknown registration '$1' (see the header of $0)" ;;
	esac
}

work=$RSEQDEV_BUILD/profile
mkdir -p "$work"
ensure_packages gcc
plugin=$work/insnprof.so
gcc -O2 -Wall -shared -fPIC -fvisibility=hidden -o "$plugin" \
	"$RSEQDEV_TOP/scripts/profile/insnprof.c"

# The kernel's symbols, once per kernel: with nokaslr they are the same at
# every boot. A guest of its own prints them (a plan entry's output), so
# that the counted guests stop counting before they print anything.
symbols=$work/$(matrix_field "$kernel" 2).kallsyms
if [ ! -s "$symbols" ]; then
	printf '%s\n' "symbols sh -c 'grep -i \" [tw] \" /proc/kallsyms | sed \"s/^/# ksym /\"; echo 1..1; echo ok 1 - printed'" \
		> "$work/symbols.plan"
	step "profile: $kernel, its symbols"
	RSEQDEV_KERNEL_ARGS=nokaslr "$RSEQDEV_TOP/scripts/vm-run.sh" --kernel "$kernel" --smp 1 \
		--plan "$work/symbols.plan" --tag profile-symbols > "$symbols.log" ||
		die "the guest failed: $symbols.log"
	grep '# ksym ' "$symbols.log" | grep -v '\[' > "$symbols"
fi
# The counts stop at the first sync(2), which the plan makes right after
# the benchmark: the guest's report and shutdown do not count.
stop=$(awk '$(NF - 1) ~ /^[tT]$/ && $NF == "ksys_sync" { print $(NF - 2) }' "$symbols")
[ -n "$stop" ] || die "$symbols: no ksys_sync"

runs=()
for r in "${registrations[@]}"; do
	env=$(environment "$r")
	plan=$work/$r.plan
	counts=$work/$kernel-$kind-$r.counts
	log=$work/$kernel-$kind-$r.log
	printf '%s\n' "profile sh -c '${env% *} rseq_bench --switch-child $kind $rounds ${env##* } | sed \"s/^/# switch-ns /\"; sync; grep rseqdev /proc/kallsyms | sed \"s/^/# ksym /\"; echo 1..1; echo ok 1 - profiled'" > "$plan"
	step "profile: $kernel, $kind, $r ($rounds rounds)"
	rm -f "$counts"
	RSEQDEV_KERNEL_ARGS=nokaslr RSEQDEV_QEMU_ARGS="-plugin $plugin,out=$counts,stop=$stop" \
		"$RSEQDEV_TOP/scripts/vm-run.sh" --kernel "$kernel" --icount --plan "$plan" \
		--tag "profile-$r" > "$log" || die "the guest failed: $log"
	[ -s "$counts" ] || die "no counts from the plugin: $counts"
	cat "$symbols" >> "$log"
	runs+=("$r=$counts:$log")
done
echo "== $(matrix_field "$kernel" 2), $kind, $rounds rounds, QEMU icount: instructions per switch"
"$RSEQDEV_TOP/scripts/profile/report.pl" $((2 * rounds)) "${runs[@]}"
