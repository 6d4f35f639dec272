/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The planner: turns the normalized spec (model.h) into what every host must
 * run. It decides, per host, the boxes (one per function, box ids 1.. in tag
 * order), each box's forwarding rules (keyed by the (SPI, SI) that its egress
 * looks up), its stages, its anti-spoofing list, the direct links (veth
 * pairs) between boxes and the classifier rules. The emitter only formats
 * what is here; everything that decides is in plan.c.
 *
 * The plan points into the spec (tags, MACs, locations): keep the spec alive
 * as long as the plan.
 */
#ifndef CBOX_PLAN_H
#define CBOX_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common_kern_user.h"
#include "diag.h"
#include "model.h"

enum cbox_action {
	CBOX_ACT_FWD = 0,	/* over the underlay, to the next box's MAC */
	CBOX_ACT_END,		/* last box: leave the chain plain */
	CBOX_ACT_DLINK,		/* over a veth pair straight into the next box */
};

/* Remarks the plan attaches to a rule so that reviewers see them. */
enum cbox_corner {
	CBOX_CORNER_NONE = 0,
	CBOX_CORNER_59A,	/* reached over a direct link, leaves over the
				 * underlay (thesis Figure 5.9a) */
	CBOX_CORNER_59B,	/* reached over a direct link, ends the chain
				 * (thesis Figure 5.9b) */
};

struct cbox_plan_box;
struct cbox_plan_dlink;

struct cbox_plan_rule {
	uint32_t spi;
	uint8_t si;		/* the key: SI after this box's proxy, 254 - pos */
	uint8_t pos;		/* position of the box in the chain, 0.. */
	enum cbox_action action;
	uint8_t mac[6];		/* FWD: next box's iface MAC; DLINK: the MAC of
				 * the downstream veth end; END: zero */
	const struct cbox_plan_box *next;	/* NULL at END */
	const struct cbox_plan_dlink *dlink;	/* DLINK only */
	bool in_dlink;		/* this box was reached over a direct link */
	enum cbox_corner corner;
};

/* Why the anti-spoofing check of a box is off (n_prev_hops == 0). */
enum cbox_prev_off {
	CBOX_PREV_ON = 0,
	CBOX_PREV_OFF_NO_UNDERLAY,	/* nothing arrives over the underlay */
	CBOX_PREV_OFF_UNKNOWN_MAC,	/* a previous hop's MAC is not known */
	CBOX_PREV_OFF_NO_CLASSIFIER,	/* a chain starts here, no classifier */
	CBOX_PREV_OFF_TOO_MANY,		/* more than CBOX_MAX_PREV_HOPS */
};

enum cbox_sf_kind {
	CBOX_SF_NONE = 0,	/* the SF is the user's */
	CBOX_SF_REDIRECT,	/* sample "tc-redirect" */
	CBOX_SF_REDIRECT_DELAY,	/* sample "tc-redirect-delay" */
};

struct cbox_plan_box {
	const struct cbox_function *fn;
	const char *host;
	uint32_t box_id;	/* 1.., per host, in tag order */
	bool dec;		/* Dec stage at XDP on iface */
	bool enc;		/* egress encapsulates (false: Fwd only) */
	enum cbox_sf_kind sf;
	struct cbox_plan_rule *rules;	/* sorted by SPI, then SI descending */
	size_t n_rules, cap_rules;
	size_t n_in_underlay;	/* (chain, position)s reached over the underlay */
	size_t n_in_dlink;	/* ... and over a direct link */
	uint8_t prev_hops[CBOX_MAX_PREV_HOPS][6];	/* sorted, unique */
	uint32_t n_prev_hops;	/* 0: check off, see prev_off */
	enum cbox_prev_off prev_off;
	const char *prev_off_detail;	/* tag of the hop that made it off */
};

struct cbox_plan_dlink {
	char name[16];		/* upstream end, in the upstream box's netns */
	char peer_name[16];	/* downstream end */
	uint8_t mac[6], peer_mac[6];
	const struct cbox_plan_box *from, *to;
	size_t n_chains;	/* chains using it */
};

struct cbox_plan_cls_rule {
	const struct cbox_match *match;
	uint32_t spi;
	const struct cbox_plan_box *first;	/* the chain's first box */
};

struct cbox_plan_cls {
	const struct cbox_classifier *cls;
	struct cbox_plan_cls_rule *rules;	/* file order */
	size_t n_rules, cap_rules;
};

struct cbox_plan_host {
	const char *name;
	struct cbox_plan_box **boxes;	/* box_id order (= tag order) */
	size_t n_boxes;
	struct cbox_plan_dlink **dlinks;	/* sorted by (from tag, to tag) */
	size_t n_dlinks;
	struct cbox_plan_cls **classifiers;	/* sorted by tag */
	size_t n_classifiers;
};

struct cbox_plan {
	const struct cbox_spec *spec;
	struct cbox_plan_host *hosts;	/* sorted by name */
	size_t n_hosts;
	struct cbox_plan_box *boxes;	/* one per function, spec order */
	size_t n_boxes;
	struct cbox_plan_dlink *dlinks;	/* creation order */
	size_t n_dlinks;
	struct cbox_plan_cls *classifiers;	/* spec order */
	size_t n_classifiers;
	size_t n_rules_total;	/* forwarding rules over all boxes */
	/* open-addressing index: function tag -> boxes[] index + 1 */
	size_t *tag_slots;
	size_t tag_mask;
};

/*
 * Builds the plan. Spec errors that only the planner sees (e.g. one function
 * twice in a row) go to d with the element's location; returns 0 on success,
 * 1 when d got errors, -ENOMEM on allocation failure.
 */
int cbox_plan_build(const struct cbox_spec *spec, struct cbox_diags *d,
		    struct cbox_plan **out);
void cbox_plan_free(struct cbox_plan *plan);

/* Finds a box by function tag; NULL when absent. */
const struct cbox_plan_box *cbox_plan_box_by_tag(const struct cbox_plan *plan,
						 const char *tag);

const char *cbox_action_name(enum cbox_action a);
const char *cbox_prev_off_reason(enum cbox_prev_off r);

#endif /* CBOX_PLAN_H */
