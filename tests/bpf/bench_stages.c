// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * bench_stages: nanoseconds per packet for each BPF stage at 1, 1k and 64k
 * flows, beside the thesis (Table 6.3) and the targets, plus translated
 * instruction counts beside Table 6.1.
 *
 * Method (see tests/bpf/README.md): one BPF_PROG_TEST_RUN call covers many
 * packets, so its fixed cost and the timer's granularity vanish, and the
 * same harness without the stage is subtracted.
 *  - XDP (Dec): BPF_F_TEST_XDP_LIVE_FRAMES with a large repeat; the bench
 *    build of Dec (tests/bpf/bench_dec.bpf.c) turns every verdict into
 *    XDP_DROP; minus bench_xdp_empty (same flow writes, XDP_DROP) under the
 *    same live-frames run.
 *  - TC: no live frames; the bench program repeats the stage with bpf_loop
 *    and puts the frame back after each run (tests/bpf/bench_harness.h);
 *    minus the same loop that only puts the frame back. For stages that push
 *    a header the undo includes a shrink, so two figures are given: "incl.
 *    undo" (an upper bound) and "excl. push" (minus a loop that does the
 *    same push and undo with no stage: a lower bound).
 * Every run checks that each packet took the intended path (verdict and
 * length, bench_bad == 0) and that the stage's OUT counter moved, so no
 * figure comes from a wrong path. Median of ROUNDS runs; beside it
 * min(stage) - min(baseline) over the same runs, which a busy shared machine
 * disturbs less (interference only ever adds time), so A/B comparisons of
 * a few ns are best read there.
 *
 * usage: bench_stages [BPF_OBJ_DIR [BENCH_OBJ_DIR]]
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/bpf.h>

#include "common_kern_user.h"
#include "pkt.h"
#include "bpfobj.h"

static const uint8_t MAC_CLIENT[6] = { 0x02, 0, 0, 0, 0, 0x0a };
static const uint8_t MAC_SERVER[6] = { 0x02, 0, 0, 0, 0, 0x0b };
static const uint8_t MAC_PREV[6] = { 0x02, 0, 0, 0, 0, 0xc1 };
static const uint8_t MAC_A[6] = { 0x02, 0xcb, 0, 0, 0, 0x01 };
static const uint8_t MAC_AE[6] = { 0x02, 0xcb, 0, 0, 0, 0x11 };
static const uint8_t MAC_B[6] = { 0x02, 0xcb, 0, 0, 0, 0x02 };
static const uint8_t MAC_GW[6] = { 0x02, 0, 0, 0, 0, 0x99 };

#define NRULES 1024
#define ROUNDS 9
#define MIN_PKTS 200000
#define L4_ETH 34		/* UDP sport in eth + IPv4 */
#define L4_NSH (38 + 34)	/* behind outer eth + NSH */
#define TC_OK 0

static const char *objdir = "build/bpf";
static const char *benchdir = "build/tests/bpf";
static int failed;

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int prog_fd(struct obj *ob, const char *name)
{
	struct bpf_program *p = bpf_object__find_program_by_name(ob->o, name);

	return p ? bpf_program__fd(p) : -1;
}

/* The .bss of a bench object: counters the harness keeps. */
static int bss(struct obj *ob, const char *var, uint64_t *get, int zero)
{
	struct bpf_map *m;
	size_t off = 0, sz = 0;
	static uint8_t buf[65536];
	uint32_t k = 0;

	if (elf_sym(ob->path, var, &off, &sz) || sz > 8)
		return -1;
	bpf_object__for_each_map(m, ob->o) {
		const char *n = bpf_map__name(m);
		size_t l = strlen(n);

		if (l > 4 && !strcmp(n + l - 4, ".bss")) {
			int fd = bpf_map__fd(m);

			if (bpf_map__value_size(m) > sizeof(buf) ||
			    bpf_map_lookup_elem(fd, &k, buf))
				return -1;
			if (get) {
				*get = 0;
				memcpy(get, buf + off, sz);
			}
			if (zero) {
				memset(buf + off, 0, sz);
				return bpf_map_update_elem(fd, &k, buf, 0);
			}
			return 0;
		}
	}
	return -1;
}

static uint64_t stat_sum(struct obj *ob, uint32_t stage, uint32_t c)
{
	int fd = obj_map(ob, "cbox_stats"), n = libbpf_num_possible_cpus();
	uint64_t v[512] = { 0 }, s = 0;
	uint32_t k = stage * CBOX_C_MAX + c;

	if (fd < 0 || n > 512 || bpf_map_lookup_elem(fd, &k, v))
		return 0;
	for (int i = 0; i < n; i++)
		s += v[i];
	return s;
}

/* One test run: ns per packet, or -1. */
static double run1(int fd, const struct pkt *in, uint32_t repeat, int live)
{
	static struct pkt out;
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = in->b,
		    .data_size_in = in->len, .repeat = repeat);

	if (live) {
		o.flags = BPF_F_TEST_XDP_LIVE_FRAMES;
	} else {
		o.data_out = out.b;
		o.data_size_out = sizeof(out.b);
	}
	if (bpf_prog_test_run_opts(fd, &o)) {
		fprintf(stderr, "test run: %s\n", strerror(errno));
		return -1;
	}
	return o.duration;
}

/*
 * Median over ROUNDS of (stage - baseline) ns per packet, each round a
 * stage run and a baseline run back to back. XDP: per repeat; TC: the loop
 * of `iters` is one run, so its duration is divided by iters.
 */
static double measure(double *lo, struct obj *ob, const char *stage,
		      const char *base,
		      const struct pkt *in, uint32_t iters, int live,
		      uint32_t cstage, uint32_t cout)
{
	int fs = prog_fd(ob, stage), fb = prog_fd(ob, base);
	uint32_t rep = live ? iters : 1;
	double d[ROUNDS], div = live ? 1 : iters, smin = 1e18, bmin = 1e18;
	uint64_t bad = 0, runs = 0, out0, out1;

	if (fs < 0 || fb < 0)
		return -1;
	/* warm up: every flow seen once (proxy and cache entries exist) */
	if (run1(fs, in, rep, live) < 0 || run1(fb, in, rep, live) < 0)
		return -1;
	bss(ob, "bench_bad", NULL, 1);
	bss(ob, "bench_runs", NULL, 1);
	out0 = stat_sum(ob, cstage, cout);
	for (int r = 0; r < ROUNDS; r++) {
		double s = run1(fs, in, rep, live), b = run1(fb, in, rep, live);

		if (s < 0 || b < 0)
			return -1;
		d[r] = (s - b) / div;
		smin = s < smin ? s : smin;
		bmin = b < bmin ? b : bmin;
	}
	out1 = stat_sum(ob, cstage, cout);
	bss(ob, "bench_bad", &bad, 0);
	bss(ob, "bench_runs", &runs, 0);
	/* runs counts stage and baseline packets alike */
	if (bad || runs != 2ull * ROUNDS * iters ||
	    out1 - out0 != (uint64_t)ROUNDS * iters) {
		fprintf(stderr,
			"%s: %llu of %llu packets off the measured path, OUT +%llu (want %llu)\n",
			stage, (unsigned long long)bad,
			(unsigned long long)runs,
			(unsigned long long)(out1 - out0),
			(unsigned long long)ROUNDS * iters);
		failed = 1;
		return -1;
	}
	qsort(d, ROUNDS, sizeof(d[0]), cmp_d);
	*lo = (smin - bmin) / div;
	return d[ROUNDS / 2];
}

static int bench_open(struct obj *ob, const char *file, uint32_t l4off,
		      uint32_t nflows, uint32_t iters, int32_t expect)
{
	if (obj_open(ob, benchdir, file) ||
	    obj_set32(ob, "bench_l4_off", l4off) ||
	    obj_set32(ob, "bench_nflows", nflows) ||
	    obj_set32(ob, "bench_iters", iters) ||
	    obj_set32(ob, "bench_expect", (uint32_t)expect))
		return -1;
	return 0;
}

static int fwd_put(int fd, uint32_t spi, uint8_t si, uint16_t flags,
		   const uint8_t *mac)
{
	struct cbox_fwd_key k = { (spi << 8) | si };
	struct cbox_fwd_val v = { .flags = flags };

	if (mac)
		memcpy(v.mac, mac, 6);
	return bpf_map_update_elem(fd, &k, &v, BPF_ANY);
}

/* 1k rules; only the last one matches the benchmark's UDP flows. */
static int cls_rules(struct obj *ob)
{
	for (uint32_t i = 0; i < NRULES; i++) {
		struct cbox_cls_rule r = { .flags = CBOX_CLS_F_PROTO |
						    CBOX_CLS_F_DST |
						    CBOX_CLS_F_DPORT,
					   .family = 4, .proto = 6,
					   .dst_len = 24, .dport_lo = i,
					   .dport_hi = i, .spi = 100 };

		r.dst[0] = 10, r.dst[1] = 9;
		if (i == NRULES - 1) {
			r.flags = CBOX_CLS_F_PROTO;
			r.proto = 17;
		}
		memcpy(r.next_mac, MAC_A, 6);
		if (bpf_map_update_elem(obj_map(ob, "cbox_cls_rules"), &i, &r,
					0))
			return -1;
	}
	return 0;
}

static int xlated(int fd, uint32_t *jited)
{
	struct bpf_prog_info info = { 0 };
	uint32_t len = sizeof(info);

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -1;
	*jited = info.jited_prog_len;
	return info.xlated_prog_len / 8;
}

static void show_size(const char *name, int fd, const char *thesis)
{
	uint32_t jit = 0;
	int n = xlated(fd, &jit);

	printf("%-24s %8d %9u   %s\n", name, n, jit, thesis);
}

enum {
	R_DEC, R_EG_NEXT, R_EG_NEXT_X, R_EG_END, R_SFF, R_EGN, R_CLS,
	R_CLS_X, R_SCAN, R_SCAN_X, R_N
};

/* All measurements for one flow count. */
static int bench_flows(uint32_t n, double *res, double *lo)
{
	uint32_t iters = n * 2 > MIN_PKTS ? n * 2 : MIN_PKTS;
	struct obj dec, eg, ege, sff, egn, cls, scan;
	struct pkt nshf = { 0 }, nshf_end = { 0 }, rout = { 0 },
		   rout_end = { 0 }, nshfwd = { 0 }, cli = { 0 };
	struct flowspec f = { .family = 4, .proto = 17, .sport = 0,
			      .dport = 53, .vlan = -1, .payload = 64 };
	struct nshspec h = nsh_md1(100, 255, 63);
	struct pkt inner = { 0 }, inner_end = { 0 };
	int rc = -1;

	pb_frame(&inner, MAC_SERVER, MAC_CLIENT, &f);
	cli = inner;
	pb_eth(&nshf, MAC_A, MAC_PREV, CBOX_ETH_P_NSH);
	pb_nsh(&nshf, &h);
	pb_append(&nshf, &inner);
	pb_frame(&rout, MAC_GW, MAC_A, &f);
	h = nsh_md1(100, 254, 63);
	pb_eth(&nshfwd, MAC_GW, MAC_A, CBOX_ETH_P_NSH);
	pb_nsh(&nshfwd, &h);
	pb_append(&nshfwd, &inner);
	/* chain 200 ends at this box: its flows use dport 54 */
	f.dport = 54;
	pb_frame(&inner_end, MAC_SERVER, MAC_CLIENT, &f);
	h = nsh_md1(200, 255, 63);
	pb_eth(&nshf_end, MAC_A, MAC_PREV, CBOX_ETH_P_NSH);
	pb_nsh(&nshf_end, &h);
	pb_append(&nshf_end, &inner_end);
	pb_frame(&rout_end, MAC_GW, MAC_A, &f);

	memset(&dec, 0, sizeof(dec));
	if (bench_open(&dec, "bench_dec.bpf.o", L4_NSH, n, iters, XDP_PASS) ||
	    obj_set(&dec, "cbox_mac", MAC_A, 6) ||
	    obj_set32(&dec, "cbox_box_id", 1) ||
	    obj_resize(&dec, "cbox_proxy", 4 * 65536) ||
	    obj_load(&dec, "bench_xdp_stage"))
		return -1;
	res[R_DEC] = measure(&lo[R_DEC], &dec, "bench_xdp_stage", "bench_xdp_empty", &nshf,
			     iters, 1, CBOX_STAGE_DEC, CBOX_C_OUT);
	/* the end-of-chain flows' proxy entries, for the egress below */
	if (run1(prog_fd(&dec, "bench_xdp_stage"), &nshf_end, iters, 1) < 0)
		return -1;

	if (bench_open(&eg, "bench_egress.bpf.o", L4_ETH, n, iters, TC_OK) ||
	    obj_set32(&eg, "cbox_box_id", 1) ||
	    obj_set(&eg, "cbox_mac", MAC_A, 6) ||
	    obj_set(&eg, "cbox_egress_mac", MAC_AE, 6) ||
	    obj_share_proxy(&eg, &dec) ||
	    obj_load(&eg, "bench_tc_stage") ||
	    fwd_put(obj_map(&eg, "cbox_fwd"), 100, 254, 0, MAC_B))
		goto out;
	res[R_EG_NEXT] = measure(&lo[R_EG_NEXT], &eg, "bench_tc_stage", "bench_tc_store",
				 &rout, iters, 0, CBOX_STAGE_ENC, CBOX_C_OUT);
	res[R_EG_NEXT_X] = measure(&lo[R_EG_NEXT_X], &eg, "bench_tc_stage", "bench_tc_ar", &rout,
				   iters, 0, CBOX_STAGE_ENC, CBOX_C_OUT);

	if (bench_open(&ege, "bench_egress.bpf.o", L4_ETH, n, iters, TC_OK) ||
	    obj_set32(&ege, "cbox_box_id", 1) ||
	    obj_set(&ege, "cbox_mac", MAC_A, 6) ||
	    obj_set(&ege, "cbox_egress_mac", MAC_AE, 6) ||
	    obj_share_proxy(&ege, &dec) ||
	    obj_load(&ege, "bench_tc_stage") ||
	    fwd_put(obj_map(&ege, "cbox_fwd"), 200, 254, CBOX_FWD_END, NULL))
		goto out;
	res[R_EG_END] = measure(&lo[R_EG_END], &ege, "bench_tc_stage", "bench_tc_store",
				&rout_end, iters, 0, CBOX_STAGE_ENC,
				CBOX_C_OUT);

	if (bench_open(&sff, "bench_sff.bpf.o", L4_NSH, n, iters, TC_OK) ||
	    obj_set(&sff, "cbox_egress_mac", MAC_AE, 6) ||
	    obj_load(&sff, "bench_tc_stage") ||
	    fwd_put(obj_map(&sff, "cbox_fwd"), 100, 254, 0, MAC_B))
		goto out;
	res[R_SFF] = measure(&lo[R_SFF], &sff, "bench_tc_stage", "bench_tc_store", &nshfwd,
			     iters, 0, CBOX_STAGE_FWD, CBOX_C_OUT);

	if (bench_open(&egn, "bench_egress.bpf.o", L4_NSH, n, iters, TC_OK) ||
	    obj_set32(&egn, "cbox_enc_enabled", 0) ||
	    obj_set(&egn, "cbox_egress_mac", MAC_AE, 6) ||
	    obj_share_proxy(&egn, &dec) ||
	    obj_load(&egn, "bench_tc_stage") ||
	    fwd_put(obj_map(&egn, "cbox_fwd"), 100, 254, 0, MAC_B))
		goto out;
	res[R_EGN] = measure(&lo[R_EGN], &egn, "bench_tc_stage", "bench_tc_store", &nshfwd,
			     iters, 0, CBOX_STAGE_FWD, CBOX_C_OUT);

	if (bench_open(&cls, "bench_cls.bpf.o", L4_ETH, n, iters, TC_OK) ||
	    obj_set32(&cls, "cbox_cls_n_rules", NRULES) ||
	    obj_resize(&cls, "cbox_cls_cache", 4 * 65536) ||
	    obj_load(&cls, "bench_tc_stage") || cls_rules(&cls))
		goto out;
	res[R_CLS] = measure(&lo[R_CLS], &cls, "bench_tc_stage", "bench_tc_store", &cli,
			     iters, 0, CBOX_STAGE_CLS, CBOX_C_OUT);
	res[R_CLS_X] = measure(&lo[R_CLS_X], &cls, "bench_tc_stage", "bench_tc_ar", &cli,
			       iters, 0, CBOX_STAGE_CLS, CBOX_C_OUT);

	/* first packets: fewer of them, the old scan costs microseconds */
	if (bench_open(&scan, "bench_cls_nocache.bpf.o", L4_ETH, n,
		       n > 20000 ? n : 20000, TC_OK) ||
	    obj_set32(&scan, "cbox_cls_n_rules", NRULES) ||
	    obj_load(&scan, "bench_tc_stage") || cls_rules(&scan))
		goto out;
	res[R_SCAN] = measure(&lo[R_SCAN], &scan, "bench_tc_stage", "bench_tc_store", &cli,
			      n > 20000 ? n : 20000, 0, CBOX_STAGE_CLS,
			      CBOX_C_OUT);
	res[R_SCAN_X] = measure(&lo[R_SCAN_X], &scan, "bench_tc_stage", "bench_tc_ar", &cli,
				n > 20000 ? n : 20000, 0, CBOX_STAGE_CLS,
				CBOX_C_OUT);
	rc = 0;
out:
	return rc;
}

/* Sizes of the production objects, loaded as the loader does. */
static void sizes(void)
{
	struct obj o;

	printf("%-24s %8s %9s   %s\n", "production program", "xlated",
	       "jited B", "thesis Table 6.1 (insns)");
	if (!obj_open(&o, objdir, "dec.bpf.o") && !obj_load(&o, "cbox_dec"))
		show_size("cbox_dec", o.prog_fd, "Dec 117");
	if (!obj_open(&o, objdir, "egress.bpf.o") &&
	    !obj_load(&o, "cbox_egress"))
		show_size("cbox_egress", o.prog_fd, "Enc 232 + Fwd 54");
	if (!obj_open(&o, objdir, "egress.bpf.o") &&
	    !obj_set32(&o, "cbox_enc_enabled", 0) &&
	    !obj_load(&o, "cbox_egress"))
		show_size("cbox_egress (fwd-only)", o.prog_fd, "Fwd 54");
	if (!obj_open(&o, objdir, "enc.bpf.o") && !obj_load(&o, "cbox_enc"))
		show_size("cbox_enc", o.prog_fd, "Enc 232");
	if (!obj_open(&o, objdir, "fwd.bpf.o") && !obj_load(&o, "cbox_sff"))
		show_size("cbox_sff", o.prog_fd, "Fwd 54");
	if (!obj_open(&o, objdir, "classifier.bpf.o") &&
	    !obj_set32(&o, "cbox_cls_n_rules", NRULES) &&
	    !obj_load(&o, "cbox_classify"))
		show_size("cbox_classify", o.prog_fd, "-");
	printf("\n");
}

int main(int argc, char **argv)
{
	static const uint32_t nflows[] = { 1, 1024, 65536 };
	static const struct {
		const char *name, *target, *thesis;
	} rows[R_N] = {
		{ "Dec (XDP, live frames)", "<= 30", "2208" },
		{ "Egress Enc+Fwd, to next box, incl. undo", "<= 60", "1840+540" },
		{ "  same, excl. push (lower bound)", "", "" },
		{ "Egress Enc+Fwd, end of chain", "-", "1197" },
		{ "Fwd alone (cbox_sff)", "<= 20", "540" },
		{ "Fwd-only egress (NSH-aware SF)", "<= 20", "540" },
		{ "Classifier 1k rules, cached, incl. undo", "<= 50", "-" },
		{ "  same, excl. push (lower bound)", "", "" },
		{ "Classifier 1k rules, 1st pkt, incl. undo", "-", "-" },
		{ "  same, excl. push (lower bound)", "", "" },
	};
	double res[3][R_N], lo[3][R_N];

	if (argc > 1)
		objdir = argv[1];
	if (argc > 2)
		benchdir = argv[2];
	{
		/* one CPU: no migration between runs */
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(0, &set);
		sched_setaffinity(0, sizeof(set), &set);
	}
	/* live frames that a harness passed would reach this namespace's
	 * stack only, never the host's */
	if (unshare(CLONE_NEWNET)) {
		perror("unshare(CLONE_NEWNET)");
		return 3;
	}
	libbpf_set_print(NULL);
	sizes();
	for (int j = 0; j < 3; j++) {
		for (int i = 0; i < R_N; i++)
			res[j][i] = lo[j][i] = -1;
		if (bench_flows(nflows[j], res[j], lo[j]))
			failed = 1;
	}
	printf("ns/packet: median of %d runs [min(stage) - min(baseline)]\n",
	       ROUNDS);
	printf("%-42s %15s %15s %15s %7s   %s\n", "stage", "1 flow", "1k",
	       "64k", "target", "thesis 6.3");
	for (int i = 0; i < R_N; i++) {
		printf("%-42s", rows[i].name);
		for (int j = 0; j < 3; j++)
			printf("  %6.1f [%5.1f]", res[j][i], lo[j][i]);
		printf(" %7s   %s\n", rows[i].target, rows[i].thesis);
	}
	if (failed)
		fprintf(stderr, "bench-stages: FAILED (see above)\n");
	return failed ? 1 : 0;
}
