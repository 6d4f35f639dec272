#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# `make demo`: thesis Figure 5.10 chains in network namespaces with a per-hop
# NSH trace, the rules, the counters and the chain graph; then tears down.
cd "$(dirname "$0")/../.." || exit 3
if [ "$(id -u)" != 0 ]; then
	echo "demo: run as root (network namespaces, BPF)" >&2
	exit 3
fi
make --no-print-directory all >/dev/null || exit 1
if ip netns list | grep -q '^cbx-'; then
	echo "demo: cbx-* namespaces exist (a test running?); run" \
		"tests/e2e/testbed cleanup if not" >&2
	exit 1
fi
trap 'ip netns list | grep -q "^cbx-" && tests/e2e/testbed cleanup >/dev/null' EXIT
trap 'exit 130' INT TERM
/usr/bin/python3 tests/e2e/demo.py
