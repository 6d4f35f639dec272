#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# The test-e2e suite: every scenario of tests/e2e/scenarios.py, each in its
# own namespace topology. A missing prerequisite fails the suite with a
# message; nothing is skipped. Whatever happens, no cbx-* namespace stays.
# Extra arguments pick scenarios (see scenarios.py --list).
cd "$(dirname "$0")/../.." || exit 3
BUILD=${BUILD:-build}
export BUILD

missing=""
[ "$(id -u)" = 0 ] || missing="$missing root"
for t in ip tcpdump tshark nft iperf3 ping ethtool; do
	command -v "$t" >/dev/null 2>&1 || missing="$missing $t"
done
[ -x /usr/bin/python3 ] || missing="$missing /usr/bin/python3"
for f in "$BUILD/cboxc" "$BUILD/cbox" "$BUILD/tests/e2e/cbx-relay"; do
	[ -x "$f" ] || missing="$missing $f"
done
if [ -n "$missing" ]; then
	echo "test-e2e: FAIL: missing prerequisites:$missing" >&2
	exit 1
fi
if ip netns list | grep -q '^cbx-'; then
	echo "test-e2e: FAIL: cbx-* namespaces exist already (another run?):" \
		"run tests/e2e/testbed cleanup" >&2
	exit 1
fi

cleanup() {
	left=$(ip netns list | awk '/^cbx-/ {print $1}')
	if [ -n "$left" ]; then
		echo "test-e2e: removing leftover namespaces:" $left >&2
		tests/e2e/testbed cleanup >/dev/null
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

/usr/bin/python3 tests/e2e/scenarios.py "$@"
