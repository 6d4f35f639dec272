// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Hostile packets through every real stage object with BPF_PROG_TEST_RUN.
 *
 * Each stage gets a mix of random bytes, well-formed frames and mutated
 * well-formed frames from a deterministic PRNG. For every frame the safety
 * invariants must hold (allowed verdicts, no RFC 8300 violation in what
 * comes out, non-chain traffic byte-identical); for frames built without
 * mutation ("clean") the exact expected result is computed here, from the
 * table entries this program seeded, and compared.
 *
 *   pktfuzz OBJDIR [-n FRAMES_PER_STAGE] [-s SEED] [-v]
 *
 * Exit 0 when no invariant was violated; 1 otherwise.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <linux/bpf.h>
#include <linux/pkt_cls.h>

#include "hh.h"
#include "pktgen.h"

#define MAX_REPORT 20

static const uint8_t box_mac[6] = { 0x02, 0xcb, 0, 0, 0, 0x01 };
static const uint8_t egr_mac[6] = { 0x02, 0xcb, 0, 0, 0, 0x0e };
static const uint8_t prev1[6] = { 0x02, 0xcb, 0, 0, 0, 0xa1 };
static const uint8_t prev2[6] = { 0x02, 0xcb, 0, 0, 0, 0xa2 };
static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

static int verbose;

struct tally {
	const char *stage;
	uint64_t frames, clean, kernel_refused, violations;
	uint64_t verdicts[8];	/* 0 ok/aborted, ... by stage meaning */
	uint64_t changed, identical, dropped;
};

static void violation(struct tally *t, const char *why, const uint8_t *in,
		      uint32_t in_len, int verdict, const uint8_t *out,
		      uint32_t out_len)
{
	t->violations++;
	if (t->violations > MAX_REPORT)
		return;
	fprintf(stderr, "VIOLATION %s frame %llu: %s (verdict %d)\n", t->stage,
		(unsigned long long)t->frames, why, verdict);
	hh_hexdump("in", in, in_len);
	hh_hexdump("out", out, out_len);
}

static bool same(const uint8_t *a, uint32_t al, const uint8_t *b, uint32_t bl)
{
	return al == bl && !memcmp(a, b, al);
}

static void rand_mac(struct hh_rng *r, uint8_t *m)
{
	int i;

	for (i = 0; i < 6; i++)
		m[i] = (uint8_t)hh_rand(r);
	m[0] &= 0xfe;
}

/* Where the NSH starts if the frame is NSH over Ethernet (optionally behind
 * one VLAN tag, 802.1Q or 802.1ad), else 0. */
static uint32_t nsh_off(const uint8_t *p, uint32_t len)
{
	if (len < 14)
		return 0;
	if (hh_get16(p + 12) == CBOX_ETH_P_NSH)
		return 14;
	if (len >= 18 &&
	    (hh_get16(p + 12) == 0x8100 || hh_get16(p + 12) == 0x88a8) &&
	    hh_get16(p + 16) == CBOX_ETH_P_NSH)
		return 18;
	return 0;
}

/* Offset of the L3 header of an Ethernet frame (behind at most one VLAN
 * tag), 0 when the frame is too short. */
static uint32_t inner_l3(const uint8_t *p, uint32_t len)
{
	if (len < 14)
		return 0;
	if (hh_get16(p + 12) == 0x8100 || hh_get16(p + 12) == 0x88a8)
		return len >= 18 ? 18 : 0;
	return 14;
}

/* BPF_PROG_TEST_RUN of an skb program refuses frames whose IP header is
 * cut short (the kernel reads it before the program runs). */
static bool tc_refusable(const uint8_t *p, uint32_t len)
{
	if (len < 14)
		return true;
	if (hh_get16(p + 12) == 0x0800)
		return len < 14 + 20;
	if (hh_get16(p + 12) == 0x86DD)
		return len < 14 + 40;
	return false;
}

/* RFC 8300 rules on a header that a stage sends on (or decapsulates). */
static const char *nsh_bad(const struct pg_nsh *n)
{
	if (n->ver)
		return "NSH version is not 0";
	if ((n->mdtype & 0xf) != CBOX_NSH_MDTYPE_1)
		return "MD type is not 1";
	if (n->len != CBOX_NSH_MD1_WORDS)
		return "MD type 1 with Length != 6";
	if (n->np < 1 || n->np > 3)
		return "next protocol not IPv4/IPv6/Ethernet";
	if (!n->ttl)
		return "TTL 0";
	if (!n->si)
		return "SI 0";
	return NULL;
}

static void rand_nsh(struct hh_rng *r, struct pg_nsh *n, bool valid)
{
	int i;

	memset(n, 0, sizeof(*n));
	n->ttl = hh_below(r, 4) ? 1 + hh_below(r, 63) : hh_below(r, 3);
	n->si = hh_below(r, 4) ? 1 + hh_below(r, 255) : hh_below(r, 3);
	n->len = CBOX_NSH_MD1_WORDS;
	n->mdtype = CBOX_NSH_MDTYPE_1;
	n->np = CBOX_NSH_NP_ETH;
	n->spi = 1 + hh_below(r, 50);
	for (i = 0; i < 4; i++)
		n->ctx[i] = (uint32_t)hh_rand(r);
	if (valid)
		return;
	switch (hh_below(r, 8)) {
	case 0: n->ver = 1 + hh_below(r, 3); break;
	case 1: n->o = 1; break;
	case 2: n->len = hh_below(r, 64); break;
	case 3: n->mdtype = hh_below(r, 16) | (hh_below(r, 2) ? 0x10 : 0); break;
	case 4: n->np = hh_below(r, 256); break;
	case 5: n->u = 1; break;
	case 6: n->ttl = 0; break;
	default: n->si = 0;
	}
}

/* ------------------------------------------------------------------ Dec */

struct dec_cfg {
	struct hh_stage st;
	bool check_prev;
};

static int dec_setup(struct dec_cfg *c, const char *objdir, bool prev)
{
	uint8_t hops[CBOX_MAX_PREV_HOPS][6] = { { 0 } };
	uint32_t n = prev ? 2 : 0, id = 1;

	memcpy(hops[0], prev1, 6);
	memcpy(hops[1], prev2, 6);
	c->check_prev = prev;
	if (hh_open(&c->st, objdir, "dec.bpf.o", prev ? "dec(prev)" : "dec") ||
	    hh_set_const(&c->st, "cbox_mac", box_mac, 6) ||
	    hh_set_const(&c->st, "cbox_box_id", &id, 4) ||
	    hh_set_const(&c->st, "cbox_prev_hops", hops, sizeof(hops)) ||
	    hh_set_const(&c->st, "cbox_n_prev_hops", &n, 4) ||
	    hh_load(&c->st, "cbox_dec"))
		return -1;
	return 0;
}

static bool src_ok(const struct dec_cfg *c, const uint8_t *src)
{
	return !c->check_prev || !memcmp(src, prev1, 6) ||
	       !memcmp(src, prev2, 6);
}

static void dec_one(struct dec_cfg *c, struct hh_rng *r, struct tally *t)
{
	uint8_t in[HH_FRAME_MAX], out[HH_FRAME_MAX], dmac[6], smac[6];
	uint32_t len = 0, out_len = 0, off, hdr;
	struct pg_flow f;
	struct pg_nsh n, got;
	bool clean = false, is_nsh = false;
	int verdict, kind = hh_below(r, 100), err;

	pg_rand_flow(r, &f);
	memcpy(dmac, box_mac, 6);
	memcpy(smac, hh_below(r, 2) ? prev1 : prev2, 6);
	if (kind < 10) {	/* random bytes */
		len = hh_below(r, 200);
		for (uint32_t i = 0; i < len; i++)
			in[i] = (uint8_t)hh_rand(r);
	} else if (kind < 25) {	/* plain traffic: must pass untouched */
		if (hh_below(r, 3) == 0)
			rand_mac(r, dmac);
		len = pg_inner(r, in, dmac, smac, &f, hh_below(r, 4) == 0);
		clean = true;
	} else {		/* NSH */
		bool valid = kind < 75;

		if (kind >= 90) {	/* not for us, or spoofed */
			if (hh_below(r, 2))
				memcpy(dmac, hh_below(r, 2) ? bcast : prev1, 6);
			else
				rand_mac(r, smac);
		}
		rand_nsh(r, &n, valid);
		if (valid && hh_below(r, 6) == 0)
			n.np = 1 + hh_below(r, 2);
		if (n.np == 1 || n.np == 2)
			f.family = n.np == 1 ? 4 : 6, f.vlan = 0,
			f.proto = f.family == 4 ? 6 : 17;
		memcpy(in, dmac, 6);
		memcpy(in + 6, smac, 6);
		off = 12;
		if (hh_below(r, 10) == 0) {
			hh_put16(in + 12, 0x8100);
			hh_put16(in + 14, 1 + hh_below(r, 4094));
			off = 16;
		}
		hh_put16(in + off, CBOX_ETH_P_NSH);
		hdr = off + 2;
		pg_put_nsh(in + hdr, &n);
		if (n.np == 1 || n.np == 2)
			len = hdr + 24 + pg_l3(r, in + hdr + 24, &f, false);
		else
			len = hdr + 24 + pg_inner(r, in + hdr + 24,
						  bcast, prev1, &f,
						  hh_below(r, 4) == 0);
		/* the inner frame's MACs: something the SF would not expect */
		if (n.np == 3)
			rand_mac(r, in + hdr + 24);
		clean = true;
		is_nsh = true;
	}
	if (clean && hh_below(r, 2)) {
		len = pg_mutate(r, in, len, sizeof(in) - 64);
		clean = false;
	}

	t->frames++;
	err = hh_run(&c->st, in, len, &verdict, out, &out_len);
	if (err) {
		/* the kernel refuses frames shorter than an Ethernet header */
		if (len >= 14)
			violation(t, "test run failed on a full frame", in, len,
				  err, out, 0);
		t->kernel_refused++;
		return;
	}
	if (verdict >= 0 && verdict < 8)
		t->verdicts[verdict]++;
	if (verdict != XDP_PASS && verdict != XDP_DROP) {
		violation(t, "verdict outside {XDP_PASS, XDP_DROP}", in, len,
			  verdict, out, out_len);
		return;
	}
	if (verdict == XDP_DROP)
		t->dropped++;

	off = nsh_off(in, len);
	if (!off || memcmp(in, box_mac, 6)) {
		/* not NSH for this box: must pass byte-identical */
		if (verdict != XDP_PASS || !same(in, len, out, out_len))
			violation(t, off ? "NSH for another MAC not passed untouched" :
					   "non-NSH frame not passed untouched",
				  in, len, verdict, out, out_len);
		else
			t->identical++;
		return;
	}
	if (verdict == XDP_PASS && !same(in, len, out, out_len)) {
		const char *bad;

		t->changed++;
		if (len < off + 24) {
			violation(t, "truncated NSH decapsulated", in, len,
				  verdict, out, out_len);
			return;
		}
		pg_get_nsh(in + off, &got);
		bad = nsh_bad(&got);
		if (!bad && got.o)
			bad = "O bit set (no OAM support) but decapsulated";
		if (!bad && !src_ok(c, in + 6))
			bad = "NSH from an unexpected previous hop decapsulated";
		if (!bad && (out_len < 14 || memcmp(out, box_mac, 6)))
			bad = "decapsulated frame not readdressed to the box";
		if (!bad && got.np == 3 &&
		    (out_len != len - off - 24 ||
		     memcmp(out + 6, in + off + 24 + 6, out_len - 6)))
			bad = "inner Ethernet frame altered beyond its dst MAC";
		if (!bad && got.np != 3 &&
		    (out_len != len - off - 24 + 14 ||
		     memcmp(out + 14, in + off + 24, out_len - 14) ||
		     hh_get16(out + 12) != (got.np == 1 ? 0x0800 : 0x86DD)))
			bad = "synthesized inner frame does not carry the IP packet";
		if (bad)
			violation(t, bad, in, len, verdict, out, out_len);
	} else if (verdict == XDP_PASS) {
		t->identical++;
	}

	if (!clean || !is_nsh)
		return;
	t->clean++;
	/* exact expectation for a clean NSH frame addressed to this box */
	{
		/* unassigned bits (U, the high nibble of the MD type byte)
		 * are ignored by receivers (RFC 8300 section 2.2) */
		bool accept = !nsh_bad(&n) && !n.o && src_ok(c, smac);
		bool md2 = (n.mdtype & 0xf) == CBOX_NSH_MDTYPE_2;

		if (md2)	/* documented either way: not asserted */
			return;
		if (!accept && verdict != XDP_DROP)
			violation(t, "invalid or unexpected NSH not dropped",
				  in, len, verdict, out, out_len);
		if (accept && (verdict != XDP_PASS ||
			       same(in, len, out, out_len)))
			violation(t, "valid NSH from an expected hop not decapsulated",
				  in, len, verdict, out, out_len);
		if (accept && verdict == XDP_PASS && c->st.proxy_fd >= 0) {
			struct cbox_proxy_key k;
			struct cbox_proxy_val v;

			memset(&k, 0, sizeof(k));
			k.box = 1;
			pg_flow_key(&f, &k.flow);
			if (f.proto != 6 && f.proto != 17)
				return;	/* ICMP keying is the stage's choice */
			if (bpf_map_lookup_elem(c->st.proxy_fd, &k, &v))
				violation(t, "no proxy entry for the decapsulated flow",
					  in, len, verdict, out, out_len);
			else if (memcmp(&v.nsh, in + off, 24))
				violation(t, "proxy entry does not hold the NSH as received",
					  in, len, verdict, out, out_len);
		}
	}
}

/* --------------------------------------------------------------- Egress */

#define EG_FLOWS 40

struct eg_entry {
	struct pg_flow f;
	struct pg_nsh n;
	uint8_t inner_dmac[6];
	int action;		/* 0 fwd, 1 end, 2 dlink, 3 missing */
	uint8_t hop_mac[6];
};

struct eg_cfg {
	struct hh_stage st;
	struct hh_stage sff;	/* enc.bpf.o variant: fwd.bpf.o runs next */
	bool pipe;
	struct eg_entry e[EG_FLOWS];
};

/* One frame through the egress hook: the merged stage, or the thesis-style
 * pair of tc filters (Enc returns TC_ACT_UNSPEC, then Fwd runs). */
static int eg_run(const struct eg_cfg *c, const uint8_t *in, uint32_t len,
		  int *verdict, uint8_t *out, uint32_t *out_len)
{
	static uint8_t mid[HH_FRAME_MAX];
	uint32_t mid_len;
	int err;

	if (!c->pipe)
		return hh_run(&c->st, in, len, verdict, out, out_len);
	err = hh_run(&c->st, in, len, verdict, mid, &mid_len);
	if (err)
		return err;
	if (*verdict != TC_ACT_UNSPEC) {
		memcpy(out, mid, mid_len);
		*out_len = mid_len;
		return 0;
	}
	err = hh_run(&c->sff, mid, mid_len, verdict, out, out_len);
	/* the kernel refusing Fwd's input is Enc's output being cut short */
	return err ? -EPROTO : 0;
}

static void seeded_flow(struct hh_rng *r, struct pg_flow *f, int i)
{
	static const uint8_t protos[] = { 6, 17, 47 };

	memset(f, 0, sizeof(*f));
	f->family = i % 3 ? 4 : 6;
	f->proto = protos[i % 3 == 0 ? hh_below(r, 3) : (uint32_t)(i % 2)];
	/* 198.51.100.0/24 and fd00:ee::/32: never drawn by pg_rand_flow */
	if (f->family == 4) {
		f->src[0] = 198, f->src[1] = 51, f->src[2] = 100;
		f->src[3] = (uint8_t)i;
		f->dst[0] = 198, f->dst[1] = 51, f->dst[2] = 100;
		f->dst[3] = 200;
	} else {
		f->src[0] = 0xfd, f->src[2] = 0xee, f->src[15] = (uint8_t)i;
		f->dst[0] = 0xfd, f->dst[2] = 0xee, f->dst[15] = 0xc8;
	}
	if (f->proto != 47) {
		f->sport = 1024 + i;
		f->dport = 80;
	}
	if (i % 7 == 3)
		f->vlan = 100 + i;
}

static int put_fwd(int fd, uint32_t spi, uint8_t si, const uint8_t *mac,
		   uint16_t flags, uint32_t ifindex, uint32_t peer)
{
	struct cbox_fwd_key k = { .sph = spi << 8 | si };
	struct cbox_fwd_val v;

	memset(&v, 0, sizeof(v));
	if (mac)
		memcpy(v.mac, mac, 6);
	v.flags = flags;
	v.ifindex = ifindex;
	v.peer_box = peer;
	return bpf_map_update_elem(fd, &k, &v, BPF_ANY);
}

static int eg_setup(struct eg_cfg *c, const char *objdir, struct hh_rng *r,
		    bool pipe)
{
	uint32_t id = 1, enc = 1;
	int i;

	c->pipe = pipe;
	if (hh_open(&c->st, objdir, pipe ? "enc.bpf.o" : "egress.bpf.o",
		    pipe ? "enc+sff" : "egress") ||
	    hh_set_const(&c->st, "cbox_box_id", &id, 4) ||
	    hh_set_const_opt(&c->st, "cbox_enc_enabled", &enc, 4) ||
	    hh_set_const(&c->st, "cbox_mac", box_mac, 6) ||
	    hh_set_const(&c->st, "cbox_egress_mac", egr_mac, 6) ||
	    hh_set_max_entries(&c->st, "cbox_proxy", 65536) ||
	    hh_load(&c->st, pipe ? "cbox_enc" : "cbox_egress"))
		return -1;
	if (pipe && (hh_open(&c->sff, objdir, "fwd.bpf.o", "sff") ||
		     hh_set_const_opt(&c->sff, "cbox_box_id", &id, 4) ||
		     hh_set_const_opt(&c->sff, "cbox_mac", box_mac, 6) ||
		     hh_set_const_opt(&c->sff, "cbox_egress_mac", egr_mac, 6) ||
		     hh_reuse_map(&c->sff, "cbox_fwd", c->st.fwd_fd) ||
		     hh_load(&c->sff, "cbox_sff")))
		return -1;
	for (i = 0; i < EG_FLOWS; i++) {
		struct eg_entry *e = &c->e[i];
		struct cbox_proxy_key k;
		struct cbox_proxy_val v;
		static const uint8_t ttls[] = { 0, 1, 2, 63 };
		static const uint8_t sis[] = { 1, 2, 255 };

		seeded_flow(r, &e->f, i);
		rand_nsh(r, &e->n, true);
		e->n.spi = 1000 + i;
		e->n.ttl = i % 3 ? 2 + hh_below(r, 62) : ttls[i / 3 % 4];
		e->n.si = i % 4 ? 2 + hh_below(r, 254) : sis[i / 4 % 3];
		e->n.o = i % 13 == 5;
		/* a stored NP 1/2 (Dec synthesized the Ethernet header) must
		 * still go out as NP 3: egress pushes a whole Ethernet frame */
		if (i % 11 == 4)
			e->n.np = 1 + i % 2;
		uint8_t dm[6] = { 0x02, 0xee, 0, 0, 0, (uint8_t)i };

		memcpy(e->inner_dmac, dm, 6);
		e->action = i % 5 == 4 ? 3 : i % 5 == 3 ? 2 : i % 5 == 2 ? 1 : 0;
		memset(&k, 0, sizeof(k));
		k.box = 1;
		pg_flow_key(&e->f, &k.flow);
		memset(&v, 0, sizeof(v));
		pg_put_nsh((uint8_t *)&v.nsh, &e->n);
		memcpy(v.inner_dmac, e->inner_dmac, 6);
		if (bpf_map_update_elem(c->st.proxy_fd, &k, &v, BPF_ANY))
			return -1;
		e->hop_mac[0] = 0x02;
		e->hop_mac[1] = e->action == 2 ? 0xdd : 0xfd;
		e->hop_mac[5] = (uint8_t)i;
		if (e->action == 0 &&
		    put_fwd(c->st.fwd_fd, e->n.spi, e->n.si - 1, e->hop_mac, 0,
			    0, 0))
			return -1;
		if (e->action == 1 &&
		    put_fwd(c->st.fwd_fd, e->n.spi, e->n.si - 1, NULL,
			    CBOX_FWD_END, 0, 0))
			return -1;
		if (e->action == 2 &&
		    put_fwd(c->st.fwd_fd, e->n.spi, e->n.si - 1, e->hop_mac,
			    CBOX_FWD_DLINK, 1, 100 + i))
			return -1;
	}
	return 0;
}

static const struct eg_entry *eg_by_spi(const struct eg_cfg *c, uint32_t spi)
{
	return spi >= 1000 && spi < 1000 + EG_FLOWS ? &c->e[spi - 1000] : NULL;
}

/* Removes the proxy entries that DLINK hand-offs wrote for the peer boxes,
 * so that the table never fills up during a long run. */
static void eg_sweep(struct eg_cfg *c)
{
	struct cbox_proxy_key k, next, del[512];
	int n = 0, i;
	void *prev = NULL;

	while (!bpf_map_get_next_key(c->st.proxy_fd, prev, &next)) {
		if (next.box != 1 && n < 512)
			del[n++] = next;
		k = next;
		prev = &k;
	}
	for (i = 0; i < n; i++)
		hh_proxy_forget(&c->st, &del[i]);
}

static void eg_one(struct eg_cfg *c, struct hh_rng *r, struct tally *t)
{
	uint8_t in[HH_FRAME_MAX], out[HH_FRAME_MAX], smac[6];
	uint32_t len = 0, out_len = 0;
	const struct eg_entry *e = NULL, *oe;
	struct pg_flow f;
	struct pg_nsh n, got;
	bool clean = false;
	int verdict, kind = hh_below(r, 100), err;
	const char *bad = NULL;

	rand_mac(r, smac);
	if (kind < 10) {
		len = hh_below(r, 200);
		for (uint32_t i = 0; i < len; i++)
			in[i] = (uint8_t)hh_rand(r);
	} else if (kind < 70) {	/* chain traffic leaving the SF */
		e = &c->e[hh_below(r, EG_FLOWS)];
		f = e->f;
		uint8_t dm[6];

		if (hh_below(r, 10) < 7)
			memcpy(dm, box_mac, 6);	/* L2-transparent SF */
		else
			rand_mac(r, dm);	/* a router SF readdressed it */
		len = pg_inner(r, in, dm, smac, &f, hh_below(r, 4) == 0);
		clean = true;
	} else if (kind < 90) {	/* the SF's own traffic: no proxy entry */
		pg_rand_flow(r, &f);
		len = pg_inner(r, in, box_mac, smac, &f, hh_below(r, 4) == 0);
		clean = true;
	} else {		/* NSH frames at the egress of a legacy SF */
		rand_nsh(r, &n, hh_below(r, 2));
		pg_rand_flow(r, &f);
		memcpy(in, prev1, 6);
		memcpy(in + 6, smac, 6);
		hh_put16(in + 12, CBOX_ETH_P_NSH);
		pg_put_nsh(in + 14, &n);
		len = 38 + pg_inner(r, in + 38, box_mac, smac, &f, false);
	}
	if (hh_below(r, 2)) {
		len = pg_mutate(r, in, len, sizeof(in) - 64);
		clean = false;
	}

	t->frames++;
	err = eg_run(c, in, len, &verdict, out, &out_len);
	if (err) {
		if (err == -EPROTO || !tc_refusable(in, len))
			violation(t, "test run failed on a full frame", in, len,
				  err, out, 0);
		t->kernel_refused++;
		return;
	}
	if (verdict >= 0 && verdict < 8)
		t->verdicts[verdict]++;
	if (verdict != TC_ACT_OK && verdict != TC_ACT_SHOT &&
	    verdict != TC_ACT_REDIRECT) {
		violation(t, "verdict outside {OK, SHOT, REDIRECT}", in, len,
			  verdict, out, out_len);
		return;
	}
	if (verdict == TC_ACT_SHOT) {
		t->dropped++;
	} else if (same(in, len, out, out_len)) {
		t->identical++;
		if (verdict == TC_ACT_REDIRECT)
			bad = "redirected a frame without readdressing it";
	} else if (out_len >= CBOX_ENCAP_LEN &&
		   hh_get16(out + 12) == CBOX_ETH_P_NSH &&
		   (len < 14 || hh_get16(in + 12) != CBOX_ETH_P_NSH)) {
		t->changed++;
		pg_get_nsh(out + 14, &got);
		oe = eg_by_spi(c, got.spi);
		bad = nsh_bad(&got);
		if (!bad && !oe)
			bad = "encapsulated with an SPI no proxy entry holds";
		/* NP 3 carries the whole frame; NP 1/2 (the NSH arrived so and
		 * Dec synthesized the Ethernet header) carry the IP packet */
		if (!bad && got.np == CBOX_NSH_NP_ETH &&
		    (out_len != len + CBOX_ENCAP_LEN ||
		     memcmp(out + 38 + 12, in + 12, len - 12)))
			bad = "NP 3 but the payload is not the inner frame";
		if (!bad && got.np != CBOX_NSH_NP_ETH) {
			uint32_t l3 = inner_l3(in, len);

			if (!l3 || hh_get16(in + l3 - 2) !=
					   (got.np == 1 ? 0x0800 : 0x86DD))
				bad = "NP 1/2 but the frame does not carry that IP version";
			else if (out_len != len - l3 + CBOX_ENCAP_LEN ||
				 memcmp(out + 38, in + l3, len - l3))
				bad = "NP 1/2 but the payload is not the IP packet";
			else if (got.np != oe->n.np)
				bad = "NP 1/2 sent although the NSH arrived with NP 3";
		}
		if (!bad && oe->n.ttl < 2)
			bad = "forwarded although TTL reached 0";
		if (!bad && oe->n.si < 2)
			bad = "forwarded although SI reached 0";
		if (!bad && (got.ttl != oe->n.ttl - 1 || got.si != oe->n.si - 1))
			bad = "TTL/SI not decremented by exactly 1";
		if (!bad && got.o != oe->n.o)
			bad = "O bit not preserved";
		if (!bad && memcmp(got.ctx, oe->n.ctx, 16))
			bad = "MD1 context not preserved";
		if (!bad && (oe->action != 0 || memcmp(out, oe->hop_mac, 6)))
			bad = "outer dst is not the next hop of the fwd entry";
		if (!bad && memcmp(out + 6, egr_mac, 6))
			bad = "outer src is not the box's egress MAC";
		if (!bad && verdict != TC_ACT_OK)
			bad = "encapsulated frame not sent with TC_ACT_OK";
	} else if (out_len == len && !memcmp(out + 12, in + 12, len - 12)) {
		t->changed++;
		if (verdict == TC_ACT_REDIRECT) {	/* direct link */
			oe = out[1] == 0xdd && out[5] < EG_FLOWS ?
				     &c->e[out[5]] : NULL;
			if (!oe || oe->action != 2 ||
			    memcmp(out, oe->hop_mac, 6))
				bad = "redirected to a MAC no DLINK entry names";
			else if (oe->n.ttl < 2 || oe->n.si < 2)
				bad = "handed off over a direct link with TTL or SI reaching 0";
		} else {				/* end of chain */
			oe = out[1] == 0xee && out[5] < EG_FLOWS ?
				     &c->e[out[5]] : NULL;
			if (oe && (oe->action != 1 || oe->n.si < 2))
				bad = "left the chain plain without an END rule";
			if (!oe && memcmp(out, in, 6))
				bad = "dst MAC changed to nothing a proxy entry holds";
			if (!bad && memcmp(out + 6, in + 6, 6) &&
			    memcmp(out + 6, egr_mac, 6))
				bad = "src MAC changed to something else than the egress MAC";
		}
	} else {
		bad = "output is neither the input, an encapsulation of it, nor a readdressed copy";
	}
	if (bad) {
		violation(t, bad, in, len, verdict, out, out_len);
		return;
	}
	if (!clean)
		return;
	t->clean++;
	if (!e) {	/* no proxy entry: pass untouched */
		if (verdict != TC_ACT_OK || !same(in, len, out, out_len))
			violation(t, "frame of no chain not passed untouched", in,
				  len, verdict, out, out_len);
		return;
	}
	/* exact expectation from the seeded entry */
	{
		int want;
		bool dst_box = !memcmp(in, box_mac, 6);

		if (e->n.si < 2 || e->action == 3)
			want = TC_ACT_SHOT;
		else if (e->action == 1)
			want = TC_ACT_OK;
		else if (e->n.ttl < 2)
			want = TC_ACT_SHOT;
		else
			want = e->action == 2 ? TC_ACT_REDIRECT : TC_ACT_OK;
		if (e->n.o && verdict == TC_ACT_SHOT)
			return;	/* OAM: dropping is fine too */
		if (verdict != want) {
			violation(t, "verdict differs from the seeded tables' answer",
				  in, len, verdict, out, out_len);
			return;
		}
		if (want == TC_ACT_SHOT)
			return;
		if (e->action == 0 && e->n.np == CBOX_NSH_NP_ETH &&
		    (out_len != len + 38 ||
		     memcmp(out + 38, dst_box ? e->inner_dmac : in, 6)))
			violation(t, "encapsulated inner dst MAC not restored",
				  in, len, verdict, out, out_len);
		if (e->action == 1 &&
		    memcmp(out, dst_box ? e->inner_dmac : in, 6))
			violation(t, "plain exit: inner dst MAC not restored", in,
				  len, verdict, out, out_len);
		if (e->action == 2) {
			struct cbox_proxy_key k;
			struct cbox_proxy_val v;

			memset(&k, 0, sizeof(k));
			k.box = 100 + (uint32_t)(e - c->e);
			pg_flow_key(&e->f, &k.flow);
			if (bpf_map_lookup_elem(c->st.proxy_fd, &k, &v)) {
				violation(t, "DLINK: no proxy entry for the next box",
					  in, len, verdict, out, out_len);
				return;
			}
			pg_get_nsh((uint8_t *)&v.nsh, &got);
			if (got.spi != e->n.spi || got.si != e->n.si - 1 ||
			    got.ttl != e->n.ttl - 1 || got.o != e->n.o ||
			    memcmp(got.ctx, e->n.ctx, 16) || nsh_bad(&got))
				violation(t, "DLINK: next box's NSH is not SI-1/TTL-1 of ours",
					  in, len, verdict, out, out_len);
			hh_proxy_forget(&c->st, &k);
		}
	}
}

/* ------------------------------------------------------------ Fwd only */

#define FO_KEYS 24

struct fo_key {
	uint32_t spi;
	uint8_t si;
	int action;	/* 0 fwd, 1 end, 3 missing */
	uint8_t mac[6];
};

struct fo_cfg {
	struct hh_stage st;
	struct fo_key k[FO_KEYS];
};

/* sff: the separate Fwd object (fwd.bpf.o, program cbox_sff) instead of
 * the merged egress object with cbox_enc_enabled = 0. */
static int fo_setup(struct fo_cfg *c, const char *objdir, struct hh_rng *r,
		    bool sff)
{
	uint32_t id = 2, enc = 0;
	int i;

	if (hh_open(&c->st, objdir, sff ? "fwd.bpf.o" : "egress.bpf.o",
		    sff ? "sff" : "fwd-only") ||
	    hh_set_const_opt(&c->st, "cbox_box_id", &id, 4) ||
	    hh_set_const_opt(&c->st, "cbox_enc_enabled", &enc, 4) ||
	    hh_set_const_opt(&c->st, "cbox_mac", box_mac, 6) ||
	    hh_set_const(&c->st, "cbox_egress_mac", egr_mac, 6) ||
	    hh_load(&c->st, sff ? "cbox_sff" : "cbox_egress"))
		return -1;
	for (i = 0; i < FO_KEYS; i++) {
		struct fo_key *k = &c->k[i];

		k->spi = 2000 + i;
		k->si = i == 0 ? 0 : 1 + hh_below(r, 255);
		k->action = i % 4 == 3 ? 3 : i % 4 == 2 ? 1 : 0;
		k->mac[0] = 0x02, k->mac[1] = 0xfe, k->mac[5] = (uint8_t)i;
		if (k->action == 0 &&
		    put_fwd(c->st.fwd_fd, k->spi, k->si, k->mac, 0, 0, 0))
			return -1;
		if (k->action == 1 &&
		    put_fwd(c->st.fwd_fd, k->spi, k->si, NULL, CBOX_FWD_END, 0,
			    0))
			return -1;
	}
	return 0;
}

static void fo_one(struct fo_cfg *c, struct hh_rng *r, struct tally *t)
{
	uint8_t in[HH_FRAME_MAX], out[HH_FRAME_MAX], smac[6];
	uint32_t len = 0, out_len = 0;
	const struct fo_key *key = NULL;
	struct pg_flow f;
	struct pg_nsh n, got, was;
	bool clean = false, nsh = false;
	int verdict, kind = hh_below(r, 100), err;
	const char *bad = NULL;

	rand_mac(r, smac);
	pg_rand_flow(r, &f);
	if (kind < 15) {
		len = hh_below(r, 200);
		for (uint32_t i = 0; i < len; i++)
			in[i] = (uint8_t)hh_rand(r);
	} else if (kind < 35) {	/* the SF's own plain traffic */
		len = pg_inner(r, in, prev1, smac, &f, false);
		clean = true;
	} else {
		rand_nsh(r, &n, kind < 80);
		key = &c->k[hh_below(r, FO_KEYS)];
		n.spi = key->spi;
		if (hh_below(r, 4))
			n.si = key->si;
		memcpy(in, box_mac, 6);
		memcpy(in + 6, smac, 6);
		hh_put16(in + 12, CBOX_ETH_P_NSH);
		pg_put_nsh(in + 14, &n);
		len = 38 + pg_inner(r, in + 38, bcast, smac, &f, false);
		clean = nsh = true;
	}
	if (hh_below(r, 2)) {
		len = pg_mutate(r, in, len, sizeof(in) - 64);
		clean = false;
	}

	t->frames++;
	err = hh_run(&c->st, in, len, &verdict, out, &out_len);
	if (err) {
		if (!tc_refusable(in, len))
			violation(t, "test run failed on a full frame", in, len,
				  err, out, 0);
		t->kernel_refused++;
		return;
	}
	if (verdict >= 0 && verdict < 8)
		t->verdicts[verdict]++;
	if (verdict != TC_ACT_OK && verdict != TC_ACT_SHOT) {
		violation(t, "verdict outside {OK, SHOT}", in, len, verdict,
			  out, out_len);
		return;
	}
	if (len >= 38)
		pg_get_nsh(in + 14, &was);
	if (verdict == TC_ACT_SHOT) {
		t->dropped++;
	} else if (len < 14 || hh_get16(in + 12) != CBOX_ETH_P_NSH) {
		if (!same(in, len, out, out_len))
			bad = "non-NSH frame not passed untouched";
		else
			t->identical++;
	} else if (same(in, len, out, out_len)) {
		if (len >= 38)
			bad = "NSH frame sent on without a TTL decrement";
		t->identical++;
	} else if (len >= 38 && out_len == len &&
		   hh_get16(out + 12) == CBOX_ETH_P_NSH) {
		const struct fo_key *k = NULL;

		t->changed++;
		pg_get_nsh(out + 14, &got);
		for (int i = 0; i < FO_KEYS; i++)
			if (c->k[i].spi == got.spi && c->k[i].si == got.si)
				k = &c->k[i];
		bad = nsh_bad(&got);
		if (!bad && nsh_bad(&was))
			bad = "invalid NSH forwarded";
		if (!bad && was.o)
			bad = "O bit set (no OAM support) but forwarded";
		if (!bad && (was.ttl < 2 || got.ttl != was.ttl - 1))
			bad = "TTL not decremented by exactly 1, or from 1";
		if (!bad && (got.si != was.si || got.spi != was.spi))
			bad = "service path header changed by the SFF";
		if (!bad && (got.o != was.o || got.np != was.np ||
			     got.mdtype != was.mdtype || got.u != was.u ||
			     memcmp(got.ctx, was.ctx, 16)))
			bad = "NSH fields other than TTL changed";
		if (!bad && (!k || k->action != 0 || memcmp(out, k->mac, 6)))
			bad = "outer dst is not the fwd entry's next hop";
		if (!bad && memcmp(out + 38, in + 38, len - 38))
			bad = "inner frame altered";
	} else if (len >= 38 && (out_len == len - 38 ||
				 (out_len == len - 24 && (was.np == 1 || was.np == 2)))) {
		const struct fo_key *k = NULL;

		t->changed++;
		for (int i = 0; i < FO_KEYS; i++)
			if (c->k[i].spi == was.spi && c->k[i].si == was.si)
				k = &c->k[i];
		bad = nsh_bad(&was);
		if (!bad && was.o)
			bad = "O bit set (no OAM support) but decapsulated";
		if (!bad && (!k || k->action != 1))
			bad = "decapsulated without an END rule";
		/* NP 3: the inner frame goes on; NP 1/2: the IP packet goes on
		 * behind an Ethernet header of the right type */
		if (!bad && was.np == CBOX_NSH_NP_ETH &&
		    (out_len != len - 38 ||
		     memcmp(out + 12, in + 38 + 12, out_len - 12)))
			bad = "inner frame altered beyond its MACs";
		if (!bad && was.np != CBOX_NSH_NP_ETH &&
		    (out_len != len - 24 ||
		     hh_get16(out + 12) != (was.np == 1 ? 0x0800 : 0x86DD) ||
		     memcmp(out + 14, in + 38, out_len - 14)))
			bad = "NP 1/2 end of chain: not the IP packet behind Ethernet";
	} else {
		bad = "output is neither the input, a forwarded NSH nor the inner frame";
	}
	if (bad) {
		violation(t, bad, in, len, verdict, out, out_len);
		return;
	}
	if (!clean)
		return;
	t->clean++;
	if (!nsh) {
		if (verdict != TC_ACT_OK || !same(in, len, out, out_len))
			violation(t, "plain frame not passed untouched", in, len,
				  verdict, out, out_len);
		return;
	}
	{
		const struct fo_key *k = NULL;
		int want;

		for (int i = 0; i < FO_KEYS; i++)
			if (c->k[i].spi == n.spi && c->k[i].si == n.si)
				k = &c->k[i];
		if ((n.mdtype & 0xf) == CBOX_NSH_MDTYPE_2 || n.u)
			return;	/* documented either way */
		if (nsh_bad(&n) || n.o || n.ttl < 2 || !k || k->action == 3)
			want = TC_ACT_SHOT;
		else
			want = TC_ACT_OK;
		if (verdict != want)
			violation(t, "verdict differs from the seeded table's answer",
				  in, len, verdict, out, out_len);
	}
}

/* ----------------------------------------------------------- Classifier */

struct cls_ref {
	uint32_t flags;
	uint8_t family, proto, src_len, dst_len;
	uint8_t src[16], dst[16];
	uint16_t sp_lo, sp_hi, dp_lo, dp_hi;
	uint32_t spi;
};

static const struct cls_ref cls_rules[] = {
	{ CBOX_CLS_F_PROTO | CBOX_CLS_F_DST | CBOX_CLS_F_DPORT, 4, 6, 0, 16,
	  { 0 }, { 10, 1 }, 0, 0, 80, 90, 3000 },
	{ CBOX_CLS_F_PROTO | CBOX_CLS_F_SRC, 6, 17, 32, 0,
	  { 0xfd, 0, 0, 1 }, { 0 }, 0, 0, 0, 0, 3001 },
	{ CBOX_CLS_F_SRC, 4, 0, 24, 0, { 10, 2, 3 }, { 0 }, 0, 0, 0, 0, 3002 },
	{ CBOX_CLS_F_PROTO, 0, 1, 0, 0, { 0 }, { 0 }, 0, 0, 0, 0, 3003 },
	{ CBOX_CLS_F_DST, 6, 0, 0, 128, { 0 },
	  { 0xfd, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 }, 0, 0, 0, 0,
	  3004 },
	{ CBOX_CLS_F_PROTO | CBOX_CLS_F_SPORT, 0, 17, 0, 0, { 0 }, { 0 },
	  5000, 6000, 0, 0, 3005 },
};

#define N_CLS (sizeof(cls_rules) / sizeof(cls_rules[0]))

static void cls_next_mac(int i, uint8_t *m)
{
	uint8_t v[6] = { 0x02, 0xcb, 0, 0, 0x10, (uint8_t)i };

	memcpy(m, v, 6);
}

static int cls_setup(struct hh_stage *st, const char *objdir)
{
	uint32_t n = N_CLS, i;

	if (hh_open(st, objdir, "classifier.bpf.o", "classifier") ||
	    hh_set_const(st, "cbox_cls_n_rules", &n, 4) ||
	    hh_set_max_entries(st, "cbox_cls_rules", N_CLS) ||
	    hh_load(st, "cbox_classify"))
		return -1;
	for (i = 0; i < N_CLS; i++) {
		const struct cls_ref *c = &cls_rules[i];
		struct cbox_cls_rule v;

		memset(&v, 0, sizeof(v));
		v.flags = c->flags;
		v.family = c->family;
		v.proto = c->proto;
		v.src_len = c->src_len;
		v.dst_len = c->dst_len;
		memcpy(v.src, c->src, 16);
		memcpy(v.dst, c->dst, 16);
		v.sport_lo = c->sp_lo, v.sport_hi = c->sp_hi;
		v.dport_lo = c->dp_lo, v.dport_hi = c->dp_hi;
		v.spi = c->spi;
		cls_next_mac(i, v.next_mac);
		if (bpf_map_update_elem(st->cls_fd, &i, &v, BPF_ANY))
			return -1;
	}
	return 0;
}

static bool prefix_has(const uint8_t *pfx, uint8_t bits, const uint8_t *a)
{
	uint8_t i;

	for (i = 0; i < bits; i++)
		if ((pfx[i / 8] ^ a[i / 8]) & (0x80 >> (i % 8)))
			return false;
	return true;
}

/* Independent reference: first matching rule, or -1. */
static int cls_match(const struct pg_flow *f)
{
	bool ports = f->proto == 6 || f->proto == 17;
	size_t i;

	for (i = 0; i < N_CLS; i++) {
		const struct cls_ref *c = &cls_rules[i];

		if (c->family && c->family != f->family)
			continue;
		if ((c->flags & CBOX_CLS_F_PROTO) && c->proto != f->proto)
			continue;
		if ((c->flags & CBOX_CLS_F_SRC) &&
		    !prefix_has(c->src, c->src_len, f->src))
			continue;
		if ((c->flags & CBOX_CLS_F_DST) &&
		    !prefix_has(c->dst, c->dst_len, f->dst))
			continue;
		if ((c->flags & CBOX_CLS_F_SPORT) &&
		    (!ports || f->sport < c->sp_lo || f->sport > c->sp_hi))
			continue;
		if ((c->flags & CBOX_CLS_F_DPORT) &&
		    (!ports || f->dport < c->dp_lo || f->dport > c->dp_hi))
			continue;
		return (int)i;
	}
	return -1;
}

static void cls_one(struct hh_stage *st, struct hh_rng *r, struct tally *t)
{
	uint8_t in[HH_FRAME_MAX], out[HH_FRAME_MAX], smac[6], dmac[6];
	uint32_t len = 0, out_len = 0;
	struct pg_flow f;
	struct pg_nsh got;
	bool clean = false;
	int verdict, kind = hh_below(r, 100), err, rule = -1;
	const char *bad = NULL;

	rand_mac(r, smac);
	rand_mac(r, dmac);
	pg_rand_flow(r, &f);
	if (kind < 10) {
		len = hh_below(r, 200);
		for (uint32_t i = 0; i < len; i++)
			in[i] = (uint8_t)hh_rand(r);
	} else if (kind < 15) {	/* ARP-like: not IP */
		memcpy(in, bcast, 6);
		memcpy(in + 6, smac, 6);
		hh_put16(in + 12, 0x0806);
		len = 42;
		memset(in + 14, 0, 28);
		clean = true;
	} else {
		len = pg_inner(r, in, dmac, smac, &f, hh_below(r, 4) == 0);
		clean = !f.vlan;	/* VLAN handling is the stage's choice */
		rule = clean ? cls_match(&f) : -1;
	}
	if (hh_below(r, 2)) {
		len = pg_mutate(r, in, len, sizeof(in) - 64);
		clean = false;
	}

	t->frames++;
	err = hh_run(st, in, len, &verdict, out, &out_len);
	if (err) {
		if (!tc_refusable(in, len))
			violation(t, "test run failed on a full frame", in, len,
				  err, out, 0);
		t->kernel_refused++;
		return;
	}
	if (verdict >= 0 && verdict < 8)
		t->verdicts[verdict]++;
	if (verdict != TC_ACT_OK && verdict != TC_ACT_SHOT) {
		violation(t, "verdict outside {OK, SHOT}", in, len, verdict,
			  out, out_len);
		return;
	}
	if (verdict == TC_ACT_SHOT) {
		t->dropped++;
	} else if (same(in, len, out, out_len)) {
		t->identical++;
	} else if (out_len == len + 38 && hh_get16(out + 12) == CBOX_ETH_P_NSH) {
		int i, hit = -1;
		uint8_t m[6];

		t->changed++;
		pg_get_nsh(out + 14, &got);
		for (i = 0; i < (int)N_CLS; i++)
			if (cls_rules[i].spi == got.spi)
				hit = i;
		if (hit >= 0)
			cls_next_mac(hit, m);
		if (got.ver || got.o || got.u || got.ttl != 63 || got.len != 6 ||
		    got.mdtype != 1 || got.np != 3 || got.si != 255 ||
		    got.ctx[0] || got.ctx[1] || got.ctx[2] || got.ctx[3])
			bad = "classifier NSH is not Ver 0, TTL 63, Length 6, MD 1, NP 3, SI 255, zero context";
		else if (hit < 0)
			bad = "SPI of no rule";
		else if (memcmp(out, m, 6))
			bad = "outer dst is not the rule's next MAC";
		else if (memcmp(out + 38, in, len))
			bad = "inner frame altered";
	} else {
		bad = "output is neither the input nor its encapsulation";
	}
	if (bad) {
		violation(t, bad, in, len, verdict, out, out_len);
		return;
	}
	if (!clean)
		return;
	t->clean++;
	if (rule < 0) {
		if (verdict != TC_ACT_OK || !same(in, len, out, out_len))
			violation(t, "frame matching no rule not passed untouched",
				  in, len, verdict, out, out_len);
	} else if (out_len != len + 38 ||
		   hh_get32(out + 18) >> 8 != cls_rules[rule].spi) {
		violation(t, "not classified by the first matching rule", in, len,
			  verdict, out, out_len);
	}
}

/* ----------------------------------------------------------------- main */

static void report(struct tally *t, const struct hh_stage *st,
		   const struct hh_stage *st2, double secs)
{
	uint64_t counted = hh_drops(st) + (st2 && st2->obj ? hh_drops(st2) : 0);

	printf("  %-10s frames=%llu clean=%llu changed=%llu identical=%llu "
	       "dropped=%llu refused=%llu violations=%llu  %.2fs (%.0f ns/frame)\n",
	       t->stage, (unsigned long long)t->frames,
	       (unsigned long long)t->clean, (unsigned long long)t->changed,
	       (unsigned long long)t->identical,
	       (unsigned long long)t->dropped,
	       (unsigned long long)t->kernel_refused,
	       (unsigned long long)t->violations, secs,
	       t->frames ? secs * 1e9 / t->frames : 0);
	if (verbose) {
		hh_print_counters(st);
		if (st2 && st2->obj)
			hh_print_counters(st2);
	}
	/* every drop must show up in some drop counter */
	if (counted != t->dropped) {
		fprintf(stderr,
			"VIOLATION %s: %llu drops but the drop counters sum to %llu\n",
			t->stage, (unsigned long long)t->dropped,
			(unsigned long long)counted);
		hh_print_counters(st);
		if (st2 && st2->obj)
			hh_print_counters(st2);
		t->violations++;
	}
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	uint64_t count = 200000, seed = 0xcb0c5eedULL, i, total = 0, frames = 0;
	const char *only = NULL;	/* -o: one stage, for development */
	struct tally td = { .stage = "dec" }, tdp = { .stage = "dec(prev)" },
		     te = { .stage = "egress" }, tp = { .stage = "enc+sff" },
		     tf = { .stage = "fwd-only" }, ts = { .stage = "sff" },
		     tc = { .stage = "classifier" };
	struct tally *all[] = { &td, &tdp, &te, &tp, &tf, &ts, &tc };
	static struct dec_cfg dec, decp;
	static struct eg_cfg eg, egp;
	static struct fo_cfg fo, fs;
	static struct hh_stage cls;
	struct hh_rng r;
	const char *objdir;
	double t0;
	int opt;

	while ((opt = getopt(argc, argv, "n:s:vo:")) != -1) {
		switch (opt) {
		case 'n': count = strtoull(optarg, NULL, 0); break;
		case 's': seed = strtoull(optarg, NULL, 0); break;
		case 'v': verbose = 1; break;
		case 'o': only = optarg; break;
		default:
			fprintf(stderr, "usage: %s OBJDIR [-n FRAMES] [-s SEED] [-v] [-o STAGE]\n",
				argv[0]);
			return 2;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "usage: %s OBJDIR [-n FRAMES] [-s SEED] [-v] [-o STAGE]\n",
			argv[0]);
		return 2;
	}
	objdir = argv[optind];
	r.s = seed ? seed : 1;
#define WANT(s) (!only || !strcmp(only, s))
	if ((WANT("dec") && (dec_setup(&dec, objdir, false) ||
			     dec_setup(&decp, objdir, true))) ||
	    (WANT("egress") && eg_setup(&eg, objdir, &r, false)) ||
	    (WANT("enc") && eg_setup(&egp, objdir, &r, true)) ||
	    (WANT("fwd") && fo_setup(&fo, objdir, &r, false)) ||
	    (WANT("sff") && fo_setup(&fs, objdir, &r, true)) ||
	    (WANT("cls") && cls_setup(&cls, objdir))) {
		fprintf(stderr, "pktfuzz: setting up the stages failed\n");
		return 1;
	}
	printf("pktfuzz: seed 0x%llx, %llu frames per stage\n",
	       (unsigned long long)seed, (unsigned long long)count);

	if (WANT("dec")) {
		t0 = now();
		for (i = 0; i < count; i++)
			dec_one(i & 1 ? &decp : &dec, &r, i & 1 ? &tdp : &td);
		report(&td, &dec.st, NULL, (now() - t0) / 2);
		report(&tdp, &decp.st, NULL, (now() - t0) / 2);
	}
	if (WANT("egress")) {
		t0 = now();
		for (i = 0; i < count; i++) {
			eg_one(&eg, &r, &te);
			if ((i & 4095) == 4095)
				eg_sweep(&eg);
		}
		report(&te, &eg.st, NULL, now() - t0);
	}
	if (WANT("enc")) {
		t0 = now();
		for (i = 0; i < count; i++) {
			eg_one(&egp, &r, &tp);
			if ((i & 4095) == 4095)
				eg_sweep(&egp);
		}
		report(&tp, &egp.st, &egp.sff, now() - t0);
	}
	if (WANT("fwd")) {
		t0 = now();
		for (i = 0; i < count; i++)
			fo_one(&fo, &r, &tf);
		report(&tf, &fo.st, NULL, now() - t0);
	}
	if (WANT("sff")) {
		t0 = now();
		for (i = 0; i < count; i++)
			fo_one(&fs, &r, &ts);
		report(&ts, &fs.st, NULL, now() - t0);
	}
	if (WANT("cls")) {
		t0 = now();
		for (i = 0; i < count; i++)
			cls_one(&cls, &r, &tc);
		report(&tc, &cls, NULL, now() - t0);
	}

	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		total += all[i]->violations;
		frames += all[i]->frames;
	}
	printf("pktfuzz: %llu frames, %llu violations\n",
	       (unsigned long long)frames, (unsigned long long)total);
	if (dec.st.obj)
		hh_close(&dec.st), hh_close(&decp.st);
	if (eg.st.obj)
		hh_close(&eg.st);
	if (egp.st.obj)
		hh_close(&egp.st);
	if (egp.sff.obj)
		hh_close(&egp.sff);
	if (fo.st.obj)
		hh_close(&fo.st);
	if (fs.st.obj)
		hh_close(&fs.st);
	if (cls.obj)
		hh_close(&cls);
	return total ? 1 : 0;
}
