// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* cboxc graph SPEC [-o FILE]: the plan as Graphviz DOT (stdout by default). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "emit.h"
#include "frontend.h"
#include "graph.h"
#include "plan.h"

static int usage(void)
{
	fprintf(stderr, "usage: cboxc graph SPEC [-o FILE] [--format json|yaml|tosca] [-j]\n");
	return 2;
}

int cmd_graph(int argc, char **argv)
{
	const char *spec_file = NULL, *outfile = NULL;
	bool json = false;
	struct cbox_spec *spec = NULL;
	struct cbox_plan *plan = NULL;
	struct cbox_diags d;
	FILE *out = stdout;
	int rc;

	for (int i = 1; i < argc;) {
		int r = cbox_cli_common_opt(argc, argv, &i, &json);

		if (r < 0)
			return 2;
		if (r)
			continue;
		if (!strcmp(argv[i], "-o") && i + 1 < argc) {
			outfile = argv[i + 1];
			i += 2;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			fprintf(stderr, "cboxc graph: unknown option '%s'\n",
				argv[i]);
			return usage();
		} else if (!spec_file) {
			spec_file = argv[i++];
		} else {
			return usage();
		}
	}
	if (!spec_file)
		return usage();
	rc = cbox_cli_load(spec_file, json, &spec);
	if (rc)
		return rc;
	diag_init(&d, spec_file);
	rc = cbox_plan_build(spec, &d, &plan);
	if (rc) {
		rc = rc < 0 ? 3 : cbox_cli_print_diags(&d, json);
		goto out;
	}
	if (outfile && strcmp(outfile, "-")) {
		out = fopen(outfile, "w");
		if (!out) {
			fprintf(stderr, "cboxc: error: %s: %s\n", outfile,
				strerror(errno));
			rc = 3;
			goto out;
		}
	}
	if (cbox_graph_write(plan, out) < 0)
		rc = 3;
	if (out != stdout && fclose(out))
		rc = 3;
	if (rc == 3)
		fprintf(stderr, "cboxc: error: %s: write failed\n",
			outfile ? outfile : "stdout");
out:
	diag_free(&d);
	cbox_plan_free(plan);
	cbox_spec_free(spec);
	return rc;
}
