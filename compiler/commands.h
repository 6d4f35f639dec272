/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* cboxc subcommands; main.c dispatches, each returns the process exit code
 * (0 ok, 1 bad input, 2 usage, 3 system error). argv[0] is the subcommand. */
#ifndef CBOX_COMMANDS_H
#define CBOX_COMMANDS_H

int cmd_check(int argc, char **argv);
int cmd_dump(int argc, char **argv);
int cmd_compile(int argc, char **argv);
int cmd_graph(int argc, char **argv);

#endif
