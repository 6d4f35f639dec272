// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * bench_stages: nanoseconds per packet for each BPF stage, measured with
 * BPF_PROG_TEST_RUN on the real objects, at 1, 1k and 64k flows, printed
 * beside the thesis (Table 6.3), plus the translated instruction counts
 * beside Table 6.1.
 *
 * TC stages and Dec at many flows: one test run per packet (each run gets
 * a fresh copy of the frame, which the stages rewrite), the kernel's own
 * per-run duration summed, minus the same for an empty program of the same
 * type. Dec at one flow is also measured with BPF_F_TEST_XDP_LIVE_FRAMES
 * (the frame is reset before every repeat), minus an empty XDP_PASS program
 * on the decapsulated frame, since the passed frame's trip to the stack is
 * not Dec's cost. The benchmark runs in a private network namespace
 * (unshare), so live frames never reach the host's stack.
 *
 * usage: bench_stages [BPF_OBJ_DIR]
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
#define CALLS 100000

static const char *objdir = "build/bpf";

static struct flowspec flow_n(uint32_t i)
{
	struct flowspec f = { .family = 4, .proto = 17, .sport = 1024 + (i & 0x3fff),
			      .dport = 53 + (i >> 14), .vlan = -1,
			      .a = i & 0xff, .b = (i >> 8) & 0xff,
			      .payload = 64 };
	return f;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * Median of the kernel-measured ns per run over `calls` runs, one packet
 * each: the median, not the mean, so that an interrupt or a preemption in a
 * few runs does not move the result.
 */
static double per_call(int fd, struct pkt *frames, uint32_t nframes,
		       uint32_t calls)
{
	static struct pkt out;
	static uint32_t d[CALLS];

	if (calls > CALLS)
		calls = CALLS;
	for (uint32_t i = 0; i < calls; i++) {
		struct pkt *in = &frames[i % nframes];
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = in->b,
			    .data_size_in = in->len, .data_out = out.b,
			    .data_size_out = sizeof(out.b), .repeat = 1);

		if (bpf_prog_test_run_opts(fd, &o))
			return -1;
		d[i] = o.duration;
	}
	qsort(d, calls, sizeof(d[0]), cmp_u32);
	return d[calls / 2];
}

static double live_xdp(int fd, struct pkt *in, uint32_t repeat)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = in->b,
		    .data_size_in = in->len, .repeat = repeat,
		    .flags = BPF_F_TEST_XDP_LIVE_FRAMES);

	if (bpf_prog_test_run_opts(fd, &o))
		return -1;
	return o.duration;
}

static int empty_prog(enum bpf_prog_type type, int ret)
{
	struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0,
		  .imm = ret },
		{ .code = BPF_JMP | BPF_EXIT },
	};

	return bpf_prog_load(type, "cbox_empty", "GPL", insns, 2, NULL);
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

	printf("%-22s %10d %10u   %s\n", name, n, jit, thesis);
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

int main(int argc, char **argv)
{
	static const uint32_t nflows[] = { 1, 1024, 65536 };
	struct obj dec, eg, egn, enc, sff, cls;
	struct pkt *nshf, *dcap, *rout, *rout_end, *nshfwd, *cli;
	int e_tc, e_xdp, e_xdp_pass, proxy;
	double b_tc, b_xdp;
	uint32_t i, j;

	if (argc > 1)
		objdir = argv[1];
	{
		/* one CPU: no migration between runs */
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(0, &set);
		sched_setaffinity(0, sizeof(set), &set);
	}
	if (unshare(CLONE_NEWNET)) {
		perror("unshare(CLONE_NEWNET)");
		return 3;
	}
	if (obj_open(&dec, objdir, "dec.bpf.o") ||
	    obj_set(&dec, "cbox_mac", MAC_A, 6) ||
	    obj_set32(&dec, "cbox_box_id", 1) ||
	    obj_resize(&dec, "cbox_proxy", 2 * 65536) ||
	    obj_load(&dec, "cbox_dec"))
		return 3;
	proxy = obj_map(&dec, "cbox_proxy");
	if (obj_open(&eg, objdir, "egress.bpf.o") ||
	    obj_set32(&eg, "cbox_box_id", 1) ||
	    obj_set(&eg, "cbox_mac", MAC_A, 6) ||
	    obj_set(&eg, "cbox_egress_mac", MAC_AE, 6) ||
	    obj_reuse(&eg, "cbox_proxy", proxy) || obj_load(&eg, "cbox_egress") ||
	    obj_open(&egn, objdir, "egress.bpf.o") ||
	    obj_set32(&egn, "cbox_enc_enabled", 0) ||
	    obj_set(&egn, "cbox_egress_mac", MAC_AE, 6) ||
	    obj_reuse(&egn, "cbox_proxy", proxy) ||
	    obj_load(&egn, "cbox_egress") ||
	    obj_open(&enc, objdir, "enc.bpf.o") ||
	    obj_set32(&enc, "cbox_box_id", 1) ||
	    obj_set(&enc, "cbox_mac", MAC_A, 6) ||
	    obj_reuse(&enc, "cbox_proxy", proxy) || obj_load(&enc, "cbox_enc") ||
	    obj_open(&sff, objdir, "fwd.bpf.o") || obj_load(&sff, "cbox_sff") ||
	    obj_open(&cls, objdir, "classifier.bpf.o") ||
	    obj_set32(&cls, "cbox_cls_n_rules", NRULES) ||
	    obj_resize(&cls, "cbox_cls_cache", 2 * 65536) ||
	    obj_load(&cls, "cbox_classify"))
		return 3;
	/* chain 100: box A forwards to B; chain 200 ends at A */
	if (fwd_put(obj_map(&eg, "cbox_fwd"), 100, 254, 0, MAC_B) ||
	    fwd_put(obj_map(&eg, "cbox_fwd"), 200, 254, CBOX_FWD_END, NULL) ||
	    fwd_put(obj_map(&enc, "cbox_fwd"), 100, 254, 0, MAC_B) ||
	    fwd_put(obj_map(&sff, "cbox_fwd"), 100, 254, 0, MAC_B) ||
	    fwd_put(obj_map(&egn, "cbox_fwd"), 100, 254, 0, MAC_B))
		return 3;
	/* 1k rules; only the last one matches the benchmark's UDP flows */
	for (i = 0; i < NRULES; i++) {
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
		bpf_map_update_elem(obj_map(&cls, "cbox_cls_rules"), &i, &r, 0);
	}
	e_tc = empty_prog(BPF_PROG_TYPE_SCHED_CLS, 0);
	e_xdp = empty_prog(BPF_PROG_TYPE_XDP, XDP_DROP);
	e_xdp_pass = empty_prog(BPF_PROG_TYPE_XDP, XDP_PASS);
	if (e_tc < 0 || e_xdp < 0 || e_xdp_pass < 0)
		return 3;

	nshf = calloc(65536, sizeof(*nshf));
	dcap = calloc(65536, sizeof(*dcap));
	rout = calloc(65536, sizeof(*rout));
	rout_end = calloc(65536, sizeof(*rout_end));
	nshfwd = calloc(65536, sizeof(*nshfwd));
	cli = calloc(65536, sizeof(*cli));
	if (!nshf || !dcap || !rout || !rout_end || !nshfwd || !cli)
		return 3;
	for (i = 0; i < 65536; i++) {
		struct flowspec f = flow_n(i);
		struct nshspec n = nsh_md1(i & 1 ? 200 : 100, 255, 63);
		struct pkt inner = { .len = 0 };

		/* odd flows end at this box, even ones go on to B */
		pb_frame(&inner, MAC_SERVER, MAC_CLIENT, &f);
		cli[i] = inner;
		pb_eth(&nshf[i], MAC_A, MAC_PREV, CBOX_ETH_P_NSH);
		pb_nsh(&nshf[i], &n);
		pb_append(&nshf[i], &inner);
		pb_frame(&dcap[i], MAC_A, MAC_CLIENT, &f);
		pb_frame(&rout[i], MAC_GW, MAC_A, &f);
		n = nsh_md1(100, 254, 63);
		pb_eth(&nshfwd[i], MAC_GW, MAC_A, CBOX_ETH_P_NSH);
		pb_nsh(&nshfwd[i], &n);
		pb_append(&nshfwd[i], &inner);
	}
	/* egress frames by chain: even flows (SPI 100) and odd (SPI 200) */
	for (i = 0, j = 0; i < 65536; i += 2, j++) {
		rout_end[j] = rout[i + 1];
		rout_end[j + 32768] = rout[i + 1];
		rout[j] = rout[i];
	}
	for (i = 0; i < 32768; i++)
		rout[32768 + i] = rout[i];

	b_tc = per_call(e_tc, cli, 1, CALLS);
	b_xdp = per_call(e_xdp, nshf, 1, CALLS);
	printf("Baselines (subtracted below): empty TC %.1f ns, empty XDP %.1f ns per test run\n\n",
	       b_tc, b_xdp);

	printf("%-44s %9s %9s %9s   %s\n", "stage (ns/packet)", "1 flow",
	       "1k flows", "64k flows", "thesis Table 6.3");
	{
		double r[9][3];
		const char *names[9] = {
			"Dec (XDP)",
			"Egress Enc+Fwd merged (to next box)",
			"Egress Enc+Fwd merged, end of chain",
			"Enc alone (thesis style, then Fwd)",
			"Fwd alone (cbox_sff)",
			"Fwd-only egress (NSH-aware SF)",
			"Enc + Fwd as two filters (sum)",
			"Classifier, 1k rules, flow cached",
			"Classifier, 1k rules, first packet (scan)",
		};
		const char *thesis[9] = { "2208", "1840+540", "1197", "1840",
					  "540", "540", "2380", "-", "-" };

		for (j = 0; j < 3; j++) {
			uint32_t n = nflows[j], ne = n > 1 ? n / 2 : 1;
			struct bpf_map *cm =
				bpf_object__find_map_by_name(cls.o,
							     "cbox_cls_cache");
			int cfd = bpf_map__fd(cm);
			struct cbox_flow k, nk;

			/* Dec first: it fills the proxy for egress */
			r[0][j] = per_call(dec.prog_fd, nshf, n, CALLS) - b_xdp;
			per_call(dec.prog_fd, nshf, 65536, 65536);
			r[1][j] = per_call(eg.prog_fd, rout, ne, CALLS) - b_tc;
			r[2][j] = per_call(eg.prog_fd, rout_end, ne, CALLS) - b_tc;
			r[3][j] = per_call(enc.prog_fd, rout, ne, CALLS) - b_tc;
			r[4][j] = per_call(sff.prog_fd, nshfwd, n, CALLS) - b_tc;
			r[5][j] = per_call(egn.prog_fd, nshfwd, n, CALLS) - b_tc;
			r[6][j] = r[3][j] + r[4][j];
			/* empty the cache: first packets scan all rules */
			while (!bpf_map_get_next_key(cfd, NULL, &k)) {
				nk = k;
				bpf_map_delete_elem(cfd, &nk);
			}
			/* a scan needs distinct flows: at least 1k of them */
			r[8][j] = per_call(cls.prog_fd, cli, n < 1024 ? 1024 : n,
					   n < 1024 ? 1024 : n) - b_tc;
			if (n > CALLS)	/* the rest of the flows' first packets */
				per_call(cls.prog_fd, cli + CALLS, n - CALLS,
					 n - CALLS);
			while (n == 1 && !bpf_map_get_next_key(cfd, NULL, &k)) {
				nk = k;
				bpf_map_delete_elem(cfd, &nk);
			}
			r[7][j] = per_call(cls.prog_fd, cli, n, CALLS) - b_tc;
		}
		for (i = 0; i < 9; i++)
			printf("%-44s %9.1f %9.1f %9.1f   %s\n", names[i],
			       r[i][0], r[i][1], r[i][2], thesis[i]);
	}
	{
		double live = live_xdp(dec.prog_fd, &nshf[0], 1 << 20);
		double livep = live_xdp(e_xdp_pass, &dcap[0], 1 << 20);

		printf("\nDec with BPF_F_TEST_XDP_LIVE_FRAMES, 1 flow: %.1f ns per frame, empty XDP_PASS of the decapsulated frame %.1f ns, Dec's own cost %.1f ns\n",
		       live, livep, live - livep);
	}

	printf("\n%-22s %10s %10s   %s\n", "program", "xlated", "jited B",
	       "thesis Table 6.1 (insns)");
	show_size("cbox_dec", dec.prog_fd, "Dec 117");
	show_size("cbox_egress", eg.prog_fd, "Enc 232 + Fwd 54");
	show_size("cbox_egress (fwd-only)", egn.prog_fd, "Fwd 54");
	show_size("cbox_enc", enc.prog_fd, "Enc 232");
	show_size("cbox_sff", sff.prog_fd, "Fwd 54");
	show_size("cbox_classify", cls.prog_fd, "-");
	return 0;
}
