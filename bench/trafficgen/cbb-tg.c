// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * cbb-tg: the benchmarks' packet generator and counting sink.
 *
 *   cbb-tg send [OPTS]   transmit UDP/IPv4 frames out of --dev in --netns
 *   cbb-tg sink [OPTS]   count them on --sink-dev in --sink-netns
 *   cbb-tg run  [OPTS]   both at once; prints sent and received rates
 *
 * Sending uses BPF_PROG_TEST_RUN with BPF_F_TEST_XDP_LIVE_FRAMES: the kernel
 * turns a template frame into real frames and transmits what the program
 * returns XDP_TX, so no packet passes through user space and no socket or
 * qdisc limits the rate. The test run resolves the ifindex in the calling
 * thread's network namespace, which is why the sending thread setns()es
 * into the client's namespace while the main thread holds the sink in the
 * server's. Output is "key=value" lines a shell can eval.
 */
#include <errno.h>
#include <getopt.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <fcntl.h>
#include <unistd.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "trafficgen.h"
#include "trafficgen.skel.h"

#define TG_MIN_SIZE 60		/* Ethernet minimum without FCS */
#define TG_MAX_SIZE 3000	/* live frames must fit one page */

struct tg_opts {
	const char *netns;	/* generator side */
	const char *dev;
	const char *sink_netns;
	const char *sink_dev;
	const char *redirect_dev;
	unsigned char dst_mac[ETH_ALEN];
	bool have_dst_mac;
	struct in_addr src_ip, dst_ip;
	bool have_src_ip, have_dst_ip;
	unsigned int size;
	unsigned int flows;
	unsigned int batch;
	int cpu;
	double rate;		/* frames per second, 0: as fast as possible */
	double duration;	/* seconds */
	unsigned long long count;	/* frames; 0: by duration */
	bool sink_pass;
	double drain;		/* seconds to wait for frames in flight */
};

/* Filled by the sending thread. */
struct tg_result {
	int err;
	unsigned long long sent;	/* frames transmitted (XDP_TX) */
	unsigned long long idle;	/* runs dropped for pacing */
	double elapsed;
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int libbpf_quiet(enum libbpf_print_level level, const char *fmt,
			va_list args)
{
	/* libbpf's warnings are ours to print; its info/debug chatter is not */
	if (level != LIBBPF_WARN)
		return 0;
	return vfprintf(stderr, fmt, args);
}

/* Enter a named network namespace (ip netns convention); NULL: stay. */
static int enter_netns(const char *name)
{
	char path[256];
	int fd, err;

	if (!name || !*name)
		return 0;
	snprintf(path, sizeof(path), "/var/run/netns/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		fprintf(stderr, "cbb-tg: netns '%s': %s\n", name, strerror(errno));
		return err;
	}
	if (setns(fd, CLONE_NEWNET)) {
		err = -errno;
		fprintf(stderr, "cbb-tg: setns '%s': %s\n", name, strerror(errno));
		close(fd);
		return err;
	}
	close(fd);
	return 0;
}

/* MAC of a device in the current thread's namespace. */
static int dev_mac(const char *dev, unsigned char mac[ETH_ALEN])
{
	struct ifreq ifr = {};
	int s, err = 0;

	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -errno;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", dev);
	if (ioctl(s, SIOCGIFHWADDR, &ifr))
		err = -errno;
	else
		memcpy(mac, ifr.ifr_hwaddr.sa_data, ETH_ALEN);
	close(s);
	if (err)
		fprintf(stderr, "cbb-tg: device '%s': no MAC: %s\n", dev,
			strerror(-err));
	return err;
}

/* First IPv4 address of a device in the current thread's namespace. */
static int dev_ipv4(const char *dev, struct in_addr *addr)
{
	struct ifaddrs *ifa, *it;
	int err = -ENOENT;

	if (getifaddrs(&ifa))
		return -errno;
	for (it = ifa; it; it = it->ifa_next) {
		if (!it->ifa_addr || it->ifa_addr->sa_family != AF_INET ||
		    strcmp(it->ifa_name, dev))
			continue;
		*addr = ((struct sockaddr_in *)it->ifa_addr)->sin_addr;
		err = 0;
		break;
	}
	freeifaddrs(ifa);
	if (err)
		fprintf(stderr,
			"cbb-tg: device '%s' has no IPv4 address; give one with --src/--dst\n",
			dev);
	return err;
}

static int dev_index(const char *dev)
{
	unsigned int idx = if_nametoindex(dev);

	if (!idx) {
		fprintf(stderr, "cbb-tg: device '%s': %s\n", dev, strerror(errno));
		return -ENODEV;
	}
	return idx;
}

static __u16 ip_csum(const void *hdr, size_t len)
{
	const __u16 *p = hdr;
	__u32 sum = 0;

	for (; len > 1; len -= 2)
		sum += *p++;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum;
}

/* UDP/IPv4 template of opts->size bytes (L2, no FCS). */
static void build_frame(unsigned char *buf, const struct tg_opts *o,
			const unsigned char src_mac[ETH_ALEN])
{
	struct ethhdr *eth = (struct ethhdr *)buf;
	struct iphdr *ip = (struct iphdr *)(eth + 1);
	struct udphdr *udp = (struct udphdr *)(ip + 1);
	size_t l3 = o->size - sizeof(*eth);
	size_t i;

	memset(buf, 0, o->size);
	memcpy(eth->h_dest, o->dst_mac, ETH_ALEN);
	memcpy(eth->h_source, src_mac, ETH_ALEN);
	eth->h_proto = htons(ETH_P_IP);
	ip->version = 4;
	ip->ihl = 5;
	ip->tot_len = htons(l3);
	ip->id = 0;
	ip->frag_off = htons(0x4000);	/* DF: nothing may fragment it */
	ip->ttl = 64;
	ip->protocol = IPPROTO_UDP;
	ip->saddr = o->src_ip.s_addr;
	ip->daddr = o->dst_ip.s_addr;
	ip->check = ip_csum(ip, sizeof(*ip));
	udp->source = htons(TG_DEFAULT_SPORT);
	udp->dest = htons(TG_DEFAULT_DPORT);
	udp->len = htons(l3 - sizeof(*ip));
	udp->check = 0;		/* no checksum: tg_tx may rewrite the port */
	for (i = sizeof(*eth) + sizeof(*ip) + sizeof(*udp); i < o->size; i++)
		buf[i] = (unsigned char)i;
}

/* Sum of a per-CPU counter. */
static int read_counter(int fd, __u32 key, int ncpu, unsigned long long *out)
{
	__u64 *vals = calloc(ncpu, sizeof(*vals));
	int err = 0;

	if (!vals)
		return -ENOMEM;
	if (bpf_map_lookup_elem(fd, &key, vals)) {
		err = -errno;
		fprintf(stderr, "cbb-tg: read counter %u: %s\n", key,
			strerror(errno));
	} else {
		*out = 0;
		for (int i = 0; i < ncpu; i++)
			*out += vals[i];
	}
	free(vals);
	return err;
}

struct sender {
	const struct tg_opts *o;
	struct tg_result res;
	pthread_barrier_t *ready;	/* NULL when run without a sink */
	bool waited;			/* passed the barrier already */
};

static void *send_thread(void *arg)
{
	struct sender *s = arg;
	const struct tg_opts *o = s->o;
	unsigned char frame[TG_MAX_SIZE], src_mac[ETH_ALEN];
	struct trafficgen_bpf *skel = NULL;
	struct xdp_md ctx = {};
	int ifindex, redir = 0, err, prog_fd;
	unsigned long long chunk;
	double t0, t, runs_per_s = 0;
	int ncpu = libbpf_num_possible_cpus();
	int tx_fd;
	cpu_set_t set;

	err = enter_netns(o->netns);
	if (err)
		goto out;
	ifindex = dev_index(o->dev);
	if (ifindex < 0) {
		err = ifindex;
		goto out;
	}
	if (o->redirect_dev) {
		redir = dev_index(o->redirect_dev);
		if (redir < 0) {
			err = redir;
			goto out;
		}
	}
	err = dev_mac(o->dev, src_mac);
	if (err)
		goto out;
	if (o->cpu >= 0) {
		CPU_ZERO(&set);
		CPU_SET(o->cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set)) {
			err = -errno;
			fprintf(stderr, "cbb-tg: pin to CPU %d: %s\n", o->cpu,
				strerror(errno));
			goto out;
		}
	}
	build_frame(frame, o, src_mac);

	skel = trafficgen_bpf__open();
	if (!skel) {
		err = -errno;
		fprintf(stderr, "cbb-tg: open BPF object: %s\n", strerror(errno));
		goto out;
	}
	memcpy((void *)skel->rodata->tg_hdr, frame, TG_HDR_LEN);
	skel->rodata->tg_redirect_ifindex = redir;
	skel->rodata->tg_nflows = o->flows;
	skel->rodata->tg_gap_ns = o->rate > 0 ? (__u64)(1e9 / o->rate) : 0;
	skel->rodata->tg_limit = o->count;
	bpf_program__set_autoload(skel->progs.tg_sink, false);
	err = trafficgen_bpf__load(skel);
	if (err) {
		fprintf(stderr, "cbb-tg: load BPF object: %s\n", strerror(-err));
		goto out;
	}
	prog_fd = bpf_program__fd(skel->progs.tg_tx);

	ctx.data_end = o->size;
	ctx.ingress_ifindex = ifindex;
	tx_fd = bpf_map__fd(skel->maps.tg_counters);
	chunk = 1 << 16;

	if (s->ready) {
		pthread_barrier_wait(s->ready);
		s->waited = true;
	}
	t0 = now_s();
	t = t0;
	while (!stop) {
		LIBBPF_OPTS(bpf_test_run_opts, topts, .data_in = frame,
			    .data_size_in = o->size, .ctx_in = &ctx,
			    .ctx_size_in = sizeof(ctx),
			    .flags = BPF_F_TEST_XDP_LIVE_FRAMES,
			    .batch_size = o->batch);
		double left, call_t;

		if (o->count) {
			if (s->res.sent >= o->count)
				break;
			left = (o->count - s->res.sent) /
			       (o->rate > 0 ? o->rate : 1e6);
		} else {
			left = o->duration - (t - t0);
			if (left <= 0)
				break;
		}
		/*
		 * A call costs the kernel ~20 ms of setup: size it to run about
		 * half a second, or what is left, at the best rate seen so far
		 * (the limit and the pace make overshooting harmless).
		 */
		if (runs_per_s > 0) {
			double want = runs_per_s * (left < 0.5 ? left : 0.5);

			chunk = want < (1 << 16) ? (1 << 16) :
				want > (1ULL << 28) ? (1ULL << 28) :
						      (unsigned long long)want;
		}
		if (o->count && !o->rate && o->count - s->res.sent < chunk)
			chunk = o->count - s->res.sent;
		if (getenv("CBB_TG_DEBUG"))
			fprintf(stderr, "call: repeat=%llu sent=%llu rps=%.0f\n", chunk, s->res.sent, runs_per_s);
		topts.repeat = chunk;
		call_t = now_s();
		err = bpf_prog_test_run_opts(prog_fd, &topts);
		if (err) {
			err = -errno;
			fprintf(stderr, "cbb-tg: test run on '%s': %s\n", o->dev,
				strerror(errno));
			break;
		}
		t = now_s();
		/* the fixed setup cost only ever lowers a call's rate: keep the
		 * best one seen as the estimate */
		if (t > call_t && chunk / (t - call_t) > runs_per_s)
			runs_per_s = chunk / (t - call_t);
		err = read_counter(tx_fd, TG_C_TX_PKTS, ncpu, &s->res.sent);
		if (err)
			break;
	}
	s->res.elapsed = now_s() - t0;
	if (!err)
		err = read_counter(tx_fd, TG_C_TX_IDLE, ncpu, &s->res.idle);
out:
	if (s->ready && !s->waited)
		/* never leave the main thread waiting at the barrier */
		pthread_barrier_wait(s->ready);
	trafficgen_bpf__destroy(skel);
	s->res.err = err;
	return NULL;
}

struct sink {
	struct trafficgen_bpf *skel;
	struct bpf_link *link;
	int ncpu;
};

static int sink_open(struct sink *k, const struct tg_opts *o)
{
	int ifindex, err;

	k->ncpu = libbpf_num_possible_cpus();
	err = enter_netns(o->sink_netns);
	if (err)
		return err;
	ifindex = dev_index(o->sink_dev);
	if (ifindex < 0)
		return ifindex;
	k->skel = trafficgen_bpf__open();
	if (!k->skel) {
		err = -errno;
		fprintf(stderr, "cbb-tg: open BPF object: %s\n", strerror(errno));
		return err;
	}
	k->skel->rodata->tg_sink_pass = o->sink_pass;
	err = dev_mac(o->sink_dev, (unsigned char *)k->skel->rodata->tg_sink_mac);
	if (err)
		return err;
	bpf_program__set_autoload(k->skel->progs.tg_tx, false);
	err = trafficgen_bpf__load(k->skel);
	if (err) {
		fprintf(stderr, "cbb-tg: load BPF object: %s\n", strerror(-err));
		return err;
	}
	/* a link, not a netlink attach: it goes away when we exit or crash */
	k->link = bpf_program__attach_xdp(k->skel->progs.tg_sink, ifindex);
	if (!k->link) {
		err = -errno;
		fprintf(stderr, "cbb-tg: attach sink to '%s': %s%s\n", o->sink_dev,
			strerror(errno),
			err == -EBUSY ? " (another XDP program is attached)" : "");
		return err;
	}
	return 0;
}

static int sink_read(struct sink *k, __u64 out[TG_C_MAX])
{
	int fd = bpf_map__fd(k->skel->maps.tg_counters);
	unsigned long long v;
	__u32 key;
	int err;

	for (key = 0; key < TG_C_MAX; key++) {
		err = read_counter(fd, key, k->ncpu, &v);
		if (err)
			return err;
		out[key] = v;
	}
	return 0;
}

static void sink_close(struct sink *k)
{
	bpf_link__destroy(k->link);
	trafficgen_bpf__destroy(k->skel);
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: cbb-tg send|sink|run [options]\n"
		"  -n, --netns NS        generator namespace (default: current)\n"
		"  -i, --dev IF          generator device (frames leave here)\n"
		"  -N, --sink-netns NS   sink namespace\n"
		"  -I, --sink-dev IF     sink device\n"
		"  -m, --dst-mac MAC     dst MAC (run: default the sink device's)\n"
		"  -s, --src IP          src IPv4 (default: --dev's address)\n"
		"  -d, --dst IP          dst IPv4 (run: default --sink-dev's address)\n"
		"  -l, --size N          frame size, L2 without FCS, %d..%d (64)\n"
		"  -f, --flows N         vary the UDP source port over N flows (1)\n"
		"  -r, --rate PPS        target frame rate, 0 = as fast as possible (0)\n"
		"  -t, --duration S      seconds to send (1), or\n"
		"  -c, --count N         frames to send\n"
		"  -C, --cpu N           pin the sending thread to CPU N\n"
		"  -b, --batch N         frames per kernel batch, 1..256 (64)\n"
		"  -R, --redirect IF     XDP_REDIRECT to IF instead of XDP_TX out of --dev\n"
		"  -p, --pass            sink passes counted frames instead of dropping\n"
		"  -w, --drain S         run: wait for frames in flight (0.2)\n",
		TG_MIN_SIZE, TG_MAX_SIZE);
}

static int parse_mac(const char *s, unsigned char mac[ETH_ALEN])
{
	unsigned int b[ETH_ALEN];
	char tail;

	if (sscanf(s, "%x:%x:%x:%x:%x:%x%c", &b[0], &b[1], &b[2], &b[3], &b[4],
		   &b[5], &tail) != 6)
		return -EINVAL;
	for (int i = 0; i < ETH_ALEN; i++) {
		if (b[i] > 0xff)
			return -EINVAL;
		mac[i] = b[i];
	}
	return 0;
}

static int parse_num(const char *opt, const char *s, double lo, double hi,
		     double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || v < lo || v > hi) {
		fprintf(stderr, "cbb-tg: %s: '%s' is not a number in %g..%g\n",
			opt, s, lo, hi);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

static int parse_args(int argc, char **argv, struct tg_opts *o)
{
	static const struct option longopts[] = {
		{ "netns", required_argument, NULL, 'n' },
		{ "dev", required_argument, NULL, 'i' },
		{ "sink-netns", required_argument, NULL, 'N' },
		{ "sink-dev", required_argument, NULL, 'I' },
		{ "dst-mac", required_argument, NULL, 'm' },
		{ "src", required_argument, NULL, 's' },
		{ "dst", required_argument, NULL, 'd' },
		{ "size", required_argument, NULL, 'l' },
		{ "flows", required_argument, NULL, 'f' },
		{ "rate", required_argument, NULL, 'r' },
		{ "duration", required_argument, NULL, 't' },
		{ "count", required_argument, NULL, 'c' },
		{ "cpu", required_argument, NULL, 'C' },
		{ "batch", required_argument, NULL, 'b' },
		{ "redirect", required_argument, NULL, 'R' },
		{ "pass", no_argument, NULL, 'p' },
		{ "drain", required_argument, NULL, 'w' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	double v;
	int c;

	while ((c = getopt_long(argc, argv, "n:i:N:I:m:s:d:l:f:r:t:c:C:b:R:pw:h",
				longopts, NULL)) != -1) {
		switch (c) {
		case 'n': o->netns = optarg; break;
		case 'i': o->dev = optarg; break;
		case 'N': o->sink_netns = optarg; break;
		case 'I': o->sink_dev = optarg; break;
		case 'R': o->redirect_dev = optarg; break;
		case 'p': o->sink_pass = true; break;
		case 'm':
			if (parse_mac(optarg, o->dst_mac)) {
				fprintf(stderr, "cbb-tg: --dst-mac: bad MAC '%s'\n",
					optarg);
				return -EINVAL;
			}
			o->have_dst_mac = true;
			break;
		case 's':
		case 'd':
			if (inet_pton(AF_INET, optarg,
				      c == 's' ? &o->src_ip : &o->dst_ip) != 1) {
				fprintf(stderr, "cbb-tg: -%c: bad IPv4 '%s'\n", c,
					optarg);
				return -EINVAL;
			}
			*(c == 's' ? &o->have_src_ip : &o->have_dst_ip) = true;
			break;
		case 'l':
			if (parse_num("--size", optarg, TG_MIN_SIZE, TG_MAX_SIZE, &v))
				return -EINVAL;
			o->size = v;
			break;
		case 'f':
			if (parse_num("--flows", optarg, 1, 65535, &v))
				return -EINVAL;
			o->flows = v;
			break;
		case 'r':
			if (parse_num("--rate", optarg, 0, 1e9, &v))
				return -EINVAL;
			o->rate = v;
			break;
		case 't':
			if (parse_num("--duration", optarg, 0.001, 3600, &v))
				return -EINVAL;
			o->duration = v;
			break;
		case 'c':
			if (parse_num("--count", optarg, 1, 1e12, &v))
				return -EINVAL;
			o->count = v;
			break;
		case 'C':
			if (parse_num("--cpu", optarg, 0, 4095, &v))
				return -EINVAL;
			o->cpu = v;
			break;
		case 'b':
			if (parse_num("--batch", optarg, 1, 256, &v))
				return -EINVAL;
			o->batch = v;
			break;
		case 'w':
			if (parse_num("--drain", optarg, 0, 60, &v))
				return -EINVAL;
			o->drain = v;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -EINVAL;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "cbb-tg: unexpected argument '%s'\n", argv[optind]);
		return -EINVAL;
	}
	return 0;
}

/* Fill in what the user left out from the devices' own addresses. */
static int resolve_defaults(struct tg_opts *o, bool sender, bool sink)
{
	int err;

	if (sink) {
		err = enter_netns(o->sink_netns);
		if (err)
			return err;
		if (!o->have_dst_mac && sender) {
			err = dev_mac(o->sink_dev, o->dst_mac);
			if (err)
				return err;
			o->have_dst_mac = true;
		}
		if (!o->have_dst_ip && sender) {
			err = dev_ipv4(o->sink_dev, &o->dst_ip);
			if (err)
				return err;
			o->have_dst_ip = true;
		}
	}
	if (sender) {
		err = enter_netns(o->netns);
		if (err)
			return err;
		if (!o->have_src_ip) {
			err = dev_ipv4(o->dev, &o->src_ip);
			if (err)
				return err;
			o->have_src_ip = true;
		}
		if (!o->have_dst_mac || !o->have_dst_ip) {
			fprintf(stderr, "cbb-tg: send needs --dst-mac and --dst\n");
			return -EINVAL;
		}
	}
	return 0;
}

static void print_result(const struct tg_opts *o, const struct sender *s,
			 const __u64 *rx)
{
	double el = s->res.elapsed > 0 ? s->res.elapsed : 1e-9;

	printf("size=%u\nflows=%u\nsent=%llu\nidle_runs=%llu\nelapsed_s=%.6f\n"
	       "tx_mpps=%.4f\ntx_gbps=%.4f\n",
	       o->size, o->flows, s->res.sent, s->res.idle, el,
	       s->res.sent / el / 1e6, s->res.sent * o->size * 8.0 / el / 1e9);
	if (!rx)
		return;
	printf("rx_pkts=%llu\nrx_bytes=%llu\nrx_other=%llu\nrx_mpps=%.4f\n"
	       "rx_gbps=%.4f\nloss_pct=%.3f\n",
	       (unsigned long long)rx[TG_C_RX_PKTS],
	       (unsigned long long)rx[TG_C_RX_BYTES],
	       (unsigned long long)rx[TG_C_RX_OTHER], rx[TG_C_RX_PKTS] / el / 1e6,
	       rx[TG_C_RX_BYTES] * 8.0 / el / 1e9,
	       s->res.sent ? 100.0 * (1.0 - (double)rx[TG_C_RX_PKTS] / s->res.sent)
			   : 0.0);
}

int main(int argc, char **argv)
{
	struct tg_opts o = { .size = 64, .flows = 1, .batch = 64, .cpu = -1,
			     .duration = 1, .drain = 0.2 };
	struct sender snd = { .o = &o };
	struct sink snk = {};
	__u64 before[TG_C_MAX], after[TG_C_MAX], rx[TG_C_MAX];
	pthread_barrier_t ready;
	const char *cmd;
	bool do_send, do_sink;
	pthread_t th;
	int err;

	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	cmd = argv[1];
	do_send = !strcmp(cmd, "send") || !strcmp(cmd, "run");
	do_sink = !strcmp(cmd, "sink") || !strcmp(cmd, "run");
	if (!do_send && !do_sink) {
		if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help")) {
			usage(stdout);
			return 0;
		}
		fprintf(stderr, "cbb-tg: unknown command '%s'\n", cmd);
		usage(stderr);
		return 2;
	}
	if (parse_args(argc - 1, argv + 1, &o))
		return 2;
	if ((do_send && !o.dev) || (do_sink && !o.sink_dev)) {
		fprintf(stderr, "cbb-tg: %s needs %s\n", cmd,
			do_send && !o.dev ? "--dev" : "--sink-dev");
		return 2;
	}
	libbpf_set_print(libbpf_quiet);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);

	/* defaults are read from the devices in their own namespaces */
	if (resolve_defaults(&o, do_send, do_sink))
		return 1;

	if (!do_sink) {
		send_thread(&snd);
		if (snd.res.err)
			return 3;
		print_result(&o, &snd, NULL);
		return 0;
	}

	err = sink_open(&snk, &o);
	if (err) {
		sink_close(&snk);
		return 3;
	}
	if (!do_send) {
		/* sink only: count until the duration ends or a signal */
		double t0 = now_s();

		while (!stop && now_s() - t0 < o.duration)
			usleep(10000);
		err = sink_read(&snk, rx);
		snd.res.elapsed = now_s() - t0;
		sink_close(&snk);
		if (err)
			return 3;
		print_result(&o, &snd, rx);
		return 0;
	}

	pthread_barrier_init(&ready, NULL, 2);
	snd.ready = &ready;
	if (pthread_create(&th, NULL, send_thread, &snd)) {
		fprintf(stderr, "cbb-tg: cannot start sending thread\n");
		sink_close(&snk);
		return 3;
	}
	/* counters are read just before the first frame leaves */
	err = sink_read(&snk, before);
	pthread_barrier_wait(&ready);
	pthread_join(th, NULL);
	if (!snd.res.err && !err) {
		usleep((useconds_t)(o.drain * 1e6));
		err = sink_read(&snk, after);
	}
	sink_close(&snk);
	pthread_barrier_destroy(&ready);
	if (snd.res.err || err)
		return 3;
	for (int i = 0; i < TG_C_MAX; i++)
		rx[i] = after[i] - before[i];
	print_result(&o, &snd, rx);
	return 0;
}
