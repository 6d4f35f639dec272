/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Builder of the hostile frames: well-formed Ethernet / 802.1Q / IPv4 (with
 * options) / IPv6 / TCP / UDP / ICMP frames for a known flow, NSH in front
 * of them, and mutations (bit flips, truncation, garbage) on top. A frame
 * built without mutation is "clean": its flow is known exactly, so a test
 * can compute the expected result independently of the BPF code.
 */
#ifndef CBOX_PKTGEN_H
#define CBOX_PKTGEN_H

#include "hh.h"

struct pg_flow {
	uint8_t family;		/* 4 or 6 */
	uint8_t proto;
	uint8_t src[16], dst[16];
	uint16_t sport, dport;	/* host order; 0 for port-less protocols */
	uint16_t vlan;		/* 0: untagged, else VID */
};

/* Writes Ethernet [+ 802.1Q] + IP + L4 + payload for F; returns length. */
uint32_t pg_inner(struct hh_rng *r, uint8_t *p, const uint8_t dmac[6],
		  const uint8_t smac[6], const struct pg_flow *f,
		  bool ip_options);
/* Same without the Ethernet header (for NSH next protocol 1 and 2). */
uint32_t pg_l3(struct hh_rng *r, uint8_t *p, const struct pg_flow *f,
	       bool ip_options);

struct pg_nsh {
	uint8_t ver, o, u, ttl, len, mdtype, np;
	uint32_t spi;
	uint8_t si;
	uint32_t ctx[4];
};

/* Writes the 24-byte NSH MD type 1 header (whatever the fields say). */
void pg_put_nsh(uint8_t *p, const struct pg_nsh *n);
void pg_get_nsh(const uint8_t *p, struct pg_nsh *n);

/* A random flow: IPv4/IPv6, TCP/UDP/ICMP/other, drawn from small pools so
 * that rules and table entries get hit. */
void pg_rand_flow(struct hh_rng *r, struct pg_flow *f);

/* Mutates a frame in place (flip bytes, truncate, extend); new length. */
uint32_t pg_mutate(struct hh_rng *r, uint8_t *p, uint32_t len, uint32_t cap);

/* Fills the flow key exactly as the ABI defines it. */
void pg_flow_key(const struct pg_flow *f, struct cbox_flow *k);

#endif /* CBOX_PKTGEN_H */
