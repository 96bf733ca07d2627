#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# libFuzzer on the library's and the shim's argument handling, on the
# host, without the module (issue 12). tests/host/unit/fuzz_args.c turns
# arbitrary bytes into the arguments of the rseqdev_cpu_op_*() vector builders,
# the rseqdev_*() device calls, the shim's syscall(rseq / membarrier) and
# getauxval(), and the per-CPU creators, with the device missing or
# faked, and aborts where a result departs from what the library
# documents; built with clang's -fsanitize=fuzzer,address,undefined.
#
# First every input of tests/host/unit/corpus runs once (seeds, and the
# inputs of bugs found so far), then the fuzzer runs from them for
# $RSEQDEV_FUZZ_SECONDS (30 by default) with seed $RSEQDEV_FUZZ_SEED
# (default: a new one, printed). A crash fails the test and is printed
# with the commands that replay it.
. "$(dirname "$0")/tap.sh"

# libclang-rt-dev: clang's sanitizer and libFuzzer runtimes.
ensure_packages clang libclang-rt-dev libc6-dev make

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
unit=$RSEQDEV_TOP/tests/host/unit
seconds=${RSEQDEV_FUZZ_SECONDS:-30}
seed=${RSEQDEV_FUZZ_SEED:-$(( $(od -An -N4 -tu4 /dev/urandom) % 2147483647 + 1 ))}
export ASAN_OPTIONS=halt_on_error=1:detect_leaks=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
# What fuzz_args.c expects: the module backend, the fake device, and no
# area registered by glibc.
fuzz_env=(RSEQDEV_BACKEND=module RSEQDEV_DEVICE=/dev/null GLIBC_TUNABLES=glibc.pthread.rseq=0)
failure='ERROR: libFuzzer|ERROR: (Address|Leak)Sanitizer|runtime error:|^fuzz_args: '

out=$(make -s -C "$unit" O="$work/build" CC=clang fuzz 2>&1)
is "$out" "" "clang: fuzz_args builds with libFuzzer, ASan and UBSan, -Werror"
fuzzer=$work/build/fuzz_args

# report LOG: the crash and how to replay it, as TAP comments.
report() {
	local crash
	grep -E "$failure|SUMMARY" "$1" | head -n 20 | sed 's/^/#   /'
	for crash in "$work"/crash-* "$work"/leak-* "$work"/timeout-* "$work"/oom-*; do
		[ -f "$crash" ] || continue
		echo "#   replay: make -C tests/host/unit O=/tmp/fuzz CC=clang fuzz &&" \
			"echo $(base64 -w0 "$crash") | base64 -d > /tmp/fuzz/crash &&" \
			"${fuzz_env[*]} /tmp/fuzz/fuzz_args /tmp/fuzz/crash"
	done
}

env "${fuzz_env[@]}" "$fuzzer" "$unit"/corpus/* > "$work/replay.log" 2>&1
rc=$?
if [ "$rc" -eq 0 ] && ! grep -qE "$failure" "$work/replay.log"; then
	tap_result 1 "the corpus's $(ls "$unit/corpus" | wc -l) inputs pass"
else
	tap_result 0 "the corpus's inputs pass"
	report "$work/replay.log"
fi

mkdir "$work/corpus"
echo "# fuzzing for ${seconds}s, seed $seed (RSEQDEV_FUZZ_SEED=$seed starts the same way)"
env "${fuzz_env[@]}" "$fuzzer" -seed="$seed" -max_total_time="$seconds" \
	-timeout=10 -max_len=256 -artifact_prefix="$work/" -print_final_stats=1 \
	"$work/corpus" "$unit/corpus" > "$work/fuzz.log" 2>&1
rc=$?
runs=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$work/fuzz.log")
if [ "$rc" -eq 0 ] && [ -n "$runs" ] && ! grep -qE "$failure" "$work/fuzz.log"; then
	cov=$(grep -oE 'cov: [0-9]+' "$work/fuzz.log" | tail -n 1)
	tap_result 1 "fuzzed for ${seconds}s: $runs inputs, no crash (${cov#cov: } edges covered)"
else
	tap_result 0 "fuzzed for ${seconds}s without a crash (seed $seed)"
	report "$work/fuzz.log"
fi
done_testing
