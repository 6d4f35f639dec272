#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""End-to-end scenarios: real namespaces, real SFs, cboxc + cbox, real
traffic, checked three ways:

  1. delivery and content at the server (tokens in UDP payloads, ping,
     iperf3);
  2. the NSH on the underlay, captured with tcpdump on the bridge ports
     (ingress side, so each frame is seen once, at the port of the namespace
     that sent it) and decoded by tshark. The expected (port, SPI, SI, TTL,
     next MAC) of every hop is computed here from the spec alone: the frame
     leaving the box at chain position p (classifier p = 0) carries
     SI 255 - p and TTL 63 - p; consecutive functions on one host are joined
     by a direct link, so that hop does not appear on the bridge;
  3. `cbox stats -j` counters agree with the traffic sent.

  scenarios.py [--list] [--keep-going] [NAME ...]
"""
import argparse
import collections
import json
import os
import signal
import sys
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cbxnet  # noqa: E402
from cbxnet import CLIENT, SERVER, CLIENT4, SERVER4, SERVER6  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
SPECS = os.path.join(HERE, "specs")
SF_ROUTING = ("router", "firewall")     # decrement the inner IP TTL


class Fail(Exception):
    pass


def check(cond, msg):
    if not cond:
        raise Fail(msg)


class Run:
    """One scenario's topology, capture and helpers."""

    def __init__(self, name, spec):
        self.name = name
        self.spec_path = os.path.join(SPECS, spec)
        self.workdir = os.path.join(cbxnet.BUILD, "e2e", name)
        os.makedirs(self.workdir, exist_ok=True)
        for f in os.listdir(self.workdir):
            p = os.path.join(self.workdir, f)
            if os.path.isfile(p):
                os.unlink(p)
        self.tb = cbxnet.Testbed(self.spec_path, self.workdir)
        self.cap = None
        self.sink = None
        self.notes = []

    def up(self, sink_ports=(7100, 7200, 7300, 9999, 6000)):
        self.tb.up()
        self.tb.compile()
        self.tb.apply()
        self.tb.start_relays()
        self.macs = {tag: self.tb.sf_mac(tag) for tag in self.tb.functions}
        self.port_of = {cbxnet.port_name(fn["netns"]): tag
                        for tag, fn in self.tb.functions.items()}
        self.port_of[cbxnet.port_name(CLIENT)] = "classifier"
        self.port_of[cbxnet.port_name(SERVER)] = "server"
        self.fn_of_mac = {m: t for t, m in self.macs.items()}
        self.fn_of_mac[cbxnet.SERVER_MAC] = "server"
        self.fn_of_mac[cbxnet.CLIENT_MAC] = "client"
        self.stats0 = self.stats()
        self.sink, self.sink_file = cbxnet.start_udp_sink(self.workdir,
                                                           sink_ports)
        self.cap = cbxnet.Capture(self.workdir, sorted(self.port_of))

    def down(self):
        errors = []
        if self.cap:
            self.cap.stop()
        if self.sink and self.sink.poll() is None:
            self.sink.kill()
            self.sink.wait()
        errors += self.tb.down()
        return errors

    # ---------------------------------------------------------- traffic
    def udp(self, dport, count=3, dst=SERVER4, sport=None):
        token = "%s-%d-%s" % (self.name, dport, os.urandom(4).hex())
        sp = cbxnet.udp_send(dst, dport, token, count=count, sport=sport)
        return dict(token=token, sport=sp, dport=dport, count=count, dst=dst)

    def received(self, flow):
        time.sleep(0.2)
        got = []
        with open(self.sink_file) as f:
            for line in f:
                parts = line.split(" ", 3)
                if len(parts) == 4 and parts[3].startswith(flow["token"]):
                    got.append(parts)
        return got

    def expect_delivered(self, flow):
        got = self.received(flow)
        want = {"%s#%d" % (flow["token"], i) for i in range(flow["count"])}
        have = {g[3].strip() for g in got}
        check(have == want, "flow sport %d dport %d: server got %d of %d "
              "datagrams (%s)" % (flow["sport"], flow["dport"], len(have),
                                  len(want), sorted(want - have)[:3]))
        src = CLIENT4 if ":" not in flow["dst"] else cbxnet.CLIENT6
        check(all(g[0] == src and int(g[1]) == flow["sport"] for g in got),
              "flow %d: unexpected source at server: %s" % (flow["sport"],
                                                            got[:2]))

    def expect_not_delivered(self, flow):
        got = self.received(flow)
        check(not got, "flow sport %d dport %d: %d datagrams reached the "
              "server, expected none" % (flow["sport"], flow["dport"],
                                         len(got)))

    def stats(self):
        return self.tb.stats()

    # ------------------------------------------------------- expectations
    def expected_hops(self, spi):
        """From the spec alone: [(port, spi, si, ttl, dst_tag, inner_ttl)]
        for every hop the underlay sees, plus the final plain hop
        (spi None)."""
        fns = self.tb.functions
        chain = [c for c in self.tb.spec["chains"] if c["id"] == spi][0]
        nodes = chain["nodes"]
        hops = []
        ip_ttl = 64
        hops.append((cbxnet.port_name(CLIENT), spi, 255, 63, nodes[0],
                     ip_ttl))
        for p, tag in enumerate(nodes, start=1):
            if fns[tag]["type"] in SF_ROUTING:
                ip_ttl -= 1
            port = fns[tag]["port"]
            if p == len(nodes):
                hops.append((port, None, None, None, "server", ip_ttl))
            elif fns[nodes[p]]["host"] == fns[tag]["host"]:
                continue    # direct link: not on the bridge
            else:
                hops.append((port, spi, 255 - p, 63 - p, nodes[p], ip_ttl))
        return hops

    def frames_of(self, flow_sport, frames=None):
        frames = frames if frames is not None else self.frames
        return [f for f in frames if f["sport"] == flow_sport]

    def observed(self, fr):
        dst = self.fn_of_mac.get(fr["eth.dst"], fr["eth.dst"])
        ttl = fr.get("ip.ttl") or fr.get("ipv6.hlim")
        return (fr["port"], fr["nsh.spi"], fr["nsh.si"], fr["nsh.ttl"], dst,
                int(ttl) if ttl else None)

    def expect_path(self, flow, spi, count=None, hops=None):
        """Every frame of the flow on the underlay, exactly."""
        count = count or flow["count"]
        hops = hops if hops is not None else self.expected_hops(spi)
        want = collections.Counter()
        for h in hops:
            want[h] += count
        have = collections.Counter(self.observed(f)
                                   for f in self.frames_of(flow["sport"]))
        if have != want:
            raise Fail("flow sport %d (SPI %s): underlay differs from the "
                       "spec\n  expected: %s\n  captured: %s" % (
                           flow["sport"], spi, fmt_counter(want),
                           fmt_counter(have)))

    def expect_plain(self, flow, ttl=64):
        """Unclassified: one plain frame from the client to the server."""
        want = collections.Counter({(cbxnet.port_name(CLIENT), None, None,
                                     None, "server", ttl): flow["count"]})
        have = collections.Counter(self.observed(f)
                                   for f in self.frames_of(flow["sport"]))
        check(have == want, "flow sport %d: expected it plain and untouched "
              "from client to server\n  expected: %s\n  captured: %s" %
              (flow["sport"], fmt_counter(want), fmt_counter(have)))

    def finish_capture(self):
        self.cap.stop()
        self.frames = self.cap.frames()

    def trace(self, flow):
        """Readable per-hop trace of one flow, from the capture."""
        lines = ["  %-4s %-12s %-12s %-8s %-4s %-4s %s" % (
            "hop", "from", "to", "SPI", "SI", "TTL", "inner IP TTL")]
        seen = []
        for f in self.frames_of(flow["sport"]):
            o = self.observed(f)
            if o in seen:
                continue
            seen.append(o)
            frm = self.port_of.get(o[0], o[0])
            lines.append("  %-4d %-12s %-12s %-8s %-4s %-4s %s" % (
                len(seen), frm, o[4], o[1] if o[1] is not None else "plain",
                o[2] if o[2] is not None else "-",
                o[3] if o[3] is not None else "-", o[5]))
        return "\n".join(lines)


def fmt_counter(c):
    return ", ".join("%dx%s" % (n, k) for k, n in sorted(
        c.items(), key=lambda kv: str(kv[0]))) or "(nothing)"


# ------------------------------------------------------------- stats
def box_counters(r, stats, tag, stage, counter):
    """A counter of one box's stage in `cbox stats -j` output (an array of
    hosts, each with boxes[] holding stages{} of counters). Only the box's
    own host is read: other hosts may be someone else's."""
    host = r.tb.functions[tag]["host"] if tag in r.tb.functions else \
        [c["host"] for c in r.tb.spec["classifiers"] if c["tag"] == tag][0]
    for h in stats:
        if h.get("host") != host:
            continue
        for box in h.get("boxes", []):
            if box.get("tag") == tag:
                return int(box["stages"][stage][counter])
    raise Fail("cbox stats -j: no box %s on host %s" % (tag, host))


def delta(r, stats1, tag, stage, counter):
    return (box_counters(r, stats1, tag, stage, counter) -
            box_counters(r, r.stats0, tag, stage, counter))


SCENARIOS = collections.OrderedDict()


def scenario(name, spec, doc):
    def wrap(fn):
        SCENARIOS[name] = (spec, doc, fn)
        return fn
    return wrap


# ------------------------------------------------------------ scenarios
def stats_check(r, frames_per_spi, cls="cls1"):
    """`cbox stats` agrees with the traffic: every box's egress sent exactly
    one chain frame per visit of a chain frame (encapsulated on, or plain at
    the end), and the classifier classified exactly the frames sent into
    chains. Counted from the spec, not from the bundle."""
    s1 = r.stats()
    want = collections.Counter()
    for spi, n in frames_per_spi.items():
        chain = [c for c in r.tb.spec["chains"] if c["id"] == spi][0]
        for tag in chain["nodes"]:
            want[tag] += n
    for tag, n in sorted(want.items()):
        got = delta(r, s1, tag, "enc", "out")
        check(got == n, "cbox stats: box %s egress out grew by %d, expected "
              "%d" % (tag, got, n))
    total = sum(frames_per_spi.values())
    got = delta(r, s1, cls, "cls", "out")
    check(got == total, "cbox stats: classifier %s out grew by %d, expected "
          "%d" % (cls, got, total))
    r.notes.append("cbox stats: egress out per box %s, classifier out %d: "
                   "as sent" % (dict(sorted(want.items())), total))
    return s1


@scenario("fig510", "fig510.json",
          "thesis Figure 5.10: two chains, three SFs, two hosts")
def sc_fig510(r):
    r.up()
    f100 = r.udp(7100)
    f200 = r.udp(7200)
    ping = cbxnet.run(cbxnet.nsexec(CLIENT, "ping", "-c", "3", "-i", "0.2",
                                    "-W", "2", SERVER4))
    check(" 0% packet loss" in ping, "ping through chain 100: " + ping)
    r.finish_capture()
    r.expect_delivered(f100)
    r.expect_delivered(f200)
    r.expect_path(f100, 100)
    r.expect_path(f200, 200)
    icmp = [f for f in r.frames if f["icmp.type"] == "8"]
    have = collections.Counter(r.observed(f)[:5] for f in icmp)
    want = collections.Counter()
    for h in r.expected_hops(100):
        want[h[:5]] += 3
    check(have == want, "ping echo requests on the underlay\n  expected: "
          "%s\n  captured: %s" % (fmt_counter(want), fmt_counter(have)))
    stats_check(r, {100: f100["count"] + 3, 200: f200["count"]})
    r.notes.append("chain 100:\n" + r.trace(f100))
    r.notes.append("chain 200:\n" + r.trace(f200))


def chain_len(r, n):
    r.up()
    flows = [r.udp(7100), r.udp(7100)]
    ping = cbxnet.run(cbxnet.nsexec(CLIENT, "ping", "-c", "2", "-i", "0.2",
                                    "-W", "2", SERVER4))
    check(" 0% packet loss" in ping, "ping through the chain: " + ping)
    r.finish_capture()
    spi = 1000 + n
    for f in flows:
        r.expect_delivered(f)
        r.expect_path(f, spi)
    stats_check(r, {spi: sum(f["count"] for f in flows) + 2})
    r.notes.append(r.trace(flows[0]))


for _n in (1, 2, 5, 10):
    scenario("len%d" % _n, "len%d.json" % _n,
             "chain of length %d, mixed SF types, one host each" % _n)(
        lambda r, n=_n: chain_len(r, n))


@scenario("dlinks", "dlinks.json",
          "direct links, thesis Figure 5.9 cases a and b, unknown flows")
def sc_dlinks(r):
    r.up()
    # random source ports: nothing about these flows is known in advance
    flows_a = [r.udp(7100) for _ in range(3)]
    flows_b = [r.udp(7200) for _ in range(3)]
    # case b again with an L2-transparent last SF (tc-redirect), which
    # leaves the frame addressed as the direct link delivered it: the
    # egress stage must give it back its original dst MAC
    flows_c = [r.udp(7300) for _ in range(3)]
    r.finish_capture()
    for f in flows_a:
        r.expect_delivered(f)
        r.expect_path(f, 510)
    for f in flows_b:
        r.expect_delivered(f)
        r.expect_path(f, 520)
    for f in flows_c:
        r.expect_delivered(f)
        r.expect_path(f, 530)
    stats_check(r, {510: 9, 520: 9, 530: 9})
    r.notes.append("case a (a1,a2 direct, a3 remote):\n" + r.trace(flows_a[0]))
    r.notes.append("case b (b2,b3 direct, end):\n" + r.trace(flows_b[0]))
    r.notes.append("case b, tc-redirect last (c1,c2 direct, end):\n" +
                   r.trace(flows_c[0]))


@scenario("shared", "shared.json", "one SF shared by two chains")
def sc_shared(r):
    r.up()
    f10 = r.udp(7100)
    f20 = r.udp(7200)
    r.finish_capture()
    r.expect_delivered(f10)
    r.expect_delivered(f20)
    r.expect_path(f10, 10)
    r.expect_path(f20, 20)
    stats_check(r, {10: 3, 20: 3})


@scenario("star", "star.json",
          "PhantomSFC-like star: hub visited before, between and after")
def sc_star(r):
    r.up()
    f = r.udp(7100, count=4)
    r.finish_capture()
    r.expect_delivered(f)
    r.expect_path(f, 77)
    stats_check(r, {77: 4})
    r.notes.append(r.trace(f))


@scenario("ipv6", "ipv6.json", "IPv6 UDP and ping6 through a 3-SF chain")
def sc_ipv6(r):
    r.up()
    f = r.udp(7100, dst=SERVER6)
    f4 = r.udp(7100)    # IPv4 to the same port: the rule is IPv6 only
    ping = cbxnet.run(cbxnet.nsexec(CLIENT, "ping", "-6", "-c", "2", "-i",
                                    "0.2", "-W", "2", SERVER6))
    check(" 0% packet loss" in ping, "ping6 through the chain: " + ping)
    r.finish_capture()
    r.expect_delivered(f)
    r.expect_path(f, 600)
    r.expect_delivered(f4)
    r.expect_plain(f4)
    stats_check(r, {600: 3 + 2})
    r.notes.append(r.trace(f))


@scenario("mixed", "mixed3.json",
          "router, firewall, relay: classified, unclassified, blocked port")
def sc_mixed(r):
    r.up()
    f = r.udp(7100)
    other = r.udp(6000)         # matches no rule
    blocked = r.udp(9999)       # classified, dropped by the firewall
    r.finish_capture()
    r.expect_delivered(f)
    r.expect_path(f, 300)
    r.expect_delivered(other)
    r.expect_plain(other)
    r.expect_not_delivered(blocked)
    hops = r.expected_hops(300)
    # the firewall (position 2) drops it: nothing after the router's hop
    r.expect_path(blocked, 300, hops=hops[:2])
    nft = cbxnet.run(cbxnet.nsexec("cbx-fw1", "nft", "list", "chain", "inet",
                                   "cbxfw", "fw_forward"))
    check("udp dport 9999 counter packets 3 " in nft,
          "firewall counter: expected 3 drops:\n" + nft)
    counts = r.tb.relay_counts()
    check(counts.get("rl1") == 3,
          "relay rl1 relayed %s frames, expected 3" % counts.get("rl1"))
    s1 = r.stats()
    for tag, n in (("rt1", 6), ("fw1", 3), ("rl1", 3)):
        got = delta(r, s1, tag, "enc", "out")
        check(got == n, "cbox stats: %s egress out grew by %d, expected %d "
              "(3 delivered, 3 to port 9999 dropped by fw1)" % (tag, got, n))
    got = delta(r, s1, "cls1", "cls", "out")
    check(got == 6, "cbox stats: classifier out grew by %d, expected 6" % got)
    r.notes.append(r.trace(f))
    r.notes.append("blocked (udp 9999):\n" + r.trace(blocked))


@scenario("tcp", "mixed3.json", "TCP bulk (iperf3 -t 3) through 3 SFs")
def sc_tcp(r):
    r.up()
    srv = cbxnet.subprocess.Popen(
        cbxnet.nsexec(SERVER, "iperf3", "-s", "-1"),
        stdout=cbxnet.subprocess.DEVNULL, stderr=cbxnet.subprocess.DEVNULL)
    r.tb.procs.append(srv)
    time.sleep(0.5)
    out = cbxnet.run(cbxnet.nsexec(CLIENT, "iperf3", "-c", SERVER4, "-t", "3",
                                   "-i", "0.5", "-J"), timeout=30)
    res = json.loads(out)
    check("error" not in res, "iperf3: %s" % res.get("error"))
    end = res["end"]["sum_sent"]
    segs = end["bytes"] / 1448.0
    retr = end.get("retransmits", 0)
    stalls = [iv["sum"]["start"] for iv in res["intervals"]
              if iv["sum"]["bytes"] == 0]
    r.notes.append("iperf3: %.0f Mbit/s, %d retransmits (%.3f%% of "
                   "segments), 0.5 s intervals without data: %d" % (
                       end["bits_per_second"] / 1e6, retr,
                       100.0 * retr / max(segs, 1), len(stalls)))
    check(end["bytes"] > 0, "iperf3 moved no data")
    check(not stalls, "iperf3 stalled in intervals starting at %s" % stalls)
    check(retr <= max(50, 0.01 * segs), "retransmit storm: %d retransmits "
          "for %.0f segments" % (retr, segs))
    # Issue 6: the client's TCP hands its classifier GSO skbs (several
    # segments each, segmented by the device after TC egress), whatever
    # the device's GSO/TSO switches say. A stage that drops one counts an
    # ERR drop; TCP does not see it as a loss (no retransmit), it just
    # stalls. So: no ERR drop anywhere, and every received byte crossed
    # the egress stage of each SF in segments of at most the MSS.
    s1 = r.stats()
    for tag, stage in (("cls1", "cls"), ("rt1", "dec"), ("rt1", "enc"),
                       ("fw1", "dec"), ("fw1", "enc"), ("rl1", "dec"),
                       ("rl1", "enc")):
        got = delta(r, s1, tag, stage, "drop_err")
        check(got == 0, "cbox stats: %s %s dropped %d skbs as ERR (GSO?)" %
              (tag, stage, got))
    rcvd = res["end"]["sum_received"]["bytes"]
    cls_out = delta(r, s1, "cls1", "cls", "out")
    for tag in ("rt1", "fw1", "rl1"):
        got = delta(r, s1, tag, "enc", "out")
        check(got >= rcvd / 1448.0, "cbox stats: %s egress out grew by %d, "
              "fewer than the %.0f segments of the %d bytes received" % (
                  tag, got, rcvd / 1448.0, rcvd))
    r.notes.append("classifier encapsulated %d skbs, the last SF sent %d "
                   "frames (%.1f per classified skb: GSO)" % (
                       cls_out, delta(r, s1, "rl1", "enc", "out"),
                       delta(r, s1, "rl1", "enc", "out") / max(cls_out, 1)))
    r.finish_capture()
    # the SYN of the data connection went through the chain
    syn = [f for f in r.frames if f["dport"] == 5201 and f["nsh"]]
    check(syn, "no TCP frame to port 5201 carried NSH on the underlay")


@scenario("loop", "loop.json", "a deliberate loop dies by TTL")
def sc_loop(r):
    r.up()
    f = r.udp(7100, count=2)
    r.finish_capture()
    r.expect_not_delivered(f)
    # classifier TTL 63, each box forwards with TTL - 1: the box at
    # position 63 finds TTL 0 and drops; SI is then still 255 - 63 = 192
    hops = [h for h in r.expected_hops(4242) if h[3] is not None and h[3] > 0]
    r.expect_path(f, 4242, hops=hops)
    s1 = r.stats()
    # whichever stage counts it (the merged egress reports under "enc")
    dropped = sum(delta(r, s1, tag, st, "drop_ttl") for tag in ("la", "lb")
                  for st in ("dec", "enc", "fwd"))
    check(dropped == 2, "TTL drop counter grew by %d, expected 2" % dropped)
    r.notes.append("TTL drops counted by cbox stats: %d" % dropped)


def run_one(name):
    spec, doc, fn = SCENARIOS[name]
    r = Run(name, spec)
    t0 = time.time()
    ok = False
    try:
        fn(r)
        ok = True
    except Fail as e:
        print("FAIL %s: %s" % (name, e))
    except (cbxnet.TestbedError, OSError, KeyError, ValueError) as e:
        print("FAIL %s: %s: %s" % (name, type(e).__name__, e))
        traceback.print_exc(limit=3)
    finally:
        errors = r.down()
    for e in errors:
        print("FAIL %s: teardown: %s" % (name, e))
        ok = False
    for n in r.notes:
        print("  " + n.replace("\n", "\n  "))
    print("%s %s (%.1f s): %s" % ("PASS" if ok else "FAIL", name,
                                   time.time() - t0, doc))
    return ok


def on_term(sig, frame):
    # SIGTERM unwinds like ^C, so that every `finally` tears down
    raise KeyboardInterrupt


def main():
    signal.signal(signal.SIGTERM, on_term)
    ap = argparse.ArgumentParser()
    ap.add_argument("--list", action="store_true")
    ap.add_argument("names", nargs="*")
    args = ap.parse_args()
    if args.list:
        for n, (spec, doc, _) in SCENARIOS.items():
            print("%-8s %-14s %s" % (n, spec, doc))
        return 0
    names = args.names or list(SCENARIOS)
    for n in names:
        if n not in SCENARIOS:
            print("unknown scenario %s (see --list)" % n, file=sys.stderr)
            return 2
    failed = [n for n in names if not run_one(n)]
    left = [ns for ns in cbxnet.netns_list() if ns.startswith(cbxnet.PREFIX)]
    if left:
        print("FAIL: namespaces left behind: %s" % left)
        failed.append("cleanup")
    print("e2e: %d passed, %d failed%s" % (len(names) - len(failed[:len(names)]),
                                            len(failed),
                                            (": " + " ".join(failed))
                                            if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
