// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Planner unit tests on specs built by hand (no front end involved). The
 * expected tables are written from the thesis text and the planning rules,
 * not copied from the planner's output.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "plan.h"

/* A spec under construction; strings are literals, arrays are static. */
#define MAXF 300
#define MAXC 8

struct tspec {
	struct cbox_spec spec;
	struct cbox_function fns[MAXF];
	struct cbox_chain chains[MAXC];
	struct cbox_classifier cls[4];
	char *nodes[MAXC][300];
	char paths[MAXC][32];
	char names[MAXF][16];
	struct cbox_diags d;
};

static struct tspec *ts_new(void)
{
	struct tspec *t = calloc(1, sizeof(*t));

	t->spec.file = "test.json";
	t->spec.functions = t->fns;
	t->spec.chains = t->chains;
	t->spec.classifiers = t->cls;
	diag_init(&t->d, "test.json");
	return t;
}

static void ts_free(struct tspec *t)
{
	diag_free(&t->d);
	free(t);
}

/* Function with MAC 02:cb:00:00:00:<n+1>, egress MAC known and equal. */
static struct cbox_function *fn(struct tspec *t, const char *tag,
				const char *host, const char *netns)
{
	size_t n = t->spec.n_functions++;
	struct cbox_function *f = &t->fns[n];

	f->tag = (char *)tag;
	f->type = "tc-redirect";
	f->host = (char *)host;
	f->iface = "eth0";
	f->egress_iface = "eth0";
	f->netns = (char *)netns;
	f->mac[0] = 0x02;
	f->mac[1] = 0xcb;
	f->mac[4] = (uint8_t)((n + 1) >> 8);
	f->mac[5] = (uint8_t)(n + 1);
	memcpy(f->egress_mac, f->mac, 6);
	f->egress_mac_known = true;
	return f;
}

static struct cbox_chain *chain(struct tspec *t, uint32_t id, size_t n,
				const char **tags)
{
	size_t c = t->spec.n_chains++;
	struct cbox_chain *ch = &t->chains[c];

	for (size_t i = 0; i < n; i++)
		t->nodes[c][i] = (char *)tags[i];
	ch->id = id;
	ch->nodes = t->nodes[c];
	ch->n_nodes = n;
	snprintf(t->paths[c], sizeof(t->paths[c]), "/chains/%zu", c);
	ch->path = t->paths[c];
	ch->loc.line = (int)(10 + c);
	ch->loc.col = 5;
	return ch;
}

#define CHAIN(t, id, ...)                                                     \
	chain(t, id, sizeof((const char *[]){ __VA_ARGS__ }) / sizeof(char *), \
	      (const char *[]){ __VA_ARGS__ })

static const struct cbox_plan_box *box(const struct cbox_plan *p,
				       const char *tag)
{
	const struct cbox_plan_box *b = cbox_plan_box_by_tag(p, tag);

	assert_non_null(b);
	return b;
}

static const uint8_t zero_mac[6];

/* Thesis Figure 5.10, right side, transcribed:
 *   sf1: (200,254) SF3 MAC 0
 *   sf2: (100,254) SF3 MAC 0
 *   sf3: (100,253) ZERO 1; (200,253) ZERO 1 */
static void test_figure_5_10(void **state)
{
	struct tspec *t = ts_new();
	struct cbox_plan *p;
	const struct cbox_plan_box *b;
	struct cbox_function *sf3;

	fn(t, "sf1", "server1", NULL);
	fn(t, "sf2", "server1", NULL);
	sf3 = fn(t, "sf3", "server2", NULL);
	CHAIN(t, 100, "sf2", "sf3");
	CHAIN(t, 200, "sf1", "sf3");
	assert_int_equal(cbox_plan_build(&t->spec, &t->d, &p), 0);

	b = box(p, "sf1");
	assert_int_equal(b->n_rules, 1);
	assert_int_equal(b->rules[0].spi, 200);
	assert_int_equal(b->rules[0].si, 254);
	assert_int_equal(b->rules[0].action, CBOX_ACT_FWD);
	assert_memory_equal(b->rules[0].mac, sf3->mac, 6);
	assert_string_equal(b->rules[0].next->fn->tag, "sf3");

	b = box(p, "sf2");
	assert_int_equal(b->n_rules, 1);
	assert_int_equal(b->rules[0].spi, 100);
	assert_int_equal(b->rules[0].si, 254);
	assert_int_equal(b->rules[0].action, CBOX_ACT_FWD);
	assert_memory_equal(b->rules[0].mac, sf3->mac, 6);

	b = box(p, "sf3");
	assert_int_equal(b->n_rules, 2);
	assert_int_equal(b->rules[0].spi, 100);
	assert_int_equal(b->rules[0].si, 253);
	assert_int_equal(b->rules[0].action, CBOX_ACT_END);
	assert_memory_equal(b->rules[0].mac, zero_mac, 6);
	assert_null(b->rules[0].next);
	assert_int_equal(b->rules[1].spi, 200);
	assert_int_equal(b->rules[1].si, 253);
	assert_int_equal(b->rules[1].action, CBOX_ACT_END);

	/* two hosts, boxes numbered per host in tag order */
	assert_int_equal(p->n_hosts, 2);
	assert_string_equal(p->hosts[0].name, "server1");
	assert_int_equal(p->hosts[0].n_boxes, 2);
	assert_int_equal(box(p, "sf1")->box_id, 1);
	assert_int_equal(box(p, "sf2")->box_id, 2);
	assert_int_equal(box(p, "sf3")->box_id, 1);
	/* same host but no netns: no direct link, and every box decaps */
	assert_int_equal(p->n_dlinks, 0);
	assert_true(box(p, "sf1")->dec && box(p, "sf3")->dec);
	assert_int_equal(box(p, "sf1")->sf, CBOX_SF_REDIRECT);
	/* sf3 is reached from sf1 and sf2: both egress MACs, sorted */
	b = box(p, "sf3");
	assert_int_equal(b->n_prev_hops, 2);
	assert_memory_equal(b->prev_hops[0], t->fns[0].mac, 6);
	assert_memory_equal(b->prev_hops[1], t->fns[1].mac, 6);
	/* chains start at sf1/sf2 without a classifier in the spec */
	assert_int_equal(box(p, "sf1")->prev_off, CBOX_PREV_OFF_NO_CLASSIFIER);
	assert_int_equal(box(p, "sf1")->n_prev_hops, 0);
	cbox_plan_free(p);
	ts_free(t);
}

static void test_box_ids_tag_order(void **state)
{
	struct tspec *t = ts_new();
	struct cbox_plan *p;

	fn(t, "zeta", "h", NULL);
	fn(t, "alpha", "h", NULL);
	fn(t, "mid", "h", NULL);
	fn(t, "other", "a-host", NULL);
	assert_int_equal(cbox_plan_build(&t->spec, &t->d, &p), 0);
	assert_int_equal(box(p, "alpha")->box_id, 1);
	assert_int_equal(box(p, "mid")->box_id, 2);
	assert_int_equal(box(p, "zeta")->box_id, 3);
	assert_int_equal(box(p, "other")->box_id, 1);
	assert_string_equal(p->hosts[0].name, "a-host");
	assert_string_equal(p->hosts[1].name, "h");
	assert_string_equal(p->hosts[1].boxes[0]->fn->tag, "alpha");
	assert_string_equal(p->hosts[1].boxes[2]->fn->tag, "zeta");
	cbox_plan_free(p);
	ts_free(t);
}

static void test_repeat_in_a_row_rejected(void **state)
{
	struct tspec *t = ts_new();
	struct cbox_plan *p;

	fn(t, "a", "h1", NULL);
	fn(t, "b", "h2", NULL);
	CHAIN(t, 5, "a", "b", "b");
	assert_int_equal(cbox_plan_build(&t->spec, &t->d, &p), 1);
	assert_null(p);
	assert_int_equal(t->d.n_errors, 1);
	assert_non_null(strstr(t->d.lines[0], "test.json:10:5: error: /chains/0/nodes/2: chain 5: function 'b' follows itself"));
	ts_free(t);
}

static void test_unknown_and_too_long(void **state)
{
	struct tspec *t = ts_new();
	struct cbox_plan *p;
	static const char *many[255];

	fn(t, "a", "h1", NULL);
	fn(t, "b", "h1", NULL);
	CHAIN(t, 1, "a", "nope");
	for (int i = 0; i < 255; i++)
		many[i] = i % 2 ? "b" : "a";
	chain(t, 2, 255, many);
	assert_int_equal(cbox_plan_build(&t->spec, &t->d, &p), 1);
	assert_int_equal(t->d.n_errors, 2);
	assert_non_null(strstr(t->d.lines[0], "/chains/0/nodes/1: chain 1: unknown function 'nope'"));
	assert_non_null(strstr(t->d.lines[1], "/chains/1: chain 2 has 255 nodes"));
	ts_free(t);
}

static void test_chain_254(void **state)
{
	struct tspec *t = ts_new();
	struct cbox_plan *p;
	static const char *tags[254];
	static char names[254][8];

	for (int i = 0; i < 254; i++) {
		snprintf(names[i], sizeof(names[i]), "f%03d", i);
		tags[i] = names[i];
		fn(t, names[i], i % 2 ? "h2" : "h1", NULL);
	}
	chain(t, 0xFFFFFF, 254, tags);
	assert_int_equal(cbox_plan_build(&t->spec, &t->d, &p), 0);
	assert_int_equal(box(p, "f000")->rules[0].si, 254);
	assert_int_equal(box(p, "f252")->rules[0].si, 2);
	assert_int_equal(box(p, "f252")->rules[0].action, CBOX_ACT_FWD);
	assert_int_equal(box(p, "f253")->rules[0].si, 1);
	assert_int_equal(box(p, "f253")->rules[0].action, CBOX_ACT_END);
	assert_int_equal(box(p, "f253")->rules[0].spi, 0xFFFFFF);
	assert_int_equal(p->n_rules_total, 254);
	cbox_plan_free(p);
	ts_free(t);
}

/* PhantomSFC-like star F X1 F X2 F: F holds three rules, one per visit. */
static void test_star(void **state)
{
	struct tspec *t = ts_new();
	struct cbox_plan *p;
	const struct cbox_plan_box *f;

	fn(t, "F", "h1", NULL);
	fn(t, "X1", "h2", NULL);
	fn(t, "X2", "h3", NULL);
	CHAIN(t, 9, "F", "X1", "F", "X2", "F");
	assert_int_equal(cbox_plan_build(&t->spec, &t->d, &p), 0);
	f = box(p, "F");
	assert_int_equal(f->n_rules, 3);
	assert_int_equal(f->rules[0].si, 254);
	assert_string_equal(f->rules[0].next->fn->tag, "X1");
	assert_int_equal(f->rules[1].si, 252);
	assert_string_equal(f->rules[1].next->fn->tag, "X2");
	assert_int_equal(f->rules[2].si, 250);
	assert_int_equal(f->rules[2].action, CBOX_ACT_END);
	assert_int_equal(box(p, "X1")->rules[0].si, 253);
	assert_int_equal(box(p, "X2")->rules[0].si, 251);
	/* F is entered from X1 and X2 (and chain start): MACs of X1, X2 */
	assert_int_equal(f->prev_off, CBOX_PREV_OFF_NO_CLASSIFIER);
	assert_int_equal(box(p, "X1")->n_prev_hops, 1);
	assert_memory_equal(box(p, "X1")->prev_hops[0], t->fns[0].mac, 6);
	cbox_plan_free(p);
	ts_free(t);
}

/* a (h1,nsA) -> b (h1,nsB) -> c (h2): Figure 5.9a; and chain 2 = a b: 5.9b,
 * sharing the same veth pair. */
static void test_dlink_corner_cases(void **state)
{
	struct tspec *t = ts_new();
	struct cbox_plan *p;
	const struct cbox_plan_box *a, *b;
	const struct cbox_plan_dlink *l;

	fn(t, "a", "h1", "nsA");
	fn(t, "b", "h1", "nsB");
	fn(t, "c", "h2", "nsC");
	CHAIN(t, 1, "a", "b", "c");
	CHAIN(t, 2, "a", "b");
	assert_int_equal(cbox_plan_build(&t->spec, &t->d, &p), 0);
	assert_int_equal(p->n_dlinks, 1);
	l = &p->dlinks[0];
	assert_int_equal(l->n_chains, 2);
	assert_string_equal(l->from->fn->tag, "a");
	assert_string_equal(l->to->fn->tag, "b");
	assert_true(strlen(l->name) <= 15 && strlen(l->peer_name) <= 15);
	assert_string_not_equal(l->name, l->peer_name);
	assert_int_equal(l->mac[0], 0x02);
	assert_int_equal(l->mac[1], 0xcd);
	assert_memory_not_equal(l->mac, l->peer_mac, 6);
	/* the downstream end wears the downstream box's MAC */
	assert_memory_equal(l->peer_mac, l->to->fn->mac, 6);
	assert_int_equal(p->hosts[0].n_dlinks, 1);

	a = box(p, "a");
	assert_int_equal(a->rules[0].action, CBOX_ACT_DLINK);
	assert_ptr_equal(a->rules[0].dlink, l);
	assert_memory_equal(a->rules[0].mac, l->peer_mac, 6);
	assert_int_equal(a->rules[1].action, CBOX_ACT_DLINK);

	b = box(p, "b");
	assert_false(b->dec);	/* only entered over the veth */
	assert_true(b->enc);
	assert_int_equal(b->rules[0].corner, CBOX_CORNER_59A);
	assert_int_equal(b->rules[0].action, CBOX_ACT_FWD);
	assert_int_equal(b->rules[1].corner, CBOX_CORNER_59B);
	assert_int_equal(b->rules[1].action, CBOX_ACT_END);
	assert_int_equal(b->prev_off, CBOX_PREV_OFF_NO_UNDERLAY);
	/* c is reached over the underlay from b */
	assert_int_equal(box(p, "c")->n_prev_hops, 1);
	assert_memory_equal(box(p, "c")->prev_hops[0], t->fns[1].mac, 6);
	cbox_plan_free(p);
	ts_free(t);
}

/* Three on one host, then alternating hosts: x y z on h1 are linked; the
 * a-h1 / b-h2 alternation never is. Same netns or no netns: no link. */
static void test_dlink_shapes(void **state)
{
	struct tspec *t = ts_new();
	struct cbox_plan *p;

	fn(t, "x", "h1", "nx");
	fn(t, "y", "h1", "ny");
	fn(t, "z", "h1", "nz");
	fn(t, "s1", "h2", "same");
	fn(t, "s2", "h2", "same");
	fn(t, "p", "h3", NULL);
	fn(t, "q", "h3", "nq");
	CHAIN(t, 1, "x", "y", "z");
	CHAIN(t, 2, "x", "s1", "y", "s2", "z");
	CHAIN(t, 3, "s1", "s2", "p", "q");
	CHAIN(t, 4, "z", "y");
	assert_int_equal(cbox_plan_build(&t->spec, &t->d, &p), 0);
	/* x->y, y->z, z->y: three pairs, y has two in and one out */
	assert_int_equal(p->n_dlinks, 3);
	assert_int_equal(box(p, "y")->rules[0].action, CBOX_ACT_DLINK);
	assert_int_equal(box(p, "y")->rules[0].corner, CBOX_CORNER_NONE);
	assert_true(box(p, "y")->rules[0].in_dlink);
	/* chain 2 reaches y over the underlay, so y keeps Dec */
	assert_true(box(p, "y")->dec);
	assert_true(box(p, "z")->dec);
	assert_int_equal(box(p, "z")->rules[0].corner, CBOX_CORNER_59B);
	assert_int_equal(box(p, "z")->rules[2].spi, 4);
	assert_int_equal(box(p, "z")->rules[2].action, CBOX_ACT_DLINK);
	assert_int_equal(box(p, "s1")->rules[1].action, CBOX_ACT_FWD);
	assert_int_equal(box(p, "p")->rules[0].action, CBOX_ACT_FWD);
	/* per-host lists sorted by (from, to) */
	assert_int_equal(p->hosts[0].n_dlinks, 3);
	assert_string_equal(p->hosts[0].dlinks[0]->from->fn->tag, "x");
	assert_string_equal(p->hosts[0].dlinks[1]->from->fn->tag, "y");
	assert_string_equal(p->hosts[0].dlinks[2]->from->fn->tag, "z");
	for (size_t i = 0; i < p->n_dlinks; i++)
		for (size_t j = i + 1; j < p->n_dlinks; j++) {
			assert_string_not_equal(p->dlinks[i].name,
						p->dlinks[j].name);
			assert_memory_not_equal(p->dlinks[i].mac,
						p->dlinks[j].mac, 6);
		}
	cbox_plan_free(p);
	ts_free(t);
}

static void test_nsh_aware(void **state)
{
	struct tspec *t = ts_new();
	struct cbox_plan *p;

	fn(t, "a", "h1", "na")->nsh_aware = true;
	fn(t, "b", "h1", "nb");
	t->fns[0].type = "nsh-aware";
	CHAIN(t, 1, "a", "b");
	assert_int_equal(cbox_plan_build(&t->spec, &t->d, &p), 0);
	assert_false(box(p, "a")->dec);
	assert_false(box(p, "a")->enc);
	assert_int_equal(box(p, "a")->sf, CBOX_SF_NONE);
	/* NSH must reach the NSH-aware SF: no veth shortcut */
	assert_int_equal(box(p, "a")->rules[0].action, CBOX_ACT_FWD);
	assert_int_equal(p->n_dlinks, 0);
	assert_true(box(p, "b")->dec);
	cbox_plan_free(p);
	ts_free(t);
}

static void test_classifiers(void **state)
{
	struct tspec *t = ts_new();
	struct cbox_plan *p;
	struct cbox_match m1[2] = { 0 }, m2[1] = { 0 };
	struct cbox_chain *c;
	const struct cbox_plan_box *b;

	fn(t, "a", "h1", NULL);
	fn(t, "b", "h2", NULL);
	t->cls[0] = (struct cbox_classifier){ .tag = "c1", .host = "h0",
					      .iface = "eth0", .mac_known = true,
					      .mac = { 2, 0xaa, 0, 0, 0, 1 } };
	t->cls[1] = (struct cbox_classifier){ .tag = "c0", .host = "h0",
					      .iface = "eth1", .mac_known = true,
					      .mac = { 2, 0xaa, 0, 0, 0, 2 } };
	t->spec.n_classifiers = 2;
	m1[0].classifier = "c1";
	m1[0].proto = 6;
	m1[1].classifier = "c0";
	m1[1].proto = -1;
	m2[0].classifier = "c1";
	m2[0].proto = 17;
	c = CHAIN(t, 10, "a", "b");
	c->match = m1;
	c->n_match = 2;
	c = CHAIN(t, 20, "b", "a");
	c->match = m2;
	c->n_match = 1;
	assert_int_equal(cbox_plan_build(&t->spec, &t->d, &p), 0);
	assert_int_equal(p->n_hosts, 3);
	assert_string_equal(p->hosts[0].name, "h0");
	assert_int_equal(p->hosts[0].n_classifiers, 2);
	assert_string_equal(p->hosts[0].classifiers[0]->cls->tag, "c0");
	/* c1: chain 10's rule then chain 20's, file order */
	assert_int_equal(p->classifiers[0].n_rules, 2);
	assert_int_equal(p->classifiers[0].rules[0].spi, 10);
	assert_int_equal(p->classifiers[0].rules[0].match->proto, 6);
	assert_string_equal(p->classifiers[0].rules[0].first->fn->tag, "a");
	assert_int_equal(p->classifiers[0].rules[1].spi, 20);
	assert_string_equal(p->classifiers[0].rules[1].first->fn->tag, "b");
	assert_int_equal(p->classifiers[1].n_rules, 1);
	/* a starts chain 10 (classifiers c1, c0) and is reached from b in
	 * chain 20: three MACs, sorted (02:aa:.. before 02:cb:..) */
	b = box(p, "a");
	assert_int_equal(b->prev_off, CBOX_PREV_ON);
	assert_int_equal(b->n_prev_hops, 3);
	assert_memory_equal(b->prev_hops[0], t->cls[0].mac, 6);
	assert_memory_equal(b->prev_hops[1], t->cls[1].mac, 6);
	assert_memory_equal(b->prev_hops[2], t->fns[1].mac, 6);
	cbox_plan_free(p);

	/* unknown classifier MAC: check off for a, with the reason */
	t->cls[1].mac_known = false;
	assert_int_equal(cbox_plan_build(&t->spec, &t->d, &p), 0);
	assert_int_equal(box(p, "a")->prev_off, CBOX_PREV_OFF_UNKNOWN_MAC);
	assert_string_equal(box(p, "a")->prev_off_detail, "c0");
	assert_int_equal(box(p, "a")->n_prev_hops, 0);
	cbox_plan_free(p);
	/* unknown egress MAC of a previous hop */
	t->cls[1].mac_known = true;
	t->fns[1].egress_mac_known = false;
	assert_int_equal(cbox_plan_build(&t->spec, &t->d, &p), 0);
	assert_int_equal(box(p, "a")->prev_off, CBOX_PREV_OFF_UNKNOWN_MAC);
	assert_string_equal(box(p, "a")->prev_off_detail, "b");
	cbox_plan_free(p);
	ts_free(t);
}

static void test_too_many_prev_hops(void **state)
{
	struct tspec *t = ts_new();
	struct cbox_plan *p;
	static char names[40][8];
	static const char *nodes[80];
	size_t n = 0;
	int i;

	fn(t, "hub", "hub-host", NULL);
	for (i = 0; i < 33; i++) {
		snprintf(names[i], sizeof(names[i]), "s%02d", i);
		fn(t, names[i], "h", NULL);
	}
	/* s00 hub s01 hub ... s31 hub: 32 distinct previous hops fit */
	for (i = 0; i < 32; i++) {
		nodes[n++] = names[i];
		nodes[n++] = "hub";
	}
	chain(t, 1, n, nodes);
	assert_int_equal(cbox_plan_build(&t->spec, &t->d, &p), 0);
	assert_int_equal(box(p, "hub")->prev_off, CBOX_PREV_ON);
	assert_int_equal(box(p, "hub")->n_prev_hops, 32);
	cbox_plan_free(p);
	/* ... s32 hub: 33 do not, and the check goes off, saying why */
	nodes[n++] = names[32];
	nodes[n++] = "hub";
	t->chains[0].n_nodes = n;
	t->nodes[0][n - 2] = names[32];
	t->nodes[0][n - 1] = "hub";
	assert_int_equal(cbox_plan_build(&t->spec, &t->d, &p), 0);
	assert_int_equal(box(p, "hub")->prev_off, CBOX_PREV_OFF_TOO_MANY);
	assert_int_equal(box(p, "hub")->n_prev_hops, 0);
	cbox_plan_free(p);
	ts_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_figure_5_10),
		cmocka_unit_test(test_box_ids_tag_order),
		cmocka_unit_test(test_repeat_in_a_row_rejected),
		cmocka_unit_test(test_unknown_and_too_long),
		cmocka_unit_test(test_chain_254),
		cmocka_unit_test(test_star),
		cmocka_unit_test(test_dlink_corner_cases),
		cmocka_unit_test(test_dlink_shapes),
		cmocka_unit_test(test_nsh_aware),
		cmocka_unit_test(test_classifiers),
		cmocka_unit_test(test_too_many_prev_hops),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
