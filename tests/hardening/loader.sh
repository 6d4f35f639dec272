#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Loader robustness under real traffic, on a topology of our own (every
# namespace "cbh-*", removed on exit):
#
#   cbh-ul   bridge br0, one port per namespace below (MTU 1538)
#   cbh-cl   client 10.88.0.1, classifier at eth0 egress (UDP 7000-7999)
#   cbh-sv   server 10.88.0.2, a counting UDP sink
#   cbh-sf1  SF of chain 10 (a Linux router, 10.88.0.11); cbh-sf2 (10.88.0.12)
#            joins in v2 as the first SF of chain 20 = [sf2, sf1]
#
# usage: loader.sh [-r PPS] [-t SECONDS] TEST...    (default: all tests)
# tests: upgrade detach kill9 bpffs ifdel (and steady, for the benchmark)
#   upgrade  re-apply a changed bundle, and the old one again, while traffic
#            runs: zero loss at the sink, zero plain frames leaving the client,
#            zero drops in the chain's counters (above 20k pps, where the
#            CPUs cannot keep up, losses up to the interfaces' and the
#            backlog's overload drops are excused and reported)
#   steady   the same traffic without an upgrade (benchmark baseline)
#   detach   detach while traffic runs: exits 0, leaves nothing behind,
#            traffic goes on plain; loss during the switch is reported
#   kill9    kill -9 cbox apply at several points; the next apply converges
#            (chain works, zero loss), and so does a detach
#   bpffs    no bpffs mounted (private mount namespace): apply mounts one and
#            works, detach cleans; the machine's bpffs is untouched
#   ifdel    the SF's interface vanishes while attached: status and detach
#            still work, and a re-apply after it is back converges
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
CBOXC=$(readlink -f "$BUILD/cboxc")
CBOX=$(readlink -f "${CBOX:-$BUILD/cbox}")
UDPFLOW=$(readlink -f "$BUILD/tests/hardening/udpflow")
TEMPLATES=$(readlink -f "$BUILD/bpf")
RATE=2000
SECS=6
while getopts r:t: o; do
	case $o in
	r) RATE=$OPTARG ;;
	t) SECS=$OPTARG ;;
	*) exit 2 ;;
	esac
done
shift $((OPTIND - 1))
TESTS=${*:-upgrade detach kill9 bpffs ifdel}

HOST=cbhhost
UL=cbh-ul
NSS="cbh-cl cbh-sv cbh-sf1 cbh-sf2"
CL_MAC=02:c1:88:00:00:01
SV_MAC=02:c5:88:00:00:02
WORK=$(mktemp -d /tmp/cbh-loader.XXXXXX)
failures=0
bgpids=""

for b in "$CBOXC" "$CBOX" "$UDPFLOW"; do
	[ -x "$b" ] || { echo "loader: $b is missing (build it first)" >&2; exit 1; }
done
[ "$(id -u)" = 0 ] || { echo "loader: must run as root" >&2; exit 1; }

# One run at a time on a machine: every run uses the same namespace and host
# names, and a second one would tear the first one's topology down.
exec 9>/run/lock/cbh-loader.lock
flock -w 900 9 || { echo "loader: another run holds /run/lock/cbh-loader.lock" >&2; exit 1; }

cleanup() {
	for p in $bgpids; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	"$CBOX" detach --all --host "$HOST" >/dev/null 2>&1
	for ns in $UL $NSS; do ip netns del "$ns" 2>/dev/null; done
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

fail() {
	echo "FAIL $cur: $*"
	failures=$((failures + 1))
}

# -------------------------------------------------------------- topology

port_up() {	# NS MTU [MAC]
	local ns=$1 mtu=$2 mac=${3:-} p=p-${1#cbh-}

	ip -n $UL link add "$p" type veth peer name eth0 netns "$ns" || return 1
	ip -n $UL link set "$p" mtu 1538 master br0 up
	[ -n "$mac" ] && ip -n "$ns" link set eth0 address "$mac"
	ip -n "$ns" link set eth0 mtu "$mtu" up
}

topo_up() {
	ip netns add $UL || return 1
	ip -n $UL link add br0 type bridge
	ip -n $UL link set br0 up
	for ns in $NSS; do
		ip netns add "$ns" || return 1
		ip -n "$ns" link set lo up
	done
	port_up cbh-cl 1500 $CL_MAC && port_up cbh-sv 1500 $SV_MAC &&
		port_up cbh-sf1 1538 02:cb:88:00:00:01 &&
		port_up cbh-sf2 1538 02:cb:88:00:00:02 || return 1
	ip -n cbh-cl addr add 10.88.0.1/24 dev eth0
	ip -n cbh-sv addr add 10.88.0.2/24 dev eth0
	# static neighbours: no ARP broadcast needed for the test traffic
	ip -n cbh-cl neigh replace 10.88.0.2 lladdr $SV_MAC dev eth0
	ip -n cbh-sv neigh replace 10.88.0.1 lladdr $CL_MAC dev eth0
	router_sf 1 && router_sf 2
}

# The SFs are unmodified Linux routers on a one-armed interface.
router_sf() {	# N
	local ns=cbh-sf$1

	ip -n $ns addr add 10.88.0.1$1/24 dev eth0 || return 1
	ip netns exec $ns sysctl -q -w net.ipv4.ip_forward=1 \
		net.ipv4.conf.all.send_redirects=0 \
		net.ipv4.conf.eth0.send_redirects=0 \
		net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.eth0.rp_filter=0 &&
		ip -n $ns neigh replace 10.88.0.2 lladdr $SV_MAC dev eth0
}

# v1: chain 10 = [sf1] for UDP 7000-7999. v2 adds sf2 and chain 20 =
# [sf2, sf1] for UDP 8000-8999: sf1 gets a new forwarding rule and a new
# previous hop (its Dec object changes), the classifier a new rule (its
# object changes), and a new box appears.
write_specs() {
	cat >"$WORK/v1.json" <<EOF
{
  "functions": [
    {"tag": "sf1", "type": "router", "host": "$HOST", "netns": "cbh-sf1",
     "iface": "eth0", "mac": "02:cb:88:00:00:01"}
  ],
  "classifiers": [
    {"tag": "cls1", "host": "$HOST", "netns": "cbh-cl", "iface": "eth0",
     "direction": "egress", "mac": "$CL_MAC"}
  ],
  "chains": [
    {"id": 10, "nodes": ["sf1"],
     "match": [{"classifier": "cls1", "proto": "udp", "dport": "7000-7999"}]}
  ]
}
EOF
	cat >"$WORK/v2.json" <<EOF
{
  "functions": [
    {"tag": "sf1", "type": "router", "host": "$HOST", "netns": "cbh-sf1",
     "iface": "eth0", "mac": "02:cb:88:00:00:01"},
    {"tag": "sf2", "type": "router", "host": "$HOST", "netns": "cbh-sf2",
     "iface": "eth0", "mac": "02:cb:88:00:00:02"}
  ],
  "classifiers": [
    {"tag": "cls1", "host": "$HOST", "netns": "cbh-cl", "iface": "eth0",
     "direction": "egress", "mac": "$CL_MAC"}
  ],
  "chains": [
    {"id": 10, "nodes": ["sf1"],
     "match": [{"classifier": "cls1", "proto": "udp", "dport": "7000-7999"}]},
    {"id": 20, "nodes": ["sf2", "sf1"],
     "match": [{"classifier": "cls1", "proto": "udp", "dport": "8000-8999"}]}
  ]
}
EOF
	"$CBOXC" compile "$WORK/v1.json" -o "$WORK/v1" --templates "$TEMPLATES" &&
		"$CBOXC" compile "$WORK/v2.json" -o "$WORK/v2" --templates "$TEMPLATES"
}

apply() {	# VERSION [extra args]; output in $WORK/apply.out
	local v=$1
	shift
	"$CBOX" apply --host $HOST --fix-mtu "$@" "$WORK/$v/$HOST" >"$WORK/apply.out" 2>&1
}

detach() {
	"$CBOX" detach --host $HOST "$WORK/v1/$HOST" >"$WORK/detach.out" 2>&1
}

# Nothing of ours left: no pins, no XDP, no tc filters on the namespaces'
# interfaces.
assert_clean() {
	local ns left=""

	[ -e /sys/fs/bpf/cbox/$HOST ] && left="$left pins(/sys/fs/bpf/cbox/$HOST)"
	for ns in $NSS; do
		ip -n "$ns" link show eth0 2>/dev/null | grep -q ' xdp' &&
			left="$left xdp($ns)"
		for dir in ingress egress; do
			[ -n "$(tc -n "$ns" filter show dev eth0 $dir 2>/dev/null)" ] &&
				left="$left tc-$dir($ns)"
		done
	done
	[ -z "$left" ] || fail "left behind:$left"
}

# ---------------------------------------------------------------- traffic

# Starts the sink and a capture of plain (non-NSH) chain traffic leaving
# the client; then sends; fills $sent, $uniq, $leaks.
# Drops in the kernel's per-CPU input backlog, machine-wide (column 2 of
# softnet_stat): a sender that outruns the CPU loses packets there, which is
# not the chain's doing.
backlog_drops() {
	local n=0 d

	for d in $(awk '{print $2}' /proc/net/softnet_stat); do
		n=$((n + 0x$d))
	done
	echo $n
}

# Packets the interfaces of our namespaces dropped (rx + tx): a veth with
# XDP attached queues frames in a 256-slot ring and drops when the CPU
# cannot keep up, outside both the backlog and the chain's counters.
iface_drops() {
	local ns

	for ns in $UL $NSS; do
		ip -s -j -n "$ns" link 2>/dev/null
		echo
	done | /usr/bin/python3 -c '
import json, sys
n = 0
for line in sys.stdin:
    line = line.strip()
    if not line:
        continue
    for l in json.loads(line):
        st = l.get("stats64", {})
        n += st.get("rx", {}).get("dropped", 0) + st.get("tx", {}).get("dropped", 0)
print(n)'
}

# Sum of every drop counter of every box and classifier of the host.
chain_drops() {
	"$CBOX" -j stats --host $HOST 2>/dev/null | /usr/bin/python3 -c '
import json, sys
def walk(o):
    if isinstance(o, dict):
        return sum(v if k.startswith("drop_") and isinstance(v, (int, float))
                   else walk(v) for k, v in o.items())
    if isinstance(o, list):
        return sum(walk(v) for v in o)
    return 0
try:
    print(int(walk(json.load(sys.stdin))))
except ValueError:
    print(-1)'
}

traffic_start() {	# PPS SECONDS
	local k
	backlog0=$(backlog_drops)
	ifdrops0=$(iface_drops)
	rm -f "$WORK/ready" "$WORK/sink.out" "$WORK"/send.out.* "$WORK/leak.pcap"
	ip netns exec cbh-sv "$UDPFLOW" recv 7000 1500 "$WORK/ready" \
		>"$WORK/sink.out" 2>&1 &
	sinkpid=$!
	ip netns exec $UL tcpdump -i p-cl -nn -U -w "$WORK/leak.pcap" \
		'udp dst port 7000' >/dev/null 2>&1 &
	dumppid=$!
	bgpids="$bgpids $sinkpid $dumppid"
	for _ in $(seq 50); do [ -e "$WORK/ready" ] && break; sleep 0.1; done
	sleep 1	# tcpdump needs a moment to attach
	# one sender process per 40k pps: a socket sender does the whole
	# path (stack, classifier, chain, sink) in its own context
	nsend=$(( ($1 + 39999) / 40000 ))
	sendpids=""
	for k in $(seq 0 $((nsend - 1))); do
		ip netns exec cbh-cl "$UDPFLOW" send 10.88.0.2 7000 \
			$(($1 / nsend)) "$2" 8 $((k * ($1 / nsend) * $2)) \
			>"$WORK/send.out.$k" 2>&1 &
		sendpids="$sendpids $!"
	done
	bgpids="$bgpids $sendpids"
}

traffic_wait() {
	wait $sendpids
	wait $sinkpid
	sleep 0.5
	kill $dumppid 2>/dev/null
	wait $dumppid 2>/dev/null
	sent=$(cat "$WORK"/send.out.* | awk '/^sent/ {n += $2} END {print n + 0}')
	pps=$(cat "$WORK"/send.out.* | awk '/^sent/ {gsub(/\(/, "", $6); n += $6} END {print n + 0}')
	uniq=$(awk '/^received/ {print $4}' "$WORK/sink.out")
	maxs=$(awk '/^received/ {print $8}' "$WORK/sink.out")
	leaks=$(tcpdump -nn -r "$WORK/leak.pcap" 2>/dev/null | wc -l)
	backlog=$(( $(backlog_drops) - backlog0 ))
	ifdrops=$(( $(iface_drops) - ifdrops0 ))
	: "${sent:=0}" "${uniq:=0}" "${maxs:=0}"
}

quick_traffic() {	# a short burst: fills sent/uniq/leaks
	traffic_start 500 1
	traffic_wait
}

# ------------------------------------------------------------------ tests

t_upgrade() {
	local third=$((SECS / 3)) rc1 rc2

	apply v1 || { fail "apply v1: $(cat "$WORK/apply.out")"; return; }
	traffic_start "$RATE" "$SECS"
	sleep "$third"
	echo "t_v2_start $(date +%s.%N)" >"$WORK/times"
	apply v2
	rc1=$?
	echo "t_v2_end $(date +%s.%N)" >>"$WORK/times"
	cp "$WORK/apply.out" "$WORK/apply-v2.out"
	sleep "$third"
	echo "t_v1_start $(date +%s.%N)" >>"$WORK/times"
	apply v1
	rc2=$?
	echo "t_v1_end $(date +%s.%N)" >>"$WORK/times"
	traffic_wait
	if [ "$leaks" != 0 ]; then
		# when did the plain frames leave, against the two applies
		echo "    leaked frames: first $(tcpdump -tt -nn -r "$WORK/leak.pcap" 2>/dev/null | head -1 | cut -d' ' -f1), last $(tcpdump -tt -nn -r "$WORK/leak.pcap" 2>/dev/null | tail -1 | cut -d' ' -f1)"
		sed 's/^/    /' "$WORK/times"
		sed 's/^/    v2: /' "$WORK/apply-v2.out"
		sed 's/^/    v1: /' "$WORK/apply.out"
	fi
	[ $rc1 = 0 ] || fail "apply v2 under load exited $rc1: $(cat "$WORK/apply-v2.out")"
	[ $rc2 = 0 ] || fail "re-apply v1 under load exited $rc2: $(cat "$WORK/apply.out")"
	"$CBOX" stats --host $HOST >"$WORK/stats.out" 2>&1
	cdrops=$(chain_drops)
	echo "upgrade: $RATE pps asked, ${pps:-?} pps achieved, ${SECS}s, v1 -> v2 -> v1: sent $sent, received $uniq, lost $((sent - uniq)), plain frames leaving the client $leaks, chain drop counters $cdrops, overload drops: interfaces $ifdrops, kernel backlog (machine-wide) $backlog"
	sed 's/^/    /' "$WORK/stats.out"
	[ "$sent" -gt 0 ] || fail "nothing sent"
	[ "$cdrops" = 0 ] || fail "the chain dropped $cdrops packets (see the counters above)"
	# at a rate the CPUs sustain every packet must arrive; above it the
	# kernel's input backlog overflows, and only those losses are excused
	if [ "$uniq" != "$sent" ]; then
		if [ "$RATE" -le 20000 ]; then
			fail "lost $((sent - uniq)) of $sent packets across the upgrade"
		elif [ $((sent - uniq)) -gt $((backlog + ifdrops)) ]; then
			fail "lost $((sent - uniq)) of $sent packets, more than the $((backlog + ifdrops)) dropped for overload"
		fi
	fi
	[ "$leaks" = 0 ] || fail "$leaks chain packets left the client unencapsulated"
	detach || fail "detach: $(cat "$WORK/detach.out")"
	assert_clean
}

# The same traffic without an upgrade: what the machine loses at this rate
# anyway (the benchmark's baseline).
t_steady() {
	apply v1 || { fail "apply v1: $(cat "$WORK/apply.out")"; return; }
	traffic_start "$RATE" "$SECS"
	traffic_wait
	cdrops=$(chain_drops)
	echo "steady: $RATE pps asked, ${pps:-?} pps achieved, ${SECS}s, no upgrade: sent $sent, received $uniq, lost $((sent - uniq)), plain frames leaving the client $leaks, chain drop counters $cdrops, overload drops: interfaces $ifdrops, kernel backlog (machine-wide) $backlog"
	[ "$leaks" = 0 ] || fail "$leaks chain packets left the client unencapsulated"
	[ "$cdrops" = 0 ] || fail "the chain dropped $cdrops packets"
	detach || fail "detach: $(cat "$WORK/detach.out")"
	assert_clean
}

t_detach() {
	local rc

	apply v1 || { fail "apply v1: $(cat "$WORK/apply.out")"; return; }
	traffic_start "$RATE" "$SECS"
	sleep $((SECS / 2))
	detach
	rc=$?
	traffic_wait
	[ $rc = 0 ] || fail "detach under load exited $rc: $(cat "$WORK/detach.out")"
	echo "detach: under $RATE pps: sent $sent, received $uniq (lost $((sent - uniq)) while the stages went away), last seq received $maxs"
	[ "$maxs" = $((sent - 1)) ] || fail "traffic did not go on after detach (last seq $maxs of $sent)"
	assert_clean
}

t_kill9() {
	local d rc

	local i=0

	# apply of v2 takes a few hundred ms: these land in every phase
	for d in 0.01 0.03 0.06 0.1 0.15 0.2 0.3 0.4 0.6 0.9 1.3 2.0; do
		i=$((i + 1))
		"$CBOX" apply --host $HOST --fix-mtu "$WORK/v2/$HOST" >/dev/null 2>&1 &
		local pid=$!
		sleep $d
		# a finished but unreaped apply is a zombie: kill succeeds on it
		st=$(awk '{print $3}' /proc/$pid/stat 2>/dev/null)
		if [ -n "$st" ] && [ "$st" != Z ] && kill -9 $pid 2>/dev/null; then
			killed="killed mid-apply"
		else
			killed="had already finished"
		fi
		wait $pid 2>/dev/null
		# half the time the next step is an apply, else a detach
		if [ $((i % 2)) = 1 ]; then
			apply v1
			rc=$?
			[ $rc = 0 ] || { fail "apply after kill -9 at ${d}s exited $rc: $(cat "$WORK/apply.out")"; continue; }
			quick_traffic
			[ "$sent" -gt 0 ] && [ "$uniq" = "$sent" ] && [ "$leaks" = 0 ] ||
				fail "after kill -9 at ${d}s + apply: sent $sent received $uniq leaks $leaks"
			detach || fail "detach after kill -9 at ${d}s: $(cat "$WORK/detach.out")"
		else
			"$CBOX" detach --all --host $HOST >"$WORK/detach.out" 2>&1 ||
				fail "detach --all after kill -9 at ${d}s: $(cat "$WORK/detach.out")"
		fi
		assert_clean
		echo "kill9: apply (v2) at ${d}s $killed, then $([ $((i % 2)) = 1 ] && echo "apply converged (chain delivers $uniq/$sent)" || echo "detach --all converged")"
	done
}

t_bpffs() {
	local out

	# the machine's bpffs is not touched: everything below happens in a
	# private mount namespace, torn down when the shell exits
	out=$(unshare -m --propagation private sh -c '
		while mountpoint -q /sys/fs/bpf; do umount -l /sys/fs/bpf || exit 9; done
		"$0" apply --host '$HOST' --fix-mtu "$1/v1/'$HOST'" >"$1/apply.out" 2>&1; a=$?
		mountpoint -q /sys/fs/bpf; m=$?
		ls /sys/fs/bpf/cbox/'$HOST' >/dev/null 2>&1; p=$?
		"$0" detach --host '$HOST' "$1/v1/'$HOST'" >"$1/detach.out" 2>&1; d=$?
		echo "$a $m $p $d"' "$CBOX" "$WORK")
	set -- $out
	[ "${1:-x}" = 0 ] || fail "apply without bpffs exited ${1:-?}: $(cat "$WORK/apply.out")"
	[ "${2:-x}" = 0 ] || fail "apply did not mount bpffs"
	[ "${3:-x}" = 0 ] || fail "no pins under the bpffs apply mounted"
	[ "${4:-x}" = 0 ] || fail "detach exited ${4:-?}: $(cat "$WORK/detach.out")"
	assert_clean
	echo "bpffs: with no bpffs mounted, apply mounted one (rc $1, mounted $([ "$2" = 0 ] && echo yes || echo no)), pinned, detach rc $4; machine's bpffs untouched"
}

t_ifdel() {
	local rc

	apply v1 || { fail "apply v1: $(cat "$WORK/apply.out")"; return; }
	ip -n cbh-sf1 link del eth0
	"$CBOX" status --host $HOST >"$WORK/status.out" 2>&1
	rc=$?
	[ $rc -le 3 ] || fail "status crashed (exit $rc): $(cat "$WORK/status.out")"
	echo "ifdel: status with the SF's interface gone exits $rc"
	detach
	rc=$?
	[ $rc = 0 ] || fail "detach with the interface gone exited $rc: $(cat "$WORK/detach.out")"
	[ -e /sys/fs/bpf/cbox/$HOST ] && fail "detach left pins behind"
	echo "ifdel: detach with the SF's interface gone exits $rc"
	port_up cbh-sf1 1538 02:cb:88:00:00:01 && router_sf 1 ||
		{ fail "recreating the SF's interface"; return; }
	apply v1
	rc=$?
	[ $rc = 0 ] || { fail "re-apply after the interface came back exited $rc: $(cat "$WORK/apply.out")"; return; }
	quick_traffic
	[ "$sent" -gt 0 ] && [ "$uniq" = "$sent" ] && [ "$leaks" = 0 ] ||
		fail "after the interface came back: sent $sent received $uniq leaks $leaks"
	echo "ifdel: interface back, re-apply converged, chain delivers $uniq/$sent"
	detach || fail "final detach: $(cat "$WORK/detach.out")"
	assert_clean
}

cur=setup
topo_up || { fail "topology"; exit 1; }
write_specs || { fail "cboxc compile of the test specs"; exit 1; }
for cur in $TESTS; do
	echo "--- $cur"
	"t_$cur"
	"$CBOX" detach --all --host "$HOST" >/dev/null 2>&1
done
echo "loader: $failures failure(s)"
[ "$failures" = 0 ]
