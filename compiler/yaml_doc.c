// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * YAML onto the positioned document, driven by libyaml events with an
 * explicit stack (no recursion on the input's nesting). Aliases are expanded
 * by copying, which is what makes alias bombs dangerous: every copy is
 * counted against the alias limit (see json_doc.h) before it is made.
 */
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "yaml_doc.h"

struct anchor {
	char *name;
	struct cbox_jnode *node;
};

struct frame {
	struct cbox_jnode *node;
	struct cbox_hidx keys;	/* mapping: its keys, once it grows */
	char *key;		/* mapping: key waiting for its value */
	size_t key_len;
	struct cbox_loc key_loc;
};

struct yp {
	struct cbox_diags *d;
	struct frame stack[CBOX_DOC_MAX_DEPTH + 1];
	int depth;
	struct cbox_jnode *root;
	struct anchor *anchors;
	size_t n_anchors, cap_anchors;
	struct cbox_hidx anchor_idx;	/* name -> latest anchor of that name */
	size_t n_nodes;		/* values made, copies included */
	size_t n_copied;	/* of which copies made for aliases */
	bool failed;
};

static struct cbox_loc mark_loc(yaml_mark_t m)
{
	return (struct cbox_loc){ (int)m.line + 1, (int)m.column + 1 };
}

static void yerr(struct yp *p, struct cbox_loc loc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void yerr(struct yp *p, struct cbox_loc loc, const char *fmt, ...)
{
	va_list ap;

	/* the first error only: what follows a syntax error is noise */
	if (p->failed)
		return;
	p->failed = true;
	va_start(ap, fmt);
	diag_verror(p->d, loc, "", fmt, ap);
	va_end(ap);
}

static size_t tree_size(const struct cbox_jnode *n, int *depth)
{
	size_t s = 1;
	int deepest = 0;

	for (size_t i = 0; i < n->n_kids; i++) {
		int d = 0;

		s += tree_size(n->kids[i], &d);
		if (d > deepest)
			deepest = d;
	}
	*depth = deepest + (n->type == CJ_ARRAY || n->type == CJ_OBJECT);
	return s;
}

/* [-+]?digits: an integer in decimal */
static bool is_dec_int(const char *s)
{
	if (*s == '-' || *s == '+')
		s++;
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

static bool all_in(const char *s, const char *set)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!strchr(set, *s))
			return false;
	return true;
}

/* [-+]?(.digits|digits(.digits?)?)([eE][-+]?digits)? */
static bool is_float(const char *s)
{
	bool digits = false;

	if (*s == '-' || *s == '+')
		s++;
	while (*s >= '0' && *s <= '9')
		s++, digits = true;
	if (*s == '.') {
		s++;
		while (*s >= '0' && *s <= '9')
			s++, digits = true;
	}
	if (!digits)
		return false;
	if (*s == 'e' || *s == 'E') {
		s++;
		if (*s == '-' || *s == '+')
			s++;
		if (!(*s >= '0' && *s <= '9'))
			return false;
		while (*s >= '0' && *s <= '9')
			s++;
	}
	return !*s;
}

static bool one_of(const char *s, const char *a, const char *b, const char *c)
{
	return !strcmp(s, a) || !strcmp(s, b) || !strcmp(s, c);
}

/* YAML 1.2 core schema resolution of a plain scalar. */
static void resolve_plain(struct cbox_jnode *n)
{
	const char *s = n->str;

	if (!*s || !strcmp(s, "~") || !strcmp(s, "null") ||
	    !strcmp(s, "Null") || !strcmp(s, "NULL")) {
		n->type = CJ_NULL;
	} else if (!strcmp(s, "true") || !strcmp(s, "True") ||
		   !strcmp(s, "TRUE")) {
		n->type = CJ_BOOL;
		n->boolean = true;
	} else if (!strcmp(s, "false") || !strcmp(s, "False") ||
		   !strcmp(s, "FALSE")) {
		n->type = CJ_BOOL;
	} else if (is_dec_int(s)) {
		n->type = CJ_NUMBER;
		n->num = strtod(s, NULL);
	} else if (!strncmp(s, "0o", 2) && all_in(s + 2, "01234567")) {
		n->type = CJ_NUMBER;
		n->num = (double)strtoull(s + 2, NULL, 8);
	} else if (!strncmp(s, "0x", 2) &&
		   all_in(s + 2, "0123456789abcdefABCDEF")) {
		n->type = CJ_NUMBER;
		n->num = (double)strtoull(s + 2, NULL, 16);
	} else if (is_float(s)) {
		n->type = CJ_NUMBER;
		n->num = strtod(s, NULL);
	} else if (one_of(s + (*s == '-' || *s == '+'), ".inf", ".Inf",
			  ".INF")) {
		n->type = CJ_NUMBER;
		n->num = s[0] == '-' ? -INFINITY : INFINITY;
	} else if (one_of(s, ".nan", ".NaN", ".NAN")) {
		n->type = CJ_NUMBER;
		n->num = NAN;
	} else {
		return;
	}
	free(n->str);
	n->str = NULL;
	n->len = 0;
}

static bool anchor_eq(const void *ctx, size_t i, const void *key)
{
	const struct anchor *a = ctx;

	return !strcmp(a[i].name, key);
}

static int record_anchor(struct yp *p, const yaml_char_t *name,
			 struct cbox_jnode *n)
{
	struct anchor *a;
	size_t *i;
	uint64_t h;

	if (!name)
		return 0;
	if (p->n_anchors == p->cap_anchors) {
		size_t cap = p->cap_anchors ? 2 * p->cap_anchors : 16;

		a = realloc(p->anchors, cap * sizeof(*a));
		if (!a)
			return -1;
		p->anchors = a;
		p->cap_anchors = cap;
	}
	a = &p->anchors[p->n_anchors];
	a->name = strdup((const char *)name);
	a->node = n;
	if (!a->name)
		return -1;
	p->n_anchors++;
	h = cbox_hash_str(a->name);
	/* a later anchor of the same name shadows the earlier one */
	i = cbox_hidx_find(&p->anchor_idx, h, anchor_eq, p->anchors, a->name);
	if (i)
		*i = p->n_anchors - 1;
	else if (cbox_hidx_add(&p->anchor_idx, h, p->n_anchors - 1))
		return -1;
	return 0;
}

/* Attaches a finished or just-opened value to the current container. */
static int attach(struct yp *p, struct cbox_jnode *n, struct cbox_loc loc)
{
	struct frame *f;

	if (!p->depth) {
		p->root = n;
		return 0;
	}
	f = &p->stack[p->depth - 1];
	if (f->node->type == CJ_OBJECT) {
		n->key = f->key;
		n->key_len = f->key_len;
		n->key_loc = f->key_loc;
		f->key = NULL;
	}
	if (cbox_jnode_append(f->node, n)) {
		yerr(p, loc, "out of memory");
		return -1;
	}
	return 0;
}

/* True when the current container is a mapping waiting for a key. */
static bool want_key(const struct yp *p)
{
	const struct frame *f;

	if (!p->depth)
		return false;
	f = &p->stack[p->depth - 1];
	return f->node->type == CJ_OBJECT && !f->key;
}

static int take_key(struct yp *p, const yaml_event_t *e)
{
	struct frame *f = &p->stack[p->depth - 1];
	struct cbox_loc loc = mark_loc(e->start_mark);
	const char *k = (const char *)e->data.scalar.value;
	size_t kl = e->data.scalar.length;
	const struct cbox_jnode *o;

	o = cbox_jnode_find_key(f->node, &f->keys, k, kl);
	if (o) {
		yerr(p, loc, "duplicate key \"%s\" (first at line %d column %d)",
		     k, o->key_loc.line, o->key_loc.col);
		return -1;
	}
	f->key = malloc(kl + 1);
	if (!f->key) {
		yerr(p, loc, "out of memory");
		return -1;
	}
	memcpy(f->key, k, kl + 1);
	f->key_len = kl;
	f->key_loc = loc;
	if (e->data.scalar.anchor)
		/* anchoring a key is legal YAML but useless here */
		return 0;
	return 0;
}

static int on_scalar(struct yp *p, const yaml_event_t *e)
{
	struct cbox_loc loc = mark_loc(e->start_mark);
	const char *tag = (const char *)e->data.scalar.tag;
	struct cbox_jnode *n;

	if (want_key(p))
		return take_key(p, e);
	if (++p->n_nodes > CBOX_DOC_MAX_NODES) {
		yerr(p, loc, "document has more than %d values",
		     CBOX_DOC_MAX_NODES);
		return -1;
	}
	n = cbox_jnode_new(CJ_STRING, loc);
	if (!n || !(n->str = malloc(e->data.scalar.length + 1))) {
		cbox_jnode_free(n);
		yerr(p, loc, "out of memory");
		return -1;
	}
	memcpy(n->str, e->data.scalar.value, e->data.scalar.length + 1);
	n->len = e->data.scalar.length;
	if (e->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
	    (!tag || !strcmp(tag, "!")) && !memchr(n->str, 0, n->len))
		resolve_plain(n);
	if (attach(p, n, loc)) {
		cbox_jnode_free(n);
		return -1;
	}
	return record_anchor(p, e->data.scalar.anchor, n);
}

static int on_start(struct yp *p, const yaml_event_t *e, bool map)
{
	struct cbox_loc loc = mark_loc(e->start_mark);
	const yaml_char_t *anchor = map ? e->data.mapping_start.anchor :
					  e->data.sequence_start.anchor;
	struct cbox_jnode *n;

	if (want_key(p)) {
		yerr(p, loc,
		     "a %s cannot be a mapping key; keys must be plain text",
		     map ? "mapping" : "sequence");
		return -1;
	}
	if (p->depth >= CBOX_DOC_MAX_DEPTH) {
		yerr(p, loc, "nesting deeper than %d levels",
		     CBOX_DOC_MAX_DEPTH);
		return -1;
	}
	if (++p->n_nodes > CBOX_DOC_MAX_NODES) {
		yerr(p, loc, "document has more than %d values",
		     CBOX_DOC_MAX_NODES);
		return -1;
	}
	n = cbox_jnode_new(map ? CJ_OBJECT : CJ_ARRAY, loc);
	if (!n) {
		yerr(p, loc, "out of memory");
		return -1;
	}
	if (attach(p, n, loc)) {
		cbox_jnode_free(n);
		return -1;
	}
	p->stack[p->depth++] = (struct frame){ .node = n };
	return record_anchor(p, anchor, n);
}

static int on_alias(struct yp *p, const yaml_event_t *e)
{
	struct cbox_loc loc = mark_loc(e->start_mark);
	const char *name = (const char *)e->data.alias.anchor;
	struct cbox_jnode *src = NULL, *c;
	size_t size, own, limit, *ai;
	int depth;

	ai = cbox_hidx_find(&p->anchor_idx, cbox_hash_str(name), anchor_eq,
			    p->anchors, name);
	if (ai)
		src = p->anchors[*ai].node;
	if (!src) {
		yerr(p, loc, "alias *%s names no anchor defined before it", name);
		return -1;
	}
	if (want_key(p)) {
		yerr(p, loc, "alias *%s used as a mapping key; keys must be plain text",
		     name);
		return -1;
	}
	for (int i = 0; i < p->depth; i++)
		if (p->stack[i].node == src) {
			yerr(p, loc,
			     "alias *%s refers to a mapping or sequence that contains it (a cycle)",
			     name);
			return -1;
		}
	size = tree_size(src, &depth);
	own = p->n_nodes - p->n_copied;
	limit = 2 * own > CBOX_DOC_ALIAS_FLOOR ? 2 * own : CBOX_DOC_ALIAS_FLOOR;
	if (limit > CBOX_DOC_MAX_NODES)
		limit = CBOX_DOC_MAX_NODES;
	if (p->n_nodes + size > limit) {
		yerr(p, loc,
		     "alias *%s would expand the document beyond %zu values (alias bomb?)",
		     name, limit);
		return -1;
	}
	if (p->depth + depth > CBOX_DOC_MAX_DEPTH) {
		yerr(p, loc, "alias *%s would nest deeper than %d levels", name,
		     CBOX_DOC_MAX_DEPTH);
		return -1;
	}
	p->n_nodes += size;
	p->n_copied += size;
	c = cbox_jnode_copy(src);
	if (!c) {
		yerr(p, loc, "out of memory");
		return -1;
	}
	/* the copy is reported where the alias stands */
	c->loc = loc;
	free(c->key);
	c->key = NULL;
	c->key_len = 0;
	if (attach(p, c, loc)) {
		cbox_jnode_free(c);
		return -1;
	}
	return 0;
}

/* Decodes one UTF-8 sequence; its length, 0 when invalid. */
static size_t utf8_cp(const unsigned char *s, size_t n, uint32_t *cp)
{
	size_t len;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, *cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, *cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, *cp = s[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		*cp = *cp << 6 | (s[i] & 0x3f);
	}
	if ((len == 3 && *cp < 0x800) || (len == 4 && *cp < 0x10000) ||
	    *cp > 0x10ffff || (*cp >= 0xd800 && *cp <= 0xdfff))
		return 0;
	return len;
}

/*
 * libyaml checks characters a buffer at a time and reports such errors at
 * the start of the buffer; checking here first gives the exact place.
 */
static int yaml_precheck(const char *buf, size_t len, struct cbox_diags *d)
{
	const unsigned char *s = (const unsigned char *)buf;
	int line = 1, col = 1;

	for (size_t i = 0; i < len;) {
		uint32_t cp;
		size_t n = utf8_cp(s + i, len - i, &cp);

		if (!n) {
			diag_error(d, (struct cbox_loc){ line, col }, "",
				   "invalid UTF-8 (byte 0x%02x)", s[i]);
			return -1;
		}
		/* YAML 1.2 c-printable, plus the BOM */
		if (!(cp == 0x9 || cp == 0xa || cp == 0xd ||
		      (cp >= 0x20 && cp <= 0x7e) || cp == 0x85 ||
		      (cp >= 0xa0 && cp <= 0xfffd && (cp < 0xd800 || cp > 0xdfff)) ||
		      cp >= 0x10000) || cp == 0xfffe) {
			diag_error(d, (struct cbox_loc){ line, col }, "",
				   "control character U+%04X is not allowed in YAML",
				   cp);
			return -1;
		}
		if (cp == '\n') {
			line++;
			col = 1;
		} else if (cp != 0xfeff || i) {
			col++;
		}
		i += n;
	}
	return 0;
}

struct cbox_jnode *cbox_yaml_parse(const char *buf, size_t len,
				   struct cbox_diags *d)
{
	struct yp p = { .d = d };
	yaml_parser_t parser;
	bool done = false;
	int docs = 0;

	if (yaml_precheck(buf, len, d))
		return NULL;
	if (!yaml_parser_initialize(&parser)) {
		diag_error(d, (struct cbox_loc){ 0, 0 }, "",
			   "cannot initialize the YAML parser");
		return NULL;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
	while (!done && !p.failed) {
		yaml_event_t e;

		if (!yaml_parser_parse(&parser, &e)) {
			const char *ctx = parser.context;

			yerr(&p, mark_loc(parser.problem_mark), "YAML: %s%s%s",
			     parser.problem ? parser.problem : "syntax error",
			     ctx ? " " : "", ctx ? ctx : "");
			break;
		}
		switch (e.type) {
		case YAML_STREAM_END_EVENT:
			done = true;
			break;
		case YAML_DOCUMENT_START_EVENT:
			if (++docs > 1)
				yerr(&p, mark_loc(e.start_mark),
				     "more than one YAML document; a spec is one document");
			break;
		case YAML_SCALAR_EVENT:
			on_scalar(&p, &e);
			break;
		case YAML_SEQUENCE_START_EVENT:
			on_start(&p, &e, false);
			break;
		case YAML_MAPPING_START_EVENT:
			on_start(&p, &e, true);
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			if (p.depth)
				cbox_hidx_free(&p.stack[--p.depth].keys);
			break;
		case YAML_ALIAS_EVENT:
			on_alias(&p, &e);
			break;
		default:
			break;
		}
		yaml_event_delete(&e);
	}
	yaml_parser_delete(&parser);
	for (int i = 0; i < p.depth; i++) {
		free(p.stack[i].key);
		cbox_hidx_free(&p.stack[i].keys);
	}
	for (size_t i = 0; i < p.n_anchors; i++)
		free(p.anchors[i].name);
	free(p.anchors);
	cbox_hidx_free(&p.anchor_idx);
	if (!p.failed && !p.root)
		yerr(&p, (struct cbox_loc){ 1, 1 },
		     "empty document (no YAML content)");
	if (p.failed) {
		cbox_jnode_free(p.root);
		return NULL;
	}
	return p.root;
}
