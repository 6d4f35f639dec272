/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Passes every frame. Attached to the veth peer that receives cbb-tg's
 * frames: a veth accepts XDP-transmitted frames only while its peer runs
 * NAPI, which an XDP program turns on without enabling GRO (GRO would merge
 * TCP segments into GSO packets that cannot be NSH-encapsulated).
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int tg_pass(struct xdp_md *ctx)
{
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
