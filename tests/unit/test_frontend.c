// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* JSON/YAML readers, TOSCA mapping, defaults and the dump. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "json_doc.h"
#include "test_frontend_helpers.h"
#include "yaml_doc.h"

static void json_positions(void **s)
{
	const char *t = "{\n  \"a\": [1, \"x\",\n        {\"b\": null}]\n}";
	struct cbox_diags d;
	struct cbox_jnode *doc, *n;

	diag_init(&d, "t");
	doc = cbox_json_parse(t, strlen(t), &d);
	assert_non_null(doc);
	n = cbox_jnode_at(doc, "/a/1");
	assert_non_null(n);
	assert_int_equal(n->loc.line, 2);
	assert_int_equal(n->loc.col, 12);
	n = cbox_jnode_at(doc, "/a/2/b");
	assert_int_equal(n->type, CJ_NULL);
	assert_int_equal(n->key_loc.line, 3);
	assert_int_equal(n->key_loc.col, 10);
	assert_int_equal(n->loc.col, 15);
	cbox_jnode_free(doc);
	diag_free(&d);
}

static void json_strings(void **s)
{
	const char *t = "[\"a\\u00e9\\ud83d\\ude00\\n\", \"\\u0000x\", -1.5e2]";
	struct cbox_diags d;
	struct cbox_jnode *doc;

	diag_init(&d, "t");
	doc = cbox_json_parse(t, strlen(t), &d);
	assert_non_null(doc);
	/* é is C3 A9, U+1F600 is F0 9F 98 80 */
	assert_memory_equal(doc->kids[0]->str, "a\xc3\xa9\xf0\x9f\x98\x80\n", 8);
	assert_int_equal(doc->kids[0]->len, 8);
	assert_int_equal(doc->kids[1]->len, 2);
	assert_true(doc->kids[2]->num == -150.0);
	cbox_jnode_free(doc);
	diag_free(&d);
}

static void json_errors(void **s)
{
	static const char *const bad[][2] = {
		{ "{\"a\": 1,}", "1:9: error: /: trailing ',' before '}'" },
		{ "{\"a\": 1, \"a\": 2}", "1:10: error: /: duplicate key \"a\" (first at line 1 column 2)" },
		{ "[1, 2", "1:6: error: /: unexpected end of input" },
		{ "\"abc", "1:1: error: /: unterminated string" },
		{ "[01]", "1:3: error: /: unexpected '1'" },
		{ "[1.]", "1:4: error: /: unexpected ']', expected a digit after '.'" },
		{ "[\"\xff\"]", "1:3: error: /: invalid UTF-8 (byte 0xff)" },
		{ "[\"\xc0\x80\"]", "invalid UTF-8 (byte 0xc0)" },
		{ "[\"\xed\xa0\x80\"]", "invalid UTF-8 (byte 0xed)" },
		{ "[\"\\ud800\"]", "high surrogate" },
		{ "[\"a\tb\"]", "control character 0x09" },
		{ "  \n ", "2:2: error: /: empty document" },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct cbox_diags d;
		struct cbox_jnode *doc;

		diag_init(&d, "t");
		doc = cbox_json_parse(bad[i][0], strlen(bad[i][0]), &d);
		assert_null(doc);
		assert_int_equal(d.n_lines, 1);
		if (!strstr(d.lines[0], bad[i][1]))
			fprintf(stderr, "case %zu: %s\n", i, d.lines[0]);
		assert_non_null(strstr(d.lines[0], bad[i][1]));
		diag_free(&d);
	}
}

static void json_depth(void **s)
{
	char deep[200];
	struct cbox_diags d;
	struct cbox_jnode *doc;

	/* 64 levels are fine, 65 are not */
	memset(deep, '[', 64);
	memset(deep + 64, ']', 64);
	diag_init(&d, "t");
	doc = cbox_json_parse(deep, 128, &d);
	assert_non_null(doc);
	cbox_jnode_free(doc);
	memset(deep, '[', 65);
	memset(deep + 65, ']', 65);
	doc = cbox_json_parse(deep, 130, &d);
	assert_null(doc);
	assert_non_null(strstr(d.lines[0], "1:65: error: /: nesting deeper than 64"));
	diag_free(&d);
}

static void yaml_types_and_positions(void **s)
{
	const char *t = "a: 12\nb: \"12\"\nc: [true, ~, 1.5, 0x10, yes, '']\nd:\n  - &x {k: v}\n  - *x\n";
	struct cbox_diags d;
	struct cbox_jnode *doc, *n;

	diag_init(&d, "t");
	doc = cbox_yaml_parse(t, strlen(t), &d);
	assert_non_null(doc);
	assert_int_equal(cbox_jnode_at(doc, "/a")->type, CJ_NUMBER);
	assert_int_equal(cbox_jnode_at(doc, "/b")->type, CJ_STRING);
	assert_int_equal(cbox_jnode_at(doc, "/c/0")->type, CJ_BOOL);
	assert_int_equal(cbox_jnode_at(doc, "/c/1")->type, CJ_NULL);
	assert_true(cbox_jnode_at(doc, "/c/2")->num == 1.5);
	assert_true(cbox_jnode_at(doc, "/c/3")->num == 16);
	/* YAML 1.2: "yes" is a string */
	assert_int_equal(cbox_jnode_at(doc, "/c/4")->type, CJ_STRING);
	assert_int_equal(cbox_jnode_at(doc, "/c/5")->type, CJ_STRING);
	n = cbox_jnode_at(doc, "/d/1/k");
	assert_non_null(n);
	assert_string_equal(n->str, "v");
	/* the alias copy is reported where the alias stands */
	n = cbox_jnode_at(doc, "/d/1");
	assert_int_equal(n->loc.line, 6);
	assert_int_equal(n->loc.col, 5);
	n = cbox_jnode_at(doc, "/c/2");
	assert_int_equal(n->loc.line, 3);
	assert_int_equal(n->loc.col, 14);
	assert_int_equal(cbox_jnode_at(doc, "/b")->key_loc.line, 2);
	assert_int_equal(cbox_jnode_at(doc, "/b")->key_loc.col, 1);
	cbox_jnode_free(doc);
	diag_free(&d);
}

static void yaml_limits(void **s)
{
	/* 10 x 10 x 10 x 10 x 10 x 10 = 1e6 leaves: over the budget */
	const char *bomb = "a: &a [1,1,1,1,1,1,1,1,1,1]\n"
			   "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
			   "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
			   "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
			   "e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]\n"
			   "f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e]\n";
	struct cbox_diags d;

	diag_init(&d, "t");
	assert_null(cbox_yaml_parse(bomb, strlen(bomb), &d));
	assert_non_null(strstr(d.lines[0], "alias bomb"));
	diag_free(&d);
	diag_init(&d, "t");
	assert_null(cbox_yaml_parse("a: 1\na: 2\n", 10, &d));
	assert_non_null(strstr(d.lines[0], "t:2:1: error: /: duplicate key \"a\""));
	diag_free(&d);
	diag_init(&d, "t");
	assert_null(cbox_yaml_parse("a: [1\n", 6, &d));
	assert_non_null(strstr(d.lines[0], "YAML:"));
	diag_free(&d);
}

static void defaults(void **s)
{
	struct loaded *l = load("x.yaml",
				"chains: [{id: 1, nodes: [a, b]}]\n"
				"functions:\n"
				"  - {tag: a, type: t, host: h, netns: na}\n"
				"  - {tag: b, type: t, host: h, netns: nb, iface: in0, egress_iface: out0, mac: '02:00:00:00:00:01'}\n"
				"classifiers: [{tag: c, host: h}]\n");
	const struct cbox_function *a, *b;
	const struct cbox_classifier *c;

	assert_int_equal(l->rc, 0);
	a = cbox_spec_function(l->spec, "a");
	b = cbox_spec_function(l->spec, "b");
	c = cbox_spec_classifier(l->spec, "c");
	assert_non_null(a);
	assert_non_null(b);
	assert_non_null(c);
	assert_null(cbox_spec_function(l->spec, "c"));
	assert_string_equal(a->iface, "eth0");
	assert_string_equal(a->egress_iface, "eth0");
	assert_string_equal(a->netns, "na");
	assert_false(a->nsh_aware);
	assert_false(a->mac_given);
	/* same interface both ways: the egress MAC is the assigned one */
	assert_true(a->egress_mac_known);
	assert_memory_equal(a->egress_mac, a->mac, 6);
	assert_true(b->mac_given);
	/* a separate egress interface without a MAC: unknown */
	assert_false(b->egress_mac_known);
	assert_string_equal(b->egress_iface, "out0");
	assert_string_equal(c->iface, "eth0");
	assert_null(c->netns);
	assert_int_equal(c->direction, CBOX_DIR_INGRESS);
	assert_false(c->mac_known);
	assert_string_equal(a->path, "/functions/0");
	assert_int_equal(a->loc.line, 3);
	assert_int_equal(a->loc.col, 5);
	unload(l);
}

static uint32_t fnv(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

static void assigned_macs(void **s)
{
	/* the MAC of tag "a" from FNV-1a, then given to "b" explicitly:
	 * "a" must move off it, deterministically */
	uint32_t h = fnv("a");
	char spec[512];
	uint8_t want[6] = { 0x02, 0xcb, h >> 24, h >> 16, h >> 8, h };
	struct loaded *l;

	/* FNV-1a("a") is 0xe40c292c (published test vector) */
	assert_int_equal(h, 0xe40c292c);
	l = load("t.json", "{\"chains\": [], \"functions\": [{\"tag\": \"a\", \"type\": \"t\", \"host\": \"h\"}]}");
	assert_int_equal(l->rc, 0);
	assert_memory_equal(l->spec->functions[0].mac, want, 6);
	unload(l);
	snprintf(spec, sizeof(spec),
		 "{\"chains\": [], \"functions\": [{\"tag\": \"a\", \"type\": \"t\", \"host\": \"h\"},"
		 "{\"tag\": \"b\", \"type\": \"t\", \"host\": \"h2\", \"mac\": \"02:cb:%02x:%02x:%02x:%02x\"}]}",
		 want[2], want[3], want[4], want[5]);
	l = load("t.json", spec);
	assert_int_equal(l->rc, 0);
	assert_memory_not_equal(l->spec->functions[0].mac, want, 6);
	assert_int_equal(l->spec->functions[0].mac[0], 0x02);
	assert_int_equal(l->spec->functions[0].mac[1], 0xcb);
	assert_memory_equal(l->spec->functions[1].mac, want, 6);
	{
		uint8_t first[6];

		memcpy(first, l->spec->functions[0].mac, 6);
		unload(l);
		l = load("t.json", spec);
		assert_memory_equal(l->spec->functions[0].mac, first, 6);
	}
	unload(l);
}

static void match_rules(void **s)
{
	struct loaded *l = load("t.yaml",
				"chains:\n"
				"  - id: 1\n"
				"    nodes: [a]\n"
				"    match:\n"
				"      - {classifier: c, proto: udp, src: 10.0.0.0/8, sport: 53, dport: 1000-2000}\n"
				"      - {classifier: c, proto: 132, dst: 'fd00::/16'}\n"
				"      - {classifier: c}\n"
				"functions: [{tag: a, type: t, host: h}]\n"
				"classifiers: [{tag: c, host: g, direction: egress}]\n");
	const struct cbox_match *m;

	assert_int_equal(l->rc, 0);
	assert_int_equal(l->spec->chains[0].n_match, 3);
	m = l->spec->chains[0].match;
	assert_int_equal(m[0].proto, 17);
	assert_true(m[0].src.set);
	assert_int_equal(m[0].src.len, 8);
	assert_false(m[0].dst.set);
	assert_int_equal(m[0].sport.lo, 53);
	assert_int_equal(m[0].sport.hi, 53);
	assert_int_equal(m[0].dport.lo, 1000);
	assert_int_equal(m[0].dport.hi, 2000);
	assert_int_equal(m[1].proto, 132);
	assert_int_equal(m[1].dst.family, 6);
	assert_int_equal(m[1].dst.addr[0], 0xfd);
	assert_int_equal(m[2].proto, -1);
	assert_false(m[2].sport.set);
	assert_int_equal(l->spec->classifiers[0].direction, CBOX_DIR_EGRESS);
	unload(l);
}

static void tosca(void **s)
{
	const char *t =
		"tosca_definitions_version: tosca_simple_profile_for_nfv_1_0_0\n"
		"topology_template:\n"
		"  node_templates:\n"
		"    sfA:\n"
		"      type: tosca.nodes.nfv.VNF\n"
		"      properties: {type: tc-redirect, host: h1}\n"
		"    cls:\n"
		"      type: cbox.nodes.Classifier\n"
		"      properties: {host: h0}\n"
		"    fp:\n"
		"      type: tosca.nodes.nfv.FP\n"
		"      properties:\n"
		"        id: 42\n"
		"        policy: {criteria: [{classifier: cls, ip_proto: 6, destination_port_range: 80-81}]}\n"
		"        path: [{forwarder: sfA}, {forwarder: sfA}]\n";
	struct loaded *l = load("t.yaml", t);

	assert_int_equal(l->rc, 0);
	assert_int_equal(l->spec->n_functions, 1);
	assert_string_equal(l->spec->functions[0].tag, "sfA");
	assert_string_equal(l->spec->functions[0].path,
			    "/topology_template/node_templates/sfA");
	assert_int_equal(l->spec->n_chains, 1);
	assert_int_equal(l->spec->chains[0].id, 42);
	assert_int_equal(l->spec->chains[0].n_nodes, 2);
	assert_int_equal(l->spec->chains[0].match[0].proto, 6);
	assert_int_equal(l->spec->chains[0].match[0].dport.hi, 81);
	assert_string_equal(l->spec->classifiers[0].tag, "cls");
	unload(l);
	/* --format yaml reads it as a plain spec: then it is wrong */
	l = load_as("t.yaml", t, CBOX_FMT_YAML);
	assert_int_equal(l->rc, 1);
	assert_non_null(strstr(l->errs, "t.yaml:1:1: error: /tosca_definitions_version: unknown field"));
	unload(l);
	/* an SPI error inside TOSCA points at the TOSCA path */
	l = load("t.yaml",
		 "tosca_definitions_version: x\n"
		 "topology_template:\n"
		 "  node_templates:\n"
		 "    a: {type: cbox.nodes.SF, properties: {type: t, host: h}}\n"
		 "    p: {type: tosca.nodes.nfv.FP, properties: {id: 0, path: [{forwarder: a}]}}\n");
	assert_int_equal(l->rc, 1);
	assert_non_null(strstr(l->errs, "t.yaml:5:52: error: /topology_template/node_templates/p/properties/id: chain id (SPI) 0"));
	unload(l);
}

static void format_detection(void **s)
{
	struct loaded *l;

	/* content decides when the name says nothing */
	l = load("spec", "{\"chains\": [], \"functions\": []}");
	assert_int_equal(l->rc, 0);
	unload(l);
	l = load("spec", "chains: []\nfunctions: []\n");
	assert_int_equal(l->rc, 0);
	unload(l);
	/* .json forces the JSON reader: YAML is a syntax error there */
	l = load("spec.json", "chains: []\nfunctions: []\n");
	assert_int_equal(l->rc, 1);
	assert_non_null(strstr(l->errs, "spec.json:1:1: error: /: unexpected 'c'"));
	unload(l);
}

static void dump(void **s)
{
	struct loaded *l = load("t.json",
				"{\"chains\": [{\"id\": 3, \"nodes\": [\"a\"], \"match\": [{\"classifier\": \"c\", \"dst\": \"fd00::/8\"}]}],"
				"\"functions\": [{\"tag\": \"a\", \"type\": \"t\", \"host\": \"h\", \"mac\": \"02:00:00:00:00:aa\"}],"
				"\"classifiers\": [{\"tag\": \"c\", \"host\": \"g\"}]}");
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct cbox_diags d;
	struct cbox_jnode *doc;

	assert_int_equal(l->rc, 0);
	assert_int_equal(cbox_spec_dump_json(l->spec, f), 0);
	fclose(f);
	/* read it back with our own reader and look at the values */
	diag_init(&d, "dump");
	doc = cbox_json_parse(buf, len, &d);
	assert_non_null(doc);
	assert_string_equal(cbox_jnode_at(doc, "/functions/0/mac")->str, "02:00:00:00:00:aa");
	assert_string_equal(cbox_jnode_at(doc, "/functions/0/egress_mac")->str, "02:00:00:00:00:aa");
	assert_string_equal(cbox_jnode_at(doc, "/functions/0/iface")->str, "eth0");
	assert_int_equal(cbox_jnode_at(doc, "/functions/0/netns")->type, CJ_NULL);
	assert_string_equal(cbox_jnode_at(doc, "/chains/0/match/0/dst")->str, "fd00::/8");
	assert_int_equal(cbox_jnode_at(doc, "/chains/0/match/0/proto")->type, CJ_NULL);
	assert_string_equal(cbox_jnode_at(doc, "/classifiers/0/direction")->str, "ingress");
	cbox_jnode_free(doc);
	diag_free(&d);
	free(buf);
	unload(l);
}

static void error_cap_and_order(void **s)
{
	/* 60 unknown fields: 50 shown, in file order, and the rest counted */
	char buf[8192];
	size_t o = snprintf(buf, sizeof(buf), "{\"chains\": [], \"functions\": [\n");
	struct cbox_diags d;
	struct cbox_spec *spec;

	for (int i = 0; i < 60; i++)
		o += snprintf(buf + o, sizeof(buf) - o,
			      "%s{\"tag\": \"f%d\", \"type\": \"t\", \"host\": \"h\", \"x\": 1}\n",
			      i ? "," : "", i);
	snprintf(buf + o, sizeof(buf) - o, "]}");
	diag_init(&d, "t");
	assert_int_equal(cbox_load_spec_mem("t.json", buf, strlen(buf), CBOX_FMT_AUTO, &spec, &d), 1);
	assert_int_equal(d.n_errors, 60);
	assert_int_equal(d.n_lines, 50);
	assert_non_null(strstr(d.lines[0], "t:2:41: error: /functions/0/x: unknown field \"x\""));
	assert_non_null(strstr(d.lines[49], "t:51:"));
	diag_free(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(json_positions),
		cmocka_unit_test(json_strings),
		cmocka_unit_test(json_errors),
		cmocka_unit_test(json_depth),
		cmocka_unit_test(yaml_types_and_positions),
		cmocka_unit_test(yaml_limits),
		cmocka_unit_test(defaults),
		cmocka_unit_test(assigned_macs),
		cmocka_unit_test(match_rules),
		cmocka_unit_test(tosca),
		cmocka_unit_test(format_detection),
		cmocka_unit_test(dump),
		cmocka_unit_test(error_cap_and_order),
	};

	return cmocka_run_group_tests_name("frontend", tests, NULL, NULL);
}
