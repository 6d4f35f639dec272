/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * cbox, the loader: shared declarations of its parts (CLI and logging,
 * manifest, netlink and netns helpers, state record, apply/detach,
 * status/stats).
 */
#ifndef CBOX_RUNTIME_H
#define CBOX_RUNTIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "common_kern_user.h"

/* Exit codes of the CLI contract (DESIGN.md). */
enum {
	CBOX_EXIT_OK = 0,
	CBOX_EXIT_BUNDLE = 1,	/* the bundle (input) is wrong */
	CBOX_EXIT_USAGE = 2,
	CBOX_EXIT_SYS = 3,	/* the system refused something */
};

#define CBOX_BPFFS		"/sys/fs/bpf"
#define CBOX_PIN_ROOT		CBOX_BPFFS "/cbox"
#define CBOX_STATE_DIR		"/run/cbox"
#define CBOX_DEFAULT_INNER_MTU	1500

/* tc filters of cbox live at handle 1 and these priorities. */
#define CBOX_TC_HANDLE		1
#define CBOX_TC_PRIO_EGRESS	0xcb01
#define CBOX_TC_PRIO_SF		0xcb02
#define CBOX_TC_PRIO_CLS	0xcb03

extern int cbox_verbose;
extern bool cbox_json;

void pr_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void pr_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void pr_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Records an error (the first one wins: later ones are usually fallout of
 * the first, e.g. during rollback) and returns its exit code, so that
 * callers write `return cbox_err(CBOX_EXIT_SYS, "...")`.
 */
int cbox_err(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
const char *cbox_errmsg(void);
void cbox_err_clear(void);
/* Warnings are printed and also collected for the JSON report. */
extern cJSON *cbox_warnings;

/* ---- manifest.c ---- */

#define MF_MAX_PROGS 8
#define MF_MAX_MAPS 8

struct mf_mapcfg {
	const char *name;
	uint32_t max_entries;	/* 0: the object's default */
	const char *seed;	/* NULL: nothing to seed */
};

struct mf_prog {
	const char *stage;	/* dec, egress, sf */
	const char *object;	/* relative to the bundle dir */
	const char *program;
	const char *hook;	/* xdp, tc-ingress, tc-egress */
	const char *iface;
	const char *redirect_to;	/* sample SFs only */
};

struct mf_box {
	const char *tag;
	uint32_t box_id;
	const char *type;
	const char *netns;	/* NULL: the host's namespace */
	const char *iface;
	const char *egress_iface;
	uint8_t mac[6];
	bool has_mac;
	bool set_mac;
	bool nsh_aware;
	struct mf_prog progs[MF_MAX_PROGS];
	int n_progs;
	struct mf_mapcfg maps[MF_MAX_MAPS];
	int n_maps;
};

struct mf_dlink {
	const char *name, *netns, *peer_name, *peer_netns, *from, *to;
	uint8_t mac[6], peer_mac[6];
};

struct mf_cls {
	const char *tag;
	const char *netns;
	const char *iface;
	const char *direction;	/* ingress | egress */
	const char *object;
	const char *program;
	struct mf_mapcfg maps[MF_MAX_MAPS];
	int n_maps;
};

struct manifest {
	char *dir;
	cJSON *root;
	const char *host;
	uint32_t proxy_entries;
	uint32_t inner_mtu;
	char sha256[65];	/* of manifest.json itself */
	struct mf_box *boxes;
	int n_boxes;
	struct mf_dlink *dlinks;
	int n_dlinks;
	struct mf_cls *cls;
	int n_cls;
};

/* Parses and verifies everything (files, hashes, host); returns an exit code. */
int manifest_load(struct manifest *m, const char *dir, const char *host_override);
/* Parses only (for detach): host and layout, no file checks. */
int manifest_parse_only(struct manifest *m, const char *dir);
void manifest_free(struct manifest *m);
int parse_mac(const char *s, uint8_t mac[6]);
void format_mac(const uint8_t mac[6], char out[18]);
int sha256_file(const char *path, char hex[65]);
bool safe_name(const char *s);

/* ---- netlink.c ---- */

struct link_info {
	int ifindex;
	unsigned int mtu;
	unsigned int flags;
	uint8_t mac[6];
	char kind[16];		/* IFLA_INFO_KIND: "veth", ... ("" for none) */
	int link;		/* IFLA_LINK: a veth's peer ifindex (0: none) */
	int link_nsid;		/* IFLA_LINK_NETNSID: the peer's netns (-1: ours) */
};

/* Enters a network namespace (NULL: stay); ns_leave returns to ours. */
int ns_enter(const char *netns, int *saved);
void ns_leave(int saved);
bool netns_exists(const char *netns);
int netns_fd(const char *netns);

/* A rtnetlink socket bound to the namespace (NULL: ours). */
int nl_open(const char *netns);
int nl_link_get(int fd, const char *name, struct link_info *li);
/* The id that the socket's netns gives the netns of nsfd (negative: none). */
int nl_nsid_of(int fd, int nsfd);
int nl_link_set(int fd, int ifindex, const uint8_t *mac, unsigned int mtu,
		int up);
int nl_link_del(int fd, int ifindex);
int nl_veth_create(int fd, const char *name, const uint8_t mac[6],
		   unsigned int mtu, const char *peer, const uint8_t peer_mac[6],
		   int peer_nsfd);
/* Number of tc filters under the clsact parent (ingress or egress). */
int nl_tc_filter_count(int fd, int ifindex, bool egress);

/*
 * ethtool: the GRO/GSO/TSO features (by name) that are on and changeable;
 * set turns the listed ones on or off.
 */
#define CBOX_MAX_OFFLOADS 12
struct offloads {
	int n;
	char names[CBOX_MAX_OFFLOADS][32];
};
int eth_get_offloads(const char *netns, const char *ifname, struct offloads *o);
int eth_set_offloads(const char *netns, const char *ifname,
		     const struct offloads *o, bool on);

/* ---- state.c ---- */

cJSON *state_load(const char *host);
/* Whether host has a state record (readable or not). */
bool state_exists(const char *host);
int state_save(const char *host, cJSON *st);
int state_remove_file(const char *host);
cJSON *state_items(cJSON *st);
cJSON *state_find(cJSON *st, const char *key);
/* Adds an item (key must be unique) and saves the record first. */
int state_add(const char *host, cJSON *st, cJSON *item);
void state_drop(cJSON *st, const char *key);
const char *jstr(const cJSON *o, const char *name);
long long jnum(const cJSON *o, const char *name, long long dflt);
/* Lists host names that have a state record. */
int state_hosts(char ***hosts, int *n);

/* ---- apply.c ---- */

/* --xdp-mode: auto tries native and falls back to generic (SKB) mode */
enum cbox_xdp_mode {
	CBOX_XDP_AUTO,
	CBOX_XDP_NATIVE,
	CBOX_XDP_GENERIC,
};

int cmd_apply(const char *dir, const char *host, bool fix_mtu,
	      enum cbox_xdp_mode xdp_mode);
int cmd_detach(const char *dir, const char *host, bool all);
/* Collects the prog ids of everything pinned under a host's bpffs dir. */
int pinned_prog_ids(const char *host, uint32_t **ids, int *n);

/* ---- status.c ---- */

int cmd_status(const char *host);
int cmd_stats(const char *host, int watch);

#endif /* CBOX_RUNTIME_H */
