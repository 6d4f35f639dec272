/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Egress template: the Enc and Fwd stages, kept apart in the source and
 * merged into one TC pass when both are compiled in. A variant defines
 * before including this file:
 *   CBOX_WITH_ENC   proxy side: put the saved NSH back on the SF's output
 *   CBOX_WITH_FWD   SFF side: TTL, (SPI, SI) lookup, outer Ethernet
 *   CBOX_PROG_NAME  the program's function name
 * With both, the Enc part also does Fwd's work on the header it builds (one
 * push, one lookup), and the const volatile cbox_enc_enabled = 0 turns the
 * object into a Fwd-only stage for NSH-aware SFs.
 *
 * Counters: the Enc part counts under CBOX_STAGE_ENC (including its TTL
 * drops when merged), the Fwd-only part under CBOX_STAGE_FWD.
 *
 * GSO: a GSO skb (an SF's own TCP, which is always GSO, or GRO) gets its
 * headers pushed at the head like any other: skb->protocol and the network
 * header stay on the inner IP header, so the device's software GSO, which
 * runs after TC egress, segments the inner TCP/UDP and copies outer
 * Ethernet + NSH (+ inner Ethernet) into every segment (issue 6). That
 * needs TSO/GSO off on egress_iface, which the loader does (and GRO off on
 * the box's iface, for speed of the Dec path).
 */
#if !defined(CBOX_WITH_ENC) && !defined(CBOX_WITH_FWD)
#error "egress.bpf.h: define CBOX_WITH_ENC and/or CBOX_WITH_FWD"
#endif
#ifndef CBOX_PROG_NAME
#error "egress.bpf.h: define CBOX_PROG_NAME"
#endif

#define CBOX_NEED_FWD
#ifdef CBOX_WITH_ENC
#define CBOX_NEED_PROXY
#endif
#include "cbox_maps.h"
#include "cbox_parse.h"
#include "cbox_tc.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/*
 * Per-deployment constants, patched in .rodata by the compiler.
 * cbox_egress_mac: MAC of egress_iface; outer src of what this box sends
 * (zero: keep the frame's own src), so the underlay bridge never learns a
 * client's MAC on an SF's port.
 */
const volatile __u8 cbox_egress_mac[6] = {};
#ifdef CBOX_WITH_ENC
const volatile __u32 cbox_box_id = 0;	/* key prefix in cbox_proxy */
/* iface MAC: a frame still addressed to it went through an L2-transparent SF
 * and gets its original dst MAC back. */
const volatile __u8 cbox_mac[6] = {};
#endif
#if defined(CBOX_WITH_ENC) && defined(CBOX_WITH_FWD)
const volatile __u32 cbox_enc_enabled = 1;	/* 0: NSH-aware SF, Fwd only */
#endif

/* How the Enc part makes room for outer Ethernet + NSH at the front. The
 * benchmark's harness substitutes a push it can undo (tests/bpf). */
#ifndef CBOX_PUSH_HEAD
#define CBOX_PUSH_HEAD(skb, len) bpf_skb_change_head(skb, len, 0)
#endif

struct cbox_encap_hdr {
	struct ethhdr eth;
	struct cbox_nsh nsh;
} __attribute__((packed));

static __always_inline int cbox_drop(__u32 stage, __u32 reason)
{
	cbox_count(stage, reason);
	return CBOX_TC_ACT_SHOT;
}

static __always_inline int cbox_pass(__u32 stage)
{
	cbox_count(stage, CBOX_C_PASS);
	return CBOX_TC_ACT_OK;
}

#ifdef CBOX_WITH_ENC
#ifdef CBOX_WITH_FWD
#define CBOX_ENC_VERDICT CBOX_TC_ACT_OK
#else
/* thesis style: Enc leaves the TTL and the final rewrite to the Fwd filter
 * that runs after it */
#define CBOX_ENC_VERDICT CBOX_TC_ACT_UNSPEC
#endif

static __always_inline int cbox_do_enc(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	struct cbox_cursor c = { .pos = data,
				 .end = (void *)(long)skb->data_end };
	struct cbox_proxy_key key = {};
	struct cbox_proxy_val saved;
	struct cbox_fwd_val *hop;
	struct cbox_encap_hdr *hdr;
	struct cbox_nsh_words nw;
	struct ethhdr *eth;
	__be16 dvlan = 0;
	__u8 smac[6], dmac[6];
	__u8 frag = 0, ttl, np, restored = 0;
	__u32 sph, push;
	int proto, tagged, found;

	cbox_count(CBOX_STAGE_ENC, CBOX_C_IN);
	proto = cbox_parse_eth(&c, &eth, &dvlan);
	if (proto < 0 || proto == CBOX_ETH_P_NSH)
		return cbox_pass(CBOX_STAGE_ENC);
	tagged = c.pos - data > CBOX_ETH_HLEN;
	/* a tag the stack has not written into the frame yet */
	key.flow.vlan = skb->vlan_present ?
				bpf_htons(skb->vlan_tci & CBOX_VLAN_VID_MASK) :
				dvlan;
	if (cbox_parse_flow(&c, proto, &key.flow, &frag) != CBOX_FLOW_OK)
		return cbox_pass(CBOX_STAGE_ENC);

	key.box = cbox_box_id;
	found = !cbox_proxy_get(&key, &saved);
	if (!found && !frag && (key.flow.sport | key.flow.dport)) {
		/* An SF that reassembled a fragmented datagram sends it whole;
		 * Dec keyed its fragments with ports 0. */
		key.flow.sport = 0;
		key.flow.dport = 0;
		found = !cbox_proxy_get(&key, &saved);
	}
	if (!found)	/* the SF's own traffic, ARP, replies: not chained */
		return cbox_pass(CBOX_STAGE_ENC);

	sph = bpf_ntohl(saved.nsh.sph);
	if ((sph & 0xff) <= 1)
		return cbox_drop(CBOX_STAGE_ENC, CBOX_C_DROP_SI0);
	sph -= 1;	/* this box's proxy consumed one service index */
	hop = cbox_fwd_lookup(sph);
	if (!hop)
		return cbox_drop(CBOX_STAGE_ENC, CBOX_C_DROP_NO_HOP);
	ttl = cbox_nsh_ttl(&saved.nsh);

	if (cbox_mac_eq(eth->h_dest, cbox_mac) &&
	    !cbox_mac_zero(saved.inner_dmac)) {
		__builtin_memcpy(eth->h_dest, saved.inner_dmac, 6);
		restored = 1;
	}

	if (hop->flags & CBOX_FWD_END) {
		if (restored && !cbox_mac_zero(cbox_egress_mac))
			cbox_mac_copy(eth->h_source, cbox_egress_mac);
		cbox_count(CBOX_STAGE_ENC, CBOX_C_OUT);
		return CBOX_TC_ACT_OK;
	}

	if (hop->flags & CBOX_FWD_DLINK) {
		struct cbox_proxy_val pv = saved;

		/* Hand the flow's NSH to the next box on this host as if it had
		 * arrived there from the network: one hop later. */
		if (ttl <= 1)
			return cbox_drop(CBOX_STAGE_ENC, CBOX_C_DROP_TTL);
		pv.nsh.ver_o_u_ttl_len =
			cbox_nsh_with_ttl(pv.nsh.ver_o_u_ttl_len, ttl - 1);
		pv.nsh.sph = bpf_htonl(sph);
		key.box = hop->peer_box;
		if (cbox_proxy_put(&key, &pv))
			return cbox_drop(CBOX_STAGE_ENC, CBOX_C_DROP_ERR);
		__builtin_memcpy(eth->h_dest, hop->mac, 6);
		cbox_count(CBOX_STAGE_ENC, CBOX_C_OUT);
		return bpf_redirect(hop->ifindex, 0);
	}

#ifdef CBOX_WITH_FWD
	if (ttl <= 1)
		return cbox_drop(CBOX_STAGE_ENC, CBOX_C_DROP_TTL);
	ttl -= 1;
#endif
	nw = *(struct cbox_nsh_words *)&saved.nsh;
	np = saved.nsh.next_proto;
	/* A bare-IP payload goes back bare (the inner Ethernet header Dec
	 * made up is overwritten), unless the SF tagged it: then it is
	 * carried as Ethernet. */
	if (np != CBOX_NSH_NP_ETH && tagged)
		np = CBOX_NSH_NP_ETH;
	push = np == CBOX_NSH_NP_ETH ? CBOX_ENCAP_LEN : CBOX_NSH_MD1_LEN;
	__builtin_memcpy(dmac, hop->mac, 6);
	if (cbox_mac_zero(cbox_egress_mac))
		__builtin_memcpy(smac, eth->h_source, 6);
	else
		cbox_mac_copy(smac, cbox_egress_mac);

	if (CBOX_PUSH_HEAD(skb, push))
		return cbox_drop(CBOX_STAGE_ENC, CBOX_C_DROP_ERR);
	hdr = (void *)(long)skb->data;
	if ((void *)(hdr + 1) > (void *)(long)skb->data_end)
		return cbox_drop(CBOX_STAGE_ENC, CBOX_C_DROP_ERR);
	__builtin_memcpy(hdr->eth.h_dest, dmac, 6);
	__builtin_memcpy(hdr->eth.h_source, smac, 6);
	hdr->eth.h_proto = bpf_htons(CBOX_ETH_P_NSH);
	*(struct cbox_nsh_words *)&hdr->nsh = nw;
	hdr->nsh.ver_o_u_ttl_len =
		cbox_nsh_with_ttl(hdr->nsh.ver_o_u_ttl_len, ttl);
	hdr->nsh.next_proto = np;
	hdr->nsh.sph = bpf_htonl(sph);
	cbox_count(CBOX_STAGE_ENC, CBOX_C_OUT);
	return CBOX_ENC_VERDICT;
}
#endif /* CBOX_WITH_ENC */

#ifdef CBOX_WITH_FWD
/*
 * End of chain or direct link after an NSH-aware SF: the frame leaves NSH
 * behind. For a direct link the next box's proxy entry is written first.
 */
static __always_inline int cbox_fwd_leave(struct __sk_buff *skb,
					  struct cbox_cursor *cur,
					  struct ethhdr *eth,
					  struct cbox_nsh *nsh,
					  struct cbox_fwd_val *hop, __u8 ttl)
{
	struct cbox_cursor c = { .pos = nsh + 1, .end = cur->end };
	void *data = eth;
	struct ethhdr *out;
	__u8 np = nsh->next_proto;
	__u8 head[CBOX_ETH_HLEN];
	__u32 ifindex = hop->ifindex;
	__u32 inner = (void *)(nsh + 1) - data;
	__u32 cut;

	if (np == CBOX_NSH_NP_ETH) {
		if (c.pos + CBOX_ETH_HLEN > c.end)
			return cbox_drop(CBOX_STAGE_FWD, CBOX_C_DROP_BAD_NSH);
		__builtin_memcpy(head, c.pos, CBOX_ETH_HLEN);
		cut = inner;
	} else {
		__builtin_memcpy(head, eth, 12);
		*(__be16 *)&head[12] = bpf_htons(np == CBOX_NSH_NP_IPV4 ?
							 CBOX_ETH_P_IP :
							 CBOX_ETH_P_IPV6);
		cut = inner - CBOX_ETH_HLEN;
	}
	if (hop->flags & CBOX_FWD_DLINK) {
#ifdef CBOX_NEED_PROXY
		struct cbox_proxy_key key = {};
		struct cbox_proxy_val pv = {};
		struct ethhdr *ieth;
		__u8 frag = 0;
		int iproto;

		if (np == CBOX_NSH_NP_ETH) {
			iproto = cbox_parse_eth(&c, &ieth, &key.flow.vlan);
			if (iproto < 0)
				return cbox_drop(CBOX_STAGE_FWD,
						 CBOX_C_DROP_BAD_NSH);
			__builtin_memcpy(pv.inner_dmac, ieth->h_dest, 6);
		} else {
			iproto = np == CBOX_NSH_NP_IPV4 ? CBOX_ETH_P_IP :
							  CBOX_ETH_P_IPV6;
		}
		if (cbox_parse_flow(&c, iproto, &key.flow, &frag) !=
		    CBOX_FLOW_OK)
			return cbox_drop(CBOX_STAGE_FWD, CBOX_C_DROP_BAD_NSH);
		key.box = hop->peer_box;
		*(struct cbox_nsh_words *)&pv.nsh =
			*(struct cbox_nsh_words *)nsh;
		pv.nsh.ver_o_u_ttl_len =
			cbox_nsh_with_ttl(pv.nsh.ver_o_u_ttl_len, ttl - 1);
		if (cbox_proxy_put(&key, &pv))
			return cbox_drop(CBOX_STAGE_FWD, CBOX_C_DROP_ERR);
		__builtin_memcpy(head, hop->mac, 6);
#else
		return cbox_drop(CBOX_STAGE_FWD, CBOX_C_DROP_ERR);
#endif
	}
	if (cbox_skb_cut(skb, cut))
		return cbox_drop(CBOX_STAGE_FWD, CBOX_C_DROP_ERR);
	out = (void *)(long)skb->data;
	if ((void *)(out + 1) > (void *)(long)skb->data_end)
		return cbox_drop(CBOX_STAGE_FWD, CBOX_C_DROP_ERR);
	__builtin_memcpy(out, head, CBOX_ETH_HLEN);
	cbox_count(CBOX_STAGE_FWD, CBOX_C_OUT);
	if (hop->flags & CBOX_FWD_DLINK)
		return bpf_redirect(ifindex, 0);
	return CBOX_TC_ACT_OK;
}

/* Fwd on a frame that already carries NSH (after an NSH-aware SF, or after
 * a separate Enc filter): the SFF does not touch SI. */
static __always_inline int cbox_do_fwd(struct __sk_buff *skb)
{
	struct cbox_cursor c = { .pos = (void *)(long)skb->data,
				 .end = (void *)(long)skb->data_end };
	struct cbox_fwd_val *hop;
	struct cbox_nsh *nsh;
	struct ethhdr *eth;
	__be16 vlan = 0;
	int proto, reason;
	__u8 ttl;

	cbox_count(CBOX_STAGE_FWD, CBOX_C_IN);
	proto = cbox_parse_eth(&c, &eth, &vlan);
	if (proto != CBOX_ETH_P_NSH)
		return cbox_pass(CBOX_STAGE_FWD);
	nsh = c.pos;
	if ((void *)(nsh + 1) > c.end)
		return cbox_drop(CBOX_STAGE_FWD, CBOX_C_DROP_BAD_NSH);
	reason = cbox_nsh_check(nsh);
	if (reason)
		return cbox_drop(CBOX_STAGE_FWD, reason);
	ttl = cbox_nsh_ttl(nsh);
	if (ttl <= 1)
		return cbox_drop(CBOX_STAGE_FWD, CBOX_C_DROP_TTL);
	hop = cbox_fwd_lookup(bpf_ntohl(nsh->sph));
	if (!hop)
		return cbox_drop(CBOX_STAGE_FWD, CBOX_C_DROP_NO_HOP);
	if (hop->flags & (CBOX_FWD_END | CBOX_FWD_DLINK))
		return cbox_fwd_leave(skb, &c, eth, nsh, hop, ttl);

	nsh->ver_o_u_ttl_len = cbox_nsh_with_ttl(nsh->ver_o_u_ttl_len, ttl - 1);
	__builtin_memcpy(eth->h_dest, hop->mac, 6);
	if (!cbox_mac_zero(cbox_egress_mac))
		cbox_mac_copy(eth->h_source, cbox_egress_mac);
	cbox_count(CBOX_STAGE_FWD, CBOX_C_OUT);
	return CBOX_TC_ACT_OK;
}
#endif /* CBOX_WITH_FWD */

static __always_inline int cbox_egress_run(struct __sk_buff *skb)
{
#if defined(CBOX_WITH_ENC) && defined(CBOX_WITH_FWD)
	if (!cbox_enc_enabled)
		return cbox_do_fwd(skb);
	return cbox_do_enc(skb);
#elif defined(CBOX_WITH_ENC)
	return cbox_do_enc(skb);
#else
	return cbox_do_fwd(skb);
#endif
}

SEC("tc")
int CBOX_PROG_NAME(struct __sk_buff *skb)
{
	return cbox_egress_run(skb);
}
