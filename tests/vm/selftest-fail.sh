# SPDX-License-Identifier: GPL-2.0-only
# Harness self-test: a test that fails on purpose.
. ./tap.sh
is "1" "2" "deliberately failing check"
done_testing
