#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Prints "spi,si,ttl,mdtype,nextproto,length" for every frame of a pcap, as
# decoded by Scapy's own NSH layer: an independent reading of what the BPF
# stages wrote.
import sys
import logging

logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
from scapy.all import rdpcap  # noqa: E402
from scapy.contrib.nsh import NSH  # noqa: E402

for p in rdpcap(sys.argv[1]):
    n = p.getlayer(NSH)
    if n is None:
        print("none")
        continue
    print(f"{n.spi},{n.si},{n.ttl},{n.mdtype},{n.nextproto},{n.length}")
