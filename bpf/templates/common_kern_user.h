/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The ABI shared by the BPF stages (bpf/templates), the compiler that bakes
 * constants and writes map seeds (compiler/), and the loader that seeds maps
 * and reads counters (runtime/). Plain C types only, so it compiles for BPF
 * and for user space alike. Change a layout here and all three follow; bump
 * CBOX_ABI_VERSION so that an old bundle is refused instead of misread.
 */
#ifndef CBOX_COMMON_KERN_USER_H
#define CBOX_COMMON_KERN_USER_H

#include <linux/types.h>

#define CBOX_ABI_VERSION 1

/* RFC 8300 constants */
#define CBOX_ETH_P_NSH		0x894F
#define CBOX_NSH_MD1_LEN	24	/* base 4 + service path 4 + context 16 */
#define CBOX_NSH_MD1_WORDS	6	/* Length field for MD type 1 */
#define CBOX_ETH_HLEN		14
#define CBOX_ENCAP_LEN		(CBOX_ETH_HLEN + CBOX_NSH_MD1_LEN)	/* 38 */
#define CBOX_NSH_TTL_INIT	63
#define CBOX_SI_INIT		255
#define CBOX_SPI_MAX		0xFFFFFF

/* Masks on the first 16 bits of NSH word 0 (host order after ntohs) */
#define CBOX_NSH_VER_MASK	0xC000
#define CBOX_NSH_O_MASK		0x2000
#define CBOX_NSH_U_MASK		0x1000
#define CBOX_NSH_TTL_MASK	0x0FC0
#define CBOX_NSH_TTL_SHIFT	6
#define CBOX_NSH_LEN_MASK	0x003F

#define CBOX_NSH_MDTYPE_1	0x1
#define CBOX_NSH_MDTYPE_2	0x2

#define CBOX_NSH_NP_IPV4	0x1
#define CBOX_NSH_NP_IPV6	0x2
#define CBOX_NSH_NP_ETH		0x3

/* NSH MD type 1 as on the wire (network byte order throughout). */
struct cbox_nsh {
	__be16 ver_o_u_ttl_len;	/* Ver(2) O(1) U(1) TTL(6) Length(6) */
	__u8 mdtype;		/* U(4) MDType(4) */
	__u8 next_proto;
	__be32 sph;		/* SPI(24) SI(8) */
	__be32 ctx[4];		/* fixed-length context, MD type 1 */
} __attribute__((packed));

/*
 * Forwarding table (per box, BPF_MAP_TYPE_HASH "cbox_fwd").
 * Key: service path header in HOST order, (SPI << 8) | SI, where SI is the
 * value AFTER this box's proxy has decremented it (thesis Figure 5.10: the
 * first SF of chain 100 holds the rule (100, 254)).
 */
struct cbox_fwd_key {
	__u32 sph;
};

#define CBOX_FWD_END	0x1	/* end of chain: strip nothing, send plain */
#define CBOX_FWD_DLINK	0x2	/* next hop is on a direct link (veth) */

struct cbox_fwd_val {
	__u8 mac[6];		/* outer dst MAC of the next hop; for DLINK the
				 * MAC of the veth end in the next box, written
				 * as the inner dst MAC; zero at END */
	__u16 flags;		/* CBOX_FWD_* */
	__u32 ifindex;		/* DLINK: ifindex of the direct-link veth end in
				 * this box's netns; resolved by the loader from
				 * the name in the seed file */
	__u32 peer_box;		/* DLINK: box id of the next box, whose proxy
				 * entry this box writes (see cbox_proxy_key) */
};

/*
 * Proxy table: one LRU per host ("cbox_proxy", pinned at
 * /sys/fs/bpf/cbox/<host>/cbox_proxy), shared by every box of the host so
 * that a box upstream of a direct link can hand the flow's NSH to the box
 * downstream. Keyed by the box id and the inner flow.
 */
struct cbox_flow {
	__u8 src[16];		/* IPv4 in the first 4 bytes, rest zero */
	__u8 dst[16];
	__be16 sport;		/* 0 for protocols without ports */
	__be16 dport;
	__u8 proto;
	__u8 family;		/* 4 or 6 */
	__be16 vlan;		/* 802.1Q TCI & 0x0fff, or 0 */
};

struct cbox_proxy_key {
	__u32 box;		/* per-host box id, baked as cbox_box_id */
	struct cbox_flow flow;
};

struct cbox_proxy_val {
	struct cbox_nsh nsh;	/* as received (SI not yet decremented) */
	__u8 inner_dmac[6];	/* the inner frame's dst MAC as it arrived,
				 * before Dec readdressed it to the box; the
				 * egress stage restores it when the SF left
				 * the frame addressed to the box (an L2-
				 * transparent SF such as tc-redirect) */
	__u16 pad;
};

/*
 * Classifier rules ("cbox_cls_rules", BPF_MAP_TYPE_ARRAY), evaluated in
 * index order; the first match wins. The number of rules is baked into the
 * classifier as cbox_cls_n_rules.
 */
#define CBOX_CLS_F_PROTO	0x01	/* proto must equal rule.proto */
#define CBOX_CLS_F_SRC		0x02	/* src prefix given */
#define CBOX_CLS_F_DST		0x04	/* dst prefix given */
#define CBOX_CLS_F_SPORT	0x08
#define CBOX_CLS_F_DPORT	0x10

struct cbox_cls_rule {
	__u32 flags;		/* CBOX_CLS_F_* */
	__u8 family;		/* 0 any, 4 or 6 (set when a prefix is given) */
	__u8 proto;
	__u8 src_len;		/* prefix lengths in bits */
	__u8 dst_len;
	__u8 src[16];		/* network order, IPv4 in the first 4 bytes */
	__u8 dst[16];
	__u16 sport_lo, sport_hi;	/* host order, inclusive */
	__u16 dport_lo, dport_hi;
	__u32 spi;
	__u8 next_mac[6];	/* MAC of the chain's first box */
	__u16 pad;
};

/*
 * Counters ("cbox_stats", BPF_MAP_TYPE_PERCPU_ARRAY of __u64), one map per
 * box shared by all of its stages. Index = stage * CBOX_C_MAX + counter.
 */
enum cbox_stage {
	CBOX_STAGE_DEC = 0,
	CBOX_STAGE_ENC,
	CBOX_STAGE_FWD,
	CBOX_STAGE_CLS,
	CBOX_STAGE_SF,
	CBOX_STAGE_MAX,
};

enum cbox_counter {
	CBOX_C_IN = 0,		/* frames the stage looked at */
	CBOX_C_OUT,		/* frames it changed and sent on */
	CBOX_C_PASS,		/* frames it let through untouched */
	CBOX_C_DROP_BAD_NSH,	/* malformed or unsupported NSH */
	CBOX_C_DROP_TTL,	/* TTL reached 0 */
	CBOX_C_DROP_SI0,	/* SI 0 */
	CBOX_C_DROP_NO_HOP,	/* no (SPI, SI) entry in cbox_fwd */
	CBOX_C_DROP_NO_PROXY,	/* chain traffic without a saved NSH */
	CBOX_C_DROP_SPOOF,	/* NSH from a MAC that is no expected hop */
	CBOX_C_DROP_OAM,	/* O bit set: no OAM support */
	CBOX_C_DROP_ERR,	/* helper failure (adjust_room, redirect) */
	CBOX_C_MAX,
};

#define CBOX_STATS_ENTRIES	(CBOX_STAGE_MAX * CBOX_C_MAX)

#define CBOX_MAX_PREV_HOPS	32	/* beyond this the check is off */

/*
 * Slot of a key of len bytes (a constant multiple of 4) in a direct-mapped
 * cache of mask + 1 slots (cbox_proxy_cache, cbox_cls_front, cbox_fwd_cache):
 * the key's 8-byte words rotated and XORed (the rotation keeps a flow and
 * its reverse apart), folded to 32 bits, multiplied, and the slot taken from
 * the product's high half. About 5 instructions a word; not a defence
 * against chosen collisions, which only cost cache misses. Here because it
 * is part of the host ABI: a tool that deletes a cbox_proxy entry clears
 * the entry's slot in cbox_proxy_cache too (else the writer that cached it
 * rewrites it only after a tick).
 */
#ifdef __clang__
#define CBOX_UNROLL _Pragma("unroll")
#else
#define CBOX_UNROLL
#endif
static inline __attribute__((always_inline)) __u64
cbox_word_at(const void *key, int i, int size)
{
	const char *p = (const char *)key + i * size;
#ifdef __bpf__
	/* keys are 4-byte aligned; the BPF JIT on the hosts we run on loads
	 * unaligned words fine, a memcpy would become byte loads */
	return size == 8 ? *(const __u64 *)p : *(const __u32 *)p;
#else
	__u64 v8;
	__u32 v4;

	if (size == 8) {
		__builtin_memcpy(&v8, p, 8);
		return v8;
	}
	__builtin_memcpy(&v4, p, 4);
	return v4;
#endif
}

static inline __attribute__((always_inline)) __u32
cbox_slot_of(const void *key, int len, __u32 mask)
{
	__u64 h = 0, x;
	int i;

	CBOX_UNROLL
	for (i = 0; i < len / 8; i++)
		h = ((h << 19) | (h >> 45)) ^ cbox_word_at(key, i, 8);
	if (len % 8)
		h = ((h << 19) | (h >> 45)) ^
		    cbox_word_at(key, len / 4 - 1, 4);
	/* every bit of the 32-bit fold reaches the product's bits 32-63 */
	x = (__u32)(h ^ (h >> 32));
	return (__u32)((x * 0x9E3779B97F4A7C15ULL) >> 32) & mask;
}

#endif /* CBOX_COMMON_KERN_USER_H */
