#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Loader tests: real kernel, real BPF objects from `cboxc compile`, veth
pairs in fresh namespaces (prefix cbr-), all removed on any exit.

What is checked, each against the system itself (ip, tc, ethtool, bpftool,
the bpffs listing), not against cbox's own output alone:
  apply / detach / re-apply; idempotence (same prog ids); upgrade (new prog
  ids, same map ids, new seeds in the maps, stale ones gone); detach leaves
  every namespace and bpffs exactly as before; corrupted bundles refused
  before anything is touched; missing iface / netns refused untouched; a
  fault injected at every step rolls back to the exact state before; a
  kill -9 at a step converges (detach, or apply again); foreign tc filter
  and clsact survive; a foreign XDP program is never replaced; MTU refused
  or fixed (--fix-mtu) and restored; GRO/GSO/TSO switched off and restored;
  --xdp-mode generic attaches in SKB mode (ip -d link, bpftool net), is
  idempotent, and a switch native -> generic rolls back at every step.
"""
import atexit
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.environ.get("BUILD", os.path.join(ROOT, "build"))
if not os.path.isabs(BUILD):
    BUILD = os.path.join(ROOT, BUILD)
CBOX = os.path.join(BUILD, "cbox")
CBOXC = os.path.join(BUILD, "cboxc")

P = "cbr-%d" % os.getpid()          # namespace and host name prefix
HOST = P + "-h"
NS = {n: "%s-%s" % (P, n) for n in ("a", "b", "cl")}
UL = P + "-u"
created = []
failures = []
WORK = tempfile.mkdtemp(prefix="cbr-")


def run(cmd, check=True, env=None, input=None):
    p = subprocess.run(cmd, capture_output=True, text=True, env=env,
                       input=input)
    if check and p.returncode:
        raise RuntimeError("%s: exit %d: %s" % (" ".join(cmd), p.returncode,
                                                 p.stderr.strip()))
    return p


def cleanup():
    run([CBOX, "detach", "--all", "--host", HOST], check=False)
    for ns in reversed(created):
        run(["ip", "netns", "del", ns], check=False)
    shutil.rmtree(WORK, ignore_errors=True)


atexit.register(cleanup)
signal.signal(signal.SIGTERM, lambda *a: sys.exit(1))
signal.signal(signal.SIGINT, lambda *a: sys.exit(1))


def check(cond, what):
    if cond:
        print("  ok   %s" % what)
    else:
        print("  FAIL %s" % what)
        failures.append(what)
    return cond


# --------------------------------------------------------------- topology
def setup():
    run(["ip", "netns", "add", UL])
    created.append(UL)
    for n, ns in NS.items():
        run(["ip", "netns", "add", ns])
        created.append(ns)
        run(["ip", "-n", UL, "link", "add", "p-" + n, "type", "veth",
             "peer", "name", "eth0", "netns", ns])
        run(["ip", "-n", UL, "link", "set", "p-" + n, "mtu", "1538", "up"])
        run(["ip", "-n", ns, "link", "set", "eth0", "mtu", "1538", "up"])
        run(["ip", "-n", ns, "link", "set", "lo", "up"])
    # veths start with GSO/TSO on: cbox must switch them off and back
    # box a's eth0 is too small for NSH: refused, or fixed by --fix-mtu
    run(["ip", "-n", NS["a"], "link", "set", "eth0", "mtu", "1500"])
    # a foreign tc filter (and so a clsact cbox did not create) on b
    run(["tc", "-n", NS["b"], "qdisc", "add", "dev", "eth0", "clsact"])
    run(["tc", "-n", NS["b"], "filter", "add", "dev", "eth0", "ingress",
         "prio", "100", "bpf", "da", "obj", foreign_obj(), "sec", "tc"])


def foreign_obj():
    """A tiny program that is not cbox's: XDP_PASS / TC_ACT_OK."""
    obj = os.path.join(WORK, "pass.o")
    if os.path.exists(obj):
        return obj
    src = os.path.join(WORK, "pass.c")
    with open(src, "w") as f:
        f.write('struct xdp_md;\nstruct __sk_buff;\n'
                '__attribute__((section("xdp"), used)) '
                'int xdp_pass(struct xdp_md *c) { return 2; }\n'
                '__attribute__((section("tc"), used)) '
                'int tc_pass(struct __sk_buff *s) { return 0; }\n'
                'char _license[] __attribute__((section("license"), used))'
                ' = "GPL";\n')
    run(["clang", "-O2", "-g", "-target", "bpf", "-c", src, "-o", obj])
    return obj


def spec(dport=80, a_iface="eth0", b_netns=None, chain2=False,
         cls_direction="egress"):
    chains = [{"id": 10, "nodes": ["a", "b", "x"],
               "match": [{"classifier": "cl", "proto": "udp",
                          "dport": dport}]}]
    if chain2:
        chains.append({"id": 20, "nodes": ["b", "x"],
                       "match": [{"classifier": "cl", "proto": "tcp"}]})
    return {
        "chains": chains,
        "functions": [
            {"tag": "a", "type": "tc-redirect", "host": HOST,
             "netns": NS["a"], "iface": a_iface},
            {"tag": "b", "type": "tc-redirect", "host": HOST,
             "netns": b_netns or NS["b"]},
            {"tag": "x", "type": "tc-redirect", "host": P + "-o",
             "netns": P + "-x"}],
        "classifiers": [{"tag": "cl", "host": HOST, "netns": NS["cl"],
                         "iface": "eth0", "direction": cls_direction}],
    }


def compile_bundle(name, **kw):
    path = os.path.join(WORK, name + ".json")
    with open(path, "w") as f:
        json.dump(spec(**kw), f)
    out = os.path.join(WORK, name)
    run([CBOXC, "compile", path, "-o", out])
    return os.path.join(out, HOST)


# --------------------------------------------------------------- snapshots
def ifaces(ns):
    links = json.loads(run(["ip", "-n", ns, "-j", "link", "show"]).stdout)
    return sorted(l["ifname"] for l in links)


def offloads(ns, ifname):
    out = run(["ip", "netns", "exec", ns, "ethtool", "-k", ifname],
              check=False).stdout
    keep = ("generic-receive-offload", "generic-segmentation-offload",
            "tcp-segmentation-offload")
    return [l.strip() for l in out.splitlines() if l.split(":")[0] in keep]


def map_dumps():
    """Raw contents of every pinned map but the data-plane ones."""
    out = {}
    base = "/sys/fs/bpf/cbox/" + HOST
    for dirpath, _, files in os.walk(base):
        for f in sorted(files):
            if f.startswith("prog_") or f in ("cbox_proxy", "cbox_stats",
                                              "cbox_proxy_cache",
                                              "cbox_cls_cache"):
                continue
            p = os.path.join(dirpath, f)
            d = json.loads(run(["bpftool", "-j", "map", "dump", "pinned",
                                p]).stdout)
            out[p] = sorted(json.dumps([e["key"], e["value"]]) for e in d)
    return out


def snapshot(with_maps=True):
    s = {}
    for ns in NS.values():
        s[ns + " link"] = run(["ip", "-n", ns, "-d", "link", "show"]).stdout
        for i in ifaces(ns):
            for d in ("ingress", "egress"):
                s["%s %s tc %s" % (ns, i, d)] = run(
                    ["tc", "-n", ns, "filter", "show", "dev", i, d]).stdout
            s["%s %s qdisc" % (ns, i)] = run(
                ["tc", "-n", ns, "qdisc", "show", "dev", i]).stdout
            s["%s %s offloads" % (ns, i)] = offloads(ns, i)
    s["bpffs"] = run(["find", "/sys/fs/bpf/cbox/" + HOST],
                     check=False).stdout
    s["state"] = os.path.exists("/run/cbox/%s.json" % HOST)
    if with_maps:
        s["maps"] = map_dumps()
    return s


def same(a, b, what):
    diff = [k for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k)]
    for k in diff[:4]:
        print("    differs: %s\n      before: %r\n      after:  %r" %
              (k, a.get(k), b.get(k)))
    return check(not diff, what)


# --------------------------------------------------------------- helpers
def cbox(*args, env=None):
    e = dict(os.environ)
    if env:
        e.update(env)
    return run([CBOX] + list(args), check=False, env=e)


def apply(bundle, *extra, env=None):
    p = cbox("-j", "apply", "--host", HOST, *extra, bundle, env=env)
    try:
        return p.returncode, json.loads(p.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return p.returncode, {"raw": p.stdout + p.stderr}


def kernel_prog_ids():
    """Program ids on every hook of our namespaces, read with ip/tc."""
    ids = {}
    for ns in NS.values():
        for i in ifaces(ns):
            link = json.loads(run(["ip", "-n", ns, "-j", "-d", "link", "show",
                                   "dev", i]).stdout)[0]
            xdp = link.get("xdp", {})
            if xdp.get("prog", {}).get("id"):
                ids["%s/%s xdp" % (ns, i)] = xdp["prog"]["id"]
            for d in ("ingress", "egress"):
                out = json.loads(run(["tc", "-n", ns, "-j", "filter", "show",
                                      "dev", i, d]).stdout or "[]")
                for f in out:
                    o = f.get("options", {})
                    if "prog" in o and f.get("pref", 0) >= 0xcb00:
                        ids["%s/%s %s %d" % (ns, i, d, f["pref"])] = \
                            o["prog"]["id"]
    return ids


def map_ids():
    ids = {}
    for dirpath, _, files in os.walk("/sys/fs/bpf/cbox/" + HOST):
        for f in files:
            if f.startswith("prog_") or f == "cbox_cls_cache":
                continue
            p = os.path.join(dirpath, f)
            ids[p] = json.loads(run(["bpftool", "-j", "map", "show", "pinned",
                                     p]).stdout)["id"]
    return ids


def expected_fwd(bundle, box, netns):
    """cbox_fwd contents computed here from the seed text and the kernel's
    ifindex of the named direct link: key, mac, flags, ifindex, peer."""
    exp = {}
    with open(os.path.join(bundle, box, "fwd.seed")) as f:
        for line in f:
            t = line.split("#")[0].split()
            if not t:
                continue
            spi, si, act = int(t[0]), int(t[1]), t[2]
            mac = [int(x, 16) for x in t[3].split(":")] if len(t) > 3 \
                else [0] * 6
            flags = {"fwd": 0, "end": 1, "dlink": 2}[act]
            ifindex = peer = 0
            if act == "dlink":
                link = json.loads(run(["ip", "-n", netns, "-j", "link",
                                       "show", "dev", t[4]]).stdout)[0]
                ifindex, peer = link["ifindex"], int(t[5])
            exp[(spi << 8) | si] = (mac, flags, ifindex, peer)
    return exp


def actual_fwd(box):
    d = json.loads(run(["bpftool", "-j", "map", "dump", "pinned",
                        "/sys/fs/bpf/cbox/%s/%s/cbox_fwd" % (HOST, box)]
                       ).stdout)
    got = {}
    for e in d:
        k = bytes(int(x, 16) for x in e["key"])
        v = bytes(int(x, 16) for x in e["value"])
        got[int.from_bytes(k, "little")] = (
            list(v[0:6]), int.from_bytes(v[6:8], "little"),
            int.from_bytes(v[8:12], "little"),
            int.from_bytes(v[12:16], "little"))
    return got


def cls_rule_dports():
    d = json.loads(run(["bpftool", "-j", "map", "dump", "pinned",
                        "/sys/fs/bpf/cbox/%s/cl/cbox_cls_rules" % HOST]
                       ).stdout)
    out = []
    for e in d:
        v = bytes(int(x, 16) for x in e["value"])
        # struct cbox_cls_rule: flags(4) family proto src_len dst_len
        # src[16] dst[16] sport_lo sport_hi dport_lo dport_hi spi next_mac
        out.append((v[5], int.from_bytes(v[44:46], "little"),
                    int.from_bytes(v[46:48], "little"),
                    int.from_bytes(v[48:52], "little")))
    return out


# --------------------------------------------------------------- tests
def t_refused(b1, base):
    print("corrupted bundles are refused before anything is touched")
    cases = []
    d = os.path.join(WORK, "c-byte")
    shutil.copytree(b1, d)
    with open(os.path.join(d, "a", "egress.bpf.o"), "r+b") as f:
        f.seek(200)
        c = f.read(1)
        f.seek(200)
        f.write(bytes([c[0] ^ 0x01]))
    cases.append(("one edited byte", d, []))
    d = os.path.join(WORK, "c-missing")
    shutil.copytree(b1, d)
    os.unlink(os.path.join(d, "b", "fwd.seed"))
    cases.append(("a missing file", d, []))
    d = os.path.join(WORK, "c-extra")
    shutil.copytree(b1, d)
    shutil.copy(os.path.join(d, "a", "dec.bpf.o"), os.path.join(d, "a",
                                                                "x.bpf.o"))
    cases.append(("an unlisted extra object", d, []))
    d = os.path.join(WORK, "c-version")
    shutil.copytree(b1, d)
    m = json.load(open(os.path.join(d, "manifest.json")))
    m["format_version"] = 2
    json.dump(m, open(os.path.join(d, "manifest.json"), "w"))
    cases.append(("the wrong format version", d, []))
    for what, d, _ in cases:
        rc, out = apply(d, "--fix-mtu")
        check(rc == 1 and "error" in out, "%s: exit 1 (%s)" %
              (what, out.get("error", out)))
        same(base, snapshot(), "%s: nothing touched" % what)
    p = cbox("-j", "apply", "--host", "not-" + HOST, b1)
    check(p.returncode == 1 and "host" in p.stdout,
          "the wrong host: exit 1 (%s)" % p.stdout.strip())
    p = cbox("-j", "apply", b1)
    check(p.returncode == 1, "no --host on a machine of another name: exit 1")
    same(base, snapshot(), "wrong host: nothing touched")
    p = cbox("-j", "apply", "--host", HOST)
    check(p.returncode == 2 and "error" in json.loads(p.stdout),
          "usage error: exit 2 with a JSON error")


def t_preflight(base):
    print("a missing interface or netns is refused, nothing touched")
    bad_if = compile_bundle("badif", a_iface="nope0")
    rc, out = apply(bad_if, "--fix-mtu")
    check(rc == 3 and "nope0" in out.get("error", ""),
          "missing interface: exit 3 (%s)" % out.get("error"))
    same(base, snapshot(), "missing interface: state equal to before")
    bad_ns = compile_bundle("badns", b_netns=P + "-nosuch")
    rc, out = apply(bad_ns, "--fix-mtu")
    check(rc == 3 and "nosuch" in out.get("error", ""),
          "missing netns: exit 3 (%s)" % out.get("error"))
    same(base, snapshot(), "missing netns: state equal to before")
    # the host of a refused apply left nothing, and status says so
    p = cbox("status", "--host", HOST)
    check(p.returncode == 0 and p.stdout.strip() == "nothing applied",
          "status --host of a never applied host: 'nothing applied' (%r)" %
          p.stdout)
    p = cbox("-j", "status", "--host", HOST)
    check(p.returncode == 0 and json.loads(p.stdout) == [],
          "status -j --host of a never applied host: [] (%r)" % p.stdout)


def t_mtu(b1, base):
    print("MTU check")
    rc, out = apply(b1)
    check(rc == 3 and "MTU" in out.get("error", ""),
          "eth0 MTU 1500 refused without --fix-mtu (%s)" % out.get("error"))
    same(base, snapshot(), "MTU refusal: nothing touched")


def t_apply(b1, base):
    print("apply")
    rc, out = apply(b1, "--fix-mtu")
    if not check(rc == 0 and out.get("result") == "applied",
                 "apply: applied (%s)" % out):
        return None
    ids = kernel_prog_ids()
    want = {"%s/eth0 xdp" % NS["a"], "%s/eth0 egress %d" % (NS["a"], 0xcb01),
            "%s/eth0 ingress %d" % (NS["a"], 0xcb02),
            "%s/eth0 egress %d" % (NS["b"], 0xcb01),
            "%s/eth0 ingress %d" % (NS["b"], 0xcb02),
            "%s/eth0 egress %d" % (NS["cl"], 0xcb03)}
    check(want <= set(ids), "programs on every hook the manifest names: %s" %
          sorted(set(ids)))
    m = json.load(open(os.path.join(b1, "manifest.json")))
    dl = m["dlinks"][0]
    for end, ns, mac in ((dl["name"], dl["netns"], dl["mac"]),
                         (dl["peer_name"], dl["peer_netns"], dl["peer_mac"])):
        link = json.loads(run(["ip", "-n", ns, "-j", "link", "show", "dev",
                               end], check=False).stdout or "[{}]")[0]
        check(link.get("address") == mac and link.get("mtu") == 1500 and
              "UP" in link.get("flags", []),
              "direct link %s/%s: MAC %s, MTU 1500, up" % (ns, end, mac))
    check("%s/%s ingress %d" % (dl["peer_netns"], dl["peer_name"], 0xcb02)
          in ids, "SF of b also on the ingress of its direct link")
    link = json.loads(run(["ip", "-n", NS["a"], "-j", "link", "show", "dev",
                           "eth0"]).stdout)[0]
    box_a = [b for b in m["boxes"] if b["tag"] == "a"][0]
    check(link["mtu"] == 1538, "--fix-mtu raised a/eth0 to 1538")
    check(link["address"] == box_a["mac"], "set_mac: a/eth0 has %s" %
          box_a["mac"])
    check(not any(l.endswith(": on") for l in offloads(NS["a"], "eth0")),
          "GRO/GSO/TSO off on a/eth0: %s" % offloads(NS["a"], "eth0"))
    for box, ns in (("a", NS["a"]), ("b", NS["b"])):
        exp, got = expected_fwd(b1, box, ns), actual_fwd(box)
        check(exp == got and exp, "cbox_fwd of %s holds the seed: %s" %
              (box, got))
    check(cls_rule_dports() == [(17, 80, 80, 10)],
          "cbox_cls_rules: udp dport 80 -> spi 10 (%s)" % cls_rule_dports())
    f = run(["tc", "-n", NS["b"], "filter", "show", "dev", "eth0",
             "ingress"]).stdout
    check("tc_pass" in f, "foreign tc filter on b/eth0 still there")
    # one proxy table and one cache of it for the host, used by the Dec
    # and egress programs of every box (the kernel's view: map ids per prog)
    host_maps = {}
    for name in ("cbox_proxy", "cbox_proxy_cache"):
        p = run(["bpftool", "-j", "map", "show", "pinned",
                 "/sys/fs/bpf/cbox/%s/%s" % (HOST, name)], check=False)
        host_maps[name] = json.loads(p.stdout) if p.returncode == 0 else {}
    check(host_maps["cbox_proxy_cache"].get("type") == "array",
          "host's cbox_proxy_cache pinned, an array: %s" %
          host_maps["cbox_proxy_cache"])
    users = {}
    for key, pid in ids.items():
        if " xdp" in key or " egress %d" % 0xcb01 in key:
            info = json.loads(run(["bpftool", "-j", "prog", "show", "id",
                                   str(pid)]).stdout)
            users[key] = set(info.get("map_ids", []))
    want_ids = {m.get("id") for m in host_maps.values()}
    # a's Dec and egress, b's egress (b is reached over a direct link)
    check(len(users) == 3 and all(want_ids <= u for u in users.values()),
          "Dec and egress programs share the host's proxy table and "
          "cache (map ids %s): %s" % (sorted(want_ids), users))
    st = json.loads(cbox("-j", "status", "--host", HOST).stdout)
    att = st[0]["attachments"]
    check(all(a["attached"] for a in att) and
          {a["prog_id"] for a in att} == set(ids.values()),
          "status -j lists the same %d attachments, all attached" % len(att))
    stats = json.loads(cbox("-j", "stats", "--host", HOST).stdout)
    check(sorted(b["tag"] for b in stats[0]["boxes"]) == ["a", "b", "cl"],
          "stats -j: boxes a, b, cl")
    return ids


def t_idempotent(b1, ids):
    print("idempotence")
    maps = map_ids()
    rc, out = apply(b1, "--fix-mtu")
    check(rc == 0 and out.get("result") == "no change",
          "second apply: no change (%s)" % out.get("result"))
    check(kernel_prog_ids() == ids, "same program ids")
    check(map_ids() == maps, "same map ids")


def t_upgrade(b2, ids):
    print("upgrade")
    maps = map_ids()
    rc, out = apply(b2, "--fix-mtu")
    check(rc == 0 and out.get("result") == "applied", "apply v2: applied")
    new = kernel_prog_ids()
    # v2 adds chain 20, which starts at b: b gets a Dec as well
    check(set(new) == set(ids) | {"%s/eth0 xdp" % NS["b"]} and
          not set(new.values()) & set(ids.values()),
          "every hook got a new program id (%s -> %s)" % (ids, new))
    m2 = map_ids()
    # maps whose max_entries the new bundle changes cannot be resized in
    # place: cbox recreates those (with a warning); all others are kept.
    # cbox_fwd has headroom (64 slots), so b's new rule lands in place.
    resized = {"/sys/fs/bpf/cbox/%s/cl/cbox_cls_rules" % HOST}
    check("/sys/fs/bpf/cbox/%s/b/cbox_fwd" % HOST in maps,
          "b's cbox_fwd pinned before the upgrade")
    kept = {p: i for p, i in maps.items() if p not in resized}
    check(kept and all(m2.get(p) == i for p, i in kept.items()),
          "pinned maps kept (same map ids): %s" %
          sorted(os.path.basename(os.path.dirname(p)) + "/" +
                 os.path.basename(p) for p in kept))
    warned = " ".join(out.get("warnings", []))
    check(all(p in warned for p in resized) and
          all(m2.get(p) != maps.get(p) for p in resized),
          "resized maps recreated with a warning")
    check(cls_rule_dports() == [(17, 81, 81, 10), (6, 0, 0, 20)],
          "new classifier rules in place: %s" % cls_rule_dports())
    for box, ns in (("a", NS["a"]), ("b", NS["b"])):
        exp, got = expected_fwd(b2, box, ns), actual_fwd(box)
        check(exp == got, "cbox_fwd of %s equals the v2 seed" % box)
    return new


def t_faults(bundle, label, after=None, extra=()):
    """Fail each step in turn: every time, the state must equal the one
    before (programs, ids, maps and their contents, links, qdiscs, pins)."""
    print("failure injection rolls back (%s)" % label)
    before = snapshot()
    k, steps, tried = 1, 0, 0
    while k < 400:
        rc, out = apply(bundle, "--fix-mtu", *extra,
                        env={"CBOX_FAULT_AFTER": str(k)})
        if rc == 0:
            steps = k
            break
        tried += 1
        if not (check(rc == 3 and "injected fault" in out.get("error", ""),
                      "%s: fault at step %d: exit 3" % (label, k)) and
                same(before, snapshot(), "%s: fault at step %d: state as "
                     "before" % (label, k))):
            break
        k += 1 if k < 12 else 3
    check(steps > 0, "%s: %d faults rolled back, apply completes past the "
          "last step" % (label, tried))
    if after:
        after()


def t_kill(b1, base):
    print("kill -9 midway converges")
    for k in (3, 12, 25):
        rc, _ = apply(b1, "--fix-mtu", env={"CBOX_KILL_AT": str(k)})
        check(rc != 0, "apply killed at step %d" % k)
        if k == 12:
            rc, out = apply(b1, "--fix-mtu")
            check(rc == 0 and out.get("result") == "applied",
                  "next apply converges")
            ids = kernel_prog_ids()
            rc, out = apply(b1, "--fix-mtu")
            check(out.get("result") == "no change" and
                  kernel_prog_ids() == ids, "and is then stable")
        p = cbox("detach", "--host", HOST, b1)
        check(p.returncode == 0, "detach after the kill")
        same(base, snapshot(), "detach after kill at step %d: as before" % k)


def t_foreign_xdp(b1, base):
    print("a foreign XDP program is never replaced")
    obj = foreign_obj()
    run(["ip", "-n", NS["a"], "link", "set", "dev", "eth0", "xdpgeneric",
         "obj", obj, "sec", "xdp"])
    before = snapshot()
    rc, out = apply(b1, "--fix-mtu")
    check(rc == 3 and "foreign XDP" in out.get("error", ""),
          "apply refused: %s" % out.get("error"))
    same(before, snapshot(), "nothing touched")
    run(["ip", "-n", NS["a"], "link", "set", "dev", "eth0", "xdpgeneric",
         "off"])


def xdp_modes():
    """Mode of every XDP attachment in our namespaces, from ip -j -d link
    (1 driver, 2 generic/SKB, as the kernel's IFLA_XDP_ATTACHED says)."""
    m = {}
    for ns in NS.values():
        for link in json.loads(run(["ip", "-n", ns, "-j", "-d", "link",
                                    "show"]).stdout):
            x = link.get("xdp")
            if x and x.get("prog", {}).get("id"):
                m["%s/%s" % (ns, link["ifname"])] = \
                    {1: "native", 2: "generic"}.get(x.get("mode"),
                                                    x.get("mode"))
    return m


def t_xdp_mode(b1, base):
    print("--xdp-mode generic|native|auto")
    p = cbox("apply", "--host", HOST, "--xdp-mode", "fast", b1)
    check(p.returncode == 2, "--xdp-mode fast: usage error (exit 2)")
    same(base, snapshot(), "nothing touched")
    rc, out = apply(b1, "--fix-mtu", "--xdp-mode", "generic")
    check(rc == 0 and out.get("result") == "applied",
          "apply --xdp-mode generic: %s" % out.get("result", out))
    modes = xdp_modes()
    check(modes and set(modes.values()) == {"generic"},
          "every XDP program in generic mode (ip -d link): %s" % modes)
    txt = run(["ip", "-n", NS["a"], "-d", "link", "show", "dev",
               "eth0"]).stdout
    check(" xdpgeneric" in txt and "prog/xdp" in txt,
          "ip -d link shows xdpgeneric on %s/eth0" % NS["a"])
    net = run(["ip", "netns", "exec", NS["a"], "bpftool", "net",
               "show"]).stdout
    # bpftool lists it as "eth0(IFINDEX) generic id N"
    check(any(l.split()[:1] and l.split()[0].startswith("eth0(") and
              l.split()[1:2] == ["generic"] for l in net.splitlines()),
          "bpftool net shows eth0 in generic mode")
    ids = kernel_prog_ids()
    rc, out = apply(b1, "--fix-mtu", "--xdp-mode", "generic")
    check(rc == 0 and out.get("result") == "no change" and
          kernel_prog_ids() == ids and xdp_modes() == modes,
          "second apply --xdp-mode generic: no change, same programs")
    rc, out = apply(b1, "--fix-mtu")
    check(rc == 0 and out.get("result") == "no change" and
          kernel_prog_ids() == ids,
          "apply (auto) keeps the generic attachment: no change")
    rc, out = apply(b1, "--fix-mtu", "--xdp-mode", "native")
    modes = xdp_modes()
    check(rc == 0 and out.get("result") == "applied" and modes and
          set(modes.values()) == {"native"},
          "apply --xdp-mode native switches generic -> native: %s" % modes)
    rc, out = apply(b1, "--fix-mtu", "--xdp-mode", "native")
    check(rc == 0 and out.get("result") == "no change",
          "second apply --xdp-mode native: no change")
    # every fault during native -> generic must leave it native, as before
    t_faults(b1, "mode switch native -> generic",
             extra=("--xdp-mode", "generic"))
    modes = xdp_modes()
    check(modes and set(modes.values()) == {"generic"},
          "after the switch: generic %s" % modes)
    p = cbox("detach", "--host", HOST, b1)
    check(p.returncode == 0, "detach")
    same(base, snapshot(), "detach leaves everything as before")


def t_peer_gso(base):
    print("classifier at a veth's ingress: the peer's TSO/GSO")
    b = compile_bundle("ingress", cls_direction="ingress")
    p = cbox("apply", "--host", HOST, "--fix-mtu", b)
    check(p.returncode == 0 and "%s/p-cl" % UL in p.stderr and
          "tx-tcp-segmentation" in p.stderr,
          "apply warns, naming the peer %s/p-cl and its TSO: %r" %
          (UL, p.stderr))
    run(["ip", "netns", "exec", UL, "ethtool", "-K", "p-cl", "tso", "off",
         "gso", "off"])
    p = cbox("apply", "--host", HOST, "--fix-mtu", b)
    check(p.returncode == 0 and "GSO frames" not in p.stderr,
          "no warning once the peer's TSO/GSO are off: %r" % p.stderr)
    run(["ip", "netns", "exec", UL, "ethtool", "-K", "p-cl", "tso", "on",
         "gso", "on"])
    p = cbox("detach", "--host", HOST, b)
    check(p.returncode == 0, "detach")
    same(base, snapshot(), "detach leaves everything as before")


def t_lost_clsact(b1, base):
    """The record says a clsact is cbox's but it is gone (removed by hand,
    or a run killed between recording and creating it): apply re-creates
    it and attaches, detach does not trip over the missing qdisc."""
    print("a clsact of cbox's removed behind its back")
    rc, out = apply(b1, "--fix-mtu")
    check(rc == 0, "apply: %s" % out.get("result", out))
    run(["tc", "-n", NS["a"], "qdisc", "del", "dev", "eth0", "clsact"])
    rc, out = apply(b1, "--fix-mtu")
    f = run(["tc", "-n", NS["a"], "filter", "show", "dev", "eth0",
             "egress"]).stdout
    check(rc == 0 and out.get("result") == "applied" and "cbox_egress" in f,
          "re-apply re-creates the clsact and attaches (%s)" %
          out.get("result", out.get("error")))
    run(["tc", "-n", NS["a"], "qdisc", "del", "dev", "eth0", "clsact"])
    p = cbox("detach", "--host", HOST, b1)
    check(p.returncode == 0, "detach with the clsact gone: exit 0 (%s)" %
          p.stderr.strip())
    same(base, snapshot(), "detach leaves everything as before")


def main():
    if os.geteuid() != 0:
        print("test-runtime: needs root")
        return 1
    for f in (CBOX, CBOXC):
        if not os.access(f, os.X_OK):
            print("test-runtime: %s missing (make)" % f)
            return 1
    setup()
    b1 = compile_bundle("v1")
    b2 = compile_bundle("v2", dport=81, chain2=True)
    base = snapshot()
    t_refused(b1, base)
    t_preflight(base)
    t_mtu(b1, base)
    t_foreign_xdp(b1, base)
    t_xdp_mode(b1, base)
    t_peer_gso(base)
    t_lost_clsact(b1, base)
    t_faults(b1, "fresh apply",
             after=lambda: (cbox("detach", "--host", HOST, b1),
                            same(base, snapshot(), "detach after it")))
    ids = t_apply(b1, base)
    if ids:
        t_idempotent(b1, ids)
        t_upgrade(b2, ids)
        t_faults(b1, "upgrade v2 -> v1",
                 after=lambda: apply(b2, "--fix-mtu"))
        print("detach")
        p = cbox("-j", "detach", "--host", HOST, b2)
        check(p.returncode == 0, "detach: exit 0")
        same(base, snapshot(), "detach leaves everything as before")
        print("re-apply after detach")
        rc, out = apply(b1, "--fix-mtu")
        check(rc == 0 and out.get("result") == "applied", "re-apply")
        p = cbox("detach", "--all", "--host", HOST)
        check(p.returncode == 0, "detach --all")
        same(base, snapshot(), "as before again")
        t_kill(b1, base)
    print("\ntest-runtime: %s" % ("%d failure(s)" % len(failures)
                                  if failures else "all passed"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
