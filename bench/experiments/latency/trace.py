#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Kernel events per ping round trip, per mode (issue 7).

For each mode given, brings up lat.py's testbed (cbl-*) at chain length L,
records kernel tracepoints into a tracefs instance of our own
(/sys/kernel/tracing/instances/cbl-lat) while N pings of 64 bytes run
200 ms apart, and splits the trace into one burst per round trip (events
closer than 5 ms together). Per burst it counts: receives per device
(netif_receive_skb), backlog enqueues (netif_rx), NAPI polls, NET_RX
softirqs raised / run and on which CPU, switches to ksoftirqd, skb and
skb-head allocations by call site (kmem_cache_alloc from the skbuff
caches, kmalloc from skb code), page_pool pages taken (veth's copy of an
skb in native XDP, skb_pp_cow_data, takes its pages there), and the burst's duration from the first to
the last event. Prints the mean per round trip of each count.

This machine forbids kprobes and fentry (CONFIG_KPROBES off, BPF tracing
programs get EPERM) and ftrace's function filter, so tracepoints are what
there is. Events of other activity on the machine that fall into a burst
are counted too: compare modes run one after the other, and look at the
per-device rows, which are ours.
"""
import argparse
import collections
import os
import re
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lat  # noqa: E402

TRACEFS = "/sys/kernel/tracing/instances/cbl-lat"
EVENTS = ["net/netif_receive_skb", "net/netif_rx", "napi/napi_poll",
          "irq/softirq_raise", "irq/softirq_entry", "sched/sched_switch",
          "kmem/kmem_cache_alloc", "kmem/kmalloc", "xdp/xdp_redirect",
          "xdp/xdp_redirect_err", "skb/kfree_skb",
          "page_pool/page_pool_state_hold"]
LINE = re.compile(r"^\s*(.+?)-(\d+)\s+\[(\d+)\]\s+\S+\s+([\d.]+):\s+(\w+):"
                  r"\s*(.*)$")


def wr(path, val):
    with open(os.path.join(TRACEFS, path), "w") as f:
        f.write(val)


def trace_on():
    if not os.path.isdir(TRACEFS):
        os.mkdir(TRACEFS)
    wr("buffer_size_kb", "8192")
    wr("trace", "")
    for ev in EVENTS:
        wr("events/%s/enable" % ev, "1")
    # only the NET_RX softirq (vector 3)
    wr("events/irq/softirq_raise/filter", "vec == 3")
    wr("events/irq/softirq_entry/filter", "vec == 3")
    wr("events/sched/sched_switch/filter", 'next_comm ~ "ksoftirqd*"')
    wr("tracing_on", "1")


def trace_off():
    wr("tracing_on", "0")
    with open(os.path.join(TRACEFS, "trace")) as f:
        text = f.read()
    for ev in EVENTS:
        wr("events/%s/enable" % ev, "0")
    return text


def trace_remove():
    if os.path.isdir(TRACEFS):
        try:
            wr("tracing_on", "0")
            os.rmdir(TRACEFS)
        except OSError as e:
            lat.log("trace: %s: %s" % (TRACEFS, e))


def key_of(ev, rest):
    """The counter an event line goes to, or None."""
    if ev in ("netif_receive_skb", "netif_rx"):
        m = re.search(r"dev=(\S+)", rest)
        return "%s %s" % (ev, m.group(1) if m else "?")
    if ev == "napi_poll":
        m = re.search(r"for device (\S+) work (\d+)", rest)
        return "napi_poll %s" % (m.group(1) if m else "?")
    if ev in ("kmem_cache_alloc", "kmalloc"):
        site = re.search(r"call_site=(\S+)", rest)
        site = site.group(1).split("+")[0] if site else "?"
        name = re.search(r"name=(\S+)", rest)
        name = name.group(1) if name else ""
        if ev == "kmem_cache_alloc" and not name.startswith("skbuff"):
            return None
        if ev == "kmalloc" and not re.search(r"skb|xdp|veth|bpf", site):
            return None
        return "%s %s %s" % (ev, name, site)
    if ev == "kfree_skb":
        m = re.search(r"reason: (\S+)", rest)
        return "kfree_skb %s" % (m.group(1) if m else "?")
    return ev


def bursts(text, gap=0.005):
    """[(t0, t1, Counter, cpus)] per burst of events."""
    out = []
    cur = None
    for line in text.splitlines():
        m = LINE.match(line)
        if not m:
            continue
        t = float(m.group(4))
        ev, rest, cpu = m.group(5), m.group(6), int(m.group(3))
        if cur is None or t - cur[1] > gap:
            cur = [t, t, collections.Counter(), set(), [], t]
            out.append(cur)
        cur[1] = t
        if ev in ("netif_receive_skb", "napi_poll"):
            dev = re.search(r"dev=(\S+)|for device (\S+)", rest)
            dev = (dev.group(1) or dev.group(2)) if dev else "?"
            cur[4].append(((t - cur[5]) * 1e6, "%s:%s" % (
                "rx" if ev == "netif_receive_skb" else "poll", dev)))
            cur[5] = t
        k = key_of(ev, rest)
        if k:
            cur[2][k] += 1
            if ev == "softirq_entry":
                cur[2]["softirq_entry cpu%d" % cpu] += 1
            if ev == "netif_receive_skb":
                cur[3].add(cpu)
    return out


def main():
    ap = argparse.ArgumentParser(prog="trace.py")
    ap.add_argument("--length", type=int, default=2)
    ap.add_argument("--pings", type=int, default=40)
    ap.add_argument("--raw", help="keep each mode's trace in RAW/MODE.txt")
    ap.add_argument("--modes", default="plain,plain-xdp,plain-xdpgen,"
                    "cbox-native,cbox-generic,cbox-tcdec")
    args = ap.parse_args()
    lat.snapshot()
    lat.cbbnet.cleanup_all()
    res = {}
    try:
        for mode in args.modes.split(","):
            with lat.Bed(os.path.join(lat.XBUILD, "work"), mode,
                         args.length) as bed:
                # warm up: neighbours, proxy entries, page pools
                subprocess.run(lat.cbxnet.nsexec(
                    lat.cbbnet.CLIENT, "ping", "-c", "3", "-i", "0.05",
                    "-s", "22", lat.cbbnet.SERVER4), capture_output=True)
                trace_on()
                try:
                    p = subprocess.run(lat.cbxnet.nsexec(
                        lat.cbbnet.CLIENT, "ping", "-n", "-c",
                        str(args.pings), "-i", "0.2", "-s", "22",
                        lat.cbbnet.SERVER4), capture_output=True, text=True)
                finally:
                    text = trace_off()
                if mode == "cbox-tcdec":
                    lat.tcdec_check(bed, args.pings)
            if args.raw:
                os.makedirs(args.raw, exist_ok=True)
                with open(os.path.join(args.raw, mode + ".txt"), "w") as f:
                    f.write(text)
            rtts = [float(x) * 1000 for x in
                    re.findall(r"time=([0-9.]+) ms", p.stdout)]
            bs = [b for b in bursts(text)
                  if b[2].get("netif_receive_skb eth0", 0) >= 2]
            res[mode] = (bs, rtts)
            lat.log("trace: %s: %d bursts, %d replies" %
                    (mode, len(bs), len(rtts)))
            time.sleep(0.5)
    finally:
        lat.cbbnet.cleanup_all()
        trace_remove()
        lat.shutil.rmtree(os.path.dirname(lat.cbxnet.CBOX),
                          ignore_errors=True)
    report(res)
    return 0


def report(res):
    modes = list(res)
    keys = set()
    for bs, _ in res.values():
        for b in bs:
            keys.update(b[2])
    print("per round trip (64-byte ping, 200 ms apart): RTT and burst "
          "duration median, counts mean")
    print("%-58s %s" % ("", " ".join("%12s" % m for m in modes)))

    def row(name, vals):
        print("%-58s %s" % (name[:58], " ".join("%12s" % v for v in vals)))
    row("ping RTT median us (traced)",
        ["%.0f" % statistics.median(r) if r else "-" for _, r in
         res.values()])
    row("burst duration us",
        ["%.0f" % (statistics.median([(b[1] - b[0]) * 1e6 for b in bs]))
         if bs else "-" for bs, _ in res.values()])
    # where the time goes: the gap before each receive, in path order
    for m, (bs, _) in res.items():
        steps = collections.defaultdict(list)
        for b in bs:
            for i, (dt, what) in enumerate(b[4]):
                steps[i].append((dt, what))
        print("%s: us before each receive/poll (median over bursts): %s" % (
            m, "  ".join("%s %.1f" % (collections.Counter(
                w for _, w in v).most_common(1)[0][0],
                statistics.median(d for d, _ in v))
                for i, v in sorted(steps.items()) if len(v) >= len(bs) / 2)))
    row("CPUs receiving in one burst",
        ["%.1f" % statistics.mean([len(b[3]) for b in bs]) if bs else "-"
         for bs, _ in res.values()])
    for k in sorted(keys):
        vals = []
        for bs, _ in res.values():
            v = [b[2].get(k, 0) for b in bs]
            vals.append("%.1f" % statistics.mean(v) if v else "-")
        if all(v in ("0.0", "-") for v in vals):
            continue
        row(k, vals)


if __name__ == "__main__":
    sys.exit(main())
