/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * YAML reader (libyaml event API) onto the positioned document: mappings are
 * objects, sequences arrays, plain scalars resolved by the YAML 1.2 core
 * schema (null, true/false, integers, floats), everything else strings.
 * Aliases are expanded by copying, within the limits of json_doc.h (at most
 * twice the document's own values, CBOX_DOC_ALIAS_FLOOR for a small one), so
 * an alias bomb is an error; nesting is bounded by CBOX_DOC_MAX_DEPTH.
 */
#ifndef CBOX_YAML_DOC_H
#define CBOX_YAML_DOC_H

#include <stddef.h>

#include "diag.h"
#include "json_doc.h"

struct cbox_jnode *cbox_yaml_parse(const char *buf, size_t len,
				   struct cbox_diags *d);

#endif /* CBOX_YAML_DOC_H */
