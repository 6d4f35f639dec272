/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Benchmark harnesses around the stages' inline entry points, built only for
 * bench-stages (never into build/bpf). Each bench object includes one stage
 * template, defines BENCH_TC_STAGE(skb) (TC) or uses cbox_dec_run (XDP),
 * then includes this file.
 *
 * Flows: before every run the harness writes a flow number into the UDP
 * source port at bench_l4_off, cycling through bench_nflows flows, so one
 * test run with a large repeat (XDP live frames) or one bpf_loop of
 * bench_iters iterations (TC) sees as many distinct flows as asked. The
 * baselines do exactly the same writes, so they cancel out.
 *
 * TC has no live-frame mode and a test run reuses one skb for every repeat,
 * so the TC harness repeats the stage itself with bpf_loop and puts the
 * frame back after each run: bpf_skb_store_bytes of the first BENCH_HDR
 * bytes (stages that rewrite headers in place), plus, after a stage that
 * pushed a header, bpf_skb_adjust_room(-pushed) first. The kernel
 * refuses that shrink (-ENOTSUPP) after bpf_skb_change_head, so the bench
 * build of the egress (bench_egress.bpf.c) pushes with
 * bpf_skb_adjust_room(+len, BPF_ADJ_ROOM_MAC) as the classifier does, via
 * the template's CBOX_PUSH_HEAD hook: same work around it, another helper.
 * The shrink cuts after what the kernel takes as the MAC header, but within
 * the first BENCH_HDR + 38 bytes, so rewriting the first BENCH_HDR bytes
 * gives back every header byte and the length.
 *
 * Every run's verdict is compared with bench_expect and its length with the
 * original; bench_bad counts mismatches, and the benchmark fails on any, so
 * a figure can only come from the path it claims to measure.
 */
#ifndef CBOX_BENCH_HARNESS_H
#define CBOX_BENCH_HARNESS_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define BENCH_HDR 52

const volatile __u32 bench_l4_off = 0;	/* offset of the UDP source port */
const volatile __u32 bench_nflows = 1;
const volatile __u32 bench_iters = 1;	/* TC: stage runs per test run */
const volatile __s32 bench_expect = 0;	/* verdict the path must return */

__u32 bench_ctr;	/* next flow number */
__u64 bench_bad;	/* runs that did not take the expected path */
__u64 bench_runs;

static __always_inline int bench_flow(void *data, void *end)
{
	__u16 *sport = data + bench_l4_off;
	__u32 i = bench_ctr;

	if (bench_l4_off > 256 || (void *)(sport + 1) > end)
		return -1;
	*sport = bpf_htons((__u16)i);
	if (++i >= bench_nflows)
		i = 0;
	bench_ctr = i;
	return 0;
}

#ifdef BENCH_XDP
/* The harness drops what the stage passed: in live-frame mode a passed
 * frame would go up the (private) stack, which is not the stage's cost. */
SEC("xdp")
int bench_xdp_stage(struct xdp_md *ctx)
{
	int v;

	if (bench_flow((void *)(long)ctx->data, (void *)(long)ctx->data_end))
		return XDP_ABORTED;
	v = BENCH_XDP_STAGE(ctx);
	bench_runs++;
	if (v != bench_expect)
		bench_bad++;
	return XDP_DROP;
}

SEC("xdp")
int bench_xdp_empty(struct xdp_md *ctx)
{
	if (bench_flow((void *)(long)ctx->data, (void *)(long)ctx->data_end))
		return XDP_ABORTED;
	bench_runs++;
	return XDP_DROP;
}
#endif

#ifdef BENCH_TC_STAGE
struct bench_loop {
	struct __sk_buff *skb;
	__u32 len;	/* original frame length */
	__u32 bad;
	__u8 hdr[BENCH_HDR];	/* original first bytes */
};

/* Puts the frame back as it was before the run. */
static __always_inline int bench_undo(struct __sk_buff *skb,
				      struct bench_loop *b)
{
	__u32 len = skb->len;

	if (len != b->len) {
		if (len < b->len || len - b->len > 64)
			return -1;
		if (bpf_skb_adjust_room(skb, -(__s32)(len - b->len),
					BPF_ADJ_ROOM_MAC, 0) &&
		    bpf_skb_adjust_room(skb, -(__s32)(len - b->len),
					BPF_ADJ_ROOM_NET, 0))
			return -1;
	}
	return bpf_skb_store_bytes(skb, 0, b->hdr, BENCH_HDR, 0);
}

#define BENCH_BASE_STORE 0
#define BENCH_BASE_ADJUST_ROOM 1

static __always_inline long bench_step(struct bench_loop *b, int what)
{
	struct __sk_buff *skb = b->skb;
	int v = bench_expect;

	if (bench_flow((void *)(long)skb->data, (void *)(long)skb->data_end)) {
		b->bad++;
		return 1;
	}
	switch (what) {
	case -1:
		v = BENCH_TC_STAGE(skb);
		break;
	case BENCH_BASE_ADJUST_ROOM:
		if (bpf_skb_adjust_room(skb, 38, BPF_ADJ_ROOM_MAC, 0))
			b->bad++;
		break;
	}
	if (v != bench_expect)
		b->bad++;
	if (bench_undo(skb, b) || skb->len != b->len) {
		b->bad++;
		return 1;
	}
	return 0;
}

static long bench_cb_stage(__u32 i, void *p)
{
	return bench_step(p, -1);
}

static long bench_cb_store(__u32 i, void *p)
{
	return bench_step(p, BENCH_BASE_STORE);
}

static long bench_cb_ar(__u32 i, void *p)
{
	return bench_step(p, BENCH_BASE_ADJUST_ROOM);
}

static __always_inline int bench_tc_run(struct __sk_buff *skb,
					long (*cb)(__u32, void *))
{
	struct bench_loop b = { .skb = skb, .len = skb->len };
	long n;

	if (bpf_skb_load_bytes(skb, 0, b.hdr, BENCH_HDR))
		return 1;
	n = bpf_loop(bench_iters, cb, &b, 0);
	bench_runs += n;
	bench_bad += b.bad + (n != bench_iters);
	return 0;
}

SEC("tc")
int bench_tc_stage(struct __sk_buff *skb)
{
	return bench_tc_run(skb, bench_cb_stage);
}

SEC("tc")
int bench_tc_store(struct __sk_buff *skb)
{
	return bench_tc_run(skb, bench_cb_store);
}

SEC("tc")
int bench_tc_ar(struct __sk_buff *skb)
{
	return bench_tc_run(skb, bench_cb_ar);
}
#endif

#endif /* CBOX_BENCH_HARNESS_H */
