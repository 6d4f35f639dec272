// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * TOSCA-like profile -> plain spec document. Only the structure is checked
 * here (what node types exist, where properties live); the values are copied
 * with their positions and TOSCA paths, so that the schema and the semantic
 * checks judge them and their messages point into the TOSCA file.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "tosca.h"

struct tm {
	struct cbox_diags *d;
	bool oom;
	struct cbox_jnode *functions, *classifiers, *chains;
};

static void terr(struct tm *t, const struct cbox_jnode *n, const char *path,
		 const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void terr(struct tm *t, const struct cbox_jnode *n, const char *path,
		 const char *fmt, ...)
{
	char msg[300];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	diag_error(t->d, n->loc, path, "%s", msg);
}

/* Gives n and everything below it its TOSCA path. */
static int set_opath(struct cbox_jnode *n, const char *path)
{
	free(n->opath);
	n->opath = strdup(path);
	if (!n->opath)
		return -1;
	for (size_t i = 0; i < n->n_kids; i++) {
		struct cbox_jnode *k = n->kids[i];
		char *p = n->type == CJ_OBJECT ?
				  cbox_path_join(path, k->key, k->key_len) :
				  cbox_path_index(path, i);

		if (!p || set_opath(k, p)) {
			free(p);
			return -1;
		}
		free(p);
	}
	return 0;
}

/* Appends a copy of src as member key of obj (or item, key NULL). */
static struct cbox_jnode *put(struct tm *t, struct cbox_jnode *obj,
			      const char *key, const struct cbox_jnode *src,
			      const char *opath)
{
	struct cbox_jnode *c = cbox_jnode_copy(src);

	if (!c || set_opath(c, opath))
		goto oom;
	free(c->key);
	c->key = key ? strdup(key) : NULL;
	c->key_len = key ? strlen(key) : 0;
	c->key_loc = src->key_loc.line ? src->key_loc : src->loc;
	if ((key && !c->key) || cbox_jnode_append(obj, c))
		goto oom;
	return c;
oom:
	cbox_jnode_free(c);
	t->oom = true;
	return NULL;
}

static struct cbox_jnode *new_obj(struct tm *t, enum cbox_jtype type,
				  struct cbox_loc loc, const char *opath)
{
	struct cbox_jnode *n = cbox_jnode_new(type, loc);

	if (!n || !(n->opath = strdup(opath))) {
		cbox_jnode_free(n);
		t->oom = true;
		return NULL;
	}
	return n;
}

static void add_kid(struct tm *t, struct cbox_jnode *parent, const char *key,
		    struct cbox_jnode *kid)
{
	if (!kid)
		return;
	if (key) {
		kid->key = strdup(key);
		kid->key_len = strlen(key);
		kid->key_loc = kid->loc;
	}
	if ((key && !kid->key) || cbox_jnode_append(parent, kid))
		t->oom = true;
}

/* Keys a TOSCA object may hold besides those the mapping reads. */
static void only_keys(struct tm *t, const struct cbox_jnode *o,
		      const char *path, const char *const *allowed)
{
	for (size_t i = 0; o && o->type == CJ_OBJECT && i < o->n_kids; i++) {
		const struct cbox_jnode *k = o->kids[i];
		bool ok = false;

		for (const char *const *a = allowed; *a && !ok; a++)
			ok = k->key_len == strlen(*a) && !strcmp(k->key, *a);
		if (!ok) {
			char *p = cbox_path_join(path, k->key, k->key_len);

			diag_error(t->d, k->key_loc, p ? p : path,
				   "unknown field \"%s\"", k->key);
			free(p);
		}
	}
}

static const struct cbox_jnode *want(struct tm *t, const struct cbox_jnode *o,
				     const char *path, const char *key,
				     enum cbox_jtype type)
{
	const struct cbox_jnode *n = cbox_jnode_get(o, key);
	char *p;

	if (!n) {
		terr(t, o, path, "missing required field \"%s\"", key);
		return NULL;
	}
	if (n->type != type) {
		p = cbox_path_join(path, key, strlen(key));
		diag_error(t->d, n->loc, p ? p : path, "expected %s, got %s",
			   cbox_jtype_name(type), cbox_jtype_name(n->type));
		free(p);
		return NULL;
	}
	return n;
}

/* SF and classifier nodes: properties copied one to one, the node name is
 * the tag unless properties.tag says otherwise. */
static void map_box(struct tm *t, const struct cbox_jnode *node,
		    const char *path, struct cbox_jnode *list)
{
	const struct cbox_jnode *props = cbox_jnode_get(node, "properties");
	struct cbox_jnode *o, *tag;
	char *pp = cbox_path_join(path, "properties", 10);

	o = new_obj(t, CJ_OBJECT, node->loc, path);
	if (!o || !pp) {
		free(pp);
		cbox_jnode_free(o);
		t->oom = true;
		return;
	}
	if (props && props->type != CJ_OBJECT) {
		diag_error(t->d, props->loc, pp, "expected object, got %s",
			   cbox_jtype_name(props->type));
		props = NULL;
	}
	if (!cbox_jnode_get(props, "tag")) {
		tag = new_obj(t, CJ_STRING, node->key_loc, path);
		if (tag && !(tag->str = strndup(node->key, node->key_len))) {
			cbox_jnode_free(tag);
			tag = NULL;
			t->oom = true;
		}
		if (tag)
			tag->len = node->key_len;
		add_kid(t, o, "tag", tag);
	}
	for (size_t i = 0; props && i < props->n_kids; i++) {
		const struct cbox_jnode *k = props->kids[i];
		char *kp = cbox_path_join(pp, k->key, k->key_len);

		if (kp)
			put(t, o, k->key, k, kp);
		free(kp);
	}
	free(pp);
	if (cbox_jnode_append(list, o))
		t->oom = true;
}

static void map_criteria(struct tm *t, const struct cbox_jnode *crit,
			 const char *path, struct cbox_jnode *match)
{
	static const char *const ren[][2] = {
		{ "classifier", "classifier" },
		{ "ip_proto", "proto" },
		{ "ip_src_prefix", "src" },
		{ "ip_dst_prefix", "dst" },
		{ "source_port_range", "sport" },
		{ "destination_port_range", "dport" },
	};

	for (size_t i = 0; i < crit->n_kids; i++) {
		const struct cbox_jnode *c = crit->kids[i];
		char *cp = cbox_path_index(path, i);
		struct cbox_jnode *m;

		if (!cp) {
			t->oom = true;
			return;
		}
		if (c->type != CJ_OBJECT) {
			diag_error(t->d, c->loc, cp,
				   "expected a criteria object, got %s",
				   cbox_jtype_name(c->type));
			free(cp);
			continue;
		}
		m = new_obj(t, CJ_OBJECT, c->loc, cp);
		for (size_t j = 0; m && j < c->n_kids; j++) {
			const struct cbox_jnode *k = c->kids[j];
			const char *to = k->key;
			char *kp = cbox_path_join(cp, k->key, k->key_len);

			/* "name" labels a criterion in Tacker; no meaning here */
			if (!strcmp(k->key, "name")) {
				free(kp);
				continue;
			}
			for (size_t r = 0; r < sizeof(ren) / sizeof(ren[0]); r++)
				if (!strcmp(k->key, ren[r][0]))
					to = ren[r][1];
			if (kp)
				put(t, m, to, k, kp);
			free(kp);
		}
		if (m && cbox_jnode_append(match, m))
			t->oom = true;
		free(cp);
	}
}

static void map_fp(struct tm *t, const struct cbox_jnode *node,
		   const char *path)
{
	static const char *const fp_keys[] = { "id", "path", "policy",
					       "description", NULL };
	static const char *const pol_keys[] = { "type", "criteria", NULL };
	const struct cbox_jnode *props, *id, *fpath, *pol;
	struct cbox_jnode *c, *nodes;
	char *pp = cbox_path_join(path, "properties", 10), *xp = NULL;

	if (!pp) {
		t->oom = true;
		return;
	}
	props = want(t, node, path, "properties", CJ_OBJECT);
	if (!props)
		goto out;
	only_keys(t, props, pp, fp_keys);
	id = want(t, props, pp, "id", CJ_NUMBER);
	fpath = want(t, props, pp, "path", CJ_ARRAY);
	c = new_obj(t, CJ_OBJECT, node->loc, path);
	if (!c)
		goto out;
	if (id) {
		xp = cbox_path_join(pp, "id", 2);
		if (xp)
			put(t, c, "id", id, xp);
		free(xp);
	}
	xp = cbox_path_join(pp, "path", 4);
	nodes = new_obj(t, CJ_ARRAY, fpath ? fpath->loc : node->loc,
			xp ? xp : pp);
	for (size_t i = 0; fpath && nodes && i < fpath->n_kids; i++) {
		const struct cbox_jnode *hop = fpath->kids[i], *fw;
		char *hp = cbox_path_index(xp ? xp : pp, i), *fp;

		if (!hp) {
			t->oom = true;
			break;
		}
		if (hop->type != CJ_OBJECT) {
			diag_error(t->d, hop->loc, hp,
				   "expected an object with \"forwarder\", got %s",
				   cbox_jtype_name(hop->type));
		} else if ((fw = want(t, hop, hp, "forwarder", CJ_STRING))) {
			static const char *const hop_keys[] = {
				"forwarder", "capability", NULL
			};

			only_keys(t, hop, hp, hop_keys);
			fp = cbox_path_join(hp, "forwarder", 9);
			if (fp)
				put(t, nodes, NULL, fw, fp);
			free(fp);
		}
		free(hp);
	}
	free(xp);
	add_kid(t, c, "nodes", nodes);
	pol = cbox_jnode_get(props, "policy");
	if (pol) {
		char *polp = cbox_path_join(pp, "policy", 6);
		const struct cbox_jnode *crit;

		if (pol->type != CJ_OBJECT) {
			diag_error(t->d, pol->loc, polp ? polp : pp,
				   "expected object, got %s",
				   cbox_jtype_name(pol->type));
		} else {
			only_keys(t, pol, polp ? polp : pp, pol_keys);
			crit = want(t, pol, polp ? polp : pp, "criteria",
				    CJ_ARRAY);
			if (crit) {
				char *cp = cbox_path_join(polp ? polp : pp,
							  "criteria", 8);
				struct cbox_jnode *m =
					new_obj(t, CJ_ARRAY, crit->loc,
						cp ? cp : pp);

				if (m && cp)
					map_criteria(t, crit, cp, m);
				add_kid(t, c, "match", m);
				free(cp);
			}
		}
		free(polp);
	}
	if (cbox_jnode_append(t->chains, c))
		t->oom = true;
out:
	free(pp);
}

static bool is_type(const char *s, const char *const *types)
{
	for (; *types; types++)
		if (!strcmp(s, *types))
			return true;
	return false;
}

struct cbox_jnode *cbox_tosca_map(const struct cbox_jnode *doc,
				  struct cbox_diags *d)
{
	static const char *const top_keys[] = { "tosca_definitions_version",
						"description", "metadata",
						"imports", "topology_template",
						NULL };
	static const char *const tt_keys[] = { "description", "node_templates",
					       "groups", "inputs", NULL };
	static const char *const node_keys[] = { "type", "description",
						 "properties", "requirements",
						 "capabilities", NULL };
	static const char *const sf_types[] = { "tosca.nodes.nfv.VNF",
						"tosca.nodes.nfv.VDU.Tacker",
						"cbox.nodes.SF", NULL };
	static const char *const cls_types[] = { "cbox.nodes.Classifier",
						 NULL };
	static const char *const fp_types[] = { "tosca.nodes.nfv.FP",
						"tosca.nodes.nfv.FP.TackerV2",
						"tosca.nodes.nfv.FP.Tacker",
						NULL };
	struct tm t = { .d = d };
	const struct cbox_jnode *tt, *nt;
	struct cbox_jnode *out = NULL;
	struct cbox_loc l0;

	if (doc->type != CJ_OBJECT) {
		diag_error(d, doc->loc, "",
			   "a TOSCA template must be a mapping, not %s",
			   cbox_jtype_name(doc->type));
		return NULL;
	}
	only_keys(&t, doc, "", top_keys);
	if (!want(&t, doc, "", "tosca_definitions_version", CJ_STRING))
		return NULL;
	tt = want(&t, doc, "", "topology_template", CJ_OBJECT);
	if (!tt)
		return NULL;
	only_keys(&t, tt, "/topology_template", tt_keys);
	nt = want(&t, tt, "/topology_template", "node_templates", CJ_OBJECT);
	if (!nt)
		return NULL;
	l0 = doc->loc;
	out = new_obj(&t, CJ_OBJECT, l0, "");
	t.functions = new_obj(&t, CJ_ARRAY, nt->loc,
			      "/topology_template/node_templates");
	t.classifiers = new_obj(&t, CJ_ARRAY, nt->loc,
				"/topology_template/node_templates");
	t.chains = new_obj(&t, CJ_ARRAY, nt->loc,
			   "/topology_template/node_templates");
	if (!out || !t.functions || !t.classifiers || !t.chains)
		goto oom;
	for (size_t i = 0; i < nt->n_kids; i++) {
		const struct cbox_jnode *node = nt->kids[i], *type;
		char *np = cbox_path_join("/topology_template/node_templates",
					  node->key, node->key_len);

		if (!np)
			goto oom;
		if (node->type != CJ_OBJECT) {
			diag_error(d, node->loc, np,
				   "expected a node template (mapping), got %s",
				   cbox_jtype_name(node->type));
		} else if ((type = want(&t, node, np, "type", CJ_STRING))) {
			only_keys(&t, node, np, node_keys);
			if (is_type(type->str, sf_types))
				map_box(&t, node, np, t.functions);
			else if (is_type(type->str, cls_types))
				map_box(&t, node, np, t.classifiers);
			else if (is_type(type->str, fp_types))
				map_fp(&t, node, np);
			else {
				char *tp = cbox_path_join(np, "type", 4);

				diag_error(d, type->loc, tp ? tp : np,
					   "unsupported node type \"%s\" (use tosca.nodes.nfv.VNF or cbox.nodes.SF, cbox.nodes.Classifier, tosca.nodes.nfv.FP)",
					   type->str);
				free(tp);
			}
		}
		free(np);
		if (t.oom)
			goto oom;
	}
	add_kid(&t, out, "chains", t.chains);
	add_kid(&t, out, "functions", t.functions);
	t.chains = t.functions = NULL;
	if (t.classifiers->n_kids)
		add_kid(&t, out, "classifiers", t.classifiers);
	else
		cbox_jnode_free(t.classifiers);
	t.classifiers = NULL;
	if (t.oom)
		goto oom;
	if (diag_failed(d)) {
		cbox_jnode_free(out);
		return NULL;
	}
	return out;
oom:
	diag_error(d, doc->loc, "", "out of memory");
	cbox_jnode_free(out);
	cbox_jnode_free(t.functions);
	cbox_jnode_free(t.classifiers);
	cbox_jnode_free(t.chains);
	return NULL;
}
