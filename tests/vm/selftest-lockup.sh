# SPDX-License-Identifier: GPL-2.0-only
# Harness self-test: the selftest build spins with preemption off once
# loaded, so this CPU never schedules again. The soft-lockup detector must
# panic the guest with the backtraces on the console, and the harness must
# fail the run and quote where the CPU was.
. ./tap.sh
is "$(modctl unload rseqdev)" ok "production module unloaded"
echo "# loading the selftest build with stall_at_load=1"
modctl load /lib/modules/selftest/rseqdev.ko stall_at_load=1
tap_result 0 "the load returned: the stall did not happen"
done_testing
