// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Placeholder until the graph writer lands (owned by the planner work). */
#include <stdio.h>
#include "commands.h"

int cmd_graph(int argc, char **argv)
{
	fprintf(stderr, "cboxc: graph: not implemented yet\n");
	return 3;
}
