# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""The e2e testbed: builds a namespace topology from a chain spec.

Layout (every name starts with "cbx-", nothing touches the root namespace):

  cbx-ul      the underlay: Linux bridge br0, one port per namespace below
  cbx-client  eth0 10.77.0.1/24 fd77::1/64, MTU 1500
  cbx-server  eth0 10.77.0.2/24 fd77::2/64, MTU 1500
  <netns>     one per SF (functions[].netns of the spec), eth0 on the bridge,
              MTU 1538 (outer Ethernet + NSH MD1 = 38 bytes on top of 1500)

Bridge ports are named "p-" + the namespace name without "cbx-". "Hosts" of
the spec are groups of namespaces on this one machine: the bundle of each
host is applied with `cbox apply --host H`.

SF types: router (ip_forward), firewall (router + nftables dropping port
9999), relay (the user-space cbx-relay), tc-redirect / tc-redirect-delay
(nothing here: the loader attaches the BPF sample SF).

mode "sfc" prepares for cboxc/cbox; mode "baseline" wires the same SFs as
plain next hops (static routes / relay neighbour tables), without NSH.
"""
import json
import os
import signal
import subprocess
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
BUILD = os.environ.get("BUILD", os.path.join(ROOT, "build"))
CBOXC = os.path.join(BUILD, "cboxc")
CBOX = os.environ.get("CBOX", os.path.join(BUILD, "cbox"))
RELAY = os.path.join(BUILD, "tests", "e2e", "cbx-relay")
PY = "/usr/bin/python3"
UDP_PY = os.path.join(ROOT, "tests", "e2e", "udp.py")

PREFIX = "cbx-"
UL = "cbx-ul"
CLIENT = "cbx-client"
SERVER = "cbx-server"
CLIENT4, SERVER4 = "10.77.0.1", "10.77.0.2"
CLIENT6, SERVER6 = "fd77::1", "fd77::2"
CLIENT_MAC, SERVER_MAC = "02:77:00:00:00:01", "02:77:00:00:00:02"
EDGE_MTU = 1500
UNDERLAY_MTU = 1538
BLOCKED_PORT = 9999
SF_TYPES = ("router", "firewall", "relay", "tc-redirect", "tc-redirect-delay")


class TestbedError(Exception):
    pass


def run(cmd, timeout=60):
    """Run a command (list); return stdout. Raise with its stderr on error."""
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, timeout=timeout)
    if p.returncode != 0:
        raise TestbedError("%s: exit %d: %s" % (" ".join(cmd), p.returncode,
                                                 p.stderr.strip()))
    return p.stdout


def nsexec(ns, *cmd):
    return ["ip", "netns", "exec", ns] + list(cmd)


def netns_list():
    out = run(["ip", "netns", "list"])
    return [line.split()[0] for line in out.splitlines() if line.strip()]


def kill_ns_pids(ns):
    """Processes still inside one of our namespaces (relays, listeners,
    daemons) would outlive `ip netns del`: end them first."""
    pids = subprocess.run(["ip", "netns", "pids", ns], capture_output=True,
                          text=True).stdout
    for pid in pids.split():
        try:
            os.kill(int(pid), signal.SIGKILL)
        except (ProcessLookupError, ValueError):
            pass


def port_name(ns):
    name = "p-" + (ns[len(PREFIX):] if ns.startswith(PREFIX) else ns)
    if len(name) > 15:
        raise TestbedError("namespace %s: port name %s too long" % (ns, name))
    return name


def sysctls(ns, pairs):
    run(nsexec(ns, "sysctl", "-qw", *["%s=%s" % p for p in pairs]))


def link_mac(ns, ifname):
    out = run(["ip", "-n", ns, "-j", "link", "show", "dev", ifname])
    return json.loads(out)[0]["address"]


class Testbed:
    def __init__(self, spec_path, workdir, mode="sfc"):
        self.spec_path = spec_path
        self.workdir = workdir
        self.mode = mode
        with open(spec_path) as f:
            self.spec = json.load(f)
        self.functions = {}
        for i, fn in enumerate(self.spec["functions"]):
            ns = fn.get("netns")
            if not ns or not ns.startswith(PREFIX):
                raise TestbedError("%s: function %s: netns must start with "
                                   "%s" % (spec_path, fn["tag"], PREFIX))
            if fn["type"] not in SF_TYPES and not fn.get("nsh_aware"):
                raise TestbedError("%s: function %s: unknown type %s" %
                                   (spec_path, fn["tag"], fn["type"]))
            self.functions[fn["tag"]] = dict(
                fn, index=i + 1, ip4="10.77.0.%d" % (10 + i),
                ip6="fd77::%x" % (0x10 + i), port=port_name(ns))
        self.procs = []
        self.created = []
        os.makedirs(workdir, exist_ok=True)

    # ------------------------------------------------------------- topology
    def _add_ns(self, ns):
        if ns in netns_list():
            raise TestbedError("namespace %s exists already: run "
                               "`tests/e2e/testbed cleanup`" % ns)
        run(["ip", "netns", "add", ns])
        self.created.append(ns)
        run(["ip", "-n", ns, "link", "set", "lo", "up"])

    def _plug(self, ns, mtu, mac=None):
        """veth eth0 in ns <-> bridge port in the underlay."""
        port = port_name(ns)
        run(["ip", "-n", UL, "link", "add", port, "mtu", str(UNDERLAY_MTU),
             "type", "veth", "peer", "name", "eth0", "netns", ns])
        run(["ip", "-n", UL, "link", "set", port, "master", "br0", "up"])
        cmd = ["ip", "-n", ns, "link", "set", "eth0", "mtu", str(mtu)]
        if mac:
            cmd += ["address", mac]
        run(cmd + ["up"])

    def _addr(self, ns, ip4, ip6):
        run(["ip", "-n", ns, "addr", "add", ip4 + "/24", "dev", "eth0"])
        run(["ip", "-n", ns, "-6", "addr", "add", ip6 + "/64", "dev", "eth0",
             "nodad"])

    def _neigh(self, ns, ip, mac, dev="eth0"):
        run(["ip", "-n", ns, "neigh", "replace", ip, "lladdr", mac, "dev",
             dev, "nud", "permanent"])

    def up(self):
        self._add_ns(UL)
        # no IPv6 autoconf chatter on the underlay ports
        sysctls(UL, [("net.ipv6.conf.all.disable_ipv6", 1),
                     ("net.ipv6.conf.default.disable_ipv6", 1)])
        run(["ip", "-n", UL, "link", "add", "br0", "mtu", str(UNDERLAY_MTU),
             "type", "bridge", "stp_state", "0", "forward_delay", "0",
             "mcast_snooping", "0"])
        run(["ip", "-n", UL, "link", "set", "br0", "up"])
        # cbox apply insists that the classifier's interface can carry
        # the 38 extra bytes itself, so the client (where the classifier
        # sits) gets the underlay MTU in SFC mode; TCP from the client still
        # sends 1500-byte packets because the server announces MSS 1460.
        client_mtu = UNDERLAY_MTU if self.mode == "sfc" else EDGE_MTU
        for ns, ip4, ip6, mac, mtu in (
                (CLIENT, CLIENT4, CLIENT6, CLIENT_MAC, client_mtu),
                (SERVER, SERVER4, SERVER6, SERVER_MAC, EDGE_MTU)):
            self._add_ns(ns)
            self._plug(ns, mtu, mac)
            self._addr(ns, ip4, ip6)
        # client and server know each other: no ARP/ND race on the first
        # packet of a test
        self._neigh(CLIENT, SERVER4, SERVER_MAC)
        self._neigh(CLIENT, SERVER6, SERVER_MAC)
        self._neigh(SERVER, CLIENT4, CLIENT_MAC)
        self._neigh(SERVER, CLIENT6, CLIENT_MAC)
        for fn in self.functions.values():
            self._setup_sf(fn)
        if self.mode == "baseline":
            self._baseline_routes()

    def _setup_sf(self, fn):
        ns = fn["netns"]
        self._add_ns(ns)
        self._plug(ns, UNDERLAY_MTU, fn.get("mac"))
        t = fn["type"]
        # Set the defaults too: direct-link veths that cbox apply creates
        # later inherit them.
        base = []
        for scope in ("all", "default", "eth0"):
            base += [("net.ipv4.conf.%s.rp_filter" % scope, 0),
                     ("net.ipv4.conf.%s.send_redirects" % scope, 0)]
        if t in ("router", "firewall") or self.mode == "baseline":
            self._addr(ns, fn["ip4"], fn["ip6"])
            self._neigh(ns, SERVER4, SERVER_MAC)
            self._neigh(ns, SERVER6, SERVER_MAC)
            self._neigh(ns, CLIENT4, CLIENT_MAC)
            self._neigh(ns, CLIENT6, CLIENT_MAC)
        if t in ("router", "firewall") or (self.mode == "baseline" and
                                            t != "relay"):
            sysctls(ns, base + [("net.ipv4.ip_forward", 1),
                                ("net.ipv6.conf.all.forwarding", 1)])
        else:
            sysctls(ns, base)
        if t in ("router", "firewall"):
            # IPv6 has no send_redirects: a router forwarding back out of
            # the interface it received on would tell the client to go to
            # the server directly, for every packet
            self._nft(ns, "table ip6 cbxnoredir {\n chain out {\n"
                      "  type filter hook output priority 0;\n"
                      "  icmpv6 type nd-redirect drop\n }\n}\n")
        if t == "firewall":
            rules = ("table inet cbxfw {\n"
                     " chain fw_forward {\n"
                     "  type filter hook forward priority 0; policy accept;\n"
                     "  udp dport %d counter drop\n"
                     "  tcp dport %d counter drop\n"
                     " }\n}\n" % (BLOCKED_PORT, BLOCKED_PORT))
            self._nft(ns, rules)

    def _nft(self, ns, rules):
        p = subprocess.run(nsexec(ns, "nft", "-f", "-"), input=rules,
                           text=True, capture_output=True)
        if p.returncode:
            raise TestbedError("nft in %s: %s" % (ns, p.stderr))

    def chain_nodes(self, spi=None):
        chains = self.spec["chains"]
        ch = chains[0] if spi is None else \
            [c for c in chains if c["id"] == spi][0]
        return [self.functions[t] for t in ch["nodes"]]

    def _baseline_routes(self):
        """Plain next hops: client -> SF1 -> ... -> SFn -> server."""
        nodes = self.chain_nodes(self.spec.get("baseline_chain"))
        hops = [(CLIENT, None)] + [(n["netns"], n) for n in nodes]
        for i, (ns, fn) in enumerate(hops):
            nxt = nodes[i] if i < len(nodes) else None
            if fn is not None and fn["type"] == "relay":
                continue    # relays get their next hop as a neighbour entry
            if nxt is None:
                continue    # last SF: the server is on-link
            nmac = link_mac(nxt["netns"], "eth0")
            for fam, dst, gw in (("-4", SERVER4 + "/32", nxt["ip4"]),
                                 ("-6", SERVER6 + "/128", nxt["ip6"])):
                run(["ip", "-n", ns, fam, "route", "replace", dst, "via", gw,
                     "dev", "eth0"])
                self._neigh(ns, gw, nmac)

    # ----------------------------------------------------------- SF runtime
    def start_relays(self):
        nodes_after = {}
        if self.mode == "baseline":
            nodes = self.chain_nodes(self.spec.get("baseline_chain"))
            for i, n in enumerate(nodes):
                nodes_after[n["tag"]] = nodes[i + 1] if i + 1 < len(nodes) \
                    else None
        for fn in self.functions.values():
            if fn["type"] != "relay":
                continue
            ns = fn["netns"]
            to_mac = SERVER_MAC
            if self.mode == "baseline" and nodes_after.get(fn["tag"]):
                nxt = nodes_after[fn["tag"]]
                to_mac = link_mac(nxt["netns"], "eth0")
            out_if = fn.get("egress_iface", "eth0")
            cmd = nsexec(ns, RELAY, "-o", out_if,
                         "-n", "%s=%s" % (SERVER4, to_mac),
                         "-n", "%s=%s" % (SERVER6, to_mac),
                         "-c", os.path.join(self.workdir,
                                            "relay-%s.count" % fn["tag"]))
            p = subprocess.Popen(cmd, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True)
            line = p.stdout.readline()
            if "relaying" not in line:
                raise TestbedError("relay %s did not start: %s" %
                                   (fn["tag"], p.stderr.read()))
            fn["relay"] = p
            self.procs.append(p)

    def relay_counts(self):
        """Stop the relays; return {tag: frames relayed}."""
        out = {}
        for fn in self.functions.values():
            p = fn.pop("relay", None)
            if not p:
                continue
            p.send_signal(signal.SIGTERM)
            p.wait(timeout=5)
            self.procs.remove(p)
            with open(os.path.join(self.workdir, "relay-%s.count" %
                                   fn["tag"])) as f:
                out[fn["tag"]] = int(f.read().split()[0])
        return out

    # --------------------------------------------------------- cboxc / cbox
    def hosts(self):
        hs = {fn["host"] for fn in self.spec["functions"]}
        hs |= {c["host"] for c in self.spec.get("classifiers", [])}
        return sorted(hs)

    def compile(self, spec=None):
        self.outdir = os.path.join(self.workdir, "out")
        p = subprocess.run([CBOXC, "compile", spec or self.spec_path, "-o",
                            self.outdir], capture_output=True, text=True)
        if p.returncode:
            raise TestbedError("cboxc compile: exit %d: %s" %
                               (p.returncode, p.stderr.strip()))
        return self.outdir

    def apply(self):
        self.applied = []
        for h in self.hosts():
            d = os.path.join(self.outdir, h)
            try:
                p = subprocess.run([CBOX, "apply", "--host", h, d],
                                   capture_output=True, text=True,
                                   timeout=30)
            except subprocess.TimeoutExpired:
                # what it did create is in its state record: detach it
                self.applied.append((h, d))
                raise TestbedError("cbox apply --host %s %s: no answer "
                                   "within 30 s" % (h, d))
            if p.returncode:
                raise TestbedError("cbox apply --host %s %s: exit %d: %s" %
                                   (h, d, p.returncode, p.stderr.strip()))
            self.applied.append((h, d))

    def stats(self):
        p = subprocess.run([CBOX, "stats", "-j"], capture_output=True,
                           text=True)
        if p.returncode:
            raise TestbedError("cbox stats -j: exit %d: %s%s" %
                               (p.returncode, p.stdout, p.stderr))
        return json.loads(p.stdout)

    def sf_mac(self, tag):
        return link_mac(self.functions[tag]["netns"],
                        self.functions[tag].get("iface", "eth0"))

    # ------------------------------------------------------------- teardown
    def down(self):
        errors = []
        for p in self.procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
                try:
                    p.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
        self.procs = []
        for h, d in reversed(getattr(self, "applied", [])):
            p = subprocess.run([CBOX, "detach", "--host", h, d],
                               capture_output=True, text=True)
            if p.returncode:
                errors.append("cbox detach --host %s %s: %s" %
                              (h, d, p.stderr.strip()))
        self.applied = []
        for ns in reversed(self.created):
            kill_ns_pids(ns)
            p = subprocess.run(["ip", "netns", "del", ns],
                               capture_output=True, text=True)
            if p.returncode:
                errors.append("ip netns del %s: %s" % (ns, p.stderr.strip()))
        self.created = []
        return errors


def cleanup(detach_all=True):
    """Remove every leftover cbx-* namespace; `cbox detach --all`."""
    msgs = []
    if detach_all and os.path.exists(CBOX):
        p = subprocess.run([CBOX, "detach", "--all"], capture_output=True,
                           text=True)
        msgs.append("cbox detach --all: exit %d %s" % (p.returncode,
                                                        p.stderr.strip()))
    for ns in netns_list():
        if ns.startswith(PREFIX):
            kill_ns_pids(ns)
            subprocess.run(["ip", "netns", "del", ns])
            msgs.append("removed namespace " + ns)
    return msgs


# ---------------------------------------------------------------- capture
class Capture:
    """tcpdump -Q in on bridge ports: each frame once, at the port of the
    namespace that sent it. No capture filter: with one ("not arp and not
    icmp6") tcpdump lost the classifier's NSH frames on the client's port,
    and the decoding below picks what matters anyway. --immediate-mode:
    otherwise frames wait in a ring block that tcpdump drops on SIGINT."""

    def __init__(self, workdir, ports):
        self.workdir = workdir
        self.procs = {}
        for port in ports:
            pcap = os.path.join(workdir, "cap-%s.pcap" % port)
            err = open(os.path.join(workdir, "cap-%s.err" % port), "w")
            p = subprocess.Popen(nsexec(UL, "tcpdump", "-i", port, "-Q", "in",
                                        "-U", "--immediate-mode", "-n", "-s", "256",
                                        "-w", pcap),
                                 stdout=subprocess.DEVNULL, stderr=err)
            self.procs[port] = (p, pcap, err.name)
        deadline = time.time() + 10
        for port, (p, pcap, errf) in self.procs.items():
            while "listening on" not in open(errf).read():
                if p.poll() is not None or time.time() > deadline:
                    raise TestbedError("tcpdump on %s did not start: %s" %
                                       (port, open(errf).read()))
                time.sleep(0.05)

    def stop(self):
        time.sleep(0.3)     # let the last frames reach the files
        for p, _, _ in self.procs.values():
            if p.poll() is None:
                p.send_signal(signal.SIGINT)
        for p, _, _ in self.procs.values():
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()

    FIELDS = ("frame.time_epoch", "eth.src", "eth.dst", "nsh.spi", "nsh.si",
              "nsh.ttl", "nsh.mdtype", "nsh.length", "nsh.nextproto",
              "ip.proto", "ipv6.nxt", "udp.srcport", "udp.dstport",
              "tcp.srcport", "tcp.dstport", "icmp.type", "ip.src", "ip.dst",
              "ipv6.src", "ipv6.dst", "ip.ttl", "ipv6.hlim")

    def frames(self):
        """Every captured frame, decoded by tshark, as dicts, time order.
        Multi-valued fields (outer and inner Ethernet) keep the first."""
        out = []
        for port, (_, pcap, _) in self.procs.items():
            cmd = ["tshark", "-n", "-r", pcap, "-T", "fields",
                   "-E", "separator=\t", "-E", "occurrence=f"]
            for f in self.FIELDS:
                cmd += ["-e", f]
            p = subprocess.run(cmd, capture_output=True, text=True)
            if p.returncode:
                raise TestbedError("tshark -r %s: %s" % (pcap, p.stderr))
            for line in p.stdout.splitlines():
                vals = line.split("\t")
                d = dict(zip(self.FIELDS, vals + [""] * len(self.FIELDS)))
                d["port"] = port
                d["t"] = float(d["frame.time_epoch"] or 0)
                d["nsh"] = d["nsh.spi"] != ""
                for k in ("nsh.spi", "nsh.si", "nsh.ttl"):
                    d[k] = int(d[k], 0) if d[k] else None
                d["sport"] = int(d["udp.srcport"] or d["tcp.srcport"] or 0)
                d["dport"] = int(d["udp.dstport"] or d["tcp.dstport"] or 0)
                out.append(d)
        out.sort(key=lambda d: d["t"])
        return out


def start_udp_sink(workdir, ports, name="sink"):
    out = os.path.join(workdir, "%s.txt" % name)
    open(out, "w").close()
    cmd = nsexec(SERVER, PY, UDP_PY, "listen", "--out", out)
    for port in ports:
        cmd += ["--port", str(port)]
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True)
    if p.stdout.readline().strip() != "ready":
        raise TestbedError("udp sink did not start: " + p.stderr.read())
    return p, out


def udp_send(dst, dport, token, count=3, sport=None, gap=0.02):
    cmd = nsexec(CLIENT, PY, UDP_PY, "send", "--dst", dst, "--dport",
                 str(dport), "--count", str(count), "--token", token,
                 "--gap", str(gap))
    cmd += ["--sport", str(sport)] if sport else ["--random-sport"]
    return int(run(cmd).strip())


# ------------------------------------------------- state across processes
def save_state(tb):
    state = {"spec": tb.spec_path, "mode": tb.mode, "created": tb.created,
             "applied": getattr(tb, "applied", []),
             "pids": [p.pid for p in tb.procs]}
    with open(os.path.join(tb.workdir, "state.json"), "w") as f:
        json.dump(state, f, indent=1)


def down_from_state(workdir):
    """Tear down what `testbed up` left running, from its state file."""
    path = os.path.join(workdir, "state.json")
    with open(path) as f:
        state = json.load(f)
    errors = []
    for pid in state["pids"]:
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    for h, d in reversed(state["applied"]):
        p = subprocess.run([CBOX, "detach", "--host", h, d],
                           capture_output=True, text=True)
        if p.returncode:
            errors.append("cbox detach --host %s %s: %s" %
                          (h, d, p.stderr.strip()))
    time.sleep(0.2)
    for ns in reversed(state["created"]):
        kill_ns_pids(ns)
        p = subprocess.run(["ip", "netns", "del", ns], capture_output=True,
                           text=True)
        if p.returncode:
            errors.append("ip netns del %s: %s" % (ns, p.stderr.strip()))
    os.unlink(path)
    return errors


def describe(tb):
    """Addresses of everything, for people and for the benchmark scripts."""
    lines = ["client  %-12s %-10s %s %s" % (CLIENT, "eth0", CLIENT4, CLIENT6),
             "server  %-12s %-10s %s %s" % (SERVER, "eth0", SERVER4, SERVER6)]
    for fn in tb.functions.values():
        has_ip = fn["type"] in ("router", "firewall") or tb.mode == "baseline"
        lines.append("sf %-4s %-12s %-10s %s %s  %s  %s host=%s" % (
            fn["tag"], fn["netns"], "eth0",
            fn["ip4"] if has_ip else "-", fn["ip6"] if has_ip else "-",
            link_mac(fn["netns"], "eth0"), fn["type"], fn["host"]))
    return "\n".join(lines)
