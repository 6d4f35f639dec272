/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Value parsers and the semantic checks that JSON Schema cannot express:
 * cross references, uniqueness, ranges tied to NSH and to Linux limits.
 */
#ifndef CBOX_CHECK_H
#define CBOX_CHECK_H

#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "json_doc.h"
#include "model.h"

#define CBOX_MAX_CHAIN_LEN 254	/* SI starts at 255 and counts down */

/* Each returns 0 when s is acceptable, else -1 with a reason in why. */
int cbox_parse_mac(const char *s, uint8_t mac[6], char *why, size_t cap);
int cbox_check_ifname(const char *s, char *why, size_t cap);
int cbox_check_netns(const char *s, char *why, size_t cap);
/* Tags and hosts name bundle directories: [A-Za-z0-9][A-Za-z0-9_.-]*,
 * at most 64 bytes. */
int cbox_check_name(const char *s, char *why, size_t cap);
/* "10.0.0.0/24", "fd00::/64", or a bare address (a host prefix). */
int cbox_parse_prefix(const char *s, struct cbox_prefix *p, char *why,
		      size_t cap);
/* "80", "1000-2000" */
int cbox_parse_ports(const char *s, struct cbox_port_range *r, char *why,
		     size_t cap);
/* Formats mac as "02:cb:00:11:22:33" into buf (18 bytes). */
void cbox_mac_str(const uint8_t mac[6], char buf[18]);

/*
 * Cross checks over a built model. doc is the (mapped) document the model
 * was built from, used only to point errors at the exact value.
 */
void cbox_check_spec(const struct cbox_spec *spec,
		     const struct cbox_jnode *doc, struct cbox_diags *d);

/* Gives every function without a MAC a deterministic locally administered
 * one, 02:cb:xx:xx:xx:xx from FNV-1a of its tag, distinct from all others. */
void cbox_assign_macs(struct cbox_spec *spec);

#endif /* CBOX_CHECK_H */
