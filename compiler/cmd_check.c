// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* cboxc check SPEC / cboxc dump SPEC -j */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "frontend.h"

/* Shared argument loop: exactly one SPEC plus the common options. */
static int spec_args(int argc, char **argv, const char **spec, bool *json,
		     const char *usage)
{
	*spec = NULL;
	for (int i = 1; i < argc;) {
		int r = cbox_cli_common_opt(argc, argv, &i, json);

		if (r < 0)
			return 2;
		if (r)
			continue;
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			printf("usage: %s\n", usage);
			return -1;
		}
		if (argv[i][0] == '-' && argv[i][1]) {
			fprintf(stderr, "cboxc %s: unknown option %s\nusage: %s\n",
				argv[0], argv[i], usage);
			return 2;
		}
		if (*spec) {
			fprintf(stderr, "cboxc %s: one SPEC only\nusage: %s\n",
				argv[0], usage);
			return 2;
		}
		*spec = argv[i++];
	}
	if (!*spec) {
		fprintf(stderr, "cboxc %s: missing SPEC\nusage: %s\n", argv[0],
			usage);
		return 2;
	}
	return 0;
}

int cmd_check(int argc, char **argv)
{
	struct cbox_spec *spec;
	const char *file;
	bool json = false;
	int rc = spec_args(argc, argv, &file, &json,
			   "cboxc check [--format json|yaml|tosca] [-j] SPEC");

	if (rc)
		return rc < 0 ? 0 : rc;
	rc = cbox_cli_load(file, json, &spec);
	if (rc)
		return rc;
	if (json)
		printf("{\"ok\":true,\"chains\":%zu,\"functions\":%zu,\"classifiers\":%zu}\n",
		       spec->n_chains, spec->n_functions, spec->n_classifiers);
	else
		printf("%s: ok (%zu chains, %zu functions, %zu classifiers)\n",
		       file, spec->n_chains, spec->n_functions,
		       spec->n_classifiers);
	cbox_spec_free(spec);
	return 0;
}

int cmd_dump(int argc, char **argv)
{
	struct cbox_spec *spec;
	const char *file;
	bool json = false;
	int rc = spec_args(argc, argv, &file, &json,
			   "cboxc dump [--format json|yaml|tosca] SPEC -j");

	if (rc)
		return rc < 0 ? 0 : rc;
	rc = cbox_cli_load(file, json, &spec);
	if (rc)
		return rc;
	/* the model is only ever written as JSON; -j also makes errors JSON */
	if (cbox_spec_dump_json(spec, stdout) || fflush(stdout)) {
		perror("cboxc dump: stdout");
		rc = 3;
	}
	cbox_spec_free(spec);
	return rc;
}
