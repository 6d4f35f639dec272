// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * cbx-relay: a legacy service function that lives in user space. It reads
 * every IPv4/IPv6 frame addressed to one of its namespace's own MACs (on any
 * interface, so that direct-link veths work too), and sends it back out of
 * one interface toward the real destination. It knows nothing of NSH: it is
 * the kind of unmodified SF that Chaining-Box must wrap transparently.
 *
 *   cbx-relay -o IFACE [-n IP=MAC]... [-c COUNTFILE]
 *
 * -o: the interface frames leave by. -n: static neighbour table; a frame
 * whose IP destination is listed gets that MAC as its destination, any
 * other keeps the destination it arrived with (inside a chain the egress
 * stage then restores the original one). -c: on SIGTERM/SIGINT, write the
 * number of frames relayed to this file, so that tests can check it.
 *
 * Frames are read and written with a virtio-net header (PACKET_VNET_HDR):
 * a frame that came over a veth may be a GSO super-packet or carry a partial
 * checksum (offload); the header hands both facts back to the kernel on send
 * so that it segments and checksums as it would have, instead of the relay
 * failing on frames above the MTU or sending bad checksums.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <linux/virtio_net.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_NEIGH 64

struct neigh {
	int family;
	uint8_t ip[16];
	uint8_t mac[6];
};

static struct neigh neighs[MAX_NEIGH];
static int n_neighs;
static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int parse_mac(const char *s, uint8_t mac[6])
{
	unsigned int b[6];

	if (sscanf(s, "%x:%x:%x:%x:%x:%x", &b[0], &b[1], &b[2], &b[3], &b[4],
		   &b[5]) != 6)
		return -1;
	for (int i = 0; i < 6; i++) {
		if (b[i] > 255)
			return -1;
		mac[i] = (uint8_t)b[i];
	}
	return 0;
}

static int add_neigh(const char *arg)
{
	char buf[128];
	char *eq;
	struct neigh *n;

	if (n_neighs == MAX_NEIGH || strlen(arg) >= sizeof(buf))
		return -1;
	strcpy(buf, arg);
	eq = strrchr(buf, '=');
	if (!eq)
		return -1;
	*eq = '\0';
	n = &neighs[n_neighs];
	if (inet_pton(AF_INET, buf, n->ip) == 1)
		n->family = 4;
	else if (inet_pton(AF_INET6, buf, n->ip) == 1)
		n->family = 6;
	else
		return -1;
	if (parse_mac(eq + 1, n->mac))
		return -1;
	n_neighs++;
	return 0;
}

static const struct neigh *lookup(const uint8_t *frame, size_t len,
				  uint16_t etype)
{
	const uint8_t *ip = frame + ETH_HLEN;

	for (int i = 0; i < n_neighs; i++) {
		if (etype == ETHERTYPE_IP && neighs[i].family == 4 &&
		    len >= ETH_HLEN + 20 && !memcmp(ip + 16, neighs[i].ip, 4))
			return &neighs[i];
		if (etype == ETHERTYPE_IPV6 && neighs[i].family == 6 &&
		    len >= ETH_HLEN + 40 && !memcmp(ip + 24, neighs[i].ip, 16))
			return &neighs[i];
	}
	return NULL;
}

int main(int argc, char **argv)
{
	const char *out_if = NULL, *count_file = NULL;
	unsigned long long relayed = 0, failed = 0;
	struct sockaddr_ll to = { 0 };
	static uint8_t buf[sizeof(struct virtio_net_hdr) + 65536 + 4096];
	struct virtio_net_hdr *vh = (struct virtio_net_hdr *)buf;
	uint8_t *frame = buf + sizeof(*vh);
	int one = 1;
	uint8_t out_mac[6];
	struct ifreq ifr;
	int opt, fd;

	while ((opt = getopt(argc, argv, "o:n:c:")) != -1) {
		switch (opt) {
		case 'o':
			out_if = optarg;
			break;
		case 'n':
			if (add_neigh(optarg)) {
				fprintf(stderr, "cbx-relay: -n %s: want IP=MAC\n",
					optarg);
				return 2;
			}
			break;
		case 'c':
			count_file = optarg;
			break;
		default:
			fprintf(stderr,
				"usage: cbx-relay -o IFACE [-n IP=MAC]... [-c FILE]\n");
			return 2;
		}
	}
	if (!out_if || strlen(out_if) >= IFNAMSIZ) {
		fprintf(stderr, "cbx-relay: -o IFACE is required\n");
		return 2;
	}

	fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
	if (fd < 0) {
		perror("cbx-relay: socket(AF_PACKET)");
		return 3;
	}
	if (setsockopt(fd, SOL_PACKET, PACKET_VNET_HDR, &one, sizeof(one))) {
		perror("cbx-relay: PACKET_VNET_HDR");
		return 3;
	}
	/* a deep queue: a user-space hop is the bottleneck of a TCP flow, and
	 * a shallow one turns every burst into losses and retransmits */
	int rcvbuf = 8 << 20;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf));
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, out_if);
	if (ioctl(fd, SIOCGIFINDEX, &ifr) < 0) {
		fprintf(stderr, "cbx-relay: %s: %s\n", out_if, strerror(errno));
		return 3;
	}
	to.sll_family = AF_PACKET;
	to.sll_ifindex = ifr.ifr_ifindex;
	to.sll_halen = 6;

	struct sigaction sa = { .sa_handler = on_signal };
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	/* ready: the test waits for this line before sending traffic */
	printf("cbx-relay: relaying to %s\n", out_if);
	fflush(stdout);

	while (!stop) {
		struct sockaddr_ll from;
		socklen_t fl = sizeof(from);
		const struct neigh *n;
		uint16_t etype;
		ssize_t len;

		len = recvfrom(fd, buf, sizeof(buf), 0,
			       (struct sockaddr *)&from, &fl);
		if (len < 0) {
			if (errno == EINTR)
				continue;
			perror("cbx-relay: recvfrom");
			return 3;
		}
		/* only frames the link layer addressed to one of our MACs */
		len -= (ssize_t)sizeof(*vh);
		if (from.sll_pkttype != PACKET_HOST ||
		    from.sll_hatype != 1 /* ARPHRD_ETHER */ || len < ETH_HLEN)
			continue;
		etype = (uint16_t)(frame[12] << 8 | frame[13]);
		if (etype != ETHERTYPE_IP && etype != ETHERTYPE_IPV6)
			continue;

		/* asked per frame: cbox apply may set the MAC after start */
		if (ioctl(fd, SIOCGIFHWADDR, &ifr) == 0)
			memcpy(out_mac, ifr.ifr_hwaddr.sa_data, 6);
		n = lookup(frame, (size_t)len, etype);
		if (n)
			memcpy(frame, n->mac, 6);
		memcpy(frame + 6, out_mac, 6);
		memcpy(to.sll_addr, frame, 6);
		/* receive-side only: "checksum verified" means nothing on send */
		vh->flags &= (uint8_t)~VIRTIO_NET_HDR_F_DATA_VALID;
		if (sendto(fd, buf, sizeof(*vh) + (size_t)len, 0,
			   (struct sockaddr *)&to,
			   sizeof(to)) < 0)
			failed++;
		else
			relayed++;
	}
	if (count_file) {
		FILE *f = fopen(count_file, "w");

		if (f) {
			fprintf(f, "%llu %llu\n", relayed, failed);
			fclose(f);
		}
	}
	return 0;
}
