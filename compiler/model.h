/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The normalized chain model: what the front ends (JSON, YAML, TOSCA) produce
 * after validation, with every default filled in, and what the planner and
 * emitter consume. Every element remembers where it came from in the user's
 * file so that later stages can still report FILE:LINE:COL.
 */
#ifndef CBOX_MODEL_H
#define CBOX_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cbox_loc {
	int line;		/* 1-based; 0 when unknown */
	int col;		/* 1-based */
};

struct cbox_function {
	char *tag;
	char *type;		/* e.g. "tc-redirect", "router", "nsh-aware" */
	char *host;
	char *iface;		/* default "eth0" */
	char *egress_iface;	/* default: iface */
	char *netns;		/* NULL: the host's own namespace */
	uint8_t mac[6];		/* given, or assigned by the compiler */
	bool mac_given;		/* false: compiler-assigned (cbox apply sets it) */
	uint8_t egress_mac[6];	/* MAC of egress_iface, when known */
	bool egress_mac_known;
	bool nsh_aware;
	struct cbox_loc loc;	/* the function object */
	char *path;		/* JSON path, e.g. "/functions/2" */
};

enum cbox_direction { CBOX_DIR_INGRESS = 0, CBOX_DIR_EGRESS = 1 };

struct cbox_classifier {
	char *tag;
	char *host;
	char *iface;		/* default "eth0" */
	char *netns;		/* NULL: the host's own namespace */
	enum cbox_direction direction;
	uint8_t mac[6];		/* MAC frames leave with, when known */
	bool mac_known;
	struct cbox_loc loc;
	char *path;
};

struct cbox_prefix {
	bool set;		/* false: any address */
	uint8_t family;		/* 4 or 6 */
	uint8_t len;		/* bits */
	uint8_t addr[16];	/* network order, host bits zeroed */
};

struct cbox_port_range {
	bool set;		/* false: any port */
	uint16_t lo, hi;	/* inclusive */
};

struct cbox_match {
	char *classifier;	/* tag */
	int proto;		/* -1: any; else IP protocol number */
	struct cbox_prefix src, dst;
	struct cbox_port_range sport, dport;
	struct cbox_loc loc;
	char *path;
};

struct cbox_chain {
	uint32_t id;		/* the SPI, 1..16777215 */
	char **nodes;		/* function tags, in order */
	size_t n_nodes;
	struct cbox_match *match;
	size_t n_match;
	struct cbox_loc loc;
	char *path;
};

struct cbox_spec {
	char *file;		/* as given on the command line */
	struct cbox_function *functions;
	size_t n_functions;
	struct cbox_chain *chains;
	size_t n_chains;
	struct cbox_classifier *classifiers;
	size_t n_classifiers;
	/* Tag hash index (model.c); NULL: look-ups scan the arrays. */
	struct cbox_spec_index *index;
};

/* Look-ups by tag; NULL when absent. With duplicate tags, the first one. */
struct cbox_function *cbox_spec_function(const struct cbox_spec *spec,
					 const char *tag);
struct cbox_classifier *cbox_spec_classifier(const struct cbox_spec *spec,
					     const char *tag);
/*
 * (Re)builds the tag index, so that the look-ups above take constant time
 * instead of a scan (the front end calls it once the model is built). Call
 * it again after changing tags or the arrays. 0, or -1 when out of memory
 * (the look-ups then keep scanning).
 */
int cbox_spec_index_build(struct cbox_spec *spec);

void cbox_spec_free(struct cbox_spec *spec);

#endif /* CBOX_MODEL_H */
