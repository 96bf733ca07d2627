# SPDX-License-Identifier: GPL-2.0-only
# Harness self-test: a test that passes but leaves an allocation of the
# module's selftest build unreferenced. On a kernel with kmemleak the
# harness must fail the run on the leak.
. ./tap.sh
is "$(modctl unload rseqdev)" ok "production module unloaded"
is "$(modctl load /lib/modules/selftest/rseqdev.ko leak_at_load=1)" ok \
	"selftest module loaded with leak_at_load=1"
is "$(modctl unload rseqdev)" ok "selftest module unloaded"
is "$(modctl load /lib/modules/rseqdev.ko)" ok "production module loaded again"
done_testing
