#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Test traffic: a UDP sink that records what it receives, and a sender.

  udp.py listen --port P [--port P ...] --out FILE
      binds every port on IPv4 and IPv6; appends "SRC SPORT DPORT PAYLOAD"
      lines to FILE; prints "ready" once bound.
  udp.py send --dst IP --dport P [--sport P|--random-sport] --count N --token T
      sends N datagrams "T#i" (i = 0..N-1), 20 ms apart; prints the source
      port used, so that the test can find the flow on the wire.
"""
import argparse
import random
import select
import socket
import sys
import time


def listen(args):
    socks = []
    for port in args.port:
        s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("::", port))
        socks.append(s)
    out = open(args.out, "a", buffering=1)
    print("ready", flush=True)
    while True:
        ready, _, _ = select.select(socks, [], [])
        for s in ready:
            data, addr = s.recvfrom(65535)
            src = addr[0]
            if src.startswith("::ffff:"):
                src = src[7:]
            dport = s.getsockname()[1]
            out.write("%s %d %d %s\n" % (src, addr[1], dport,
                                         data.decode(errors="replace")))


def send(args):
    fam = socket.AF_INET6 if ":" in args.dst else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_DGRAM)
    sport = args.sport
    if args.random_sport:
        sport = random.randint(20000, 60000)
    if sport:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("::" if fam == socket.AF_INET6 else "0.0.0.0", sport))
    for i in range(args.count):
        s.sendto(("%s#%d" % (args.token, i)).encode(), (args.dst, args.dport))
        time.sleep(args.gap)
    print(s.getsockname()[1])


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    lp = sub.add_parser("listen")
    lp.add_argument("--port", type=int, action="append", required=True)
    lp.add_argument("--out", required=True)
    sp = sub.add_parser("send")
    sp.add_argument("--dst", required=True)
    sp.add_argument("--dport", type=int, required=True)
    sp.add_argument("--sport", type=int, default=0)
    sp.add_argument("--random-sport", action="store_true")
    sp.add_argument("--count", type=int, default=3)
    sp.add_argument("--gap", type=float, default=0.02)
    sp.add_argument("--token", required=True)
    args = p.parse_args()
    if args.cmd == "listen":
        listen(args)
    else:
        send(args)


if __name__ == "__main__":
    sys.exit(main())
