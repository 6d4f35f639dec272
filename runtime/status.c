// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * cbox status and cbox stats: read-only views built from what apply left
 * behind (the state record and the pins under /sys/fs/bpf/cbox), without
 * the bundle. Both build one JSON document; text output is rendered from
 * it, so the two never disagree.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>

#include "cbox.h"

static const char *const stage_names[CBOX_STAGE_MAX] = {
	[CBOX_STAGE_DEC] = "dec", [CBOX_STAGE_ENC] = "enc",
	[CBOX_STAGE_FWD] = "fwd", [CBOX_STAGE_CLS] = "cls",
	[CBOX_STAGE_SF] = "sf",
};

static const char *const counter_names[CBOX_C_MAX] = {
	[CBOX_C_IN] = "in",
	[CBOX_C_OUT] = "out",
	[CBOX_C_PASS] = "pass",
	[CBOX_C_DROP_BAD_NSH] = "bad_nsh",
	[CBOX_C_DROP_TTL] = "ttl",
	[CBOX_C_DROP_SI0] = "si0",
	[CBOX_C_DROP_NO_HOP] = "no_hop",
	[CBOX_C_DROP_NO_PROXY] = "no_proxy",
	[CBOX_C_DROP_SPOOF] = "spoof",
	[CBOX_C_DROP_OAM] = "oam",
	[CBOX_C_DROP_ERR] = "err",
};

static void print_json(cJSON *o)
{
	char *s = cJSON_PrintUnformatted(o);

	printf("%s\n", s);
	free(s);
}

static int map_count(const char *path)
{
	struct bpf_map_info info = { 0 };
	uint32_t len = sizeof(info);
	void *key, *next, *prev = NULL;
	int fd = bpf_obj_get(path), n = 0;

	if (fd < 0)
		return -1;
	if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
		close(fd);
		return -1;
	}
	key = malloc(info.key_size);
	next = malloc(info.key_size);
	while (key && next && !bpf_map_get_next_key(fd, prev, next) &&
	       n < (int)info.max_entries) {
		memcpy(key, next, info.key_size);
		prev = key;
		n++;
	}
	free(key);
	free(next);
	close(fd);
	return n;
}

static int map_max(const char *path)
{
	struct bpf_map_info info = { 0 };
	uint32_t len = sizeof(info);
	int fd = bpf_obj_get(path), rc = -1;

	if (fd < 0)
		return -1;
	if (!bpf_obj_get_info_by_fd(fd, &info, &len))
		rc = info.max_entries;
	close(fd);
	return rc;
}

/* Live check: is the recorded program still the one on the hook? */
static uint32_t live_id(cJSON *it, const char **mode)
{
	const char *kind = jstr(it, "kind"), *ns = jstr(it, "netns");
	const char *ifn = jstr(it, "iface");
	uint32_t id = 0;
	int saved, ifindex;

	*mode = NULL;
	if (ns_enter(ns, &saved))
		return 0;
	ifindex = if_nametoindex(ifn);
	if (ifindex && !strcmp(kind, "xdp")) {
		LIBBPF_OPTS(bpf_xdp_query_opts, q);

		if (!bpf_xdp_query(ifindex, 0, &q)) {
			id = q.drv_prog_id ? q.drv_prog_id : q.skb_prog_id;
			*mode = q.drv_prog_id ? "native" :
				q.skb_prog_id ? "generic" : NULL;
		}
	} else if (ifindex) {
		LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex);
		LIBBPF_OPTS(bpf_tc_opts, o, .handle = jnum(it, "handle", 1),
			    .priority = jnum(it, "priority", 0));

		hook.attach_point = jnum(it, "egress", 0) ? BPF_TC_EGRESS :
							      BPF_TC_INGRESS;
		if (!bpf_tc_query(&hook, &o))
			id = o.prog_id;
	}
	ns_leave(saved);
	return id;
}

static cJSON *host_status(const char *host)
{
	cJSON *h = cJSON_CreateObject(), *att = cJSON_CreateArray();
	cJSON *maps = cJSON_CreateArray(), *st = state_load(host), *it;
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d;

	cJSON_AddStringToObject(h, "host", host);
	cJSON_AddBoolToObject(h, "complete",
			      cJSON_IsTrue(cJSON_GetObjectItem(st, "complete")));
	if (jstr(st, "bundle"))
		cJSON_AddStringToObject(h, "bundle", jstr(st, "bundle"));
	cJSON_ArrayForEach(it, state_items(st)) {
		const char *kind = jstr(it, "kind"), *mode;
		uint32_t rec, live;
		cJSON *a;

		if (!kind || (strcmp(kind, "xdp") && strcmp(kind, "tc")))
			continue;
		rec = jnum(it, "prog_id", 0);
		live = live_id(it, &mode);
		a = cJSON_CreateObject();
		cJSON_AddStringToObject(a, "box", jstr(it, "box") ?: "");
		cJSON_AddStringToObject(a, "stage", jstr(it, "stage") ?: "");
		cJSON_AddStringToObject(a, "netns", jstr(it, "netns") ?: "(host)");
		cJSON_AddStringToObject(a, "iface", jstr(it, "iface") ?: "");
		cJSON_AddStringToObject(a, "hook", !strcmp(kind, "xdp") ? "xdp" :
						   jnum(it, "egress", 0) ? "tc-egress" :
									  "tc-ingress");
		cJSON_AddNumberToObject(a, "prog_id", live);
		if (!strcmp(kind, "xdp") && mode)
			cJSON_AddStringToObject(a, "xdp_mode", mode);
		if (!strcmp(kind, "tc"))
			cJSON_AddNumberToObject(a, "priority", jnum(it, "priority", 0));
		cJSON_AddBoolToObject(a, "attached", live && live == rec);
		cJSON_AddItemToArray(att, a);
	}
	cJSON_AddItemToObject(h, "attachments", att);

	snprintf(path, sizeof(path), "%s/%s/cbox_proxy", CBOX_PIN_ROOT, host);
	if (!access(path, F_OK)) {
		cJSON *mo = cJSON_CreateObject();

		cJSON_AddStringToObject(mo, "map", "cbox_proxy");
		cJSON_AddStringToObject(mo, "box", "");
		cJSON_AddNumberToObject(mo, "entries", map_count(path));
		cJSON_AddNumberToObject(mo, "max_entries", map_max(path));
		cJSON_AddItemToArray(maps, mo);
	}
	snprintf(path, sizeof(path), "%s/%s", CBOX_PIN_ROOT, host);
	d = opendir(path);
	while (d && (de = readdir(d))) {
		static const char *const names[] = { "cbox_fwd", "cbox_cls_rules" };

		if (de->d_name[0] == '.' || de->d_type != DT_DIR)
			continue;
		for (size_t k = 0; k < 2; k++) {
			char mp[PATH_MAX];
			cJSON *mo;

			if (snprintf(mp, sizeof(mp), "%s/%s/%s", path, de->d_name,
				     names[k]) >= (int)sizeof(mp) ||
			    access(mp, F_OK))
				continue;
			mo = cJSON_CreateObject();
			cJSON_AddStringToObject(mo, "map", names[k]);
			cJSON_AddStringToObject(mo, "box", de->d_name);
			cJSON_AddNumberToObject(mo, "entries", map_count(mp));
			cJSON_AddNumberToObject(mo, "max_entries", map_max(mp));
			cJSON_AddItemToArray(maps, mo);
		}
	}
	if (d)
		closedir(d);
	cJSON_AddItemToObject(h, "maps", maps);
	cJSON_Delete(st);
	return h;
}

/* The hosts to report: the one asked for, if anything of it is on this
 * machine (a state record, even a corrupt one, or pins), else every host
 * with a state record. */
static int hosts_of(const char *host, char ***hosts, int *n)
{
	char pins[PATH_MAX];

	if (host) {
		snprintf(pins, sizeof(pins), "%s/%s", CBOX_PIN_ROOT, host);
		*hosts = malloc(sizeof(char *));
		*n = 0;
		if (*hosts && (state_exists(host) || !access(pins, F_OK)))
			(*hosts)[(*n)++] = strdup(host);
		return 0;
	}
	return state_hosts(hosts, n);
}

int cmd_status(const char *host)
{
	cJSON *out = cJSON_CreateArray(), *h, *it;
	char **hosts;
	int n;

	hosts_of(host, &hosts, &n);
	for (int i = 0; i < n; i++) {
		cJSON_AddItemToArray(out, host_status(hosts[i]));
		free(hosts[i]);
	}
	free(hosts);
	if (cbox_json) {
		print_json(out);
	} else if (!cJSON_GetArraySize(out)) {
		printf("nothing applied\n");
	} else {
		cJSON_ArrayForEach(h, out) {
			printf("host %s%s\n", jstr(h, "host"),
			       cJSON_IsTrue(cJSON_GetObjectItem(h, "complete")) ?
				       "" : " (incomplete: run apply or detach)");
			printf("  %-12s %-7s %-14s %-12s %-10s %-8s %s\n", "BOX",
			       "STAGE", "NETNS", "IFACE", "HOOK", "PROG", "MODE");
			cJSON_ArrayForEach(it, cJSON_GetObjectItem(h, "attachments"))
				printf("  %-12s %-7s %-14s %-12s %-10s %-8d %s%s\n",
				       jstr(it, "box"), jstr(it, "stage"),
				       jstr(it, "netns"), jstr(it, "iface"),
				       jstr(it, "hook"), (int)jnum(it, "prog_id", 0),
				       jstr(it, "xdp_mode") ?: "",
				       cJSON_IsTrue(cJSON_GetObjectItem(it, "attached")) ?
					       "" : " (NOT ATTACHED)");
			cJSON_ArrayForEach(it, cJSON_GetObjectItem(h, "maps"))
				printf("  map %-15s %-12s %d/%d entries\n",
				       jstr(it, "map"), jstr(it, "box"),
				       (int)jnum(it, "entries", 0),
				       (int)jnum(it, "max_entries", 0));
		}
	}
	cJSON_Delete(out);
	return 0;
}

/* Sums the per-CPU counters of one box's cbox_stats. */
static cJSON *box_stats(const char *path, const char *box)
{
	int ncpu = libbpf_num_possible_cpus(), fd = bpf_obj_get(path);
	cJSON *b, *stages;
	uint64_t *vals;

	if (fd < 0 || ncpu <= 0)
		return NULL;
	vals = calloc(ncpu, sizeof(uint64_t));
	b = cJSON_CreateObject();
	cJSON_AddStringToObject(b, "box", box);
	cJSON_AddStringToObject(b, "tag", box);
	stages = cJSON_AddObjectToObject(b, "stages");
	for (int s = 0; s < CBOX_STAGE_MAX; s++) {
		cJSON *so = cJSON_CreateObject(), *drops = cJSON_CreateObject();
		uint64_t total = 0;

		for (int k = 0; k < CBOX_C_MAX; k++) {
			uint32_t key = s * CBOX_C_MAX + k;
			uint64_t sum = 0;

			if (!bpf_map_lookup_elem(fd, &key, vals))
				for (int cpu = 0; cpu < ncpu; cpu++)
					sum += vals[cpu];
			total += sum;
			if (k <= CBOX_C_PASS) {
				cJSON_AddNumberToObject(so, counter_names[k], sum);
			} else {
				char flat[32];

				/* both shapes: drops.ttl and drop_ttl */
				snprintf(flat, sizeof(flat), "drop_%s", counter_names[k]);
				cJSON_AddNumberToObject(so, flat, sum);
				cJSON_AddNumberToObject(drops, counter_names[k], sum);
			}
		}
		cJSON_AddItemToObject(so, "drops", drops);
		cJSON_AddBoolToObject(so, "active", total > 0);
		cJSON_AddItemToObject(stages, stage_names[s], so);
	}
	free(vals);
	close(fd);
	return b;
}

static cJSON *host_stats(const char *host)
{
	cJSON *h = cJSON_CreateObject(), *boxes = cJSON_CreateArray();
	char dir[PATH_MAX], path[PATH_MAX];
	struct dirent **ents;
	int n;

	cJSON_AddStringToObject(h, "host", host);
	snprintf(dir, sizeof(dir), "%s/%s", CBOX_PIN_ROOT, host);
	n = scandir(dir, &ents, NULL, alphasort);
	for (int i = 0; i < n; i++) {
		cJSON *b;

		if (snprintf(path, sizeof(path), "%s/%s/cbox_stats", dir,
			     ents[i]->d_name) < (int)sizeof(path) &&
		    ents[i]->d_name[0] != '.' && !access(path, F_OK) &&
		    (b = box_stats(path, ents[i]->d_name)))
			cJSON_AddItemToArray(boxes, b);
		free(ents[i]);
	}
	if (n > 0)
		free(ents);
	cJSON_AddItemToObject(h, "boxes", boxes);
	return h;
}

static void print_stats_text(cJSON *out)
{
	cJSON *h, *b, *s;

	cJSON_ArrayForEach(h, out) {
		printf("host %s\n", jstr(h, "host"));
		cJSON_ArrayForEach(b, cJSON_GetObjectItem(h, "boxes")) {
			bool any = false;

			printf("  box %s\n", jstr(b, "box"));
			cJSON_ArrayForEach(s, cJSON_GetObjectItem(b, "stages")) {
				cJSON *d;

				if (!cJSON_IsTrue(cJSON_GetObjectItem(s, "active")))
					continue;
				any = true;
				printf("    %-4s in %-10.0f out %-10.0f pass %-10.0f",
				       s->string, cJSON_GetObjectItem(s, "in")->valuedouble,
				       cJSON_GetObjectItem(s, "out")->valuedouble,
				       cJSON_GetObjectItem(s, "pass")->valuedouble);
				cJSON_ArrayForEach(d, cJSON_GetObjectItem(s, "drops"))
					if (d->valuedouble > 0)
						printf(" drop_%s %.0f", d->string,
						       d->valuedouble);
				printf("\n");
			}
			if (!any)
				printf("    (no packets counted)\n");
		}
	}
}

int cmd_stats(const char *host, int watch)
{
	char **hosts;
	int n;

	hosts_of(host, &hosts, &n);
	if (!host && n == 0) {
		/* no record: still show what bpffs has */
		DIR *d = opendir(CBOX_PIN_ROOT);
		struct dirent *de;

		while (d && (de = readdir(d))) {
			if (de->d_name[0] == '.' || de->d_type != DT_DIR)
				continue;
			hosts = realloc(hosts, (n + 1) * sizeof(char *));
			hosts[n++] = strdup(de->d_name);
		}
		if (d)
			closedir(d);
	}
	for (;;) {
		cJSON *out = cJSON_CreateArray();

		for (int i = 0; i < n; i++)
			cJSON_AddItemToArray(out, host_stats(hosts[i]));
		if (cbox_json) {
			print_json(out);
		} else {
			if (watch) {
				time_t now = time(NULL);
				char ts[32];

				strftime(ts, sizeof(ts), "%H:%M:%S", localtime(&now));
				printf("--- %s\n", ts);
			}
			if (!n)
				printf("nothing applied\n");
			print_stats_text(out);
		}
		fflush(stdout);
		cJSON_Delete(out);
		if (!watch)
			break;
		sleep(watch);
	}
	for (int i = 0; i < n; i++)
		free(hosts[i]);
	free(hosts);
	return 0;
}
