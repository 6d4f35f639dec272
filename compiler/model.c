// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdlib.h>
#include <string.h>

#include "hidx.h"
#include "model.h"

struct cbox_spec_index {
	struct cbox_hidx functions, classifiers;
};

static bool fn_tag_eq(const void *ctx, size_t i, const void *key)
{
	const struct cbox_spec *spec = ctx;

	return !strcmp(spec->functions[i].tag, key);
}

static bool cls_tag_eq(const void *ctx, size_t i, const void *key)
{
	const struct cbox_spec *spec = ctx;

	return !strcmp(spec->classifiers[i].tag, key);
}

static void index_free(struct cbox_spec_index *x)
{
	if (!x)
		return;
	cbox_hidx_free(&x->functions);
	cbox_hidx_free(&x->classifiers);
	free(x);
}

int cbox_spec_index_build(struct cbox_spec *spec)
{
	struct cbox_spec_index *x = calloc(1, sizeof(*x));

	index_free(spec->index);
	spec->index = NULL;
	if (!x || cbox_hidx_init(&x->functions, spec->n_functions) ||
	    cbox_hidx_init(&x->classifiers, spec->n_classifiers))
		goto fail;
	/* only the first of equal tags goes in: a look-up finds what a scan
	 * from the start would */
	for (size_t i = 0; i < spec->n_functions; i++) {
		const char *t = spec->functions[i].tag;
		uint64_t h;

		if (!t)
			continue;
		h = cbox_hash_str(t);
		if (!cbox_hidx_find(&x->functions, h, fn_tag_eq, spec, t) &&
		    cbox_hidx_add(&x->functions, h, i))
			goto fail;
	}
	for (size_t i = 0; i < spec->n_classifiers; i++) {
		const char *t = spec->classifiers[i].tag;
		uint64_t h;

		if (!t)
			continue;
		h = cbox_hash_str(t);
		if (!cbox_hidx_find(&x->classifiers, h, cls_tag_eq, spec, t) &&
		    cbox_hidx_add(&x->classifiers, h, i))
			goto fail;
	}
	spec->index = x;
	return 0;
fail:
	index_free(x);
	return -1;
}

struct cbox_function *cbox_spec_function(const struct cbox_spec *spec,
					 const char *tag)
{
	size_t *i;

	if (!spec || !tag)
		return NULL;
	if (spec->index) {
		i = cbox_hidx_find(&spec->index->functions, cbox_hash_str(tag),
				   fn_tag_eq, spec, tag);
		return i ? &spec->functions[*i] : NULL;
	}
	for (size_t j = 0; j < spec->n_functions; j++)
		if (spec->functions[j].tag && !strcmp(spec->functions[j].tag, tag))
			return &spec->functions[j];
	return NULL;
}

struct cbox_classifier *cbox_spec_classifier(const struct cbox_spec *spec,
					     const char *tag)
{
	size_t *i;

	if (!spec || !tag)
		return NULL;
	if (spec->index) {
		i = cbox_hidx_find(&spec->index->classifiers,
				   cbox_hash_str(tag), cls_tag_eq, spec, tag);
		return i ? &spec->classifiers[*i] : NULL;
	}
	for (size_t j = 0; j < spec->n_classifiers; j++)
		if (spec->classifiers[j].tag &&
		    !strcmp(spec->classifiers[j].tag, tag))
			return &spec->classifiers[j];
	return NULL;
}

void cbox_spec_free(struct cbox_spec *spec)
{
	if (!spec)
		return;
	index_free(spec->index);
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
