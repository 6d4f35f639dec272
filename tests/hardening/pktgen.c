// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <string.h>

#include "pktgen.h"

static uint16_t csum_fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static uint32_t csum_add(uint32_t s, const uint8_t *p, uint32_t len)
{
	uint32_t i;

	for (i = 0; i + 1 < len; i += 2)
		s += hh_get16(p + i);
	if (len & 1)
		s += (uint32_t)p[len - 1] << 8;
	return s;
}

static uint32_t put_l4(struct hh_rng *r, uint8_t *p, const struct pg_flow *f)
{
	uint32_t n, plen = hh_below(r, 48), i;

	switch (f->proto) {
	case 6:
		memset(p, 0, 20);
		hh_put16(p, f->sport);
		hh_put16(p + 2, f->dport);
		hh_put32(p + 4, (uint32_t)hh_rand(r));
		p[12] = 5 << 4;
		p[13] = 0x18;
		hh_put16(p + 14, 65535);
		n = 20;
		break;
	case 17:
		hh_put16(p, f->sport);
		hh_put16(p + 2, f->dport);
		hh_put16(p + 4, (uint16_t)(8 + plen));
		hh_put16(p + 6, 0);
		n = 8;
		break;
	case 1:
	case 58:
		p[0] = f->proto == 1 ? 8 : 128;	/* echo request */
		p[1] = 0;
		hh_put16(p + 2, 0);
		hh_put16(p + 4, f->sport);	/* identifier */
		hh_put16(p + 6, 1);
		n = 8;
		break;
	default:
		n = 0;
	}
	for (i = 0; i < plen; i++)
		p[n + i] = (uint8_t)hh_rand(r);
	return n + plen;
}

uint32_t pg_l3(struct hh_rng *r, uint8_t *p, const struct pg_flow *f,
	       bool ip_options)
{
	uint32_t hl, l4;

	if (f->family == 4) {
		uint32_t opt = ip_options ? 4 * (1 + hh_below(r, 10)) : 0, i;

		hl = 20 + opt;
		memset(p, 0, hl);
		p[0] = 0x40 | (uint8_t)(hl / 4);
		hh_put16(p + 4, (uint16_t)hh_rand(r));
		p[6] = 0x40;	/* DF, not a fragment */
		p[8] = 64;
		p[9] = f->proto;
		memcpy(p + 12, f->src, 4);
		memcpy(p + 16, f->dst, 4);
		/* NOPs then an end-of-options: valid, and long */
		for (i = 0; i < opt; i++)
			p[20 + i] = i + 1 == opt ? 0 : 1;
		l4 = put_l4(r, p + hl, f);
		hh_put16(p + 2, (uint16_t)(hl + l4));
		hh_put16(p + 10, csum_fold(csum_add(0, p, hl)));
	} else {
		hl = 40;
		memset(p, 0, hl);
		p[0] = 0x60;
		p[6] = f->proto;
		p[7] = 64;
		memcpy(p + 8, f->src, 16);
		memcpy(p + 24, f->dst, 16);
		l4 = put_l4(r, p + hl, f);
		hh_put16(p + 4, (uint16_t)l4);
	}
	return hl + l4;
}

uint32_t pg_inner(struct hh_rng *r, uint8_t *p, const uint8_t dmac[6],
		  const uint8_t smac[6], const struct pg_flow *f,
		  bool ip_options)
{
	uint32_t off = 12;

	memcpy(p, dmac, 6);
	memcpy(p + 6, smac, 6);
	if (f->vlan) {
		hh_put16(p + 12, 0x8100);
		hh_put16(p + 14, f->vlan & 0x0fff);
		off = 16;
	}
	hh_put16(p + off, f->family == 4 ? 0x0800 : 0x86DD);
	off += 2;
	return off + pg_l3(r, p + off, f, ip_options);
}

void pg_put_nsh(uint8_t *p, const struct pg_nsh *n)
{
	int i;

	hh_put16(p, (uint16_t)((n->ver & 3) << 14 | (n->o & 1) << 13 |
			       (n->u & 1) << 12 | (n->ttl & 0x3f) << 6 |
			       (n->len & 0x3f)));
	p[2] = n->mdtype;
	p[3] = n->np;
	hh_put32(p + 4, (n->spi & 0xffffff) << 8 | n->si);
	for (i = 0; i < 4; i++)
		hh_put32(p + 8 + 4 * i, n->ctx[i]);
}

void pg_get_nsh(const uint8_t *p, struct pg_nsh *n)
{
	uint16_t w = hh_get16(p);
	int i;

	n->ver = w >> 14;
	n->o = (w >> 13) & 1;
	n->u = (w >> 12) & 1;
	n->ttl = (w >> 6) & 0x3f;
	n->len = w & 0x3f;
	n->mdtype = p[2];
	n->np = p[3];
	n->spi = hh_get32(p + 4) >> 8;
	n->si = p[7];
	for (i = 0; i < 4; i++)
		n->ctx[i] = hh_get32(p + 8 + 4 * i);
}

void pg_rand_flow(struct hh_rng *r, struct pg_flow *f)
{
	static const uint8_t protos4[] = { 6, 17, 1, 47 };
	static const uint8_t protos6[] = { 6, 17, 58, 47 };

	memset(f, 0, sizeof(*f));
	f->family = hh_below(r, 3) ? 4 : 6;
	f->proto = f->family == 4 ? protos4[hh_below(r, 4)] :
				    protos6[hh_below(r, 4)];
	if (f->family == 4) {
		/* 10.1.x.x, 10.2.3.x and 192.0.2.x: prefixes the tests use */
		static const uint8_t nets[3][3] = {
			{ 10, 1, 0 }, { 10, 2, 3 }, { 192, 0, 2 } };
		const uint8_t *a = nets[hh_below(r, 3)], *b = nets[hh_below(r, 3)];

		f->src[0] = a[0], f->src[1] = a[1];
		f->src[2] = a[0] == 10 && a[1] == 1 ? hh_below(r, 4) : a[2];
		f->src[3] = hh_below(r, 8);
		f->dst[0] = b[0], f->dst[1] = b[1];
		f->dst[2] = b[0] == 10 && b[1] == 1 ? hh_below(r, 4) : b[2];
		f->dst[3] = hh_below(r, 8);
	} else {
		f->src[0] = 0xfd, f->dst[0] = 0xfd;
		f->src[3] = 1 + hh_below(r, 3);
		f->dst[3] = 1 + hh_below(r, 3);
		f->src[15] = hh_below(r, 4);
		f->dst[15] = hh_below(r, 4);
	}
	if (f->proto == 6 || f->proto == 17) {
		static const uint16_t ports[] = { 80, 85, 90, 91, 5000, 5500,
						  6000, 6001, 53, 443 };

		f->sport = ports[hh_below(r, 10)];
		f->dport = ports[hh_below(r, 10)];
	} else if (f->proto == 1 || f->proto == 58) {
		f->sport = 1 + hh_below(r, 4);	/* echo identifier */
	}
	if (!hh_below(r, 8))
		f->vlan = 1 + hh_below(r, 4094);
}

uint32_t pg_mutate(struct hh_rng *r, uint8_t *p, uint32_t len, uint32_t cap)
{
	uint32_t n = 1 + hh_below(r, 4), i;

	for (i = 0; i < n; i++) {
		switch (hh_below(r, 6)) {
		case 0:	/* flip a bit */
			if (len)
				p[hh_below(r, len)] ^= 1 << hh_below(r, 8);
			break;
		case 1:	/* random byte, biased to the headers */
			if (len)
				p[hh_below(r, len < 80 ? len : 80)] =
					(uint8_t)hh_rand(r);
			break;
		case 2:	/* truncate */
			if (len)
				len = hh_below(r, len + 1);
			break;
		case 3:	/* extend with garbage */
		{
			uint32_t add = hh_below(r, 64), j;

			for (j = 0; j < add && len < cap; j++)
				p[len++] = (uint8_t)hh_rand(r);
			break;
		}
		case 4:	/* interesting 16-bit values at a random offset */
		{
			static const uint16_t v[] = { 0x894F, 0x8100, 0x88a8,
						      0x0800, 0x86DD, 0xffff,
						      0x0000, 0x003f, 0x0fc0 };

			if (len >= 2)
				hh_put16(p + hh_below(r, len - 1),
					 v[hh_below(r, 9)]);
			break;
		}
		default:	/* zero a run */
			if (len) {
				uint32_t o = hh_below(r, len);
				uint32_t k = hh_below(r, len - o + 1);

				memset(p + o, 0, k);
			}
		}
	}
	return len;
}

void pg_flow_key(const struct pg_flow *f, struct cbox_flow *k)
{
	memset(k, 0, sizeof(*k));
	memcpy(k->src, f->src, f->family == 4 ? 4 : 16);
	memcpy(k->dst, f->dst, f->family == 4 ? 4 : 16);
	if (f->proto == 6 || f->proto == 17) {
		k->sport = __builtin_bswap16(f->sport);
		k->dport = __builtin_bswap16(f->dport);
	}
	k->proto = f->proto;
	k->family = f->family;
	k->vlan = __builtin_bswap16(f->vlan & 0x0fff);
}
