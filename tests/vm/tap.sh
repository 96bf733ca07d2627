# SPDX-License-Identifier: GPL-2.0-only
# TAP helpers for the guest's shell tests (busybox sh). Source it.

tap_n=0
tap_failed=0

tap_result() { # PASS DESC
	tap_n=$((tap_n + 1))
	if [ "$1" = 1 ]; then
		echo "ok $tap_n - $2"
	else
		echo "not ok $tap_n - $2"
		tap_failed=1
	fi
}

# ok DESC COMMAND...: passes when the command succeeds.
ok() {
	desc=$1
	shift
	if "$@"; then tap_result 1 "$desc"; else tap_result 0 "$desc"; fi
}

# is GOT WANT DESC: passes when the strings are equal.
is() {
	if [ "$1" = "$2" ]; then
		tap_result 1 "$3"
	else
		tap_result 0 "$3"
		explain_difference "$1" "$2"
	fi
}

# explain_difference GOT WANT: why is() failed, every line a TAP comment;
# for texts of several lines, the first line that differs comes first, so
# that a summary that keeps a failure's first comments keeps the cause.
explain_difference() {
	case "$1$2" in
	*"
"*)	printf '%s\n' "$1" > /tmp/tap.got
		printf '%s\n' "$2" > /tmp/tap.want
		awk 'NR == FNR { got[FNR] = $0; n = FNR; next }
		     !done && (FNR > n || got[FNR] != $0) {
			printf "# line %d: got %s, want '\''%s'\''\n", FNR,
			       (FNR > n ? "nothing" : "'\''" got[FNR] "'\''"), $0
			done = 1
		     }
		     END { if (!done) printf "# line %d: got '\''%s'\'', want nothing\n", FNR + 1, got[FNR + 1] }' \
			/tmp/tap.got /tmp/tap.want
		sed 's/^/#   got:  /' /tmp/tap.got
		sed 's/^/#   want: /' /tmp/tap.want ;;
	*)	echo "# got '$1', want '$2'" ;;
	esac
}

# like TEXT PATTERN DESC: passes when TEXT has a line matching the ERE.
like() {
	if printf '%s\n' "$1" | grep -qE "$2"; then
		tap_result 1 "$3"
	else
		tap_result 0 "$3"
		echo "# no line matches /$2/ in:"
		printf '%s\n' "$1" | sed 's/^/#   /'
	fi
}

# stress_reps N: the per-thread repetitions for percpu_stress that make N
# on a 2-CPU guest. It runs four threads per CPU; with more CPUs each does
# a smaller share, so that every guest runs as many operations as the
# 2-CPU one, more of them at once: more CPUs change the races, not how
# many are needed.
stress_reps() {
	cpus=$(grep -c ^processor /proc/cpuinfo)
	if [ "$cpus" -gt 2 ]; then scaled $(($1 * 2 / cpus)); else scaled "$1"; fi
}

# scaled N: a repetition count N divided by the guest's scale, at least 1.
# guest-init sets $RSEQDEV_TEST_SCALE from matrix.conf's "scale=": the
# debug kernel runs the plan several times slower, and its checks (lockdep,
# KASAN, kmemleak) need every path taken, not the stock kernels' volume.
scaled() {
	n=$(($1 / ${RSEQDEV_TEST_SCALE:-1}))
	[ "$n" -gt 0 ] || n=1
	echo "$n"
}

# relay OUTPUT: a program's TAP, as comments under the one result here.
relay() {
	printf '%s\n' "$1" | grep -v '^1\.\.' | sed 's/^/#   /'
}

done_testing() {
	echo "1..$tap_n"
	exit $tap_failed
}
