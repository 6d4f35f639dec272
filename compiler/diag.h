/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Diagnostics for spec errors: collected, not printed at once, so that a run
 * reports every error of the file (capped) in the contract's form
 *   FILE:LINE:COL: error: JSON-PATH: message
 * Front ends, the semantic checks and the planner all report through here.
 */
#ifndef CBOX_DIAG_H
#define CBOX_DIAG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

#include "model.h"

#define CBOX_DIAG_MAX 50

struct cbox_diags {
	const char *file;	/* shown as given */
	int n_errors;		/* all reported, also beyond the cap */
	char *lines[CBOX_DIAG_MAX];
	int n_lines;
	struct cbox_loc locs[CBOX_DIAG_MAX];	/* kept sorted by position */
};

void diag_init(struct cbox_diags *d, const char *file);
/* Errors are kept in file order (line, column),
 * those without a position last, so the output reads top to bottom.
 * path: a JSON pointer such as "/chains/0/nodes/1", "" for the document. */
void diag_error(struct cbox_diags *d, struct cbox_loc loc, const char *path,
		const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* A system error about the file itself (cannot open it...), shown as
 * "FILE: error: message", without a position. */
void diag_sys(struct cbox_diags *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* The same with a va_list, for front ends' own error wrappers. */
void diag_verror(struct cbox_diags *d, struct cbox_loc loc, const char *path,
		 const char *fmt, va_list ap);
/* Prints the collected errors (plus a line for those over the cap). */
void diag_print(const struct cbox_diags *d, FILE *out);
bool diag_failed(const struct cbox_diags *d);
void diag_free(struct cbox_diags *d);

#endif /* CBOX_DIAG_H */
