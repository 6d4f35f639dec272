/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Graphviz view of a plan: hosts as clusters, functions as nodes, chains as
 * coloured paths labelled with their SPI, direct links bold, classifiers as
 * entry nodes. Deterministic, so it can be a golden file.
 */
#ifndef CBOX_GRAPH_H
#define CBOX_GRAPH_H

#include <stdio.h>

#include "plan.h"

/* Returns 0, or -1 when writing failed. */
int cbox_graph_write(const struct cbox_plan *plan, FILE *out);

#endif /* CBOX_GRAPH_H */
