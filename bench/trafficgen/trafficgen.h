/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Shared between the traffic generator's BPF programs and cbb-tg: the layout
 * of the counter maps. Plain C types so that both sides compile it.
 */
#ifndef CBB_TRAFFICGEN_H
#define CBB_TRAFFICGEN_H

/* Indexes of tg_counters (BPF_MAP_TYPE_PERCPU_ARRAY of __u64). */
enum tg_counter {
	TG_C_TX_PKTS = 0,	/* frames the generator program sent on */
	TG_C_TX_IDLE,		/* runs dropped to keep the pace or limit */
	TG_C_RX_PKTS,		/* sink: generator frames counted */
	TG_C_RX_BYTES,		/* sink: their bytes (L2, no FCS) */
	TG_C_RX_OTHER,		/* sink: other frames, passed to the stack */
	TG_C_MAX,
};

/* UDP destination port of generated frames; the sink counts only these. */
#define TG_DEFAULT_DPORT	9
#define TG_DEFAULT_SPORT	10000

/* Ethernet 14 + IPv4 20 (no options) + UDP 8 */
#define TG_HDR_LEN		42

#endif /* CBB_TRAFFICGEN_H */
