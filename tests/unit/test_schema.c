// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The validator's messages and positions (the JSON-Schema-Test-Suite runner
 * covers the verdicts); the embedded spec schema. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "json_doc.h"
#include "schema.h"

static struct cbox_jnode *parse(const char *t)
{
	struct cbox_diags d;
	struct cbox_jnode *n;

	diag_init(&d, "p");
	n = cbox_json_parse(t, strlen(t), &d);
	diag_free(&d);
	assert_non_null(n);
	return n;
}

/* Validates; returns the errors joined. */
static char *run(const char *schema, const char *inst, bool *ok)
{
	struct cbox_jnode *s = parse(schema), *x = parse(inst);
	struct cbox_diags d;
	static char out[4096];
	size_t o = 0;

	diag_init(&d, "i");
	*ok = cbox_schema_validate(s, x, &d);
	out[0] = 0;
	for (int i = 0; i < d.n_lines; i++)
		o += snprintf(out + o, sizeof(out) - o, "%s\n", d.lines[i]);
	diag_free(&d);
	cbox_jnode_free(s);
	cbox_jnode_free(x);
	return out;
}

static void messages(void **st)
{
	bool ok;
	char *e;

	e = run("{\"properties\": {\"a\": {\"type\": \"integer\"}}, \"additionalProperties\": false, \"required\": [\"z\"]}",
		"{\"a\": 1.5,\n \"b\": 2}", &ok);
	assert_false(ok);
	assert_non_null(strstr(e, "i:1:1: error: /: missing required field \"z\""));
	assert_non_null(strstr(e, "i:1:7: error: /a: expected integer, got number 1.5"));
	assert_non_null(strstr(e, "i:2:2: error: /b: unknown field \"b\""));
	e = run("{\"items\": {\"enum\": [\"x\", 2]}}", "[\"x\", 2, \"y\"]", &ok);
	assert_false(ok);
	assert_non_null(strstr(e, "i:1:10: error: /2: \"y\" is not one of: \"x\", 2"));
	e = run("{\"anyOf\": [{\"type\": \"integer\", \"maximum\": 5}, {\"type\": \"string\", \"pattern\": \"^\\\\d+-\\\\d+$\"}]}",
		"\"1-x\"", &ok);
	assert_false(ok);
	/* the one branch whose type fits explains the failure */
	assert_non_null(strstr(e, "does not match the pattern"));
	e = run("{\"oneOf\": [{\"type\": \"integer\"}, {\"minimum\": 0}]}", "3", &ok);
	assert_false(ok);
	assert_non_null(strstr(e, "matches 2 of the 2 allowed forms"));
	e = run("{\"$ref\": \"#/definitions/a~1b\", \"definitions\": {\"a/b\": {\"maxLength\": 2}}}",
		"\"\xc3\xa9\xc3\xa9\"", &ok);
	/* two code points, four bytes: within maxLength 2 */
	assert_true(ok);
	e = run("{\"$ref\": \"#/nowhere\"}", "1", &ok);
	assert_false(ok);
	assert_non_null(strstr(e, "cannot be resolved"));
	/* recursion through a definition follows the instance down */
	e = run("{\"$ref\": \"#/definitions/n\", \"definitions\": {\"n\": {\"properties\": {\"a\": {\"$ref\": \"#/definitions/n\"}}, \"maxProperties\": 1}}}",
		"{\"a\": {\"a\": {\"a\": 1, \"b\": 2}}}", &ok);
	assert_false(ok);
	assert_non_null(strstr(e, "i:1:13: error: /a/a: object has 2 fields, more than 1"));
	/* a $ref to itself with nothing to descend into ends, as an error */
	e = run("{\"$ref\": \"#\"}", "1", &ok);
	assert_false(ok);
	assert_non_null(strstr(e, "nest deeper than"));
}

static void regex_translation(void **st)
{
	bool ok;

	run("{\"pattern\": \"^\\\\w+\\\\s\\\\d$\"}", "\"ab_9 7\"", &ok);
	assert_true(ok);
	run("{\"pattern\": \"^[\\\\d.]+$\"}", "\"1.2.3\"", &ok);
	assert_true(ok);
	run("{\"pattern\": \"^[\\\\d.]+$\"}", "\"1.a\"", &ok);
	assert_false(ok);
	run("{\"pattern\": \"^a\\\\.b$\"}", "\"axb\"", &ok);
	assert_false(ok);
	/* unsupported constructs fail loudly rather than match wrongly */
	run("{\"pattern\": \"\\\\bword\"}", "\"word\"", &ok);
	assert_false(ok);
}

static void spec_schema(void **st)
{
	const struct cbox_jnode *s = cbox_spec_schema();
	struct cbox_jnode *x;

	assert_non_null(s);
	assert_non_null(cbox_jnode_at(s, "/definitions/Configfile/properties/classifiers"));
	assert_non_null(cbox_jnode_at(s, "/definitions/Function/properties/egress_mac"));
	x = parse("{\"chains\": [{\"id\": 1, \"nodes\": [\"a\"]}], \"functions\": [{\"tag\": \"a\", \"type\": \"t\", \"host\": \"h\"}]}");
	assert_true(cbox_schema_validate(s, x, NULL));
	cbox_jnode_free(x);
	x = parse("{\"chains\": [], \"functions\": [], \"extra\": 1}");
	assert_false(cbox_schema_validate(s, x, NULL));
	cbox_jnode_free(x);
	cbox_spec_schema_release();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(messages),
		cmocka_unit_test(regex_translation),
		cmocka_unit_test(spec_schema),
	};

	return cmocka_run_group_tests_name("schema", tests, NULL, NULL);
}
