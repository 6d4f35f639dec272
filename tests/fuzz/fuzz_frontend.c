// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer target for one front end (JSON, YAML or the TOSCA profile),
 * chosen at build time with -DFUZZ_FMT: the bytes go through the whole of
 * cbox_load_spec_mem (parse, schema, semantic checks, model), and whatever
 * it builds or reports is freed again, so ASan sees leaks too. The dump of
 * an accepted spec is written out as well, to reach that code.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "frontend.h"

#ifndef FUZZ_FMT
#error "build with -DFUZZ_FMT=CBOX_FMT_JSON (or _YAML, _TOSCA)"
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cbox_spec *spec = NULL;
	struct cbox_diags d;
	int rc;

	diag_init(&d, "fuzz");
	rc = cbox_load_spec_mem("fuzz", (const char *)data, size, FUZZ_FMT,
				&spec, &d);
	if (rc == 0 && spec) {
		FILE *null = fopen("/dev/null", "w");

		if (null) {
			cbox_spec_dump_json(spec, null);
			fclose(null);
		}
	}
	/* an accepted spec has no errors, a refused one has at least one */
	if ((rc == 0) != !diag_failed(&d) || (rc == 0) != (spec != NULL))
		abort();
	if (spec)
		cbox_spec_free(spec);
	diag_free(&d);
	return 0;
}
