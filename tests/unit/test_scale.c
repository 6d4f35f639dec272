// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The front end at scale: conflicts between items far apart in large specs
 * are still reported against the first earlier item, with the same words as
 * in a small one; large objects, arrays and YAML alias use stay linear; the
 * value limits admit a large spec and still refuse bombs. Expected lines
 * and positions are computed here from how each text is built.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <cmocka.h>

#include "check.h"
#include "json_doc.h"
#include "schema.h"
#include "test_frontend_helpers.h"
#include "yaml_doc.h"

/* A growing string. */
struct text {
	char *s;
	size_t len, cap;
};

static void add(struct text *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void add(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(t->s ? t->s + t->len : NULL,
			      t->s ? t->cap - t->len : 0, fmt, ap);
		va_end(ap);
		assert_true(n >= 0);
		if (t->s && t->len + n < t->cap)
			break;
		t->cap = (t->cap + n + 1) * 2;
		t->s = realloc(t->s, t->cap);
		assert_non_null(t->s);
	}
	t->len += n;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static bool has_line(const char *errs, const char *want)
{
	if (strstr(errs, want))
		return true;
	fprintf(stderr, "want: %s\ngot:\n%s", want, errs);
	return false;
}

#define NFN 20000

/*
 * 20000 functions and chains, one per line: function i on line i + 2,
 * chain i on line NFN + 3 + i. The conflicts sit at the far ends, where a
 * pairwise scan (10k functions took 33 s) would have to go all the way.
 */
static void conflicts_far_apart(void **s)
{
	struct text t = { 0 };
	struct loaded *l;
	char want[300];
	double t0;

	add(&t, "{\"functions\": [\n");
	for (int i = 0; i < NFN; i++) {
		/* the last function repeats f3's tag */
		add(&t, "{\"tag\": \"f%d\", \"type\": \"router\", \"host\": \"h%d\"",
		    i == NFN - 1 ? 3 : i, i % 100);
		if (i == 101 || i == NFN - 1000)
			add(&t, ", \"mac\": \"02:00:00:00:00:01\"");
		/* 200 and NFN - 2000 both on h0's eth0 in netns "x", both
		 * placed explicitly; i % 100 == 0 for both */
		if (i == 200 || i == NFN - 2000)
			add(&t, ", \"netns\": \"x\", \"iface\": \"eth0\"");
		add(&t, "}%s\n", i == NFN - 1 ? "" : ",");
	}
	add(&t, "], \"chains\": [\n");
	for (int i = 0; i < NFN; i++)
		add(&t, "{\"id\": %d, \"nodes\": [\"f%d\", \"%s\"]}%s\n",
		    i == NFN - 1 ? 7 : i + 1, i, i == NFN - 3 ? "nope" : "f1",
		    i == NFN - 1 ? "" : ",");
	add(&t, "]}\n");

	t0 = now();
	l = load("big.json", t.s);
	/* generous, as the machine may be busy or this an ASan build: the
	 * pairwise checks needed minutes here */
	assert_true(now() - t0 < 20);
	assert_int_equal(l->rc, 1);
	snprintf(want, sizeof(want),
		 "big.json:%d:9: error: /functions/%d/tag: duplicate tag \"f3\" (first used by /functions/3 at line 5)",
		 NFN + 1, NFN - 1);
	assert_true(has_line(l->errs, want));
	snprintf(want, sizeof(want),
		 "error: /functions/%d/mac: duplicate MAC 02:00:00:00:00:01 (also given at /functions/101/mac)",
		 NFN - 1000);
	assert_true(has_line(l->errs, want));
	snprintf(want, sizeof(want),
		 "big.json:%d:1: error: /functions/%d: functions \"f200\" and \"f%d\" share interface eth0 on host h0 netns x; each function needs its own",
		 NFN - 2000 + 2, NFN - 2000, NFN - 2000);
	assert_true(has_line(l->errs, want));
	snprintf(want, sizeof(want),
		 "big.json:%d:8: error: /chains/%d/id: duplicate chain id 7 (also /chains/6 at line %d)",
		 NFN + 3 + NFN - 1, NFN - 1, NFN + 3 + 6);
	assert_true(has_line(l->errs, want));
	snprintf(want, sizeof(want),
		 "error: /chains/%d/nodes/1: unknown function tag \"nope\" (no function has it)",
		 NFN - 3);
	assert_true(has_line(l->errs, want));
	unload(l);
	free(t.s);
}

/* Without the far conflicts the same shape loads, and every look-up by tag
 * (hash index) agrees with a scan. */
static void index_agrees_with_scan(void **s)
{
	struct cbox_function fs[5] = {
		{ .tag = "a" }, { .tag = "b" }, { .tag = "a" }, { .tag = "c" },
		{ .tag = "b" },
	};
	struct cbox_classifier cs[2] = { { .tag = "k" }, { .tag = "k" } };
	struct cbox_spec spec = { .functions = fs, .n_functions = 5,
				  .classifiers = cs, .n_classifiers = 2 };

	/* no index: a scan; then the index must give the same, the first */
	assert_ptr_equal(cbox_spec_function(&spec, "a"), &fs[0]);
	assert_int_equal(cbox_spec_index_build(&spec), 0);
	assert_non_null(spec.index);
	assert_ptr_equal(cbox_spec_function(&spec, "a"), &fs[0]);
	assert_ptr_equal(cbox_spec_function(&spec, "b"), &fs[1]);
	assert_ptr_equal(cbox_spec_function(&spec, "c"), &fs[3]);
	assert_null(cbox_spec_function(&spec, "k"));
	assert_null(cbox_spec_function(&spec, "d"));
	assert_ptr_equal(cbox_spec_classifier(&spec, "k"), &cs[0]);
	assert_null(cbox_spec_classifier(&spec, "a"));
	/* rebuilt after a change of tags */
	fs[0].tag = "z";
	assert_int_equal(cbox_spec_index_build(&spec), 0);
	assert_ptr_equal(cbox_spec_function(&spec, "a"), &fs[2]);
	assert_ptr_equal(cbox_spec_function(&spec, "z"), &fs[0]);
	/* the arrays are not malloc'ed: free the index alone */
	{
		struct cbox_spec *h = calloc(1, sizeof(*h));

		h->index = spec.index;
		cbox_spec_free(h);
	}
}

static uint32_t fnv(const char *s, uint32_t h)
{
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

/* b is given the MAC that a would get from its tag: a hashes on. */
static void assigned_mac_skips_taken(void **s)
{
	uint32_t h = fnv("a", 2166136261u), h2 = fnv("+", h);
	char text[400];
	struct loaded *l;
	const struct cbox_function *a;

	snprintf(text, sizeof(text),
		 "{\"chains\": [{\"id\": 1, \"nodes\": [\"a\"]}], \"functions\": ["
		 "{\"tag\": \"a\", \"type\": \"t\", \"host\": \"h\"},"
		 "{\"tag\": \"b\", \"type\": \"t\", \"host\": \"h\", \"mac\": \"02:cb:%02x:%02x:%02x:%02x\"}]}",
		 h >> 24, (h >> 16) & 255, (h >> 8) & 255, h & 255);
	l = load("m.json", text);
	assert_int_equal(l->rc, 0);
	a = cbox_spec_function(l->spec, "a");
	assert_int_equal(a->mac[2], h2 >> 24);
	assert_int_equal(a->mac[3], (h2 >> 16) & 255);
	assert_int_equal(a->mac[4], (h2 >> 8) & 255);
	assert_int_equal(a->mac[5], h2 & 255);
	unload(l);
}

/* 100000 members, then the sixth again: found, with the first's place. */
static void big_object_duplicate_key(void **s)
{
	struct text t = { 0 };
	struct cbox_diags d;
	char want[200];
	size_t first;
	double t0;

	add(&t, "{");
	for (int i = 0; i < 100000; i++)
		add(&t, "\"k%d\":1,", i);
	first = strstr(t.s, "\"k5\"") - t.s;
	add(&t, "\"k5\":2}");
	diag_init(&d, "o.json");
	t0 = now();
	assert_null(cbox_json_parse(t.s, t.len, &d));
	assert_true(now() - t0 < 20);
	snprintf(want, sizeof(want),
		 "o.json:1:%zu: error: /: duplicate key \"k5\" (first at line 1 column %zu)",
		 t.len - strlen("\"k5\":2}") + 1, first + 1);
	assert_string_equal(d.lines[0], want);
	diag_free(&d);

	/* the same in YAML, one member a line */
	t.len = 0;
	for (int i = 0; i < 100000; i++)
		add(&t, "k%d: 1\n", i);
	add(&t, "k5: 2\n");
	diag_init(&d, "o.yaml");
	assert_null(cbox_yaml_parse(t.s, t.len, &d));
	assert_string_equal(d.lines[0],
			    "o.yaml:100001:1: error: /: duplicate key \"k5\" (first at line 6 column 1)");
	diag_free(&d);
	free(t.s);
}

static void unique_items(const char *inst, const char *want)
{
	const char *schema = "{\"uniqueItems\": true}";
	struct cbox_jnode *sd, *x;
	struct cbox_diags d;

	diag_init(&d, "u");
	sd = cbox_json_parse(schema, strlen(schema), &d);
	x = cbox_json_parse(inst, strlen(inst), &d);
	assert_non_null(sd);
	assert_non_null(x);
	assert_int_equal(cbox_schema_validate(sd, x, &d), want == NULL);
	if (want) {
		assert_int_equal(d.n_lines, 1);
		if (!strstr(d.lines[0], want))
			fprintf(stderr, "want %s, got %s\n", want, d.lines[0]);
		assert_non_null(strstr(d.lines[0], want));
	}
	cbox_jnode_free(sd);
	cbox_jnode_free(x);
	diag_free(&d);
}

/* The pair a pairwise scan reports first: smallest i, then smallest j. */
static void unique_items_first_pair(void **s)
{
	struct text t = { 0 };

	unique_items("[1, \"b\", \"b\", 1]", "items 0 and 3 are equal");
	unique_items("[\"x\", 2, 3, 2, \"x\", 2]", "items 0 and 4 are equal");
	unique_items("[{\"a\": 1, \"b\": [1, {}]}, {\"b\": [1, {}], \"a\": 1}]",
		     "items 0 and 1 are equal");
	unique_items("[0, -0]", "items 0 and 1 are equal");
	unique_items("[1, 1.0]", "items 0 and 1 are equal");
	unique_items("[{\"a\": 1}, {\"a\": 1, \"b\": 1}, [1], [1, 1], \"1\", 1, true, null]",
		     NULL);
	/* 100000 distinct items, then item 77777 again */
	add(&t, "[");
	for (int i = 0; i < 100000; i++)
		add(&t, "{\"v\": %d},", i);
	add(&t, "{\"v\": 77777}]");
	unique_items(t.s, "items 77777 and 100000 are equal");
	free(t.s);
}

/*
 * Aliases may grow a document to twice its own values: 151004 own values
 * (root, a's 1001, c's 150001, b) allow 302008 in all, so 150 copies of a
 * (1001 values each) fit and the 151st is refused. The old flat limit
 * (200000 in all) refused the first.
 */
static void yaml_aliases_scale(void **s)
{
	struct text t = { 0 };
	struct cbox_jnode *doc;
	struct cbox_diags d;
	char want[200];

	for (int n = 150; n <= 151; n++) {
		t.len = 0;
		add(&t, "a: &a [1");
		for (int i = 1; i < 1000; i++)
			add(&t, ",1");
		add(&t, "]\nc: [0");
		for (int i = 1; i < 150000; i++)
			add(&t, ",0");
		add(&t, "]\nb:\n");
		for (int i = 0; i < n; i++)
			add(&t, "- *a\n");
		diag_init(&d, "y.yaml");
		doc = cbox_yaml_parse(t.s, t.len, &d);
		if (n == 150) {
			assert_non_null(doc);
			assert_int_equal(cbox_jnode_get(doc, "b")->n_kids, 150);
		} else {
			assert_null(doc);
			/* the 151st alias stands on line 3 + 151 */
			snprintf(want, sizeof(want),
				 "y.yaml:154:3: error: /: alias *a would expand the document beyond 302008 values (alias bomb?)");
			assert_string_equal(d.lines[0], want);
		}
		cbox_jnode_free(doc);
		diag_free(&d);
	}
	free(t.s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(conflicts_far_apart),
		cmocka_unit_test(index_agrees_with_scan),
		cmocka_unit_test(assigned_mac_skips_taken),
		cmocka_unit_test(big_object_duplicate_key),
		cmocka_unit_test(unique_items_first_pair),
		cmocka_unit_test(yaml_aliases_scale),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
