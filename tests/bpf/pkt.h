/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A small packet builder for the BPF fixtures: expected frames are composed
 * from their parts here, independently of the BPF code under test.
 */
#ifndef CBOX_TEST_PKT_H
#define CBOX_TEST_PKT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct pkt {
	uint8_t b[4096];
	size_t len;
};

static inline void put(struct pkt *p, const void *d, size_t n)
{
	memcpy(p->b + p->len, d, n);
	p->len += n;
}

static inline void put8(struct pkt *p, uint8_t v)
{
	p->b[p->len++] = v;
}

static inline void put16(struct pkt *p, uint16_t v)
{
	put8(p, v >> 8);
	put8(p, v & 0xff);
}

static inline void put32(struct pkt *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p, v & 0xffff);
}

static inline void set16(struct pkt *p, size_t off, uint16_t v)
{
	p->b[off] = v >> 8;
	p->b[off + 1] = v & 0xff;
}

static inline void pb_eth(struct pkt *p, const uint8_t *dst,
			  const uint8_t *src, uint16_t type)
{
	put(p, dst, 6);
	put(p, src, 6);
	put16(p, type);
}

/* Overwrites the ethertype just written with a tag and the real type. */
static inline void pb_vlan(struct pkt *p, uint16_t vid, uint16_t type)
{
	set16(p, p->len - 2, 0x8100);
	put16(p, (3 << 13) | vid); /* PCP 3, so the VID mask matters */
	put16(p, type);
}

static inline uint16_t ip_csum(const uint8_t *d, size_t n)
{
	uint32_t s = 0;

	for (size_t i = 0; i + 1 < n; i += 2)
		s += (d[i] << 8) | d[i + 1];
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return ~s & 0xffff;
}

struct flowspec {
	int family;		/* 4 or 6 */
	uint8_t proto;
	uint16_t sport, dport;	/* ICMP: sport is the echo id */
	uint8_t icmp_type;
	int vlan;		/* -1: untagged */
	int ipopt_words;	/* IPv4 options, 4-byte words */
	int frag;		/* 0 none, 1 first fragment, 2 later fragment */
	int v6ext;		/* IPv6: add hop-by-hop + destination options */
	uint8_t a, b;		/* vary the addresses */
	int payload;		/* payload bytes */
};

static inline void pb_l4(struct pkt *p, const struct flowspec *f)
{
	if (f->frag == 2) {	/* a later fragment has no L4 header */
		for (int i = 0; i < 24; i++)
			put8(p, 0xee);
		return;
	}
	switch (f->proto) {
	case 6:
		put16(p, f->sport);
		put16(p, f->dport);
		put32(p, 1000);
		put32(p, 0);
		put16(p, 0x5002);
		put16(p, 65535);
		put32(p, 0);
		break;
	case 17:
		put16(p, f->sport);
		put16(p, f->dport);
		put16(p, 8 + f->payload);
		put16(p, 0);
		break;
	case 1:
	case 58:
		put8(p, f->icmp_type);
		put8(p, 0);
		put16(p, 0);
		put16(p, f->sport);
		put16(p, 1);
		break;
	default:
		put32(p, 0xdeadbeef);
	}
	for (int i = 0; i < f->payload; i++)
		put8(p, (uint8_t)(i * 7 + f->a));
}

/* IP packet (no Ethernet) of the flow. */
static inline void pb_ip(struct pkt *p, const struct flowspec *f)
{
	size_t start = p->len;

	if (f->family == 4) {
		int hl = 5 + f->ipopt_words;

		put8(p, 0x40 | hl);
		put8(p, 0);
		put16(p, 0); /* total length, below */
		put16(p, 0x1234);
		put16(p, f->frag == 1 ? 0x2000 : f->frag == 2 ? 0x0003 : 0x4000);
		put8(p, 64);
		put8(p, f->proto);
		put16(p, 0);
		put8(p, 10), put8(p, 0), put8(p, 1), put8(p, f->a);
		put8(p, 10), put8(p, 0), put8(p, 2), put8(p, f->b);
		for (int i = 0; i < f->ipopt_words; i++)
			put32(p, i == f->ipopt_words - 1 ? 0x01010100 : 0x01010101);
		pb_l4(p, f);
		set16(p, start + 2, p->len - start);
		set16(p, start + 10, ip_csum(p->b + start, hl * 4));
	} else {
		uint8_t src[16] = { 0xfd, 0, 0, 1, [15] = f->a };
		uint8_t dst[16] = { 0xfd, 0, 0, 2, [15] = f->b };
		uint8_t nh = f->proto;

		if (f->frag)
			nh = 44;
		if (f->v6ext)
			nh = 0;
		put32(p, 0x60000000);
		put16(p, 0); /* payload length, below */
		put8(p, nh);
		put8(p, 64);
		put(p, src, 16);
		put(p, dst, 16);
		if (f->v6ext) {
			/* hop-by-hop (8 bytes), destination options (16) */
			put8(p, 60), put8(p, 0), put16(p, 0x0104), put32(p, 0);
			put8(p, f->frag ? 44 : f->proto), put8(p, 1);
			put16(p, 0x0104), put32(p, 0), put32(p, 0x01020000);
			put32(p, 0);
		}
		if (f->frag) {
			put8(p, f->proto), put8(p, 0);
			put16(p, f->frag == 1 ? 0x0001 : 0x0018);
			put32(p, 0xabcd);
		}
		pb_l4(p, f);
		set16(p, start + 4, p->len - start - 40);
	}
}

static inline void pb_frame(struct pkt *p, const uint8_t *dst,
			    const uint8_t *src, const struct flowspec *f)
{
	uint16_t type = f->family == 4 ? 0x0800 : 0x86DD;

	pb_eth(p, dst, src, type);
	if (f->vlan >= 0)
		pb_vlan(p, f->vlan, type);
	pb_ip(p, f);
}

struct nshspec {
	uint8_t ver, o, u, ttl, len, mdtype, np;
	uint32_t spi;
	uint8_t si;
	uint32_t ctx[4];
	int words;	/* words to write after the base header (default 4) */
};

static inline void pb_nsh(struct pkt *p, const struct nshspec *n)
{
	put16(p, (n->ver << 14) | (n->o << 13) | (n->u << 12) |
			 ((n->ttl & 0x3f) << 6) | (n->len & 0x3f));
	put8(p, n->mdtype);
	put8(p, n->np);
	put32(p, (n->spi << 8) | n->si);
	for (int i = 0; i < (n->words ? n->words : 4); i++)
		put32(p, n->ctx[i & 3]);
}

/* A sane MD type 1 header. */
static inline struct nshspec nsh_md1(uint32_t spi, uint8_t si, uint8_t ttl)
{
	struct nshspec n = { .ttl = ttl, .len = 6, .mdtype = 1, .np = 3,
			     .spi = spi, .si = si,
			     .ctx = { 0x11111111, 0x22222222, 0x33333333,
				      spi } };
	return n;
}

static inline void pb_append(struct pkt *p, const struct pkt *inner)
{
	put(p, inner->b, inner->len);
}

#endif
