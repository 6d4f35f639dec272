#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Generates a large chain spec for the compile benchmark: N chains of 8
functions each, drawn from F functions over H hosts (a fixed seed, so the
same arguments always give the same file). Every function has its own netns,
so consecutive functions that land on one host get a direct link."""
import json
import random
import sys


def main():
    if len(sys.argv) != 5:
        sys.exit("usage: gen.py N_CHAINS N_FUNCTIONS N_HOSTS OUT.json")
    n_chains, n_fns, n_hosts = (int(a) for a in sys.argv[1:4])
    rnd = random.Random(4)
    fns = []
    for i in range(n_fns):
        fns.append({"tag": f"f{i}", "type": "router" if i % 4 else "tc-redirect",
                    "host": f"h{i % n_hosts}", "netns": f"f{i}"})
    chains = []
    for c in range(n_chains):
        nodes = []
        while len(nodes) < 8:
            t = f"f{rnd.randrange(n_fns)}"
            if not nodes or nodes[-1] != t:
                nodes.append(t)
        chains.append({"id": c + 1, "nodes": nodes})
    with open(sys.argv[4], "w") as f:
        json.dump({"chains": chains, "functions": fns}, f, separators=(",", ":"))


main()
