/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Traffic generator and counting sink for the benchmarks.
 *
 * tg_tx runs under BPF_PROG_TEST_RUN with BPF_F_TEST_XDP_LIVE_FRAMES: the
 * kernel builds a frame from the template the caller passed, runs the
 * program and really transmits what it returns XDP_TX (out of the ifindex
 * given in the test context) or XDP_REDIRECT. Pages are recycled without
 * being rewritten, so the per-flow source port is written on every run.
 *
 * tg_sink is attached to the receiving interface: it counts the generator's
 * frames per CPU and drops them (or passes them), and passes everything else
 * (ARP, ping) so that the same interface still works for latency tests.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/in.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "trafficgen.h"

/* Set by cbb-tg before load. */
const volatile __u32 tg_redirect_ifindex;	/* 0: XDP_TX */
const volatile __u32 tg_nflows = 1;		/* source ports used, >= 1 */
const volatile __u16 tg_sport_base = TG_DEFAULT_SPORT;
const volatile __u16 tg_dport = TG_DEFAULT_DPORT;
const volatile __u8 tg_sink_pass;		/* sink: pass instead of drop */
const volatile __u8 tg_sink_mac[6];		/* sink: count frames to this MAC */
const volatile __u64 tg_gap_ns;			/* pacing: ns between frames */
const volatile __u64 tg_limit;			/* frames to send; 0: no limit */
/* Ethernet + IPv4 + UDP headers of the template, copied over every frame. */
const volatile __u16 tg_hdr[TG_HDR_LEN / 2];

/* Pacing state: when the next frame is due (one sending CPU). */
__u64 tg_next_ns;

/* Frames may fall this far behind schedule before the pace resets, so that
 * a stall (the kernel's own per-call setup) never turns into a burst. */
#define TG_MAX_LAG_NS 100000ULL

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, TG_C_MAX);
	__type(key, __u32);
	__type(value, __u64);
} tg_counters SEC(".maps");

static __always_inline void count(__u32 idx, __u64 n)
{
	__u64 *v = bpf_map_lookup_elem(&tg_counters, &idx);

	if (v)
		*v += n;
}

static __always_inline struct udphdr *udp_of(void *data, void *data_end)
{
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);
	struct udphdr *udp;

	if ((void *)(ip + 1) > data_end)
		return NULL;
	if (eth->h_proto != bpf_htons(ETH_P_IP) || ip->protocol != IPPROTO_UDP ||
	    ip->ihl != 5)
		return NULL;
	udp = (void *)(ip + 1);
	if ((void *)(udp + 1) > data_end)
		return NULL;
	return udp;
}

SEC("xdp")
int tg_tx(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct udphdr *udp;
	__u32 idx = TG_C_TX_PKTS;
	__u64 *n;

	n = bpf_map_lookup_elem(&tg_counters, &idx);
	if (!n)
		return XDP_ABORTED;
	/*
	 * Each test-run call costs the kernel tens of milliseconds of setup,
	 * so calls must be long; pacing therefore happens here, frame by
	 * frame: a run that is not yet due is dropped (cheap: the page goes
	 * back to the pool) and the kernel immediately runs the next one.
	 */
	if (tg_limit && *n >= tg_limit) {
		count(TG_C_TX_IDLE, 1);
		return XDP_DROP;
	}
	if (tg_gap_ns) {
		__u64 now = bpf_ktime_get_ns();

		if (now < tg_next_ns) {
			count(TG_C_TX_IDLE, 1);
			return XDP_DROP;
		}
		if (now - tg_next_ns > TG_MAX_LAG_NS)
			tg_next_ns = now;
		tg_next_ns += tg_gap_ns;
	}
	if (data + TG_HDR_LEN > data_end)
		return XDP_ABORTED;
	/* word by word: every read must stay volatile, or the compiler folds
	 * in the zeros the object was built with */
#pragma unroll
	for (int i = 0; i < TG_HDR_LEN / 2; i++)
		((__u16 *)data)[i] = tg_hdr[i];
	/*
	 * The template carries a zero UDP checksum (allowed for IPv4), so
	 * the port can change without touching any checksum.
	 */
	if (tg_nflows > 1) {
		udp = data + TG_HDR_LEN - sizeof(*udp);
		udp->source = bpf_htons(tg_sport_base + (__u16)(*n % tg_nflows));
	}
	*n += 1;
	if (tg_redirect_ifindex)
		return bpf_redirect(tg_redirect_ifindex, 0);
	return XDP_TX;
}

static __always_inline int to_sink(const struct ethhdr *eth)
{
	int i;

#pragma unroll
	for (i = 0; i < 6; i++)
		if (eth->h_dest[i] != tg_sink_mac[i])
			return 0;
	return 1;
}

SEC("xdp")
int tg_sink(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct udphdr *udp = udp_of(data, data_end);
	struct ethhdr *eth = data;

	/*
	 * Only frames addressed to this interface count: a bridge floods
	 * frames for MACs it has not learned yet, and those would otherwise
	 * be counted although the stack would discard them.
	 */
	if (!udp || udp->dest != bpf_htons(tg_dport) || !to_sink(eth)) {
		count(TG_C_RX_OTHER, 1);
		return XDP_PASS;
	}
	count(TG_C_RX_PKTS, 1);
	count(TG_C_RX_BYTES, (__u64)(data_end - data));
	return tg_sink_pass ? XDP_PASS : XDP_DROP;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
