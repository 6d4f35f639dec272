// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Semantic checks: what the schema cannot say. Each error points at the value
 * that is wrong (the second of two duplicates, the unknown tag in a chain).
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "hidx.h"

int cbox_parse_mac(const char *s, uint8_t mac[6], char *why, size_t cap)
{
	const char *p = s;

	for (int i = 0; i < 6; i++) {
		int v = 0;

		for (int j = 0; j < 2; j++, p++) {
			if (!isxdigit((unsigned char)*p))
				goto bad;
			v = v << 4 | (isdigit((unsigned char)*p) ?
					      *p - '0' :
					      (tolower((unsigned char)*p) - 'a' + 10));
		}
		mac[i] = v;
		if (i < 5 && *p++ != ':')
			goto bad;
	}
	if (*p)
		goto bad;
	if (mac[0] & 1) {
		snprintf(why, cap,
			 "MAC \"%s\" is a multicast/broadcast address; an interface needs a unicast one",
			 s);
		return -1;
	}
	if (!(mac[0] | mac[1] | mac[2] | mac[3] | mac[4] | mac[5])) {
		snprintf(why, cap, "MAC \"%s\" is all zeros", s);
		return -1;
	}
	return 0;
bad:
	snprintf(why, cap,
		 "malformed MAC \"%s\" (expected six hex pairs like 02:00:00:00:00:01)",
		 s);
	return -1;
}

int cbox_check_ifname(const char *s, char *why, size_t cap)
{
	size_t l = strlen(s);

	if (!l) {
		snprintf(why, cap, "interface name is empty");
		return -1;
	}
	/* the kernel's IFNAMSIZ is 16 bytes with the terminating NUL */
	if (l > 15) {
		snprintf(why, cap,
			 "interface name \"%s\" is %zu bytes; Linux allows at most 15",
			 s, l);
		return -1;
	}
	if (!strcmp(s, ".") || !strcmp(s, "..")) {
		snprintf(why, cap, "interface name \"%s\" is not allowed", s);
		return -1;
	}
	for (const char *p = s; *p; p++)
		if (*p == '/' || *p == ':' || isspace((unsigned char)*p) ||
		    (unsigned char)*p < 0x20 || *p == 0x7f) {
			snprintf(why, cap,
				 "interface name \"%s\" contains '%s', which Linux does not allow",
				 s,
				 *p == '/' ? "/" : *p == ':' ? ":" :
				 isspace((unsigned char)*p) ? "whitespace" :
							      "a control character");
			return -1;
		}
	return 0;
}

int cbox_check_netns(const char *s, char *why, size_t cap)
{
	size_t l = strlen(s);

	if (!l) {
		snprintf(why, cap,
			 "netns name is empty (omit the field for the host's own namespace)");
		return -1;
	}
	/* ip netns keeps one file per name under /run/netns */
	if (l > 255) {
		snprintf(why, cap, "netns name is %zu bytes; at most 255", l);
		return -1;
	}
	if (!strcmp(s, ".") || !strcmp(s, "..")) {
		snprintf(why, cap, "netns name \"%s\" is not allowed", s);
		return -1;
	}
	for (const char *p = s; *p; p++)
		if (*p == '/' || isspace((unsigned char)*p) ||
		    (unsigned char)*p < 0x20 || *p == 0x7f) {
			snprintf(why, cap,
				 "netns name \"%s\" contains '%s'; names are single path components",
				 s, *p == '/' ? "/" : "whitespace or a control character");
			return -1;
		}
	return 0;
}

int cbox_check_name(const char *s, char *why, size_t cap)
{
	size_t l = strlen(s);
	bool ok = l >= 1 && l <= 64 && isalnum((unsigned char)s[0]);

	for (const char *p = s; ok && *p; p++)
		ok = isalnum((unsigned char)*p) || *p == '_' || *p == '-' ||
		     *p == '.';
	if (!ok) {
		snprintf(why, cap,
			 "\"%s\" is not a usable name: it names a bundle directory, so it must be 1-64 of [A-Za-z0-9_.-], starting with a letter or digit",
			 s);
		return -1;
	}
	return 0;
}

int cbox_parse_prefix(const char *s, struct cbox_prefix *p, char *why,
		      size_t cap)
{
	char addr[64];
	const char *slash = strchr(s, '/');
	size_t al = slash ? (size_t)(slash - s) : strlen(s);
	unsigned long len;
	int bits;

	memset(p, 0, sizeof(*p));
	if (al >= sizeof(addr))
		goto bad_addr;
	memcpy(addr, s, al);
	addr[al] = 0;
	if (inet_pton(AF_INET, addr, p->addr) == 1) {
		p->family = 4;
		bits = 32;
	} else if (inet_pton(AF_INET6, addr, p->addr) == 1) {
		p->family = 6;
		bits = 128;
	} else {
		goto bad_addr;
	}
	len = bits;
	if (slash) {
		char *end;

		if (!isdigit((unsigned char)slash[1])) {
			snprintf(why, cap, "prefix \"%s\": missing length after '/'",
				 s);
			return -1;
		}
		errno = 0;
		len = strtoul(slash + 1, &end, 10);
		if (*end || errno) {
			snprintf(why, cap, "prefix \"%s\": bad length", s);
			return -1;
		}
		if (len > (unsigned long)bits) {
			snprintf(why, cap,
				 "prefix \"%s\": length %lu is over %d for IPv%d",
				 s, len, bits, p->family);
			return -1;
		}
	}
	p->len = len;
	/* an address with host bits set is probably a typo for a host or
	 * a different network: refuse rather than silently mask */
	for (int b = len; b < bits; b++)
		if (p->addr[b / 8] & (0x80 >> (b % 8))) {
			uint8_t net[16];
			char ns[INET6_ADDRSTRLEN];

			memcpy(net, p->addr, sizeof(net));
			for (int c = len; c < bits; c++)
				net[c / 8] &= ~(0x80 >> (c % 8));
			inet_ntop(p->family == 4 ? AF_INET : AF_INET6, net, ns,
				  sizeof(ns));
			snprintf(why, cap,
				 "prefix \"%s\" has host bits set (did you mean %s/%lu?)",
				 s, ns, len);
			return -1;
		}
	p->set = true;
	return 0;
bad_addr:
	snprintf(why, cap,
		 "bad prefix \"%s\" (expected an IPv4 or IPv6 address, optionally /length)",
		 s);
	return -1;
}

int cbox_parse_ports(const char *s, struct cbox_port_range *r, char *why,
		     size_t cap)
{
	unsigned long lo, hi;
	char *end;

	memset(r, 0, sizeof(*r));
	if (!isdigit((unsigned char)*s))
		goto bad;
	errno = 0;
	lo = strtoul(s, &end, 10);
	hi = lo;
	if (*end == '-') {
		if (!isdigit((unsigned char)end[1]))
			goto bad;
		hi = strtoul(end + 1, &end, 10);
	}
	if (*end || errno)
		goto bad;
	if (lo > 65535 || hi > 65535) {
		snprintf(why, cap, "port range \"%s\": ports go up to 65535", s);
		return -1;
	}
	if (lo > hi) {
		snprintf(why, cap,
			 "port range \"%s\": low end %lu is above high end %lu",
			 s, lo, hi);
		return -1;
	}
	r->set = true;
	r->lo = lo;
	r->hi = hi;
	return 0;
bad:
	snprintf(why, cap, "bad port range \"%s\" (expected N or LO-HI)", s);
	return -1;
}

void cbox_mac_str(const uint8_t m[6], char buf[18])
{
	snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2],
		 m[3], m[4], m[5]);
}

/* ---- cross checks ---- */

static struct cbox_loc loc_at(const struct cbox_jnode *doc, const char *ptr,
			      const char **shown)
{
	const struct cbox_jnode *n = cbox_jnode_at(doc, ptr);

	if (shown)
		*shown = n && n->opath ? n->opath : ptr;
	return n ? n->loc : (struct cbox_loc){ 0, 0 };
}

#define ERR_AT(ptrfmt, ...)                                                  \
	do {                                                                 \
		char ptr_[128];                                              \
		const char *sh_;                                             \
		struct cbox_loc l_;                                          \
		snprintf(ptr_, sizeof(ptr_), ptrfmt, __VA_ARGS__);           \
		l_ = loc_at(doc, ptr_, &sh_);                                \
		diag_error(d, l_, sh_, "%s", msg);                           \
	} while (0)

struct mac_use {
	const uint8_t *mac;
	const char *host, *netns, *iface;
	char ptr[96];
};

static bool same_str(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

static uint64_t hash_opt_str(uint64_t h, const char *s)
{
	/* NULL (no netns) and "" must differ */
	return cbox_hash_mix(h, s ? cbox_hash_str(s) : 0x6e756c6cull);
}

static uint64_t mac_key(const uint8_t m[6])
{
	return (uint64_t)m[0] << 40 | (uint64_t)m[1] << 32 |
	       (uint64_t)m[2] << 24 | (uint64_t)m[3] << 16 |
	       (uint64_t)m[4] << 8 | m[5];
}

/* Did function i give its iface or netns explicitly? fns: the document's
 * "functions" array (the model has the defaults filled in). */
static bool placed(const struct cbox_jnode *fns, size_t i)
{
	const struct cbox_jnode *o;

	if (!fns || fns->type != CJ_ARRAY || i >= fns->n_kids)
		return false;
	o = fns->kids[i];
	return cbox_jnode_get(o, "iface") || cbox_jnode_get(o, "netns");
}

/* The equality tests behind the hash indexes below: ctx is the array
 * searched, key the item being checked. */
static bool fn_tag_eq(const void *ctx, size_t j, const void *key)
{
	const struct cbox_function *fs = ctx;

	return !strcmp(fs[j].tag, key);
}

static bool cls_tag_eq(const void *ctx, size_t j, const void *key)
{
	const struct cbox_classifier *cs = ctx;

	return !strcmp(cs[j].tag, key);
}

static bool chain_id_eq(const void *ctx, size_t j, const void *key)
{
	const struct cbox_chain *cs = ctx;

	return cs[j].id == *(const uint32_t *)key;
}

/* interface groups: functions on one (host, netns, iface) */
struct if_group {
	size_t first;		/* first function there */
	size_t first_placed;	/* first that placed itself, or NONE */
};

struct if_ctx {
	const struct cbox_function *fs;
	const struct if_group *groups;
};

static bool if_eq(const void *ctx, size_t g, const void *key)
{
	const struct if_ctx *c = ctx;
	const struct cbox_function *a = &c->fs[c->groups[g].first], *b = key;

	return !strcmp(a->host, b->host) && same_str(a->netns, b->netns) &&
	       !strcmp(a->iface, b->iface);
}

/* MAC groups: uses of one address, to find the first earlier use on a
 * different interface in constant time */
struct mac_group {
	size_t first;		/* first use */
	size_t other;		/* first use on another interface, or NONE */
};

struct mac_ctx {
	const struct mac_use *mu;
	const struct mac_group *groups;
};

static bool mac_eq(const void *ctx, size_t g, const void *key)
{
	const struct mac_ctx *c = ctx;

	return !memcmp(c->mu[c->groups[g].first].mac, key, 6);
}

static bool same_iface(const struct mac_use *a, const struct mac_use *b)
{
	return !strcmp(a->host, b->host) && same_str(a->netns, b->netns) &&
	       !strcmp(a->iface, b->iface);
}

/*
 * Every check reports, for item i, the first earlier item j it conflicts
 * with, in the order of a pairwise scan; the hash indexes find that j
 * directly, so a spec of n items costs O(n), not O(n^2).
 */
void cbox_check_spec(const struct cbox_spec *spec,
		     const struct cbox_jnode *doc, struct cbox_diags *d)
{
	const struct cbox_jnode *fns = cbox_jnode_get(doc, "functions");
	struct cbox_hidx tags = { 0 }, ifs = { 0 }, ids = { 0 }, macs = { 0 };
	struct if_group *ig = NULL;
	struct mac_group *mg = NULL;
	size_t n_ig = 0, n_mg = 0;
	struct mac_use *mu = NULL;
	size_t n_mu = 0;
	char msg[400];

	if (cbox_hidx_init(&tags, spec->n_functions) ||
	    cbox_hidx_init(&ifs, spec->n_functions) ||
	    !(ig = calloc(spec->n_functions + 1, sizeof(*ig))))
		goto oom;
	for (size_t i = 0; i < spec->n_functions; i++) {
		const struct cbox_function *f = &spec->functions[i];
		uint64_t h = cbox_hash_str(f->tag);
		struct if_ctx ic = { spec->functions, ig };
		size_t *j = cbox_hidx_find(&tags, h, fn_tag_eq, spec->functions,
					   f->tag);
		bool pl = placed(fns, i);

		if (j) {
			snprintf(msg, sizeof(msg),
				 "duplicate tag \"%s\" (first used by %s at line %d)",
				 f->tag, spec->functions[*j].path,
				 spec->functions[*j].loc.line);
			ERR_AT("/functions/%zu/tag", i);
		} else if (cbox_hidx_add(&tags, h, i)) {
			goto oom;
		}
		/* two SFs on one interface would fight over its XDP and tc
		 * hooks and its MAC. A spec in the thesis format names no
		 * interface or netns at all (each SF sat in its own container
		 * there), so the check needs one of the two to be explicit:
		 * the first earlier function on the interface when this one
		 * is placed, else the first earlier one that is. */
		h = hash_opt_str(cbox_hash_mix(cbox_hash_str(f->host),
					       cbox_hash_str(f->iface)),
				 f->netns);
		j = cbox_hidx_find(&ifs, h, if_eq, &ic, f);
		if (j) {
			struct if_group *g = &ig[*j];
			size_t k = pl ? g->first : g->first_placed;

			if (k != CBOX_HIDX_NONE) {
				const struct cbox_function *o = &spec->functions[k];

				snprintf(msg, sizeof(msg),
					 "functions \"%s\" and \"%s\" share interface %s on host %s%s%s; each function needs its own",
					 o->tag, f->tag, f->iface, f->host,
					 f->netns ? " netns " : "",
					 f->netns ? f->netns : "");
				ERR_AT("/functions/%zu", i);
			}
			if (pl && g->first_placed == CBOX_HIDX_NONE)
				g->first_placed = i;
		} else {
			ig[n_ig] = (struct if_group){
				.first = i,
				.first_placed = pl ? i : CBOX_HIDX_NONE
			};
			if (cbox_hidx_add(&ifs, h, n_ig++))
				goto oom;
		}
	}
	cbox_hidx_free(&tags);
	if (cbox_hidx_init(&tags, spec->n_classifiers))
		goto oom;
	for (size_t i = 0; i < spec->n_classifiers; i++) {
		const struct cbox_classifier *c = &spec->classifiers[i];
		const struct cbox_function *f = cbox_spec_function(spec, c->tag);
		uint64_t h = cbox_hash_str(c->tag);
		size_t *j = cbox_hidx_find(&tags, h, cls_tag_eq,
					   spec->classifiers, c->tag);

		if (j) {
			snprintf(msg, sizeof(msg),
				 "duplicate classifier tag \"%s\" (first used by %s at line %d)",
				 c->tag, spec->classifiers[*j].path,
				 spec->classifiers[*j].loc.line);
			ERR_AT("/classifiers/%zu/tag", i);
		} else if (cbox_hidx_add(&tags, h, i)) {
			goto oom;
		}
		if (f) {
			snprintf(msg, sizeof(msg),
				 "tag \"%s\" names both a function (%s) and a classifier; tags must be unique",
				 c->tag, f->path);
			ERR_AT("/classifiers/%zu/tag", i);
		}
	}
	if (cbox_hidx_init(&ids, spec->n_chains))
		goto oom;
	for (size_t i = 0; i < spec->n_chains; i++) {
		const struct cbox_chain *c = &spec->chains[i];
		uint64_t h = cbox_hash(&c->id, sizeof(c->id));
		size_t *j = cbox_hidx_find(&ids, h, chain_id_eq, spec->chains,
					   &c->id);

		if (j) {
			snprintf(msg, sizeof(msg),
				 "duplicate chain id %u (also %s at line %d)",
				 c->id, spec->chains[*j].path,
				 spec->chains[*j].loc.line);
			ERR_AT("/chains/%zu/id", i);
		} else if (cbox_hidx_add(&ids, h, i)) {
			goto oom;
		}
		if (!c->n_nodes) {
			snprintf(msg, sizeof(msg), "chain %u has no nodes", c->id);
			ERR_AT("/chains/%zu/nodes", i);
		}
		if (c->n_nodes > CBOX_MAX_CHAIN_LEN) {
			snprintf(msg, sizeof(msg),
				 "chain %u has %zu nodes; at most %d fit, as the service index counts down from 255",
				 c->id, c->n_nodes, CBOX_MAX_CHAIN_LEN);
			ERR_AT("/chains/%zu/nodes", i);
		}
		for (size_t k = 0; k < c->n_nodes; k++) {
			if (cbox_spec_function(spec, c->nodes[k]))
				continue;
			snprintf(msg, sizeof(msg),
				 "unknown function tag \"%s\"%s", c->nodes[k],
				 cbox_spec_classifier(spec, c->nodes[k]) ?
					 " (that is a classifier, not a function)" :
					 " (no function has it)");
			ERR_AT("/chains/%zu/nodes/%zu", i, k);
		}
		for (size_t k = 0; k < c->n_match; k++) {
			const struct cbox_match *m = &c->match[k];

			if (cbox_spec_classifier(spec, m->classifier))
				continue;
			snprintf(msg, sizeof(msg),
				 "match rule names unknown classifier \"%s\"",
				 m->classifier);
			ERR_AT("/chains/%zu/match/%zu/classifier", i, k);
		}
	}

	/* a MAC given for two different interfaces breaks forwarding */
	mu = calloc(2 * spec->n_functions + spec->n_classifiers + 1,
		    sizeof(*mu));
	if (!mu)
		goto oom;
	for (size_t i = 0; i < spec->n_functions; i++) {
		const struct cbox_function *f = &spec->functions[i];

		if (f->mac_given) {
			mu[n_mu] = (struct mac_use){ .mac = f->mac, .host = f->host,
						     .netns = f->netns, .iface = f->iface };
			snprintf(mu[n_mu++].ptr, sizeof(mu->ptr),
				 "/functions/%zu/mac", i);
		}
		if (f->egress_mac_known && strcmp(f->egress_iface, f->iface)) {
			mu[n_mu] = (struct mac_use){ .mac = f->egress_mac,
						     .host = f->host, .netns = f->netns,
						     .iface = f->egress_iface };
			snprintf(mu[n_mu++].ptr, sizeof(mu->ptr),
				 "/functions/%zu/egress_mac", i);
		}
	}
	for (size_t i = 0; i < spec->n_classifiers; i++) {
		const struct cbox_classifier *c = &spec->classifiers[i];

		if (!c->mac_known)
			continue;
		mu[n_mu] = (struct mac_use){ .mac = c->mac, .host = c->host,
					     .netns = c->netns, .iface = c->iface };
		snprintf(mu[n_mu++].ptr, sizeof(mu->ptr), "/classifiers/%zu/mac",
			 i);
	}
	if (cbox_hidx_init(&macs, n_mu) ||
	    !(mg = calloc(n_mu + 1, sizeof(*mg))))
		goto oom;
	for (size_t i = 0; i < n_mu; i++) {
		struct mac_ctx mc = { mu, mg };
		uint64_t h = cbox_hash_mix(0, mac_key(mu[i].mac));
		size_t *g = cbox_hidx_find(&macs, h, mac_eq, &mc, mu[i].mac);
		size_t j;

		if (!g) {
			mg[n_mg] = (struct mac_group){ i, CBOX_HIDX_NONE };
			if (cbox_hidx_add(&macs, h, n_mg++))
				goto oom;
			continue;
		}
		/* the first earlier use on another interface: the group's
		 * first use, unless that is on this very interface; then the
		 * first use that is not */
		j = same_iface(&mu[i], &mu[mg[*g].first]) ? mg[*g].other :
							    mg[*g].first;
		if (mg[*g].other == CBOX_HIDX_NONE &&
		    !same_iface(&mu[i], &mu[mg[*g].first]))
			mg[*g].other = i;
		if (j != CBOX_HIDX_NONE) {
			char ms[18];
			const char *sh;

			cbox_mac_str(mu[i].mac, ms);
			loc_at(doc, mu[j].ptr, &sh);
			snprintf(msg, sizeof(msg),
				 "duplicate MAC %s (also given at %s)", ms, sh);
			ERR_AT("%s", mu[i].ptr);
		}
	}
	goto out;
oom:
	diag_error(d, (struct cbox_loc){ 0, 0 }, "", "out of memory");
out:
	free(mu);
	free(mg);
	free(ig);
	cbox_hidx_free(&tags);
	cbox_hidx_free(&ifs);
	cbox_hidx_free(&ids);
	cbox_hidx_free(&macs);
}

static uint32_t fnv1a(const char *s, uint32_t h)
{
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 16777619u;
	}
	return h;
}

/* The MACs taken so far, as 48-bit keys in keys[] with a hash index. */
struct mac_set {
	uint64_t *keys;
	size_t n;
	struct cbox_hidx h;
};

static bool key_eq(const void *ctx, size_t i, const void *key)
{
	return ((const uint64_t *)ctx)[i] == *(const uint64_t *)key;
}

static bool mac_taken(const struct mac_set *s, const uint8_t mac[6])
{
	uint64_t k = mac_key(mac);

	return cbox_hidx_find(&s->h, cbox_hash_mix(0, k), key_eq, s->keys, &k);
}

static int mac_take(struct mac_set *s, const uint8_t mac[6])
{
	uint64_t k = mac_key(mac);

	if (mac_taken(s, mac))
		return 0;
	s->keys[s->n] = k;
	return cbox_hidx_add(&s->h, cbox_hash_mix(0, k), s->n++);
}

/* Slow path when memory for the set runs out: scans, as before the set. */
static bool mac_taken_scan(const struct cbox_spec *spec, const uint8_t mac[6],
			   size_t upto_assigned)
{
	for (size_t i = 0; i < spec->n_functions; i++) {
		const struct cbox_function *f = &spec->functions[i];

		if ((f->mac_given || i < upto_assigned) &&
		    !memcmp(f->mac, mac, 6))
			return true;
		if (f->egress_mac_known && strcmp(f->egress_iface, f->iface) &&
		    !memcmp(f->egress_mac, mac, 6))
			return true;
	}
	for (size_t i = 0; i < spec->n_classifiers; i++)
		if (spec->classifiers[i].mac_known &&
		    !memcmp(spec->classifiers[i].mac, mac, 6))
			return true;
	return false;
}

void cbox_assign_macs(struct cbox_spec *spec)
{
	size_t n = 3 * spec->n_functions + spec->n_classifiers + 1;
	struct mac_set set = { .keys = calloc(n, sizeof(uint64_t)) };
	bool fast = set.keys && !cbox_hidx_init(&set.h, n);

	/* taken from the start: given MACs, egress MACs given for a separate
	 * interface, classifier MACs; assigned ones join as they are made */
	for (size_t i = 0; fast && i < spec->n_functions; i++) {
		const struct cbox_function *f = &spec->functions[i];

		if (f->mac_given && mac_take(&set, f->mac))
			fast = false;
		if (f->egress_mac_known && strcmp(f->egress_iface, f->iface) &&
		    mac_take(&set, f->egress_mac))
			fast = false;
	}
	for (size_t i = 0; fast && i < spec->n_classifiers; i++)
		if (spec->classifiers[i].mac_known &&
		    mac_take(&set, spec->classifiers[i].mac))
			fast = false;
	for (size_t i = 0; i < spec->n_functions; i++) {
		struct cbox_function *f = &spec->functions[i];
		uint32_t h = fnv1a(f->tag, 2166136261u);

		if (f->mac_given)
			continue;
		/* deterministic: on a collision, hash on from the last value
		 * so the same spec always gives the same MACs */
		for (;;) {
			f->mac[0] = 0x02;	/* locally administered, unicast */
			f->mac[1] = 0xcb;
			f->mac[2] = h >> 24;
			f->mac[3] = h >> 16;
			f->mac[4] = h >> 8;
			f->mac[5] = h;
			if (fast ? !mac_taken(&set, f->mac) :
				   !mac_taken_scan(spec, f->mac, i))
				break;
			h = fnv1a("+", h);
		}
		if (fast && mac_take(&set, f->mac))
			fast = false;
		if (!f->egress_mac_known && !strcmp(f->egress_iface, f->iface)) {
			memcpy(f->egress_mac, f->mac, 6);
			f->egress_mac_known = true;
		}
	}
	free(set.keys);
	cbox_hidx_free(&set.h);
}
