# SPDX-License-Identifier: GPL-2.0-only
# Unmodified programs (tests/plain: libc and kernel headers only, the rseq
# and membarrier system calls through syscall()) on the module through
# librseqdev-preload.so, against the same programs on the kernel's own rseq.
# The module's registration and fence counts (`rseqctl stats`), before and
# after each program, show which of the two served it.
#
# usage: sh preload.sh native|module|unavailable|modes
#   native       the reference: each program on the kernel, glibc's rseq off
#   module       each program under the preload, glibc's rseq off
#   unavailable  no device, or one the user may not open: ENOSYS, one warning
#   modes        RSEQDEV_PRELOAD_RSEQ with glibc's own registration on
. ./tap.sh

what=$1
# The shim under test: the plan's build, or a build variant's (builds.sh).
so=${RSEQDEV_PRELOAD_SO:-/usr/lib/librseqdev-preload.so}
plain=/tests/plain
off=GLIBC_TUNABLES=glibc.pthread.rseq=0
preload="LD_PRELOAD=$so"
err=/tmp/preload.err
nproc=$(nproc)

# counter NAME: one of the module's counters, from rseqctl stats.
counter() {
	rseqctl stats | sed -n "s/^$1  *//p"
}

registrations() {
	counter 'registrations since load'
}

fences() {
	counter 'fences run'
}

# The module's struct rseq, as getauxval() should describe it under the preload.
set -- $(rseqctl | sed -n 's/^struct rseq  *feature size \([0-9]*\), alignment \([0-9]*\)$/\1 \2/p')
module_auxv="$1 $2"

# run DESC COMMAND: passes when COMMAND (through sh -c) exits 0. Its stderr
# stays in $err; its output is shown when it fails (its failed checks
# first), its comments always.
run() {
	out=$(sh -c "$2" 2>"$err")
	status=$?
	if [ "$status" = 0 ]; then
		tap_result 1 "$1"
		printf '%s\n' "$out" | grep '^#'
	else
		tap_result 0 "$1 (exit status $status)"
		printf '%s\n' "$out" | grep '^not ok' | sed 's/^/# failed: /'
		printf '%s\n' "$out" | sed 's/^/#   /'
		sed 's/^/#   stderr: /' "$err"
	fi
}

# count_is GOT WANT DESC: GOT is WANT, or at least N when WANT is "N+".
count_is() {
	case "$2" in
	*+)	if [ "$1" -ge "${2%+}" ]; then r=1; else r=0; fi
		tap_result $r "$3: at least ${2%+} ($1)" ;;
	*)	is "$1" "$2" "$3: $2" ;;
	esac
}

# check DESC REGS COMMAND [FENCES]: run, then check the registrations (and
# fences) the module counted meanwhile.
check() {
	regs=$(registrations)
	fenced=$(fences)
	run "$1" "$3"
	count_is $(($(registrations) - regs)) "$2" "$1: registrations through the module"
	[ -z "$4" ] || count_is $(($(fences) - fenced)) "$4" "$1: fences through the module"
}

# no_stderr DESC: the last command wrote nothing on stderr.
no_stderr() {
	is "$(cat "$err")" "" "$1: nothing on stderr"
}

native() {
	check "rseq errors, native" 0 "$off $plain/plain_rseq_errors kernel kernel"
	check "per-CPU counter, native" 0 "$off $plain/plain_percpu_counter"
	check "membarrier, native" 0 "$off $plain/plain_membarrier" 0
	check "fork, exec, threads, native" 0 "$off $plain/plain_fork_exec"
	check "one slot beside glibc, native" 0 "$plain/plain_glibc_rseq one-slot"
	check "time-slice extension, native: none" 0 "$off $plain/plain_slice kernel"
}

module() {
	echo "# module: $(rseqctl | grep -i 'fence')"
	check "rseq errors, preload" 1 "$off $preload $plain/plain_rseq_errors $module_auxv"
	no_stderr "rseq errors, preload"
	check "per-CPU counter, preload" $((4 * nproc)) "$off $preload $plain/plain_percpu_counter"
	# 2 workers per CPU and the held one; 100 swaps and 50 held sections fence.
	check "membarrier, preload" $((2 * nproc + 1)) "$off $preload $plain/plain_membarrier" 150+
	# 7 registrations by the programs; fork's inherited ones may count too.
	check "fork, exec, threads, preload" 7+ "$off $preload $plain/plain_fork_exec"
	check "time-slice extension, preload, 7.1" 1 \
		"$off RSEQDEV_GENERATION=7.1 $preload $plain/plain_slice extension"
	check "time-slice extension, preload, classic: none" 0 \
		"$off RSEQDEV_GENERATION=classic $preload $plain/plain_slice kernel"
}

# The device the preload opens, as root's only (mode 0600), for nobody.
private_device() {
	set -- $(stat -c '%t %T' /dev/rseq)
	rm -f /tmp/rseq-private
	mknod -m 0600 /tmp/rseq-private c $((0x$1)) $((0x$2))
	grep -qs '^nobody:' /etc/passwd && return
	mkdir -p /etc
	echo 'nobody:x:65534:65534:nobody:/:/bin/sh' >> /etc/passwd
}

unavailable() {
	check "no device: every rseq call fails with ENOSYS" 0 \
		"RSEQDEV_DEVICE=/nonexistent $off $preload $plain/plain_rseq_errors --enosys kernel kernel"
	no_stderr "no device"
	out=$(RSEQDEV_DEVICE=/nonexistent GLIBC_TUNABLES=glibc.pthread.rseq=0 LD_PRELOAD=$so \
	      $plain/plain_percpu_counter 2 10 2>&1)
	status=$?
	is "$status" 1 "no device: a threaded program fails its checks, without a crash"

	private_device
	check "device not permitted: ENOSYS" 0 \
		"su -s /bin/sh nobody -c 'RSEQDEV_DEVICE=/tmp/rseq-private $off $preload $plain/plain_rseq_errors --enosys kernel kernel'"
	is "$(wc -l < "$err")" 1 "device not permitted: one line on stderr for four calls"
	like "$(cat "$err")" \
		'^rseqdev-preload: cannot open /tmp/rseq-private: Permission denied; rseq calls fail with ENOSYS$' \
		"device not permitted: the line says why and what follows"
	rm -f /tmp/rseq-private
}

modes() {
	# module (the default): a second area beside glibc's, served by the
	# module; membarrier fences both, so sections on glibc's areas abort too.
	check "module mode, glibc's rseq on: coexist" 2 "$preload $plain/plain_glibc_rseq coexist" 20+
	check "module mode, glibc's rseq on: per-CPU counter" $((4 * nproc)) \
		"$preload $plain/plain_percpu_counter"
	check "module mode, glibc's rseq on: membarrier" $((2 * nproc + 1)) \
		"$preload $plain/plain_membarrier" 150+
	# glibc's areas are the kernel's: getauxval() describes the kernel's.
	check "module mode, glibc's rseq on: auxv is the kernel's" 1 \
		"$preload $plain/plain_rseq_errors kernel kernel"

	# auto: the kernel has rseq, so the module serves nothing.
	check "auto mode, glibc's rseq on: one slot" 0 \
		"RSEQDEV_PRELOAD_RSEQ=auto $preload $plain/plain_glibc_rseq one-slot" 0
	check "auto mode, glibc's rseq off: the kernel's rseq" 0 \
		"RSEQDEV_PRELOAD_RSEQ=auto $off $preload $plain/plain_rseq_errors kernel kernel"
	check "auto mode: membarrier is the kernel's" 0 \
		"RSEQDEV_PRELOAD_RSEQ=auto $off $preload $plain/plain_membarrier" 0

	# exclusive: glibc's slot answers until it is unregistered; then the module.
	check "exclusive mode, glibc's rseq on: one slot" 1 \
		"RSEQDEV_PRELOAD_RSEQ=exclusive $preload $plain/plain_glibc_rseq one-slot" 20+
	check "exclusive mode, glibc's rseq off: the module" 1 \
		"RSEQDEV_PRELOAD_RSEQ=exclusive $off $preload $plain/plain_rseq_errors $module_auxv"

	check "unknown mode: the default" 1 \
		"RSEQDEV_PRELOAD_RSEQ=bogus $off $preload $plain/plain_rseq_errors $module_auxv"
	like "$(cat "$err")" \
		'^rseqdev-preload: ignoring RSEQDEV_PRELOAD_RSEQ=bogus \(module, auto or exclusive\); using module$' \
		"unknown mode: says so"
	is "$(wc -l < "$err")" 1 "unknown mode: once"
}

case "$what" in
native|module|unavailable|modes) "$what" ;;
*) echo "usage: sh preload.sh native|module|unavailable|modes" >&2; exit 2 ;;
esac
done_testing
