// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * test_bpf: packet fixtures run through the real compiled stage objects with
 * BPF_PROG_TEST_RUN. Each fixture gives an input frame, the expected verdict,
 * the expected output frame (composed with pkt.h, not taken from the program)
 * and the counter that must move. Encapsulated outputs are also written to a
 * pcap that tshark's and Scapy's NSH decoders must read back as expected.
 *
 * usage: test_bpf [BPF_OBJ_DIR [WORK_DIR]]   (root; defaults build/bpf, /tmp)
 */
#include <errno.h>
#include <stdarg.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/bpf.h>
#include <linux/if_link.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include "common_kern_user.h"
#include "pkt.h"
#include "bpfobj.h"

#define TC_ACT_UNSPEC (-1)
#define TC_ACT_OK 0
#define TC_ACT_SHOT 2
#define TC_ACT_REDIRECT 7

static const uint8_t MAC_CLIENT[6] = { 0x02, 0, 0, 0, 0, 0x0a };
static const uint8_t MAC_SERVER[6] = { 0x02, 0, 0, 0, 0, 0x0b };
static const uint8_t MAC_CLS[6] = { 0x02, 0, 0, 0, 0, 0xc1 };
static const uint8_t MAC_GW[6] = { 0x02, 0, 0, 0, 0, 0x99 };
static const uint8_t MAC_EVIL[6] = { 0x02, 0x66, 0, 0, 0, 0x66 };
static const uint8_t MAC_A[6] = { 0x02, 0xcb, 0, 0, 0, 0x01 };
static const uint8_t MAC_BCAST[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint8_t MAC_AE[6] = { 0x02, 0xcb, 0, 0, 0, 0x11 };
static const uint8_t MAC_B[6] = { 0x02, 0xcb, 0, 0, 0, 0x02 };
static const uint8_t MAC_BE[6] = { 0x02, 0xcb, 0, 0, 0, 0x12 };
static const uint8_t MAC_C[6] = { 0x02, 0xcd, 0, 0, 0, 0x03 };
static const uint8_t MAC_CE[6] = { 0x02, 0xcb, 0, 0, 0, 0x13 };
static const uint8_t MAC_D[6] = { 0x02, 0xcb, 0, 0, 0, 0x04 };
static const uint8_t MAC_NE[6] = { 0x02, 0xcb, 0, 0, 0, 0x15 };
static const uint8_t BCAST[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

static const char *objdir = "build/bpf";
static const char *workdir = "/tmp";
static int passed, failed, ncpu;

/* host 1: boxes A (id 1) and C (id 3), one proxy table; the Fwd-only box N
 * (NSH-aware SF, id 5) and the split enc/sff pair (id 1) live there too.
 * host 2: box B (id 1) with its own proxy table. */
static struct obj dec_a, eg_a, eg_c, eg_n, enc_s, sff_s, dec_b, eg_b, cls,
	sf, sfd;

/* ---------- output checks and reporting ---------- */

struct nsh_expect {
	uint32_t spi;
	uint8_t si, ttl, mdtype, np, len;
};

#define MAX_PCAP 64
static struct pkt pcap_pkts[MAX_PCAP];
static struct nsh_expect pcap_exp[MAX_PCAP];
static const char *pcap_desc[MAX_PCAP];
static int npcap;

static void result(int ok, const char *desc, const char *fmt, ...)
{
	va_list ap;

	printf("%s: %s", ok ? "PASS" : "FAIL", desc);
	if (!ok && fmt) {
		printf(" -- ");
		va_start(ap, fmt);
		vprintf(fmt, ap);
		va_end(ap);
	}
	printf("\n");
	if (ok)
		passed++;
	else
		failed++;
}

static uint64_t stat_get(struct obj *ob, int stage, int counter)
{
	uint64_t v[512] = { 0 }, sum = 0;
	uint32_t idx = stage * CBOX_C_MAX + counter;
	int fd = obj_map(ob, "cbox_stats");

	if (fd < 0 || bpf_map_lookup_elem(fd, &idx, v))
		return ~0ULL;
	for (int i = 0; i < ncpu; i++)
		sum += v[i];
	return sum;
}

/* A veth end with MAC_A in the test's own netns: a TC test run whose
 * ctx names it classifies the frame against that MAC (PACKET_HOST), as the
 * real interface of box A would; without it the loopback device is used. */
static int host_ifindex;

/* as_host: the skb is on the loopback device, on box A's interface as a
 * locally sent one (skb_iif 0), or as received on it (skb_iif = ifindex) */
enum { ON_LO, ON_HOST, ON_HOST_INGRESS };

/* gso_size of the skb after the last run that passed a context in */
static uint32_t gso_size_out;

static int run(struct obj *ob, const struct pkt *in, struct pkt *out,
	       int *retval, uint32_t gso_size, int as_host)
{
	struct __sk_buff ctx = { 0 }, ctx_out = { 0 };
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = in->b,
		    .data_size_in = in->len, .data_out = out->b,
		    .data_size_out = sizeof(out->b), .repeat = 1);
	int err;

	if (gso_size) {
		ctx.gso_size = gso_size;
		ctx.gso_segs = 2;
		o.ctx_in = &ctx;
		o.ctx_size_in = sizeof(ctx);
	}
	if (as_host) {
		ctx.ifindex = host_ifindex;
		/* skb_iif is the device itself only at ingress: locally
		 * sent skbs have 0, forwarded ones their input device */
		if (as_host == ON_HOST_INGRESS)
			ctx.ingress_ifindex = host_ifindex;
		o.ctx_in = &ctx;
		o.ctx_size_in = sizeof(ctx);
	}
	if (o.ctx_in) {
		o.ctx_out = &ctx_out;
		o.ctx_size_out = sizeof(ctx_out);
	}
	err = bpf_prog_test_run_opts(ob->prog_fd, &o);
	gso_size_out = ctx_out.gso_size;
	out->len = o.data_size_out;
	*retval = (int)o.retval;
	return err;
}

static void hexdiff(const struct pkt *got, const struct pkt *exp, char *buf,
		    size_t n)
{
	size_t i, m = got->len < exp->len ? got->len : exp->len;

	for (i = 0; i < m && got->b[i] == exp->b[i]; i++)
		;
	snprintf(buf, n, "output differs: len %zu vs expected %zu, first diff at byte %zu (got %02x, want %02x)",
		 got->len, exp->len, i, i < got->len ? got->b[i] : 0,
		 i < exp->len ? exp->b[i] : 0);
}

enum { OUT_ANY, OUT_SAME, OUT_EXPECT };

struct fixture {
	const char *desc;
	struct obj *ob;
	struct pkt in;
	int verdict;
	int out_mode;
	struct pkt exp;
	int stage, counter;	/* this counter must grow by exactly 1 */
	int nsh;		/* 1: output is NSH, cross-check with decoders */
	struct nsh_expect n;
	uint32_t gso;
	int as_host;		/* run as received on box A's interface */
	struct pkt got;		/* filled by check() for chaining */
};

/* Runs one fixture, prints PASS/FAIL; returns 1 on pass. */
static int check(struct fixture *f)
{
	char why[256] = "";
	uint64_t before = stat_get(f->ob, f->stage, f->counter), after;
	int rv = 0, ok = 1;

	if (run(f->ob, &f->in, &f->got, &rv, f->gso, f->as_host)) {
		snprintf(why, sizeof(why), "test run failed: %s",
			 strerror(errno));
		ok = 0;
	} else if (rv != f->verdict) {
		snprintf(why, sizeof(why), "verdict %d, want %d", rv,
			 f->verdict);
		ok = 0;
	} else if (f->out_mode == OUT_SAME &&
		   (f->got.len != f->in.len ||
		    memcmp(f->got.b, f->in.b, f->in.len))) {
		hexdiff(&f->got, &f->in, why, sizeof(why));
		ok = 0;
	} else if (f->out_mode == OUT_EXPECT &&
		   (f->got.len != f->exp.len ||
		    memcmp(f->got.b, f->exp.b, f->exp.len))) {
		hexdiff(&f->got, &f->exp, why, sizeof(why));
		ok = 0;
	}
	after = stat_get(f->ob, f->stage, f->counter);
	if (ok && after != before + 1) {
		snprintf(why, sizeof(why),
			 "counter stage %d #%d went %llu -> %llu", f->stage,
			 f->counter, (unsigned long long)before,
			 (unsigned long long)after);
		ok = 0;
	}
	if (ok && f->nsh && npcap < MAX_PCAP) {
		pcap_pkts[npcap] = f->got;
		pcap_exp[npcap] = f->n;
		pcap_desc[npcap++] = f->desc;
	}
	result(ok, f->desc, "%s", why);
	return ok;
}

static struct fixture *fx_new(const char *desc, struct obj *ob, int verdict,
			      int out_mode, int stage, int counter)
{
	struct fixture *f = calloc(1, sizeof(*f));

	f->desc = desc;
	f->ob = ob;
	f->verdict = verdict;
	f->out_mode = out_mode;
	f->stage = stage;
	f->counter = counter;
	return f;
}

/* ---------- frame recipes ---------- */

static struct flowspec flow4(uint8_t proto, uint16_t sp, uint16_t dp,
			     uint8_t a)
{
	struct flowspec f = { .family = 4, .proto = proto, .sport = sp,
			      .dport = dp, .vlan = -1, .a = a, .b = 5,
			      .payload = 32 };
	return f;
}

static struct flowspec flow6(uint8_t proto, uint16_t sp, uint16_t dp,
			     uint8_t a)
{
	struct flowspec f = flow4(proto, sp, dp, a);

	f.family = 6;
	return f;
}

/* The proxy key of an IPv4 flow4()-style flow 10.0.1.a -> 10.0.2.b. */
static void proxy_key4(struct cbox_proxy_key *k, uint32_t box, uint8_t proto,
		       uint8_t a, uint8_t b, uint16_t sport, uint16_t dport)
{
	memset(k, 0, sizeof(*k));
	k->box = box;
	k->flow.family = 4;
	k->flow.proto = proto;
	k->flow.src[0] = 10, k->flow.src[2] = 1, k->flow.src[3] = a;
	k->flow.dst[0] = 10, k->flow.dst[2] = 2, k->flow.dst[3] = b;
	k->flow.sport = htons(sport);
	k->flow.dport = htons(dport);
}

/* client -> server frame, as the classifier sees it */
static void client_frame(struct pkt *p, const struct flowspec *f)
{
	p->len = 0;
	pb_frame(p, MAC_SERVER, MAC_CLIENT, f);
}

/* NSH frame as it arrives at a box: outer (dst box, src prev hop) */
static void nsh_frame(struct pkt *p, const uint8_t *dst, const uint8_t *src,
		      const struct nshspec *n, const struct pkt *inner)
{
	p->len = 0;
	pb_eth(p, dst, src, CBOX_ETH_P_NSH);
	pb_nsh(p, n);
	pb_append(p, inner);
}

static void nsh_flow(struct pkt *p, const uint8_t *dst, const uint8_t *src,
		     const struct nshspec *n, const struct flowspec *f)
{
	struct pkt inner = { .len = 0 };

	client_frame(&inner, f);
	nsh_frame(p, dst, src, n, &inner);
}

/* What Dec must hand the SF: the inner frame readdressed to the box. */
static void decapped(struct pkt *p, const uint8_t *box,
		     const struct flowspec *f)
{
	p->len = 0;
	pb_frame(p, box, MAC_CLIENT, f);
}

/* What a router SF sends on: from its own MAC to its gateway. */
static void routed(struct pkt *p, const uint8_t *sfmac,
		   const struct flowspec *f)
{
	p->len = 0;
	pb_frame(p, MAC_GW, sfmac, f);
}

static struct nsh_expect nx(uint32_t spi, uint8_t si, uint8_t ttl,
			    uint8_t np)
{
	struct nsh_expect e = { spi, si, ttl, 1, np, 6 };
	return e;
}

/* ---------- setup ---------- */

static int fwd_put(struct obj *ob, uint32_t spi, uint8_t si, uint16_t flags,
		   const uint8_t *mac, uint32_t ifindex, uint32_t peer)
{
	struct cbox_fwd_key k = { (spi << 8) | si };
	struct cbox_fwd_val v = { .flags = flags, .ifindex = ifindex,
				  .peer_box = peer };

	if (mac)
		memcpy(v.mac, mac, 6);
	return bpf_map_update_elem(obj_map(ob, "cbox_fwd"), &k, &v, BPF_ANY);
}

/* host: a loaded Dec whose proxy table (and cache) the egress shares */
static int open_egress(struct obj *ob, const char *file, uint32_t box,
		       const uint8_t *mac, const uint8_t *emac,
		       struct obj *host)
{
	if (obj_open(ob, objdir, file))
		return -1;
	if (obj_set(ob, "cbox_egress_mac", emac, 6))
		return -1;
	if (mac && (obj_set32(ob, "cbox_box_id", box) ||
		    obj_set(ob, "cbox_mac", mac, 6)))
		return -1;
	if (host && obj_share_proxy(ob, host))
		return -1;
	return 0;
}

static int setup(void)
{
	uint8_t hops[CBOX_MAX_PREV_HOPS][6] = { 0 };

	memcpy(hops[0], MAC_EVIL, 6);
	hops[0][5] ^= 1;	/* a near miss first */
	memcpy(hops[1], MAC_CLS, 6);
	memcpy(hops[2], MAC_CLIENT, 6); /* the classifier keeps the client src */

	/* host 1 */
	if (obj_open(&dec_a, objdir, "dec.bpf.o") ||
	    obj_set(&dec_a, "cbox_mac", MAC_A, 6) ||
	    obj_set32(&dec_a, "cbox_box_id", 1) ||
	    obj_set(&dec_a, "cbox_prev_hops", hops, sizeof(hops)) ||
	    obj_set32(&dec_a, "cbox_n_prev_hops", 3) ||
	    obj_load(&dec_a, "cbox_dec"))
		return -1;
	if (open_egress(&eg_a, "egress.bpf.o", 1, MAC_A, MAC_AE, &dec_a) ||
	    obj_load(&eg_a, "cbox_egress") ||
	    open_egress(&eg_c, "egress.bpf.o", 3, MAC_C, MAC_CE, &dec_a) ||
	    obj_load(&eg_c, "cbox_egress") ||
	    open_egress(&eg_n, "egress.bpf.o", 5, MAC_D, MAC_NE, &dec_a) ||
	    obj_set32(&eg_n, "cbox_enc_enabled", 0) ||
	    obj_load(&eg_n, "cbox_egress") ||
	    open_egress(&enc_s, "enc.bpf.o", 1, MAC_A, MAC_AE, &dec_a) ||
	    obj_load(&enc_s, "cbox_enc") ||
	    open_egress(&sff_s, "fwd.bpf.o", 0, NULL, MAC_AE, NULL) ||
	    obj_load(&sff_s, "cbox_sff"))
		return -1;
	/* host 2 */
	if (obj_open(&dec_b, objdir, "dec.bpf.o") ||
	    obj_set(&dec_b, "cbox_mac", MAC_B, 6) ||
	    obj_set32(&dec_b, "cbox_box_id", 1) || obj_load(&dec_b, "cbox_dec"))
		return -1;
	if (open_egress(&eg_b, "egress.bpf.o", 1, MAC_B, MAC_BE, &dec_b) ||
	    obj_load(&eg_b, "cbox_egress"))
		return -1;
	/* classifier and sample SFs */
	if (obj_open(&cls, objdir, "classifier.bpf.o") ||
	    obj_set32(&cls, "cbox_cls_n_rules", 5) ||
	    obj_load(&cls, "cbox_classify") ||
	    obj_open(&sf, objdir, "sf_redirect.bpf.o") ||
	    obj_load(&sf, "cbox_sf_redirect") ||
	    obj_open(&sfd, objdir, "sf_redirect_delay.bpf.o") ||
	    obj_set32(&sfd, "cbox_delay_iters", 1000) ||
	    obj_load(&sfd, "cbox_sf_redirect_delay"))
		return -1;

	/* thesis Figure 5.10 style rules: (SPI, SI after this box) */
	if (fwd_put(&eg_a, 100, 254, 0, MAC_B, 0, 0) ||
	    fwd_put(&eg_a, 200, 254, CBOX_FWD_END, NULL, 0, 0) ||
	    fwd_put(&eg_a, 300, 254, CBOX_FWD_DLINK, MAC_C, 42, 3) ||
	    fwd_put(&eg_a, 1, 0, 0, MAC_B, 0, 0) ||
	    fwd_put(&eg_c, 300, 253, 0, MAC_D, 0, 0) ||
	    fwd_put(&eg_c, 510, 49, 0, MAC_D, 0, 0) ||
	    fwd_put(&eg_b, 100, 253, CBOX_FWD_END, NULL, 0, 0) ||
	    fwd_put(&eg_n, 500, 200, 0, MAC_B, 0, 0) ||
	    fwd_put(&eg_n, 500, 199, CBOX_FWD_END, NULL, 0, 0) ||
	    fwd_put(&eg_n, 600, 10, CBOX_FWD_END, NULL, 0, 0) ||
	    fwd_put(&eg_n, 510, 50, CBOX_FWD_DLINK, MAC_C, 43, 3) ||
	    fwd_put(&enc_s, 100, 254, 0, MAC_B, 0, 0) ||
	    fwd_put(&sff_s, 100, 254, 0, MAC_B, 0, 0))
		return -1;
	return 0;
}

static int cls_rule(int idx, uint32_t flags, uint8_t family, uint8_t proto,
		    const char *src, int slen, const char *dst, int dlen,
		    uint16_t slo, uint16_t shi, uint16_t dlo, uint16_t dhi,
		    uint32_t spi)
{
	struct cbox_cls_rule r = { .flags = flags, .family = family,
				   .proto = proto, .src_len = slen,
				   .dst_len = dlen, .sport_lo = slo,
				   .sport_hi = shi, .dport_lo = dlo,
				   .dport_hi = dhi, .spi = spi };
	uint32_t k = idx;
	int af = family == 6 ? AF_INET6 : AF_INET;

	if (src)
		inet_pton(af, src, r.src);
	if (dst)
		inet_pton(af, dst, r.dst);
	memcpy(r.next_mac, MAC_A, 6);
	return bpf_map_update_elem(obj_map(&cls, "cbox_cls_rules"), &k, &r,
				   BPF_ANY);
}

/* ---------- fixtures ---------- */

#define FL(x) static struct flowspec x
FL(F_TCP4), F_UDP6X, F_VLAN, F_OPT, F_ICMP, F_ICMP6, F_BARE4, F_BARE6, F_END,
	F_NOHOP, F_SI1, F_TTL1, F_DL, F_FRAG1, F_FRAG2, F_WHOLE, F_OWN;

static void init_flows(void)
{
	F_TCP4 = flow4(6, 40000, 80, 1);
	F_UDP6X = flow6(17, 5353, 53, 2);
	F_UDP6X.v6ext = 1;
	F_VLAN = flow4(17, 1000, 2000, 3);
	F_VLAN.vlan = 7;
	F_OPT = flow4(6, 1234, 443, 4);
	F_OPT.ipopt_words = 2;
	F_ICMP = flow4(1, 77, 0, 5);
	F_ICMP.icmp_type = 8;
	F_ICMP6 = flow6(58, 78, 0, 6);
	F_ICMP6.icmp_type = 128;
	F_BARE4 = flow4(17, 7, 7, 8);
	F_BARE6 = flow6(6, 9, 9, 9);
	F_END = flow4(6, 5555, 80, 10);
	F_NOHOP = flow4(6, 5556, 80, 11);
	F_SI1 = flow4(17, 5557, 80, 12);
	F_TTL1 = flow4(17, 5558, 80, 13);
	F_DL = flow4(6, 3333, 22, 14);
	F_FRAG1 = flow4(17, 4000, 4001, 15);
	F_FRAG1.frag = 1;
	F_FRAG2 = F_FRAG1;
	F_FRAG2.frag = 2;
	F_WHOLE = F_FRAG1;
	F_WHOLE.frag = 0;
	F_OWN = flow4(6, 22, 50000, 16);
}

/* Dec on box A: NSH in, the readdressed inner frame out. */
static void dec_ok(const char *desc, const struct flowspec *f,
		   struct nshspec n)
{
	struct fixture *x = fx_new(desc, &dec_a, XDP_PASS, OUT_EXPECT,
				   CBOX_STAGE_DEC, CBOX_C_OUT);

	nsh_flow(&x->in, MAC_A, MAC_CLS, &n, f);
	decapped(&x->exp, MAC_A, f);
	check(x);
	free(x);
}

static void dec_bad(const char *desc, const struct flowspec *f,
		    struct nshspec n, int counter)
{
	struct fixture *x = fx_new(desc, &dec_a, XDP_DROP, OUT_ANY,
				   CBOX_STAGE_DEC, counter);

	nsh_flow(&x->in, MAC_A, MAC_CLS, &n, f);
	check(x);
	free(x);
}

static void dec_bare(const char *desc, const struct flowspec *f, uint8_t np)
{
	struct fixture *x = fx_new(desc, &dec_a, XDP_PASS, OUT_EXPECT,
				   CBOX_STAGE_DEC, CBOX_C_OUT);
	struct nshspec n = nsh_md1(100, 255, 63);
	struct pkt ip = { .len = 0 };

	n.np = np;
	pb_ip(&ip, f);
	nsh_frame(&x->in, MAC_A, MAC_CLS, &n, &ip);
	pb_eth(&x->exp, MAC_A, MAC_CLS, f->family == 4 ? 0x0800 : 0x86DD);
	pb_append(&x->exp, &ip);
	check(x);
	free(x);
}

static void test_dec(void)
{
	struct nshspec n = nsh_md1(100, 255, 63);
	struct flowspec f;
	struct fixture *x;

	printf("--- Dec (XDP)\n");
	dec_ok("dec: IPv4 TCP, MD1, decapsulated and readdressed", &F_TCP4, n);
	dec_ok("dec: IPv6 UDP behind hop-by-hop + dstopts headers", &F_UDP6X,
	       n);
	dec_ok("dec: inner frame with an 802.1Q tag", &F_VLAN, n);
	dec_ok("dec: IPv4 with options (IHL 7)", &F_OPT, n);
	dec_ok("dec: ICMP echo", &F_ICMP, n);
	dec_ok("dec: ICMPv6 echo", &F_ICMP6, n);
	dec_ok("dec: IPv4 first fragment", &F_FRAG1, n);
	dec_ok("dec: IPv4 later fragment (no L4 header)", &F_FRAG2, n);
	dec_ok("dec: end-of-chain flow (SPI 200)", &F_END, nsh_md1(200, 255, 63));
	dec_ok("dec: flow with no next hop (SPI 400)", &F_NOHOP,
	       nsh_md1(400, 255, 63));
	dec_ok("dec: SI 1 accepted (egress will drop it)", &F_SI1,
	       nsh_md1(1, 1, 63));
	dec_ok("dec: TTL 1 accepted (egress will drop it)", &F_TTL1,
	       nsh_md1(100, 255, 1));
	dec_ok("dec: direct-link flow (SPI 300)", &F_DL, nsh_md1(300, 255, 63));
	dec_bare("dec: Next Protocol IPv4, Ethernet synthesized", &F_BARE4, 1);
	dec_bare("dec: Next Protocol IPv6, Ethernet synthesized", &F_BARE6, 2);

	x = fx_new("dec: NSH behind an outer 802.1Q tag", &dec_a, XDP_PASS,
		   OUT_EXPECT, CBOX_STAGE_DEC, CBOX_C_OUT);
	{
		struct pkt inner = { .len = 0 };

		client_frame(&inner, &F_TCP4);
		pb_eth(&x->in, MAC_A, MAC_CLS, CBOX_ETH_P_NSH);
		pb_vlan(&x->in, 100, CBOX_ETH_P_NSH);
		pb_nsh(&x->in, &n);
		pb_append(&x->in, &inner);
		decapped(&x->exp, MAC_A, &F_TCP4);
	}
	check(x);
	free(x);

	x = fx_new("dec: plain IPv4 to the box passes byte-identical", &dec_a,
		   XDP_PASS, OUT_SAME, CBOX_STAGE_DEC, CBOX_C_PASS);
	pb_frame(&x->in, MAC_A, MAC_CLIENT, &F_TCP4);
	check(x);
	free(x);
	x = fx_new("dec: broadcast ARP passes byte-identical", &dec_a, XDP_PASS,
		   OUT_SAME, CBOX_STAGE_DEC, CBOX_C_PASS);
	pb_eth(&x->in, BCAST, MAC_CLIENT, 0x0806);
	for (int i = 0; i < 28; i++)
		put8(&x->in, i);
	check(x);
	free(x);
	x = fx_new("dec: NSH for another MAC passes byte-identical", &dec_a,
		   XDP_PASS, OUT_SAME, CBOX_STAGE_DEC, CBOX_C_PASS);
	nsh_flow(&x->in, MAC_B, MAC_CLS, &n, &F_TCP4);
	check(x);
	free(x);

	f = flow4(6, 1, 2, 40);
	n = nsh_md1(100, 255, 0);
	dec_bad("dec: TTL 0 dropped", &f, n, CBOX_C_DROP_TTL);
	n = nsh_md1(100, 0, 63);
	dec_bad("dec: SI 0 dropped", &f, n, CBOX_C_DROP_SI0);
	n = nsh_md1(100, 255, 63);
	n.mdtype = 2;
	n.len = 2;
	n.words = 0;
	dec_bad("dec: MD type 2 dropped as unsupported", &f, n,
		CBOX_C_DROP_BAD_NSH);
	n = nsh_md1(100, 255, 63);
	n.mdtype = 0;
	dec_bad("dec: MD type 0 dropped", &f, n, CBOX_C_DROP_BAD_NSH);
	n = nsh_md1(100, 255, 63);
	n.mdtype = 0xf;
	dec_bad("dec: MD type 0xF dropped", &f, n, CBOX_C_DROP_BAD_NSH);
	n = nsh_md1(100, 255, 63);
	n.len = 2;
	dec_bad("dec: MD type 1 with Length 2 dropped", &f, n,
		CBOX_C_DROP_BAD_NSH);
	n = nsh_md1(100, 255, 63);
	n.ver = 1;
	dec_bad("dec: version 1 dropped", &f, n, CBOX_C_DROP_BAD_NSH);
	n = nsh_md1(100, 255, 63);
	n.np = 5;
	dec_bad("dec: Next Protocol MPLS dropped", &f, n, CBOX_C_DROP_BAD_NSH);
	n = nsh_md1(100, 255, 63);
	n.o = 1;
	dec_bad("dec: O bit set dropped (no OAM)", &f, n, CBOX_C_DROP_OAM);

	x = fx_new("dec: NSH from an unexpected source MAC dropped", &dec_a,
		   XDP_DROP, OUT_ANY, CBOX_STAGE_DEC, CBOX_C_DROP_SPOOF);
	n = nsh_md1(100, 255, 63);
	nsh_flow(&x->in, MAC_A, MAC_EVIL, &n, &f);
	check(x);
	free(x);
	x = fx_new("dec: truncated NSH dropped", &dec_a, XDP_DROP, OUT_ANY,
		   CBOX_STAGE_DEC, CBOX_C_DROP_BAD_NSH);
	pb_eth(&x->in, MAC_A, MAC_CLS, CBOX_ETH_P_NSH);
	put32(&x->in, 0x0fc60103);
	put32(&x->in, 0x000064ff);
	check(x);
	free(x);
	x = fx_new("dec: NSH carrying ARP (not keyable) dropped", &dec_a,
		   XDP_DROP, OUT_ANY, CBOX_STAGE_DEC, CBOX_C_DROP_BAD_NSH);
	{
		struct pkt arp = { .len = 0 };

		pb_eth(&arp, BCAST, MAC_CLIENT, 0x0806);
		for (int i = 0; i < 28; i++)
			put8(&arp, i);
		nsh_frame(&x->in, MAC_A, MAC_CLS, &n, &arp);
	}
	check(x);
	free(x);
}

/* Egress on box A after a router SF: NSH put back, SI-1, TTL-1. */
static void eg_encap(const char *desc, const struct flowspec *f, int l2,
		     uint32_t spi, uint8_t np)
{
	struct fixture *x = fx_new(desc, &eg_a, TC_ACT_OK, OUT_EXPECT,
				   CBOX_STAGE_ENC, CBOX_C_OUT);
	struct nshspec n = nsh_md1(spi, 254, 62);
	struct pkt inner = { .len = 0 };

	if (l2) {
		decapped(&x->in, MAC_A, f);	/* SF left it as it was */
		client_frame(&inner, f);	/* dst restored */
	} else {
		routed(&x->in, MAC_A, f);
		inner = x->in;
	}
	n.np = np;
	if (np == 3) {
		nsh_frame(&x->exp, MAC_B, MAC_AE, &n, &inner);
	} else {
		pb_eth(&x->exp, MAC_B, MAC_AE, CBOX_ETH_P_NSH);
		pb_nsh(&x->exp, &n);
		put(&x->exp, inner.b + 14, inner.len - 14);
	}
	x->nsh = 1;
	x->n = nx(spi, 254, 62, np);
	check(x);
	free(x);
}

static void eg_drop(const char *desc, struct obj *ob,
		    const struct flowspec *f, int counter, uint32_t gso)
{
	struct fixture *x = fx_new(desc, ob, TC_ACT_SHOT, OUT_ANY,
				   CBOX_STAGE_ENC, counter);

	routed(&x->in, MAC_A, f);
	x->gso = gso;
	check(x);
	free(x);
}

static void test_egress(void)
{
	struct fixture *x;

	printf("--- Egress (TC, Enc + Fwd merged)\n");
	eg_encap("egress: IPv4 TCP after a router SF", &F_TCP4, 0, 100, 3);
	eg_encap("egress: IPv4 TCP after an L2-transparent SF, dst restored",
		 &F_TCP4, 1, 100, 3);
	eg_encap("egress: IPv6 with extension headers", &F_UDP6X, 0, 100, 3);
	eg_encap("egress: inner 802.1Q tag", &F_VLAN, 0, 100, 3);
	eg_encap("egress: IPv4 options", &F_OPT, 0, 100, 3);
	eg_encap("egress: ICMP echo", &F_ICMP, 0, 100, 3);
	eg_encap("egress: ICMPv6 echo", &F_ICMP6, 1, 100, 3);
	eg_encap("egress: IPv4 later fragment", &F_FRAG2, 0, 100, 3);
	eg_encap("egress: datagram reassembled by the SF (ports-0 entry)",
		 &F_WHOLE, 0, 100, 3);
	eg_encap("egress: Next Protocol IPv4 goes back bare", &F_BARE4, 0, 100,
		 1);
	eg_encap("egress: Next Protocol IPv6 goes back bare", &F_BARE6, 0, 100,
		 2);

	x = fx_new("egress: SF's own traffic passes byte-identical", &eg_a,
		   TC_ACT_OK, OUT_SAME, CBOX_STAGE_ENC, CBOX_C_PASS);
	routed(&x->in, MAC_A, &F_OWN);
	check(x);
	free(x);
	x = fx_new("egress: ARP passes byte-identical", &eg_a, TC_ACT_OK,
		   OUT_SAME, CBOX_STAGE_ENC, CBOX_C_PASS);
	pb_eth(&x->in, BCAST, MAC_A, 0x0806);
	for (int i = 0; i < 28; i++)
		put8(&x->in, i);
	check(x);
	free(x);

	x = fx_new("egress: end of chain after a router SF leaves plain",
		   &eg_a, TC_ACT_OK, OUT_SAME, CBOX_STAGE_ENC, CBOX_C_OUT);
	routed(&x->in, MAC_A, &F_END);
	check(x);
	free(x);
	x = fx_new("egress: end of chain after an L2-transparent SF: dst restored, src = egress MAC",
		   &eg_a, TC_ACT_OK, OUT_EXPECT, CBOX_STAGE_ENC, CBOX_C_OUT);
	decapped(&x->in, MAC_A, &F_END);
	pb_frame(&x->exp, MAC_SERVER, MAC_AE, &F_END);
	check(x);
	free(x);

	eg_drop("egress: unknown SPI/SI dropped", &eg_a, &F_NOHOP,
		CBOX_C_DROP_NO_HOP, 0);
	eg_drop("egress: SI 1 would become 0, dropped", &eg_a, &F_SI1,
		CBOX_C_DROP_SI0, 0);
	eg_drop("egress: TTL 1 would become 0, dropped", &eg_a, &F_TTL1,
		CBOX_C_DROP_TTL, 0);
	/* Issue 6: a GSO skb (an SF's own TCP, or GRO on the SF's iface)
	 * was dropped; pushed at the head it is segmented after TC egress
	 * with these headers copied into every segment. */
	x = fx_new("egress: GSO skb encapsulated like any other, gso_size kept",
		   &eg_a, TC_ACT_OK, OUT_EXPECT, CBOX_STAGE_ENC, CBOX_C_OUT);
	routed(&x->in, MAC_A, &F_TCP4);
	{
		struct nshspec n = nsh_md1(100, 254, 62);

		nsh_frame(&x->exp, MAC_B, MAC_AE, &n, &x->in);
	}
	x->gso = 1400;
	if (check(x))
		result(gso_size_out == 1400,
		       "egress: GSO skb keeps gso_size 1400",
		       "gso_size %u after the push", gso_size_out);
	free(x);

	/* Direct link A -> C on one host, then C sends to a remote box D:
	 * thesis Figure 5.9, for a flow nobody listed in advance. */
	x = fx_new("egress: direct link: redirect, inner dst = next box, NSH handed over",
		   &eg_a, TC_ACT_REDIRECT, OUT_EXPECT, CBOX_STAGE_ENC,
		   CBOX_C_OUT);
	routed(&x->in, MAC_A, &F_DL);
	x->exp = x->in;
	memcpy(x->exp.b, MAC_C, 6);
	check(x);
	free(x);
	{
		struct cbox_proxy_key k;
		struct cbox_proxy_val v;
		int fd = obj_map(&dec_a, "cbox_proxy");
		int ok;

		proxy_key4(&k, 3, 6, 14, 5, 3333, 22);
		ok = !bpf_map_lookup_elem(fd, &k, &v) &&
		     ntohl(v.nsh.sph) == ((300 << 8) | 254) &&
		     (ntohs(v.nsh.ver_o_u_ttl_len) >> 6 & 0x3f) == 62 &&
		     ntohl(v.nsh.ctx[0]) == 0x11111111 &&
		     !memcmp(v.inner_dmac, MAC_SERVER, 6);
		result(ok, "egress: direct link wrote box C's proxy entry (SI 254, TTL 62, context, dst)",
		       "entry missing or wrong");
	}
	x = fx_new("egress: box C after the direct link encapsulates to the remote hop",
		   &eg_c, TC_ACT_OK, OUT_EXPECT, CBOX_STAGE_ENC, CBOX_C_OUT);
	routed(&x->in, MAC_C, &F_DL);
	{
		struct nshspec n = nsh_md1(300, 253, 61);

		nsh_frame(&x->exp, MAC_D, MAC_CE, &n, &x->in);
	}
	x->nsh = 1;
	x->n = nx(300, 253, 61, 3);
	check(x);
	free(x);
}

static void test_split(void)
{
	struct fixture *x, *y;
	struct nshspec n;

	printf("--- Enc and Fwd as separate filters (thesis style)\n");
	x = fx_new("enc: NSH pushed, SI-1, TTL left to Fwd, next filter runs",
		   &enc_s, TC_ACT_UNSPEC, OUT_EXPECT, CBOX_STAGE_ENC,
		   CBOX_C_OUT);
	routed(&x->in, MAC_A, &F_TCP4);
	n = nsh_md1(100, 254, 63);
	nsh_frame(&x->exp, MAC_B, MAC_AE, &n, &x->in);
	check(x);
	y = fx_new("fwd (cbox_sff): TTL-1, outer rewritten", &sff_s, TC_ACT_OK,
		   OUT_EXPECT, CBOX_STAGE_FWD, CBOX_C_OUT);
	y->in = x->got;
	n = nsh_md1(100, 254, 62);
	nsh_frame(&y->exp, MAC_B, MAC_AE, &n, &x->in);
	y->nsh = 1;
	y->n = nx(100, 254, 62, 3);
	check(y);
	free(x);
	free(y);
}

/* Fwd-only (NSH-aware SF, egress.bpf.o with cbox_enc_enabled = 0). */
static void test_fwd_only(void)
{
	struct fixture *x;
	struct nshspec n;
	struct pkt inner = { .len = 0 };
	struct flowspec f = flow4(17, 600, 700, 30);

	printf("--- Fwd only (NSH-aware SF)\n");
	client_frame(&inner, &f);

	x = fx_new("fwd-only: TTL-1, SI kept, outer dst/src rewritten", &eg_n,
		   TC_ACT_OK, OUT_EXPECT, CBOX_STAGE_FWD, CBOX_C_OUT);
	n = nsh_md1(500, 200, 50);
	nsh_frame(&x->in, MAC_GW, MAC_D, &n, &inner);
	n.ttl = 49;
	nsh_frame(&x->exp, MAC_B, MAC_NE, &n, &inner);
	x->nsh = 1;
	x->n = nx(500, 200, 49, 3);
	check(x);
	free(x);

	x = fx_new("fwd-only: end of chain strips NSH, inner frame plain",
		   &eg_n, TC_ACT_OK, OUT_EXPECT, CBOX_STAGE_FWD, CBOX_C_OUT);
	n = nsh_md1(500, 199, 50);
	nsh_frame(&x->in, MAC_GW, MAC_D, &n, &inner);
	x->exp = inner;
	check(x);
	free(x);

	x = fx_new("fwd-only: end of chain with a bare IPv4 payload", &eg_n,
		   TC_ACT_OK, OUT_EXPECT, CBOX_STAGE_FWD, CBOX_C_OUT);
	n = nsh_md1(600, 10, 50);
	n.np = 1;
	pb_eth(&x->in, MAC_GW, MAC_D, CBOX_ETH_P_NSH);
	pb_nsh(&x->in, &n);
	put(&x->in, inner.b + 14, inner.len - 14);
	pb_eth(&x->exp, MAC_GW, MAC_D, 0x0800);
	put(&x->exp, inner.b + 14, inner.len - 14);
	check(x);
	free(x);

	x = fx_new("fwd-only: TTL 1 dropped", &eg_n, TC_ACT_SHOT, OUT_ANY,
		   CBOX_STAGE_FWD, CBOX_C_DROP_TTL);
	n = nsh_md1(500, 200, 1);
	nsh_frame(&x->in, MAC_GW, MAC_D, &n, &inner);
	check(x);
	free(x);
	x = fx_new("fwd-only: unknown SPI/SI dropped", &eg_n, TC_ACT_SHOT,
		   OUT_ANY, CBOX_STAGE_FWD, CBOX_C_DROP_NO_HOP);
	n = nsh_md1(500, 7, 50);
	nsh_frame(&x->in, MAC_GW, MAC_D, &n, &inner);
	check(x);
	free(x);
	x = fx_new("fwd-only: SI 0 dropped", &eg_n, TC_ACT_SHOT, OUT_ANY,
		   CBOX_STAGE_FWD, CBOX_C_DROP_SI0);
	n = nsh_md1(500, 0, 50);
	nsh_frame(&x->in, MAC_GW, MAC_D, &n, &inner);
	check(x);
	free(x);
	x = fx_new("fwd-only: O bit dropped", &eg_n, TC_ACT_SHOT, OUT_ANY,
		   CBOX_STAGE_FWD, CBOX_C_DROP_OAM);
	n = nsh_md1(500, 200, 50);
	n.o = 1;
	nsh_frame(&x->in, MAC_GW, MAC_D, &n, &inner);
	check(x);
	free(x);
	x = fx_new("fwd-only: plain frame passes byte-identical", &eg_n,
		   TC_ACT_OK, OUT_SAME, CBOX_STAGE_FWD, CBOX_C_PASS);
	x->in = inner;
	check(x);
	free(x);

	x = fx_new("fwd-only: direct link strips NSH and redirects", &eg_n,
		   TC_ACT_REDIRECT, OUT_EXPECT, CBOX_STAGE_FWD, CBOX_C_OUT);
	n = nsh_md1(510, 50, 40);
	nsh_frame(&x->in, MAC_GW, MAC_D, &n, &inner);
	x->exp = inner;
	memcpy(x->exp.b, MAC_C, 6);
	check(x);
	free(x);
	x = fx_new("fwd-only: the next box continues the chain (SI 49, TTL 38)",
		   &eg_c, TC_ACT_OK, OUT_EXPECT, CBOX_STAGE_ENC, CBOX_C_OUT);
	routed(&x->in, MAC_C, &f);
	n = nsh_md1(510, 49, 38);
	nsh_frame(&x->exp, MAC_D, MAC_CE, &n, &x->in);
	x->nsh = 1;
	x->n = nx(510, 49, 38, 3);
	check(x);
	free(x);
}

/* Classifier output for rule spi: fresh NSH toward box A. */
static void cls_exp(struct pkt *e, const struct pkt *frame, uint32_t spi)
{
	struct nshspec n = { .ttl = 63, .len = 6, .mdtype = 1, .np = 3,
			     .spi = spi, .si = 255 };

	e->len = 0;
	pb_eth(e, MAC_A, frame->b + 6, CBOX_ETH_P_NSH);
	pb_nsh(e, &n);
	pb_append(e, frame);
}

static void cls_case(const char *desc, const struct flowspec *f,
		     uint32_t spi)
{
	struct fixture *x = fx_new(desc, &cls, TC_ACT_OK,
				   spi ? OUT_EXPECT : OUT_SAME,
				   CBOX_STAGE_CLS,
				   spi ? CBOX_C_OUT : CBOX_C_PASS);

	client_frame(&x->in, f);
	if (spi) {
		cls_exp(&x->exp, &x->in, spi);
		x->nsh = 1;
		x->n = nx(spi, 255, 63, 3);
	}
	check(x);
	free(x);
}

static void test_classifier(void)
{
	struct flowspec f;
	struct fixture *x;

	printf("--- Classifier (TC)\n");
	if (cls_rule(0, CBOX_CLS_F_PROTO | CBOX_CLS_F_DST | CBOX_CLS_F_DPORT,
		     4, 6, NULL, 0, "10.0.2.0", 24, 0, 0, 80, 80, 100) ||
	    cls_rule(1, CBOX_CLS_F_PROTO | CBOX_CLS_F_SRC, 6, 17, "fd00:1::",
		     64, NULL, 0, 0, 0, 0, 0, 200) ||
	    cls_rule(2, CBOX_CLS_F_PROTO, 0, 1, NULL, 0, NULL, 0, 0, 0, 0, 0,
		     300) ||
	    cls_rule(3, CBOX_CLS_F_SRC | CBOX_CLS_F_SPORT, 4, 0, "10.0.1.0",
		     26, NULL, 0, 1000, 2000, 0, 0, 400) ||
	    cls_rule(4, CBOX_CLS_F_DPORT, 0, 0, NULL, 0, NULL, 0, 0, 0, 53, 53,
		     500)) {
		result(0, "classifier: seed rules", "%s", strerror(errno));
		return;
	}
	f = flow4(6, 40000, 80, 1);
	cls_case("classifier: TCP to 10.0.2.0/24:80 -> SPI 100", &f, 100);
	cls_case("classifier: same flow again (cached decision)", &f, 100);
	f = flow4(6, 40000, 81, 1);
	cls_case("classifier: port 81 matches nothing, untouched", &f, 0);
	f = flow6(17, 9999, 9999, 2);
	cls_case("classifier: UDP from fd00:1::/64 -> SPI 200", &f, 200);
	f = flow4(1, 5, 0, 3);
	f.icmp_type = 8;
	cls_case("classifier: ICMP -> SPI 300", &f, 300);
	f = flow4(17, 1500, 9, 4);
	cls_case("classifier: src 10.0.1.0/26 sport 1000-2000 -> SPI 400", &f,
		 400);
	f = flow4(17, 1500, 9, 64);
	cls_case("classifier: src outside the /26 prefix, untouched", &f, 0);
	f = flow4(6, 1500, 80, 5);
	cls_case("classifier: two rules match, the first wins", &f, 100);
	f = flow6(6, 1, 53, 6);
	cls_case("classifier: IPv6 TCP dport 53 -> SPI 500", &f, 500);
	f = flow4(17, 1500, 9, 7);
	f.frag = 2;
	cls_case("classifier: later fragment keyed with ports 0, untouched", &f,
		 0);
	f = flow4(6, 40001, 80, 8);
	f.vlan = 9;
	cls_case("classifier: 802.1Q-tagged frame -> SPI 100", &f, 100);

	x = fx_new("classifier: ARP untouched", &cls, TC_ACT_OK, OUT_SAME,
		   CBOX_STAGE_CLS, CBOX_C_PASS);
	pb_eth(&x->in, BCAST, MAC_CLIENT, 0x0806);
	for (int i = 0; i < 28; i++)
		put8(&x->in, i);
	check(x);
	free(x);
	/*
	 * Issue 6: the local TCP stack hands TC egress multi-segment GSO skbs
	 * even with GSO/TSO off on the device (it segments them later, in
	 * the device's xmit path). Dropping them stalled every TCP flow.
	 * Pushed at the head, the frame is the usual encapsulation and the
	 * segment size (inner TCP payload per segment) is left alone.
	 */
	x = fx_new("classifier: matching GSO skb at egress encapsulated, gso_size kept",
		   &cls, TC_ACT_OK, OUT_EXPECT, CBOX_STAGE_CLS, CBOX_C_OUT);
	f = flow4(6, 40002, 80, 9);
	client_frame(&x->in, &f);
	cls_exp(&x->exp, &x->in, 100);
	x->gso = 1400;
	if (check(x))
		result(gso_size_out == 1400,
		       "classifier: GSO skb at egress keeps gso_size 1400",
		       "gso_size %u after the push", gso_size_out);
	free(x);
	x = fx_new("classifier: matching GSO skb at ingress dropped", &cls,
		   TC_ACT_SHOT, OUT_ANY, CBOX_STAGE_CLS, CBOX_C_DROP_ERR);
	f = flow4(6, 40003, 80, 9);
	client_frame(&x->in, &f);
	x->gso = 1400;
	x->as_host = ON_HOST_INGRESS;
	check(x);
	free(x);
}

static void test_sf(void)
{
	struct fixture *x;
	uint32_t zero = 0, ifx = 5;

	printf("--- Sample SFs\n");
	bpf_map_update_elem(obj_map(&sf, "cbox_sf_cfg"), &zero, &ifx, 0);
	bpf_map_update_elem(obj_map(&sfd, "cbox_sf_cfg"), &zero, &ifx, 0);
	x = fx_new("sf_redirect: redirects a frame addressed to it unchanged",
		   &sf, TC_ACT_REDIRECT, OUT_SAME, CBOX_STAGE_SF, CBOX_C_OUT);
	x->as_host = 1;
	decapped(&x->in, MAC_A, &F_TCP4);
	check(x);
	x->ob = &sfd;
	x->desc = "sf_redirect_delay: busy loop, then redirect";
	check(x);
	free(x);

	x = fx_new("sf_redirect: a frame for another host passes (no bounce)",
		   &sf, TC_ACT_OK, OUT_SAME, CBOX_STAGE_SF, CBOX_C_PASS);
	x->as_host = 1;
	decapped(&x->in, MAC_SERVER, &F_TCP4);
	check(x);
	free(x);
	x = fx_new("sf_redirect: a broadcast frame passes (no bounce)", &sf,
		   TC_ACT_OK, OUT_SAME, CBOX_STAGE_SF, CBOX_C_PASS);
	x->as_host = 1;
	decapped(&x->in, MAC_BCAST, &F_TCP4);
	check(x);
	free(x);
}

/* Classifier -> Dec A -> SF -> Egress A -> Dec B -> SF -> Egress B (end). */
static void test_two_boxes(void)
{
	struct flowspec f = flow4(6, 45000, 80, 20);
	struct fixture *s[6];
	struct nshspec n;
	int i;

	printf("--- Whole chain across two boxes (SPI 100)\n");
	s[0] = fx_new("chain 1/6: classifier pushes NSH (SI 255, TTL 63)", &cls,
		      TC_ACT_OK, OUT_EXPECT, CBOX_STAGE_CLS, CBOX_C_OUT);
	client_frame(&s[0]->in, &f);
	cls_exp(&s[0]->exp, &s[0]->in, 100);
	s[1] = fx_new("chain 2/6: box A Dec", &dec_a, XDP_PASS, OUT_EXPECT,
		      CBOX_STAGE_DEC, CBOX_C_OUT);
	decapped(&s[1]->exp, MAC_A, &f);
	s[2] = fx_new("chain 3/6: SF A (tc-redirect)", &sf, TC_ACT_REDIRECT,
		      OUT_EXPECT, CBOX_STAGE_SF, CBOX_C_OUT);
	s[2]->exp = s[1]->exp;
	s[2]->as_host = 1;
	s[3] = fx_new("chain 4/6: box A egress (SI 254, TTL 62, to B)", &eg_a,
		      TC_ACT_OK, OUT_EXPECT, CBOX_STAGE_ENC, CBOX_C_OUT);
	n = nsh_md1(100, 254, 62);
	memset(n.ctx, 0, sizeof(n.ctx));
	nsh_flow(&s[3]->exp, MAC_B, MAC_AE, &n, &f);
	s[3]->nsh = 1;
	s[3]->n = nx(100, 254, 62, 3);
	s[4] = fx_new("chain 5/6: box B Dec", &dec_b, XDP_PASS, OUT_EXPECT,
		      CBOX_STAGE_DEC, CBOX_C_OUT);
	decapped(&s[4]->exp, MAC_B, &f);
	s[5] = fx_new("chain 6/6: box B egress, end of chain: plain to the server",
		      &eg_b, TC_ACT_OK, OUT_EXPECT, CBOX_STAGE_ENC, CBOX_C_OUT);
	s[5]->exp.len = 0;
	pb_frame(&s[5]->exp, MAC_SERVER, MAC_BE, &f);

	client_frame(&s[0]->in, &f);
	for (i = 0; i < 6; i++) {
		/* SF B is L2-transparent like SF A: Dec B's output is what
		 * egress B sees */
		if (i > 0)
			s[i]->in = s[i - 1]->got;
		if (!check(s[i]))
			break;
	}
	for (i = 0; i < 6; i++)
		free(s[i]);
}

/*
 * The per-CPU cache in front of cbox_fwd (CBOX_FWD_CACHE_SLOTS): more
 * (SPI, SI) entries than slots, used in turn, so that slots are shared, must
 * each get their own next hop; a new entry is used at once (misses are not
 * cached); a changed or removed entry takes effect within a tick.
 */
static int sff_out(struct obj *ob, uint32_t spi, uint8_t si,
		   const uint8_t *hop, int *verdict)
{
	struct pkt inner = { .len = 0 }, in, out, exp;
	struct flowspec f = flow4(17, 1000, 53, 9);
	struct nshspec n = nsh_md1(spi, si, 63);
	int rv = -1;

	client_frame(&inner, &f);
	nsh_frame(&in, MAC_GW, MAC_A, &n, &inner);
	if (run(ob, &in, &out, &rv, 0, 0))
		return -1;
	*verdict = rv;
	if (!hop)
		return 0;
	n.ttl = 62;
	nsh_frame(&exp, hop, MAC_AE, &n, &inner);
	return rv == TC_ACT_OK && out.len == exp.len &&
			       !memcmp(out.b, exp.b, exp.len) ?
		       0 :
		       1;
}

/*
 * The host's proxy cache shared by Dec and the egress (CBOX_PROXY_CACHE_SLOTS):
 * a flow's NSH must come back right when it changes, also when Dec and the
 * egress run on different CPUs, when more flows than slots share the slots,
 * and an entry removed from the table must stop serving within a tick.
 */
static void on_cpu(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu % ncpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

static int cache_dec(uint16_t sport, uint32_t spi, uint32_t tag)
{
	struct flowspec f = flow4(17, sport, 4242, 9);
	struct nshspec n = nsh_md1(spi, 255, 63);
	struct pkt in, out;
	int rv;

	n.ctx[0] = tag;
	nsh_flow(&in, MAC_A, MAC_CLS, &n, &f);
	return run(&dec_a, &in, &out, &rv, 0, 0) || rv != XDP_PASS ? -1 : 0;
}

/* SPI of what box A's egress made of the flow (0: left plain), its context
 * word 0 in *tag; -1 on any other outcome. */
static long cache_egress(uint16_t sport, uint32_t *tag)
{
	struct flowspec f = flow4(17, sport, 4242, 9);
	struct pkt in, out;
	int rv;

	routed(&in, MAC_A, &f);
	if (run(&eg_a, &in, &out, &rv, 0, 0) || rv != TC_ACT_OK)
		return -1;
	if (out.len == in.len)
		return 0;
	if (out.len != in.len + CBOX_ENCAP_LEN || out.b[12] != 0x89 ||
	    out.b[13] != 0x4f || out.b[21] != 254)
		return -1;
	*tag = (uint32_t)out.b[22] << 24 | out.b[23] << 16 | out.b[24] << 8 |
	       out.b[25];
	return (long)((uint32_t)out.b[18] << 16 | out.b[19] << 8 | out.b[20]);
}

static void test_proxy_cache(void)
{
	struct bpf_map *m = bpf_object__find_map_by_name(dec_a.o,
							 "cbox_proxy_cache");
	uint32_t slots = m ? bpf_map__max_entries(m) : 0, nflows, i, tag = 0;
	struct cbox_proxy_key k;
	struct cbox_proxy_val v;
	int ok = 1, bad = 0;
	cpu_set_t all;
	long spi;

	printf("--- Proxy cache (%u slots)\n", slots);
	if (!slots) {
		result(0, "proxy cache: Dec has a cbox_proxy_cache", NULL);
		return;
	}
	/* SPI 200 ends the chain at box A (plain out), SPI 100 goes on to B */
	for (i = 0; i < 6 && ok; i++) {
		uint32_t want = i & 1 ? 100 : 200;

		spi = cache_dec(40000, want, 0x5000 + i) ? -1 :
							  cache_egress(40000, &tag);
		ok = want == 200 ? spi == 0 :
				   spi == 100 && tag == 0x5000 + i;
	}
	result(ok, "proxy cache: a flow's changed NSH is used at once", NULL);
	/* Dec on one CPU, the egress on another, the NSH changing each time
	 * (a loop's TTL does): the egress must never read an older one */
	sched_getaffinity(0, sizeof(all), &all);
	for (i = 0; i < 40 && ok; i++) {
		on_cpu(i);
		if (cache_dec(40002, 100, 0x6000 + i)) {
			ok = 0;
			break;
		}
		on_cpu(i + 1);
		ok = cache_egress(40002, &tag) == 100 && tag == 0x6000 + i;
	}
	sched_setaffinity(0, sizeof(all), &all);
	result(ok, "proxy cache: Dec and egress on different CPUs agree",
	       "pass %u of 40 on %d CPUs: tag %#x", i, ncpu, tag);

	nflows = 3 * slots;
	for (int round = 0; round < 2; round++) {
		for (i = 0; i < nflows; i++)
			bad += cache_dec(10000 + i, 100,
					 (uint32_t)round << 24 | i) != 0;
		for (i = 0; i < nflows; i++) {
			spi = cache_egress(10000 + i, &tag);
			bad += spi != 100 || tag != ((uint32_t)round << 24 | i);
		}
	}
	result(!bad, "proxy cache: 3x more flows than slots each get their own NSH back",
	       "%d of %u wrong", bad, 4 * nflows);

	/* the key Dec stored for flow4(17, 40001, 4242, 9) */
	ok = !cache_dec(40001, 100, 7) && cache_egress(40001, &tag) == 100;
	proxy_key4(&k, 1, 17, 9, 5, 40001, 4242);
	ok = ok && !bpf_map_delete_elem(obj_map(&dec_a, "cbox_proxy"), &k);
	result(ok, "proxy cache: setup of a flow removed from the table",
	       "the test's key does not match what Dec stored");
	usleep(50000);	/* more than a tick at any HZ */
	result(cache_egress(40001, &tag) == 0,
	       "proxy cache: a removed entry stops serving after a tick", NULL);
	ok = !cache_dec(40001, 100, 7) &&
	     !bpf_map_lookup_elem(obj_map(&dec_a, "cbox_proxy"), &k, &v) &&
	     ntohl(v.nsh.ctx[0]) == 7;
	result(ok, "proxy cache: Dec puts the removed entry back", NULL);
}

static void test_fwd_cache(void)
{
	const uint32_t nent = 300;
	struct obj s;
	uint8_t mac[6] = { 0x02, 0xfc, 0, 0, 0, 0 }, mac2[6];
	struct cbox_fwd_key k;
	uint32_t i, bad = 0;
	uint64_t drops;
	int rv, fd;

	printf("--- Fwd lookup cache (%u entries)\n", nent);
	if (open_egress(&s, "fwd.bpf.o", 0, NULL, MAC_AE, NULL) ||
	    obj_resize(&s, "cbox_fwd", 1024) || obj_load(&s, "cbox_sff")) {
		result(0, "fwd cache: load", NULL);
		return;
	}
	fd = obj_map(&s, "cbox_fwd");
	/* SPIs and SIs both vary, so any slot function sees spread keys */
	for (i = 0; i < nent; i++) {
		mac[4] = i >> 8, mac[5] = i & 0xff;
		if (fwd_put(&s, 7000 + i / 3, 250 - i % 3, 0, mac, 0, 0))
			bad++;
	}
	for (int pass = 0; pass < 3; pass++) {
		for (i = 0; i < nent; i++) {
			uint32_t j = pass == 1 ? nent - 1 - i : i;

			mac[4] = j >> 8, mac[5] = j & 0xff;
			if (sff_out(&s, 7000 + j / 3, 250 - j % 3, mac, &rv))
				bad++;
		}
	}
	result(!bad, "fwd cache: every (SPI, SI) of more than the slots gets its own next hop",
	       "%u wrong outputs", bad);

	/* a miss, then the entry appears: used by the very next packet */
	drops = stat_get(&s, CBOX_STAGE_FWD, CBOX_C_DROP_NO_HOP);
	if (sff_out(&s, 9000, 9, NULL, &rv) || rv != TC_ACT_SHOT ||
	    stat_get(&s, CBOX_STAGE_FWD, CBOX_C_DROP_NO_HOP) != drops + 1) {
		result(0, "fwd cache: unknown (SPI, SI) dropped", "verdict %d",
		       rv);
	} else {
		result(1, "fwd cache: unknown (SPI, SI) dropped", NULL);
		fwd_put(&s, 9000, 9, 0, MAC_D, 0, 0);
		result(!sff_out(&s, 9000, 9, MAC_D, &rv),
		       "fwd cache: a new entry is used at once", "verdict %d",
		       rv);
	}

	/* changed: the old hop may serve until the tick ends, not longer
	 * (50 ms: five ticks even at HZ=100) */
	memcpy(mac2, MAC_C, 6);
	fwd_put(&s, 7000, 250, 0, mac2, 0, 0);
	usleep(50000);
	result(!sff_out(&s, 7000, 250, mac2, &rv),
	       "fwd cache: a changed entry takes effect within a tick",
	       "verdict %d", rv);

	k.sph = (7000 << 8) | 250;
	bpf_map_delete_elem(fd, &k);
	usleep(50000);
	drops = stat_get(&s, CBOX_STAGE_FWD, CBOX_C_DROP_NO_HOP);
	result(!sff_out(&s, 7000, 250, NULL, &rv) && rv == TC_ACT_SHOT &&
		       stat_get(&s, CBOX_STAGE_FWD, CBOX_C_DROP_NO_HOP) ==
			       drops + 1,
	       "fwd cache: a removed entry stops forwarding within a tick",
	       "verdict %d", rv);
	bpf_object__close(s.o);
}

/* A flood of twice the table size in flows must not wedge the chain. */
static void test_lru(void)
{
	struct obj d, e;
	const uint32_t size = 256, flows = 2 * size;
	struct cbox_proxy_key k, next;
	uint32_t count = 0, i;
	int proxy, ok = 1, rv;
	struct pkt in, out;
	struct nshspec n = nsh_md1(100, 255, 63);

	printf("--- Proxy LRU (%u entries, %u flows)\n", size, flows);
	if (obj_open(&d, objdir, "dec.bpf.o") ||
	    obj_set(&d, "cbox_mac", MAC_A, 6) ||
	    obj_set32(&d, "cbox_box_id", 1) ||
	    obj_resize(&d, "cbox_proxy", size) || obj_load(&d, "cbox_dec")) {
		result(0, "lru: load", NULL);
		return;
	}
	proxy = obj_map(&d, "cbox_proxy");
	if (open_egress(&e, "egress.bpf.o", 1, MAC_A, MAC_AE, &d) ||
	    obj_load(&e, "cbox_egress") ||
	    fwd_put(&e, 100, 254, 0, MAC_B, 0, 0)) {
		result(0, "lru: load egress", NULL);
		return;
	}
	for (i = 0; i < flows && ok; i++) {
		struct flowspec f = flow4(17, 10000 + i, 53, i & 0xff);

		f.b = i >> 8;
		in.len = 0;
		nsh_flow(&in, MAC_A, MAC_CLS, &n, &f);
		ok = !run(&d, &in, &out, &rv, 0, 0) && rv == XDP_PASS;
	}
	result(ok, "lru: Dec stored every one of the flows", NULL);

	ok = bpf_map_get_next_key(proxy, NULL, &k) == 0;
	while (ok) {
		count++;
		if (bpf_map_get_next_key(proxy, &k, &next))
			break;
		k = next;
	}
	result(count > 0 && count <= size,
	       "lru: table holds at most its size after the flood",
	       "%u entries", count);

	ok = 1;
	for (i = flows - 8; i < flows; i++) {
		struct flowspec f = flow4(17, 10000 + i, 53, i & 0xff);

		f.b = i >> 8;
		routed(&in, MAC_A, &f);
		if (run(&e, &in, &out, &rv, 0, 0) || rv != TC_ACT_OK ||
		    out.len != in.len + CBOX_ENCAP_LEN || out.b[12] != 0x89)
			ok = 0;
	}
	result(ok, "lru: the newest flows are still chained after the flood",
	       NULL);
	bpf_object__close(d.o);
	bpf_object__close(e.o);
}

/* ---------- independent decoders ---------- */

static int write_pcap(const char *path)
{
	FILE *fp = fopen(path, "wb");
	uint32_t gh[6] = { 0xa1b2c3d4, 0x00040002, 0, 0, 65535, 1 };

	if (!fp)
		return -1;
	fwrite(gh, 4, 6, fp);
	for (int i = 0; i < npcap; i++) {
		uint32_t rh[4] = { i + 1, 0, pcap_pkts[i].len,
				   pcap_pkts[i].len };

		fwrite(rh, 4, 4, fp);
		fwrite(pcap_pkts[i].b, 1, pcap_pkts[i].len, fp);
	}
	return fclose(fp);
}

/* Reads "spi,si,ttl,mdtype,np,len" lines and compares them in order. */
static void cross_check(const char *tool, const char *cmd)
{
	FILE *p = popen(cmd, "r");
	char line[256];
	int i = 0, bad = 0;

	if (!p) {
		result(0, tool, "cannot run %s", cmd);
		return;
	}
	while (fgets(line, sizeof(line), p) && i < npcap) {
		unsigned long v[6] = { 0 };
		struct nsh_expect *e = &pcap_exp[i];
		char desc[300];

		if (sscanf(line, "%li,%li,%li,%li,%li,%li", &v[0], &v[1], &v[2],
			   &v[3], &v[4], &v[5]) != 6) {
			v[0] = ~0UL;
		}
		snprintf(desc, sizeof(desc), "%s decodes: %s", tool,
			 pcap_desc[i]);
		if (v[0] != e->spi || v[1] != e->si || v[2] != e->ttl ||
		    v[3] != e->mdtype || v[4] != e->np || v[5] != e->len) {
			result(0, desc,
			       "decoded %s, want %u,%u,%u,%u,%u,%u", line,
			       e->spi, e->si, e->ttl, e->mdtype, e->np,
			       e->len);
			bad++;
		} else {
			result(1, desc, NULL);
		}
		i++;
	}
	pclose(p);
	if (i != npcap)
		result(0, tool, "decoded %d of %d frames", i, npcap);
	(void)bad;
}

/* ---------- classifier index vs. an independent first-match model ---------- */

struct ref_rule {
	uint32_t flags;
	uint8_t family, proto, src_len, dst_len;
	uint8_t src[16], dst[16];
	uint16_t slo, shi, dlo, dhi;
};

static uint32_t rng_state = 0x12345678;

static uint32_t rnd(uint32_t n)
{
	/* xorshift32: reproducible across runs */
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 17;
	rng_state ^= rng_state << 5;
	return rng_state % n;
}

/* bit by bit, unlike the word masks of the BPF side */
static int ref_prefix(const uint8_t *a, const uint8_t *p, int len)
{
	for (int i = 0; i < len && i < 128; i++) {
		int m = 0x80 >> (i & 7);

		if ((a[i / 8] & m) != (p[i / 8] & m))
			return 0;
	}
	return 1;
}

static int ref_first(const struct ref_rule *r, int n, int family,
		     uint8_t proto, const uint8_t *src, const uint8_t *dst,
		     uint16_t sp, uint16_t dp)
{
	for (int i = 0; i < n; i++, r++) {
		if (r->family && r->family != family)
			continue;
		if ((r->flags & CBOX_CLS_F_PROTO) && r->proto != proto)
			continue;
		if ((r->flags & CBOX_CLS_F_SPORT) && (sp < r->slo || sp > r->shi))
			continue;
		if ((r->flags & CBOX_CLS_F_DPORT) && (dp < r->dlo || dp > r->dhi))
			continue;
		if ((r->flags & CBOX_CLS_F_SRC) &&
		    !ref_prefix(src, r->src, r->src_len))
			continue;
		if ((r->flags & CBOX_CLS_F_DST) &&
		    !ref_prefix(dst, r->dst, r->dst_len))
			continue;
		return i;
	}
	return -1;
}

static void rnd_addr(uint8_t *a, int family)
{
	memset(a, 0, 16);
	if (family == 4) {
		a[0] = 10, a[1] = rnd(3), a[2] = rnd(3), a[3] = rnd(4);
	} else {
		a[0] = 0xfd, a[3] = rnd(3), a[7] = rnd(3), a[15] = rnd(4);
	}
}

static uint16_t rnd_port(void)
{
	static const uint16_t p[] = { 53, 80, 443, 1000, 1001, 1002, 8080 };

	return rnd(8) ? p[rnd(7)] : rnd(65536);
}

/*
 * n rules drawn from `shapes` shape templates (fields, family, prefix
 * lengths; ranges where range_pct says), then flows drawn from the same
 * small value sets, so that many rules overlap and the first match matters.
 * Every verdict is checked against ref_first. With more shapes than the
 * index holds the object falls back to the scan: same answers.
 */
static void cls_index_run(const char *desc, int n, int shapes, int range_pct)
{
	static struct ref_rule rr[1024];
	static const uint8_t protos[] = { 6, 17, 1 };
	struct obj o;
	int fd, bad = 0, matched = 0, nflows = 3000, winners = 0;
	static uint8_t won[1024];
	struct pkt *ins = NULL;
	int *wants = NULL;
	char why[200] = "";

	if (obj_open(&o, objdir, "classifier.bpf.o") ||
	    obj_set32(&o, "cbox_cls_n_rules", n) ||
	    obj_load(&o, "cbox_classify")) {
		result(0, desc, "load");
		return;
	}
	fd = obj_map(&o, "cbox_cls_rules");
	memset(won, 0, sizeof(won));
	for (int i = 0; i < n; i++) {
		int t = rnd(shapes);
		uint32_t seed = rng_state;
		struct ref_rule *r = &rr[i];
		struct cbox_cls_rule k = { 0 };

		/* the template: fields and lengths fixed per t */
		rng_state = 0x9e3779b9u * (t + 1);
		memset(r, 0, sizeof(*r));
		/* ports and proto in most shapes, so that a flow matches
		 * few rules and the winners spread over the list */
		r->flags = (1 + rnd(31)) | (t ? CBOX_CLS_F_PROTO |
						CBOX_CLS_F_SPORT |
						CBOX_CLS_F_DPORT : 0);
		r->family = rnd(5) ? (rnd(4) ? 4 : 6) : 0;
		if (!r->family)
			r->flags &= ~(CBOX_CLS_F_SRC | CBOX_CLS_F_DST);
		r->src_len = r->family == 4 ? 8 * (1 + rnd(4)) : 16 * (1 + rnd(8));
		r->dst_len = r->family == 4 ? 8 * (1 + rnd(4)) : 16 * (1 + rnd(8));
		rng_state = seed;
		if (!(r->flags & CBOX_CLS_F_SRC))
			r->src_len = 0;
		if (!(r->flags & CBOX_CLS_F_DST))
			r->dst_len = 0;
		r->proto = protos[rnd(3)];
		if (r->flags & CBOX_CLS_F_SRC)
			rnd_addr(r->src, r->family);
		if (r->flags & CBOX_CLS_F_DST)
			rnd_addr(r->dst, r->family);
		r->slo = r->shi = rnd_port();
		r->dlo = r->dhi = rnd_port();
		if ((int)rnd(100) < range_pct) {
			r->slo = r->slo > 20 ? r->slo - 20 : 0;
			r->dhi = r->dhi < 65000 ? r->dhi + 500 : 65535;
		}
		k.flags = r->flags, k.family = r->family, k.proto = r->proto;
		k.src_len = r->src_len, k.dst_len = r->dst_len;
		memcpy(k.src, r->src, 16), memcpy(k.dst, r->dst, 16);
		k.sport_lo = r->slo, k.sport_hi = r->shi;
		k.dport_lo = r->dlo, k.dport_hi = r->dhi;
		k.spi = 1000 + i;
		memcpy(k.next_mac, MAC_A, 6);
		if (bpf_map_update_elem(fd, &i, &k, BPF_ANY)) {
			result(0, desc, "rule %d: %s", i, strerror(errno));
			return;
		}
	}
	ins = calloc(nflows, sizeof(*ins));
	wants = calloc(nflows, sizeof(*wants));
	if (!ins || !wants) {
		result(0, desc, "out of memory");
		goto out;
	}
	for (int j = 0; j < nflows; j++) {
		struct flowspec f = flow4(protos[rnd(3)], rnd_port(),
					  rnd_port(), 0);
		struct pkt *in = &ins[j];
		uint8_t src[16], dst[16];
		uint16_t sp, dp;

		f.family = rnd(3) ? 4 : 6;
		if (f.proto == 1) {
			f.proto = f.family == 4 ? 1 : 58;
			f.icmp_type = f.family == 4 ? 8 : 128;
		}
		rnd_addr(src, f.family);
		rnd_addr(dst, f.family);
		client_frame(in, &f);
		/* addresses straight into the IP header */
		memcpy(in->b + 14 + (f.family == 4 ? 12 : 8), src,
		       f.family == 4 ? 4 : 16);
		memcpy(in->b + 14 + (f.family == 4 ? 16 : 24), dst,
		       f.family == 4 ? 4 : 16);
		sp = f.sport;
		dp = f.proto == 6 || f.proto == 17 ? f.dport : 0;
		wants[j] = ref_first(rr, n, f.family, f.proto, src, dst, sp, dp);
		matched += wants[j] >= 0;
		if (wants[j] >= 0 && !won[wants[j]]++)
			winners++;
	}
	/* Pass 0 scans the rules; pass 1 takes every decision from the caches
	 * (more flows than front slots, so slots are shared and evicted). */
	for (int pass = 0; pass < 2; pass++) {
		for (int j = 0; j < nflows; j++) {
			struct pkt *in = &ins[j], out = { 0 };
			int rv, got = -1;

			if (run(&o, in, &out, &rv, 0, 0) || rv != 0) {
				bad++;
				continue;
			}
			if (out.len == in->len + 38 && out.b[12] == 0x89 &&
			    out.b[13] == 0x4f)
				got = (int)(((uint32_t)out.b[18] << 16 |
					     out.b[19] << 8 | out.b[20]) -
					    1000);
			else if (out.len != in->len ||
				 memcmp(out.b, in->b, in->len))
				got = -2;
			if (got != wants[j]) {
				if (!bad)
					snprintf(why, sizeof(why),
						 "pass %d, flow %d: rule %d, model says %d",
						 pass, j, got, wants[j]);
				bad++;
			}
		}
	}
out:
	free(ins);
	free(wants);
	bpf_object__close(o.o);
	result(!bad && matched > nflows / 10 && matched < nflows &&
		       winners >= 30,
	       desc, "%d/%d flows wrong, %d matched (%d distinct rules); %s",
	       bad, nflows, matched, winners, why);
}

static void test_cls_index(void)
{
	printf("--- Classifier rule index vs. a first-match model\n");
	cls_index_run("cls index: 1000 rules, 12 shapes, exact ports", 1000, 12,
		      0);
	cls_index_run("cls index: 1000 rules, 12 shapes, 30% port ranges", 1000,
		      12, 30);
	cls_index_run("cls index: 300 rules, 60 shapes (scan fallback)", 300,
		      60, 20);
}

int main(int argc, char **argv)
{
	char pcap[512], cmd[1400];

	if (argc > 1)
		objdir = argv[1];
	if (argc > 2)
		workdir = argv[2];
	setvbuf(stdout, NULL, _IOLBF, 0);
	ncpu = libbpf_num_possible_cpus();
	if (ncpu <= 0 || ncpu > 512)
		return 3;
	init_flows();
	/* a private netns for a veth end with MAC_A (see host_ifindex) */
	if (unshare(CLONE_NEWNET) ||
	    system("ip link add cbt0 address 02:cb:00:00:00:01 type veth peer name cbt1 && ip link set cbt0 up"))
		printf("FAIL: setup of a private netns with a veth end\n");
	host_ifindex = (int)if_nametoindex("cbt0");

	if (setup()) {
		printf("FAIL: setup (load of the objects in %s)\n", objdir);
		printf("test-bpf: 0 passed, 1 failed\n");
		return 1;
	}
	test_dec();
	test_egress();
	test_split();
	test_fwd_only();
	test_classifier();
	test_cls_index();
	test_sf();
	test_two_boxes();
	test_lru();
	test_fwd_cache();
	test_proxy_cache();

	printf("--- Cross-check of %d encapsulated outputs\n", npcap);
	snprintf(pcap, sizeof(pcap), "%s/cbox-test-bpf-%d.pcap", workdir,
		 (int)getpid());
	if (write_pcap(pcap)) {
		result(0, "write pcap", "%s", strerror(errno));
	} else {
		snprintf(cmd, sizeof(cmd),
			 "tshark -r '%s' -T fields -E separator=, -e nsh.spi -e nsh.si -e nsh.ttl -e nsh.mdtype -e nsh.nextproto -e nsh.length 2>/dev/null",
			 pcap);
		cross_check("tshark", cmd);
		snprintf(cmd, sizeof(cmd),
			 "/usr/bin/python3 %s/nsh_decode.py '%s' 2>&1",
			 getenv("CBOX_TEST_DIR") ? getenv("CBOX_TEST_DIR") :
						   "tests/bpf",
			 pcap);
		cross_check("scapy", cmd);
		unlink(pcap);
	}
	printf("test-bpf: %d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
