#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Where does the latency Chaining-Box adds per SF go? (issue 7)

Ping RTT through chains of tc-redirect SFs at a few chain lengths, the modes
below interleaved (a different rotation in every pass), several passes, so
that a slow spell of the shared 2-vCPU machine hits every mode alike:

  plain         SFs as plain IP next hops (bench's baseline)
  plain-off     plain, GRO/GSO/TSO off on every SF's eth0 and p-client,
                i.e. where cbox apply turns them off
  plain-xdp     plain + XDP_PASS on every SF's eth0, native (veth NAPI)
  plain-xdpgen  plain + XDP_PASS on every SF's eth0, generic (SKB) mode
  cbox-native   Chaining-Box, Dec in native XDP
  cbox-generic  Chaining-Box, Dec in generic XDP
  cbox-tcdec    Chaining-Box, Dec moved to TC ingress (tcdec.bpf.c of this
                directory, replacing cbox's XDP Dec; see README.md)

The testbed is bench/cbbnet.py's, reused as it is; every namespace, bridge
port and cbox host is renamed cbl-* here so that this runs beside `make
bench` (cbb-*) and the e2e suite (cbx-*).

"""
import argparse
import csv
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
BENCH = os.path.dirname(os.path.dirname(HERE))
ROOT = os.path.dirname(BENCH)
sys.path.insert(0, BENCH)
import cbbnet  # noqa: E402

cbxnet = cbbnet.cbxnet
PREFIX = "cbl-"
for mod in (cbbnet, cbxnet):
    mod.PREFIX = PREFIX
    mod.UL = "cbl-ul"
    mod.CLIENT = "cbl-client"
    mod.SERVER = "cbl-server"
cbbnet.HOST = "cbl-h"
_chain_spec = cbbnet.chain_spec


def chain_spec(n, **kw):
    """cbbnet's spec with our names (it hard-codes cbb-sfN)."""
    spec = _chain_spec(n, **kw)
    for f in spec["functions"]:
        f["netns"] = PREFIX + f["netns"][len("cbb-"):]
        f["host"] = "cbl-h" + f["host"][len("cbb-h"):]
    for c in spec["classifiers"]:
        c["host"] = "cbl-h" + c["host"][len("cbb-h"):]
        c["netns"] = "cbl-ul"
    return spec


cbbnet.chain_spec = chain_spec

BUILD = os.environ.get("BUILD", os.path.join(ROOT, "build"))
XBUILD = os.path.join(BUILD, "experiments", "latency")
TCDEC = os.path.join(XBUILD, "tcdec.bpf.o")
TCDEC_LOAD = os.path.join(XBUILD, "cbl-tcdec")

MODES = ["plain", "plain-off", "plain-xdp", "plain-xdpgen", "cbox-native",
         "cbox-generic"]
ALL_MODES = MODES + ["cbox-tcdec"]

def log(msg):
    print(msg, file=sys.stderr, flush=True)


def run(cmd, **kw):
    return cbbnet.run(cmd, **kw)


def sf_namespaces(bed):
    return [f["netns"] for f in bed.tb.functions.values()]


def tcdec_swap(bed):
    """Replace cbox's XDP Dec on every SF's eth0 by tcdec at TC ingress,
    ahead of the SF's own TC program, with the MAC and box id of cbox's Dec
    and the host's pinned proxy table. The rest of cbox stays as applied."""
    for f in bed.tb.functions.values():
        ns = f["netns"]
        with open(os.path.join(bed.tb.outdir, f["host"],
                               "manifest.json")) as mf:
            man = json.load(mf)
        box = [b for b in man["boxes"] if b["tag"] == f["tag"]][0]
        mac = cbxnet.link_mac(ns, "eth0")
        run(["ip", "-n", ns, "link", "set", "dev", "eth0", "xdpgeneric",
             "off"])
        run([TCDEC_LOAD, ns, "eth0", mac,
             str(box["box_id"]), "/sys/fs/bpf/cbox/%s/cbox_proxy" %
             f["host"], TCDEC])


def tcdec_report(bed):
    """tcdec's counters per SF: what the kernel answered, frames stripped."""
    out = {}
    for f in bed.tb.functions.values():
        out[f["tag"]] = run([TCDEC_LOAD, "-r", f["netns"],
                             "eth0"]).strip()
    return out


def tcdec_check(bed, pings):
    """Every SF's tcdec must have stripped (at least) every echo request,
    or the RTT was not measured through Dec at TC ingress."""
    for tag, t in tcdec_report(bed).items():
        log("lat: tcdec %s: %s" % (tag, t))
        kv = dict(x.split("=", 1) for x in t.split())
        if int(kv["stripped"]) < pings * 0.9 or int(kv["failed"]):
            raise cbbnet.BenchError("tcdec %s: %s" % (tag, t))


class Bed(cbbnet.Bed):
    def __init__(self, workdir, mode, n):
        kw = dict(xdp_pass=False)
        self.lmode = mode
        if mode == "plain-off":
            kw["offloads"] = "off"
        if mode == "plain-xdp":
            kw["sf_xdp"] = True
        if mode in ("cbox-native", "cbox-generic"):
            kw["xdp_mode"] = mode[5:]
        if mode == "cbox-tcdec":
            kw["xdp_mode"] = "generic"
        super().__init__(workdir, "baseline" if mode.startswith("plain")
                         else "sfc", n, **kw)

    def _up(self):
        super()._up()
        if self.lmode == "plain-xdpgen":
            for ns in sf_namespaces(self):
                run(["ip", "-n", ns, "link", "set", "dev", "eth0",
                     "xdpgeneric", "obj", cbbnet.XDP_PASS, "sec", "xdp"])
        if self.lmode == "cbox-tcdec":
            tcdec_swap(self)


def snapshot():
    """Copy cboxc, cbox and the BPF templates to our own build dir and use
    those: a rebuild of build/ by someone else during a run (templates
    briefly missing) would otherwise fail configurations at random."""
    snap = os.path.join(XBUILD, "snap-%d" % os.getpid())
    os.makedirs(os.path.join(snap, "bpf"), exist_ok=True)
    for name in ("cboxc", "cbox"):
        shutil.copy2(os.path.join(BUILD, name), os.path.join(snap, name))
    tdir = os.path.join(BUILD, "bpf")
    for name in os.listdir(tdir):
        if name.endswith(".bpf.o"):
            shutil.copy2(os.path.join(tdir, name),
                         os.path.join(snap, "bpf", name))
    cbxnet.CBOXC = os.path.join(snap, "cboxc")
    cbxnet.CBOX = os.path.join(snap, "cbox")


def main():
    ap = argparse.ArgumentParser(prog="lat.py")
    ap.add_argument("--passes", type=int, default=5)
    ap.add_argument("--lengths", default="1,4")
    ap.add_argument("--modes", default=",".join(MODES))
    ap.add_argument("--pings", type=int, default=120)
    ap.add_argument("--out", default=os.path.join(XBUILD, "lat.csv"))
    args = ap.parse_args()
    if os.geteuid() != 0:
        log("lat: must run as root")
        return 3
    modes = args.modes.split(",")
    for m in modes:
        if m not in ALL_MODES:
            log("lat: unknown mode %s (have %s)" % (m, " ".join(ALL_MODES)))
            return 2
    lengths = [int(x) for x in args.lengths.split(",")]
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    work = os.path.join(XBUILD, "work")
    snapshot()
    cbbnet.cleanup_all()
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(143))
    signal.signal(signal.SIGHUP, lambda *a: sys.exit(129))
    rows = []
    fails = 0
    try:
        for ps in range(args.passes):
            # rotate the order every pass: no mode always runs first
            order = modes[ps % len(modes):] + modes[:ps % len(modes)]
            for n in lengths:
                for mode in order:
                    try:
                        with Bed(work, mode, n) as bed:
                            r = dict(ps=ps, mode=mode, L=n)
                            lat = bed.ping(args.pings, 64, 0.02)
                            r.update(median_us=lat["median_us"],
                                     p99_us=lat["p99_us"])
                            if mode == "cbox-tcdec":
                                tcdec_check(bed, args.pings)
                    except (cbbnet.BenchError, cbxnet.TestbedError,
                            subprocess.TimeoutExpired, OSError) as e:
                        log("lat: pass %d %s L=%d: FAILED: %s" %
                            (ps, mode, n, e))
                        fails += 1
                        continue
                    log("lat: %s" % " ".join(
                        "%s=%s" % (k, ("%.2f" % v if isinstance(v, float)
                                       else v)) for k, v in r.items()))
                    rows.append(r)
    finally:
        cbbnet.cleanup_all()
        shutil.rmtree(os.path.dirname(cbxnet.CBOX), ignore_errors=True)
    fields = ["ps", "mode", "L", "median_us", "p99_us"]
    with open(args.out, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=fields, extrasaction="ignore")
        w.writeheader()
        for r in rows:
            w.writerow({k: ("%.3f" % v if isinstance(v, float) else v)
                        for k, v in r.items()})
    summary(rows, modes, lengths)
    return 1 if fails else 0


def summary(rows, modes, lengths):
    """Per mode: median over passes of the RTT medians per L, and of the
    per-pass slope (us per SF between the first and the last L) minus the
    same pass's plain slope."""
    print("%-13s %s %12s %14s" % ("mode", " ".join("L=%-7d" % n for n in
                                                   lengths),
                                  "slope/SF", "added vs plain"))
    by = {(r["ps"], r["mode"], r["L"]): r["median_us"] for r in rows}
    passes = sorted({r["ps"] for r in rows})
    lo, hi = lengths[0], lengths[-1]

    def slope(p, m):
        a, b = by.get((p, m, lo)), by.get((p, m, hi))
        if a is None or b is None or hi == lo:
            return None
        return (b - a) / (hi - lo)
    for m in modes:
        meds = []
        for n in lengths:
            v = [by[(p, m, n)] for p in passes if (p, m, n) in by]
            meds.append("%-9.1f" % statistics.median(v) if v else "-        ")
        sl = [slope(p, m) for p in passes if slope(p, m) is not None]
        ad = [slope(p, m) - slope(p, "plain") for p in passes
              if slope(p, m) is not None and slope(p, "plain") is not None]
        print("%-13s %s %12s %14s" % (
            m, " ".join(meds),
            "%.2f" % statistics.median(sl) if sl else "-",
            "%.2f" % statistics.median(ad) if ad else "-"))


if __name__ == "__main__":
    sys.exit(main())
