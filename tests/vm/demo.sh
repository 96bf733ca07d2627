# SPDX-License-Identifier: GPL-2.0-only
# The demonstration run by "make demo": what a user sees on a stock kernel
# with the module loaded. Plain text first, then one TAP line for the harness.
echo "kernel:  $(uname -r) ($(nproc) CPUs)"
echo "device:  $(ls -l /dev/rseq)"
echo
rseqctl
status=$?
echo
if [ $status -eq 0 ]; then echo "ok 1 - rseqctl"; else echo "not ok 1 - rseqctl"; fi
echo "1..1"
