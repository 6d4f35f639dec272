// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* cboxc: the Chaining-Box compiler. Dispatches to the subcommands. */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "frontend.h"

#ifndef CBOX_VERSION
#define CBOX_VERSION "0.1.0"
#endif

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
} cmds[] = {
	{ "check", cmd_check },
	{ "dump", cmd_dump },
	{ "compile", cmd_compile },
	{ "graph", cmd_graph },
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: cboxc [--format json|yaml|tosca] COMMAND [ARGS]\n"
		"\n"
		"  check SPEC             validate a chain spec\n"
		"  dump SPEC -j           print the normalized model as JSON\n"
		"  compile SPEC -o OUTDIR write one bundle per host\n"
		"  graph SPEC [-o FILE]   Graphviz DOT of the chains\n"
		"\n"
		"  --format F   force the spec format (default: by extension, then content)\n"
		"  -j           JSON output; errors as {\"error\": ...}\n"
		"  -h, --help   this help;  --version  print the version\n"
		"\n"
		"Exit: 0 ok, 1 bad spec, 2 usage, 3 system error.\n");
}

int main(int argc, char **argv)
{
	int i = 1;

	while (i < argc && argv[i][0] == '-') {
		int r;

		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		}
		if (!strcmp(argv[i], "--version")) {
			printf("cboxc %s\n", CBOX_VERSION);
			return 0;
		}
		r = cbox_cli_common_opt(argc, argv, &i, NULL);
		if (r < 0)
			return 2;
		if (!r) {
			fprintf(stderr, "cboxc: unknown option %s\n", argv[i]);
			usage(stderr);
			return 2;
		}
	}
	if (i >= argc) {
		usage(stderr);
		return 2;
	}
	for (size_t c = 0; c < sizeof(cmds) / sizeof(cmds[0]); c++)
		if (!strcmp(argv[i], cmds[c].name))
			return cmds[c].fn(argc - i, argv + i);
	if (!strcmp(argv[i], "help")) {
		usage(stdout);
		return 0;
	}
	fprintf(stderr, "cboxc: unknown command \"%s\"\n", argv[i]);
	usage(stderr);
	return 2;
}
