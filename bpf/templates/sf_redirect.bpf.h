/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Sample SFs of the thesis experiments: TC ingress, redirect the frames
 * addressed to this interface to the egress interface whose ifindex the
 * loader put in cbox_sf_cfg[0] (0: back out of the ingress interface
 * itself). Only PACKET_HOST frames: bouncing broadcast, multicast or flooded
 * unknown-unicast frames back into the underlay would make two such SFs on
 * one bridge loop them forever. With CBOX_SF_DELAY the SF first burns
 * cbox_delay_iters iterations of a loop, to stand in for an SF that does
 * work per packet.
 */
#ifndef CBOX_PROG_NAME
#error "sf_redirect.bpf.h: define CBOX_PROG_NAME"
#endif

#define CBOX_NEED_SF_CFG
#include "cbox_maps.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#ifdef CBOX_SF_DELAY
/* Loop length, patched in .rodata by the compiler. */
const volatile __u32 cbox_delay_iters = CBOX_DELAY_ITERS;

/* bpf_loop keeps any iteration count verifiable; the accumulator lives on
 * the caller's stack and is passed to a helper, so the work cannot be
 * optimised away. */
static long cbox_delay_step(__u32 i, void *ctx)
{
	__u64 *acc = ctx;

	*acc = *acc * 6364136223846793005ULL + i;
	return 0;
}
#endif

SEC("tc")
int CBOX_PROG_NAME(struct __sk_buff *skb)
{
	__u32 zero = 0, *ifindex;

	cbox_count(CBOX_STAGE_SF, CBOX_C_IN);
	if (skb->pkt_type != 0 /* PACKET_HOST */) {
		cbox_count(CBOX_STAGE_SF, CBOX_C_PASS);
		return CBOX_TC_ACT_OK;
	}
#ifdef CBOX_SF_DELAY
	{
		__u64 acc = skb->len;

		bpf_loop(cbox_delay_iters, cbox_delay_step, &acc, 0);
		/* keep the result: a mark nobody reads, but the compiler and
		 * verifier must assume someone does */
		if (acc == 1)
			skb->mark = (__u32)acc;
	}
#endif
	ifindex = bpf_map_lookup_elem(&cbox_sf_cfg, &zero);
	if (!ifindex) {
		cbox_count(CBOX_STAGE_SF, CBOX_C_DROP_ERR);
		return CBOX_TC_ACT_SHOT;
	}
	cbox_count(CBOX_STAGE_SF, CBOX_C_OUT);
	return bpf_redirect(*ifindex ? *ifindex : skb->ifindex, 0);
}
