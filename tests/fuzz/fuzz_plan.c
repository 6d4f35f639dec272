// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer target for the planner: any spec the front end accepts (the
 * format is detected from the content, as cboxc does without --format) is
 * planned, and the plan is rendered as DOT, then everything is freed. A
 * spec the front end accepted must never make the planner fail other than
 * with diagnostics.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "frontend.h"
#include "graph.h"
#include "plan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cbox_spec *spec = NULL;
	struct cbox_plan *plan = NULL;
	struct cbox_diags d;
	int rc;

	diag_init(&d, "fuzz");
	rc = cbox_load_spec_mem("fuzz", (const char *)data, size,
				CBOX_FMT_AUTO, &spec, &d);
	diag_free(&d);
	if (rc || !spec)
		return 0;

	diag_init(&d, "fuzz");
	rc = cbox_plan_build(spec, &d, &plan);
	if (rc == 0) {
		FILE *null = fopen("/dev/null", "w");

		if (!plan)
			abort();
		if (null) {
			cbox_graph_write(plan, null);
			fclose(null);
		}
		cbox_plan_free(plan);
	} else if (rc == 1 && !diag_failed(&d)) {
		abort();	/* refused without saying why */
	}
	diag_free(&d);
	cbox_spec_free(spec);
	return 0;
}
