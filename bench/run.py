#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Chaining-Box benchmarks after the thesis's chapter 6.

  bench/run.py [--smoke] [--out DIR] [EXPERIMENT...]

Experiments: size, length, dlinks, phantom, tcp, memory, xdpmode
(default: all).
Each writes DIR/<experiment>.csv (default DIR: bench/results). Every
Chaining-Box figure comes with a baseline measured in the same run, on the
same namespaces: "plain" = the same SFs as IP next hops without NSH or BPF
stages (the issue's baseline), "direct" = client and server on the bridge
with no SF at all (the thesis's baseline). --smoke makes one short run of
each so that the code cannot rot; its numbers mean nothing.
"""
import argparse
import csv
import json
import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cbbnet  # noqa: E402
from cbbnet import Bed, log  # noqa: E402
from plot import lsq_line  # noqa: E402

WORK = os.path.join(cbbnet.BUILD, "bench", "work")
BED_ERRORS = (cbbnet.BenchError, cbbnet.cbxnet.TestbedError,
              subprocess.TimeoutExpired, OSError, KeyError, ValueError)
# configurations that failed; the run still writes what it measured
FAILURES = []


def failed(what, e):
    log("bench: %s: FAILED: %s" % (what, e))
    FAILURES.append(what)


class Cfg:
    def __init__(self, smoke):
        self.smoke = smoke
        self.sizes = [64, 1462] if smoke else [64, 128, 256, 512, 1024, 1462]
        self.lengths = [1, 2] if smoke else list(range(1, 11))
        self.size_lengths = [1, 2] if smoke else [1, 10]
        self.star_lengths = [1, 2] if smoke else [1, 2, 3, 4, 5]
        self.tput_s = 0.3 if smoke else 2.0
        self.pings = 30 if smoke else 120
        self.ping_gap = 0.01 if smoke else 0.02
        self.iperf_s = 1 if smoke else 5
        self.tcp_len = 3
        # the thesis's SF; both modes of the dlinks experiment use the
        # same type, so the comparison stays fair whatever it is
        self.dlinks_sf = "tc-redirect"


def write_csv(path, rows, fields):
    with open(path + ".tmp", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=fields, extrasaction="ignore")
        w.writeheader()
        for r in rows:
            w.writerow({k: ("%.4f" % v if isinstance(v, float) else v)
                        for k, v in r.items()})
    os.rename(path + ".tmp", path)
    log("bench: wrote %s (%d rows)" % (path, len(rows)))


def ratio(a, b):
    return a / b if b else float("nan")


def measure(bed, cfg, size=64, latency=True, tput=True):
    r = {}
    if tput:
        t = bed.throughput(size, cfg.tput_s)
        r.update(tx_mpps=t["tx_mpps"], rx_mpps=t["rx_mpps"],
                 rx_gbps=t["rx_gbps"], loss_pct=t["loss_pct"])
    if latency:
        lat = bed.ping(cfg.pings, size, cfg.ping_gap)
        r.update(lat_median_us=lat["median_us"], lat_p99_us=lat["p99_us"],
                 lat_stdev_us=lat["stdev_us"])
    return r


# ------------------------------------------------------------ experiments
def exp_size(cfg, out):
    """Thesis Figure 6.4: packet size at chain lengths 1 and 10."""
    rows = []
    configs = [("direct", 0)]
    for n in cfg.size_lengths:
        configs += [("plain", n), ("cbox", n)]
    for mode, n in configs:
        bedmode = {"direct": "direct", "plain": "baseline", "cbox": "sfc"}
        try:
            with Bed(os.path.join(WORK, "size"), bedmode[mode], n) as bed:
                for size in cfg.sizes:
                    r = dict(mode=mode, chain_len=n, size=size)
                    r.update(measure(bed, cfg, size))
                    log("size: %s" % r)
                    rows.append(r)
        except BED_ERRORS as e:
            failed("size %s L=%d" % (mode, n), e)
    key = {(x["mode"], x["chain_len"], x["size"]): x for x in rows}
    for r in rows:
        d = key.get(("direct", 0, r["size"]))
        p = key.get(("plain", r["chain_len"], r["size"]), d)
        if not d or not p:
            continue
        r["ratio_mpps_vs_plain"] = ratio(r["rx_mpps"], p["rx_mpps"])
        r["ratio_mpps_vs_direct"] = ratio(r["rx_mpps"], d["rx_mpps"])
        r["ratio_lat_vs_plain"] = ratio(r["lat_median_us"],
                                        p["lat_median_us"])
    write_csv(os.path.join(out, "size.csv"), rows,
              ["mode", "chain_len", "size", "tx_mpps", "rx_mpps", "rx_gbps",
               "loss_pct", "lat_median_us", "lat_p99_us", "lat_stdev_us",
               "ratio_mpps_vs_plain", "ratio_mpps_vs_direct",
               "ratio_lat_vs_plain"])
    return rows


def length_rows(cfg, modes, lengths=None, **spec_kw):
    rows = []
    # modes interleaved per length, so that a slow spell of the shared
    # machine hits SFC and baseline alike instead of one curve
    for n in lengths or cfg.lengths:
        for mode in modes:
            bedmode = {"plain": "baseline", "plain-xdp": "baseline",
                       "cbox": "sfc", "cbox-generic": "sfc",
                       "cbox-native": "sfc", "cbox-dlinks": "sfc"}[mode]
            kw = dict(spec_kw)
            if mode == "plain-xdp":
                kw["sf_xdp"] = True
            if mode in ("cbox-generic", "cbox-native"):
                kw["xdp_mode"] = mode[5:]
            if mode == "cbox-dlinks":
                kw["one_host"] = True
            try:
                with Bed(os.path.join(WORK, "len"), bedmode, n, **kw) as bed:
                    r = dict(mode=mode, chain_len=n)
                    r.update(measure(bed, cfg))
                    log("length: %s" % r)
                    rows.append(r)
            except BED_ERRORS as e:
                failed("length %s L=%d" % (mode, n), e)
    return rows


def fits(rows, modes, col="lat_median_us"):
    out = []
    for mode in modes:
        line = lsq_line([(r["chain_len"], r[col]) for r in rows
                         if r["mode"] == mode])
        if not line:
            continue
        a, b = line
        out.append(dict(mode=mode, metric=col, intercept_us=a,
                        slope_us_per_sf=b))
    return out


def exp_length(cfg, out):
    """Thesis Figure 6.5: chain length 1..10, Mpps and latency per SF."""
    with Bed(os.path.join(WORK, "len"), "direct") as bed:
        d = dict(mode="direct", chain_len=0)
        d.update(measure(bed, cfg))
    rows = [d] + length_rows(cfg, ["plain", "plain-xdp", "cbox"])
    byk = {(r["mode"], r["chain_len"]): r for r in rows}
    for r in rows:
        p = byk.get(("plain", r["chain_len"]), d)
        r["ratio_mpps_vs_plain"] = ratio(r["rx_mpps"], p["rx_mpps"])
        r["ratio_mpps_vs_direct"] = ratio(r["rx_mpps"], d["rx_mpps"])
        r["added_lat_us"] = r["lat_median_us"] - p["lat_median_us"]
    write_csv(os.path.join(out, "length.csv"), rows,
              ["mode", "chain_len", "tx_mpps", "rx_mpps", "rx_gbps",
               "loss_pct", "lat_median_us", "lat_p99_us", "lat_stdev_us",
               "ratio_mpps_vs_plain", "ratio_mpps_vs_direct",
               "added_lat_us"])
    f = fits(rows, ["plain", "plain-xdp", "cbox"])
    sl = {x["mode"]: x["slope_us_per_sf"] for x in f}
    for base in ("plain", "plain-xdp"):
        if base in sl and "cbox" in sl:
            f.append(dict(mode="cbox-minus-" + base, metric="lat_median_us",
                          intercept_us=float("nan"),
                          slope_us_per_sf=sl["cbox"] - sl[base]))
    write_csv(os.path.join(out, "length_fit.csv"), f,
              ["mode", "metric", "intercept_us", "slope_us_per_sf"])
    return rows


def exp_xdpmode(cfg, out):
    """Issue 7: Dec in native vs generic (SKB) XDP mode, with the plain
    baseline interleaved; ping RTT at L = 1, 3, 5 and 64 B throughput."""
    modes = ["plain", "cbox-native", "cbox-generic"]
    rows = length_rows(cfg, modes, lengths=[1, 2] if cfg.smoke else
                       [1, 3, 5])
    write_csv(os.path.join(out, "xdpmode.csv"), rows,
              ["mode", "chain_len", "tx_mpps", "rx_mpps", "rx_gbps",
               "loss_pct", "lat_median_us", "lat_p99_us", "lat_stdev_us"])
    f = fits(rows, modes)
    sl = {x["mode"]: x["slope_us_per_sf"] for x in f}
    for m in ("cbox-native", "cbox-generic"):
        if m in sl and "plain" in sl:
            f.append(dict(mode=m + "-minus-plain", metric="lat_median_us",
                          intercept_us=float("nan"),
                          slope_us_per_sf=sl[m] - sl["plain"]))
    write_csv(os.path.join(out, "xdpmode_fit.csv"), f,
              ["mode", "metric", "intercept_us", "slope_us_per_sf"])
    return rows


def exp_dlinks(cfg, out):
    """Thesis Figure 6.6: every SF on one host (direct links) or not."""
    rows = length_rows(cfg, ["cbox", "cbox-dlinks"], sf_type=cfg.dlinks_sf)
    for r in rows:
        r["sf_type"] = cfg.dlinks_sf
    write_csv(os.path.join(out, "dlinks.csv"), rows,
              ["mode", "sf_type", "chain_len", "tx_mpps", "rx_mpps",
               "rx_gbps",
               "loss_pct", "lat_median_us", "lat_p99_us", "lat_stdev_us"])
    write_csv(os.path.join(out, "dlinks_fit.csv"),
              fits(rows, ["cbox", "cbox-dlinks"]),
              ["mode", "metric", "intercept_us", "slope_us_per_sf"])
    return rows


def exp_phantom(cfg, out):
    """Thesis Figure 6.8: a PhantomSFC-like star (hub visited between
    every two SFs, 2n+1 nodes) against a plain chain, tc-redirect-delay."""
    rows = []
    for mode in ("cbox", "star"):
        for n in cfg.star_lengths:
            try:
                with Bed(os.path.join(WORK, "star"), "sfc", n,
                         sf_type="tc-redirect-delay",
                         star=(mode == "star")) as bed:
                    r = dict(mode=mode, chain_len=n,
                             nodes=2 * n + 1 if mode == "star" else n)
                    r.update(measure(bed, cfg, tput=False))
                    log("phantom: %s" % r)
                    rows.append(r)
            except BED_ERRORS as e:
                failed("phantom %s L=%d" % (mode, n), e)
    write_csv(os.path.join(out, "phantom.csv"), rows,
              ["mode", "chain_len", "nodes", "lat_median_us", "lat_p99_us",
               "lat_stdev_us"])
    write_csv(os.path.join(out, "phantom_fit.csv"),
              fits(rows, ["cbox", "star"]),
              ["mode", "metric", "intercept_us", "slope_us_per_sf"])
    return rows


def exp_tcp(cfg, out):
    """TCP goodput (iperf3) through cfg.tcp_len SFs against baselines,
    with the machine's default offloads and with GRO/GSO/TSO off (where
    NSH is pushed they must be off; a baseline with them on is what the
    same namespaces do without SFC). No XDP program on the client's port
    here: it would take GSO away from the client."""
    rows = []
    for mode, bedmode, n, off in (
            ("direct", "direct", 0, "default"),
            ("plain", "baseline", cfg.tcp_len, "default"),
            ("cbox", "sfc", cfg.tcp_len, "default"),
            ("direct", "direct", 0, "off"),
            ("plain", "baseline", cfg.tcp_len, "off"),
            ("cbox", "sfc", cfg.tcp_len, "off")):
        try:
            with Bed(os.path.join(WORK, "tcp"), bedmode, n, offloads=off,
                     xdp_pass=False) as bed:
                g = bed.iperf(cfg.iperf_s)
        except BED_ERRORS as e:
            failed("tcp %s L=%d offloads %s" % (mode, n, off), e)
            continue
        rows.append(dict(mode=mode, chain_len=n, offloads=off,
                         goodput_gbps=g))
        log("tcp: %s" % rows[-1])
    base = {(r["mode"], r["offloads"]): r["goodput_gbps"] for r in rows}
    for r in rows:
        r["ratio_vs_plain_same"] = ratio(
            r["goodput_gbps"], base.get(("plain", r["offloads"]), 0))
        r["ratio_vs_plain_default"] = ratio(
            r["goodput_gbps"], base.get(("plain", "default"), 0))
        r["ratio_vs_direct_same"] = ratio(
            r["goodput_gbps"], base.get(("direct", r["offloads"]), 0))
    write_csv(os.path.join(out, "tcp.csv"), rows,
              ["mode", "chain_len", "offloads", "goodput_gbps",
               "ratio_vs_plain_same", "ratio_vs_plain_default",
               "ratio_vs_direct_same"])
    return rows


def bpftool(*args):
    return json.loads(cbbnet.run(["bpftool", "-j"] + list(args)))


def exp_memory(cfg, out):
    """Thesis Tables 6.1/6.2: locked program and map memory of one box
    (each SF alone on its host, so its host's proxy table is its own)."""
    rows = []
    n = 2 if cfg.smoke else 3
    with Bed(os.path.join(WORK, "mem"), "sfc", n) as bed:
        for i in range(1, n + 1):
            ns = "cbb-sf%d" % i
            net = json.loads(cbbnet.run(["ip", "netns", "exec", ns, "bpftool",
                                         "-j", "net", "show"]))
            prog_ids = set()
            for sect in net:
                for hook in ("xdp", "tc"):
                    for e in sect.get(hook, []):
                        if "id" in e:
                            prog_ids.add(e["id"])
            map_ids = set()
            for pid in sorted(prog_ids):
                p = bpftool("prog", "show", "id", str(pid))
                map_ids.update(p.get("map_ids", []))
                rows.append(dict(box="sf%d" % i, kind="prog", name=p["name"],
                                 id=pid, xlated=p.get("bytes_xlated", 0),
                                 jited=p.get("bytes_jited", 0),
                                 memlock=p.get("bytes_memlock", 0)))
            for mid in sorted(map_ids):
                m = bpftool("map", "show", "id", str(mid))
                if m["name"].endswith(".rodata") or m["name"].endswith(".bss")\
                        or ".rodata" in m["name"]:
                    kind = "map-rodata"
                else:
                    kind = "map"
                rows.append(dict(box="sf%d" % i, kind=kind, name=m["name"],
                                 id=mid, entries=m.get("max_entries", 0),
                                 key=m.get("bytes_key", 0),
                                 value=m.get("bytes_value", 0),
                                 memlock=m.get("bytes_memlock", 0)))
    tot = {}
    for r in rows:
        tot.setdefault(r["box"], 0)
        tot[r["box"]] += r["memlock"]
    for box, t in sorted(tot.items()):
        rows.append(dict(box=box, kind="total", name="all", memlock=t))
        log("memory: %s %d bytes locked" % (box, t))
    write_csv(os.path.join(out, "memory.csv"), rows,
              ["box", "kind", "name", "id", "entries", "key", "value",
               "xlated", "jited", "memlock"])
    return rows


EXPERIMENTS = {"size": exp_size, "length": exp_length, "dlinks": exp_dlinks,
               "phantom": exp_phantom, "tcp": exp_tcp, "memory": exp_memory,
               "xdpmode": exp_xdpmode}


def main():
    ap = argparse.ArgumentParser(prog="bench/run.py")
    ap.add_argument("--smoke", action="store_true")
    ap.add_argument("--out", default=os.path.join(cbbnet.HERE, "results"))
    ap.add_argument("--dlinks-sf", default="tc-redirect",
                    help="SF type of the dlinks experiment "
                    "(default tc-redirect)")
    ap.add_argument("experiments", nargs="*",
                    help="any of: " + " ".join(EXPERIMENTS))
    args = ap.parse_args()
    if os.geteuid() != 0:
        log("bench: must run as root")
        return 3
    names = args.experiments or list(EXPERIMENTS)
    for n in names:
        if n not in EXPERIMENTS:
            log("bench: unknown experiment '%s' (have: %s)" %
                (n, " ".join(EXPERIMENTS)))
            return 2
    os.makedirs(args.out, exist_ok=True)
    for ns in cbbnet.cbxnet.netns_list():
        if ns.startswith(cbbnet.PREFIX):
            log("bench: namespace %s left over from an earlier run: removing"
                % ns)
    cbbnet.cleanup_all()
    # namespaces must go also when we are told to stop
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(143))
    signal.signal(signal.SIGHUP, lambda *a: sys.exit(129))
    cfg = Cfg(args.smoke)
    cfg.dlinks_sf = args.dlinks_sf
    broken = []     # experiments that raised
    t0 = time.time()
    try:
        for n in names:
            t = time.time()
            try:
                EXPERIMENTS[n](cfg, args.out)
            except (cbbnet.BenchError, cbbnet.cbxnet.TestbedError,
                    subprocess.TimeoutExpired, OSError, KeyError,
                    ValueError) as e:
                log("bench: %s: FAILED: %s" % (n, e))
                broken.append(n)
            log("bench: %s took %.0f s" % (n, time.time() - t))
    finally:
        cbbnet.cleanup_all()
    broken += FAILURES
    log("bench: %d experiments in %.0f s, %d failures%s" %
        (len(names), time.time() - t0, len(broken),
         (": " + ", ".join(broken)) if broken else ""))
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
