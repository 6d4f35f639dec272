/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Shared by the front end unit tests: load a spec from a string and keep
 * every diagnostic line in one buffer to search. */
#ifndef CBOX_TEST_FRONTEND_HELPERS_H
#define CBOX_TEST_FRONTEND_HELPERS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frontend.h"

struct loaded {
	int rc;
	struct cbox_spec *spec;
	char errs[8192];
};

static inline struct loaded *load_as(const char *name, const char *text,
				     enum cbox_format fmt)
{
	struct loaded *l = calloc(1, sizeof(*l));
	struct cbox_diags d;
	size_t o = 0;

	diag_init(&d, name);
	l->rc = cbox_load_spec_mem(name, text, strlen(text), fmt, &l->spec, &d);
	for (int i = 0; i < d.n_lines && o < sizeof(l->errs); i++)
		o += snprintf(l->errs + o, sizeof(l->errs) - o, "%s\n",
			      d.lines[i]);
	diag_free(&d);
	return l;
}

static inline struct loaded *load(const char *name, const char *text)
{
	return load_as(name, text, CBOX_FMT_AUTO);
}

static inline void unload(struct loaded *l)
{
	cbox_spec_free(l->spec);
	free(l);
}

/* Asserts that loading failed with a line containing want. */
#define assert_load_error(name, text, want)                               \
	do {                                                              \
		struct loaded *l_ = load(name, text);                     \
		if (!strstr(l_->errs, want))                              \
			fprintf(stderr, "want: %s\ngot:\n%s", want,       \
				l_->errs);                                \
		assert_int_equal(l_->rc, 1);                              \
		assert_null(l_->spec);                                    \
		assert_non_null(strstr(l_->errs, want));                  \
		unload(l_);                                               \
	} while (0)

#endif
