// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * cbox apply and detach.
 *
 * apply: verify the bundle, check the host (preflight: nothing is touched
 * before every netns, interface and attach point is known to be usable),
 * then create, load, seed and attach. Every change is journaled twice: in
 * the state record (before the change, so a kill -9 leaves a superset of
 * what exists) and in an in-memory undo list (so a failure restores what
 * was there before: the old programs re-attached, the old map contents
 * written back). Upgrades keep the pinned maps and replace programs in
 * place (XDP_FLAGS_REPLACE, tc replace at the same handle and priority);
 * map entries are added or updated before the new programs attach and
 * stale ones are deleted only after, so chain traffic always finds an
 * entry.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>

#include "cbox.h"

#ifndef BPF_FS_MAGIC
#define BPF_FS_MAGIC 0xcafe4a11
#endif

enum undo_kind {
	U_UNLINK,
	U_RMDIR,
	U_VETH_DEL,
	U_XDP_DETACH,
	U_XDP_RESTORE,
	U_XDP_REATTACH,
	U_TC_DETACH,
	U_TC_RESTORE,
	U_QDISC_DEL,
	U_LINK_RESTORE,
	U_OFFLOAD_RESTORE,
	U_MAP_RESTORE,
	U_RENAME_BACK,
};

struct snapshot {
	int fd;
	uint32_t ksz, vsz, n;
	bool array;
	uint8_t *keys, *vals;
};

struct undo {
	enum undo_kind kind;
	char netns[72];
	bool has_ns;
	char ifname[IFNAMSIZ];
	char path[PATH_MAX];
	char path2[PATH_MAX];
	uint32_t prog_id;	/* XDP/TC restore: what was attached before */
	uint32_t mode;		/* XDP mode flag */
	bool egress;
	uint32_t prio;
	uint8_t mac[6];
	bool has_mac;
	unsigned int mtu;
	struct offloads off;
	struct snapshot snap;
	int new_fd;		/* for XDP restore: the fd now attached */
	int old_fd;		/* for XDP reattach: keeps the old program alive */
};

struct mapent {
	char path[PATH_MAX];
	int fd;
	bool fresh;		/* created by this apply */
	bool replace;		/* pinned one was incompatible: pin at commit */
	uint32_t type, ksz, vsz, max, flags;
};

struct seedset {
	char path[PATH_MAX];	/* map pin path */
	int fd;
	uint32_t ksz, vsz, max;
	bool array;
	uint32_t n;
	uint8_t *keys, *vals;
};

struct loaded {
	struct bpf_object *obj;
	int fd;
	uint32_t id;
	const char *owner;	/* box or classifier tag */
	const char *stage;
	const char *hook;
	const char *iface;
	const char *netns;
	bool is_cls;
	char pin[PATH_MAX];
	char pin_new[PATH_MAX];
};

struct actx {
	struct manifest *m;
	const char *host;
	bool fix_mtu;
	enum cbox_xdp_mode xdp_mode;
	cJSON *st;
	char *old_state;	/* text of the record before, NULL: none */
	struct undo *undo;
	int n_undo, cap_undo;
	struct mapent maps[64];
	int n_maps;
	struct seedset seeds[64];
	int n_seeds;
	struct loaded progs[64];
	int n_progs;
	char **desired;
	int n_desired, cap_desired;
	uint32_t *owned;
	int n_owned;
	cJSON *report;
	long fault_after;
	long kill_at;
	long steps;
};

/* ---- small helpers ---- */

static const char *nsname(const char *ns)
{
	return ns ? ns : "(host)";
}

static void host_dir(const char *host, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s", CBOX_PIN_ROOT, host);
}

static int ifindex_in(const char *netns, const char *ifname)
{
	int saved, idx, err;

	err = ns_enter(netns, &saved);
	if (err)
		return err;
	idx = if_nametoindex(ifname);
	err = idx ? idx : -errno;
	ns_leave(saved);
	return err;
}

/*
 * Each mutating step counts. For the tests: CBOX_FAULT_AFTER=N fails step N
 * (exercises rollback), CBOX_KILL_AT=N dies by SIGKILL there (exercises
 * convergence from a half-done apply).
 */
static int step(struct actx *c, const char *what)
{
	c->steps++;
	pr_debug("step %ld: %s", c->steps, what);
	if (c->kill_at && c->steps >= c->kill_at)
		kill(getpid(), SIGKILL);
	if (c->fault_after && c->steps >= c->fault_after)
		return cbox_err(CBOX_EXIT_SYS, "injected fault at step %ld (%s)",
				c->steps, what);
	return 0;
}

static struct undo *push_undo(struct actx *c, enum undo_kind kind,
			      const char *netns, const char *ifname)
{
	struct undo *u;

	if (c->n_undo == c->cap_undo) {
		int cap = c->cap_undo ? 2 * c->cap_undo : 32;
		struct undo *nu = realloc(c->undo, cap * sizeof(*nu));

		if (!nu)
			return NULL;
		c->undo = nu;
		c->cap_undo = cap;
	}
	u = &c->undo[c->n_undo++];
	memset(u, 0, sizeof(*u));
	u->kind = kind;
	u->new_fd = -1;
	if (netns) {
		u->has_ns = true;
		snprintf(u->netns, sizeof(u->netns), "%s", netns);
	}
	if (ifname)
		snprintf(u->ifname, sizeof(u->ifname), "%s", ifname);
	return u;
}

static void want(struct actx *c, const char *key)
{
	if (c->n_desired == c->cap_desired) {
		c->cap_desired = c->cap_desired ? 2 * c->cap_desired : 64;
		c->desired = realloc(c->desired, c->cap_desired * sizeof(char *));
	}
	c->desired[c->n_desired++] = strdup(key);
}

static bool is_desired(struct actx *c, const char *key)
{
	for (int i = 0; i < c->n_desired; i++)
		if (!strcmp(c->desired[i], key))
			return true;
	return false;
}

static cJSON *item_new(const char *kind, const char *key, const char *netns,
		       const char *ifname)
{
	cJSON *it = cJSON_CreateObject();

	cJSON_AddStringToObject(it, "key", key);
	cJSON_AddStringToObject(it, "kind", kind);
	if (netns)
		cJSON_AddStringToObject(it, "netns", netns);
	if (ifname)
		cJSON_AddStringToObject(it, "iface", ifname);
	return it;
}

static void key_of(char *buf, size_t len, const char *kind, const char *netns,
		   const char *name, const char *extra)
{
	snprintf(buf, len, "%s|%s|%s%s%s", kind, netns ? netns : "", name,
		 extra ? "|" : "", extra ? extra : "");
}

static bool owned_id(const uint32_t *ids, int n, uint32_t id)
{
	for (int i = 0; i < n; i++)
		if (ids[i] == id)
			return true;
	return false;
}

static void add_id(uint32_t **ids, int *n, uint32_t id)
{
	uint32_t *ni;

	if (!id || owned_id(*ids, *n, id))
		return;
	ni = realloc(*ids, (*n + 1) * sizeof(*ni));
	if (!ni)
		return;
	*ids = ni;
	(*ids)[(*n)++] = id;
}

static uint32_t prog_id_of(int fd)
{
	struct bpf_prog_info info = { 0 };
	uint32_t len = sizeof(info);

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return 0;
	return info.id;
}

static void collect_pins(const char *dir, uint32_t **ids, int *n)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d = opendir(dir);

	if (!d)
		return;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (de->d_type == DT_DIR) {
			collect_pins(path, ids, n);
		} else if (!strncmp(de->d_name, "prog_", 5)) {
			int fd = bpf_obj_get(path);

			if (fd >= 0) {
				add_id(ids, n, prog_id_of(fd));
				close(fd);
			}
		}
	}
	closedir(d);
}

/*
 * Programs that are ours: pinned under the host's bpffs dir (pinned before
 * they are attached, so also after a kill -9) or named in the record.
 */
static void owned_ids(const char *host, cJSON *st, uint32_t **ids, int *n)
{
	char dir[PATH_MAX];
	cJSON *it;

	host_dir(host, dir, sizeof(dir));
	collect_pins(dir, ids, n);
	cJSON_ArrayForEach(it, state_items(st))
		add_id(ids, n, (uint32_t)jnum(it, "prog_id", 0));
}

int pinned_prog_ids(const char *host, uint32_t **ids, int *n)
{
	char dir[PATH_MAX];

	*ids = NULL;
	*n = 0;
	host_dir(host, dir, sizeof(dir));
	collect_pins(dir, ids, n);
	return 0;
}

/* What XDP program sits on an iface, and in which mode. */
static int xdp_current(const char *netns, const char *ifname, int *ifindex,
		       uint32_t *id, uint32_t *mode)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	int saved, err;

	*id = 0;
	*mode = 0;
	err = ns_enter(netns, &saved);
	if (err)
		return err;
	*ifindex = if_nametoindex(ifname);
	if (!*ifindex)
		err = -errno;
	else
		err = bpf_xdp_query(*ifindex, 0, &q);
	ns_leave(saved);
	if (err)
		return err;
	if (q.drv_prog_id) {
		*id = q.drv_prog_id;
		*mode = XDP_FLAGS_DRV_MODE;
	} else if (q.skb_prog_id) {
		*id = q.skb_prog_id;
		*mode = XDP_FLAGS_SKB_MODE;
	} else if (q.hw_prog_id) {
		*id = q.hw_prog_id;
		*mode = XDP_FLAGS_HW_MODE;
	}
	return 0;
}

static int tc_current(const char *netns, const char *ifname, bool egress,
		      uint32_t prio, uint32_t *id)
{
	LIBBPF_OPTS(bpf_tc_hook, hook);
	LIBBPF_OPTS(bpf_tc_opts, o, .handle = CBOX_TC_HANDLE, .priority = prio);
	int saved, err;

	*id = 0;
	err = ns_enter(netns, &saved);
	if (err)
		return err;
	hook.ifindex = if_nametoindex(ifname);
	hook.attach_point = egress ? BPF_TC_EGRESS : BPF_TC_INGRESS;
	if (!hook.ifindex)
		err = -errno;
	else
		err = bpf_tc_query(&hook, &o);
	ns_leave(saved);
	if (err == -ENOENT || err == -EINVAL)
		return 0;	/* no clsact qdisc or no filter there */
	if (!err)
		*id = o.prog_id;
	return err;
}

/* ---- removal of recorded items (detach, stale items, undo) ---- */

static int do_xdp_detach(const char *netns, const char *ifname,
			 const uint32_t *ids, int n)
{
	uint32_t id, mode;
	int ifindex, saved, err;

	err = xdp_current(netns, ifname, &ifindex, &id, &mode);
	if (err == -ENODEV || err == -ENOENT)
		return 0;
	if (err)
		return err;
	if (!id || !owned_id(ids, n, id))
		return 0;	/* nothing, or not ours: leave it */
	err = ns_enter(netns, &saved);
	if (err)
		return err;
	err = bpf_xdp_detach(ifindex, mode, NULL);
	ns_leave(saved);
	return err;
}

static int do_tc_detach(const char *netns, const char *ifname, bool egress,
			uint32_t prio, const uint32_t *ids, int n)
{
	LIBBPF_OPTS(bpf_tc_hook, hook);
	LIBBPF_OPTS(bpf_tc_opts, o, .handle = CBOX_TC_HANDLE, .priority = prio);
	uint32_t id;
	int saved, err;

	err = tc_current(netns, ifname, egress, prio, &id);
	if (err == -ENODEV || err == -ENOENT)
		return 0;
	if (err)
		return err;
	if (!id || !owned_id(ids, n, id))
		return 0;
	err = ns_enter(netns, &saved);
	if (err)
		return err;
	hook.ifindex = if_nametoindex(ifname);
	hook.attach_point = egress ? BPF_TC_EGRESS : BPF_TC_INGRESS;
	err = hook.ifindex ? bpf_tc_detach(&hook, &o) : -errno;
	ns_leave(saved);
	return err;
}

/* Removes the clsact qdisc we created, but only once it holds no filter. */
static int do_qdisc_del(const char *netns, const char *ifname)
{
	LIBBPF_OPTS(bpf_tc_hook, hook);
	struct link_info li;
	int fd, ni, ne, saved, err;

	fd = nl_open(netns);
	if (fd < 0)
		return fd == -ENOENT ? 0 : fd;
	err = nl_link_get(fd, ifname, &li);
	if (err) {
		close(fd);
		return err == -ENODEV ? 0 : err;
	}
	ni = nl_tc_filter_count(fd, li.ifindex, false);
	ne = nl_tc_filter_count(fd, li.ifindex, true);
	close(fd);
	if (ni < 0 || ne < 0)
		return 0;	/* no clsact: nothing to remove */
	if (ni || ne) {
		pr_info("%s/%s: clsact kept, %d other filter(s) on it",
			nsname(netns), ifname, ni + ne);
		return 0;
	}
	err = ns_enter(netns, &saved);
	if (err)
		return err;
	hook.ifindex = li.ifindex;
	hook.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
	err = bpf_tc_hook_destroy(&hook);
	ns_leave(saved);
	/* no clsact: ENOENT, or EINVAL once the device has had one (its
	 * ingress queue then holds the noop qdisc, whose handle differs) */
	return err == -ENOENT || err == -EINVAL ? 0 : err;
}

static int do_veth_del(const char *netns, const char *ifname)
{
	struct link_info li;
	int fd, err;

	fd = nl_open(netns);
	if (fd < 0)
		return fd == -ENOENT ? 0 : fd;
	err = nl_link_get(fd, ifname, &li);
	if (!err)
		err = nl_link_del(fd, li.ifindex);
	close(fd);
	return err == -ENODEV ? 0 : err;
}

static int do_link_set(const char *netns, const char *ifname,
		       const uint8_t *mac, unsigned int mtu)
{
	struct link_info li;
	int fd, err;

	fd = nl_open(netns);
	if (fd < 0)
		return fd == -ENOENT ? 0 : fd;
	err = nl_link_get(fd, ifname, &li);
	if (!err)
		err = nl_link_set(fd, li.ifindex, mac, mtu, -1);
	close(fd);
	return err == -ENODEV ? 0 : err;
}

static int item_destroy(cJSON *it, const uint32_t *ids, int n)
{
	const char *kind = jstr(it, "kind"), *ns = jstr(it, "netns");
	const char *ifn = jstr(it, "iface"), *path = jstr(it, "path");
	int err = 0;

	if (!kind)
		return 0;
	if (!strcmp(kind, "xdp")) {
		err = do_xdp_detach(ns, ifn, ids, n);
	} else if (!strcmp(kind, "tc")) {
		err = do_tc_detach(ns, ifn, jnum(it, "egress", 0),
				   jnum(it, "priority", 0), ids, n);
	} else if (!strcmp(kind, "qdisc")) {
		err = do_qdisc_del(ns, ifn);
	} else if (!strcmp(kind, "pin")) {
		if (path && unlink(path) && errno != ENOENT)
			err = -errno;
	} else if (!strcmp(kind, "dir")) {
		if (path && rmdir(path) && errno != ENOENT) {
			if (errno == ENOTEMPTY || errno == EEXIST)
				pr_info("%s: not empty (other hosts' pins), kept",
					path);
			else
				err = -errno;
		}
	} else if (!strcmp(kind, "veth")) {
		err = do_veth_del(ns, ifn);
	} else if (!strcmp(kind, "mac")) {
		uint8_t mac[6];

		if (!parse_mac(jstr(it, "old"), mac))
			err = do_link_set(ns, ifn, mac, 0);
	} else if (!strcmp(kind, "mtu")) {
		err = do_link_set(ns, ifn, NULL, jnum(it, "old", 0));
	} else if (!strcmp(kind, "offload")) {
		struct offloads o = { 0 };
		cJSON *n;

		cJSON_ArrayForEach(n, cJSON_GetObjectItem(it, "on"))
			if (cJSON_IsString(n) && o.n < CBOX_MAX_OFFLOADS)
				snprintf(o.names[o.n++], sizeof(o.names[0]), "%s",
					 n->valuestring);
		err = eth_set_offloads(ns, ifn, &o, true);
		if (err == -ENODEV || err == -ENOENT)
			err = 0;
	}
	return err;
}

/*
 * Removal order: unhook programs first (traffic then flows as before cbox),
 * then qdiscs, pins, veths, interface settings, and dirs last, deepest
 * first (they were recorded parent first).
 */
static const char *const destroy_order[] = { "tc",  "xdp", "qdisc", "pin",
					      "veth", "mac", "mtu", "offload",
					      "dir" };

/* Destroys the items that `keep` does not keep; returns how many failed. */
static int destroy_items(const char *host, cJSON *st, const uint32_t *ids,
			 int n, struct actx *keep)
{
	int failed = 0;

	for (size_t k = 0; k < sizeof(destroy_order) / sizeof(*destroy_order);
	     k++) {
		cJSON *items = state_items(st);
		int cnt = cJSON_GetArraySize(items);

		for (int i = cnt - 1; i >= 0; i--) {
			cJSON *it = cJSON_GetArrayItem(items, i);
			const char *kind = jstr(it, "kind"), *key = jstr(it, "key");
			int err;

			if (!kind || strcmp(kind, destroy_order[k]))
				continue;
			if (keep && key && is_desired(keep, key))
				continue;
			err = item_destroy(it, ids, n);
			if (err) {
				pr_warn("cannot remove %s %s%s%s: %s", kind,
					jstr(it, "path") ?: nsname(jstr(it, "netns")),
					jstr(it, "iface") ? "/" : "",
					jstr(it, "iface") ?: "", strerror(-err));
				failed++;
				continue;
			}
			cJSON_Delete(cJSON_DetachItemFromArray(items, i));
			state_save(host, st);
		}
	}
	return failed;
}

/* ---- map helpers ---- */

static int map_info(int fd, struct mapent *me)
{
	struct bpf_map_info info = { 0 };
	uint32_t len = sizeof(info);

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	me->type = info.type;
	me->ksz = info.key_size;
	me->vsz = info.value_size;
	me->max = info.max_entries;
	me->flags = info.map_flags;
	return 0;
}

static bool map_matches(const struct mapent *me, const struct bpf_map *map)
{
	return me->type == bpf_map__type(map) &&
	       me->ksz == bpf_map__key_size(map) &&
	       me->vsz == bpf_map__value_size(map) &&
	       me->max == bpf_map__max_entries(map) &&
	       me->flags == bpf_map__map_flags(map);
}

static bool is_array(uint32_t type)
{
	return type == BPF_MAP_TYPE_ARRAY || type == BPF_MAP_TYPE_PERCPU_ARRAY;
}

static int snap_take(int fd, const struct mapent *me, struct snapshot *s)
{
	uint8_t *key = malloc(me->ksz), *next = malloc(me->ksz);
	void *prev = NULL;
	int err = 0;

	memset(s, 0, sizeof(*s));
	s->fd = dup(fd);
	s->ksz = me->ksz;
	s->vsz = me->vsz;
	s->array = is_array(me->type);
	s->keys = malloc((size_t)me->max * me->ksz + 1);
	s->vals = malloc((size_t)me->max * me->vsz + 1);
	if (!key || !next || !s->keys || !s->vals || s->fd < 0) {
		err = -ENOMEM;
		goto out;
	}
	while (!bpf_map_get_next_key(fd, prev, next) && s->n < me->max) {
		memcpy(key, next, me->ksz);
		prev = key;
		if (bpf_map_lookup_elem(fd, key, s->vals + (size_t)s->n * s->vsz))
			continue;
		memcpy(s->keys + (size_t)s->n * s->ksz, key, s->ksz);
		s->n++;
	}
out:
	free(key);
	free(next);
	return err;
}

static bool set_has(const uint8_t *keys, uint32_t n, uint32_t ksz,
		    const uint8_t *key)
{
	for (uint32_t i = 0; i < n; i++)
		if (!memcmp(keys + (size_t)i * ksz, key, ksz))
			return true;
	return false;
}

/*
 * Removes every entry not in keys[] (arrays: zeroes it). Collected first,
 * deleted after: deleting while walking a hash restarts the walk.
 */
static int map_prune(int fd, uint32_t ksz, uint32_t vsz, uint32_t max,
		     bool array, const uint8_t *keys, uint32_t n)
{
	uint8_t *cur = malloc(ksz), *next = malloc(ksz), *val = calloc(1, vsz);
	uint8_t *stale = malloc((size_t)max * ksz + 1), *zero = calloc(1, vsz);
	uint32_t ns = 0;
	void *prev = NULL;
	int err = 0;

	if (!cur || !next || !val || !stale || !zero) {
		err = -ENOMEM;
		goto out;
	}
	while (!bpf_map_get_next_key(fd, prev, next) && ns < max) {
		memcpy(cur, next, ksz);
		prev = cur;
		if (set_has(keys, n, ksz, cur))
			continue;
		if (array && (bpf_map_lookup_elem(fd, cur, val) ||
			      !memcmp(val, zero, vsz)))
			continue;
		memcpy(stale + (size_t)ns * ksz, cur, ksz);
		ns++;
	}
	for (uint32_t i = 0; i < ns && !err; i++) {
		void *k = stale + (size_t)i * ksz;

		if (array)
			err = bpf_map_update_elem(fd, k, zero, BPF_ANY);
		else if (bpf_map_delete_elem(fd, k) && errno != ENOENT)
			err = -errno;
		if (err && array)
			err = -errno;
	}
out:
	free(cur);
	free(next);
	free(val);
	free(stale);
	free(zero);
	return err;
}

static void snap_restore(struct snapshot *s, uint32_t max)
{
	for (uint32_t i = 0; i < s->n; i++)
		bpf_map_update_elem(s->fd, s->keys + (size_t)i * s->ksz,
				    s->vals + (size_t)i * s->vsz, BPF_ANY);
	map_prune(s->fd, s->ksz, s->vsz, max, s->array, s->keys, s->n);
}

/* ---- rollback ---- */

static void run_undo(struct actx *c)
{
	for (int i = c->n_undo - 1; i >= 0; i--) {
		struct undo *u = &c->undo[i];
		const char *ns = u->has_ns ? u->netns : NULL;
		int err = 0, saved, ifindex;

		switch (u->kind) {
		case U_UNLINK:
			if (unlink(u->path) && errno != ENOENT)
				err = -errno;
			break;
		case U_RMDIR:
			if (rmdir(u->path) && errno != ENOENT)
				err = -errno;
			break;
		case U_RENAME_BACK:
			if (rename(u->path, u->path2))
				err = -errno;
			break;
		case U_VETH_DEL:
			err = do_veth_del(ns, u->ifname);
			break;
		case U_XDP_DETACH: {
			uint32_t all[1] = { u->prog_id };

			err = do_xdp_detach(ns, u->ifname, all, 1);
			break;
		}
		case U_XDP_RESTORE: {
			LIBBPF_OPTS(bpf_xdp_attach_opts, xo, .old_prog_fd = u->new_fd);
			int old = bpf_prog_get_fd_by_id(u->prog_id);

			if (old < 0) {
				err = -errno;
				break;
			}
			ifindex = ifindex_in(ns, u->ifname);
			err = ifindex > 0 ? ns_enter(ns, &saved) : -ENODEV;
			if (!err) {
				err = bpf_xdp_attach(ifindex, old,
						     u->mode | XDP_FLAGS_REPLACE, &xo);
				ns_leave(saved);
			}
			close(old);
			break;
		}
		case U_XDP_REATTACH:
			/* runs after the new program's U_XDP_DETACH: put the
			 * old one back in the mode it ran in before */
			ifindex = ifindex_in(ns, u->ifname);
			err = ifindex > 0 ? ns_enter(ns, &saved) : -ENODEV;
			if (!err) {
				err = bpf_xdp_attach(ifindex, u->old_fd,
						     u->mode | XDP_FLAGS_UPDATE_IF_NOEXIST,
						     NULL);
				ns_leave(saved);
			}
			close(u->old_fd);
			break;
		case U_TC_DETACH: {
			uint32_t all[1] = { u->prog_id };

			err = do_tc_detach(ns, u->ifname, u->egress, u->prio, all, 1);
			break;
		}
		case U_TC_RESTORE: {
			LIBBPF_OPTS(bpf_tc_hook, hook);
			LIBBPF_OPTS(bpf_tc_opts, o, .handle = CBOX_TC_HANDLE,
				    .priority = u->prio, .flags = BPF_TC_F_REPLACE);
			int old = bpf_prog_get_fd_by_id(u->prog_id);

			if (old < 0) {
				err = -errno;
				break;
			}
			o.prog_fd = old;
			hook.ifindex = ifindex_in(ns, u->ifname);
			hook.attach_point = u->egress ? BPF_TC_EGRESS : BPF_TC_INGRESS;
			err = ns_enter(ns, &saved);
			if (!err) {
				err = bpf_tc_attach(&hook, &o);
				ns_leave(saved);
			}
			close(old);
			break;
		}
		case U_QDISC_DEL:
			err = do_qdisc_del(ns, u->ifname);
			break;
		case U_LINK_RESTORE:
			err = do_link_set(ns, u->ifname, u->has_mac ? u->mac : NULL,
					  u->mtu);
			break;
		case U_OFFLOAD_RESTORE:
			err = eth_set_offloads(ns, u->ifname, &u->off, true);
			break;
		case U_MAP_RESTORE:
			snap_restore(&u->snap, u->mtu /* max entries */);
			break;
		}
		if (err)
			pr_warn("rollback step %d (%s/%s %s): %s", u->kind,
				nsname(ns), u->ifname, u->path, strerror(-err));
	}
}

static void restore_state_file(struct actx *c)
{
	char path[PATH_MAX];
	FILE *f;

	if (!c->old_state) {
		state_remove_file(c->host);
		return;
	}
	snprintf(path, sizeof(path), "%s/%s.json", CBOX_STATE_DIR, c->host);
	f = fopen(path, "w");
	if (f) {
		fputs(c->old_state, f);
		fclose(f);
	}
}

/* ---- apply steps ---- */

static int ensure_bpffs(void)
{
	struct statfs sfs;

	if (!statfs(CBOX_BPFFS, &sfs) && sfs.f_type == BPF_FS_MAGIC)
		return 0;
	if (mount("bpf", CBOX_BPFFS, "bpf", 0, "mode=0700"))
		return cbox_err(CBOX_EXIT_SYS, "mount bpffs at %s: %s", CBOX_BPFFS,
				strerror(errno));
	pr_info("mounted bpffs at %s", CBOX_BPFFS);
	return 0;
}

static int ensure_dir(struct actx *c, const char *path)
{
	char key[PATH_MAX + 8];
	struct stat sb;
	int rc;

	key_of(key, sizeof(key), "dir", NULL, path, NULL);
	want(c, key);
	if (!stat(path, &sb) && S_ISDIR(sb.st_mode))
		return 0;
	if ((rc = step(c, "mkdir")))
		return rc;
	{
		cJSON *it = item_new("dir", key, NULL, NULL);

		cJSON_AddStringToObject(it, "path", path);
		if ((rc = state_add(c->host, c->st, it)))
			return rc;
	}
	if (mkdir(path, 0700))
		return cbox_err(CBOX_EXIT_SYS, "mkdir %s: %s", path, strerror(errno));
	snprintf(push_undo(c, U_RMDIR, NULL, NULL)->path, PATH_MAX, "%s", path);
	return 0;
}

static int record_pin(struct actx *c, const char *path, bool desired)
{
	char key[PATH_MAX + 8];
	cJSON *it;

	key_of(key, sizeof(key), "pin", NULL, path, NULL);
	if (desired)
		want(c, key);
	if (state_find(c->st, key))
		return 0;
	it = item_new("pin", key, NULL, NULL);
	cJSON_AddStringToObject(it, "path", path);
	return state_add(c->host, c->st, it);
}

static int pin_fd(struct actx *c, int fd, const char *path)
{
	int rc;

	if ((rc = step(c, "pin")) || (rc = record_pin(c, path, true)))
		return rc;
	if (bpf_obj_pin(fd, path))
		return cbox_err(CBOX_EXIT_SYS, "pin %s: %s", path, strerror(errno));
	snprintf(push_undo(c, U_UNLINK, NULL, NULL)->path, PATH_MAX, "%s", path);
	return 0;
}

/* Sets one interface's MTU or MAC, recording the value before. */
static int ensure_link(struct actx *c, const char *netns, const char *ifname,
		       const uint8_t *mac, unsigned int mtu)
{
	const char *kind = mac ? "mac" : "mtu";
	char key[256], buf[18];
	struct link_info li;
	struct undo *u;
	int fd, rc, err;

	fd = nl_open(netns);
	if (fd < 0)
		return cbox_err(CBOX_EXIT_SYS, "netns %s: %s", nsname(netns),
				strerror(-fd));
	err = nl_link_get(fd, ifname, &li);
	if (err) {
		close(fd);
		return cbox_err(CBOX_EXIT_SYS, "%s/%s: %s", nsname(netns), ifname,
				strerror(-err));
	}
	key_of(key, sizeof(key), kind, netns, ifname, NULL);
	if ((mac && !memcmp(li.mac, mac, 6)) || (!mac && li.mtu == mtu)) {
		close(fd);
		if (state_find(c->st, key))
			want(c, key);
		return 0;
	}
	want(c, key);
	if ((rc = step(c, kind))) {
		close(fd);
		return rc;
	}
	if (!state_find(c->st, key)) {
		cJSON *it = item_new(kind, key, netns, ifname);

		if (mac) {
			format_mac(li.mac, buf);
			cJSON_AddStringToObject(it, "old", buf);
		} else {
			cJSON_AddNumberToObject(it, "old", li.mtu);
		}
		if ((rc = state_add(c->host, c->st, it))) {
			close(fd);
			return rc;
		}
	}
	err = nl_link_set(fd, li.ifindex, mac, mac ? 0 : mtu, -1);
	close(fd);
	if (err)
		return cbox_err(CBOX_EXIT_SYS, "%s/%s: set %s: %s", nsname(netns),
				ifname, kind, strerror(-err));
	u = push_undo(c, U_LINK_RESTORE, netns, ifname);
	if (mac) {
		memcpy(u->mac, li.mac, 6);
		u->has_mac = true;
	} else {
		u->mtu = li.mtu;
	}
	return 0;
}

/*
 * Raises an MTU that is too small for NSH (only with --fix-mtu; preflight
 * refused otherwise) and keeps a raise made by an earlier apply recorded,
 * so that it is undone by detach and not by the next apply.
 */
static int ensure_mtu_min(struct actx *c, const char *netns, const char *ifname,
			  unsigned int need)
{
	struct link_info li;
	char key[256];
	int fd, err;

	key_of(key, sizeof(key), "mtu", netns, ifname, NULL);
	if (is_desired(c, key))
		return 0;
	fd = nl_open(netns);
	if (fd < 0)
		return cbox_err(CBOX_EXIT_SYS, "netns %s: %s", nsname(netns),
				strerror(-fd));
	err = nl_link_get(fd, ifname, &li);
	close(fd);
	if (err)
		return cbox_err(CBOX_EXIT_SYS, "%s/%s: %s", nsname(netns), ifname,
				strerror(-err));
	if (li.mtu >= need || !c->fix_mtu) {
		if (state_find(c->st, key))
			want(c, key);
		return 0;
	}
	return ensure_link(c, netns, ifname, NULL, need);
}

/* The name of the named netns (/run/netns) that netns `from` calls nsid. */
static bool netns_by_nsid(const char *from, int nsid, char *name, size_t len)
{
	int nl = nl_open(from), fd;
	bool found = false;
	struct dirent *de;
	DIR *d;

	if (nl < 0)
		return false;
	d = opendir("/run/netns");
	while (d && !found && (de = readdir(d))) {
		if (de->d_name[0] == '.' || (fd = netns_fd(de->d_name)) < 0)
			continue;
		if (nl_nsid_of(nl, fd) == nsid) {
			snprintf(name, len, "%s", de->d_name);
			found = true;
		}
		close(fd);
	}
	if (d)
		closedir(d);
	close(nl);
	return found;
}

/*
 * A classifier at the ingress of a veth sees what the peer sends. A peer
 * with TSO/GSO on (a local TCP stack's default) sends TCP as GSO skbs,
 * which cannot get NSH at that hook (nothing segments an NSH frame after
 * it), so they are dropped and counted as drop_err, and the TCP flow
 * stalls. The peer is not ours to change: warn, naming it, when it can be
 * found (a named netns or ours) and has them on.
 */
static void warn_peer_gso(const char *netns, const char *ifname)
{
	char peer_ns[NAME_MAX + 1] = "", peer[IF_NAMESIZE] = "", on[160] = "";
	const char *pns = netns;
	struct link_info li;
	struct offloads o;
	int nl = nl_open(netns), saved, err;

	if (nl < 0)
		return;
	err = nl_link_get(nl, ifname, &li);
	close(nl);
	if (err || strcmp(li.kind, "veth") || li.link <= 0)
		return;
	if (li.link_nsid >= 0) {
		if (!netns_by_nsid(netns, li.link_nsid, peer_ns,
				   sizeof(peer_ns))) {
			pr_warn("%s/%s: classifier at the ingress of a veth whose peer is in an unnamed netns: if the peer has TSO/GSO on, TCP from it is dropped here (drop_err); turn them off there or classify at the peer's egress",
				nsname(netns), ifname);
			return;
		}
		pns = peer_ns;
	}
	if (ns_enter(pns, &saved))
		return;
	if (!if_indextoname(li.link, peer))
		peer[0] = 0;
	ns_leave(saved);
	if (!peer[0] || eth_get_offloads(pns, peer, &o))
		return;
	for (int i = 0; i < o.n; i++)
		if (!strncmp(o.names[i], "tx-", 3))
			snprintf(on + strlen(on), sizeof(on) - strlen(on),
				 "%s%s", on[0] ? ", " : "", o.names[i]);
	if (on[0])
		pr_warn("%s/%s: classifier at the ingress of a veth whose peer %s/%s has %s on: TCP from it arrives as GSO frames, which cannot get NSH here and are dropped (drop_err); turn them off there (ethtool -K %s tso off gso off) or classify at the peer's egress",
			nsname(netns), ifname, nsname(pns), peer, on, peer);
}

static int ensure_offloads_off(struct actx *c, const char *netns,
			       const char *ifname)
{
	struct offloads cur;
	char key[256];
	int rc, err;

	key_of(key, sizeof(key), "offload", netns, ifname, NULL);
	if (is_desired(c, key))
		return 0;
	err = eth_get_offloads(netns, ifname, &cur);
	if (err) {
		pr_warn("%s/%s: cannot read offloads (%s); GRO/GSO/TSO left as is",
			nsname(netns), ifname, strerror(-err));
		return 0;
	}
	if (!cur.n) {
		if (state_find(c->st, key))
			want(c, key);
		return 0;
	}
	want(c, key);
	if ((rc = step(c, "offloads")))
		return rc;
	{
		cJSON *it = state_find(c->st, key), *on;

		/* a later apply adds what is on now to what was on at first */
		if (!it) {
			it = item_new("offload", key, netns, ifname);
			cJSON_AddItemToObject(it, "on", cJSON_CreateArray());
			if ((rc = state_add(c->host, c->st, it)))
				return rc;
		}
		on = cJSON_GetObjectItem(it, "on");
		for (int i = 0; i < cur.n; i++) {
			bool have = false;
			cJSON *n;

			cJSON_ArrayForEach(n, on)
				have |= cJSON_IsString(n) &&
					!strcmp(n->valuestring, cur.names[i]);
			if (!have)
				cJSON_AddItemToArray(on, cJSON_CreateString(cur.names[i]));
		}
		if (state_save(c->host, c->st))
			return cbox_err(CBOX_EXIT_SYS, "state record: cannot write");
	}
	err = eth_set_offloads(netns, ifname, &cur, false);
	if (err)
		return cbox_err(CBOX_EXIT_SYS, "%s/%s: turning off GRO/GSO/TSO: %s",
				nsname(netns), ifname, strerror(-err));
	push_undo(c, U_OFFLOAD_RESTORE, netns, ifname)->off = cur;
	return 0;
}

static int ensure_dlink(struct actx *c, const struct mf_dlink *d)
{
	char key[256];
	struct link_info li, pli;
	int fd, pfd = -1, nsfd = -1, rc, err;
	bool ours;

	key_of(key, sizeof(key), "veth", d->netns, d->name, NULL);
	want(c, key);
	ours = state_find(c->st, key) != NULL;
	fd = nl_open(d->netns);
	if (fd < 0)
		return cbox_err(CBOX_EXIT_SYS, "netns %s: %s", nsname(d->netns),
				strerror(-fd));
	err = nl_link_get(fd, d->name, &li);
	if (!err) {
		close(fd);
		if (!ours)
			return cbox_err(CBOX_EXIT_SYS,
					"direct link %s/%s exists and was not made by cbox",
					nsname(d->netns), d->name);
		pfd = nl_open(d->peer_netns);
		err = pfd < 0 ? pfd : nl_link_get(pfd, d->peer_name, &pli);
		if (pfd >= 0)
			close(pfd);
		if (err)
			return cbox_err(CBOX_EXIT_SYS,
					"direct link %s: peer %s/%s missing: %s",
					d->name, nsname(d->peer_netns), d->peer_name,
					strerror(-err));
		/* same pair as before: make sure MACs, MTU, up still hold */
		if ((rc = ensure_link(c, d->netns, d->name, d->mac, 0)) ||
		    (rc = ensure_link(c, d->peer_netns, d->peer_name, d->peer_mac, 0)) ||
		    (rc = ensure_link(c, d->netns, d->name, NULL, c->m->inner_mtu)) ||
		    (rc = ensure_link(c, d->peer_netns, d->peer_name, NULL,
				      c->m->inner_mtu)))
			return rc;
		return 0;
	}
	if ((rc = step(c, "veth"))) {
		close(fd);
		return rc;
	}
	if (!ours) {
		cJSON *it = item_new("veth", key, d->netns, d->name);

		cJSON_AddStringToObject(it, "peer", d->peer_name);
		if (d->peer_netns)
			cJSON_AddStringToObject(it, "peer_netns", d->peer_netns);
		if ((rc = state_add(c->host, c->st, it))) {
			close(fd);
			return rc;
		}
	}
	if (d->peer_netns) {
		nsfd = netns_fd(d->peer_netns);
		if (nsfd < 0) {
			close(fd);
			return cbox_err(CBOX_EXIT_SYS, "netns %s: %s", d->peer_netns,
					strerror(-nsfd));
		}
	} else if (d->netns) {
		/* peer end in the host's namespace: our own */
		nsfd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	}
	err = nl_veth_create(fd, d->name, d->mac, c->m->inner_mtu, d->peer_name,
			     d->peer_mac, nsfd);
	if (nsfd >= 0)
		close(nsfd);
	if (err) {
		close(fd);
		return cbox_err(CBOX_EXIT_SYS, "create veth %s/%s - %s/%s: %s",
				nsname(d->netns), d->name, nsname(d->peer_netns),
				d->peer_name, strerror(-err));
	}
	push_undo(c, U_VETH_DEL, d->netns, d->name);
	err = nl_link_get(fd, d->name, &li);
	if (!err)
		err = nl_link_set(fd, li.ifindex, NULL, 0, 1);
	close(fd);
	if (!err) {
		pfd = nl_open(d->peer_netns);
		err = pfd < 0 ? pfd : nl_link_get(pfd, d->peer_name, &pli);
		if (!err)
			err = nl_link_set(pfd, pli.ifindex, NULL, 0, 1);
		if (pfd >= 0)
			close(pfd);
	}
	if (err)
		return cbox_err(CBOX_EXIT_SYS, "direct link %s up: %s", d->name,
				strerror(-err));
	return 0;
}

static const struct mf_mapcfg *find_mapcfg(const struct mf_mapcfg *maps, int n,
					   const char *name)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(maps[i].name, name))
			return &maps[i];
	return NULL;
}

static struct mapent *find_mapent(struct actx *c, const char *path)
{
	for (int i = 0; i < c->n_maps; i++)
		if (!strcmp(c->maps[i].path, path))
			return &c->maps[i];
	return NULL;
}

/*
 * The maps of the ABI that live across loads and upgrades: seeded by us,
 * shared between objects, or read by status/stats. Any other map in an
 * object is that program's private state.
 */
static bool shared_map(const char *name)
{
	static const char *const names[] = { "cbox_proxy", "cbox_proxy_cache",
					     "cbox_fwd", "cbox_stats",
					     "cbox_cls_rules", "cbox_sf_cfg" };

	for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++)
		if (!strcmp(name, names[i]))
			return true;
	return false;
}

static int load_prog(struct actx *c, const char *owner, bool is_cls,
		     const char *object, const char *program, const char *stage,
		     const char *hook, const char *iface, const char *netns,
		     const struct mf_mapcfg *cfg, int n_cfg)
{
	struct bpf_program *prog, *p;
	struct bpf_object *obj;
	struct bpf_map *map;
	struct mapent *pending[16];
	struct bpf_map *pending_map[16];
	int n_pending = 0, rc, err;
	char path[PATH_MAX], hdir[160];
	struct loaded *l;

	if (c->n_progs >= 64)
		return cbox_err(CBOX_EXIT_BUNDLE, "too many programs");
	host_dir(c->host, hdir, sizeof(hdir));
	snprintf(path, sizeof(path), "%s/%s", c->m->dir, object);
	obj = bpf_object__open_file(path, NULL);
	err = libbpf_get_error(obj);
	if (err)
		return cbox_err(CBOX_EXIT_BUNDLE, "%s: cannot open BPF object: %s",
				object, strerror(-err));
	l = &c->progs[c->n_progs++];
	memset(l, 0, sizeof(*l));
	l->obj = obj;
	l->fd = -1;
	prog = bpf_object__find_program_by_name(obj, program);
	if (!prog)
		return cbox_err(CBOX_EXIT_BUNDLE, "%s: no program '%s'", object,
				program);
	bpf_object__for_each_program(p, obj)
		bpf_program__set_autoload(p, p == prog);

	bpf_object__for_each_map(map, obj) {
		const char *name = bpf_map__name(map);
		const struct mf_mapcfg *mc;
		struct mapent *me;
		char mpath[PATH_MAX];
		uint32_t want_max = 0;
		int pfd;

		if (bpf_map__is_internal(map))
			continue;
		/* we pin ourselves, at our paths */
		bpf_map__set_pin_path(map, NULL);
		if (!shared_map(name)) {
			/* derived, per-program state (e.g. the classifier's
			 * flow cache and rule index): private to this load,
			 * so an upgrade never sees the old program's view */
			mc = find_mapcfg(cfg, n_cfg, name);
			if (mc && mc->max_entries &&
			    bpf_map__set_max_entries(map, mc->max_entries))
				return cbox_err(CBOX_EXIT_BUNDLE,
						"%s: map %s: bad max_entries", object, name);
			continue;
		}
		if (!strcmp(name, "cbox_proxy")) {
			want_max = c->m->proxy_entries;
			snprintf(mpath, sizeof(mpath), "%s/cbox_proxy", hdir);
		} else if (!strcmp(name, "cbox_proxy_cache")) {
			/* host-wide like the table it caches (a direct link's
			 * upstream box fills the downstream box's slots); its
			 * size is the object's own */
			snprintf(mpath, sizeof(mpath), "%s/cbox_proxy_cache",
				 hdir);
		} else {
			mc = find_mapcfg(cfg, n_cfg, name);
			if (mc)
				want_max = mc->max_entries;
			snprintf(mpath, sizeof(mpath), "%s/%s/%s", hdir, owner, name);
		}
		if (want_max && bpf_map__set_max_entries(map, want_max))
			return cbox_err(CBOX_EXIT_BUNDLE, "%s: map %s: bad max_entries",
					object, name);
		me = find_mapent(c, mpath);
		if (me) {
			if (me->fd < 0 || !map_matches(me, map))
				return cbox_err(CBOX_EXIT_BUNDLE,
						"%s: map %s differs from the same map in another object of %s",
						object, name, owner);
			if ((err = bpf_map__reuse_fd(map, me->fd)))
				return cbox_err(CBOX_EXIT_SYS, "map %s: reuse: %s",
						mpath, strerror(-err));
			continue;
		}
		if (c->n_maps >= 64 || n_pending >= 16)
			return cbox_err(CBOX_EXIT_BUNDLE, "too many maps");
		me = &c->maps[c->n_maps++];
		memset(me, 0, sizeof(*me));
		snprintf(me->path, sizeof(me->path), "%s", mpath);
		me->fd = -1;
		pfd = bpf_obj_get(mpath);
		if (pfd >= 0) {
			if (map_info(pfd, me) || !map_matches(me, map)) {
				pr_warn("map %s: pinned map has another layout or size (type %u key %u value %u max %u, want %u/%u/%u/%u): recreating it",
					mpath, me->type, me->ksz, me->vsz, me->max,
					bpf_map__type(map), bpf_map__key_size(map),
					bpf_map__value_size(map),
					bpf_map__max_entries(map));
				close(pfd);
				me->replace = true;
			} else {
				me->fd = pfd;
				if ((err = bpf_map__reuse_fd(map, pfd)))
					return cbox_err(CBOX_EXIT_SYS,
							"map %s: reuse: %s", mpath,
							strerror(-err));
				continue;
			}
		} else {
			me->fresh = true;
		}
		pending[n_pending] = me;
		pending_map[n_pending++] = map;
	}

	if ((rc = step(c, "load")))
		return rc;
	err = bpf_object__load(obj);
	if (err)
		return cbox_err(CBOX_EXIT_SYS,
				"%s: program '%s' rejected by the kernel: %s (run with -v for the verifier log)",
				object, program, strerror(-err));
	for (int i = 0; i < n_pending; i++) {
		struct mapent *me = pending[i];

		me->fd = dup(bpf_map__fd(pending_map[i]));
		if (me->fd < 0 || map_info(me->fd, me))
			return cbox_err(CBOX_EXIT_SYS, "map %s: %s", me->path,
					strerror(errno));
		if (me->fresh && (rc = pin_fd(c, me->fd, me->path)))
			return rc;
	}
	l->fd = bpf_program__fd(prog);
	l->id = prog_id_of(l->fd);
	l->owner = owner;
	l->stage = stage;
	l->hook = hook;
	l->iface = iface;
	l->netns = netns;
	l->is_cls = is_cls;
	snprintf(l->pin, sizeof(l->pin), "%s/%s/prog_%s", hdir, owner, stage);
	snprintf(l->pin_new, sizeof(l->pin_new), "%s/%s/prog_%s_new", hdir, owner,
		 stage);
	/* pinned before attaching, so that a kill -9 leaves it findable */
	unlink(l->pin_new);
	if ((rc = step(c, "pin prog")) || (rc = record_pin(c, l->pin_new, false)))
		return rc;
	if (bpf_obj_pin(l->fd, l->pin_new))
		return cbox_err(CBOX_EXIT_SYS, "pin %s: %s", l->pin_new,
				strerror(errno));
	snprintf(push_undo(c, U_UNLINK, NULL, NULL)->path, PATH_MAX, "%s",
		 l->pin_new);
	add_id(&c->owned, &c->n_owned, l->id);
	pr_info("loaded %s/%s (%s) as prog id %u", owner, stage, program, l->id);
	return 0;
}

/* ---- seeds ---- */

static int seed_err(const char *file, int line, const char *msg, const char *tok)
{
	return cbox_err(CBOX_EXIT_BUNDLE, "%s:%d: %s%s%s%s", file, line, msg,
			tok ? " '" : "", tok ? tok : "", tok ? "'" : "");
}

static int tokenize(char *line, char **tok, int max)
{
	int n = 0;
	char *save, *t;

	if ((t = strchr(line, '#')))
		*t = 0;
	for (t = strtok_r(line, " \t\r\n", &save); t && n < max;
	     t = strtok_r(NULL, " \t\r\n", &save))
		tok[n++] = t;
	return n;
}

static int parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	char *end;

	if (!s || !*s || *s == '-')
		return -1;
	errno = 0;
	*out = strtoul(s, &end, 0);
	return (*end || errno || *out > max) ? -1 : 0;
}

static struct seedset *seed_new(struct actx *c, struct mapent *me)
{
	struct seedset *s;

	if (c->n_seeds >= 64)
		return NULL;
	s = &c->seeds[c->n_seeds++];
	memset(s, 0, sizeof(*s));
	snprintf(s->path, sizeof(s->path), "%s", me->path);
	s->fd = me->fd;
	s->ksz = me->ksz;
	s->vsz = me->vsz;
	s->max = me->max;
	s->array = is_array(me->type);
	s->keys = calloc(me->max + 1, me->ksz);
	s->vals = calloc(me->max + 1, me->vsz);
	return s->keys && s->vals ? s : NULL;
}

static int seed_put(struct seedset *s, const void *key, const void *val,
		    size_t vlen, const char *file, int line)
{
	if (s->n >= s->max)
		return seed_err(file, line, "more entries than the map holds", NULL);
	if (set_has(s->keys, s->n, s->ksz, key))
		return seed_err(file, line, "duplicate key", NULL);
	memcpy(s->keys + (size_t)s->n * s->ksz, key, s->ksz);
	memcpy(s->vals + (size_t)s->n * s->vsz, val, vlen < s->vsz ? vlen : s->vsz);
	s->n++;
	return 0;
}

static int parse_fwd_line(struct seedset *s, char **t, int n, const char *netns,
			  const char *file, int line)
{
	struct cbox_fwd_key k = { 0 };
	struct cbox_fwd_val v = { 0 };
	unsigned long spi, si, peer;

	if (s->ksz != sizeof(k) || s->vsz != sizeof(v))
		return seed_err(file, line, "cbox_fwd layout differs from the ABI",
				NULL);
	if (n < 3 || parse_uint(t[0], CBOX_SPI_MAX, &spi) ||
	    parse_uint(t[1], 255, &si))
		return seed_err(file, line, "expected: spi si action [mac [iface peer_box]]",
				NULL);
	k.sph = (uint32_t)(spi << 8 | si);
	if (!strcmp(t[2], "end")) {
		v.flags = CBOX_FWD_END;
		if (n > 4)
			return seed_err(file, line, "too many fields for end", NULL);
	} else if (!strcmp(t[2], "fwd")) {
		if (n != 4 || parse_mac(t[3], v.mac))
			return seed_err(file, line, "fwd needs one MAC", n > 3 ? t[3] : NULL);
	} else if (!strcmp(t[2], "dlink")) {
		int idx;

		if (n != 6 || parse_mac(t[3], v.mac) ||
		    parse_uint(t[5], UINT32_MAX, &peer))
			return seed_err(file, line, "dlink needs: mac iface peer_box",
					NULL);
		idx = ifindex_in(netns, t[4]);
		if (idx <= 0)
			return cbox_err(CBOX_EXIT_SYS,
					"%s:%d: direct link '%s' not found in netns %s",
					file, line, t[4], nsname(netns));
		v.flags = CBOX_FWD_DLINK;
		v.ifindex = idx;
		v.peer_box = peer;
	} else {
		return seed_err(file, line, "unknown action (fwd, end, dlink)", t[2]);
	}
	return seed_put(s, &k, &v, sizeof(v), file, line);
}

static int parse_prefix(const char *s, uint8_t addr[16], uint8_t *len,
			uint8_t *family)
{
	char buf[64], *slash;
	unsigned long l;
	int max;

	if (strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if (slash)
		*slash++ = 0;
	memset(addr, 0, 16);
	if (inet_pton(AF_INET, buf, addr) == 1) {
		*family = 4;
		max = 32;
	} else if (inet_pton(AF_INET6, buf, addr) == 1) {
		*family = 6;
		max = 128;
	} else {
		return -1;
	}
	if (!slash)
		l = max;
	else if (parse_uint(slash, max, &l))
		return -1;
	*len = l;
	return 0;
}

static int parse_ports(const char *s, uint16_t *lo, uint16_t *hi)
{
	unsigned long a, b;
	char buf[32], *dash;

	if (strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	dash = strchr(buf, '-');
	if (dash)
		*dash++ = 0;
	if (parse_uint(buf, 65535, &a) || (dash && parse_uint(dash, 65535, &b)))
		return -1;
	if (!dash)
		b = a;
	if (a > b)
		return -1;
	*lo = a;
	*hi = b;
	return 0;
}

static int parse_cls_line(struct seedset *s, char **t, int n, const char *file,
			  int line)
{
	struct cbox_cls_rule r = { 0 };
	unsigned long idx, spi, proto;
	uint32_t key;
	uint8_t fam;

	if (s->ksz != sizeof(key) || s->vsz != sizeof(r))
		return seed_err(file, line,
				"cbox_cls_rules layout differs from the ABI", NULL);
	if (n != 8)
		return seed_err(file, line,
				"expected: idx proto src dst sport dport spi next_mac",
				NULL);
	if (parse_uint(t[0], s->max - 1, &idx))
		return seed_err(file, line, "bad index", t[0]);
	if (idx != s->n)
		return seed_err(file, line, "indexes must count up from 0", t[0]);
	key = idx;
	if (strcmp(t[1], "any")) {
		r.flags |= CBOX_CLS_F_PROTO;
		if (!strcmp(t[1], "tcp"))
			r.proto = 6;
		else if (!strcmp(t[1], "udp"))
			r.proto = 17;
		else if (!strcmp(t[1], "icmp"))
			r.proto = 1;
		else if (!strcmp(t[1], "icmpv6"))
			r.proto = 58;
		else if (!parse_uint(t[1], 255, &proto))
			r.proto = proto;
		else
			return seed_err(file, line, "bad proto", t[1]);
	}
	if (strcmp(t[2], "any")) {
		if (parse_prefix(t[2], r.src, &r.src_len, &fam))
			return seed_err(file, line, "bad src prefix", t[2]);
		r.flags |= CBOX_CLS_F_SRC;
		r.family = fam;
	}
	if (strcmp(t[3], "any")) {
		if (parse_prefix(t[3], r.dst, &r.dst_len, &fam))
			return seed_err(file, line, "bad dst prefix", t[3]);
		if (r.family && r.family != fam)
			return seed_err(file, line, "src and dst families differ",
					NULL);
		r.flags |= CBOX_CLS_F_DST;
		r.family = fam;
	}
	if (strcmp(t[4], "any")) {
		if (parse_ports(t[4], &r.sport_lo, &r.sport_hi))
			return seed_err(file, line, "bad sport", t[4]);
		r.flags |= CBOX_CLS_F_SPORT;
	}
	if (strcmp(t[5], "any")) {
		if (parse_ports(t[5], &r.dport_lo, &r.dport_hi))
			return seed_err(file, line, "bad dport", t[5]);
		r.flags |= CBOX_CLS_F_DPORT;
	}
	if (parse_uint(t[6], CBOX_SPI_MAX, &spi) || !spi)
		return seed_err(file, line, "bad spi", t[6]);
	r.spi = spi;
	if (parse_mac(t[7], r.next_mac))
		return seed_err(file, line, "bad next_mac", t[7]);
	return seed_put(s, &key, &r, sizeof(r), file, line);
}

static int load_seed(struct actx *c, const char *owner, const struct mf_mapcfg *mc,
		     const char *netns)
{
	char hdir[160], mpath[PATH_MAX], path[PATH_MAX], line[512];
	struct seedset *s;
	struct mapent *me;
	int lineno = 0, rc = 0;
	FILE *f;

	host_dir(c->host, hdir, sizeof(hdir));
	snprintf(mpath, sizeof(mpath), "%s/%s/%s", hdir, owner, mc->name);
	me = find_mapent(c, mpath);
	if (!me)
		return cbox_err(CBOX_EXIT_BUNDLE,
				"%s: seed for map %s, which no object of %s has",
				mc->seed, mc->name, owner);
	if (!(s = seed_new(c, me)))
		return cbox_err(CBOX_EXIT_SYS, "out of memory");
	snprintf(path, sizeof(path), "%s/%s", c->m->dir, mc->seed);
	f = fopen(path, "r");
	if (!f)
		return cbox_err(CBOX_EXIT_BUNDLE, "%s: %s", mc->seed, strerror(errno));
	while (!rc && fgets(line, sizeof(line), f)) {
		char *t[12];
		int n;

		lineno++;
		n = tokenize(line, t, 12);
		if (!n)
			continue;
		if (!strcmp(mc->name, "cbox_fwd"))
			rc = parse_fwd_line(s, t, n, netns, mc->seed, lineno);
		else if (!strcmp(mc->name, "cbox_cls_rules"))
			rc = parse_cls_line(s, t, n, mc->seed, lineno);
		else
			rc = cbox_err(CBOX_EXIT_BUNDLE, "%s: no seed format for map %s",
				      mc->seed, mc->name);
	}
	fclose(f);
	return rc;
}

/* cbox_sf_cfg: entry 0 holds the ifindex the sample SF redirects to. */
static int load_sf_cfg(struct actx *c, const struct mf_box *b,
		       const struct mf_prog *p)
{
	char hdir[160], mpath[PATH_MAX];
	struct seedset *s;
	struct mapent *me;
	uint32_t key = 0, val;
	int idx;

	host_dir(c->host, hdir, sizeof(hdir));
	snprintf(mpath, sizeof(mpath), "%s/%s/cbox_sf_cfg", hdir, b->tag);
	me = find_mapent(c, mpath);
	/* without redirect_to the SF sends frames back out where they came */
	if (!me || !p->redirect_to)
		return 0;
	idx = ifindex_in(b->netns, p->redirect_to);
	if (idx <= 0)
		return cbox_err(CBOX_EXIT_SYS, "box %s: redirect_to %s/%s not found",
				b->tag, nsname(b->netns), p->redirect_to);
	val = idx;
	if (me->ksz != sizeof(key) || me->vsz < sizeof(val))
		return cbox_err(CBOX_EXIT_BUNDLE, "%s: unexpected layout", mpath);
	if (!(s = seed_new(c, me)))
		return cbox_err(CBOX_EXIT_SYS, "out of memory");
	return seed_put(s, &key, &val, sizeof(val), mpath, 0);
}

/* Writes every seed entry (add/update only; stale ones go at commit). */
static int write_seeds(struct actx *c)
{
	int rc;

	for (int i = 0; i < c->n_seeds; i++) {
		struct seedset *s = &c->seeds[i];
		struct mapent *me = find_mapent(c, s->path);

		if ((rc = step(c, "seed")))
			return rc;
		if (me && !me->fresh && !me->replace) {
			struct undo *u = push_undo(c, U_MAP_RESTORE, NULL, NULL);

			snprintf(u->path, PATH_MAX, "%s", s->path);
			u->mtu = s->max;
			if (snap_take(s->fd, me, &u->snap))
				return cbox_err(CBOX_EXIT_SYS, "map %s: snapshot failed",
						s->path);
		}
		for (uint32_t j = 0; j < s->n; j++)
			if (bpf_map_update_elem(s->fd, s->keys + (size_t)j * s->ksz,
						s->vals + (size_t)j * s->vsz,
						BPF_ANY))
				return cbox_err(CBOX_EXIT_SYS, "map %s: update: %s",
						s->path, strerror(errno));
	}
	return 0;
}

/* ---- attach ---- */

static const char *xdp_mode_str(uint32_t mode)
{
	return mode == XDP_FLAGS_SKB_MODE ? "generic" : "native";
}

/* Does the mode an XDP program runs in satisfy --xdp-mode? */
static bool xdp_mode_ok(enum cbox_xdp_mode want, uint32_t mode)
{
	if (want == CBOX_XDP_NATIVE)
		return mode == XDP_FLAGS_DRV_MODE;
	if (want == CBOX_XDP_GENERIC)
		return mode == XDP_FLAGS_SKB_MODE;
	return true;
}

/*
 * First attachment on an iface, in the mode --xdp-mode asks for; auto tries
 * native and falls back to generic when the driver refuses. Runs inside
 * the iface's netns; returns the mode used in *mode.
 */
static int xdp_attach_new(struct actx *c, struct loaded *l, int ifindex,
			  uint32_t *mode)
{
	int err, err2;

	*mode = c->xdp_mode == CBOX_XDP_GENERIC ? XDP_FLAGS_SKB_MODE :
						  XDP_FLAGS_DRV_MODE;
	err = bpf_xdp_attach(ifindex, l->fd, *mode | XDP_FLAGS_UPDATE_IF_NOEXIST,
			     NULL);
	if (!err || c->xdp_mode != CBOX_XDP_AUTO || err == -EBUSY ||
	    err == -EEXIST)
		return err;
	*mode = XDP_FLAGS_SKB_MODE;
	err2 = bpf_xdp_attach(ifindex, l->fd, *mode | XDP_FLAGS_UPDATE_IF_NOEXIST,
			      NULL);
	if (!err2)
		pr_warn("%s/%s: native XDP refused (%s), using generic (SKB) mode",
			nsname(l->netns), l->iface, strerror(-err));
	return err2;
}

static int attach_xdp(struct actx *c, struct loaded *l, const char *box)
{
	LIBBPF_OPTS(bpf_xdp_attach_opts, xo);
	char key[256];
	uint32_t cur, mode;
	int ifindex, saved, err, rc, oldfd = -1;
	const char *mstr;
	cJSON *it;

	err = xdp_current(l->netns, l->iface, &ifindex, &cur, &mode);
	if (err)
		return cbox_err(CBOX_EXIT_SYS, "%s/%s: XDP query: %s",
				nsname(l->netns), l->iface, strerror(-err));
	if (cur && !owned_id(c->owned, c->n_owned, cur))
		return cbox_err(CBOX_EXIT_SYS,
				"%s/%s: a foreign XDP program (id %u) is attached; cbox does not replace it",
				nsname(l->netns), l->iface, cur);
	key_of(key, sizeof(key), "xdp", l->netns, l->iface, NULL);
	want(c, key);
	if ((rc = step(c, "attach xdp")))
		return rc;
	it = item_new("xdp", key, l->netns, l->iface);
	cJSON_AddStringToObject(it, "box", box);
	cJSON_AddStringToObject(it, "stage", l->stage);
	cJSON_AddNumberToObject(it, "prog_id", l->id);
	if (cur && xdp_mode_ok(c->xdp_mode, mode)) {
		/* atomic swap, in the mode it already runs in */
		oldfd = bpf_prog_get_fd_by_id(cur);
		if (oldfd < 0)
			err = -errno;
		xo.old_prog_fd = oldfd;
		if (!err) {
			cJSON_AddStringToObject(it, "mode", xdp_mode_str(mode));
			if ((rc = state_add(c->host, c->st, it))) {
				close(oldfd);
				return rc;
			}
			it = NULL;
			err = ns_enter(l->netns, &saved);
		}
		if (!err) {
			err = bpf_xdp_attach(ifindex, l->fd, mode | XDP_FLAGS_REPLACE, &xo);
			ns_leave(saved);
		}
		if (oldfd >= 0)
			close(oldfd);
		cJSON_Delete(it);
		if (err)
			return cbox_err(CBOX_EXIT_SYS, "%s/%s: XDP replace: %s",
					nsname(l->netns), l->iface, strerror(-err));
		{
			struct undo *u = push_undo(c, U_XDP_RESTORE, l->netns, l->iface);

			u->prog_id = cur;
			u->mode = mode;
			u->new_fd = l->fd;
		}
		mstr = xdp_mode_str(mode);
	} else {
		/*
		 * The kernel keeps one XDP program per iface and refuses a
		 * second one in the other mode, so a mode change cannot be an
		 * atomic swap: the old program comes off (only if it is still
		 * the one we saw), the new one goes on, and the iface passes
		 * traffic unfiltered in between. A failure puts the old one
		 * back in its old mode.
		 */
		if (cur) {
			LIBBPF_OPTS(bpf_xdp_attach_opts, dopt);
			struct undo *u;

			oldfd = bpf_prog_get_fd_by_id(cur);
			if (oldfd < 0) {
				err = -errno;
				cJSON_Delete(it);
				return cbox_err(CBOX_EXIT_SYS, "%s/%s: XDP prog %u: %s",
						nsname(l->netns), l->iface, cur,
						strerror(-err));
			}
			pr_info("%s/%s: XDP mode %s -> %s (detach, then attach)",
				nsname(l->netns), l->iface, xdp_mode_str(mode),
				c->xdp_mode == CBOX_XDP_GENERIC ? "generic" : "native");
			dopt.old_prog_fd = oldfd;
			err = ns_enter(l->netns, &saved);
			if (!err) {
				err = bpf_xdp_detach(ifindex, mode | XDP_FLAGS_REPLACE,
						     &dopt);
				ns_leave(saved);
			}
			if (err) {
				close(oldfd);
				cJSON_Delete(it);
				return cbox_err(CBOX_EXIT_SYS, "%s/%s: XDP detach for mode change: %s",
						nsname(l->netns), l->iface,
						strerror(-err));
			}
			u = push_undo(c, U_XDP_REATTACH, l->netns, l->iface);
			u->prog_id = cur;
			u->mode = mode;
			u->old_fd = oldfd;
		}
		cJSON_AddStringToObject(it, "mode", "native");
		if ((rc = state_add(c->host, c->st, it)))
			return rc;
		err = ns_enter(l->netns, &saved);
		if (err)
			return cbox_err(CBOX_EXIT_SYS, "netns %s: %s", nsname(l->netns),
					strerror(-err));
		err = xdp_attach_new(c, l, ifindex, &mode);
		ns_leave(saved);
		if (err)
			return cbox_err(CBOX_EXIT_SYS, "%s/%s: XDP attach (%s mode%s): %s",
					nsname(l->netns), l->iface,
					xdp_mode_str(mode),
					c->xdp_mode == CBOX_XDP_NATIVE ?
						", --xdp-mode native: no fallback" : "",
					strerror(-err));
		mstr = xdp_mode_str(mode);
		it = state_find(c->st, key);
		cJSON_ReplaceItemInObject(it, "mode", cJSON_CreateString(mstr));
		state_save(c->host, c->st);
		push_undo(c, U_XDP_DETACH, l->netns, l->iface)->prog_id = l->id;
	}
	it = cJSON_CreateObject();
	cJSON_AddStringToObject(it, "box", box);
	cJSON_AddStringToObject(it, "stage", l->stage);
	cJSON_AddStringToObject(it, "netns", nsname(l->netns));
	cJSON_AddStringToObject(it, "iface", l->iface);
	cJSON_AddStringToObject(it, "hook", "xdp");
	cJSON_AddNumberToObject(it, "prog_id", l->id);
	cJSON_AddStringToObject(it, "xdp_mode", mstr);
	cJSON_AddItemToArray(c->report, it);
	return 0;
}

static uint32_t tc_prio(const char *stage, bool is_cls)
{
	if (is_cls)
		return CBOX_TC_PRIO_CLS;
	if (!strcmp(stage, "egress"))
		return CBOX_TC_PRIO_EGRESS;
	if (!strcmp(stage, "sf"))
		return CBOX_TC_PRIO_SF;
	return CBOX_TC_PRIO_CLS + 1;
}

static int attach_tc(struct actx *c, struct loaded *l, const char *box,
		     const char *netns, const char *ifname, bool egress)
{
	LIBBPF_OPTS(bpf_tc_hook, hook);
	LIBBPF_OPTS(bpf_tc_opts, o, .handle = CBOX_TC_HANDLE);
	uint32_t prio = tc_prio(l->stage, l->is_cls), cur;
	char key[256], qkey[256], extra[32];
	int saved, err, rc, ifindex;
	bool recorded;
	cJSON *it;

	err = tc_current(netns, ifname, egress, prio, &cur);
	if (err)
		return cbox_err(CBOX_EXIT_SYS, "%s/%s: tc query: %s", nsname(netns),
				ifname, strerror(-err));
	if (cur && !owned_id(c->owned, c->n_owned, cur))
		return cbox_err(CBOX_EXIT_SYS,
				"%s/%s: a foreign tc filter (prog id %u) holds cbox's priority 0x%x",
				nsname(netns), ifname, cur, prio);
	ifindex = ifindex_in(netns, ifname);
	if (ifindex <= 0)
		return cbox_err(CBOX_EXIT_SYS, "%s/%s: no such interface",
				nsname(netns), ifname);
	hook.ifindex = ifindex;
	hook.attach_point = egress ? BPF_TC_EGRESS : BPF_TC_INGRESS;

	/*
	 * clsact: ours only if we create it. With no filter of ours on the
	 * hook, create it even when the record says it is ours: a run killed
	 * between recording it and creating it left the record without the
	 * qdisc (the filter attach would then fail with EINVAL).
	 */
	key_of(qkey, sizeof(qkey), "qdisc", netns, ifname, NULL);
	recorded = state_find(c->st, qkey) != NULL;
	if (recorded)
		want(c, qkey);
	if (!cur) {
		if (!recorded &&
		    ((rc = step(c, "clsact")) ||
		     (rc = state_add(c->host, c->st,
				     item_new("qdisc", qkey, netns, ifname)))))
			return rc;
		err = ns_enter(netns, &saved);
		if (!err) {
			err = bpf_tc_hook_create(&hook);
			ns_leave(saved);
		}
		if (err == -EEXIST) {
			if (!recorded) {
				state_drop(c->st, qkey);
				state_save(c->host, c->st);
			}
		} else if (err) {
			return cbox_err(CBOX_EXIT_SYS, "%s/%s: create clsact: %s",
					nsname(netns), ifname, strerror(-err));
		} else {
			want(c, qkey);
			push_undo(c, U_QDISC_DEL, netns, ifname);
		}
	}

	snprintf(extra, sizeof(extra), "%s|%u", egress ? "egress" : "ingress",
		 prio);
	key_of(key, sizeof(key), "tc", netns, ifname, extra);
	want(c, key);
	if ((rc = step(c, "attach tc")))
		return rc;
	it = item_new("tc", key, netns, ifname);
	cJSON_AddStringToObject(it, "box", box);
	cJSON_AddStringToObject(it, "stage", l->stage);
	cJSON_AddNumberToObject(it, "egress", egress);
	cJSON_AddNumberToObject(it, "priority", prio);
	cJSON_AddNumberToObject(it, "handle", CBOX_TC_HANDLE);
	cJSON_AddNumberToObject(it, "prog_id", l->id);
	if ((rc = state_add(c->host, c->st, it)))
		return rc;
	o.priority = prio;
	o.prog_fd = l->fd;
	o.flags = cur ? BPF_TC_F_REPLACE : 0;
	err = ns_enter(netns, &saved);
	if (!err) {
		err = bpf_tc_attach(&hook, &o);
		ns_leave(saved);
	}
	if (err)
		return cbox_err(CBOX_EXIT_SYS, "%s/%s: tc %s attach: %s",
				nsname(netns), ifname, egress ? "egress" : "ingress",
				strerror(-err));
	{
		struct undo *u = push_undo(c, cur ? U_TC_RESTORE : U_TC_DETACH,
					   netns, ifname);

		u->prog_id = cur ? cur : l->id;
		u->egress = egress;
		u->prio = prio;
	}
	it = cJSON_CreateObject();
	cJSON_AddStringToObject(it, "box", box);
	cJSON_AddStringToObject(it, "stage", l->stage);
	cJSON_AddStringToObject(it, "netns", nsname(netns));
	cJSON_AddStringToObject(it, "iface", ifname);
	cJSON_AddStringToObject(it, "hook", egress ? "tc-egress" : "tc-ingress");
	cJSON_AddNumberToObject(it, "prog_id", l->id);
	cJSON_AddItemToArray(c->report, it);
	return 0;
}

static const struct mf_box *box_by_tag(const struct manifest *m, const char *tag)
{
	for (int i = 0; i < m->n_boxes; i++)
		if (!strcmp(m->boxes[i].tag, tag))
			return &m->boxes[i];
	return NULL;
}

static int attach_one(struct actx *c, struct loaded *l)
{
	int rc;

	if (!strcmp(l->hook, "xdp"))
		return attach_xdp(c, l, l->owner);
	rc = attach_tc(c, l, l->owner, l->netns, l->iface,
		       !strcmp(l->hook, "tc-egress"));
	if (rc || l->is_cls || strcmp(l->hook, "tc-ingress"))
		return rc;
	/* a tc-ingress SF also serves the direct links leading into its box */
	for (int i = 0; i < c->m->n_dlinks; i++) {
		const struct mf_dlink *d = &c->m->dlinks[i];
		const struct mf_box *to = box_by_tag(c->m, d->to);
		const char *ns = d->peer_netns, *name = d->peer_name;

		if (!to || strcmp(d->to, l->owner))
			continue;
		if (!(to->netns ? (d->peer_netns && !strcmp(to->netns, d->peer_netns)) :
				  !d->peer_netns)) {
			ns = d->netns;
			name = d->name;
		}
		if ((rc = attach_tc(c, l, l->owner, ns, name, false)))
			return rc;
	}
	return 0;
}

/* ---- preflight: refuse before touching anything ---- */

static bool is_dlink_name(const struct manifest *m, const char *netns,
			  const char *name)
{
	for (int i = 0; i < m->n_dlinks; i++) {
		const struct mf_dlink *d = &m->dlinks[i];

		if ((!strcmp(d->name, name) &&
		     !(d->netns ? !netns || strcmp(d->netns, netns) : !!netns)) ||
		    (!strcmp(d->peer_name, name) &&
		     !(d->peer_netns ? !netns || strcmp(d->peer_netns, netns) :
				       !!netns)))
			return true;
	}
	return false;
}

static int need_iface(struct actx *c, const char *netns, const char *ifname,
		      const char *who, bool nsh)
{
	struct link_info li;
	int fd, err;

	if (!netns_exists(netns))
		return cbox_err(CBOX_EXIT_SYS, "%s: netns '%s' does not exist (/run/netns/%s)",
				who, netns, netns);
	if (is_dlink_name(c->m, netns, ifname))
		return 0;
	fd = nl_open(netns);
	if (fd < 0)
		return cbox_err(CBOX_EXIT_SYS, "%s: netns %s: %s", who,
				nsname(netns), strerror(-fd));
	err = nl_link_get(fd, ifname, &li);
	close(fd);
	if (err)
		return cbox_err(CBOX_EXIT_SYS, "%s: interface %s not found in netns %s",
				who, ifname, nsname(netns));
	if (nsh && !c->fix_mtu && li.mtu < c->m->inner_mtu + CBOX_ENCAP_LEN)
		return cbox_err(CBOX_EXIT_SYS,
				"%s: %s/%s has MTU %u, NSH needs %u (inner MTU %u + %d bytes of encapsulation); raise it or use --fix-mtu",
				who, nsname(netns), ifname, li.mtu,
				c->m->inner_mtu + CBOX_ENCAP_LEN, c->m->inner_mtu,
				CBOX_ENCAP_LEN);
	return 0;
}

static int preflight(struct actx *c)
{
	const struct manifest *m = c->m;
	char who[128];
	int rc;

	for (int i = 0; i < m->n_boxes; i++) {
		const struct mf_box *b = &m->boxes[i];

		snprintf(who, sizeof(who), "box %s", b->tag);
		if ((rc = need_iface(c, b->netns, b->iface, who, true)) ||
		    (rc = need_iface(c, b->netns, b->egress_iface, who, true)))
			return rc;
		for (int j = 0; j < b->n_progs; j++) {
			const struct mf_prog *p = &b->progs[j];
			uint32_t cur, mode;
			int ifindex;

			if ((rc = need_iface(c, b->netns, p->iface, who, false)) ||
			    (p->redirect_to &&
			     (rc = need_iface(c, b->netns, p->redirect_to, who, false))))
				return rc;
			if (is_dlink_name(m, b->netns, p->iface))
				continue;
			if (!strcmp(p->hook, "xdp")) {
				if (xdp_current(b->netns, p->iface, &ifindex, &cur, &mode))
					continue;
				if (cur && !owned_id(c->owned, c->n_owned, cur))
					return cbox_err(CBOX_EXIT_SYS,
							"%s: %s/%s: a foreign XDP program (id %u) is attached; cbox does not replace it",
							who, nsname(b->netns), p->iface, cur);
			} else {
				bool eg = !strcmp(p->hook, "tc-egress");

				if (!tc_current(b->netns, p->iface, eg,
						tc_prio(p->stage, false), &cur) &&
				    cur && !owned_id(c->owned, c->n_owned, cur))
					return cbox_err(CBOX_EXIT_SYS,
							"%s: %s/%s: a foreign tc filter (prog id %u) holds cbox's priority",
							who, nsname(b->netns), p->iface, cur);
			}
		}
	}
	for (int i = 0; i < m->n_dlinks; i++) {
		const struct mf_dlink *d = &m->dlinks[i];
		char key[256];
		struct link_info li;
		int fd;

		snprintf(who, sizeof(who), "direct link %s", d->name);
		if (!netns_exists(d->netns) || !netns_exists(d->peer_netns))
			return cbox_err(CBOX_EXIT_SYS, "%s: netns %s or %s does not exist",
					who, nsname(d->netns), nsname(d->peer_netns));
		key_of(key, sizeof(key), "veth", d->netns, d->name, NULL);
		if (state_find(c->st, key))
			continue;
		fd = nl_open(d->netns);
		if (fd >= 0 && !nl_link_get(fd, d->name, &li)) {
			close(fd);
			return cbox_err(CBOX_EXIT_SYS,
					"%s: %s/%s exists and was not made by cbox",
					who, nsname(d->netns), d->name);
		}
		if (fd >= 0)
			close(fd);
	}
	for (int i = 0; i < m->n_cls; i++) {
		const struct mf_cls *cl = &m->cls[i];
		uint32_t cur;

		snprintf(who, sizeof(who), "classifier %s", cl->tag);
		if ((rc = need_iface(c, cl->netns, cl->iface, who, true)))
			return rc;
		if (!tc_current(cl->netns, cl->iface, !strcmp(cl->direction, "egress"),
				CBOX_TC_PRIO_CLS, &cur) &&
		    cur && !owned_id(c->owned, c->n_owned, cur))
			return cbox_err(CBOX_EXIT_SYS,
					"%s: %s/%s: a foreign tc filter (prog id %u) holds cbox's priority",
					who, nsname(cl->netns), cl->iface, cur);
	}
	return 0;
}

/* ---- commit ---- */

static int commit(struct actx *c)
{
	int failed;

	/* stale entries go only now that the new programs are attached */
	for (int i = 0; i < c->n_seeds; i++) {
		struct seedset *s = &c->seeds[i];
		int err = map_prune(s->fd, s->ksz, s->vsz, s->max, s->array,
				    s->keys, s->n);

		if (err)
			pr_warn("map %s: removing stale entries: %s", s->path,
				strerror(-err));
	}
	/* maps that had to be recreated take over their pin; every map of
	 * this bundle, reused ones too, stays pinned */
	for (int i = 0; i < c->n_maps; i++) {
		struct mapent *me = &c->maps[i];

		if (!me->replace) {
			record_pin(c, me->path, true);
			continue;
		}
		unlink(me->path);
		if (bpf_obj_pin(me->fd, me->path))
			pr_warn("pin %s: %s", me->path, strerror(errno));
		record_pin(c, me->path, true);
	}
	for (int i = 0; i < c->n_progs; i++) {
		struct loaded *l = &c->progs[i];
		char key[PATH_MAX + 8];

		if (rename(l->pin_new, l->pin))
			pr_warn("rename %s: %s", l->pin_new, strerror(errno));
		key_of(key, sizeof(key), "pin", NULL, l->pin_new, NULL);
		state_drop(c->st, key);
		record_pin(c, l->pin, true);
	}
	/* what the old bundle had and this one does not */
	failed = destroy_items(c->host, c->st, c->owned, c->n_owned, c);
	if (failed)
		pr_warn("%d stale item(s) could not be removed; run apply or detach again",
			failed);
	cJSON_DeleteItemFromObject(c->st, "manifest_sha256");
	cJSON_AddStringToObject(c->st, "manifest_sha256", c->m->sha256);
	cJSON_DeleteItemFromObject(c->st, "bundle");
	cJSON_AddStringToObject(c->st, "bundle", c->m->dir);
	cJSON_DeleteItemFromObject(c->st, "complete");
	cJSON_AddBoolToObject(c->st, "complete", failed == 0);
	return state_save(c->host, c->st) ?
		       cbox_err(CBOX_EXIT_SYS, "state record: cannot write") : 0;
}

/* Same bundle, complete, and every recorded attachment still in place? */
static bool unchanged(struct actx *c, cJSON *report)
{
	const char *sha = jstr(c->st, "manifest_sha256");
	cJSON *it;

	if (!sha || strcmp(sha, c->m->sha256) ||
	    !cJSON_IsTrue(cJSON_GetObjectItem(c->st, "complete")))
		return false;
	cJSON_ArrayForEach(it, state_items(c->st)) {
		const char *kind = jstr(it, "kind"), *ns = jstr(it, "netns");
		const char *ifn = jstr(it, "iface"), *path = jstr(it, "path");
		uint32_t id = 0, mode;
		cJSON *r;
		int ifindex;

		if (!kind)
			return false;
		if (!strcmp(kind, "pin") || !strcmp(kind, "dir")) {
			if (access(path, F_OK))
				return false;
			continue;
		}
		if (!strcmp(kind, "veth")) {
			if (ifindex_in(ns, ifn) <= 0)
				return false;
			continue;
		}
		if (!strcmp(kind, "xdp")) {
			if (xdp_current(ns, ifn, &ifindex, &id, &mode) ||
			    !xdp_mode_ok(c->xdp_mode, mode))
				return false;
		} else if (!strcmp(kind, "tc")) {
			if (tc_current(ns, ifn, jnum(it, "egress", 0),
				       jnum(it, "priority", 0), &id))
				return false;
		} else {
			continue;
		}
		if (!id || id != jnum(it, "prog_id", 0))
			return false;
		r = cJSON_CreateObject();
		cJSON_AddStringToObject(r, "box", jstr(it, "box") ?: "");
		cJSON_AddStringToObject(r, "stage", jstr(it, "stage") ?: "");
		cJSON_AddStringToObject(r, "netns", nsname(ns));
		cJSON_AddStringToObject(r, "iface", ifn);
		if (!strcmp(kind, "xdp")) {
			cJSON_AddStringToObject(r, "hook", "xdp");
		} else {
			cJSON_AddStringToObject(r, "hook", jnum(it, "egress", 0) ?
								   "tc-egress" :
								   "tc-ingress");
		}
		cJSON_AddNumberToObject(r, "prog_id", id);
		if (!strcmp(kind, "xdp"))
			cJSON_AddStringToObject(r, "xdp_mode", jstr(it, "mode") ?: "");
		cJSON_AddItemToArray(report, r);
	}
	return true;
}

static int lock_host(const char *host)
{
	char path[PATH_MAX];
	int fd;

	if (mkdir(CBOX_STATE_DIR, 0700) && errno != EEXIST)
		return -errno;
	/* one lock for the machine: runs are short, and a per-host file
	 * could not be removed safely while another run waits on it */
	(void)host;
	snprintf(path, sizeof(path), "%s/lock", CBOX_STATE_DIR);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_EX)) {
		close(fd);
		return -errno;
	}
	return fd;
}

static void print_result(const char *host, const char *result, cJSON *report)
{
	cJSON *o, *it;
	char *s;

	if (!cbox_json) {
		printf("%s: %s (%d program attachment%s)\n", host, result,
		       cJSON_GetArraySize(report),
		       cJSON_GetArraySize(report) == 1 ? "" : "s");
		if (cbox_verbose)
			cJSON_ArrayForEach(it, report)
				printf("  %-12s %-7s %s/%s %s id %d\n",
				       jstr(it, "box"), jstr(it, "stage"),
				       jstr(it, "netns"), jstr(it, "iface"),
				       jstr(it, "hook"), (int)jnum(it, "prog_id", 0));
		return;
	}
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "host", host);
	cJSON_AddStringToObject(o, "result", result);
	cJSON_AddItemReferenceToObject(o, "programs", report);
	if (cbox_warnings)
		cJSON_AddItemReferenceToObject(o, "warnings", cbox_warnings);
	s = cJSON_PrintUnformatted(o);
	printf("%s\n", s);
	free(s);
	cJSON_Delete(o);
}

int cmd_apply(const char *dir, const char *host_opt, bool fix_mtu,
	      enum cbox_xdp_mode xdp_mode)
{
	struct manifest m;
	struct actx c = { 0 };
	const char *fa = getenv("CBOX_FAULT_AFTER");
	int rc, lockfd = -1;
	cJSON *report = cJSON_CreateArray();

	rc = manifest_load(&m, dir, host_opt);
	if (rc)
		goto out_m;
	c.m = &m;
	c.host = m.host;
	c.fix_mtu = fix_mtu;
	c.xdp_mode = xdp_mode;
	c.report = report;
	c.fault_after = fa ? atol(fa) : 0;
	c.kill_at = getenv("CBOX_KILL_AT") ? atol(getenv("CBOX_KILL_AT")) : 0;
	if (geteuid() != 0) {
		rc = cbox_err(CBOX_EXIT_SYS, "apply needs root (CAP_BPF, CAP_NET_ADMIN)");
		goto out_m;
	}
	lockfd = lock_host(c.host);
	if (lockfd < 0) {
		rc = cbox_err(CBOX_EXIT_SYS, "lock %s: %s", c.host, strerror(-lockfd));
		goto out_m;
	}
	if ((rc = ensure_bpffs()))
		goto out_m;
	c.st = state_load(c.host);
	{
		char path[PATH_MAX];

		snprintf(path, sizeof(path), "%s/%s.json", CBOX_STATE_DIR, c.host);
		if (!access(path, F_OK))
			c.old_state = cJSON_Print(c.st);
	}
	if (unchanged(&c, report)) {
		print_result(c.host, "no change", report);
		rc = 0;
		goto out_m;
	}
	while (cJSON_GetArraySize(report))
		cJSON_DeleteItemFromArray(report, 0);
	owned_ids(c.host, c.st, &c.owned, &c.n_owned);
	if ((rc = preflight(&c)))
		goto out_m;

	/* from here on, every change is journaled and undone on failure */
	cJSON_DeleteItemFromObject(c.st, "complete");
	cJSON_AddBoolToObject(c.st, "complete", false);
	if (state_save(c.host, c.st)) {
		rc = cbox_err(CBOX_EXIT_SYS, "cannot write state record in %s",
			      CBOX_STATE_DIR);
		goto out_m;
	}
	{
		char p[PATH_MAX];

		if ((rc = ensure_dir(&c, CBOX_PIN_ROOT)))
			goto fail;
		host_dir(c.host, p, sizeof(p));
		if ((rc = ensure_dir(&c, p)))
			goto fail;
		for (int i = 0; i < m.n_boxes; i++) {
			snprintf(p, sizeof(p), "%s/%s/%s", CBOX_PIN_ROOT, c.host,
				 m.boxes[i].tag);
			if ((rc = ensure_dir(&c, p)))
				goto fail;
		}
		for (int i = 0; i < m.n_cls; i++) {
			snprintf(p, sizeof(p), "%s/%s/%s", CBOX_PIN_ROOT, c.host,
				 m.cls[i].tag);
			if ((rc = ensure_dir(&c, p)))
				goto fail;
		}
	}
	for (int i = 0; i < m.n_dlinks; i++)
		if ((rc = ensure_dlink(&c, &m.dlinks[i])))
			goto fail;
	for (int i = 0; i < m.n_boxes; i++) {
		const struct mf_box *b = &m.boxes[i];
		unsigned int need = m.inner_mtu + CBOX_ENCAP_LEN;

		if ((rc = ensure_mtu_min(&c, b->netns, b->iface, need)) ||
		    (rc = ensure_mtu_min(&c, b->netns, b->egress_iface, need)))
			goto fail;
		if (b->set_mac && (rc = ensure_link(&c, b->netns, b->iface, b->mac, 0)))
			goto fail;
		if (!b->nsh_aware &&
		    ((rc = ensure_offloads_off(&c, b->netns, b->iface)) ||
		     (rc = ensure_offloads_off(&c, b->netns, b->egress_iface))))
			goto fail;
	}
	for (int i = 0; i < m.n_cls; i++) {
		const struct mf_cls *cl = &m.cls[i];

		if ((rc = ensure_mtu_min(&c, cl->netns, cl->iface,
					 m.inner_mtu + CBOX_ENCAP_LEN)))
			goto fail;
		if ((rc = ensure_offloads_off(&c, cl->netns, cl->iface)))
			goto fail;
		if (!strcmp(cl->direction, "ingress"))
			warn_peer_gso(cl->netns, cl->iface);
	}

	/* load everything before attaching anything */
	for (int i = 0; i < m.n_boxes; i++) {
		const struct mf_box *b = &m.boxes[i];

		for (int j = 0; j < b->n_progs; j++) {
			const struct mf_prog *p = &b->progs[j];

			if ((rc = load_prog(&c, b->tag, false, p->object, p->program,
					    p->stage, p->hook, p->iface, b->netns,
					    b->maps, b->n_maps)))
				goto fail;
		}
	}
	for (int i = 0; i < m.n_cls; i++) {
		const struct mf_cls *cl = &m.cls[i];

		if ((rc = load_prog(&c, cl->tag, true, cl->object, cl->program, "cls",
				    !strcmp(cl->direction, "egress") ? "tc-egress" :
								       "tc-ingress",
				    cl->iface, cl->netns, cl->maps, cl->n_maps)))
			goto fail;
	}
	for (int i = 0; i < m.n_boxes; i++) {
		const struct mf_box *b = &m.boxes[i];

		for (int j = 0; j < b->n_maps; j++)
			if (b->maps[j].seed &&
			    (rc = load_seed(&c, b->tag, &b->maps[j], b->netns)))
				goto fail;
		for (int j = 0; j < b->n_progs; j++)
			if ((rc = load_sf_cfg(&c, b, &b->progs[j])))
				goto fail;
	}
	for (int i = 0; i < m.n_cls; i++)
		for (int j = 0; j < m.cls[i].n_maps; j++)
			if (m.cls[i].maps[j].seed &&
			    (rc = load_seed(&c, m.cls[i].tag, &m.cls[i].maps[j],
					    m.cls[i].netns)))
				goto fail;
	if ((rc = write_seeds(&c)))
		goto fail;

	/*
	 * Attach order: every egress stage first, then the sample SFs, then
	 * Dec, and the classifiers last, so that no frame is decapsulated or
	 * classified into a chain before the stage that sends it on exists.
	 */
	{
		static const char *const order[] = { "egress", "sf", "dec", NULL };

		for (int k = 0; k <= 3; k++)
			for (int i = 0; i < c.n_progs; i++) {
				struct loaded *l = &c.progs[i];
				bool match;

				if (k < 3) {
					match = !l->is_cls && !strcmp(l->stage, order[k]);
				} else {
					bool known = false;

					for (int o = 0; o < 3; o++)
						known |= !strcmp(l->stage, order[o]);
					match = l->is_cls || !known;
				}
				if (match && (rc = attach_one(&c, l)))
					goto fail;
			}
	}
	if ((rc = commit(&c)))
		goto fail;
	print_result(c.host, "applied", report);
	rc = 0;
	goto out_m;
fail:
	pr_info("apply failed (%s), rolling back %d step(s)", cbox_errmsg(),
		c.n_undo);
	run_undo(&c);
	restore_state_file(&c);
out_m:
	for (int i = 0; i < c.n_progs; i++)
		bpf_object__close(c.progs[i].obj);
	for (int i = 0; i < c.n_maps; i++)
		if (c.maps[i].fd >= 0)
			close(c.maps[i].fd);
	for (int i = 0; i < c.n_seeds; i++) {
		free(c.seeds[i].keys);
		free(c.seeds[i].vals);
	}
	for (int i = 0; i < c.n_undo; i++) {
		free(c.undo[i].snap.keys);
		free(c.undo[i].snap.vals);
		if (c.undo[i].kind == U_MAP_RESTORE && c.undo[i].snap.fd > 0)
			close(c.undo[i].snap.fd);
	}
	for (int i = 0; i < c.n_desired; i++)
		free(c.desired[i]);
	free(c.desired);
	free(c.undo);
	free(c.owned);
	free(c.old_state);
	cJSON_Delete(c.st);
	cJSON_Delete(report);
	if (lockfd >= 0)
		close(lockfd);
	manifest_free(&m);
	return rc;
}

static int detach_host(const char *host, cJSON *out)
{
	uint32_t *ids = NULL;
	int n = 0, failed, lockfd;
	cJSON *st, *r;
	char path[PATH_MAX];

	lockfd = lock_host(host);
	if (lockfd < 0)
		return cbox_err(CBOX_EXIT_SYS, "lock %s: %s", host, strerror(-lockfd));
	snprintf(path, sizeof(path), "%s/%s.json", CBOX_STATE_DIR, host);
	if (access(path, F_OK)) {
		close(lockfd);
		r = cJSON_CreateObject();
		cJSON_AddStringToObject(r, "host", host);
		cJSON_AddStringToObject(r, "result", "nothing to detach");
		cJSON_AddItemToArray(out, r);
		return 0;
	}
	st = state_load(host);
	owned_ids(host, st, &ids, &n);
	failed = destroy_items(host, st, ids, n, NULL);
	free(ids);
	r = cJSON_CreateObject();
	cJSON_AddStringToObject(r, "host", host);
	if (failed) {
		state_save(host, st);
		cJSON_Delete(st);
		close(lockfd);
		cJSON_Delete(r);
		return cbox_err(CBOX_EXIT_SYS,
				"host %s: %d item(s) could not be removed (kept in %s)",
				host, failed, path);
	}
	state_remove_file(host);
	cJSON_Delete(st);
	close(lockfd);
	cJSON_AddStringToObject(r, "result", "detached");
	cJSON_AddItemToArray(out, r);
	return 0;
}

int cmd_detach(const char *dir, const char *host_opt, bool all)
{
	cJSON *out = cJSON_CreateArray(), *it;
	int rc = 0;

	if (geteuid() != 0) {
		cJSON_Delete(out);
		return cbox_err(CBOX_EXIT_SYS, "detach needs root");
	}
	if (all) {
		char **hosts;
		int n;

		if (host_opt) {
			rc = detach_host(host_opt, out);
		} else {
			state_hosts(&hosts, &n);
			for (int i = 0; i < n; i++) {
				int r = detach_host(hosts[i], out);

				if (r && !rc)
					rc = r;
				free(hosts[i]);
			}
			free(hosts);
		}
	} else {
		struct manifest m;

		rc = manifest_parse_only(&m, dir);
		if (!rc && host_opt && strcmp(host_opt, m.host))
			rc = cbox_err(CBOX_EXIT_BUNDLE,
				      "bundle is for host '%s', not '%s' (--host)",
				      m.host, host_opt);
		if (!rc)
			rc = detach_host(m.host, out);
		manifest_free(&m);
	}
	if (!rc) {
		if (cbox_json) {
			char *s = cJSON_PrintUnformatted(out);

			printf("%s\n", s);
			free(s);
		} else {
			cJSON_ArrayForEach(it, out)
				printf("%s: %s\n", jstr(it, "host"), jstr(it, "result"));
		}
	}
	cJSON_Delete(out);
	return rc;
}
