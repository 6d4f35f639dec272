/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The cboxc front end: reads a spec (JSON, YAML or the TOSCA-like profile),
 * validates it against the embedded schema and the semantic checks, and
 * returns the normalized model with every default filled in.
 */
#ifndef CBOX_FRONTEND_H
#define CBOX_FRONTEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "diag.h"
#include "model.h"

enum cbox_format { CBOX_FMT_AUTO, CBOX_FMT_JSON, CBOX_FMT_YAML, CBOX_FMT_TOSCA };

/* Reads, parses, schema-validates and semantically checks FILE; fills *spec
 * (normalized, defaults filled) on success. All errors go to d. Returns 0 on
 * success, 1 on bad input, 3 on system error (cannot read file...). */
int cbox_load_spec(const char *file, enum cbox_format fmt,
		   struct cbox_spec **spec, struct cbox_diags *d);
/* Same from memory (fuzzers): name is used in messages. */
int cbox_load_spec_mem(const char *name, const char *buf, size_t len,
		       enum cbox_format fmt, struct cbox_spec **spec,
		       struct cbox_diags *d);
/* Writes the normalized model as JSON (cboxc dump -j). 0 or -1. */
int cbox_spec_dump_json(const struct cbox_spec *spec, FILE *out);

/* ---- shared by the cboxc subcommands ---- */

/* Set by main.c from a --format given before the subcommand. */
extern enum cbox_format cbox_cli_format;

/* "json", "yaml", "tosca" (also "auto"); -1 on anything else. */
int cbox_format_parse(const char *s, enum cbox_format *fmt);

/*
 * Recognizes the options every subcommand shares at argv[*i]: --format X,
 * --format=X, -j/--json (when json is not NULL). Returns 1 when it consumed
 * them (advancing *i past them), 0 when argv[*i] is not one of them, -1 on a
 * usage error (already printed).
 */
int cbox_cli_common_opt(int argc, char **argv, int *i, bool *json);

/*
 * Loads SPEC with cbox_cli_format and prints every error to stderr, in the
 * FILE:LINE:COL form or, when json is set, as {"error": "..."}. Returns the
 * exit code (0, 1 or 3); *spec is set on 0 only.
 */
int cbox_cli_load(const char *file, bool json, struct cbox_spec **spec);

/* Prints {"error": msg} (JSON mode) to stderr. */
void cbox_cli_json_error(const char *msg);

#endif /* CBOX_FRONTEND_H */
