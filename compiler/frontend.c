// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Front end pipeline: read -> parse (JSON | YAML) -> map (TOSCA profile) ->
 * schema -> build the model (value formats) -> cross checks -> defaults.
 * Every stage reports all it finds, but a stage only runs when the previous
 * one passed, since a model cannot be built from a document of wrong shape.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "check.h"
#include "common_kern_user.h"
#include "frontend.h"
#include "json_doc.h"
#include "schema.h"
#include "tosca.h"
#include "yaml_doc.h"

enum cbox_format cbox_cli_format = CBOX_FMT_AUTO;

int cbox_format_parse(const char *s, enum cbox_format *fmt)
{
	static const struct {
		const char *name;
		enum cbox_format fmt;
	} names[] = { { "auto", CBOX_FMT_AUTO },
		      { "json", CBOX_FMT_JSON },
		      { "yaml", CBOX_FMT_YAML },
		      { "tosca", CBOX_FMT_TOSCA } };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(s, names[i].name)) {
			*fmt = names[i].fmt;
			return 0;
		}
	return -1;
}

/* ---- model building ---- */

struct bld {
	struct cbox_diags *d;
	struct cbox_spec *spec;
};

static const char *shown(const struct cbox_jnode *n, const char *path)
{
	return n && n->opath ? n->opath : path;
}

static void berr(struct bld *b, const struct cbox_jnode *n, const char *base,
		 const char *field, const char *msg)
{
	char *p = field ? cbox_path_join(base, field, strlen(field)) : NULL;

	diag_error(b->d, n->loc, shown(n, p ? p : base), "%s", msg);
	free(p);
}

static char *sdup(struct bld *b, const char *s)
{
	char *r = s ? strdup(s) : NULL;

	if (s && !r)
		diag_error(b->d, (struct cbox_loc){ 0, 0 }, "", "out of memory");
	return r;
}

static const char *str_of(const struct cbox_jnode *o, const char *k)
{
	const struct cbox_jnode *n = cbox_jnode_get(o, k);

	return n && n->type == CJ_STRING ? n->str : NULL;
}

/* Gets string field k of o, checked by fn when present. */
static char *field_str(struct bld *b, const struct cbox_jnode *o,
		       const char *path, const char *k, const char *dflt,
		       int (*fn)(const char *, char *, size_t))
{
	const struct cbox_jnode *n = cbox_jnode_get(o, k);
	char why[300];

	if (!n || n->type != CJ_STRING)
		return sdup(b, dflt);
	if (memchr(n->str, 0, n->len)) {
		berr(b, n, path, k, "value contains a NUL character");
		return sdup(b, dflt);
	}
	if (fn && fn(n->str, why, sizeof(why)))
		berr(b, n, path, k, why);
	return sdup(b, n->str);
}

static bool field_mac(struct bld *b, const struct cbox_jnode *o,
		      const char *path, const char *k, uint8_t mac[6])
{
	const struct cbox_jnode *n = cbox_jnode_get(o, k);
	char why[300];

	if (!n || n->type != CJ_STRING)
		return false;
	if (cbox_parse_mac(n->str, mac, why, sizeof(why))) {
		berr(b, n, path, k, why);
		return false;
	}
	return true;
}

static char *node_path(const struct cbox_jnode *n, const char *path)
{
	return strdup(shown(n, path));
}

static void build_function(struct bld *b, const struct cbox_jnode *o,
			   const char *path, struct cbox_function *f)
{
	const struct cbox_jnode *n;

	f->loc = o->loc;
	f->path = node_path(o, path);
	f->tag = field_str(b, o, path, "tag", "", cbox_check_name);
	f->type = field_str(b, o, path, "type", "", NULL);
	f->host = field_str(b, o, path, "host", "", cbox_check_name);
	f->iface = field_str(b, o, path, "iface", "eth0", cbox_check_ifname);
	f->egress_iface = field_str(b, o, path, "egress_iface", f->iface,
				    cbox_check_ifname);
	f->netns = field_str(b, o, path, "netns", NULL, cbox_check_netns);
	f->mac_given = field_mac(b, o, path, "mac", f->mac);
	f->egress_mac_known =
		field_mac(b, o, path, "egress_mac", f->egress_mac);
	if (!f->egress_mac_known && f->mac_given && f->iface &&
	    f->egress_iface && !strcmp(f->iface, f->egress_iface)) {
		memcpy(f->egress_mac, f->mac, 6);
		f->egress_mac_known = true;
	}
	n = cbox_jnode_get(o, "nsh_aware");
	f->nsh_aware = n && n->type == CJ_BOOL && n->boolean;
}

static void build_classifier(struct bld *b, const struct cbox_jnode *o,
			     const char *path, struct cbox_classifier *c)
{
	const char *dir = str_of(o, "direction");

	c->loc = o->loc;
	c->path = node_path(o, path);
	c->tag = field_str(b, o, path, "tag", "", cbox_check_name);
	c->host = field_str(b, o, path, "host", "", cbox_check_name);
	c->iface = field_str(b, o, path, "iface", "eth0", cbox_check_ifname);
	c->netns = field_str(b, o, path, "netns", NULL, cbox_check_netns);
	c->direction = dir && !strcmp(dir, "egress") ? CBOX_DIR_EGRESS :
						       CBOX_DIR_INGRESS;
	c->mac_known = field_mac(b, o, path, "mac", c->mac);
}

static void build_prefix(struct bld *b, const struct cbox_jnode *o,
			 const char *path, const char *k, struct cbox_prefix *p)
{
	const struct cbox_jnode *n = cbox_jnode_get(o, k);
	char why[300];

	if (n && n->type == CJ_STRING &&
	    cbox_parse_prefix(n->str, p, why, sizeof(why)))
		berr(b, n, path, k, why);
}

static void build_ports(struct bld *b, const struct cbox_jnode *o,
			const char *path, const char *k,
			struct cbox_port_range *r)
{
	const struct cbox_jnode *n = cbox_jnode_get(o, k);
	char why[300];

	if (!n)
		return;
	if (n->type == CJ_NUMBER) {
		if (n->num < 0 || n->num > 65535) {
			snprintf(why, sizeof(why),
				 "port %.17g is outside 0..65535", n->num);
			berr(b, n, path, k, why);
			return;
		}
		r->set = true;
		r->lo = r->hi = (uint16_t)n->num;
	} else if (n->type == CJ_STRING &&
		   cbox_parse_ports(n->str, r, why, sizeof(why))) {
		berr(b, n, path, k, why);
	}
}

static void build_match(struct bld *b, const struct cbox_jnode *o,
			const char *path, struct cbox_match *m)
{
	const struct cbox_jnode *pn = cbox_jnode_get(o, "proto");

	m->loc = o->loc;
	m->path = node_path(o, path);
	m->classifier = field_str(b, o, path, "classifier", "", NULL);
	m->proto = -1;
	if (pn && pn->type == CJ_NUMBER) {
		m->proto = (int)pn->num;
	} else if (pn && pn->type == CJ_STRING) {
		static const struct {
			const char *n;
			int v;
		} protos[] = { { "tcp", 6 }, { "udp", 17 }, { "icmp", 1 },
			       { "icmpv6", 58 } };

		for (size_t i = 0; i < sizeof(protos) / sizeof(protos[0]); i++)
			if (!strcmp(pn->str, protos[i].n))
				m->proto = protos[i].v;
	}
	build_prefix(b, o, path, "src", &m->src);
	build_prefix(b, o, path, "dst", &m->dst);
	if (m->src.set && m->dst.set && m->src.family != m->dst.family)
		berr(b, cbox_jnode_get(o, "dst"), path, "dst",
		     "dst and src are of different IP versions; the rule could never match");
	if ((m->proto == 1 && (m->src.family == 6 || m->dst.family == 6)) ||
	    (m->proto == 58 && (m->src.family == 4 || m->dst.family == 4)))
		berr(b, pn, path, "proto",
		     "proto does not fit the IP version of src/dst");
	build_ports(b, o, path, "sport", &m->sport);
	build_ports(b, o, path, "dport", &m->dport);
}

static void build_chain(struct bld *b, const struct cbox_jnode *o,
			const char *path, struct cbox_chain *c)
{
	const struct cbox_jnode *id = cbox_jnode_get(o, "id");
	const struct cbox_jnode *nodes = cbox_jnode_get(o, "nodes");
	const struct cbox_jnode *match = cbox_jnode_get(o, "match");

	c->loc = o->loc;
	c->path = node_path(o, path);
	if (id && id->type == CJ_NUMBER) {
		if (id->num < 1 || id->num > CBOX_SPI_MAX) {
			char why[200];

			snprintf(why, sizeof(why),
				 "chain id (SPI) %.17g is outside 1..%u (24 bits; 0 is not used)",
				 id->num, CBOX_SPI_MAX);
			berr(b, id, path, "id", why);
		} else {
			c->id = (uint32_t)id->num;
		}
	}
	if (nodes && nodes->type == CJ_ARRAY && nodes->n_kids) {
		c->nodes = calloc(nodes->n_kids, sizeof(*c->nodes));
		if (!c->nodes)
			return;
		for (size_t i = 0; i < nodes->n_kids; i++)
			if (nodes->kids[i]->type == CJ_STRING)
				c->nodes[c->n_nodes++] =
					sdup(b, nodes->kids[i]->str);
	}
	if (match && match->type == CJ_ARRAY && match->n_kids) {
		char *mp = cbox_path_join(path, "match", 5);

		c->match = calloc(match->n_kids, sizeof(*c->match));
		for (size_t i = 0; c->match && mp && i < match->n_kids; i++) {
			char *ip = cbox_path_index(mp, i);

			if (ip && match->kids[i]->type == CJ_OBJECT)
				build_match(b, match->kids[i], ip,
					    &c->match[c->n_match++]);
			free(ip);
		}
		free(mp);
	}
}

/* Sizes the array of a top-level member, NULL when absent. */
static const struct cbox_jnode *top(const struct cbox_jnode *doc,
				    const char *k, void **arr, size_t elem)
{
	const struct cbox_jnode *n = cbox_jnode_get(doc, k);

	*arr = NULL;
	if (!n || n->type != CJ_ARRAY || !n->n_kids)
		return NULL;
	*arr = calloc(n->n_kids, elem);
	return *arr ? n : NULL;
}

static struct cbox_spec *build_spec(const char *name,
				    const struct cbox_jnode *doc,
				    struct cbox_diags *d)
{
	struct cbox_spec *spec = calloc(1, sizeof(*spec));
	struct bld b = { .d = d, .spec = spec };
	const struct cbox_jnode *a;
	char path[64];

	if (!spec || !(spec->file = strdup(name))) {
		free(spec);
		return NULL;
	}
	a = top(doc, "functions", (void **)&spec->functions,
		sizeof(*spec->functions));
	for (size_t i = 0; a && i < a->n_kids; i++) {
		snprintf(path, sizeof(path), "/functions/%zu", i);
		build_function(&b, a->kids[i], path,
			       &spec->functions[spec->n_functions++]);
	}
	a = top(doc, "classifiers", (void **)&spec->classifiers,
		sizeof(*spec->classifiers));
	for (size_t i = 0; a && i < a->n_kids; i++) {
		snprintf(path, sizeof(path), "/classifiers/%zu", i);
		build_classifier(&b, a->kids[i], path,
				 &spec->classifiers[spec->n_classifiers++]);
	}
	a = top(doc, "chains", (void **)&spec->chains, sizeof(*spec->chains));
	for (size_t i = 0; a && i < a->n_kids; i++) {
		snprintf(path, sizeof(path), "/chains/%zu", i);
		build_chain(&b, a->kids[i], path, &spec->chains[spec->n_chains++]);
	}
	return spec;
}

/* ---- loading ---- */

static bool has_ext(const char *name, const char *ext)
{
	size_t n = strlen(name), e = strlen(ext);

	return n > e && !strcasecmp(name + n - e, ext);
}

static enum cbox_format sniff(const char *name, const char *buf, size_t len)
{
	size_t i = 0;

	if (has_ext(name, ".json"))
		return CBOX_FMT_JSON;
	if (has_ext(name, ".yaml") || has_ext(name, ".yml"))
		return CBOX_FMT_YAML;
	if (len >= 3 && !memcmp(buf, "\xef\xbb\xbf", 3))
		i = 3;
	while (i < len && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\r' ||
			   buf[i] == '\n'))
		i++;
	/* YAML flow style also starts with '{', but JSON is the one that
	 * gives exact errors for it, and valid JSON is valid YAML anyway */
	if (i < len && (buf[i] == '{' || buf[i] == '['))
		return CBOX_FMT_JSON;
	/* unrecognizable binary: the JSON reader names the first bad byte */
	if (i < len && ((unsigned char)buf[i] < 0x20 || buf[i] == 0x7f))
		return CBOX_FMT_JSON;
	return CBOX_FMT_YAML;
}

int cbox_load_spec_mem(const char *name, const char *buf, size_t len,
		       enum cbox_format fmt, struct cbox_spec **out,
		       struct cbox_diags *d)
{
	const struct cbox_jnode *schema;
	struct cbox_jnode *doc;
	struct cbox_spec *spec;
	enum cbox_format syntax;

	*out = NULL;
	if (len > CBOX_DOC_MAX_BYTES) {
		diag_error(d, (struct cbox_loc){ 1, 1 }, "",
			   "input is %zu bytes, over the %u MiB limit for a spec",
			   len, CBOX_DOC_MAX_BYTES >> 20);
		return 1;
	}
	syntax = fmt == CBOX_FMT_AUTO ? sniff(name, buf, len) : fmt;
	if (syntax == CBOX_FMT_JSON)
		doc = cbox_json_parse(buf, len, d);
	else
		doc = cbox_yaml_parse(buf, len, d);
	if (!doc)
		return diag_failed(d) ? 1 : 3;
	if (fmt == CBOX_FMT_TOSCA ||
	    (fmt == CBOX_FMT_AUTO &&
	     cbox_jnode_get(doc, "tosca_definitions_version"))) {
		struct cbox_jnode *m = cbox_tosca_map(doc, d);

		cbox_jnode_free(doc);
		if (!m)
			return diag_failed(d) ? 1 : 3;
		doc = m;
	}
	schema = cbox_spec_schema();
	if (!schema) {
		cbox_jnode_free(doc);
		diag_error(d, (struct cbox_loc){ 0, 0 }, "",
			   "internal error: the embedded schema does not parse");
		return 3;
	}
	if (!cbox_schema_validate(schema, doc, d)) {
		cbox_jnode_free(doc);
		return 1;
	}
	spec = build_spec(name, doc, d);
	if (!spec) {
		cbox_jnode_free(doc);
		diag_error(d, (struct cbox_loc){ 0, 0 }, "", "out of memory");
		return 3;
	}
	/* out of memory here only makes the tag look-ups scan */
	cbox_spec_index_build(spec);
	if (!diag_failed(d))
		cbox_check_spec(spec, doc, d);
	cbox_jnode_free(doc);
	if (diag_failed(d)) {
		cbox_spec_free(spec);
		return 1;
	}
	cbox_assign_macs(spec);
	*out = spec;
	return 0;
}

int cbox_load_spec(const char *file, enum cbox_format fmt,
		   struct cbox_spec **spec, struct cbox_diags *d)
{
	size_t cap = 0, len = 0;
	char *buf = NULL;
	struct stat st;
	int fd, rc;

	*spec = NULL;
	fd = strcmp(file, "-") ? open(file, O_RDONLY | O_CLOEXEC) : 0;
	if (fd < 0) {
		diag_sys(d, "cannot open: %s", strerror(errno));
		return 3;
	}
	if (fstat(fd, &st) == 0) {
		if (S_ISDIR(st.st_mode)) {
			diag_sys(d, "is a directory, not a spec file");
			rc = 3;
			goto out;
		}
		/* refuse a huge file before reading it at all */
		if (S_ISREG(st.st_mode) &&
		    (unsigned long long)st.st_size > CBOX_DOC_MAX_BYTES) {
			diag_error(d, (struct cbox_loc){ 1, 1 }, "",
				   "file is %lld bytes, over the %u MiB limit for a spec",
				   (long long)st.st_size,
				   CBOX_DOC_MAX_BYTES >> 20);
			rc = 1;
			goto out;
		}
	}
	for (;;) {
		ssize_t r;

		if (len == cap) {
			char *nb;

			if (cap > CBOX_DOC_MAX_BYTES) {
				diag_error(d, (struct cbox_loc){ 1, 1 }, "",
					   "input is over the %u MiB limit for a spec",
					   CBOX_DOC_MAX_BYTES >> 20);
				rc = 1;
				goto out;
			}
			cap = cap ? cap * 2 : 65536;
			nb = realloc(buf, cap);
			if (!nb) {
				diag_sys(d, "out of memory");
				rc = 3;
				goto out;
			}
			buf = nb;
		}
		r = read(fd, buf + len, cap - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			diag_sys(d, "cannot read: %s", strerror(errno));
			rc = 3;
			goto out;
		}
		if (!r)
			break;
		len += r;
	}
	rc = cbox_load_spec_mem(file, buf ? buf : "", len, fmt, spec, d);
out:
	free(buf);
	if (fd > 0)
		close(fd);
	return rc;
}

/* ---- dump ---- */

static cJSON *str_or_null(const char *s)
{
	return s ? cJSON_CreateString(s) : cJSON_CreateNull();
}

static cJSON *mac_or_null(const uint8_t mac[6], bool known)
{
	char b[18];

	if (!known)
		return cJSON_CreateNull();
	cbox_mac_str(mac, b);
	return cJSON_CreateString(b);
}

static cJSON *prefix_json(const struct cbox_prefix *p)
{
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN + 8];

	if (!p->set)
		return cJSON_CreateNull();
	inet_ntop(p->family == 4 ? AF_INET : AF_INET6, p->addr, a, sizeof(a));
	snprintf(b, sizeof(b), "%s/%u", a, p->len);
	return cJSON_CreateString(b);
}

static cJSON *ports_json(const struct cbox_port_range *r)
{
	char b[16];

	if (!r->set)
		return cJSON_CreateNull();
	snprintf(b, sizeof(b), "%u-%u", r->lo, r->hi);
	return cJSON_CreateString(b);
}

int cbox_spec_dump_json(const struct cbox_spec *spec, FILE *out)
{
	cJSON *root = cJSON_CreateObject(), *a, *o, *m, *n;
	char *text;
	int rc;

	if (!root)
		return -1;
	a = cJSON_AddArrayToObject(root, "chains");
	for (size_t i = 0; a && i < spec->n_chains; i++) {
		const struct cbox_chain *c = &spec->chains[i];

		o = cJSON_CreateObject();
		cJSON_AddItemToArray(a, o);
		cJSON_AddNumberToObject(o, "id", c->id);
		n = cJSON_AddArrayToObject(o, "nodes");
		for (size_t j = 0; n && j < c->n_nodes; j++)
			cJSON_AddItemToArray(n, cJSON_CreateString(c->nodes[j]));
		m = cJSON_AddArrayToObject(o, "match");
		for (size_t j = 0; m && j < c->n_match; j++) {
			const struct cbox_match *r = &c->match[j];
			cJSON *ro = cJSON_CreateObject();

			cJSON_AddItemToArray(m, ro);
			cJSON_AddStringToObject(ro, "classifier", r->classifier);
			if (r->proto < 0)
				cJSON_AddNullToObject(ro, "proto");
			else
				cJSON_AddNumberToObject(ro, "proto", r->proto);
			cJSON_AddItemToObject(ro, "src", prefix_json(&r->src));
			cJSON_AddItemToObject(ro, "dst", prefix_json(&r->dst));
			cJSON_AddItemToObject(ro, "sport", ports_json(&r->sport));
			cJSON_AddItemToObject(ro, "dport", ports_json(&r->dport));
		}
	}
	a = cJSON_AddArrayToObject(root, "functions");
	for (size_t i = 0; a && i < spec->n_functions; i++) {
		const struct cbox_function *f = &spec->functions[i];

		o = cJSON_CreateObject();
		cJSON_AddItemToArray(a, o);
		cJSON_AddStringToObject(o, "tag", f->tag);
		cJSON_AddStringToObject(o, "type", f->type);
		cJSON_AddStringToObject(o, "host", f->host);
		cJSON_AddStringToObject(o, "iface", f->iface);
		cJSON_AddStringToObject(o, "egress_iface", f->egress_iface);
		cJSON_AddItemToObject(o, "netns", str_or_null(f->netns));
		cJSON_AddItemToObject(o, "mac", mac_or_null(f->mac, true));
		cJSON_AddBoolToObject(o, "mac_given", f->mac_given);
		cJSON_AddItemToObject(o, "egress_mac",
				      mac_or_null(f->egress_mac,
						  f->egress_mac_known));
		cJSON_AddBoolToObject(o, "nsh_aware", f->nsh_aware);
	}
	a = cJSON_AddArrayToObject(root, "classifiers");
	for (size_t i = 0; a && i < spec->n_classifiers; i++) {
		const struct cbox_classifier *c = &spec->classifiers[i];

		o = cJSON_CreateObject();
		cJSON_AddItemToArray(a, o);
		cJSON_AddStringToObject(o, "tag", c->tag);
		cJSON_AddStringToObject(o, "host", c->host);
		cJSON_AddStringToObject(o, "iface", c->iface);
		cJSON_AddItemToObject(o, "netns", str_or_null(c->netns));
		cJSON_AddStringToObject(o, "direction",
					c->direction == CBOX_DIR_EGRESS ?
						"egress" : "ingress");
		cJSON_AddItemToObject(o, "mac", mac_or_null(c->mac, c->mac_known));
	}
	text = cJSON_Print(root);
	cJSON_Delete(root);
	if (!text)
		return -1;
	rc = fprintf(out, "%s\n", text) < 0 ? -1 : 0;
	cJSON_free(text);
	return rc;
}

/* ---- CLI helpers ---- */

int cbox_cli_common_opt(int argc, char **argv, int *i, bool *json)
{
	const char *a = argv[*i], *v = NULL;

	if (json && (!strcmp(a, "-j") || !strcmp(a, "--json"))) {
		*json = true;
		(*i)++;
		return 1;
	}
	if (!strcmp(a, "--format")) {
		if (*i + 1 >= argc) {
			fprintf(stderr, "cboxc: --format needs a value (json, yaml or tosca)\n");
			return -1;
		}
		v = argv[*i + 1];
		*i += 2;
	} else if (!strncmp(a, "--format=", 9)) {
		v = a + 9;
		(*i)++;
	} else {
		return 0;
	}
	if (cbox_format_parse(v, &cbox_cli_format)) {
		fprintf(stderr, "cboxc: unknown format \"%s\" (json, yaml or tosca)\n",
			v);
		return -1;
	}
	return 1;
}

void cbox_cli_json_error(const char *msg)
{
	cJSON *o = cJSON_CreateObject();
	char *t;

	cJSON_AddStringToObject(o, "error", msg);
	t = cJSON_PrintUnformatted(o);
	if (t)
		printf("%s\n", t);
	cJSON_free(t);
	cJSON_Delete(o);
}

int cbox_cli_load(const char *file, bool json, struct cbox_spec **spec)
{
	struct cbox_diags d;
	int rc;

	diag_init(&d, file);
	rc = cbox_load_spec(file, cbox_cli_format, spec, &d);
	if (rc && !json) {
		diag_print(&d, stderr);
	} else if (rc) {
		/* one object: "error" sums up, "errors" lists every line */
		cJSON *o = cJSON_CreateObject(), *a;
		char *t;

		cJSON_AddStringToObject(o, "error",
					d.n_lines ? d.lines[0] : file);
		a = cJSON_AddArrayToObject(o, "errors");
		for (int i = 0; a && i < d.n_lines; i++)
			cJSON_AddItemToArray(a, cJSON_CreateString(d.lines[i]));
		cJSON_AddNumberToObject(o, "n_errors", d.n_errors);
		t = cJSON_PrintUnformatted(o);
		if (t)
			printf("%s\n", t);
		cJSON_free(t);
		cJSON_Delete(o);
	}
	diag_free(&d);
	return rc;
}
