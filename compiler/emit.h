/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The bundle emitter: writes a plan as OUTDIR/<host>/ per compiler/BUNDLE.md,
 * and the Graphviz view of it (graph.h). Output is a function of the plan
 * and the template objects only: no time, no absolute path, sorted.
 */
#ifndef CBOX_EMIT_H
#define CBOX_EMIT_H

#include <stdbool.h>
#include <stddef.h>

#include "plan.h"

/* Name of the marker file that says "this directory is cboxc output". */
#define CBOX_OUT_MARKER ".cboxc-output"

/*
 * Writes the bundles of every host into outdir, atomically: the tree is built
 * in a sibling temporary directory and swapped in, so a failure leaves outdir
 * as it was. templates: directory holding dec.bpf.o, egress.bpf.o, ... .
 * Returns 0, or an exit code (1 bad input, 3 system error) with a message in
 * err.
 */
int cbox_emit(const struct cbox_plan *plan, const char *outdir,
	      const char *templates, char *err, size_t errlen);

/* Where templates are looked for when --templates is not given. */
const char *cbox_default_templates(const char *argv0, char *buf, size_t len);

/* Prints planner diagnostics as the front end prints its own (stderr, or
 * {"error": ...} lines with -j); returns 1, the exit code of bad input. */
int cbox_cli_print_diags(const struct cbox_diags *d, bool json);

#endif /* CBOX_EMIT_H */
