/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A compact JSON Schema draft-07 validator over the positioned document.
 * Errors go to a cbox_diags with the instance's LINE:COL and JSON pointer.
 * References are local only ("#", "#/definitions/...", any "#/..." pointer);
 * "format" and remote references are not implemented.
 */
#ifndef CBOX_SCHEMA_H
#define CBOX_SCHEMA_H

#include <stdbool.h>

#include "diag.h"
#include "json_doc.h"

/* Validates inst against the schema document root; reports every error
 * to d (d may be NULL: then only the verdict is computed). Returns true
 * when valid. */
bool cbox_schema_validate(const struct cbox_jnode *schema,
			  const struct cbox_jnode *inst, struct cbox_diags *d);

/* The Chaining-Box spec schema (schema/cbox.schema.json, embedded at build
 * time), parsed once; NULL if the embedded text is broken. */
const struct cbox_jnode *cbox_spec_schema(void);
void cbox_spec_schema_release(void);

#endif /* CBOX_SCHEMA_H */
