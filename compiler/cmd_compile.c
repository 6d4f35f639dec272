// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Placeholder until the planner and emitter land (owned by that work). */
#include <stdio.h>
#include "commands.h"

int cmd_compile(int argc, char **argv)
{
	fprintf(stderr, "cboxc: compile: not implemented yet\n");
	return 3;
}
