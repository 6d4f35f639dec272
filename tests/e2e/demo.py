#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""`make demo`: the thesis Figure 5.10 chains, live, in network namespaces.

Brings the topology up, compiles the spec with cboxc, applies every host's
bundle with cbox, sends UDP on both chains and a ping, then prints what the
underlay carried (decoded by tshark), the rules, the counters, and renders
the chain graph. Everything is torn down at the end, also on failure or ^C.
"""
import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cbxnet  # noqa: E402
import scenarios  # noqa: E402
from scenarios import Run, Fail  # noqa: E402


def section(title):
    print("\n== %s ==" % title)


def main():
    signal.signal(signal.SIGTERM, scenarios.on_term)
    t0 = time.time()
    r = Run("demo", "fig510.json")
    ok = False
    try:
        section("spec %s" % os.path.relpath(r.spec_path, cbxnet.ROOT))
        for c in r.tb.spec["chains"]:
            print("  chain %d: client -> %s -> server" %
                  (c["id"], " -> ".join(
                      "%s@%s" % (t, r.tb.functions[t]["host"])
                      for t in c["nodes"])))
        r.up()
        section("topology (one namespace per SF, bridge in cbx-ul)")
        print(cbxnet.describe(r.tb))
        for h in r.tb.hosts():
            rules = os.path.join(r.tb.outdir, h, "rules.txt")
            if os.path.exists(rules):
                section("rules.txt of host %s" % h)
                print(open(rules).read().rstrip())
        f100 = r.udp(7100)
        f200 = r.udp(7200)
        ping = cbxnet.run(cbxnet.nsexec(cbxnet.CLIENT, "ping", "-c", "2",
                                        "-i", "0.2", "-W", "2",
                                        cbxnet.SERVER4))
        r.finish_capture()
        for spi, f in ((100, f100), (200, f200)):
            section("chain %d: UDP %s:%d -> %s:%d, per-hop trace from the "
                    "bridge ports (tshark)" % (spi, cbxnet.CLIENT4, f["sport"],
                                               cbxnet.SERVER4, f["dport"]))
            print(r.trace(f))
            r.expect_path(f, spi)
            r.expect_delivered(f)
            print("  -> matches the spec (SI 255-position, TTL 63-hops); "
                  "server received all %d datagrams" % f["count"])
        section("ping %s (ICMP is classified into chain 100)" %
                cbxnet.SERVER4)
        print("  " + [ln for ln in ping.splitlines() if "packet loss" in ln][0])
        section("cbox stats")
        for h in r.tb.hosts():
            p = subprocess.run([cbxnet.CBOX, "stats", "--host", h],
                               capture_output=True, text=True)
            print(p.stdout.rstrip() or p.stderr.rstrip())
        png = os.path.join(cbxnet.BUILD, "demo-fig510.png")
        dot = os.path.join(cbxnet.BUILD, "demo-fig510.dot")
        g = subprocess.run([cbxnet.CBOXC, "graph", r.spec_path, "-o", dot],
                           capture_output=True, text=True)
        section("chain graph")
        if g.returncode:
            print("  cboxc graph failed: " + g.stderr.strip())
        elif subprocess.run(["which", "dot"], capture_output=True).returncode:
            print("  %s (install graphviz to render it)" % dot)
        else:
            subprocess.run(["dot", "-Tpng", dot, "-o", png], check=True)
            print("  %s" % os.path.relpath(png, cbxnet.ROOT))
        ok = True
    except (Fail, cbxnet.TestbedError, OSError) as e:
        print("\ndemo: FAILED: %s" % e, file=sys.stderr)
    except KeyboardInterrupt:
        print("\ndemo: interrupted", file=sys.stderr)
    finally:
        errors = r.down()
    for e in errors:
        print("demo: teardown: %s" % e, file=sys.stderr)
    section("teardown")
    left = [n for n in cbxnet.netns_list() if n.startswith(cbxnet.PREFIX)]
    print("  namespaces left: %s; %.1f s in all" % (left or "none",
                                                     time.time() - t0))
    return 0 if ok and not errors and not left else 1


if __name__ == "__main__":
    sys.exit(main())
