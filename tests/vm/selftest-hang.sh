# SPDX-License-Identifier: GPL-2.0-only
# Harness self-test: a test that never ends. The harness must time out.
echo "# sleeping forever"
sleep 100000
