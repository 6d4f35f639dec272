// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * A paced UDP source and a counting sink, to measure loss through a chain.
 *
 *   udpflow send DST_IP PORT PPS SECONDS [NFLOWS [SEQ_BASE]]
 *       sends PPS packets a second for SECONDS, in 1 ms batches with
 *       sendmmsg; each payload carries a 64-bit sequence number, from
 *       SEQ_BASE on (several senders share one sink); NFLOWS source sockets
 *       (ports) take turns, so the chain sees that many flows. Prints the
 *       number sent and the rate achieved.
 *   udpflow recv PORT IDLE_MS [READY_FILE]
 *       counts datagrams on PORT until none arrived for IDLE_MS (after the
 *       first); prints "received N unique U dup D max_seq M". Writes
 *       READY_FILE once the socket is bound.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH_MAX 1024
#define PAYLOAD 64

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static int do_send(const char *ip, int port, uint64_t pps, uint64_t secs,
		   int nflows, uint64_t base)
{
	static uint8_t bufs[BATCH_MAX][PAYLOAD];
	static struct mmsghdr msgs[BATCH_MAX];
	static struct iovec iov[BATCH_MAX];
	struct sockaddr_in dst = { .sin_family = AF_INET,
				   .sin_port = htons(port) };
	uint64_t seq = 0, total = pps * secs, start, tick = 1000000;
	int fds[64], i;

	if (nflows < 1 || nflows > 64 || inet_pton(AF_INET, ip, &dst.sin_addr) != 1)
		return 2;
	for (i = 0; i < nflows; i++) {
		fds[i] = socket(AF_INET, SOCK_DGRAM, 0);
		if (fds[i] < 0) {
			perror("socket");
			return 3;
		}
	}
	for (i = 0; i < BATCH_MAX; i++) {
		iov[i].iov_base = bufs[i];
		iov[i].iov_len = PAYLOAD;
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
		msgs[i].msg_hdr.msg_name = &dst;
		msgs[i].msg_hdr.msg_namelen = sizeof(dst);
	}
	start = now_ns();
	while (seq < total) {
		/* how many should be out by now: keeps the average rate even
		 * when a batch is late */
		uint64_t due = (now_ns() - start) * pps / 1000000000ull + 1;
		int n = 0;

		if (due > total)
			due = total;
		while (seq + n < due && n < BATCH_MAX) {
			uint64_t s = base + seq + n;

			memcpy(bufs[n], &s, sizeof(s));
			n++;
		}
		if (n) {
			int fd = fds[(seq / 16) % nflows], sent;

			sent = sendmmsg(fd, msgs, n, 0);
			if (sent < 0) {
				if (errno == ENOBUFS || errno == EAGAIN)
					continue;
				perror("sendmmsg");
				return 3;
			}
			seq += sent;
		} else {
			struct timespec ts = { 0, (long)tick / 4 };

			nanosleep(&ts, NULL);
		}
	}
	printf("sent %llu in %.3f s (%.0f pps)\n", (unsigned long long)seq,
	       (now_ns() - start) / 1e9, seq * 1e9 / (double)(now_ns() - start));
	return 0;
}

static int do_recv(int port, int idle_ms, const char *ready)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_port = htons(port) };
	uint64_t n = 0, uniq = 0, dup = 0, max = 0, cap = 1 << 20;
	uint8_t *seen = calloc(cap, 1), buf[2048];
	int fd = socket(AF_INET, SOCK_DGRAM, 0), big = 64 << 20;

	if (fd < 0 || !seen) {
		perror("recv setup");
		return 3;
	}
	/* a sink that cannot keep up would look like loss in the chain */
	setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big));
	if (bind(fd, (struct sockaddr *)&a, sizeof(a))) {
		perror("bind");
		return 3;
	}
	if (ready) {
		FILE *f = fopen(ready, "w");

		if (f)
			fclose(f);
	}
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int r = poll(&p, 1, n ? idle_ms : 60000);
		ssize_t len;
		uint64_t s;

		if (r <= 0)
			break;
		len = recv(fd, buf, sizeof(buf), 0);
		if (len < (ssize_t)sizeof(s))
			continue;
		memcpy(&s, buf, sizeof(s));
		n++;
		if (s > max)
			max = s;
		while (s >= cap) {
			uint8_t *ns = realloc(seen, cap * 2);

			if (!ns)
				return 3;
			memset(ns + cap, 0, cap);
			seen = ns;
			cap *= 2;
		}
		if (seen[s])
			dup++;
		else
			uniq++;
		seen[s] = 1;
	}
	printf("received %llu unique %llu dup %llu max_seq %llu\n",
	       (unsigned long long)n, (unsigned long long)uniq,
	       (unsigned long long)dup, (unsigned long long)max);
	free(seen);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 6 && !strcmp(argv[1], "send"))
		return do_send(argv[2], atoi(argv[3]), strtoull(argv[4], NULL, 0),
			       strtoull(argv[5], NULL, 0),
			       argc > 6 ? atoi(argv[6]) : 1,
			       argc > 7 ? strtoull(argv[7], NULL, 0) : 0);
	if (argc >= 4 && !strcmp(argv[1], "recv"))
		return do_recv(atoi(argv[2]), atoi(argv[3]),
			       argc > 4 ? argv[4] : NULL);
	fprintf(stderr, "usage: udpflow send DST PORT PPS SECONDS [NFLOWS [SEQ_BASE]] | recv PORT IDLE_MS [READY]\n");
	return 2;
}
