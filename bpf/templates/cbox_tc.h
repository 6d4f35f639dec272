/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * TC helpers shared by the egress stages and the classifier: pushing and
 * cutting headers at the front of an skb.
 */
#ifndef CBOX_TC_H
#define CBOX_TC_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "cbox_consts.h"

/*
 * Remove len bytes right after the 14-byte Ethernet header. The kernel's
 * bpf_skb_adjust_room() refuses unless skb->protocol is IPv4 or IPv6, and
 * cuts after the skb's idea of the MAC header, which for a frame that an
 * NSH-aware SF sent is not reliably 14 bytes; so the rest of the frame is
 * shifted down in chunks and the tail trimmed. Only the Fwd-only paths that
 * leave NSH behind (end of chain, direct link) need this.
 */
static __always_inline int cbox_skb_cut(struct __sk_buff *skb, __u32 len)
{
	__u8 buf[64];
	__u32 total, i;

	total = skb->len;
	if (skb->gso_size || total > CBOX_STRIP_MAX_LEN ||
	    total < CBOX_ETH_HLEN + len)
		return -1;
	for (i = 0; i < CBOX_STRIP_MAX_LEN / sizeof(buf); i++) {
		__u32 dst = CBOX_ETH_HLEN + i * sizeof(buf);
		__u32 n;

		if (dst + len >= total)
			break;
		n = total - (dst + len);
		if (n > sizeof(buf))
			n = sizeof(buf);
		/* same value, in a form the verifier can bound to [1, 64] */
		n = ((n - 1) & (sizeof(buf) - 1)) + 1;
		if (bpf_skb_load_bytes(skb, dst + len, buf, n) ||
		    bpf_skb_store_bytes(skb, dst, buf, n, 0))
			return -1;
	}
	return bpf_skb_change_tail(skb, total - len, 0);
}

#endif /* CBOX_TC_H */
