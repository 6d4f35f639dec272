// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The little rtnetlink cbox needs (veth pairs, MAC, MTU, up, tc filter
 * counts) and ethtool offload switches, each in a given network namespace.
 * A socket opened while inside a namespace stays bound to it, so we enter
 * with setns(CLONE_NEWNET) only to open the socket and return at once: our
 * mount namespace, and thus the bpffs we pin in, never changes.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/ethtool.h>
#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/net_namespace.h>
#include <linux/netlink.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <linux/sockios.h>
#include <linux/veth.h>

#include "cbox.h"

int netns_fd(const char *netns)
{
	char path[PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), "/run/netns/%s", netns);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

bool netns_exists(const char *netns)
{
	int fd;

	if (!netns)
		return true;
	fd = netns_fd(netns);
	if (fd < 0)
		return false;
	close(fd);
	return true;
}

int ns_enter(const char *netns, int *saved)
{
	int fd, err;

	*saved = -1;
	if (!netns)
		return 0;
	fd = netns_fd(netns);
	if (fd < 0)
		return fd;
	*saved = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (*saved < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	if (setns(fd, CLONE_NEWNET)) {
		err = -errno;
		close(fd);
		close(*saved);
		*saved = -1;
		return err;
	}
	close(fd);
	return 0;
}

void ns_leave(int saved)
{
	if (saved < 0)
		return;
	/* Failing to return would make every later step act in the wrong
	 * namespace: there is no safe way on. */
	if (setns(saved, CLONE_NEWNET)) {
		fprintf(stderr, "cbox: fatal: cannot return to own netns: %s\n",
			strerror(errno));
		_exit(CBOX_EXIT_SYS);
	}
	close(saved);
}

int nl_open(const char *netns)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	int saved, fd, err;

	err = ns_enter(netns, &saved);
	if (err)
		return err;
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	err = fd < 0 ? -errno : 0;
	ns_leave(saved);
	if (err)
		return err;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

struct nlbuf {
	struct nlmsghdr *nh;
	size_t cap;
};

static struct rtattr *nla_put(struct nlbuf *b, int type, const void *data,
			      size_t len)
{
	struct rtattr *rta;
	size_t need = NLMSG_ALIGN(b->nh->nlmsg_len) + RTA_SPACE(len);

	if (need > b->cap)
		return NULL;
	rta = (struct rtattr *)((char *)b->nh + NLMSG_ALIGN(b->nh->nlmsg_len));
	rta->rta_type = type;
	rta->rta_len = RTA_LENGTH(len);
	if (len)
		memcpy(RTA_DATA(rta), data, len);
	b->nh->nlmsg_len = need;
	return rta;
}

static void nla_end(struct nlbuf *b, struct rtattr *nest)
{
	nest->rta_len = (char *)b->nh + b->nh->nlmsg_len - (char *)nest;
}

typedef int (*nl_cb)(struct nlmsghdr *nh, void *arg);

/* Sends one request; calls cb for every reply message until ACK/DONE. */
static int nl_talk(int fd, struct nlmsghdr *req, nl_cb cb, void *arg)
{
	static uint32_t seq = 1000;
	char buf[32768];
	/* NLM_F_EXCL shares a bit with NLM_F_DUMP: test both bits */
	bool dump = (req->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP;
	int err = 0;

	req->nlmsg_seq = ++seq;
	if (!dump)
		req->nlmsg_flags |= NLM_F_ACK;
	if (send(fd, req, req->nlmsg_len, 0) < 0)
		return -errno;
	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		struct nlmsghdr *nh;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		for (nh = (struct nlmsghdr *)buf; NLMSG_OK(nh, (size_t)n);
		     nh = NLMSG_NEXT(nh, n)) {
			if (nh->nlmsg_seq != req->nlmsg_seq)
				continue;
			if (nh->nlmsg_type == NLMSG_DONE)
				return err;
			if (nh->nlmsg_type == NLMSG_ERROR) {
				struct nlmsgerr *e = NLMSG_DATA(nh);

				/* ACK (error 0) ends a plain request */
				return e->error ? e->error : err;
			}
			if (cb && !err)
				err = cb(nh, arg);
		}
	}
}

static int parse_link(struct nlmsghdr *nh, void *arg)
{
	struct link_info *li = arg;
	struct ifinfomsg *ifi = NLMSG_DATA(nh);
	struct rtattr *rta = IFLA_RTA(ifi);
	int len = IFLA_PAYLOAD(nh);

	if (nh->nlmsg_type != RTM_NEWLINK)
		return 0;
	li->ifindex = ifi->ifi_index;
	li->flags = ifi->ifi_flags;
	for (; RTA_OK(rta, len); rta = RTA_NEXT(rta, len)) {
		if (rta->rta_type == IFLA_MTU)
			memcpy(&li->mtu, RTA_DATA(rta), 4);
		else if (rta->rta_type == IFLA_ADDRESS &&
			 RTA_PAYLOAD(rta) == 6)
			memcpy(li->mac, RTA_DATA(rta), 6);
		else if (rta->rta_type == IFLA_LINK && RTA_PAYLOAD(rta) == 4)
			memcpy(&li->link, RTA_DATA(rta), 4);
		else if (rta->rta_type == IFLA_LINK_NETNSID &&
			 RTA_PAYLOAD(rta) == 4)
			memcpy(&li->link_nsid, RTA_DATA(rta), 4);
		else if (rta->rta_type == IFLA_LINKINFO) {
			struct rtattr *in = RTA_DATA(rta);
			int ilen = RTA_PAYLOAD(rta);

			for (; RTA_OK(in, ilen); in = RTA_NEXT(in, ilen))
				if (in->rta_type == IFLA_INFO_KIND)
					snprintf(li->kind, sizeof(li->kind),
						 "%.*s", (int)RTA_PAYLOAD(in),
						 (char *)RTA_DATA(in));
		}
	}
	return 0;
}

int nl_link_get(int fd, const char *name, struct link_info *li)
{
	char buf[1024] = { 0 };
	struct nlbuf b = { (struct nlmsghdr *)buf, sizeof(buf) };
	struct ifinfomsg *ifi;

	memset(li, 0, sizeof(*li));
	li->link_nsid = -1;
	b.nh->nlmsg_len = NLMSG_LENGTH(sizeof(*ifi));
	b.nh->nlmsg_type = RTM_GETLINK;
	b.nh->nlmsg_flags = NLM_F_REQUEST;
	ifi = NLMSG_DATA(b.nh);
	ifi->ifi_family = AF_UNSPEC;
	nla_put(&b, IFLA_IFNAME, name, strlen(name) + 1);
	return nl_talk(fd, b.nh, parse_link, li);
}

static int parse_nsid(struct nlmsghdr *nh, void *arg)
{
	struct rtattr *rta = (struct rtattr *)((char *)NLMSG_DATA(nh) +
					       NLMSG_ALIGN(sizeof(struct rtgenmsg)));
	int len = NLMSG_PAYLOAD(nh, sizeof(struct rtgenmsg));

	if (nh->nlmsg_type != RTM_NEWNSID)
		return 0;
	for (; RTA_OK(rta, len); rta = RTA_NEXT(rta, len))
		if (rta->rta_type == NETNSA_NSID && RTA_PAYLOAD(rta) == 4)
			memcpy(arg, RTA_DATA(rta), 4);
	return 0;
}

int nl_nsid_of(int fd, int nsfd)
{
	char buf[256] = { 0 };
	struct nlbuf b = { (struct nlmsghdr *)buf, sizeof(buf) };
	struct rtgenmsg *g;
	uint32_t ufd = (uint32_t)nsfd;
	int nsid = -1, err;

	b.nh->nlmsg_len = NLMSG_LENGTH(sizeof(*g));
	b.nh->nlmsg_type = RTM_GETNSID;
	b.nh->nlmsg_flags = NLM_F_REQUEST;
	g = NLMSG_DATA(b.nh);
	g->rtgen_family = AF_UNSPEC;
	nla_put(&b, NETNSA_FD, &ufd, 4);
	err = nl_talk(fd, b.nh, parse_nsid, &nsid);
	return err ? err : nsid;
}

int nl_link_set(int fd, int ifindex, const uint8_t *mac, unsigned int mtu,
		int up)
{
	char buf[1024] = { 0 };
	struct nlbuf b = { (struct nlmsghdr *)buf, sizeof(buf) };
	struct ifinfomsg *ifi;

	b.nh->nlmsg_len = NLMSG_LENGTH(sizeof(*ifi));
	b.nh->nlmsg_type = RTM_NEWLINK;
	b.nh->nlmsg_flags = NLM_F_REQUEST;
	ifi = NLMSG_DATA(b.nh);
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	if (up >= 0) {
		ifi->ifi_change = IFF_UP;
		ifi->ifi_flags = up ? IFF_UP : 0;
	}
	if (mac)
		nla_put(&b, IFLA_ADDRESS, mac, 6);
	if (mtu)
		nla_put(&b, IFLA_MTU, &mtu, 4);
	return nl_talk(fd, b.nh, NULL, NULL);
}

int nl_link_del(int fd, int ifindex)
{
	char buf[256] = { 0 };
	struct nlmsghdr *nh = (struct nlmsghdr *)buf;
	struct ifinfomsg *ifi;

	nh->nlmsg_len = NLMSG_LENGTH(sizeof(*ifi));
	nh->nlmsg_type = RTM_DELLINK;
	nh->nlmsg_flags = NLM_F_REQUEST;
	ifi = NLMSG_DATA(nh);
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	return nl_talk(fd, nh, NULL, NULL);
}

int nl_veth_create(int fd, const char *name, const uint8_t mac[6],
		   unsigned int mtu, const char *peer, const uint8_t peer_mac[6],
		   int peer_nsfd)
{
	char buf[2048] = { 0 };
	struct nlbuf b = { (struct nlmsghdr *)buf, sizeof(buf) };
	struct rtattr *linkinfo, *data, *peerinfo;
	struct ifinfomsg *ifi, pifi = { .ifi_family = AF_UNSPEC };

	b.nh->nlmsg_len = NLMSG_LENGTH(sizeof(*ifi));
	b.nh->nlmsg_type = RTM_NEWLINK;
	b.nh->nlmsg_flags = NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL;
	ifi = NLMSG_DATA(b.nh);
	ifi->ifi_family = AF_UNSPEC;
	nla_put(&b, IFLA_IFNAME, name, strlen(name) + 1);
	nla_put(&b, IFLA_ADDRESS, mac, 6);
	nla_put(&b, IFLA_MTU, &mtu, 4);
	linkinfo = nla_put(&b, IFLA_LINKINFO, NULL, 0);
	nla_put(&b, IFLA_INFO_KIND, "veth", 4);
	data = nla_put(&b, IFLA_INFO_DATA, NULL, 0);
	peerinfo = nla_put(&b, VETH_INFO_PEER, &pifi, sizeof(pifi));
	nla_put(&b, IFLA_IFNAME, peer, strlen(peer) + 1);
	nla_put(&b, IFLA_ADDRESS, peer_mac, 6);
	nla_put(&b, IFLA_MTU, &mtu, 4);
	if (peer_nsfd >= 0)
		nla_put(&b, IFLA_NET_NS_FD, &peer_nsfd, 4);
	nla_end(&b, peerinfo);
	nla_end(&b, data);
	nla_end(&b, linkinfo);
	return nl_talk(fd, b.nh, NULL, NULL);
}

static int count_msgs(struct nlmsghdr *nh, void *arg)
{
	struct tcmsg *t = NLMSG_DATA(nh);

	/* A filter's chain head (handle 0) is one per priority: count the
	 * filters themselves only. */
	if (nh->nlmsg_type == RTM_NEWTFILTER && t->tcm_handle)
		(*(int *)arg)++;
	return 0;
}

int nl_tc_filter_count(int fd, int ifindex, bool egress)
{
	char buf[256] = { 0 };
	struct nlmsghdr *nh = (struct nlmsghdr *)buf;
	struct tcmsg *t;
	int n = 0, err;

	nh->nlmsg_len = NLMSG_LENGTH(sizeof(*t));
	nh->nlmsg_type = RTM_GETTFILTER;
	nh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	t = NLMSG_DATA(nh);
	t->tcm_family = AF_UNSPEC;
	t->tcm_ifindex = ifindex;
	t->tcm_parent = TC_H_MAKE(TC_H_CLSACT,
				  egress ? TC_H_MIN_EGRESS : TC_H_MIN_INGRESS);
	err = nl_talk(fd, nh, count_msgs, &n);
	return err ? err : n;
}

static int eth_sock(const char *netns)
{
	int saved, fd, err;

	err = ns_enter(netns, &saved);
	if (err)
		return err;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	err = fd < 0 ? -errno : 0;
	ns_leave(saved);
	return err ? err : fd;
}

/* GRO, GSO and every TCP segmentation flavour (the kernel adds new ones,
 * e.g. tx-tcp-accecn-segmentation, that the legacy STSO does not cover). */
static bool targeted(const char *name)
{
	size_t n = strlen(name);

	return !strcmp(name, "rx-gro") ||
	       !strcmp(name, "tx-generic-segmentation") ||
	       (!strncmp(name, "tx-tcp", 6) && n > 13 &&
		!strcmp(name + n - 13, "-segmentation"));
}

struct feats {
	uint32_t count, blocks;
	struct ethtool_gstrings *names;
	struct ethtool_gfeatures *gf;
};

static int eth_ioctl(int fd, const char *ifname, void *data)
{
	struct ifreq ifr = { 0 };

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ifr.ifr_data = data;
	return ioctl(fd, SIOCETHTOOL, &ifr) ? -errno : 0;
}

static void feats_free(struct feats *f)
{
	free(f->names);
	free(f->gf);
}

static int feats_get(int fd, const char *ifname, struct feats *f)
{
	/* room for the one data[] word the kernel fills in; a union rather
	 * than a struct with a member after the flexible array, which clang
	 * rejects */
	union {
		struct ethtool_sset_info hdr;
		uint8_t raw[sizeof(struct ethtool_sset_info) + sizeof(uint32_t)];
	} ss;
	int err;

	memset(&ss, 0, sizeof(ss));
	ss.hdr.cmd = ETHTOOL_GSSET_INFO;
	ss.hdr.sset_mask = 1ULL << ETH_SS_FEATURES;
	memset(f, 0, sizeof(*f));
	err = eth_ioctl(fd, ifname, &ss);
	if (err)
		return err;
	if (!ss.hdr.sset_mask)
		return -EOPNOTSUPP;
	f->count = ss.hdr.data[0];
	f->blocks = (f->count + 31) / 32;
	f->names = calloc(1, sizeof(*f->names) + f->count * ETH_GSTRING_LEN);
	f->gf = calloc(1, sizeof(*f->gf) + f->blocks * sizeof(f->gf->features[0]));
	if (!f->names || !f->gf) {
		feats_free(f);
		return -ENOMEM;
	}
	f->names->cmd = ETHTOOL_GSTRINGS;
	f->names->string_set = ETH_SS_FEATURES;
	f->names->len = f->count;
	f->gf->cmd = ETHTOOL_GFEATURES;
	f->gf->size = f->blocks;
	err = eth_ioctl(fd, ifname, f->names);
	if (!err)
		err = eth_ioctl(fd, ifname, f->gf);
	if (err)
		feats_free(f);
	return err;
}

static const char *feat_name(const struct feats *f, uint32_t i)
{
	return (const char *)f->names->data + (size_t)i * ETH_GSTRING_LEN;
}

int eth_get_offloads(const char *netns, const char *ifname, struct offloads *o)
{
	struct feats f;
	int fd = eth_sock(netns), err;

	if (fd < 0)
		return fd;
	o->n = 0;
	err = feats_get(fd, ifname, &f);
	close(fd);
	if (err)
		return err;
	for (uint32_t i = 0; i < f.count && o->n < CBOX_MAX_OFFLOADS; i++) {
		uint32_t bit = 1U << (i % 32);
		const struct ethtool_get_features_block *b = &f.gf->features[i / 32];

		/* on, and not fixed (changeable) */
		if ((b->active & bit) && (b->available & bit) &&
		    !(b->never_changed & bit) && targeted(feat_name(&f, i)))
			snprintf(o->names[o->n++], ETH_GSTRING_LEN, "%s",
				 feat_name(&f, i));
	}
	feats_free(&f);
	return 0;
}

int eth_set_offloads(const char *netns, const char *ifname,
		     const struct offloads *o, bool on)
{
	struct ethtool_sfeatures *sf;
	struct feats f;
	int fd = eth_sock(netns), err;

	if (fd < 0)
		return fd;
	err = feats_get(fd, ifname, &f);
	if (err) {
		close(fd);
		return err;
	}
	sf = calloc(1, sizeof(*sf) + f.blocks * sizeof(sf->features[0]));
	if (!sf) {
		feats_free(&f);
		close(fd);
		return -ENOMEM;
	}
	sf->cmd = ETHTOOL_SFEATURES;
	sf->size = f.blocks;
	for (uint32_t i = 0; i < f.count; i++)
		for (int k = 0; k < o->n; k++)
			if (!strcmp(o->names[k], feat_name(&f, i))) {
				sf->features[i / 32].valid |= 1U << (i % 32);
				if (on)
					sf->features[i / 32].requested |= 1U << (i % 32);
			}
	err = eth_ioctl(fd, ifname, sf);
	/* positive: some request could not be met exactly; the check after
	 * apply (status) is what counts, not a hard error */
	free(sf);
	feats_free(&f);
	close(fd);
	return err < 0 ? err : 0;
}
