#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# No-SFC baseline for the benchmarks: the same namespaces and SFs as the e2e
# testbed (tests/e2e/cbxnet.py), wired as plain IP next hops along the
# spec's first chain (or "baseline_chain": SPI), without NSH or BPF stages.
#
#   bench/baseline/baseline.sh up [SPEC]   prints client/server/SF addresses
#   bench/baseline/baseline.sh down
#
# Path: client -> SF1 -> ... -> SFn -> server (static /32 and /128 routes;
# relays get their next hop MAC), replies go straight back to the client,
# as in the SFC case. Client 10.77.0.1 / fd77::1 in cbx-client, server
# 10.77.0.2 / fd77::2 in cbx-server; every SF also has 10.77.0.(10+i).
set -e
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
workdir=${BASELINE_WORKDIR:-$top/build/bench/baseline}
case "${1:-}" in
up)
	spec=${2:-$here/chain3.json}
	make -C "$top" --no-print-directory build/tests/e2e/cbx-relay >/dev/null
	exec "$top/tests/e2e/testbed" up "$spec" --baseline -w "$workdir"
	;;
down)
	exec "$top/tests/e2e/testbed" down -w "$workdir"
	;;
*)
	echo "usage: $0 up [SPEC] | down" >&2
	exit 2
	;;
esac
