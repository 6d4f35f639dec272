// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Positioned document tree and its JSON reader. cJSON keeps no positions and
 * silently accepts duplicate keys, so input JSON is read here, straight into
 * the positioned tree; cJSON is used where positions do not matter (writing
 * the normalized model). Recursion is bounded by CBOX_DOC_MAX_DEPTH, so a
 * 10000-deep document is an error, not a stack overflow.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_doc.h"

struct cbox_jnode *cbox_jnode_new(enum cbox_jtype type, struct cbox_loc loc)
{
	struct cbox_jnode *n = calloc(1, sizeof(*n));

	if (n) {
		n->type = type;
		n->loc = loc;
	}
	return n;
}

int cbox_jnode_append(struct cbox_jnode *parent, struct cbox_jnode *kid)
{
	if (parent->n_kids == parent->cap) {
		size_t cap = parent->cap ? parent->cap * 2 : 4;
		struct cbox_jnode **k = realloc(parent->kids, cap * sizeof(*k));

		if (!k) {
			cbox_jnode_free(kid);
			return -1;
		}
		parent->kids = k;
		parent->cap = cap;
	}
	parent->kids[parent->n_kids++] = kid;
	return 0;
}

void cbox_jnode_free(struct cbox_jnode *n)
{
	if (!n)
		return;
	for (size_t i = 0; i < n->n_kids; i++)
		cbox_jnode_free(n->kids[i]);
	free(n->kids);
	free(n->key);
	free(n->str);
	free(n->opath);
	free(n);
}

static char *memdup0(const char *s, size_t len)
{
	char *p = malloc(len + 1);

	if (p) {
		memcpy(p, s, len);
		p[len] = 0;
	}
	return p;
}

struct cbox_jnode *cbox_jnode_copy(const struct cbox_jnode *n)
{
	struct cbox_jnode *c = cbox_jnode_new(n->type, n->loc);

	if (!c)
		return NULL;
	c->key_loc = n->key_loc;
	c->boolean = n->boolean;
	c->num = n->num;
	c->len = n->len;
	c->key_len = n->key_len;
	if ((n->key && !(c->key = memdup0(n->key, n->key_len))) ||
	    (n->str && !(c->str = memdup0(n->str, n->len))) ||
	    (n->opath && !(c->opath = strdup(n->opath))))
		goto fail;
	for (size_t i = 0; i < n->n_kids; i++) {
		struct cbox_jnode *k = cbox_jnode_copy(n->kids[i]);

		if (!k || cbox_jnode_append(c, k))
			goto fail;
	}
	return c;
fail:
	cbox_jnode_free(c);
	return NULL;
}

struct cbox_jnode *cbox_jnode_get(const struct cbox_jnode *n, const char *key)
{
	size_t kl = strlen(key);

	if (!n || n->type != CJ_OBJECT)
		return NULL;
	for (size_t i = 0; i < n->n_kids; i++)
		if (n->kids[i]->key_len == kl && !memcmp(n->kids[i]->key, key, kl))
			return n->kids[i];
	return NULL;
}

/* members below this are found by a scan: cheaper than hashing */
#define KEY_SCAN_MAX 8

struct key_ref {
	const char *s;
	size_t len;
};

static bool member_eq(const void *ctx, size_t i, const void *key)
{
	const struct cbox_jnode *o = ctx;
	const struct key_ref *k = key;

	return o->kids[i]->key_len == k->len &&
	       !memcmp(o->kids[i]->key, k->s, k->len);
}

struct cbox_jnode *cbox_jnode_find_key(const struct cbox_jnode *obj,
				       struct cbox_hidx *ki, const char *key,
				       size_t kl)
{
	struct key_ref k = { key, kl };
	size_t *i;

	if (obj->n_kids <= KEY_SCAN_MAX || !ki) {
		for (size_t j = 0; j < obj->n_kids; j++)
			if (member_eq(obj, j, &k))
				return obj->kids[j];
		return NULL;
	}
	/* catch up with the members appended since the last call */
	while (ki->n < obj->n_kids) {
		const struct cbox_jnode *m = obj->kids[ki->n];

		if (cbox_hidx_add(ki, cbox_hash(m->key, m->key_len), ki->n)) {
			cbox_hidx_free(ki);
			return cbox_jnode_find_key(obj, NULL, key, kl);
		}
	}
	i = cbox_hidx_find(ki, cbox_hash(key, kl), member_eq, obj, &k);
	return i ? obj->kids[*i] : NULL;
}

struct cbox_jnode *cbox_jnode_at(const struct cbox_jnode *root,
				 const char *p)
{
	const struct cbox_jnode *n = root;
	char tok[512];

	while (n && *p) {
		size_t tl = 0;

		if (*p != '/')
			return NULL;
		p++;
		while (*p && *p != '/') {
			char c = *p++;

			if (c == '~' && (*p == '0' || *p == '1'))
				c = *p++ == '0' ? '~' : '/';
			if (tl + 1 >= sizeof(tok))
				return NULL;
			tok[tl++] = c;
		}
		tok[tl] = 0;
		if (n->type == CJ_OBJECT) {
			const struct cbox_jnode *f = NULL;

			for (size_t i = 0; i < n->n_kids && !f; i++)
				if (n->kids[i]->key_len == tl &&
				    !memcmp(n->kids[i]->key, tok, tl))
					f = n->kids[i];
			n = f;
		} else if (n->type == CJ_ARRAY) {
			char *end;
			unsigned long idx;

			if (!tl || (tl > 1 && tok[0] == '0'))
				return NULL;
			errno = 0;
			idx = strtoul(tok, &end, 10);
			if (*end || errno || idx >= n->n_kids)
				return NULL;
			n = n->kids[idx];
		} else {
			return NULL;
		}
	}
	return (struct cbox_jnode *)n;
}

bool cbox_jnode_equal(const struct cbox_jnode *a, const struct cbox_jnode *b)
{
	if (a->type != b->type)
		return false;
	switch (a->type) {
	case CJ_NULL:
		return true;
	case CJ_BOOL:
		return a->boolean == b->boolean;
	case CJ_NUMBER:
		return a->num == b->num;
	case CJ_STRING:
		return a->len == b->len && !memcmp(a->str, b->str, a->len);
	case CJ_ARRAY:
		if (a->n_kids != b->n_kids)
			return false;
		for (size_t i = 0; i < a->n_kids; i++)
			if (!cbox_jnode_equal(a->kids[i], b->kids[i]))
				return false;
		return true;
	case CJ_OBJECT: {
		struct cbox_hidx ki = { 0 };
		bool eq = a->n_kids == b->n_kids;

		/* members in any order: b's are looked up by name */
		for (size_t i = 0; eq && i < a->n_kids; i++) {
			const struct cbox_jnode *ka = a->kids[i], *kb;

			kb = cbox_jnode_find_key(b, &ki, ka->key, ka->key_len);
			eq = kb && cbox_jnode_equal(ka, kb);
		}
		cbox_hidx_free(&ki);
		return eq;
	}
	}
	return false;
}

const char *cbox_jtype_name(enum cbox_jtype t)
{
	static const char *const names[] = { "null",   "boolean", "number",
					     "string", "array",   "object" };

	return t <= CJ_OBJECT ? names[t] : "?";
}

char *cbox_path_join(const char *base, const char *tok, size_t tl)
{
	size_t bl = strlen(base), extra = 0;
	char *p, *o;

	for (size_t i = 0; i < tl; i++)
		extra += tok[i] == '~' || tok[i] == '/';
	p = malloc(bl + 1 + tl + extra + 1);
	if (!p)
		return NULL;
	memcpy(p, base, bl);
	o = p + bl;
	*o++ = '/';
	for (size_t i = 0; i < tl; i++) {
		if (tok[i] == '~' || tok[i] == '/') {
			*o++ = '~';
			*o++ = tok[i] == '~' ? '0' : '1';
		} else {
			/* a NUL inside a name would cut the message short */
			*o++ = tok[i] ? tok[i] : '?';
		}
	}
	*o = 0;
	return p;
}

char *cbox_path_index(const char *base, size_t idx)
{
	char num[32];

	snprintf(num, sizeof(num), "%zu", idx);
	return cbox_path_join(base, num, strlen(num));
}

/* ---- JSON reader ---- */

struct jp {
	const char *buf;
	size_t len, pos;
	int line;
	size_t line_start;
	size_t n_nodes;
	struct cbox_diags *d;
	bool failed;
};

static struct cbox_loc jp_loc_at(const struct jp *p, size_t pos)
{
	/* columns count bytes from the line start, 1-based */
	return (struct cbox_loc){ p->line, (int)(pos - p->line_start) + 1 };
}

static struct cbox_loc jp_loc(const struct jp *p)
{
	return jp_loc_at(p, p->pos);
}

static void jp_err(struct jp *p, struct cbox_loc loc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void jp_err(struct jp *p, struct cbox_loc loc, const char *fmt, ...)
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

static void jp_ws(struct jp *p)
{
	while (p->pos < p->len) {
		char c = p->buf[p->pos];

		if (c == '\n') {
			p->line++;
			p->line_start = p->pos + 1;
		} else if (c != ' ' && c != '\t' && c != '\r') {
			break;
		}
		p->pos++;
	}
}

static void jp_unexpected(struct jp *p, const char *what)
{
	unsigned char c;

	if (p->pos >= p->len) {
		jp_err(p, jp_loc(p), "unexpected end of input, expected %s",
		       what);
		return;
	}
	c = p->buf[p->pos];
	if (c >= 0x20 && c < 0x7f)
		jp_err(p, jp_loc(p), "unexpected '%c', expected %s", c, what);
	else
		jp_err(p, jp_loc(p), "unexpected byte 0x%02x, expected %s", c,
		       what);
}

/* Length of a valid UTF-8 sequence at s (max n bytes), 0 when invalid. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
	uint32_t cp;
	size_t len, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

static int hex4(const char *s, uint32_t *v)
{
	*v = 0;
	for (int i = 0; i < 4; i++) {
		char c = s[i];
		int d;

		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			return -1;
		*v = *v << 4 | d;
	}
	return 0;
}

static size_t put_utf8(char *o, uint32_t cp)
{
	if (cp < 0x80) {
		o[0] = cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = 0xc0 | cp >> 6;
		o[1] = 0x80 | (cp & 0x3f);
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = 0xe0 | cp >> 12;
		o[1] = 0x80 | ((cp >> 6) & 0x3f);
		o[2] = 0x80 | (cp & 0x3f);
		return 3;
	}
	o[0] = 0xf0 | cp >> 18;
	o[1] = 0x80 | ((cp >> 12) & 0x3f);
	o[2] = 0x80 | ((cp >> 6) & 0x3f);
	o[3] = 0x80 | (cp & 0x3f);
	return 4;
}

/* Reads a string at p->pos (a '"'); decoded text never grows, so the
 * output buffer is sized by the raw length. */
static int jp_string(struct jp *p, char **out, size_t *out_len)
{
	size_t start = p->pos++;
	char *s, *o;

	/* find the end first, so the buffer can be sized */
	size_t e = p->pos;

	while (e < p->len && p->buf[e] != '"') {
		if (p->buf[e] == '\\')
			e++;
		e++;
	}
	s = malloc(e - start + 1);
	if (!s) {
		jp_err(p, jp_loc(p), "out of memory");
		return -1;
	}
	o = s;
	for (;;) {
		unsigned char c;

		if (p->pos >= p->len) {
			jp_err(p, jp_loc_at(p, start),
			       "unterminated string (input ends inside it)");
			goto fail;
		}
		c = p->buf[p->pos];
		if (c == '"') {
			p->pos++;
			break;
		}
		if (c < 0x20) {
			jp_err(p, jp_loc(p),
			       "control character 0x%02x inside a string", c);
			goto fail;
		}
		if (c == '\\') {
			uint32_t cp, lo;
			char esc;

			if (p->pos + 1 >= p->len) {
				p->pos++;
				jp_err(p, jp_loc(p),
				       "unexpected end of input in escape");
				goto fail;
			}
			esc = p->buf[p->pos + 1];
			switch (esc) {
			case '"':
			case '\\':
			case '/':
				*o++ = esc;
				break;
			case 'b':
				*o++ = '\b';
				break;
			case 'f':
				*o++ = '\f';
				break;
			case 'n':
				*o++ = '\n';
				break;
			case 'r':
				*o++ = '\r';
				break;
			case 't':
				*o++ = '\t';
				break;
			case 'u':
				if (p->pos + 6 > p->len ||
				    hex4(p->buf + p->pos + 2, &cp)) {
					jp_err(p, jp_loc(p),
					       "bad \\u escape (needs 4 hex digits)");
					goto fail;
				}
				if (cp >= 0xdc00 && cp <= 0xdfff) {
					jp_err(p, jp_loc(p),
					       "lone low surrogate \\u%04X", cp);
					goto fail;
				}
				if (cp >= 0xd800 && cp <= 0xdbff) {
					if (p->pos + 12 > p->len ||
					    p->buf[p->pos + 6] != '\\' ||
					    p->buf[p->pos + 7] != 'u' ||
					    hex4(p->buf + p->pos + 8, &lo) ||
					    lo < 0xdc00 || lo > 0xdfff) {
						jp_err(p, jp_loc(p),
						       "high surrogate \\u%04X without a low one",
						       cp);
						goto fail;
					}
					cp = 0x10000 + ((cp - 0xd800) << 10) +
					     (lo - 0xdc00);
					p->pos += 6;
				}
				o += put_utf8(o, cp);
				p->pos += 4;
				break;
			default:
				jp_err(p, jp_loc(p), "bad escape '\\%c'",
				       esc >= 0x20 && esc < 0x7f ? esc : '?');
				goto fail;
			}
			p->pos += 2;
			continue;
		}
		if (c >= 0x80) {
			size_t n = utf8_seq((const unsigned char *)p->buf + p->pos,
					    p->len - p->pos);

			if (!n) {
				jp_err(p, jp_loc(p),
				       "invalid UTF-8 (byte 0x%02x) in string",
				       c);
				goto fail;
			}
			memcpy(o, p->buf + p->pos, n);
			o += n;
			p->pos += n;
			continue;
		}
		*o++ = c;
		p->pos++;
	}
	*o = 0;
	*out = s;
	*out_len = o - s;
	return 0;
fail:
	free(s);
	return -1;
}

static int jp_number(struct jp *p, double *v)
{
	size_t s = p->pos, i = s;
	const char *b = p->buf;
	char tmp[128], *end;

	if (i < p->len && b[i] == '-')
		i++;
	if (i < p->len && b[i] == '0') {
		i++;
	} else if (i < p->len && b[i] >= '1' && b[i] <= '9') {
		while (i < p->len && b[i] >= '0' && b[i] <= '9')
			i++;
	} else {
		p->pos = i;
		jp_unexpected(p, "a digit");
		return -1;
	}
	if (i < p->len && b[i] == '.') {
		i++;
		if (i >= p->len || b[i] < '0' || b[i] > '9') {
			p->pos = i;
			jp_unexpected(p, "a digit after '.'");
			return -1;
		}
		while (i < p->len && b[i] >= '0' && b[i] <= '9')
			i++;
	}
	if (i < p->len && (b[i] == 'e' || b[i] == 'E')) {
		i++;
		if (i < p->len && (b[i] == '+' || b[i] == '-'))
			i++;
		if (i >= p->len || b[i] < '0' || b[i] > '9') {
			p->pos = i;
			jp_unexpected(p, "a digit in the exponent");
			return -1;
		}
		while (i < p->len && b[i] >= '0' && b[i] <= '9')
			i++;
	}
	if (i - s >= sizeof(tmp)) {
		jp_err(p, jp_loc(p), "number too long");
		return -1;
	}
	memcpy(tmp, b + s, i - s);
	tmp[i - s] = 0;
	*v = strtod(tmp, &end);
	p->pos = i;
	return 0;
}

static bool jp_word(struct jp *p, const char *w)
{
	size_t l = strlen(w);

	if (p->len - p->pos >= l && !memcmp(p->buf + p->pos, w, l)) {
		p->pos += l;
		return true;
	}
	return false;
}

static struct cbox_jnode *jp_value(struct jp *p, int depth);

static struct cbox_jnode *jp_new(struct jp *p, enum cbox_jtype t,
				 struct cbox_loc loc)
{
	struct cbox_jnode *n;

	if (++p->n_nodes > CBOX_DOC_MAX_NODES) {
		jp_err(p, loc, "document has more than %d values",
		       CBOX_DOC_MAX_NODES);
		return NULL;
	}
	n = cbox_jnode_new(t, loc);
	if (!n)
		jp_err(p, loc, "out of memory");
	return n;
}

static struct cbox_jnode *jp_container(struct jp *p, int depth, bool obj)
{
	struct cbox_hidx ki = { 0 };
	struct cbox_jnode *n, *dup;
	char close = obj ? '}' : ']';

	if (depth >= CBOX_DOC_MAX_DEPTH) {
		jp_err(p, jp_loc(p), "nesting deeper than %d levels",
		       CBOX_DOC_MAX_DEPTH);
		return NULL;
	}
	n = jp_new(p, obj ? CJ_OBJECT : CJ_ARRAY, jp_loc(p));
	if (!n)
		return NULL;
	p->pos++;
	jp_ws(p);
	if (p->pos < p->len && p->buf[p->pos] == close) {
		p->pos++;
		return n;
	}
	for (;;) {
		struct cbox_jnode *kid;
		struct cbox_loc kloc = jp_loc(p);
		char *key = NULL;
		size_t kl = 0;

		if (obj) {
			if (p->pos >= p->len || p->buf[p->pos] != '"') {
				jp_unexpected(p, "a member name in double quotes");
				goto fail;
			}
			if (jp_string(p, &key, &kl))
				goto fail;
			dup = cbox_jnode_find_key(n, &ki, key, kl);
			if (dup) {
				jp_err(p, kloc,
				       "duplicate key \"%s\" (first at line %d column %d)",
				       key, dup->key_loc.line, dup->key_loc.col);
				free(key);
				goto fail;
			}
			jp_ws(p);
			if (p->pos >= p->len || p->buf[p->pos] != ':') {
				free(key);
				jp_unexpected(p, "':' after a member name");
				goto fail;
			}
			p->pos++;
			jp_ws(p);
		}
		kid = jp_value(p, depth + 1);
		if (!kid) {
			free(key);
			goto fail;
		}
		kid->key = key;
		kid->key_len = kl;
		kid->key_loc = kloc;
		if (cbox_jnode_append(n, kid)) {
			jp_err(p, kloc, "out of memory");
			goto fail;
		}
		jp_ws(p);
		if (p->pos < p->len && p->buf[p->pos] == ',') {
			p->pos++;
			jp_ws(p);
			if (p->pos < p->len && p->buf[p->pos] == close) {
				jp_err(p, jp_loc(p), "trailing ',' before '%c'",
				       close);
				goto fail;
			}
			continue;
		}
		if (p->pos < p->len && p->buf[p->pos] == close) {
			p->pos++;
			cbox_hidx_free(&ki);
			return n;
		}
		jp_unexpected(p, obj ? "',' or '}' after an object member" :
				       "',' or ']' after an array item");
		goto fail;
	}
fail:
	cbox_hidx_free(&ki);
	cbox_jnode_free(n);
	return NULL;
}

static struct cbox_jnode *jp_value(struct jp *p, int depth)
{
	struct cbox_loc loc = jp_loc(p);
	struct cbox_jnode *n;
	char c;

	if (p->pos >= p->len) {
		jp_unexpected(p, "a value");
		return NULL;
	}
	c = p->buf[p->pos];
	switch (c) {
	case '{':
	case '[':
		return jp_container(p, depth, c == '{');
	case '"':
		n = jp_new(p, CJ_STRING, loc);
		if (n && jp_string(p, &n->str, &n->len)) {
			cbox_jnode_free(n);
			return NULL;
		}
		return n;
	case 't':
	case 'f':
	case 'n':
		if (jp_word(p, "true") || jp_word(p, "false")) {
			n = jp_new(p, CJ_BOOL, loc);
			if (n)
				n->boolean = c == 't';
			return n;
		}
		if (jp_word(p, "null"))
			return jp_new(p, CJ_NULL, loc);
		jp_unexpected(p, "a value");
		return NULL;
	default:
		if (c == '-' || (c >= '0' && c <= '9')) {
			double v;

			if (jp_number(p, &v))
				return NULL;
			n = jp_new(p, CJ_NUMBER, loc);
			if (n)
				n->num = v;
			return n;
		}
		jp_unexpected(p, "a value");
		return NULL;
	}
}

struct cbox_jnode *cbox_json_parse(const char *buf, size_t len,
				   struct cbox_diags *d)
{
	struct jp p = { .buf = buf, .len = len, .line = 1, .d = d };
	struct cbox_jnode *root;

	/* a UTF-8 byte order mark is tolerated, as most editors write one */
	if (len >= 3 && !memcmp(buf, "\xef\xbb\xbf", 3))
		p.pos = p.line_start = 3;
	jp_ws(&p);
	if (p.pos >= len) {
		jp_err(&p, jp_loc(&p), "empty document (no JSON value)");
		return NULL;
	}
	root = jp_value(&p, 0);
	if (!root)
		return NULL;
	jp_ws(&p);
	if (p.pos < len) {
		jp_unexpected(&p, "end of input after the document");
		cbox_jnode_free(root);
		return NULL;
	}
	return root;
}
