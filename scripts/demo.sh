#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The main job on the embedded default: install what is missing, build the
# module through DKMS and the user-space side, boot a stock Debian kernel
# under QEMU, load the module, run the demonstration and print it.
#
# usage: scripts/demo.sh [KERNEL-NAME]   (default: first line of matrix.conf)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

kernel=${1:-$(default_kernel)}
"$RSEQDEV_TOP/scripts/setup-host.sh" "$kernel"
tap=$("$RSEQDEV_TOP/scripts/vm-run.sh" --kernel "$kernel" --tag demo \
	--plan "$RSEQDEV_TOP/tests/vm/demo.plan") && status=0 || status=$?

echo
echo "== rseqdev $(rseqdev_version) on stock Debian kernel $(matrix_field "$kernel" 2), QEMU TCG =="
sed -n 's/^# demo| \{0,1\}//p' <<< "$tap"
verdict() { grep -qE "^ok [0-9]+ - $1" <<< "$tap" && echo "yes" || echo "NO"; }
echo "module loaded:                      $(verdict 'module loads')"
echo "per-CPU totals exact under fire:    $(verdict 'demo: per-CPU totals exact')"
echo "debugger gets through (cpu_opv):    $(verdict 'demo: the debugger gets through')"
echo "...and not without cpu_opv:         $(verdict 'demo: without cpu_opv it does not')"
echo "unmodified rseq program on module:  $(verdict 'demo: the plain rseq program passes')"
echo "module unloaded:                    $(verdict 'module unloads')"
echo "kernel log clean:                   $(verdict 'dmesg clean')"
if [ "$status" -ne 0 ]; then
	echo
	echo "The demo failed; the harness said:"
	grep -E '^not ok|^# ' <<< "$tap" | grep -v '^# demo|'
fi
exit "$status"
