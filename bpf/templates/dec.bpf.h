/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Dec: XDP on the SF's iface. Takes NSH frames addressed to this box, saves
 * their NSH in the host's proxy table under the inner flow, strips outer
 * Ethernet + NSH and readdresses the inner frame to the box, so that an
 * unmodified SF (a Linux router drops frames not addressed to it) takes it.
 * Anything else passes byte-identical.
 *
 * Template: dec.bpf.c wraps cbox_dec_run() as the program cbox_dec; the
 * benchmark (tests/bpf) wraps it in a harness of its own.
 */
#ifndef CBOX_DEC_BPF_H
#define CBOX_DEC_BPF_H

#define CBOX_NEED_PROXY
#include "cbox_maps.h"
#include "cbox_parse.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Per-deployment constants, patched in .rodata by the compiler. */
const volatile __u8 cbox_mac[6] = {};		/* this box's iface MAC */
const volatile __u32 cbox_box_id = 0;		/* key prefix in cbox_proxy */
/* Expected previous hops (outer src MACs); n = 0 turns the check off. */
const volatile __u8 cbox_prev_hops[CBOX_MAX_PREV_HOPS][6] = {};
const volatile __u32 cbox_n_prev_hops = 0;

static __always_inline int cbox_from_prev_hop(const __u8 *src)
{
	__u32 i;

	for (i = 0; i < CBOX_MAX_PREV_HOPS; i++) {
		if (i >= cbox_n_prev_hops)
			break;
		if (cbox_mac_eq(src, cbox_prev_hops[i]))
			return 1;
	}
	return 0;
}

static __always_inline int cbox_dec_drop(__u32 reason)
{
	cbox_count(CBOX_STAGE_DEC, reason);
	return XDP_DROP;
}

static __always_inline int cbox_dec_run(struct xdp_md *ctx)
{
	struct cbox_cursor c = {
		.pos = (void *)(long)ctx->data,
		.end = (void *)(long)ctx->data_end,
	};
	struct cbox_proxy_key key = {};
	struct cbox_proxy_val val = {};
	struct ethhdr *eth, *ieth;
	struct cbox_nsh *nsh;
	__be16 ovlan = 0;
	__u8 osrc[6];
	__u8 frag = 0;
	int proto, iproto, reason;
	__u8 np;
	__u32 strip;
	void *data;

	cbox_count(CBOX_STAGE_DEC, CBOX_C_IN);
	proto = cbox_parse_eth(&c, &eth, &ovlan);
	if (proto != CBOX_ETH_P_NSH || !cbox_mac_eq(eth->h_dest, cbox_mac)) {
		cbox_count(CBOX_STAGE_DEC, CBOX_C_PASS);
		return XDP_PASS;
	}
	if (cbox_n_prev_hops && !cbox_from_prev_hop(eth->h_source))
		return cbox_dec_drop(CBOX_C_DROP_SPOOF);

	nsh = c.pos;
	if ((void *)(nsh + 1) > c.end)
		return cbox_dec_drop(CBOX_C_DROP_BAD_NSH);
	reason = cbox_nsh_check(nsh);
	if (reason)
		return cbox_dec_drop(reason);
	c.pos = nsh + 1;

	key.box = cbox_box_id;
	np = nsh->next_proto;
	if (np == CBOX_NSH_NP_ETH) {
		iproto = cbox_parse_eth(&c, &ieth, &key.flow.vlan);
		if (iproto < 0)
			return cbox_dec_drop(CBOX_C_DROP_BAD_NSH);
		__builtin_memcpy(val.inner_dmac, ieth->h_dest, 6);
	} else {
		/* Bare IP payload: Dec synthesizes the Ethernet header below;
		 * there is no original dst MAC, so inner_dmac stays zero. */
		iproto = np == CBOX_NSH_NP_IPV4 ? CBOX_ETH_P_IP :
						  CBOX_ETH_P_IPV6;
	}
	/* A non-IP payload cannot be keyed, so its NSH could not be put back
	 * on the way out: refuse it rather than leak it out of the chain. */
	if (cbox_parse_flow(&c, iproto, &key.flow, &frag) != CBOX_FLOW_OK)
		return cbox_dec_drop(CBOX_C_DROP_BAD_NSH);

	*(struct cbox_nsh_words *)&val.nsh = *(struct cbox_nsh_words *)nsh;
	if (cbox_proxy_put(&key, &val))
		return cbox_dec_drop(CBOX_C_DROP_ERR);

	__builtin_memcpy(osrc, eth->h_source, 6);
	strip = (void *)(nsh + 1) - (void *)eth;
	if (np != CBOX_NSH_NP_ETH)
		strip -= CBOX_ETH_HLEN;
	if (bpf_xdp_adjust_head(ctx, strip))
		return cbox_dec_drop(CBOX_C_DROP_ERR);

	data = (void *)(long)ctx->data;
	eth = data;
	if ((void *)(eth + 1) > (void *)(long)ctx->data_end)
		return cbox_dec_drop(CBOX_C_DROP_ERR);
	cbox_mac_copy(eth->h_dest, cbox_mac);
	if (np != CBOX_NSH_NP_ETH) {
		__builtin_memcpy(eth->h_source, osrc, 6);
		eth->h_proto = bpf_htons(iproto);
	}
	cbox_count(CBOX_STAGE_DEC, CBOX_C_OUT);
	return XDP_PASS;
}

#endif /* CBOX_DEC_BPF_H */
