// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Data-plane safety tests on the real stage objects (BPF_PROG_TEST_RUN):
 *
 *   spoof  NSH from a MAC that is not an expected previous hop is dropped
 *          and counted (CBOX_C_DROP_SPOOF); from an expected hop it passes.
 *   loop   two boxes whose forwarding entries point at each other (a
 *          looping spec, or a forged SPI/SI): the packet dies by TTL within
 *          63 hops, both for NSH-aware boxes (Fwd only) and for proxied
 *          legacy boxes (Dec -> SF -> Enc+Fwd), and CBOX_C_DROP_TTL says so.
 *   flood  10x the proxy table size in distinct flows: every new flow still
 *          gets an entry (LRU, no wedged table), live flows keep working,
 *          and the counters show what happened to the evicted ones.
 *
 *   dpsafety OBJDIR [spoof|loop|flood]...
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/bpf.h>
#include <linux/pkt_cls.h>

#include "hh.h"
#include "pktgen.h"

static const uint8_t mac_a[6] = { 0x02, 0xcb, 0, 0, 0, 0x0a };
static const uint8_t mac_b[6] = { 0x02, 0xcb, 0, 0, 0, 0x0b };
static const uint8_t hop1[6] = { 0x02, 0xcb, 0, 0, 0, 0xa1 };
static const uint8_t hop2[6] = { 0x02, 0xcb, 0, 0, 0, 0xa2 };
static const uint8_t stranger[6] = { 0x02, 0x66, 0x66, 0, 0, 0x01 };
static const uint8_t client[6] = { 0x02, 0xc1, 0, 0, 0, 0x01 };

static int failures;

#define CHECK(cond, ...)                                                   \
	do {                                                               \
		if (!(cond)) {                                             \
			fprintf(stderr, "FAIL %s:%d: ", __func__, __LINE__); \
			fprintf(stderr, __VA_ARGS__);                      \
			fprintf(stderr, "\n");                             \
			failures++;                                        \
			goto out;                                          \
		}                                                          \
	} while (0)

/* NSH MD1 frame: outer dst/src, NSH (spi, si, ttl), inner frame of flow f */
static uint32_t nsh_frame(uint8_t *p, const uint8_t *dst, const uint8_t *src,
			  uint32_t spi, uint8_t si, uint8_t ttl,
			  const struct pg_flow *f, struct hh_rng *r)
{
	struct pg_nsh n;

	memset(&n, 0, sizeof(n));
	n.ttl = ttl;
	n.len = CBOX_NSH_MD1_WORDS;
	n.mdtype = CBOX_NSH_MDTYPE_1;
	n.np = CBOX_NSH_NP_ETH;
	n.spi = spi;
	n.si = si;
	n.ctx[0] = 0xc0ffee;
	memcpy(p, dst, 6);
	memcpy(p + 6, src, 6);
	hh_put16(p + 12, CBOX_ETH_P_NSH);
	pg_put_nsh(p + 14, &n);
	return 38 + pg_inner(r, p + 38, mac_b, client, f, false);
}

static void udp_flow(struct pg_flow *f, uint32_t i)
{
	memset(f, 0, sizeof(*f));
	f->family = 4;
	f->proto = 17;
	f->src[0] = 10, f->src[1] = 9, f->src[2] = (uint8_t)(i >> 8);
	f->src[3] = (uint8_t)i;
	f->dst[0] = 10, f->dst[1] = 9, f->dst[2] = 255, f->dst[3] = 1;
	f->sport = (uint16_t)(1024 + i);
	f->dport = 4789;
}

static int put_fwd(int fd, uint32_t spi, uint8_t si, const uint8_t *mac,
		   uint16_t flags)
{
	struct cbox_fwd_key k = { .sph = spi << 8 | si };
	struct cbox_fwd_val v;

	memset(&v, 0, sizeof(v));
	if (mac)
		memcpy(v.mac, mac, 6);
	v.flags = flags;
	return bpf_map_update_elem(fd, &k, &v, BPF_ANY);
}

static int dec_open(struct hh_stage *st, const char *objdir, const char *name,
		    const uint8_t *mac, uint32_t box, const uint8_t *hops,
		    uint32_t n_hops)
{
	uint8_t h[CBOX_MAX_PREV_HOPS][6] = { { 0 } };

	memcpy(h, hops, 6 * n_hops);
	if (hh_open(st, objdir, "dec.bpf.o", name) ||
	    hh_set_const(st, "cbox_mac", mac, 6) ||
	    hh_set_const(st, "cbox_box_id", &box, 4) ||
	    hh_set_const(st, "cbox_prev_hops", h, sizeof(h)) ||
	    hh_set_const(st, "cbox_n_prev_hops", &n_hops, 4))
		return -1;
	return 0;
}

static int egress_open(struct hh_stage *st, const char *objdir,
		       const char *name, const uint8_t *mac, uint32_t box,
		       uint32_t enc)
{
	if (hh_open(st, objdir, "egress.bpf.o", name) ||
	    hh_set_const(st, "cbox_box_id", &box, 4) ||
	    hh_set_const(st, "cbox_enc_enabled", &enc, 4) ||
	    hh_set_const(st, "cbox_mac", mac, 6) ||
	    hh_set_const(st, "cbox_egress_mac", mac, 6))
		return -1;
	return 0;
}

/* ---------------------------------------------------------------- spoof */

static void test_spoof(const char *objdir)
{
	uint8_t hops[2][6], in[HH_FRAME_MAX], out[HH_FRAME_MAX];
	struct hh_stage st = { 0 }, open = { 0 };
	struct hh_rng r = { 42 };
	struct pg_flow f;
	uint32_t len, out_len;
	int v;

	memcpy(hops[0], hop1, 6);
	memcpy(hops[1], hop2, 6);
	udp_flow(&f, 1);
	CHECK(!dec_open(&st, objdir, "dec(2 hops)", mac_a, 1, &hops[0][0], 2) &&
		      !hh_load(&st, "cbox_dec"),
	      "cannot load dec");
	CHECK(!dec_open(&open, objdir, "dec(no check)", mac_a, 1, NULL, 0) &&
		      !hh_load(&open, "cbox_dec"),
	      "cannot load dec");

	len = nsh_frame(in, mac_a, stranger, 100, 255, 63, &f, &r);
	CHECK(!hh_run(&st, in, len, &v, out, &out_len), "test run");
	CHECK(v == XDP_DROP, "NSH from a stranger MAC: verdict %d, want DROP", v);
	CHECK(hh_counter(&st, CBOX_STAGE_DEC, CBOX_C_DROP_SPOOF) == 1,
	      "DROP_SPOOF = %llu, want 1",
	      (unsigned long long)hh_counter(&st, CBOX_STAGE_DEC,
					     CBOX_C_DROP_SPOOF));
	/* a spoofed frame must not plant a proxy entry either */
	{
		struct cbox_proxy_key k;
		struct cbox_proxy_val pv;

		memset(&k, 0, sizeof(k));
		k.box = 1;
		pg_flow_key(&f, &k.flow);
		CHECK(bpf_map_lookup_elem(st.proxy_fd, &k, &pv),
		      "spoofed NSH left a proxy entry");
	}
	len = nsh_frame(in, mac_a, hop2, 100, 255, 63, &f, &r);
	CHECK(!hh_run(&st, in, len, &v, out, &out_len), "test run");
	CHECK(v == XDP_PASS && out_len == len - 38,
	      "NSH from an expected hop: verdict %d len %u, want PASS, decapsulated",
	      v, out_len);
	CHECK(hh_counter(&st, CBOX_STAGE_DEC, CBOX_C_DROP_SPOOF) == 1,
	      "DROP_SPOOF moved on a legitimate frame");
	/* with the check off (prev hops unknown), the stranger passes */
	len = nsh_frame(in, mac_a, stranger, 100, 255, 63, &f, &r);
	CHECK(!hh_run(&open, in, len, &v, out, &out_len), "test run");
	CHECK(v == XDP_PASS && out_len == len - 38,
	      "check off: verdict %d, want PASS", v);
	/* a thousand spoofed frames, a thousand counts */
	for (int i = 0; i < 1000; i++) {
		uint8_t src[6] = { 0x02, 0x66, (uint8_t)(i >> 8), (uint8_t)i, 1, 2 };

		len = nsh_frame(in, mac_a, src, 100 + i, 255, 63, &f, &r);
		CHECK(!hh_run(&st, in, len, &v, out, &out_len) && v == XDP_DROP,
		      "spoofed frame %d not dropped", i);
	}
	CHECK(hh_counter(&st, CBOX_STAGE_DEC, CBOX_C_DROP_SPOOF) == 1001,
	      "DROP_SPOOF = %llu after 1001 spoofed frames",
	      (unsigned long long)hh_counter(&st, CBOX_STAGE_DEC,
					     CBOX_C_DROP_SPOOF));
	printf("spoof: 1001 NSH frames from unexpected MACs dropped, DROP_SPOOF = %llu; "
	       "expected hops accepted; check off accepts all\n",
	       (unsigned long long)hh_counter(&st, CBOX_STAGE_DEC,
					      CBOX_C_DROP_SPOOF));
out:
	if (st.obj)
		hh_close(&st);
	if (open.obj)
		hh_close(&open);
}

/* ----------------------------------------------------------------- loop */

/* NSH-aware boxes A and B, each Fwd only, pointing at each other. */
static void test_loop_fwd(const char *objdir)
{
	struct hh_stage a = { 0 }, b = { 0 };
	uint8_t buf[2][HH_FRAME_MAX];
	struct hh_rng r = { 7 };
	struct pg_flow f;
	uint32_t len, out_len;
	int v = 0, hops = 0, cur = 0;
	uint64_t ttl_drops;

	udp_flow(&f, 3);
	CHECK(!egress_open(&a, objdir, "fwd A", mac_a, 1, 0) &&
		      !hh_load(&a, "cbox_egress") &&
		      !egress_open(&b, objdir, "fwd B", mac_b, 2, 0) &&
		      !hh_load(&b, "cbox_egress"),
	      "cannot load the egress objects");
	/* forged path: SPI 77, SI 200 at both boxes, each naming the other */
	CHECK(!put_fwd(a.fwd_fd, 77, 200, mac_b, 0) &&
		      !put_fwd(b.fwd_fd, 77, 200, mac_a, 0),
	      "seeding cbox_fwd");
	len = nsh_frame(buf[0], mac_a, hop1, 77, 200, CBOX_NSH_TTL_INIT, &f, &r);
	for (;;) {
		struct hh_stage *st = hops % 2 ? &b : &a;

		CHECK(!hh_run(st, buf[cur], len, &v, buf[!cur], &out_len),
		      "test run");
		if (v != TC_ACT_OK)
			break;
		CHECK(out_len == len && hh_get16(buf[!cur] + 12) == CBOX_ETH_P_NSH,
		      "hop %d: forwarded frame is not NSH", hops);
		CHECK(((hh_get16(buf[!cur] + 14) >> 6) & 0x3f) ==
			      CBOX_NSH_TTL_INIT - hops - 1,
		      "hop %d: TTL %d, want %d", hops,
		      (hh_get16(buf[!cur] + 14) >> 6) & 0x3f,
		      CBOX_NSH_TTL_INIT - hops - 1);
		cur = !cur;
		hops++;
		CHECK(hops <= 63, "still looping after %d hops", hops);
	}
	CHECK(v == TC_ACT_SHOT, "loop ended with verdict %d, not a drop", v);
	ttl_drops = hh_counter(&a, CBOX_STAGE_FWD, CBOX_C_DROP_TTL) +
		    hh_counter(&b, CBOX_STAGE_FWD, CBOX_C_DROP_TTL) +
		    hh_counter(&a, CBOX_STAGE_ENC, CBOX_C_DROP_TTL) +
		    hh_counter(&b, CBOX_STAGE_ENC, CBOX_C_DROP_TTL);
	CHECK(ttl_drops == 1, "DROP_TTL = %llu, want 1",
	      (unsigned long long)ttl_drops);
	printf("loop (Fwd only, A<->B): forwarded %d times, dropped at pass %d, DROP_TTL = %llu\n",
	       hops, hops + 1, (unsigned long long)ttl_drops);
out:
	if (a.obj)
		hh_close(&a);
	if (b.obj)
		hh_close(&b);
}

/* Legacy boxes A and B with proxies: Dec -> (SF: identity) -> Enc+Fwd; every
 * (SPI, SI) of the path names the other box, as a forged or looping spec
 * would. SI falls by one per box too, but TTL must stop it first. */
static void test_loop_proxy(const char *objdir)
{
	struct hh_stage da = { 0 }, db = { 0 }, ea = { 0 }, eb = { 0 };
	uint8_t buf[2][HH_FRAME_MAX];
	struct hh_rng r = { 9 };
	struct pg_flow f;
	uint32_t len, out_len;
	int v = 0, boxes = 0, cur = 0, si;
	uint64_t ttl_drops = 0;

	udp_flow(&f, 4);
	CHECK(!dec_open(&da, objdir, "dec A", mac_a, 1, NULL, 0) &&
		      !hh_load(&da, "cbox_dec") &&
		      !dec_open(&db, objdir, "dec B", mac_b, 2, NULL, 0),
	      "cannot load dec");
	/* one host: every box shares the proxy table */
	CHECK(!hh_share_proxy(&db, &da) &&
		      !hh_load(&db, "cbox_dec"),
	      "cannot load dec B");
	CHECK(!egress_open(&ea, objdir, "egress A", mac_a, 1, 1) &&
		      !hh_share_proxy(&ea, &da) &&
		      !hh_load(&ea, "cbox_egress") &&
		      !egress_open(&eb, objdir, "egress B", mac_b, 2, 1) &&
		      !hh_share_proxy(&eb, &da) &&
		      !hh_load(&eb, "cbox_egress"),
	      "cannot load egress");
	for (si = 1; si < 255; si++)
		CHECK(!put_fwd(ea.fwd_fd, 88, (uint8_t)si, mac_b, 0) &&
			      !put_fwd(eb.fwd_fd, 88, (uint8_t)si, mac_a, 0),
		      "seeding cbox_fwd");
	len = nsh_frame(buf[0], mac_a, hop1, 88, 255, CBOX_NSH_TTL_INIT, &f, &r);
	for (;;) {
		struct hh_stage *dec = boxes % 2 ? &db : &da;
		struct hh_stage *egr = boxes % 2 ? &eb : &ea;

		CHECK(!hh_run(dec, buf[cur], len, &v, buf[!cur], &out_len),
		      "dec run");
		if (v != XDP_PASS)
			break;
		CHECK(out_len == len - 38, "box %d: Dec did not decapsulate",
		      boxes);
		cur = !cur;
		len = out_len;
		/* the SF hands the frame back unchanged */
		CHECK(!hh_run(egr, buf[cur], len, &v, buf[!cur], &out_len),
		      "egress run");
		if (v != TC_ACT_OK)
			break;
		CHECK(out_len == len + 38 &&
			      hh_get16(buf[!cur] + 12) == CBOX_ETH_P_NSH,
		      "box %d: egress did not encapsulate (len %u)", boxes,
		      out_len);
		cur = !cur;
		len = out_len;
		boxes++;
		CHECK(boxes <= 63, "still looping after %d boxes", boxes);
	}
	for (int s = 0; s < CBOX_STAGE_MAX; s++)
		ttl_drops += hh_counter(&da, s, CBOX_C_DROP_TTL) +
			     hh_counter(&db, s, CBOX_C_DROP_TTL) +
			     hh_counter(&ea, s, CBOX_C_DROP_TTL) +
			     hh_counter(&eb, s, CBOX_C_DROP_TTL);
	CHECK(ttl_drops == 1, "DROP_TTL = %llu, want 1 (loop ended with verdict %d after %d boxes)",
	      (unsigned long long)ttl_drops, v, boxes);
	printf("loop (proxied, A<->B): %d boxes forwarded it, then dropped by TTL (DROP_TTL = %llu), SI left %d\n",
	       boxes, (unsigned long long)ttl_drops, 255 - boxes);
out:
	if (da.obj)
		hh_close(&da);
	if (db.obj)
		hh_close(&db);
	if (ea.obj)
		hh_close(&ea);
	if (eb.obj)
		hh_close(&eb);
}

/* ---------------------------------------------------------------- flood */

#define PROXY_SMALL 64
#define N_LIVE 4
#define FLOOD (10 * PROXY_SMALL)

/* One packet of flow f through Dec, the SF (identity), then egress;
 * returns 1 when it left encapsulated for the next hop, 0 when it left
 * plain, -1 when dropped. */
static int through_box(struct hh_stage *dec, struct hh_stage *egr,
		       const struct pg_flow *f, struct hh_rng *r, int gap,
		       const struct pg_flow *noise, int *dec_verdict)
{
	uint8_t in[HH_FRAME_MAX], mid[HH_FRAME_MAX], out[HH_FRAME_MAX];
	uint32_t len, mid_len, out_len;
	int v;

	len = nsh_frame(in, mac_a, hop1, 500, 255, 63, f, r);
	if (hh_run(dec, in, len, &v, mid, &mid_len))
		return -2;
	*dec_verdict = v;
	if (v != XDP_PASS)
		return -1;
	/* other flows arrive while this packet is inside the SF */
	for (int i = 0; i < gap; i++) {
		uint8_t n[HH_FRAME_MAX], o[HH_FRAME_MAX];
		uint32_t nl, ol;
		int nv;

		nl = nsh_frame(n, mac_a, hop1, 500, 255, 63, &noise[i], r);
		hh_run(dec, n, nl, &nv, o, &ol);
	}
	if (hh_run(egr, mid, mid_len, &v, out, &out_len))
		return -2;
	if (v == TC_ACT_SHOT)
		return -1;
	return out_len == mid_len + 38 ? 1 : 0;
}

static void test_flood(const char *objdir)
{
	struct hh_stage dec = { 0 }, egr = { 0 };
	struct pg_flow live[N_LIVE], flood[FLOOD], noise[16];
	struct hh_rng r = { 11 };
	int i, j, dv, ok_live = 0, n_live = 0, flood_ok = 0, late_encap = 0;
	uint64_t pass0;

	for (i = 0; i < N_LIVE; i++)
		udp_flow(&live[i], 60000 + i);
	for (i = 0; i < FLOOD; i++)
		udp_flow(&flood[i], i);
	CHECK(!dec_open(&dec, objdir, "dec", mac_a, 1, NULL, 0) &&
		      !hh_set_max_entries(&dec, "cbox_proxy", PROXY_SMALL) &&
		      !hh_load(&dec, "cbox_dec"),
	      "cannot load dec with a %d-entry proxy table", PROXY_SMALL);
	CHECK(!egress_open(&egr, objdir, "egress", mac_a, 1, 1) &&
		      !hh_share_proxy(&egr, &dec) &&
		      !hh_load(&egr, "cbox_egress"),
	      "cannot load egress");
	CHECK(!put_fwd(egr.fwd_fd, 500, 254, mac_b, 0), "seeding cbox_fwd");

	for (i = 0; i < FLOOD; i++) {
		/* a new flow: Dec must always find room (LRU evicts) */
		int rc = through_box(&dec, &egr, &flood[i], &r, 0, NULL, &dv);

		CHECK(rc != -2, "test run failed");
		if (rc == 1)
			flood_ok++;
		/* the live flows keep sending, with some other flows
		 * arriving while their packet is inside the SF */
		if (i % 8 == 0) {
			for (j = 0; j < N_LIVE; j++) {
				for (int k = 0; k < 16; k++)
					udp_flow(&noise[k], 20000 + hh_below(&r, 5000));
				rc = through_box(&dec, &egr, &live[j], &r, 8,
						 noise, &dv);
				n_live++;
				if (rc == 1)
					ok_live++;
			}
		}
	}
	/* the oldest flood flows come back late, straight from their SF: with
	 * a 64-entry table their entries are long gone */
	pass0 = hh_counter(&egr, CBOX_STAGE_ENC, CBOX_C_PASS) +
		hh_counter(&egr, CBOX_STAGE_FWD, CBOX_C_PASS);
	for (i = 0; i < PROXY_SMALL; i++) {
		uint8_t in[HH_FRAME_MAX], out[HH_FRAME_MAX];
		uint32_t len, out_len;
		int v;

		len = pg_inner(&r, in, mac_a, client, &flood[i], false);
		CHECK(!hh_run(&egr, in, len, &v, out, &out_len), "test run");
		if (out_len == len + 38)
			late_encap++;
	}
	printf("flood: proxy table %d entries, %d distinct flows: %d/%d new flows encapsulated, "
	       "live flows %d/%d encapsulated; %d/%d stale flows still found late\n",
	       PROXY_SMALL, FLOOD, flood_ok, FLOOD, ok_live, n_live, late_encap,
	       PROXY_SMALL);
	hh_print_counters(&dec);
	hh_print_counters(&egr);
	printf("    egress passed %llu late frames of evicted flows plain (counted as pass)\n",
	       (unsigned long long)(hh_counter(&egr, CBOX_STAGE_ENC, CBOX_C_PASS) +
				    hh_counter(&egr, CBOX_STAGE_FWD, CBOX_C_PASS) - pass0));
	CHECK(flood_ok == FLOOD, "only %d of %d new flows got through: the table wedged",
	      flood_ok, FLOOD);
	CHECK(ok_live == n_live, "live flows: %d of %d lost their proxy entry",
	      n_live - ok_live, n_live);
	CHECK(hh_counter(&dec, CBOX_STAGE_DEC, CBOX_C_DROP_ERR) == 0,
	      "Dec failed to insert proxy entries");
	CHECK(late_encap < PROXY_SMALL,
	      "all stale flows still had entries: the table is not %d entries",
	      PROXY_SMALL);
out:
	if (dec.obj)
		hh_close(&dec);
	if (egr.obj)
		hh_close(&egr);
}

int main(int argc, char **argv)
{
	const char *objdir;
	int i;

	if (argc < 2) {
		fprintf(stderr, "usage: %s OBJDIR [spoof|loop|flood]...\n",
			argv[0]);
		return 2;
	}
	objdir = argv[1];
	for (i = 2; i < argc || argc == 2; i++) {
		const char *t = argc == 2 ? NULL : argv[i];

		if (!t || !strcmp(t, "spoof"))
			test_spoof(objdir);
		if (!t || !strcmp(t, "loop")) {
			test_loop_fwd(objdir);
			test_loop_proxy(objdir);
		}
		if (!t || !strcmp(t, "flood"))
			test_flood(objdir);
		if (!t)
			break;
	}
	printf("dpsafety: %d failure(s)\n", failures);
	return failures ? 1 : 0;
}
