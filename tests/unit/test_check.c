// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Semantic checks: one test per rule, each through the whole front end, so
 * that the error is also placed (LINE:COL, path) where the user must look. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "check.h"
#include "test_frontend_helpers.h"

#define FNS                                                                  \
	"\"functions\": [\n"                                                 \
	"{\"tag\": \"a\", \"type\": \"t\", \"host\": \"h1\"},\n"             \
	"{\"tag\": \"b\", \"type\": \"t\", \"host\": \"h2\"}]"
#define CLS ", \"classifiers\": [{\"tag\": \"c\", \"host\": \"h0\"}]"

static void unknown_tag(void **s)
{
	assert_load_error("t.json", "{\"chains\": [{\"id\": 1, \"nodes\": [\"a\", \"zz\"]}],\n" FNS "}",
			  "t.json:1:38: error: /chains/0/nodes/1: unknown function tag \"zz\"");
}

static void duplicate_tag(void **s)
{
	assert_load_error("t.json",
			  "{\"chains\": [],\n\"functions\": [\n"
			  "{\"tag\": \"a\", \"type\": \"t\", \"host\": \"h1\"},\n"
			  "{\"tag\": \"a\", \"type\": \"t\", \"host\": \"h2\"}]}",
			  "t.json:4:9: error: /functions/1/tag: duplicate tag \"a\"");
}

static void duplicate_chain_id(void **s)
{
	assert_load_error("t.json",
			  "{\"chains\": [{\"id\": 7, \"nodes\": [\"a\"]},\n"
			  "{\"id\": 7, \"nodes\": [\"b\"]}],\n" FNS "}",
			  "t.json:2:8: error: /chains/1/id: duplicate chain id 7");
}

static void spi_range(void **s)
{
	assert_load_error("t.json", "{\"chains\": [{\"id\": 0, \"nodes\": [\"a\"]}],\n" FNS "}",
			  "t.json:1:20: error: /chains/0/id: chain id (SPI) 0 is outside 1..16777215");
	assert_load_error("t.json", "{\"chains\": [{\"id\": 16777216, \"nodes\": [\"a\"]}],\n" FNS "}",
			  "(SPI) 16777216 is outside");
	/* both ends of the range are fine */
	struct loaded *l = load("t.json", "{\"chains\": [{\"id\": 1, \"nodes\": [\"a\"]},"
				"{\"id\": 16777215, \"nodes\": [\"a\"]}],\n" FNS "}");
	assert_int_equal(l->rc, 0);
	assert_int_equal(l->spec->chains[1].id, 16777215);
	unload(l);
}

static void empty_chain(void **s)
{
	assert_load_error("t.json", "{\"chains\": [{\"id\": 5, \"nodes\": []}],\n" FNS "}",
			  "t.json:1:32: error: /chains/0/nodes: chain 5 has no nodes");
}

static char *chain_of(int n)
{
	size_t cap = 64 + n * 6 + 400;
	char *b = malloc(cap);
	size_t o = snprintf(b, cap, "{\"chains\": [{\"id\": 9, \"nodes\": [");

	for (int i = 0; i < n; i++)
		o += snprintf(b + o, cap - o, "%s\"a\"", i ? "," : "");
	snprintf(b + o, cap - o, "]}],\n" FNS "}");
	return b;
}

static void chain_length(void **s)
{
	char *ok = chain_of(254), *bad = chain_of(255);
	struct loaded *l = load("t.json", ok);

	/* 254 hops fit: SI 255 at the classifier down to 1 at the last */
	assert_int_equal(l->rc, 0);
	assert_int_equal(l->spec->chains[0].n_nodes, 254);
	unload(l);
	assert_load_error("t.json", bad, "chain 9 has 255 nodes; at most 254 fit");
	free(ok);
	free(bad);
}

static void mac_malformed_and_duplicate(void **s)
{
	assert_load_error("t.json",
			  "{\"chains\": [], \"functions\": [{\"tag\": \"a\", \"type\": \"t\", \"host\": \"h\", \"mac\": \"02:00:00:00:00\"}]}",
			  "t.json:1:76: error: /functions/0/mac: malformed MAC");
	assert_load_error("t.json",
			  "{\"chains\": [], \"functions\": [{\"tag\": \"a\", \"type\": \"t\", \"host\": \"h\", \"mac\": \"01:00:5e:00:00:01\"}]}",
			  "multicast/broadcast");
	assert_load_error("t.json",
			  "{\"chains\": [], \"functions\": [\n"
			  "{\"tag\": \"a\", \"type\": \"t\", \"host\": \"h\", \"mac\": \"02:00:00:00:00:0A\"},\n"
			  "{\"tag\": \"b\", \"type\": \"t\", \"host\": \"h2\", \"mac\": \"02:00:00:00:00:0a\"}]}",
			  "t.json:3:48: error: /functions/1/mac: duplicate MAC 02:00:00:00:00:0a (also given at /functions/0/mac)");
	/* a classifier's MAC counts too */
	assert_load_error("t.json",
			  "{\"chains\": [], \"functions\": [\n"
			  "{\"tag\": \"a\", \"type\": \"t\", \"host\": \"h\", \"mac\": \"02:00:00:00:00:0a\"}],\n"
			  "\"classifiers\": [{\"tag\": \"c\", \"host\": \"h9\", \"mac\": \"02:00:00:00:00:0a\"}]}",
			  "/classifiers/0/mac: duplicate MAC");
}

static void iface_names(void **s)
{
	static const char *const bad[][2] = {
		{ "eth0123456789abc", "is 16 bytes; Linux allows at most 15" },
		{ "", "interface name is empty" },
		{ "a/b", "contains '/'" },
		{ "a b", "contains 'whitespace'" },
	};
	char buf[512];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(buf, sizeof(buf),
			 "{\"chains\": [], \"functions\": [{\"tag\": \"a\", \"type\": \"t\", \"host\": \"h\", \"iface\": \"%s\"}]}",
			 bad[i][0]);
		assert_load_error("t.json", buf, bad[i][1]);
	}
	/* exactly 15 bytes is the longest name Linux takes */
	struct loaded *l = load("t.json",
				"{\"chains\": [], \"functions\": [{\"tag\": \"a\", \"type\": \"t\", \"host\": \"h\", \"iface\": \"eth0123456789ab\"}]}");
	assert_int_equal(l->rc, 0);
	unload(l);
}

static void netns_names(void **s)
{
	assert_load_error("t.json",
			  "{\"chains\": [], \"functions\": [{\"tag\": \"a\", \"type\": \"t\", \"host\": \"h\", \"netns\": \"a/b\"}]}",
			  "/functions/0/netns: netns name \"a/b\" contains '/'");
	assert_load_error("t.json",
			  "{\"chains\": [], \"functions\": [{\"tag\": \"a\", \"type\": \"t\", \"host\": \"h\", \"netns\": \"..\"}]}",
			  "is not allowed");
}

static void unknown_classifier(void **s)
{
	assert_load_error("t.json",
			  "{\"chains\": [{\"id\": 1, \"nodes\": [\"a\"], \"match\": [{\"classifier\": \"nope\"}]}],\n" FNS CLS "}",
			  "t.json:1:64: error: /chains/0/match/0/classifier: match rule names unknown classifier \"nope\"");
}

static void prefixes(void **s)
{
	static const char *const bad[][2] = {
		{ "10.0.0/24", "bad prefix \"10.0.0/24\"" },
		{ "10.0.0.0/33", "length 33 is over 32 for IPv4" },
		{ "fd00::/129", "length 129 is over 128 for IPv6" },
		{ "192.168.1.1/16", "has host bits set (did you mean 192.168.0.0/16?)" },
		{ "fd00::4000/113", "has host bits set (did you mean fd00::/113?)" },
		{ "10.0.0.0/", "missing length" },
	};
	char buf[512];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(buf, sizeof(buf),
			 "{\"chains\": [{\"id\": 1, \"nodes\": [\"a\"], \"match\": [{\"classifier\": \"c\", \"src\": \"%s\"}]}],\n" FNS CLS "}",
			 bad[i][0]);
		assert_load_error("t.json", buf, bad[i][1]);
	}
}

static void port_ranges(void **s)
{
	static const char *const bad[][2] = {
		{ "\"90-80\"", "low end 90 is above high end 80" },
		{ "\"1-65536\"", "ports go up to 65535" },
		{ "70000", "port 70000 is outside 0..65535" },
		{ "\"8a\"", "does not match the pattern" },
	};
	char buf[512];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(buf, sizeof(buf),
			 "{\"chains\": [{\"id\": 1, \"nodes\": [\"a\"], \"match\": [{\"classifier\": \"c\", \"dport\": %s}]}],\n" FNS CLS "}",
			 bad[i][0]);
		assert_load_error("t.json", buf, bad[i][1]);
	}
}

static void shared_iface(void **s)
{
	assert_load_error("t.json",
			  "{\"chains\": [], \"functions\": [\n"
			  "{\"tag\": \"a\", \"type\": \"t\", \"host\": \"h\", \"netns\": \"n\"},\n"
			  "{\"tag\": \"b\", \"type\": \"t\", \"host\": \"h\", \"netns\": \"n\"}]}",
			  "t.json:3:1: error: /functions/1: functions \"a\" and \"b\" share interface eth0 on host h netns n");
	/* other netns, other host or other iface: no clash */
	struct loaded *l = load("t.json",
				"{\"chains\": [], \"functions\": [\n"
				"{\"tag\": \"a\", \"type\": \"t\", \"host\": \"h\", \"netns\": \"n\"},\n"
				"{\"tag\": \"b\", \"type\": \"t\", \"host\": \"h\", \"netns\": \"m\"},\n"
				"{\"tag\": \"c\", \"type\": \"t\", \"host\": \"h2\", \"netns\": \"n\"},\n"
				"{\"tag\": \"d\", \"type\": \"t\", \"host\": \"h\", \"netns\": \"n\", \"iface\": \"eth1\"}]}");
	assert_int_equal(l->rc, 0);
	unload(l);
}

static void tag_as_classifier(void **s)
{
	assert_load_error("t.json",
			  "{\"chains\": [],\n" FNS ",\n\"classifiers\": [{\"tag\": \"b\", \"host\": \"h\"}]}",
			  "t.json:5:25: error: /classifiers/0/tag: tag \"b\" names both a function");
}

static void parsers(void **s)
{
	struct cbox_prefix p;
	struct cbox_port_range r;
	uint8_t mac[6];
	char why[256];

	assert_int_equal(cbox_parse_prefix("10.1.0.0/16", &p, why, sizeof(why)), 0);
	assert_int_equal(p.family, 4);
	assert_int_equal(p.len, 16);
	assert_int_equal(p.addr[0], 10);
	assert_int_equal(p.addr[1], 1);
	assert_int_equal(cbox_parse_prefix("fd00::1", &p, why, sizeof(why)), 0);
	assert_int_equal(p.family, 6);
	assert_int_equal(p.len, 128);
	assert_int_equal(p.addr[15], 1);
	assert_int_equal(cbox_parse_prefix("0.0.0.0/0", &p, why, sizeof(why)), 0);
	assert_int_equal(cbox_parse_ports("80", &r, why, sizeof(why)), 0);
	assert_int_equal(r.lo, 80);
	assert_int_equal(r.hi, 80);
	assert_int_equal(cbox_parse_ports("0-65535", &r, why, sizeof(why)), 0);
	assert_int_equal(r.hi, 65535);
	assert_int_equal(cbox_parse_ports("-1", &r, why, sizeof(why)), -1);
	assert_int_equal(cbox_parse_mac("02:AB:cd:00:00:01", mac, why, sizeof(why)), 0);
	assert_int_equal(mac[1], 0xab);
	assert_int_equal(mac[2], 0xcd);
	assert_int_equal(cbox_parse_mac("02:ab:cd:00:00:01 ", mac, why, sizeof(why)), -1);
	assert_int_equal(cbox_parse_mac("00:00:00:00:00:00", mac, why, sizeof(why)), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(unknown_tag),
		cmocka_unit_test(duplicate_tag),
		cmocka_unit_test(duplicate_chain_id),
		cmocka_unit_test(spi_range),
		cmocka_unit_test(empty_chain),
		cmocka_unit_test(chain_length),
		cmocka_unit_test(mac_malformed_and_duplicate),
		cmocka_unit_test(iface_names),
		cmocka_unit_test(netns_names),
		cmocka_unit_test(unknown_classifier),
		cmocka_unit_test(prefixes),
		cmocka_unit_test(port_ranges),
		cmocka_unit_test(shared_iface),
		cmocka_unit_test(tag_as_classifier),
		cmocka_unit_test(parsers),
	};

	return cmocka_run_group_tests_name("check", tests, NULL, NULL);
}
