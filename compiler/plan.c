// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The planner (see plan.h). Everything here is deterministic: the same spec
 * gives the same plan, so that bundles are byte-identical across runs. Tag
 * look-ups go through hash indexes built here, because specs with 100k
 * chains over 10k functions must plan in well under a second.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cbox_consts.h"
#include "plan.h"

static uint64_t hash_bytes(uint64_t h, const void *p, size_t n)
{
	const unsigned char *c = p;

	/* FNV-1a: simple, stable across runs and machines */
	for (size_t i = 0; i < n; i++) {
		h ^= c[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

static uint64_t hash_str(const char *s)
{
	return hash_bytes(0xcbf29ce484222325ULL, s, strlen(s));
}

static size_t pow2_at_least(size_t n)
{
	size_t c = 16;

	while (c < n)
		c <<= 1;
	return c;
}

/* A string -> index map over an array that keeps the strings. */
struct strmap {
	size_t *slots;		/* index + 1, 0 empty */
	size_t mask;
};

static int strmap_init(struct strmap *m, size_t n)
{
	size_t cap = pow2_at_least(n * 2 + 1);

	m->slots = calloc(cap, sizeof(*m->slots));
	m->mask = cap - 1;
	return m->slots ? 0 : -ENOMEM;
}

/*
 * Looks key up; key_at(i) gives the key of entry i. Inserts idx when absent
 * and idx != SIZE_MAX. Returns the entry found, or SIZE_MAX.
 */
static size_t strmap_find(struct strmap *m, const char *key,
			  const char *(*key_at)(const void *, size_t),
			  const void *arr, size_t idx)
{
	size_t i = hash_str(key) & m->mask;

	while (m->slots[i]) {
		size_t e = m->slots[i] - 1;

		if (!strcmp(key_at(arr, e), key))
			return e;
		i = (i + 1) & m->mask;
	}
	if (idx != SIZE_MAX)
		m->slots[i] = idx + 1;
	return SIZE_MAX;
}

/* A u64 -> index map (direct-link pairs, name hashes). */
struct u64map {
	uint64_t *keys;
	size_t *vals;		/* index + 1, 0 empty */
	size_t mask, n;
};

static int u64map_init(struct u64map *m, size_t n)
{
	size_t cap = pow2_at_least(n * 2 + 1);

	m->keys = calloc(cap, sizeof(*m->keys));
	m->vals = calloc(cap, sizeof(*m->vals));
	m->mask = cap - 1;
	m->n = 0;
	return m->keys && m->vals ? 0 : -ENOMEM;
}

static void u64map_free(struct u64map *m)
{
	free(m->keys);
	free(m->vals);
}

static int u64map_grow(struct u64map *m)
{
	struct u64map bigger;

	if (u64map_init(&bigger, (m->mask + 1)) < 0) {
		u64map_free(&bigger);
		return -ENOMEM;
	}
	for (size_t i = 0; i <= m->mask; i++) {
		size_t j;

		if (!m->vals[i])
			continue;
		j = hash_bytes(0xcbf29ce484222325ULL, &m->keys[i], 8) &
		    bigger.mask;
		while (bigger.vals[j])
			j = (j + 1) & bigger.mask;
		bigger.keys[j] = m->keys[i];
		bigger.vals[j] = m->vals[i];
	}
	bigger.n = m->n;
	u64map_free(m);
	*m = bigger;
	return 0;
}

/* Returns the value for key, or SIZE_MAX; inserts val when absent and val
 * != SIZE_MAX. */
static size_t u64map_find(struct u64map *m, uint64_t key, size_t val)
{
	size_t i = hash_bytes(0xcbf29ce484222325ULL, &key, 8) & m->mask;

	while (m->vals[i]) {
		if (m->keys[i] == key)
			return m->vals[i] - 1;
		i = (i + 1) & m->mask;
	}
	if (val != SIZE_MAX) {
		m->keys[i] = key;
		m->vals[i] = val + 1;
		m->n++;
	}
	return SIZE_MAX;
}

static int grow(void **arr, size_t *cap, size_t n, size_t size)
{
	void *p;
	size_t c;

	if (n < *cap)
		return 0;
	c = *cap ? *cap * 2 : 4;
	p = realloc(*arr, c * size);
	if (!p)
		return -ENOMEM;
	*arr = p;
	*cap = c;
	return 0;
}

static const char *box_tag_at(const void *arr, size_t i)
{
	return ((const struct cbox_plan_box *)arr)[i].fn->tag;
}

static const char *cls_tag_at(const void *arr, size_t i)
{
	return ((const struct cbox_plan_cls *)arr)[i].cls->tag;
}

const struct cbox_plan_box *cbox_plan_box_by_tag(const struct cbox_plan *plan,
						 const char *tag)
{
	struct strmap m = { plan->tag_slots, plan->tag_mask };
	size_t i = strmap_find(&m, tag, box_tag_at, plan->boxes, SIZE_MAX);

	return i == SIZE_MAX ? NULL : &plan->boxes[i];
}

const char *cbox_action_name(enum cbox_action a)
{
	switch (a) {
	case CBOX_ACT_FWD:
		return "fwd";
	case CBOX_ACT_END:
		return "end";
	case CBOX_ACT_DLINK:
		return "dlink";
	}
	return "?";
}

const char *cbox_prev_off_reason(enum cbox_prev_off r)
{
	switch (r) {
	case CBOX_PREV_ON:
		return "on";
	case CBOX_PREV_OFF_NO_UNDERLAY:
		return "nothing arrives over the underlay";
	case CBOX_PREV_OFF_UNKNOWN_MAC:
		return "a previous hop's MAC is unknown";
	case CBOX_PREV_OFF_NO_CLASSIFIER:
		return "a chain starts here and no classifier of the spec matches it";
	case CBOX_PREV_OFF_TOO_MANY:
		return "more previous hops than CBOX_MAX_PREV_HOPS";
	}
	return "?";
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int cmp_box_ptr(const void *a, const void *b)
{
	const struct cbox_plan_box *x = *(const struct cbox_plan_box *const *)a;
	const struct cbox_plan_box *y = *(const struct cbox_plan_box *const *)b;
	int c = strcmp(x->fn->host, y->fn->host);

	return c ? c : strcmp(x->fn->tag, y->fn->tag);
}

static int cmp_cls_ptr(const void *a, const void *b)
{
	const struct cbox_plan_cls *x = *(const struct cbox_plan_cls *const *)a;
	const struct cbox_plan_cls *y = *(const struct cbox_plan_cls *const *)b;
	int c = strcmp(x->cls->host, y->cls->host);

	return c ? c : strcmp(x->cls->tag, y->cls->tag);
}

static int cmp_dlink_ptr(const void *a, const void *b)
{
	const struct cbox_plan_dlink *x =
		*(const struct cbox_plan_dlink *const *)a;
	const struct cbox_plan_dlink *y =
		*(const struct cbox_plan_dlink *const *)b;
	int c = strcmp(x->from->host, y->from->host);

	if (c)
		return c;
	c = strcmp(x->from->fn->tag, y->from->fn->tag);
	return c ? c : strcmp(x->to->fn->tag, y->to->fn->tag);
}

static int cmp_rule(const void *a, const void *b)
{
	const struct cbox_plan_rule *x = a, *y = b;

	if (x->spi != y->spi)
		return x->spi < y->spi ? -1 : 1;
	return (int)y->si - (int)x->si;
}

static int cmp_mac(const void *a, const void *b)
{
	return memcmp(a, b, 6);
}

/* Adds mac to the box's anti-spoofing set, or turns the check off. */
static void prev_hop_add(struct cbox_plan_box *b, const uint8_t *mac,
			 enum cbox_prev_off why, const char *who)
{
	if (b->prev_off != CBOX_PREV_ON)
		return;
	if (!mac) {
		b->prev_off = why;
		b->prev_off_detail = who;
		b->n_prev_hops = 0;
		return;
	}
	for (uint32_t i = 0; i < b->n_prev_hops; i++)
		if (!memcmp(b->prev_hops[i], mac, 6))
			return;
	if (b->n_prev_hops == CBOX_MAX_PREV_HOPS) {
		b->prev_off = CBOX_PREV_OFF_TOO_MANY;
		b->prev_off_detail = who;
		b->n_prev_hops = 0;
		return;
	}
	memcpy(b->prev_hops[b->n_prev_hops++], mac, 6);
}

/* A direct link's names and MACs come from a hash of the two tags, so that
 * they stay put when unrelated parts of the spec change; collisions are
 * resolved by salting, in plan order, which is deterministic too. */
static int dlink_name(struct cbox_plan_dlink *l, struct u64map *used)
{
	for (uint32_t salt = 0;; salt++) {
		uint64_t h = hash_str(l->from->fn->tag);
		uint32_t k;

		h = hash_bytes(h, "\0", 1);
		h = hash_bytes(h, l->to->fn->tag, strlen(l->to->fn->tag));
		if (salt)
			h = hash_bytes(h, &salt, sizeof(salt));
		k = (uint32_t)(h ^ (h >> 32)) & ~1u;
		if (u64map_find(used, k, SIZE_MAX) != SIZE_MAX)
			continue;
		if (used->n * 2 >= used->mask && u64map_grow(used) < 0)
			return -ENOMEM;
		u64map_find(used, k, 0);
		snprintf(l->name, sizeof(l->name), "dl%08xa", k);
		snprintf(l->peer_name, sizeof(l->peer_name), "dl%08xb", k);
		l->mac[0] = 0x02;
		l->mac[1] = 0xcd;
		l->mac[2] = k >> 24;
		l->mac[3] = k >> 16;
		l->mac[4] = k >> 8;
		l->mac[5] = k;
		/* The downstream end wears the downstream box's own MAC: the
		 * upstream stage readdresses the frame to it, and a frame the
		 * SF sends on still addressed to the box is one an
		 * L2-transparent SF (tc-redirect) did not readdress, whose
		 * original dst MAC the egress stage then restores; a second
		 * MAC would leave such a frame addressed to the veth at the
		 * end of a chain (Figure 5.9b). Both interfaces sit in the
		 * box's netns and only eth0 is on the underlay. */
		memcpy(l->peer_mac, l->to->fn->mac, 6);
		return 0;
	}
}

static bool can_dlink(const struct cbox_function *a,
		      const struct cbox_function *b)
{
	/* A veth pair needs two distinct namespaces to join, and NSH-aware
	 * SFs must see NSH, which a direct link strips. */
	return !strcmp(a->host, b->host) && a->netns && b->netns &&
	       strcmp(a->netns, b->netns) && !a->nsh_aware && !b->nsh_aware;
}

struct planner {
	struct cbox_plan *p;
	struct cbox_diags *d;
	struct strmap cls_idx;
	struct u64map pair_idx;	/* (from, to) box indexes -> dlink index */
	struct u64map names;	/* dlink name keys in use */
	size_t cap_dlinks;
};

static char *node_path(const struct cbox_chain *c, size_t i, char *buf,
		       size_t len)
{
	snprintf(buf, len, "%s/nodes/%zu", c->path ? c->path : "", i);
	return buf;
}

static int plan_dlink(struct planner *pl, struct cbox_plan_box *from,
		      struct cbox_plan_box *to,
		      const struct cbox_plan_dlink **out)
{
	struct cbox_plan *p = pl->p;
	uint64_t key = (uint64_t)(from - p->boxes) * p->n_boxes +
		       (uint64_t)(to - p->boxes);
	size_t i = u64map_find(&pl->pair_idx, key, SIZE_MAX);
	struct cbox_plan_dlink *l;

	if (i != SIZE_MAX) {
		p->dlinks[i].n_chains++;
		*out = &p->dlinks[i];
		return 0;
	}
	if (pl->pair_idx.n * 2 >= pl->pair_idx.mask &&
	    u64map_grow(&pl->pair_idx) < 0)
		return -ENOMEM;
	/* dlinks[] is sized for the worst case up front (see below), so the
	 * pointers rules keep stay valid. */
	l = &p->dlinks[p->n_dlinks];
	memset(l, 0, sizeof(*l));
	l->from = from;
	l->to = to;
	l->n_chains = 1;
	if (dlink_name(l, &pl->names) < 0)
		return -ENOMEM;
	u64map_find(&pl->pair_idx, key, p->n_dlinks++);
	*out = l;
	return 0;
}

static int plan_chain(struct planner *pl, const struct cbox_chain *c,
		      struct cbox_plan_box **nodes)
{
	struct cbox_plan *p = pl->p;
	char path[256];
	bool bad = false;
	size_t k = c->n_nodes;
	enum cbox_action prev_act;

	if (k == 0 || k > 254) {
		/* SI 255 at the first box, 255 - (k - 1) >= 2 at the last:
		 * the last box's rule key is 254 - (k - 1) >= 1. */
		diag_error(pl->d, c->loc, c->path,
			   "chain %u has %zu nodes; a chain needs 1 to 254",
			   c->id, k);
		return 1;
	}
	for (size_t i = 0; i < k; i++) {
		struct strmap m = { p->tag_slots, p->tag_mask };
		size_t b = strmap_find(&m, c->nodes[i], box_tag_at, p->boxes,
				       SIZE_MAX);

		if (b == SIZE_MAX) {
			diag_error(pl->d, c->loc, node_path(c, i, path,
							    sizeof(path)),
				   "chain %u: unknown function '%s'", c->id,
				   c->nodes[i]);
			bad = true;
			continue;
		}
		nodes[i] = &p->boxes[b];
		if (i > 0 && nodes[i - 1] == nodes[i]) {
			diag_error(pl->d, c->loc,
				   node_path(c, i, path, sizeof(path)),
				   "chain %u: function '%s' follows itself; the underlay cannot send a frame back out of the port it came in on, put another function between the two visits",
				   c->id, c->nodes[i]);
			bad = true;
		}
	}
	if (bad)
		return 1;

	prev_act = CBOX_ACT_FWD;
	for (size_t i = 0; i < k; i++) {
		struct cbox_plan_box *b = nodes[i];
		struct cbox_plan_rule *r;

		if (grow((void **)&b->rules, &b->cap_rules, b->n_rules,
			 sizeof(*b->rules)) < 0)
			return -ENOMEM;
		r = &b->rules[b->n_rules++];
		memset(r, 0, sizeof(*r));
		r->spi = c->id;
		r->pos = (uint8_t)i;
		r->si = (uint8_t)(254 - i);
		if (i == k - 1) {
			r->action = CBOX_ACT_END;
		} else if (can_dlink(b->fn, nodes[i + 1]->fn)) {
			int err = plan_dlink(pl, b, nodes[i + 1], &r->dlink);

			if (err)
				return err;
			r->action = CBOX_ACT_DLINK;
			r->next = nodes[i + 1];
			memcpy(r->mac, r->dlink->peer_mac, 6);
		} else {
			r->action = CBOX_ACT_FWD;
			r->next = nodes[i + 1];
			memcpy(r->mac, nodes[i + 1]->fn->mac, 6);
		}
		r->in_dlink = prev_act == CBOX_ACT_DLINK;
		prev_act = r->action;
		if (r->in_dlink) {
			b->n_in_dlink++;
			if (r->action == CBOX_ACT_FWD)
				r->corner = CBOX_CORNER_59A;
			else if (r->action == CBOX_ACT_END)
				r->corner = CBOX_CORNER_59B;
			continue;
		}
		b->n_in_underlay++;
		if (i > 0) {
			const struct cbox_function *up = nodes[i - 1]->fn;

			prev_hop_add(b,
				     up->egress_mac_known ? up->egress_mac :
							    NULL,
				     CBOX_PREV_OFF_UNKNOWN_MAC, up->tag);
			continue;
		}
		if (c->n_match == 0)
			prev_hop_add(b, NULL, CBOX_PREV_OFF_NO_CLASSIFIER,
				     NULL);
		for (size_t j = 0; j < c->n_match; j++) {
			size_t ci = strmap_find(&pl->cls_idx,
						c->match[j].classifier,
						cls_tag_at, p->classifiers,
						SIZE_MAX);
			const struct cbox_classifier *cl =
				ci == SIZE_MAX ? NULL :
						 p->classifiers[ci].cls;

			prev_hop_add(b, cl && cl->mac_known ? cl->mac : NULL,
				     CBOX_PREV_OFF_UNKNOWN_MAC,
				     c->match[j].classifier);
		}
	}
	return 0;
}

static int plan_matches(struct planner *pl, const struct cbox_chain *c)
{
	struct cbox_plan *p = pl->p;
	struct strmap m = { p->tag_slots, p->tag_mask };
	size_t first = strmap_find(&m, c->nodes[0], box_tag_at, p->boxes,
				   SIZE_MAX);
	int ret = 0;

	for (size_t j = 0; j < c->n_match; j++) {
		const struct cbox_match *mt = &c->match[j];
		size_t ci = strmap_find(&pl->cls_idx, mt->classifier,
					cls_tag_at, p->classifiers, SIZE_MAX);
		struct cbox_plan_cls *cl;
		struct cbox_plan_cls_rule *r;

		if (ci == SIZE_MAX) {
			diag_error(pl->d, mt->loc, mt->path,
				   "unknown classifier '%s'", mt->classifier);
			ret = 1;
			continue;
		}
		cl = &p->classifiers[ci];
		if (grow((void **)&cl->rules, &cl->cap_rules, cl->n_rules,
			 sizeof(*cl->rules)) < 0)
			return -ENOMEM;
		r = &cl->rules[cl->n_rules++];
		r->match = mt;
		r->spi = c->id;
		r->first = &p->boxes[first];
	}
	return ret;
}

/* Hosts: the sorted union of function and classifier hosts. */
static int plan_hosts(struct cbox_plan *p)
{
	size_t n = p->n_boxes + p->n_classifiers, nh = 0;
	const char **names = malloc((n ? n : 1) * sizeof(*names));
	struct cbox_plan_box **bs = malloc((p->n_boxes + 1) * sizeof(*bs));
	struct cbox_plan_cls **cs =
		malloc((p->n_classifiers + 1) * sizeof(*cs));
	size_t bi = 0, ci = 0;
	int ret = -ENOMEM;

	if (!names || !bs || !cs)
		goto out;
	for (size_t i = 0; i < p->n_boxes; i++) {
		names[i] = p->boxes[i].fn->host;
		bs[i] = &p->boxes[i];
	}
	for (size_t i = 0; i < p->n_classifiers; i++) {
		names[p->n_boxes + i] = p->classifiers[i].cls->host;
		cs[i] = &p->classifiers[i];
	}
	qsort(names, n, sizeof(*names), cmp_str);
	qsort(bs, p->n_boxes, sizeof(*bs), cmp_box_ptr);
	qsort(cs, p->n_classifiers, sizeof(*cs), cmp_cls_ptr);
	for (size_t i = 0; i < n; i++)
		if (!nh || strcmp(names[nh - 1], names[i]))
			names[nh++] = names[i];
	p->hosts = calloc(nh ? nh : 1, sizeof(*p->hosts));
	if (!p->hosts)
		goto out;
	p->n_hosts = nh;
	/* Hosts point into bs/cs: one allocation each, owned by hosts[0]. */
	for (size_t h = 0; h < nh; h++) {
		struct cbox_plan_host *host = &p->hosts[h];

		host->name = names[h];
		host->boxes = bs + bi;
		while (bi < p->n_boxes && !strcmp(bs[bi]->fn->host, names[h])) {
			bs[bi]->box_id = (uint32_t)++host->n_boxes;
			bs[bi]->host = host->name;
			bi++;
		}
		host->classifiers = cs + ci;
		while (ci < p->n_classifiers &&
		       !strcmp(cs[ci]->cls->host, names[h])) {
			host->n_classifiers++;
			ci++;
		}
	}
	ret = 0;
out:
	free(names);
	if (ret || !nh) {
		free(bs);
		free(cs);
	}
	return ret;
}

/*
 * Each box and classifier names a directory of its host's bundle: two of one
 * host with the same tag, or a tag equal to a file of the bundle, would mix.
 */
static int plan_names(struct cbox_plan *p, struct cbox_diags *d)
{
	static const char *const reserved[] = { "manifest.json", "rules.txt" };
	int bad = 0;

	for (size_t h = 0; h < p->n_hosts; h++) {
		const struct cbox_plan_host *host = &p->hosts[h];
		size_t bi = 0;

		for (size_t ci = 0; ci < host->n_classifiers; ci++) {
			const struct cbox_classifier *c =
				host->classifiers[ci]->cls;
			int cmp = 1;

			while (bi < host->n_boxes &&
			       (cmp = strcmp(host->boxes[bi]->fn->tag,
					     c->tag)) < 0)
				bi++;
			if (bi < host->n_boxes && cmp == 0) {
				diag_error(d, c->loc, c->path,
					   "classifier '%s' has the tag of a function on the same host '%s'; each names a directory of the host's bundle",
					   c->tag, host->name);
				bad = 1;
			}
		}
		for (size_t r = 0; r < 2; r++) {
			for (size_t i = 0; i < host->n_boxes; i++)
				if (!strcmp(host->boxes[i]->fn->tag,
					    reserved[r])) {
					const struct cbox_function *f =
						host->boxes[i]->fn;

					diag_error(d, f->loc, f->path,
						   "tag '%s' is the name of a bundle file; choose another",
						   f->tag);
					bad = 1;
				}
			for (size_t i = 0; i < host->n_classifiers; i++)
				if (!strcmp(host->classifiers[i]->cls->tag,
					    reserved[r])) {
					const struct cbox_classifier *c =
						host->classifiers[i]->cls;

					diag_error(d, c->loc, c->path,
						   "tag '%s' is the name of a bundle file; choose another",
						   c->tag);
					bad = 1;
				}
		}
		for (size_t i = 0; i < host->n_classifiers; i++) {
			const struct cbox_plan_cls *c = host->classifiers[i];

			if (c->n_rules > CBOX_CLS_MAX_RULES) {
				diag_error(d, c->cls->loc, c->cls->path,
					   "classifier '%s' has %zu rules; the classifier stage scans at most %d",
					   c->cls->tag, c->n_rules,
					   CBOX_CLS_MAX_RULES);
				bad = 1;
			}
		}
	}
	return bad;
}

static int plan_host_dlinks(struct cbox_plan *p)
{
	struct cbox_plan_dlink **ls =
		malloc((p->n_dlinks + 1) * sizeof(*ls));
	size_t li = 0;

	if (!ls)
		return -ENOMEM;
	for (size_t i = 0; i < p->n_dlinks; i++)
		ls[i] = &p->dlinks[i];
	qsort(ls, p->n_dlinks, sizeof(*ls), cmp_dlink_ptr);
	for (size_t h = 0; h < p->n_hosts; h++) {
		struct cbox_plan_host *host = &p->hosts[h];

		host->dlinks = ls + li;
		while (li < p->n_dlinks &&
		       !strcmp(ls[li]->from->host, host->name)) {
			host->n_dlinks++;
			li++;
		}
	}
	if (!p->n_hosts)
		free(ls);
	return 0;
}

static void plan_stages(struct cbox_plan_box *b)
{
	const char *type = b->fn->type ? b->fn->type : "";

	b->enc = !b->fn->nsh_aware;
	/* Dec is only skipped when every way in is a veth pair: a function in
	 * no chain keeps it, harmless, as Dec passes non-NSH frames. */
	b->dec = !b->fn->nsh_aware &&
		 !(b->n_in_dlink > 0 && b->n_in_underlay == 0);
	if (!strcmp(type, "tc-redirect"))
		b->sf = CBOX_SF_REDIRECT;
	else if (!strcmp(type, "tc-redirect-delay"))
		b->sf = CBOX_SF_REDIRECT_DELAY;
	else
		b->sf = CBOX_SF_NONE;
	if (b->n_in_underlay == 0 && b->prev_off == CBOX_PREV_ON) {
		b->prev_off = CBOX_PREV_OFF_NO_UNDERLAY;
		b->n_prev_hops = 0;
	}
	if (b->prev_off != CBOX_PREV_ON)
		b->n_prev_hops = 0;
	qsort(b->prev_hops, b->n_prev_hops, 6, cmp_mac);
	/* qsort wants a valid base even for 0 elements: a box in no chain
	 * has rules == NULL */
	if (b->n_rules)
		qsort(b->rules, b->n_rules, sizeof(*b->rules), cmp_rule);
}

int cbox_plan_build(const struct cbox_spec *spec, struct cbox_diags *d,
		    struct cbox_plan **out)
{
	struct planner pl = { .d = d };
	struct cbox_plan *p = calloc(1, sizeof(*p));
	struct cbox_plan_box **nodes = NULL;
	size_t max_nodes = 0, total_nodes = 0;
	int ret = -ENOMEM, bad = 0;
	struct strmap tags;

	*out = NULL;
	if (!p)
		return -ENOMEM;
	pl.p = p;
	p->spec = spec;
	p->n_boxes = spec->n_functions;
	p->boxes = calloc(p->n_boxes + 1, sizeof(*p->boxes));
	p->n_classifiers = spec->n_classifiers;
	p->classifiers = calloc(p->n_classifiers + 1, sizeof(*p->classifiers));
	if (!p->boxes || !p->classifiers)
		goto fail;
	if (strmap_init(&tags, p->n_boxes) < 0)
		goto fail;
	p->tag_slots = tags.slots;
	p->tag_mask = tags.mask;
	for (size_t i = 0; i < p->n_boxes; i++) {
		p->boxes[i].fn = &spec->functions[i];
		if (strmap_find(&tags, spec->functions[i].tag, box_tag_at,
				p->boxes, i) != SIZE_MAX) {
			diag_error(d, spec->functions[i].loc,
				   spec->functions[i].path,
				   "duplicate function tag '%s'",
				   spec->functions[i].tag);
			bad = 1;
		}
	}
	if (strmap_init(&pl.cls_idx, p->n_classifiers) < 0)
		goto fail;
	for (size_t i = 0; i < p->n_classifiers; i++) {
		p->classifiers[i].cls = &spec->classifiers[i];
		if (strmap_find(&pl.cls_idx, spec->classifiers[i].tag,
				cls_tag_at, p->classifiers, i) != SIZE_MAX) {
			diag_error(d, spec->classifiers[i].loc,
				   spec->classifiers[i].path,
				   "duplicate classifier tag '%s'",
				   spec->classifiers[i].tag);
			bad = 1;
		}
	}
	for (size_t c = 0; c < spec->n_chains; c++) {
		if (spec->chains[c].n_nodes > max_nodes)
			max_nodes = spec->chains[c].n_nodes;
		total_nodes += spec->chains[c].n_nodes;
	}
	nodes = calloc(max_nodes + 1, sizeof(*nodes));
	/* At most one direct link per chain step: size for that up front so
	 * that rules can keep pointers into dlinks[]. */
	p->dlinks = calloc(total_nodes + 1, sizeof(*p->dlinks));
	if (!nodes || !p->dlinks)
		goto fail;
	if (u64map_init(&pl.pair_idx, 64) < 0 ||
	    u64map_init(&pl.names, 64) < 0)
		goto fail;
	if (plan_hosts(p) < 0)
		goto fail;
	for (size_t c = 0; c < spec->n_chains; c++) {
		int err = plan_chain(&pl, &spec->chains[c], nodes);

		if (err < 0) {
			ret = err;
			goto fail;
		}
		if (err) {
			bad = 1;
			continue;
		}
		err = plan_matches(&pl, &spec->chains[c]);
		if (err < 0) {
			ret = err;
			goto fail;
		}
		bad |= err;
	}
	bad |= plan_names(p, d);
	if (bad) {
		ret = 1;
		goto fail;
	}
	for (size_t i = 0; i < p->n_boxes; i++) {
		plan_stages(&p->boxes[i]);
		p->n_rules_total += p->boxes[i].n_rules;
	}
	if (plan_host_dlinks(p) < 0)
		goto fail;
	free(nodes);
	free(pl.cls_idx.slots);
	u64map_free(&pl.pair_idx);
	u64map_free(&pl.names);
	*out = p;
	return 0;
fail:
	free(nodes);
	free(pl.cls_idx.slots);
	u64map_free(&pl.pair_idx);
	u64map_free(&pl.names);
	cbox_plan_free(p);
	return ret;
}

void cbox_plan_free(struct cbox_plan *p)
{
	if (!p)
		return;
	if (p->n_hosts) {
		free(p->hosts[0].boxes);
		free(p->hosts[0].classifiers);
		free(p->hosts[0].dlinks);
	}
	free(p->hosts);
	for (size_t i = 0; i < p->n_boxes && p->boxes; i++)
		free(p->boxes[i].rules);
	for (size_t i = 0; i < p->n_classifiers && p->classifiers; i++)
		free(p->classifiers[i].rules);
	free(p->boxes);
	free(p->classifiers);
	free(p->dlinks);
	free(p->tag_slots);
	free(p);
}
