# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Benchmark testbed and measurements.

The topology is the e2e testbed's (tests/e2e/cbxnet.py: an underlay bridge
in its own namespace, client, server, one namespace per SF), reused as it is
but with every name prefixed "cbb-" so that benchmarks and the e2e suite can
run at the same time without touching each other's namespaces.

Two changes for the benchmarks, both applied to SFC and baseline alike:
- the classifier sits on the ingress of the client's bridge port
  (cbb-ul/p-client): frames from cbb-tg are sent with XDP, which bypasses
  the client's own tc egress hook;
- an XDP_PASS program sits on p-client: a veth only accepts XDP-transmitted
  frames when its peer runs NAPI, which an XDP program (or GRO) turns on;
- br_netfilter is off in the underlay namespace (see Bed._up).
"""
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))
import cbxnet  # noqa: E402

PREFIX = "cbb-"
cbxnet.PREFIX = PREFIX
cbxnet.UL = "cbb-ul"
cbxnet.CLIENT = "cbb-client"
cbxnet.SERVER = "cbb-server"

BUILD = cbxnet.BUILD
# a loader other than build/cbox, e.g. one being debugged
if os.environ.get("CBB_CBOX"):
    cbxnet.CBOX = os.environ["CBB_CBOX"]
TG = os.path.join(BUILD, "bench", "cbb-tg")
XDP_PASS = os.path.join(BUILD, "bench", "xdp_pass.bpf.o")
CLIENT, SERVER, UL = cbxnet.CLIENT, cbxnet.SERVER, cbxnet.UL
CLIENT4, SERVER4 = cbxnet.CLIENT4, cbxnet.SERVER4
SERVER_MAC = cbxnet.SERVER_MAC
TG_DPORT = 9           # cbb-tg's UDP destination port (trafficgen.h)
UNCLASSIFIED_DPORT = 7  # no rule matches it: goes straight to the server
IPERF_PORT = 5201
GEN_CPU = 0
# cbox keeps its state per host machine-wide (pins, state files): our
# "hosts" are prefixed too, so that the e2e suite's never clash with ours
HOST = "cbb-h"


class BenchError(Exception):
    pass


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def run(cmd, timeout=120, check=True):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, timeout=timeout)
    if check and p.returncode != 0:
        raise BenchError("%s: exit %d: %s" % (" ".join(cmd), p.returncode,
                                               p.stderr.strip()))
    return p.stdout


def cleanup_all():
    """Remove every cbb-* namespace (ours only) and what runs inside."""
    for ns in cbxnet.netns_list():
        if not ns.startswith(PREFIX):
            continue
        pids = run(["ip", "netns", "pids", ns], check=False)
        for pid in pids.split():
            try:
                os.kill(int(pid), signal.SIGKILL)
            except (ProcessLookupError, ValueError):
                pass
        subprocess.run(["ip", "netns", "del", ns], capture_output=True)


# ------------------------------------------------------------------ specs
def chain_spec(n, sf_type="tc-redirect", one_host=False, star=False):
    """A chain of n SFs of one type.

    one_host: every SF on one host, so that the compiler joins them with
    direct links; otherwise each SF is its own host (no direct links, the
    thesis's default). star: PhantomSFC-like, a hub SF visited first, last
    and between every two SFs (2n+1 nodes, thesis Figure 6.7).
    """
    functions = []
    for i in range(1, n + 1):
        functions.append({"tag": "sf%d" % i, "type": sf_type,
                          "host": HOST + ("" if one_host else "%d" % i),
                          "netns": "cbb-sf%d" % i})
    nodes = [f["tag"] for f in functions]
    if star:
        functions.append({"tag": "hub", "type": sf_type,
                          "host": HOST + ("" if one_host else "hub"),
                          "netns": "cbb-hub"})
        nodes = ["hub"]
        for f in functions[:-1]:
            nodes += [f["tag"], "hub"]
    match = [{"classifier": "cls", "proto": "udp", "dport": TG_DPORT},
             {"classifier": "cls", "proto": "tcp", "dport": IPERF_PORT},
             {"classifier": "cls", "proto": "icmp"}]
    return {
        "chains": [{"id": 100, "nodes": nodes, "match": match}],
        "functions": functions,
        "classifiers": [{"tag": "cls", "host": HOST + "edge", "netns": UL,
                         "iface": "p-client", "direction": "ingress"}],
    }


# ---------------------------------------------------------------- testbed
class Bed:
    """One topology, up for the duration of a `with` block.

    mode "sfc": compiled and applied with cboxc/cbox; "baseline": the same
    SFs as plain IP next hops (cbxnet's baseline mode); "direct": client
    and server on the bridge, no SF at all (the thesis's baseline).
    """

    def __init__(self, workdir, mode, n=1, offloads="client-off",
                 xdp_pass=True, sf_xdp=False, xdp_mode=None, **spec_kw):
        """offloads: "client-off" (default): TSO/GSO off at the client
        only; "off": also GRO/GSO/TSO off on every SF's eth0 and on the
        client's bridge port, the interfaces where cbox apply turns them
        off, so that a baseline pays what the SFC pays; "default": the
        machine's defaults everywhere (cbox apply still turns its own
        interfaces' offloads off)."""
        if offloads not in ("client-off", "off", "default"):
            raise ValueError("offloads: %s" % offloads)
        self.offloads = offloads
        # cbb-tg needs it; TCP does not, and on a veth an XDP program
        # takes GSO away from the peer (the client), i.e. the "default
        # offloads" baseline would not be one
        self.xdp_pass = xdp_pass
        # an XDP_PASS program on every SF's eth0 (baseline only): Dec is
        # an XDP program there, and XDP switches a veth's receive path to
        # NAPI; this separates that cost from Chaining-Box's own
        self.sf_xdp = sf_xdp
        # SFC only: cbox apply --xdp-mode for Dec (None: cbox's default)
        self.xdp_mode = xdp_mode
        self.mode = mode
        self.n = n
        self.one_host = spec_kw.get("one_host", False)
        self.workdir = workdir
        os.makedirs(workdir, exist_ok=True)
        spec = chain_spec(max(n, 1), **spec_kw)
        if mode == "direct":
            spec = chain_spec(1)
            spec["functions"] = []
            spec["chains"][0]["nodes"] = []
        self.spec = spec
        self.spec_path = os.path.join(workdir, "spec.json")
        with open(self.spec_path, "w") as f:
            json.dump(spec, f, indent=1)
        self.tb = cbxnet.Testbed(self.spec_path, workdir,
                                 "sfc" if mode == "sfc" else "baseline")

    def __enter__(self):
        try:
            self._up()
        except BaseException:
            self.down()
            raise
        return self

    def __exit__(self, *exc):
        self.down()

    def _up(self):
        tb = self.tb
        if self.mode == "direct":
            # no SF: only what cbxnet.up() builds before the SFs
            tb.functions = {}
            tb.mode = "sfc"     # skip baseline routes: none to add
        tb.up()
        # br_netfilter (loaded on this machine) would send bridged IPv4
        # through iptables and validate the IP header, which an NSH frame
        # whose skb still says IPv4 (classifier at ingress) fails; the
        # thesis's OVS underlay had no such hook either
        for fam in ("iptables", "ip6tables", "arptables"):
            run(cbxnet.nsexec(UL, "sysctl", "-qw",
                              "net.bridge.bridge-nf-call-%s=0" % fam),
                check=False)
        # The classifier pushes NSH at p-client's ingress, where a GSO skb
        # from the client would arrive whole, and no device segments it
        # after that hook: TSO/GSO off where NSH is pushed, i.e. at the
        # client (in every mode, so that all compare alike)
        if self.offloads != "default":
            run(cbxnet.nsexec(CLIENT, "ethtool", "-K", "eth0", "tso", "off",
                              "gso", "off"))
        if self.offloads == "off":
            run(cbxnet.nsexec(UL, "ethtool", "-K", "p-client", "tso", "off",
                              "gso", "off", "gro", "off"))
            for f in tb.functions.values():
                run(cbxnet.nsexec(f["netns"], "ethtool", "-K", "eth0", "tso",
                                  "off", "gso", "off", "gro", "off"))
        if self.mode == "sfc":
            tb.compile()
            tb.apply()
            if self.xdp_mode:
                self._xdp_mode()
        tb.start_relays()
        # after cbox apply, which may change the port's offloads
        if self.xdp_pass:
            run(["ip", "-n", UL, "link", "set", "dev", "p-client", "xdpdrv",
                 "obj", XDP_PASS, "sec", "xdp"])
        if self.sf_xdp:
            for f in tb.functions.values():
                run(["ip", "-n", f["netns"], "link", "set", "dev", "eth0",
                     "xdpdrv", "obj", XDP_PASS, "sec", "xdp"])
        self._static_fdb()
        if self.mode == "baseline":
            first = tb.chain_nodes()[0]
            self.first_mac = cbxnet.link_mac(first["netns"], "eth0")
        else:
            # SFC: the classifier readdresses; direct: the server itself
            self.first_mac = SERVER_MAC

    def _xdp_mode(self):
        """Apply again with --xdp-mode (the testbed's apply takes no
        options): cbox moves Dec to that mode; then check with ip that
        every XDP program in the SF namespaces runs in it."""
        for h, d in self.tb.applied:
            run([cbxnet.CBOX, "apply", "--host", h, "--xdp-mode",
                 self.xdp_mode, d])
        want = {"native": 1, "generic": 2}.get(self.xdp_mode)
        for f in self.tb.functions.values():
            for link in json.loads(run(["ip", "-n", f["netns"], "-j", "-d",
                                        "link", "show"])):
                x = link.get("xdp")
                if x and want and x.get("mode") != want:
                    raise BenchError("%s/%s: XDP mode %s, wanted %s" %
                                     (f["netns"], link["ifname"],
                                      x.get("mode"), self.xdp_mode))

    def _static_fdb(self):
        """Teach the bridge every port's MAC up front: until an SF sends
        something, frames to it would be flooded to every port, which
        measures the flood, not the chain."""
        nss = [CLIENT, SERVER] + [f["netns"] for f in
                                  self.tb.functions.values()]
        for ns in nss:
            mac = cbxnet.link_mac(ns, "eth0")
            run(["ip", "-n", UL, "link", "set", cbxnet.port_name(ns),
                 "type", "bridge_slave", "learning", "off"])
            run(["bridge", "-n", UL, "fdb", "replace", mac, "dev",
                 cbxnet.port_name(ns), "master", "static"])

    def down(self):
        errs = self.tb.down()
        for e in errs:
            log("bench: " + e)

    # ----------------------------------------------------- measurements
    def throughput(self, size=64, seconds=2.0, flows=1, classified=True):
        """Frames per second through the chain at full offered load."""
        mac = self.first_mac if classified or self.mode != "sfc" else \
            SERVER_MAC
        cmd = [TG, "run", "-n", CLIENT, "-i", "eth0", "-N", SERVER,
               "-I", "eth0", "-m", mac, "-d", SERVER4, "-l", str(size),
               "-t", str(seconds), "-f", str(flows), "-C", str(GEN_CPU)]
        before = self.port_tx()
        out = run(cmd, timeout=seconds + 60)
        after = self.port_tx()
        r = dict(line.split("=", 1) for line in out.split())
        r = {k: float(v) for k, v in r.items()}
        if r["rx_pkts"] <= 0:
            raise BenchError("%s L=%d: no frame reached the server" %
                             (self.mode, self.n))
        # Proof that the frames took the chain and not a short cut: the
        # bridge must have sent at least as many frames into every SF as
        # reached the server (counted by the kernel, not by Chaining-Box).
        if classified:
            for port, n in after.items():
                if n - before.get(port, 0) < r["rx_pkts"]:
                    raise BenchError(
                        "%s L=%d: %d frames reached the server but only %d "
                        "went into %s" % (self.mode, self.n, r["rx_pkts"],
                                          n - before.get(port, 0), port))
        return r

    def port_tx(self):
        """Frames the bridge sent into each SF's port so far."""
        out = {}
        links = json.loads(run(["ip", "-n", UL, "-s", "-j", "link", "show"]))
        fns = list(self.tb.functions.values())
        if self.one_host:
            # direct links: only the first SF is reached over the bridge
            fns = fns[:1]
        ports = {cbxnet.port_name(f["netns"]) for f in fns}
        for ln in links:
            if ln["ifname"] in ports:
                out[ln["ifname"]] = ln["stats64"]["tx"]["packets"]
        return out

    def ping(self, count=120, size=64, interval=0.02):
        """Thesis method: count RTTs, drop the 10 highest and 10 lowest,
        median of the rest; p99 from all samples. Microseconds."""
        payload = max(size - 42, 16)    # 14 Ethernet + 20 IPv4 + 8 ICMP
        out = run(cbxnet.nsexec(CLIENT, "ping", "-n", "-c", str(count), "-i",
                                str(interval), "-s", str(payload), "-W", "1",
                                SERVER4), timeout=count * interval + 30,
                  check=False)
        rtts = [float(m) * 1000 for m in
                re.findall(r"time=([0-9.]+) ms", out)]
        if len(rtts) < count * 0.9:
            raise BenchError("ping %s: only %d of %d replies" %
                             (self.mode, len(rtts), count))
        return rtt_stats(rtts)

    def iperf(self, seconds=3):
        """TCP goodput client -> server, Gbit/s."""
        srv = subprocess.Popen(cbxnet.nsexec(SERVER, "iperf3", "-s", "-1",
                                             "-p", str(IPERF_PORT)),
                               stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
        try:
            time.sleep(0.3)
            out = run(cbxnet.nsexec(CLIENT, "iperf3", "-c", SERVER4, "-p",
                                    str(IPERF_PORT), "-t", str(seconds),
                                    "-J"), timeout=seconds + 30)
        finally:
            if srv.poll() is None:
                srv.terminate()
            srv.wait()
        j = json.loads(out)
        return j["end"]["sum_received"]["bits_per_second"] / 1e9


def rtt_stats(rtts):
    s = sorted(rtts)
    trim = s[10:-10] if len(s) > 40 else s
    p99 = s[min(len(s) - 1, int(round(0.99 * (len(s) - 1))))]
    return {"median_us": statistics.median(trim), "p99_us": p99,
            "mean_us": statistics.mean(trim),
            "stdev_us": statistics.pstdev(trim), "samples": len(trim)}


