# SPDX-License-Identifier: GPL-2.0-only
# Harness self-test: a test that passes but makes the kernel warn, through
# the selftest build of the module. The harness must fail the run on dmesg.
. ./tap.sh
is "$(modctl unload rseqdev)" ok "production module unloaded"
is "$(modctl load /lib/modules/selftest/rseqdev.ko warn_at_load=1)" ok \
	"selftest module loaded with warn_at_load=1"
is "$(modctl unload rseqdev)" ok "selftest module unloaded"
is "$(modctl load /lib/modules/rseqdev.ko)" ok "production module loaded again"
done_testing
