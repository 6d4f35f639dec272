// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdlib.h>
#include <string.h>

#include "model.h"

struct cbox_function *cbox_spec_function(const struct cbox_spec *spec,
					 const char *tag)
{
	for (size_t i = 0; spec && tag && i < spec->n_functions; i++)
		if (!strcmp(spec->functions[i].tag, tag))
			return &spec->functions[i];
	return NULL;
}

struct cbox_classifier *cbox_spec_classifier(const struct cbox_spec *spec,
					     const char *tag)
{
	for (size_t i = 0; spec && tag && i < spec->n_classifiers; i++)
		if (!strcmp(spec->classifiers[i].tag, tag))
			return &spec->classifiers[i];
	return NULL;
}

void cbox_spec_free(struct cbox_spec *spec)
{
	if (!spec)
		return;
	for (size_t i = 0; i < spec->n_functions; i++) {
		struct cbox_function *f = &spec->functions[i];

		free(f->tag);
		free(f->type);
		free(f->host);
		free(f->iface);
		free(f->egress_iface);
		free(f->netns);
		free(f->path);
	}
	free(spec->functions);
	for (size_t i = 0; i < spec->n_classifiers; i++) {
		struct cbox_classifier *c = &spec->classifiers[i];

		free(c->tag);
		free(c->host);
		free(c->iface);
		free(c->netns);
		free(c->path);
	}
	free(spec->classifiers);
	for (size_t i = 0; i < spec->n_chains; i++) {
		struct cbox_chain *c = &spec->chains[i];

		for (size_t j = 0; j < c->n_nodes; j++)
			free(c->nodes[j]);
		free(c->nodes);
		for (size_t j = 0; j < c->n_match; j++) {
			free(c->match[j].classifier);
			free(c->match[j].path);
		}
		free(c->match);
		free(c->path);
	}
	free(spec->chains);
	free(spec->file);
	free(spec);
}
