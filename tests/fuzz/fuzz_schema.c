// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer target for the draft-07 validator. The input is parsed as a
 * JSON document and validated twice: as an instance against the embedded
 * spec schema (what every cboxc run does), and as a schema against itself,
 * so that hostile schemas ($ref cycles, deep allOf, odd patterns) reach the
 * validator too. The two verdicts with and without a diagnostics collector
 * must agree.
 */
#include <stdint.h>
#include <stdlib.h>

#include "json_doc.h"
#include "schema.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct cbox_jnode *spec_schema = cbox_spec_schema();
	struct cbox_jnode *doc;
	struct cbox_diags d;
	bool ok;

	if (!spec_schema)
		abort();	/* the embedded schema must always parse */
	diag_init(&d, "fuzz");
	doc = cbox_json_parse((const char *)data, size, &d);
	diag_free(&d);
	if (!doc)
		return 0;

	diag_init(&d, "fuzz");
	ok = cbox_schema_validate(spec_schema, doc, &d);
	if (ok != cbox_schema_validate(spec_schema, doc, NULL))
		abort();
	if (ok == diag_failed(&d))
		abort();
	diag_free(&d);

	diag_init(&d, "fuzz");
	ok = cbox_schema_validate(doc, doc, &d);
	if (ok != cbox_schema_validate(doc, doc, NULL))
		abort();
	diag_free(&d);

	cbox_jnode_free(doc);
	return 0;
}
