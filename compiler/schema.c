// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * JSON Schema draft-07 validation over the positioned tree. Debian ships no
 * C JSON Schema library, hence this one. Every keyword returns the number of
 * errors it found; in quiet mode (inside anyOf/oneOf/not/if/contains) it
 * stops at the first one and reports nothing, because a failing branch of a
 * combinator is not by itself an error of the user's file.
 */
#include <math.h>
#include <stdarg.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include "schema.h"

#define SV_MAX_DEPTH 512

struct rx_ent {
	const void *key;
	regex_t re;
	bool ok;
	struct rx_ent *next;
};

struct sv {
	const struct cbox_jnode *root;
	struct cbox_diags *d;
	int depth;
	struct rx_ent *rx;
};

static int sv_node(struct sv *v, const struct cbox_jnode *s,
		   const struct cbox_jnode *x, const char *path, bool loud);

static void sv_err(struct sv *v, bool loud, struct cbox_loc loc,
		   const struct cbox_jnode *x, const char *path,
		   const char *fmt, ...) __attribute__((format(printf, 6, 7)));

static void sv_err(struct sv *v, bool loud, struct cbox_loc loc,
		   const struct cbox_jnode *x, const char *path,
		   const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	if (!loud || !v->d)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	diag_error(v->d, loc, x && x->opath ? x->opath : path, "%s", msg);
}

/* ---- regular expressions: ECMA 262 patterns mapped onto POSIX ERE ---- */

static int rx_translate(const char *p, char *out, size_t cap)
{
	size_t o = 0;
	bool in_br = false;

#define PUT(s)                                               \
	do {                                                 \
		size_t l_ = strlen(s);                       \
		if (o + l_ + 1 > cap)                        \
			return -1;                           \
		memcpy(out + o, s, l_);                      \
		o += l_;                                     \
	} while (0)

	for (; *p; p++) {
		char c = *p, one[3] = { c, 0, 0 };

		if (c == '[' && !in_br) {
			in_br = true;
			PUT("[");
			if (p[1] == '^') {
				PUT("^");
				p++;
			}
			continue;
		}
		if (c == ']' && in_br) {
			in_br = false;
			PUT("]");
			continue;
		}
		if (c != '\\') {
			PUT(one);
			continue;
		}
		c = *++p;
		if (!c)
			return -1;
		switch (c) {
		case 'd':
			PUT(in_br ? "0-9" : "[0-9]");
			break;
		case 'w':
			PUT(in_br ? "A-Za-z0-9_" : "[A-Za-z0-9_]");
			break;
		case 's':
			PUT(in_br ? "[:space:]" : "[[:space:]]");
			break;
		case 'D':
		case 'W':
		case 'S':
			if (in_br)
				return -1;
			PUT(c == 'D' ? "[^0-9]" :
			    c == 'W' ? "[^A-Za-z0-9_]" : "[^[:space:]]");
			break;
		case 'n':
			PUT("\n");
			break;
		case 't':
			PUT("\t");
			break;
		case 'r':
			PUT("\r");
			break;
		default:
			if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			    (c >= '0' && c <= '9'))
				return -1; /* \b, \1, \p{..}: not supported */
			if (!in_br && strchr(".[]()*+?{}|^$\\", c)) {
				one[0] = '\\';
				one[1] = c;
			} else {
				one[0] = c;
			}
			PUT(one);
		}
	}
	out[o] = 0;
	return in_br ? -1 : 0;
#undef PUT
}

static regex_t *sv_regex(struct sv *v, const void *key, const char *pat)
{
	struct rx_ent *e;
	char buf[1024];

	for (e = v->rx; e; e = e->next)
		if (e->key == key)
			return e->ok ? &e->re : NULL;
	e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	e->key = key;
	e->ok = !rx_translate(pat, buf, sizeof(buf)) &&
		!regcomp(&e->re, buf, REG_EXTENDED | REG_NOSUB);
	e->next = v->rx;
	v->rx = e;
	return e->ok ? &e->re : NULL;
}

/* 1: matches, 0: does not, -1: pattern unusable */
static int sv_match(struct sv *v, const void *key, const char *pat,
		    const char *s)
{
	regex_t *re = sv_regex(v, key, pat);

	if (!re)
		return -1;
	return regexec(re, s, 0, NULL, 0) == 0;
}

/* ---- helpers ---- */

static bool is_integer(const struct cbox_jnode *x)
{
	return x->type == CJ_NUMBER && isfinite(x->num) &&
	       floor(x->num) == x->num;
}

static bool type_is(const struct cbox_jnode *x, const char *t)
{
	if (!strcmp(t, "integer"))
		return is_integer(x);
	return !strcmp(t, cbox_jtype_name(x->type));
}

static bool type_ok(const struct cbox_jnode *tv, const struct cbox_jnode *x)
{
	if (tv->type == CJ_STRING)
		return type_is(x, tv->str);
	if (tv->type == CJ_ARRAY) {
		for (size_t i = 0; i < tv->n_kids; i++)
			if (tv->kids[i]->type == CJ_STRING &&
			    type_is(x, tv->kids[i]->str))
				return true;
		return false;
	}
	return true;
}

static void type_list(const struct cbox_jnode *tv, char *buf, size_t cap)
{
	size_t o = 0;

	buf[0] = 0;
	if (tv->type == CJ_STRING) {
		snprintf(buf, cap, "%s", tv->str);
		return;
	}
	for (size_t i = 0; i < tv->n_kids && o < cap; i++)
		if (tv->kids[i]->type == CJ_STRING)
			o += snprintf(buf + o, cap - o, "%s%s", i ? " or " : "",
				      tv->kids[i]->str);
}

static size_t utf8_len(const char *s, size_t n)
{
	size_t c = 0;

	for (size_t i = 0; i < n; i++)
		c += ((unsigned char)s[i] & 0xc0) != 0x80;
	return c;
}

/* A short human rendering of a scalar, for messages. */
static void show(const struct cbox_jnode *x, char *buf, size_t cap)
{
	switch (x->type) {
	case CJ_STRING:
		snprintf(buf, cap, "\"%.60s%s\"", x->str,
			 x->len > 60 ? "..." : "");
		break;
	case CJ_NUMBER:
		snprintf(buf, cap, "%.17g", x->num);
		break;
	case CJ_BOOL:
		snprintf(buf, cap, "%s", x->boolean ? "true" : "false");
		break;
	case CJ_NULL:
		snprintf(buf, cap, "null");
		break;
	default:
		snprintf(buf, cap, "an %s", cbox_jtype_name(x->type));
	}
}

static const struct cbox_jnode *sv_ref(struct sv *v, const char *ref)
{
	char ptr[512];
	size_t o = 0;

	if (ref[0] != '#')
		return NULL;
	/* the fragment is URI-encoded: decode %XX before the pointer look-up */
	for (const char *p = ref + 1; *p && o + 1 < sizeof(ptr); p++) {
		unsigned int h;

		if (*p == '%' && p[1] && p[2] && sscanf(p + 1, "%2x", &h) == 1) {
			ptr[o++] = (char)h;
			p += 2;
		} else {
			ptr[o++] = *p;
		}
	}
	ptr[o] = 0;
	return cbox_jnode_at(v->root, ptr);
}

#define BAIL()                           \
	do {                             \
		if (!loud && errs)       \
			goto out;        \
	} while (0)

static int sv_object(struct sv *v, const struct cbox_jnode *s,
		     const struct cbox_jnode *x, const char *path, bool loud)
{
	const struct cbox_jnode *props = cbox_jnode_get(s, "properties");
	const struct cbox_jnode *pprops = cbox_jnode_get(s, "patternProperties");
	const struct cbox_jnode *addl = cbox_jnode_get(s, "additionalProperties");
	const struct cbox_jnode *req = cbox_jnode_get(s, "required");
	const struct cbox_jnode *pnames = cbox_jnode_get(s, "propertyNames");
	const struct cbox_jnode *deps = cbox_jnode_get(s, "dependencies");
	const struct cbox_jnode *k;
	int errs = 0;

	if (req && req->type == CJ_ARRAY)
		for (size_t i = 0; i < req->n_kids; i++) {
			k = req->kids[i];
			if (k->type == CJ_STRING && !cbox_jnode_get(x, k->str)) {
				errs++;
				sv_err(v, loud, x->loc, x, path,
				       "missing required field \"%s\"", k->str);
				BAIL();
			}
		}
	if ((k = cbox_jnode_get(s, "minProperties")) && k->type == CJ_NUMBER &&
	    x->n_kids < k->num) {
		errs++;
		sv_err(v, loud, x->loc, x, path,
		       "object has %zu fields, fewer than %g", x->n_kids, k->num);
		BAIL();
	}
	if ((k = cbox_jnode_get(s, "maxProperties")) && k->type == CJ_NUMBER &&
	    x->n_kids > k->num) {
		errs++;
		sv_err(v, loud, x->loc, x, path,
		       "object has %zu fields, more than %g", x->n_kids, k->num);
		BAIL();
	}
	for (size_t i = 0; i < x->n_kids; i++) {
		const struct cbox_jnode *m = x->kids[i], *ps = NULL;
		bool matched = false;
		char *mp = cbox_path_join(path, m->key, m->key_len);

		if (!mp)
			return errs + 1;
		if (props && props->type == CJ_OBJECT)
			for (size_t j = 0; j < props->n_kids && !ps; j++)
				if (props->kids[j]->key_len == m->key_len &&
				    !memcmp(props->kids[j]->key, m->key,
					    m->key_len))
					ps = props->kids[j];
		if (ps) {
			matched = true;
			errs += sv_node(v, ps, m, mp, loud);
		}
		if (pprops && pprops->type == CJ_OBJECT)
			for (size_t j = 0; j < pprops->n_kids; j++) {
				const struct cbox_jnode *pp = pprops->kids[j];
				int r = sv_match(v, pp, pp->key, m->key);

				if (r < 0) {
					errs++;
					sv_err(v, loud, x->loc, x, path,
					       "schema pattern \"%s\" is not supported",
					       pp->key);
				} else if (r) {
					matched = true;
					errs += sv_node(v, pp, m, mp, loud);
				}
			}
		if (!matched && addl) {
			if (addl->type == CJ_BOOL && !addl->boolean) {
				errs++;
				sv_err(v, loud, m->key_loc, m, mp,
				       "unknown field \"%s\"", m->key);
			} else {
				errs += sv_node(v, addl, m, mp, loud);
			}
		}
		if (pnames) {
			struct cbox_jnode kn = { .type = CJ_STRING,
						 .loc = m->key_loc,
						 .str = m->key,
						 .len = m->key_len };

			if (sv_node(v, pnames, &kn, mp, false)) {
				errs++;
				sv_err(v, loud, m->key_loc, m, mp,
				       "field name \"%s\" is not allowed",
				       m->key);
			}
		}
		if (deps && deps->type == CJ_OBJECT) {
			const struct cbox_jnode *dep = NULL;

			for (size_t j = 0; j < deps->n_kids && !dep; j++)
				if (deps->kids[j]->key_len == m->key_len &&
				    !memcmp(deps->kids[j]->key, m->key,
					    m->key_len))
					dep = deps->kids[j];
			if (dep && dep->type == CJ_ARRAY) {
				for (size_t j = 0; j < dep->n_kids; j++)
					if (dep->kids[j]->type == CJ_STRING &&
					    !cbox_jnode_get(x, dep->kids[j]->str)) {
						errs++;
						sv_err(v, loud, m->key_loc, m,
						       mp,
						       "field \"%s\" requires field \"%s\"",
						       m->key, dep->kids[j]->str);
					}
			} else if (dep) {
				errs += sv_node(v, dep, x, path, loud);
			}
		}
		free(mp);
		BAIL();
	}
out:
	return errs;
}

/* A hash that agrees with cbox_jnode_equal: numbers by value, object
 * members in any order. */
static uint64_t jhash(const struct cbox_jnode *x)
{
	uint64_t h = x->type, sum = 0;
	double d;

	switch (x->type) {
	case CJ_NULL:
		break;
	case CJ_BOOL:
		h = cbox_hash_mix(h, x->boolean);
		break;
	case CJ_NUMBER:
		d = x->num == 0 ? 0 : x->num;	/* -0 == 0 */
		h = cbox_hash_mix(h, cbox_hash(&d, sizeof(d)));
		break;
	case CJ_STRING:
		h = cbox_hash_mix(h, cbox_hash(x->str, x->len));
		break;
	case CJ_ARRAY:
		for (size_t i = 0; i < x->n_kids; i++)
			h = cbox_hash_mix(h, jhash(x->kids[i]));
		break;
	case CJ_OBJECT:
		/* a sum does not depend on the members' order */
		for (size_t i = 0; i < x->n_kids; i++)
			sum += cbox_hash_mix(cbox_hash(x->kids[i]->key,
						       x->kids[i]->key_len),
					     jhash(x->kids[i]));
		h = cbox_hash_mix(h, sum);
		break;
	}
	return h;
}

static bool item_eq(const void *ctx, size_t i, const void *key)
{
	const struct cbox_jnode *a = ctx;

	return cbox_jnode_equal(a->kids[i], key);
}

/*
 * uniqueItems: the pair a pairwise scan would report first (smallest i,
 * then smallest j), found in one pass: items are grouped by value, and the
 * pair is the earliest group's first two items. 1 with *pi, *pj set; 0 when
 * all differ; -1 when out of memory.
 */
static int first_equal_pair(const struct cbox_jnode *x, size_t *pi,
			    size_t *pj)
{
	struct cbox_hidx h = { 0 };
	size_t *second = NULL;
	int r = 0;

	*pi = *pj = CBOX_HIDX_NONE;
	if (x->n_kids < 2)
		return 0;
	second = malloc(x->n_kids * sizeof(*second));
	if (!second || cbox_hidx_init(&h, x->n_kids)) {
		r = -1;
		goto out;
	}
	for (size_t j = 0; j < x->n_kids; j++) {
		uint64_t hv = jhash(x->kids[j]);
		size_t *i = cbox_hidx_find(&h, hv, item_eq, x, x->kids[j]);

		second[j] = CBOX_HIDX_NONE;
		if (!i) {
			if (cbox_hidx_add(&h, hv, j)) {
				r = -1;
				goto out;
			}
		} else if (second[*i] == CBOX_HIDX_NONE) {
			second[*i] = j;
			if (*i < *pi) {
				*pi = *i;
				*pj = j;
				r = 1;
			}
		}
	}
out:
	free(second);
	cbox_hidx_free(&h);
	return r;
}

static int sv_array(struct sv *v, const struct cbox_jnode *s,
		    const struct cbox_jnode *x, const char *path, bool loud)
{
	const struct cbox_jnode *items = cbox_jnode_get(s, "items");
	const struct cbox_jnode *addl = cbox_jnode_get(s, "additionalItems");
	const struct cbox_jnode *contains = cbox_jnode_get(s, "contains");
	const struct cbox_jnode *k;
	int errs = 0;

	if ((k = cbox_jnode_get(s, "minItems")) && k->type == CJ_NUMBER &&
	    x->n_kids < k->num) {
		errs++;
		sv_err(v, loud, x->loc, x, path,
		       "array has %zu items, fewer than %g", x->n_kids, k->num);
		BAIL();
	}
	if ((k = cbox_jnode_get(s, "maxItems")) && k->type == CJ_NUMBER &&
	    x->n_kids > k->num) {
		errs++;
		sv_err(v, loud, x->loc, x, path,
		       "array has %zu items, more than %g", x->n_kids, k->num);
		BAIL();
	}
	if ((k = cbox_jnode_get(s, "uniqueItems")) && k->type == CJ_BOOL &&
	    k->boolean) {
		size_t i, j;
		int r = first_equal_pair(x, &i, &j);

		if (r) {
			errs++;
			if (r > 0)
				sv_err(v, loud, x->kids[j]->loc, x->kids[j], path,
				       "items %zu and %zu are equal; items must be unique",
				       i, j);
			else
				sv_err(v, loud, x->loc, x, path, "out of memory");
		}
		BAIL();
	}
	for (size_t i = 0; items && i < x->n_kids; i++) {
		const struct cbox_jnode *is = NULL;
		char *ip;

		if (items->type == CJ_ARRAY)
			is = i < items->n_kids ? items->kids[i] : addl;
		else
			is = items;
		if (!is)
			continue;
		ip = cbox_path_index(path, i);
		if (!ip)
			return errs + 1;
		errs += sv_node(v, is, x->kids[i], ip, loud);
		free(ip);
		BAIL();
	}
	if (contains) {
		bool found = false;

		for (size_t i = 0; i < x->n_kids && !found; i++)
			found = !sv_node(v, contains, x->kids[i], path, false);
		if (!found) {
			errs++;
			sv_err(v, loud, x->loc, x, path,
			       "no item matches the \"contains\" schema");
		}
	}
out:
	return errs;
}

/* For anyOf/oneOf in loud mode: when exactly one branch admits the value's
 * type, its own errors say more than "matches none of the forms". */
static const struct cbox_jnode *sole_branch(const struct cbox_jnode *arr,
					    const struct cbox_jnode *x)
{
	const struct cbox_jnode *pick = NULL;

	for (size_t i = 0; i < arr->n_kids; i++) {
		const struct cbox_jnode *b = arr->kids[i];
		const struct cbox_jnode *t = cbox_jnode_get(b, "type");

		if (b->type != CJ_OBJECT || !t || !type_ok(t, x))
			continue;
		if (pick)
			return NULL;
		pick = b;
	}
	return pick;
}

static int sv_combinators(struct sv *v, const struct cbox_jnode *s,
			  const struct cbox_jnode *x, const char *path,
			  bool loud)
{
	const struct cbox_jnode *k, *b;
	int errs = 0;

	if ((k = cbox_jnode_get(s, "allOf")) && k->type == CJ_ARRAY)
		for (size_t i = 0; i < k->n_kids; i++) {
			errs += sv_node(v, k->kids[i], x, path, loud);
			BAIL();
		}
	if ((k = cbox_jnode_get(s, "anyOf")) && k->type == CJ_ARRAY) {
		bool any = false;

		for (size_t i = 0; i < k->n_kids && !any; i++)
			any = !sv_node(v, k->kids[i], x, path, false);
		if (!any) {
			errs++;
			if (loud && (b = sole_branch(k, x)))
				sv_node(v, b, x, path, true);
			else
				sv_err(v, loud, x->loc, x, path,
				       "value matches none of the %zu allowed forms",
				       k->n_kids);
			BAIL();
		}
	}
	if ((k = cbox_jnode_get(s, "oneOf")) && k->type == CJ_ARRAY) {
		size_t n = 0;

		for (size_t i = 0; i < k->n_kids; i++)
			n += !sv_node(v, k->kids[i], x, path, false);
		if (n != 1) {
			errs++;
			if (!n && loud && (b = sole_branch(k, x)))
				sv_node(v, b, x, path, true);
			else
				sv_err(v, loud, x->loc, x, path,
				       "value matches %zu of the %zu allowed forms, not exactly one",
				       n, k->n_kids);
			BAIL();
		}
	}
	if ((k = cbox_jnode_get(s, "not")) && !sv_node(v, k, x, path, false)) {
		errs++;
		sv_err(v, loud, x->loc, x, path,
		       "value matches a form that is not allowed");
		BAIL();
	}
	if ((k = cbox_jnode_get(s, "if"))) {
		bool cond = !sv_node(v, k, x, path, false);

		b = cbox_jnode_get(s, cond ? "then" : "else");
		if (b)
			errs += sv_node(v, b, x, path, loud);
	}
out:
	return errs;
}

static int sv_scalar(struct sv *v, const struct cbox_jnode *s,
		     const struct cbox_jnode *x, const char *path, bool loud)
{
	const struct cbox_jnode *k;
	char shown[96];
	int errs = 0;

	if (x->type == CJ_NUMBER) {
		double n = x->num;

		show(x, shown, sizeof(shown));
		if ((k = cbox_jnode_get(s, "minimum")) && k->type == CJ_NUMBER &&
		    n < k->num) {
			errs++;
			sv_err(v, loud, x->loc, x, path,
			       "%s is less than the minimum %.17g", shown,
			       k->num);
		}
		if ((k = cbox_jnode_get(s, "maximum")) && k->type == CJ_NUMBER &&
		    n > k->num) {
			errs++;
			sv_err(v, loud, x->loc, x, path,
			       "%s is greater than the maximum %.17g", shown,
			       k->num);
		}
		if ((k = cbox_jnode_get(s, "exclusiveMinimum")) &&
		    k->type == CJ_NUMBER && n <= k->num) {
			errs++;
			sv_err(v, loud, x->loc, x, path,
			       "%s must be greater than %.17g", shown, k->num);
		}
		if ((k = cbox_jnode_get(s, "exclusiveMaximum")) &&
		    k->type == CJ_NUMBER && n >= k->num) {
			errs++;
			sv_err(v, loud, x->loc, x, path,
			       "%s must be less than %.17g", shown, k->num);
		}
		if ((k = cbox_jnode_get(s, "multipleOf")) &&
		    k->type == CJ_NUMBER && k->num > 0) {
			double q = n / k->num;

			/* relative tolerance: 0.0075 / 0.0001 is not exactly
			 * 75 in binary floating point */
			if (!isfinite(q) ||
			    fabs(q - nearbyint(q)) > 1e-9 * fmax(1.0, fabs(q))) {
				errs++;
				sv_err(v, loud, x->loc, x, path,
				       "%s is not a multiple of %.17g", shown,
				       k->num);
			}
		}
	} else if (x->type == CJ_STRING) {
		size_t cl = utf8_len(x->str, x->len);

		show(x, shown, sizeof(shown));
		if ((k = cbox_jnode_get(s, "minLength")) && k->type == CJ_NUMBER &&
		    cl < k->num) {
			errs++;
			sv_err(v, loud, x->loc, x, path,
			       "%s is shorter than %g characters", shown, k->num);
		}
		if ((k = cbox_jnode_get(s, "maxLength")) && k->type == CJ_NUMBER &&
		    cl > k->num) {
			errs++;
			sv_err(v, loud, x->loc, x, path,
			       "%s is longer than %g characters", shown, k->num);
		}
		if ((k = cbox_jnode_get(s, "pattern")) && k->type == CJ_STRING) {
			int r = sv_match(v, k, k->str, x->str);

			if (r < 0) {
				errs++;
				sv_err(v, loud, x->loc, x, path,
				       "schema pattern \"%s\" is not supported",
				       k->str);
			} else if (!r) {
				errs++;
				sv_err(v, loud, x->loc, x, path,
				       "%s does not match the pattern \"%s\"",
				       shown, k->str);
			}
		}
	}
	return errs;
}

static int sv_node(struct sv *v, const struct cbox_jnode *s,
		   const struct cbox_jnode *x, const char *path, bool loud)
{
	const struct cbox_jnode *k;
	char buf[200], shown[96];
	int errs = 0;

	if (s->type == CJ_BOOL) {
		if (s->boolean)
			return 0;
		sv_err(v, loud, x->loc, x, path, "no value is allowed here");
		return 1;
	}
	if (s->type != CJ_OBJECT)
		return 0;
	if (++v->depth > SV_MAX_DEPTH) {
		v->depth--;
		sv_err(v, loud, x->loc, x, path,
		       "schema references nest deeper than %d", SV_MAX_DEPTH);
		return 1;
	}
	/* draft-07: $ref replaces every sibling keyword */
	if ((k = cbox_jnode_get(s, "$ref")) && k->type == CJ_STRING) {
		const struct cbox_jnode *t = sv_ref(v, k->str);

		if (!t) {
			errs++;
			sv_err(v, loud, x->loc, x, path,
			       "schema reference \"%s\" cannot be resolved",
			       k->str);
		} else {
			errs += sv_node(v, t, x, path, loud);
		}
		goto out;
	}
	if ((k = cbox_jnode_get(s, "type")) && !type_ok(k, x)) {
		type_list(k, buf, sizeof(buf));
		show(x, shown, sizeof(shown));
		sv_err(v, loud, x->loc, x, path, "expected %s, got %s%s%s", buf,
		       x->type == CJ_STRING || x->type == CJ_NUMBER ?
			       cbox_jtype_name(x->type) : shown,
		       x->type == CJ_STRING || x->type == CJ_NUMBER ? " " : "",
		       x->type == CJ_STRING || x->type == CJ_NUMBER ? shown :
								      "");
		/* the other keywords would only repeat the point */
		errs++;
		goto out;
	}
	if ((k = cbox_jnode_get(s, "enum")) && k->type == CJ_ARRAY) {
		bool in = false;
		size_t o = 0;

		for (size_t i = 0; i < k->n_kids && !in; i++)
			in = cbox_jnode_equal(k->kids[i], x);
		if (!in) {
			errs++;
			buf[0] = 0;
			for (size_t i = 0; i < k->n_kids && o < sizeof(buf);
			     i++) {
				show(k->kids[i], shown, sizeof(shown));
				o += snprintf(buf + o, sizeof(buf) - o, "%s%s",
					      i ? ", " : "", shown);
			}
			show(x, shown, sizeof(shown));
			sv_err(v, loud, x->loc, x, path,
			       "%s is not one of: %s", shown, buf);
			BAIL();
		}
	}
	if ((k = cbox_jnode_get(s, "const")) && !cbox_jnode_equal(k, x)) {
		errs++;
		show(k, buf, sizeof(buf));
		sv_err(v, loud, x->loc, x, path, "value must be %s", buf);
		BAIL();
	}
	errs += sv_scalar(v, s, x, path, loud);
	BAIL();
	if (x->type == CJ_OBJECT)
		errs += sv_object(v, s, x, path, loud);
	else if (x->type == CJ_ARRAY)
		errs += sv_array(v, s, x, path, loud);
	BAIL();
	errs += sv_combinators(v, s, x, path, loud);
out:
	v->depth--;
	return errs;
}

bool cbox_schema_validate(const struct cbox_jnode *schema,
			  const struct cbox_jnode *inst, struct cbox_diags *d)
{
	struct sv v = { .root = schema, .d = d };
	int errs = sv_node(&v, schema, inst, "", d != NULL);

	while (v.rx) {
		struct rx_ent *n = v.rx->next;

		if (v.rx->ok)
			regfree(&v.rx->re);
		free(v.rx);
		v.rx = n;
	}
	return errs == 0;
}

/* Generated from schema/cbox.schema.json by the build (xxd -i style). */
extern const char cbox_schema_text[];
extern const unsigned int cbox_schema_text_len;

static struct cbox_jnode *spec_schema;

const struct cbox_jnode *cbox_spec_schema(void)
{
	struct cbox_diags d;

	if (spec_schema)
		return spec_schema;
	diag_init(&d, "cbox.schema.json");
	spec_schema = cbox_json_parse(cbox_schema_text, cbox_schema_text_len,
				      &d);
	if (!spec_schema)
		diag_print(&d, stderr);
	diag_free(&d);
	return spec_schema;
}

void cbox_spec_schema_release(void)
{
	cbox_jnode_free(spec_schema);
	spec_schema = NULL;
}
