// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Experiment: Dec at TC ingress instead of XDP (issue 7). Not a template:
 * it includes the templates' headers, so that the proxy key it writes is
 * the one cbox's egress stage looks up.
 *
 * On an NSH frame for this box it first asks the kernel to strip the outer
 * Ethernet + NSH the obvious ways and records what they return (cbl_rc[]):
 * bpf_skb_adjust_room() in MAC and NET mode and bpf_skb_change_proto()
 * all refuse an skb whose protocol is neither IPv4 nor IPv6, and at TC
 * ingress an NSH frame's skb->protocol is 0x894F (eth_type_trans). So it
 * strips by hand instead: saves the NSH in the proxy table like Dec,
 * moves the inner frame to the front of the buffer in 64-byte chunks, cuts
 * the tail, readdresses the frame to the box and redirects it to the
 * ingress of its own device, where __dev_forward_skb runs eth_type_trans
 * again and the frame arrives as the IPv4/IPv6 frame it now is (on that
 * second pass this program lets it through to the SF's own TC program).
 */
#define CBOX_NEED_PROXY
#include "cbox_maps.h"
#include "cbox_parse.h"
#include <linux/pkt_cls.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

const volatile __u8 cbox_mac[6] = {};
const volatile __u32 cbox_box_id = 0;

/* [0] adjust_room(-strip, MAC), [1] adjust_room(-strip, NET),
 * [2] change_proto(IPv4), [3] frames stripped by hand, [4] failures,
 * [5] frames back from the ingress redirect (skb->protocol re-derived),
 * [6] the pkt_type they came back with, [7] their first 8 bytes,
 * [8] stripped frames whose old tail stayed as padding */
__s64 cbl_rc[9] = {};

#define CBL_MARK 0xcb1dec /* survives the redirect: tells our frames */
#define CHUNK 64
#define MAX_CHUNKS 25 /* 1600 bytes: the underlay MTU plus Ethernet */

SEC("tc")
int cbl_tcdec(struct __sk_buff *skb)
{
	struct cbox_cursor c;
	struct cbox_proxy_key key = {};
	struct cbox_proxy_val val = {};
	struct ethhdr *eth, *ieth;
	struct cbox_nsh *nsh;
	__be16 ovlan = 0;
	__u8 frag = 0, buf[CHUNK];
	__u32 strip, len, off, i;
	int proto, iproto;
	long rc;

	if (skb->protocol != bpf_htons(CBOX_ETH_P_NSH)) {
		if (skb->mark == CBL_MARK) {
			/* our own frame, back from bpf_redirect(BPF_F_INGRESS) */
			__sync_fetch_and_add(&cbl_rc[5], 1);
			cbl_rc[6] = skb->pkt_type;
			bpf_skb_load_bytes(skb, 0, &cbl_rc[7], 8);
			skb->mark = 0;
		}
		return TC_ACT_UNSPEC; /* on to the next filter: the SF */
	}
	if (bpf_skb_pull_data(skb, 0))
		goto fail;
	c.pos = (void *)(long)skb->data;
	c.end = (void *)(long)skb->data_end;
	proto = cbox_parse_eth(&c, &eth, &ovlan);
	if (proto != CBOX_ETH_P_NSH || !cbox_mac_eq(eth->h_dest, cbox_mac))
		return TC_ACT_UNSPEC;
	nsh = c.pos;
	if ((void *)(nsh + 1) > c.end || cbox_nsh_check(nsh) ||
	    nsh->next_proto != CBOX_NSH_NP_ETH)
		goto fail;
	c.pos = nsh + 1;
	iproto = cbox_parse_eth(&c, &ieth, &key.flow.vlan);
	if (iproto < 0)
		goto fail;
	__builtin_memcpy(val.inner_dmac, ieth->h_dest, 6);
	if (cbox_parse_flow(&c, iproto, &key.flow, &frag) != CBOX_FLOW_OK)
		goto fail;
	key.box = cbox_box_id;
	*(struct cbox_nsh_words *)&val.nsh = *(struct cbox_nsh_words *)nsh;
	if (cbox_proxy_put(&key, &val))
		goto fail;
	strip = (void *)(nsh + 1) - (void *)eth;

	/* the ways that would not copy; each refused on this kernel */
	rc = bpf_skb_adjust_room(skb, -(__s32)strip, BPF_ADJ_ROOM_MAC, 0);
	cbl_rc[0] = rc;
	if (rc == 0)
		goto stripped;
	rc = bpf_skb_adjust_room(skb, -(__s32)strip, BPF_ADJ_ROOM_NET, 0);
	cbl_rc[1] = rc;
	cbl_rc[2] = bpf_skb_change_proto(skb, bpf_htons(ETH_P_IP), 0);

	len = skb->len;
	if (len <= strip || strip > 255)
		goto fail;
	len -= strip;
	/* whole chunks, then the rest in constant-size pieces (32, 16, ..
	 * 1): the verifier wants a known size for the stack buffer */
	for (i = 0, off = 0; i < MAX_CHUNKS; i++, off += CHUNK) {
		if (off + CHUNK > len)
			break;
		if (bpf_skb_load_bytes(skb, off + strip, buf, CHUNK) ||
		    bpf_skb_store_bytes(skb, off, buf, CHUNK, 0))
			goto fail;
	}
	if (off + CHUNK <= len)
		goto fail; /* longer than MAX_CHUNKS * CHUNK */
#define PIECE(sz)                                                          \
	if ((len - off) & (sz)) {                                          \
		if (bpf_skb_load_bytes(skb, off + strip, buf, sz) ||        \
		    bpf_skb_store_bytes(skb, off, buf, sz, 0))              \
			goto fail;                                         \
		off += sz;                                                 \
	}
	PIECE(32) PIECE(16) PIECE(8) PIECE(4) PIECE(2) PIECE(1)
#undef PIECE
	/* refused when len is below the skb's transport header offset, which
	 * still counts the NSH the previous hop pushed (small frames): then
	 * the old tail stays, as padding that IP trims by its own length */
	if (bpf_skb_change_tail(skb, len, 0))
		__sync_fetch_and_add(&cbl_rc[8], 1);
stripped:
	{
		__u8 mac[6];

		/* not memcpy: that would fold the .rodata initializer */
		cbox_mac_copy(mac, cbox_mac);
		if (bpf_skb_store_bytes(skb, 0, mac, 6, 0))
			goto fail;
	}
	__sync_fetch_and_add(&cbl_rc[3], 1);
	skb->mark = CBL_MARK;
	return bpf_redirect(skb->ifindex, BPF_F_INGRESS);
fail:
	__sync_fetch_and_add(&cbl_rc[4], 1);
	return TC_ACT_SHOT;
}
