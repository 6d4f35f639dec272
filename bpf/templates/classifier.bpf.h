/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Classifier: TC, at ingress or egress of the interface where unclassified
 * traffic enters the SFC domain. Ordered rules (first match wins) pick the
 * chain; a match gets outer Ethernet + a fresh MD type 1 NSH toward the
 * chain's first box, everything else passes untouched.
 *
 * Speed: a rule scan costs O(rules); its result is cached per flow in the
 * LRU cbox_cls_cache, so only a flow's first packet scans, and a per-CPU
 * direct-mapped front (cbox_cls_front) spares hot flows even the LRU's hash
 * lookup. Both belong to the loaded object: the loader reloads the
 * classifier (or clears the cache) when it changes the rules.
 *
 * Fragments are keyed with ports 0 (see cbox_parse.h), so all fragments of
 * a datagram take the same decision: rules with port ranges that do not
 * include 0 do not match fragments.
 *
 * GSO skbs that match get NSH at the head at egress, where the device's
 * software GSO segments them afterwards (see cbox_cls_run); at ingress they
 * are dropped and counted as ERR. The loader turns off TSO/GSO/GRO on the
 * classifier's interface, so no NSH frame leaves unsegmented.
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

/*
 * Rule index (tuple space search), built by the data plane itself from
 * cbox_cls_rules on the first packet that misses the flow cache, so the
 * compiler and loader stay as they are. Rules with the same shape (which
 * fields they constrain, family, prefix lengths, exact or ranged ports)
 * share one hash table keyed by their masked fields; the value is the
 * lowest rule index with that key. A flow's first match is the lowest index
 * found over the shapes' lookups and a scan of the few rules the index
 * cannot hold (port ranges other than a single port), which keeps the
 * first-match-in-file-order semantics exactly. More than CBOX_CLS_MAX_SHAPES
 * shapes, or any failure while building, and the plain scan is used.
 * Rules must not change after the first packet (like the flow cache, the
 * index belongs to the loaded object: reload to change rules).
 */
#ifndef CBOX_CLS_MAX_SHAPES
#define CBOX_CLS_MAX_SHAPES 16
#endif

#define CBOX_CLS_IDX_NONE	0
#define CBOX_CLS_IDX_BUILDING	1
#define CBOX_CLS_IDX_READY	2
#define CBOX_CLS_IDX_OFF	3

struct cbox_cls_ikey {
	__u8 shape;
	__u8 family;
	__u8 proto;
	__u8 pad;
	__u16 sport;	/* host order */
	__u16 dport;
	__u8 src[16];	/* masked */
	__u8 dst[16];
};

struct cbox_cls_shape {
	__u32 flags;	/* CBOX_CLS_F_* the rules constrain */
	__u8 family;
	__u8 src_len;
	__u8 dst_len;
	__u8 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, CBOX_CLS_MAX_RULES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct cbox_cls_ikey);
	__type(value, __u32);
} cbox_cls_idx SEC(".maps");

/* In .bss: private to the loaded object, zero at load. */
__u64 cbox_cls_idx_state;
__u32 cbox_cls_n_shapes;
struct cbox_cls_shape cbox_cls_shapes[CBOX_CLS_MAX_SHAPES];
__u32 cbox_cls_n_resid;
__u16 cbox_cls_resid[CBOX_CLS_MAX_RULES];	/* rule indexes, ascending */

static __always_inline void cbox_cls_mask(__u8 *out, const __u8 *addr,
					  __u32 len)
{
	const __u32 *a = (const __u32 *)addr;
	__u32 *o = (__u32 *)out;
	int w;

	/* the masks of cbox_prefix_match, so equality here is a match there */
	for (w = 0; w < 4; w++) {
		__u32 bits, mask;

		if (len <= (__u32)w * 32) {
			o[w] = 0;
			continue;
		}
		bits = len - w * 32;
		mask = bits >= 32 ? 0xffffffff :
				    bpf_htonl(~((1U << (32 - bits)) - 1));
		o[w] = a[w] & mask;
	}
}

/* Key of a flow (or of a rule, with its own fields) under a shape. */
static __always_inline void cbox_cls_key(struct cbox_cls_ikey *k, __u32 shape,
					 const struct cbox_cls_shape *sh,
					 __u8 family, __u8 proto, __u16 sport,
					 __u16 dport, const __u8 *src,
					 const __u8 *dst)
{
	__builtin_memset(k, 0, sizeof(*k));
	k->shape = shape;
	k->family = sh->family ? family : 0;
	if (sh->flags & CBOX_CLS_F_PROTO)
		k->proto = proto;
	if (sh->flags & CBOX_CLS_F_SPORT)
		k->sport = sport;
	if (sh->flags & CBOX_CLS_F_DPORT)
		k->dport = dport;
	if (sh->flags & CBOX_CLS_F_SRC)
		cbox_cls_mask(k->src, src, sh->src_len);
	if (sh->flags & CBOX_CLS_F_DST)
		cbox_cls_mask(k->dst, dst, sh->dst_len);
}

static __always_inline int cbox_cls_shape_eq(const struct cbox_cls_shape *a,
					     const struct cbox_cls_shape *b)
{
	return a->flags == b->flags && a->family == b->family &&
	       a->src_len == b->src_len && a->dst_len == b->dst_len;
}

struct cbox_cls_build {
	int err;
};

static long cbox_cls_add(__u32 i, void *ctx)
{
	struct cbox_cls_build *b = ctx;
	struct cbox_cls_rule *r = bpf_map_lookup_elem(&cbox_cls_rules, &i);
	struct cbox_cls_shape sh = {};
	struct cbox_cls_ikey k;
	__u32 n, s;

	if (!r) {
		b->err = 1;
		return 1;
	}
	if (((r->flags & CBOX_CLS_F_SPORT) && r->sport_lo != r->sport_hi) ||
	    ((r->flags & CBOX_CLS_F_DPORT) && r->dport_lo != r->dport_hi)) {
		n = cbox_cls_n_resid;
		if (n >= CBOX_CLS_MAX_RULES) {
			b->err = 1;
			return 1;
		}
		cbox_cls_resid[n] = i;
		cbox_cls_n_resid = n + 1;
		return 0;
	}
	sh.flags = r->flags & (CBOX_CLS_F_PROTO | CBOX_CLS_F_SRC |
			       CBOX_CLS_F_DST | CBOX_CLS_F_SPORT |
			       CBOX_CLS_F_DPORT);
	sh.family = r->family;
	if (sh.flags & CBOX_CLS_F_SRC)
		sh.src_len = r->src_len;
	if (sh.flags & CBOX_CLS_F_DST)
		sh.dst_len = r->dst_len;
	n = cbox_cls_n_shapes;
	for (s = 0; s < CBOX_CLS_MAX_SHAPES; s++) {
		if (s >= n) {
			cbox_cls_shapes[s] = sh;
			cbox_cls_n_shapes = s + 1;
			break;
		}
		if (cbox_cls_shape_eq(&cbox_cls_shapes[s], &sh))
			break;
	}
	if (s >= CBOX_CLS_MAX_SHAPES) {
		b->err = 1;
		return 1;
	}
	cbox_cls_key(&k, s, &sh, r->family, r->proto, r->sport_lo,
		     r->dport_lo, r->src, r->dst);
	/* the first rule with a key keeps it: the lowest index */
	n = bpf_map_update_elem(&cbox_cls_idx, &k, &i, BPF_NOEXIST);
	if (n && (int)n != -17 /* EEXIST */) {
		b->err = 1;
		return 1;
	}
	return 0;
}

static long cbox_cls_clear(void *map, void *key, void *val, void *ctx)
{
	bpf_map_delete_elem(&cbox_cls_idx, key);
	return 0;
}

/* One CPU builds; the others scan until it is done. */
static __always_inline int cbox_cls_idx_ready(__u32 n_rules)
{
	struct cbox_cls_build b = {};
	__u64 st = cbox_cls_idx_state;

	if (st == CBOX_CLS_IDX_READY)
		return 1;
	if (st != CBOX_CLS_IDX_NONE ||
	    __sync_val_compare_and_swap(&cbox_cls_idx_state, CBOX_CLS_IDX_NONE,
					CBOX_CLS_IDX_BUILDING) !=
		    CBOX_CLS_IDX_NONE)
		return 0;
	/* a pinned index from an earlier load of this object */
	bpf_for_each_map_elem(&cbox_cls_idx, cbox_cls_clear, NULL, 0);
	bpf_loop(n_rules, cbox_cls_add, &b, 0);
	cbox_cls_idx_state = b.err ? CBOX_CLS_IDX_OFF : CBOX_CLS_IDX_READY;
	return !b.err;
}

struct cbox_cls_find {
	const struct cbox_flow *f;
	__u16 sport, dport;
	__u32 best;	/* lowest matching index + 1, or 0 */
};

static long cbox_cls_probe(__u32 s, void *ctx)
{
	struct cbox_cls_find *q = ctx;
	const struct cbox_flow *f = q->f;
	struct cbox_cls_shape sh;
	struct cbox_cls_ikey k;
	__u32 *v;

	if (s >= CBOX_CLS_MAX_SHAPES)
		return 1;
	sh = cbox_cls_shapes[s];
	cbox_cls_key(&k, s, &sh, f->family, f->proto, q->sport, q->dport,
		     f->src, f->dst);
	v = bpf_map_lookup_elem(&cbox_cls_idx, &k);
	if (v && (!q->best || *v + 1 < q->best))
		q->best = *v + 1;
	return 0;
}

static long cbox_cls_resid_step(__u32 j, void *ctx)
{
	struct cbox_cls_find *q = ctx;
	struct cbox_cls_scan s = { .f = q->f, .sport = q->sport,
				   .dport = q->dport };
	struct cbox_cls_rule *r;
	__u32 i;

	if (j >= CBOX_CLS_MAX_RULES)
		return 1;
	i = cbox_cls_resid[j];
	/* ascending: nothing later can beat what the index found */
	if (q->best && i + 1 >= q->best)
		return 1;
	r = bpf_map_lookup_elem(&cbox_cls_rules, &i);
	if (!r)
		return 1;
	if (cbox_rule_match(r, &s)) {
		q->best = i + 1;
		return 1;
	}
	return 0;
}

/* Index + 1 of the first matching rule, or 0. */
static __always_inline __u32 cbox_cls_lookup(const struct cbox_flow *f,
					     __u16 sport, __u16 dport,
					     __u32 n_rules)
{
	struct cbox_cls_find q = { .f = f, .sport = sport, .dport = dport };
	struct cbox_cls_scan scan = { .f = f, .sport = sport, .dport = dport };

	if (cbox_cls_idx_ready(n_rules)) {
		bpf_loop(cbox_cls_n_shapes, cbox_cls_probe, &q, 0);
		if (cbox_cls_n_resid)
			bpf_loop(cbox_cls_n_resid, cbox_cls_resid_step, &q, 0);
		return q.best;
	}
	bpf_loop(n_rules, cbox_cls_step, &scan, 0);
	return scan.found;
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
	struct cbox_cls_rule *rule;
	struct cbox_encap_hdr {
		struct ethhdr eth;
		struct cbox_nsh nsh;
		struct ethhdr inner;
	} __attribute__((packed)) * hdr;
	struct ethhdr *eth;
	__u8 orig[CBOX_ETH_HLEN];
	__u32 *cached, idx, spi;
#if !defined(CBOX_CLS_NO_CACHE) && CBOX_CLS_FRONT_SLOTS
	struct cbox_cls_front_ent *front;
#endif
	__be16 dvlan = 0;
	__u8 frag = 0, mac[6];
	int proto, moved, gso;

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
#if CBOX_CLS_FRONT_SLOTS
	/* per-CPU front of the LRU: a hot flow costs no call up to the push */
	front = cbox_cls_front_slot(&flow);
	if (front && cbox_cls_flow_eq(&front->flow, &flow)) {
		idx = front->idx;
		goto classified;
	}
#endif
	cached = bpf_map_lookup_elem(&cbox_cls_cache, &flow);
#endif
	if (cached) {
		idx = *cached;
	} else {
		idx = 0;
		if (cbox_cls_n_rules)
			idx = cbox_cls_lookup(&flow, bpf_ntohs(flow.sport),
					      bpf_ntohs(flow.dport),
					      cbox_cls_n_rules <
							      CBOX_CLS_MAX_RULES ?
						      cbox_cls_n_rules :
						      CBOX_CLS_MAX_RULES);
#ifndef CBOX_CLS_NO_CACHE
		bpf_map_update_elem(&cbox_cls_cache, &flow, &idx, BPF_ANY);
#endif
	}
#if !defined(CBOX_CLS_NO_CACHE) && CBOX_CLS_FRONT_SLOTS
	/* as cbox_proxy_fill: a slot taken in this tick stays with its flow */
	if (front) {
		__u64 now = bpf_jiffies64();

		if (front->stamp != now) {
			front->stamp = now;
			front->flow = flow;
			front->idx = idx;
		}
	}
classified:
#endif
	if (!idx)
		goto pass;
	idx -= 1;
	rule = bpf_map_lookup_elem(&cbox_cls_rules, &idx);
	if (!rule)
		goto pass;
	gso = skb->gso_size != 0;
	if (gso && skb->ingress_ifindex == skb->ifindex)
		return cbox_cls_drop(CBOX_C_DROP_ERR);
	spi = rule->spi;
	__builtin_memcpy(mac, rule->next_mac, 6);
	__builtin_memcpy(orig, eth, CBOX_ETH_HLEN);

	/*
	 * Insert after the MAC header when the kernel allows it (IPv4/IPv6
	 * skb): the skb keeps a 14-byte MAC header, which an ingress hook
	 * needs so that a bridge forwards the whole NSH frame. A VLAN-tagged
	 * frame falls back to pushing at the head (fine at egress).
	 *
	 * A GSO skb is pushed at the head, and only at egress. The local TCP
	 * stack builds GSO skbs even with GSO/TSO off on the device (it
	 * always does, the device's xmit path segments them in software),
	 * and that happens after this hook: with the network header left on
	 * the inner IP header and the MAC header grown to outer Ethernet +
	 * NSH + inner Ethernet, the kernel segments the inner TCP/UDP and
	 * copies those 52 bytes into every segment. adjust_room would move
	 * the network header onto the NSH and the segmentation would fail.
	 * Dropping them instead stalled TCP: a dropped xmit is no loss to
	 * TCP, it retries the same skb and only single-segment sends got
	 * through (issue 6). At ingress (skb_iif is the device itself) there
	 * is no such later segmentation of an NSH frame, so GSO stays an
	 * error there; the loader turns GRO off.
	 */
	moved = !gso && !bpf_skb_adjust_room(skb, CBOX_ENCAP_LEN,
					     BPF_ADJ_ROOM_MAC, 0);
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
