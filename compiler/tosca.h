/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The TOSCA-like profile (shape of OpenStack Tacker VNFFG templates), mapped
 * onto the plain spec document before schema validation. Mapped values keep
 * their LINE:COL and carry their TOSCA path (opath) for messages. The
 * profile is described in examples/README.md.
 */
#ifndef CBOX_TOSCA_H
#define CBOX_TOSCA_H

#include "diag.h"
#include "json_doc.h"

/* Returns the mapped document, or NULL with errors in d. */
struct cbox_jnode *cbox_tosca_map(const struct cbox_jnode *tosca,
				  struct cbox_diags *d);

#endif /* CBOX_TOSCA_H */
