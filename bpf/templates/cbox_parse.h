/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Header parsers around a cursor (pos, end). They work on XDP and TC packet
 * pointers alike; every read is bounds-checked against end so the verifier
 * accepts them, and each returns early instead of guessing on short frames.
 *
 * Flow key policy (shared by Dec, egress and the classifier, which must all
 * compute the same key for the same packet):
 *  - IPv4 with options (IHL), IPv6 after up to CBOX_IPV6_EXT_MAX extension
 *    headers (hop-by-hop, routing, destination options, fragment, AH).
 *  - TCP, UDP, UDP-Lite, SCTP, DCCP: source and destination port.
 *  - ICMP/ICMPv6 echo request and reply: sport = identifier, dport = 0;
 *    other ICMP messages and every other protocol: ports 0.
 *  - Fragments (IPv4 MF or offset != 0; IPv6 fragment header with M or
 *    offset != 0): ports 0 for every fragment, the first included, so all
 *    fragments of a datagram share one key even though only the first
 *    carries the ports. proto is the upper-layer protocol.
 *  - One 802.1Q/802.1ad tag: its VID is part of the key.
 */
#ifndef CBOX_PARSE_H
#define CBOX_PARSE_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "cbox_consts.h"

struct cbox_cursor {
	void *pos;
	void *end;
};

struct cbox_vlan_hdr {
	__be16 tci;
	__be16 proto;
};

/* NSH MD type 1 seen as six words, for word-sized copies and compares. */
struct cbox_nsh_words {
	__be32 w[6];
};

#define CBOX_FLOW_OK		0
#define CBOX_FLOW_NOT_IP	1	/* not IPv4/IPv6: not ours to key */
#define CBOX_FLOW_BAD		2	/* truncated or invalid IP header */

/*
 * Ethernet plus at most one VLAN tag. Returns the inner ethertype (host
 * order) or -1 on a short frame; *vlan gets the VID in network order.
 */
static __always_inline int cbox_parse_eth(struct cbox_cursor *c,
					  struct ethhdr **ethp, __be16 *vlan)
{
	struct ethhdr *eth = c->pos;
	__u16 proto;

	if ((void *)(eth + 1) > c->end)
		return -1;
	c->pos = eth + 1;
	*ethp = eth;
	proto = bpf_ntohs(eth->h_proto);
	if (proto == CBOX_ETH_P_8021Q || proto == CBOX_ETH_P_8021AD) {
		struct cbox_vlan_hdr *vh = c->pos;

		if ((void *)(vh + 1) > c->end)
			return -1;
		c->pos = vh + 1;
		*vlan = vh->tci & bpf_htons(CBOX_VLAN_VID_MASK);
		proto = bpf_ntohs(vh->proto);
	}
	return proto;
}

static __always_inline void cbox_parse_ports(void *l4, void *end, __u8 proto,
					     struct cbox_flow *f)
{
	__be16 *p = l4;

	switch (proto) {
	case CBOX_IPPROTO_TCP:
	case CBOX_IPPROTO_UDP:
	case CBOX_IPPROTO_UDPLITE:
	case CBOX_IPPROTO_SCTP:
	case CBOX_IPPROTO_DCCP:
		if ((void *)(p + 2) > end)
			return;
		f->sport = p[0];
		f->dport = p[1];
		return;
	case CBOX_IPPROTO_ICMP:
	case CBOX_IPPROTO_ICMPV6: {
		__u8 *t = l4;

		/* type(1) code(1) csum(2) id(2) seq(2) */
		if ((void *)(p + 4) > end)
			return;
		if (t[0] == CBOX_ICMP_ECHO || t[0] == CBOX_ICMP_ECHOREPLY ||
		    t[0] == CBOX_ICMPV6_ECHO || t[0] == CBOX_ICMPV6_ECHOREPLY)
			f->sport = p[2];
		return;
	}
	}
}

static __always_inline int cbox_parse_ipv4(struct cbox_cursor *c,
					   struct cbox_flow *f, __u8 *frag)
{
	struct iphdr *iph = c->pos;
	__u32 hlen;

	if ((void *)(iph + 1) > c->end)
		return CBOX_FLOW_BAD;
	hlen = iph->ihl * 4;
	if (hlen < sizeof(*iph) || c->pos + hlen > c->end)
		return CBOX_FLOW_BAD;
	f->family = 4;
	f->proto = iph->protocol;
	*(__be32 *)f->src = iph->saddr;
	*(__be32 *)f->dst = iph->daddr;
	if (iph->frag_off & bpf_htons(CBOX_IP_MF | CBOX_IP_OFFMASK)) {
		*frag = 1;
		return CBOX_FLOW_OK;
	}
	cbox_parse_ports(c->pos + hlen, c->end, f->proto, f);
	return CBOX_FLOW_OK;
}

struct cbox_ipv6_opt {
	__u8 nexthdr;
	__u8 hdrlen;
	__be16 frag_off;	/* fragment header only: offset(13) res(2) M(1) */
};

static __always_inline int cbox_parse_ipv6(struct cbox_cursor *c,
					   struct cbox_flow *f, __u8 *frag)
{
	struct ipv6hdr *ip6 = c->pos;
	void *l4 = ip6 + 1;
	__u8 nh;
	int i;

	if (l4 > c->end)
		return CBOX_FLOW_BAD;
	f->family = 6;
	__builtin_memcpy(f->src, &ip6->saddr, 16);
	__builtin_memcpy(f->dst, &ip6->daddr, 16);
	nh = ip6->nexthdr;

#pragma unroll
	for (i = 0; i < CBOX_IPV6_EXT_MAX; i++) {
		struct cbox_ipv6_opt *o = l4;

		if (nh != CBOX_IPV6_HOPOPTS && nh != CBOX_IPV6_ROUTING &&
		    nh != CBOX_IPV6_DSTOPTS && nh != CBOX_IPV6_FRAGMENT &&
		    nh != CBOX_IPV6_AH)
			break;
		if ((void *)(o + 1) > c->end) {
			/* truncated extension chain: key without ports */
			f->proto = nh;
			return CBOX_FLOW_OK;
		}
		if (nh == CBOX_IPV6_FRAGMENT) {
			nh = o->nexthdr;
			if (o->frag_off & bpf_htons(0xFFF9)) {
				*frag = 1;
				f->proto = nh;
				return CBOX_FLOW_OK;
			}
			l4 += 8;	/* atomic fragment: keep going */
		} else if (nh == CBOX_IPV6_AH) {
			nh = o->nexthdr;
			l4 += ((__u32)o->hdrlen + 2) * 4;
		} else {
			nh = o->nexthdr;
			l4 += ((__u32)o->hdrlen + 1) * 8;
		}
	}
	f->proto = nh;
	cbox_parse_ports(l4, c->end, nh, f);
	return CBOX_FLOW_OK;
}

/* Fills f (which the caller zeroed) from the L3 header at the cursor. */
static __always_inline int cbox_parse_flow(struct cbox_cursor *c, int l3proto,
					   struct cbox_flow *f, __u8 *frag)
{
	if (l3proto == CBOX_ETH_P_IP)
		return cbox_parse_ipv4(c, f, frag);
	if (l3proto == CBOX_ETH_P_IPV6)
		return cbox_parse_ipv6(c, f, frag);
	return CBOX_FLOW_NOT_IP;
}

/* NSH accessors (first 16 bits in host order). */
static __always_inline __u8 cbox_nsh_ttl(const struct cbox_nsh *nsh)
{
	return (bpf_ntohs(nsh->ver_o_u_ttl_len) & CBOX_NSH_TTL_MASK) >>
	       CBOX_NSH_TTL_SHIFT;
}

static __always_inline __be16 cbox_nsh_with_ttl(__be16 word, __u8 ttl)
{
	__u16 w = bpf_ntohs(word);

	w = (w & ~CBOX_NSH_TTL_MASK) | ((ttl << CBOX_NSH_TTL_SHIFT) &
					CBOX_NSH_TTL_MASK);
	return bpf_htons(w);
}

/*
 * RFC 8300 checks shared by Dec and Fwd. Returns 0 when the header is
 * acceptable, else the counter naming the drop reason. MD type 2 is not
 * supported (the proxy keeps a fixed 24-byte header), nor are MD types 0 and
 * 0xF, Next Protocols other than IPv4, IPv6 and Ethernet, or OAM (O bit).
 */
static __always_inline int cbox_nsh_check(const struct cbox_nsh *nsh)
{
	__u16 w = bpf_ntohs(nsh->ver_o_u_ttl_len);
	__u8 np = nsh->next_proto;

	if (w & CBOX_NSH_VER_MASK)
		return CBOX_C_DROP_BAD_NSH;
	if ((nsh->mdtype & 0x0f) != CBOX_NSH_MDTYPE_1 ||
	    (w & CBOX_NSH_LEN_MASK) != CBOX_NSH_MD1_WORDS)
		return CBOX_C_DROP_BAD_NSH;
	if (np != CBOX_NSH_NP_ETH && np != CBOX_NSH_NP_IPV4 &&
	    np != CBOX_NSH_NP_IPV6)
		return CBOX_C_DROP_BAD_NSH;
	if (w & CBOX_NSH_O_MASK)
		return CBOX_C_DROP_OAM;
	if (!(w & CBOX_NSH_TTL_MASK))
		return CBOX_C_DROP_TTL;
	if (!(nsh->sph & bpf_htonl(0xff)))
		return CBOX_C_DROP_SI0;
	return 0;
}

static __always_inline int cbox_mac_eq(const __u8 *a, const volatile __u8 *b)
{
	return a[0] == b[0] && a[1] == b[1] && a[2] == b[2] && a[3] == b[3] &&
	       a[4] == b[4] && a[5] == b[5];
}

static __always_inline int cbox_mac_zero(const volatile __u8 *m)
{
	return !(m[0] | m[1] | m[2] | m[3] | m[4] | m[5]);
}

static __always_inline void cbox_mac_copy(__u8 *dst, const volatile __u8 *src)
{
	dst[0] = src[0];
	dst[1] = src[1];
	dst[2] = src[2];
	dst[3] = src[3];
	dst[4] = src[4];
	dst[5] = src[5];
}

#endif /* CBOX_PARSE_H */
