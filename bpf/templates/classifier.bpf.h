/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Classifier: TC, at ingress or egress of the interface where unclassified
 * traffic enters the SFC domain. Ordered rules (first match wins) pick the
 * chain; a match gets outer Ethernet + a fresh MD type 1 NSH toward the
 * chain's first box, everything else passes untouched.
 *
 * Speed: a rule scan costs O(rules); its result is cached per flow in the
 * LRU cbox_cls_cache, so only a flow's first packet scans. The cache belongs
 * to the loaded object: the loader reloads the classifier (or clears the
 * cache) when it changes the rules.
 *
 * Fragments are keyed with ports 0 (see cbox_parse.h), so all fragments of
 * a datagram take the same decision: rules with port ranges that do not
 * include 0 do not match fragments.
 *
 * GSO skbs that match are dropped and counted as ERR (no NSH GSO handler in
 * the kernel); the loader turns off TSO/GSO on the classifier's interface.
 *
 * Template: classifier.bpf.c wraps cbox_cls_run() as cbox_classify; the
 * benchmark builds a variant with CBOX_CLS_NO_CACHE (every packet is a
 * flow's first) to time the rule lookup itself.
 */
#ifndef CBOX_CLASSIFIER_BPF_H
#define CBOX_CLASSIFIER_BPF_H

#define CBOX_NEED_CLS
#include "cbox_maps.h"
#include "cbox_parse.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Number of rules in cbox_cls_rules, patched in .rodata by the compiler. */
const volatile __u32 cbox_cls_n_rules = 0;

struct cbox_cls_scan {
	const struct cbox_flow *f;
	__u16 sport;	/* host order */
	__u16 dport;
	__u32 found;	/* index + 1 of the first matching rule, or 0 */
};

static __always_inline int cbox_prefix_match(const __u8 *addr, const __u8 *pfx,
					     __u32 len)
{
	const __u32 *a = (const __u32 *)addr, *p = (const __u32 *)pfx;
	int w;

	for (w = 0; w < 4; w++) {
		__u32 bits, mask;

		if (len <= (__u32)w * 32)
			break;
		bits = len - w * 32;
		mask = bits >= 32 ? 0xffffffff :
				    bpf_htonl(~((1U << (32 - bits)) - 1));
		if ((a[w] ^ p[w]) & mask)
			return 0;
	}
	return 1;
}

static __always_inline int cbox_rule_match(const struct cbox_cls_rule *r,
					   const struct cbox_cls_scan *s)
{
	const struct cbox_flow *f = s->f;

	if (r->family && r->family != f->family)
		return 0;
	if ((r->flags & CBOX_CLS_F_PROTO) && r->proto != f->proto)
		return 0;
	if ((r->flags & CBOX_CLS_F_SPORT) &&
	    (s->sport < r->sport_lo || s->sport > r->sport_hi))
		return 0;
	if ((r->flags & CBOX_CLS_F_DPORT) &&
	    (s->dport < r->dport_lo || s->dport > r->dport_hi))
		return 0;
	if ((r->flags & CBOX_CLS_F_SRC) &&
	    !cbox_prefix_match(f->src, r->src, r->src_len))
		return 0;
	if ((r->flags & CBOX_CLS_F_DST) &&
	    !cbox_prefix_match(f->dst, r->dst, r->dst_len))
		return 0;
	return 1;
}

/* bpf_loop callback: the verifier checks it once whatever the rule count. */
static long cbox_cls_step(__u32 i, void *ctx)
{
	struct cbox_cls_scan *s = ctx;
	struct cbox_cls_rule *r = bpf_map_lookup_elem(&cbox_cls_rules, &i);

	if (!r)
		return 1;
	if (cbox_rule_match(r, s)) {
		s->found = i + 1;
		return 1;
	}
	return 0;
}

static __always_inline int cbox_cls_drop(__u32 reason)
{
	cbox_count(CBOX_STAGE_CLS, reason);
	return CBOX_TC_ACT_SHOT;
}

static __always_inline int cbox_cls_run(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	struct cbox_cursor c = { .pos = data,
				 .end = (void *)(long)skb->data_end };
	struct cbox_flow flow = {};
	struct cbox_cls_scan scan = { .f = &flow };
	struct cbox_cls_rule *rule;
	struct cbox_encap_hdr {
		struct ethhdr eth;
		struct cbox_nsh nsh;
		struct ethhdr inner;
	} __attribute__((packed)) * hdr;
	struct ethhdr *eth;
	__u8 orig[CBOX_ETH_HLEN];
	__u32 *cached, idx, spi;
	__be16 dvlan = 0;
	__u8 frag = 0, mac[6];
	int proto, moved;

	cbox_count(CBOX_STAGE_CLS, CBOX_C_IN);
	proto = cbox_parse_eth(&c, &eth, &dvlan);
	if (proto < 0 || proto == CBOX_ETH_P_NSH)
		goto pass;
	flow.vlan = skb->vlan_present ?
			    bpf_htons(skb->vlan_tci & CBOX_VLAN_VID_MASK) :
			    dvlan;
	if (cbox_parse_flow(&c, proto, &flow, &frag) != CBOX_FLOW_OK)
		goto pass;

#ifdef CBOX_CLS_NO_CACHE
	cached = NULL;
#else
	cached = bpf_map_lookup_elem(&cbox_cls_cache, &flow);
#endif
	if (cached) {
		idx = *cached;
	} else {
		scan.sport = bpf_ntohs(flow.sport);
		scan.dport = bpf_ntohs(flow.dport);
		if (cbox_cls_n_rules)
			bpf_loop(cbox_cls_n_rules < CBOX_CLS_MAX_RULES ?
					 cbox_cls_n_rules :
					 CBOX_CLS_MAX_RULES,
				 cbox_cls_step, &scan, 0);
		idx = scan.found;
#ifndef CBOX_CLS_NO_CACHE
		bpf_map_update_elem(&cbox_cls_cache, &flow, &idx, BPF_ANY);
#endif
	}
	if (!idx)
		goto pass;
	idx -= 1;
	rule = bpf_map_lookup_elem(&cbox_cls_rules, &idx);
	if (!rule)
		goto pass;
	if (skb->gso_size)
		return cbox_cls_drop(CBOX_C_DROP_ERR);
	spi = rule->spi;
	__builtin_memcpy(mac, rule->next_mac, 6);
	__builtin_memcpy(orig, eth, CBOX_ETH_HLEN);

	/*
	 * Insert after the MAC header when the kernel allows it (IPv4/IPv6
	 * skb): the skb keeps a 14-byte MAC header, which an ingress hook
	 * needs so that a bridge forwards the whole NSH frame. A VLAN-tagged
	 * frame falls back to pushing at the head (fine at egress).
	 */
	moved = !bpf_skb_adjust_room(skb, CBOX_ENCAP_LEN, BPF_ADJ_ROOM_MAC, 0);
	if (!moved && bpf_skb_change_head(skb, CBOX_ENCAP_LEN, 0))
		return cbox_cls_drop(CBOX_C_DROP_ERR);
	hdr = (void *)(long)skb->data;
	if ((void *)(hdr + 1) > (void *)(long)skb->data_end)
		return cbox_cls_drop(CBOX_C_DROP_ERR);
	if (moved)
		__builtin_memcpy(&hdr->inner, orig, CBOX_ETH_HLEN);
	__builtin_memcpy(hdr->eth.h_dest, mac, 6);
	__builtin_memcpy(hdr->eth.h_source, &orig[6], 6);
	hdr->eth.h_proto = bpf_htons(CBOX_ETH_P_NSH);
	/* RFC 8300 origination: Ver 0, O 0, unassigned 0, TTL 63, Length 6,
	 * MD type 1, Ethernet payload, zero context, SI 255. */
	hdr->nsh.ver_o_u_ttl_len = bpf_htons(
		(CBOX_NSH_TTL_INIT << CBOX_NSH_TTL_SHIFT) | CBOX_NSH_MD1_WORDS);
	hdr->nsh.mdtype = CBOX_NSH_MDTYPE_1;
	hdr->nsh.next_proto = CBOX_NSH_NP_ETH;
	hdr->nsh.sph = bpf_htonl((spi << 8) | CBOX_SI_INIT);
	hdr->nsh.ctx[0] = 0;
	hdr->nsh.ctx[1] = 0;
	hdr->nsh.ctx[2] = 0;
	hdr->nsh.ctx[3] = 0;
	cbox_count(CBOX_STAGE_CLS, CBOX_C_OUT);
	return CBOX_TC_ACT_OK;
pass:
	cbox_count(CBOX_STAGE_CLS, CBOX_C_PASS);
	return CBOX_TC_ACT_OK;
}

#endif /* CBOX_CLASSIFIER_BPF_H */
