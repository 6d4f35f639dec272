// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"

void diag_init(struct cbox_diags *d, const char *file)
{
	memset(d, 0, sizeof(*d));
	d->file = file;
}

static bool before(struct cbox_loc a, struct cbox_loc b)
{
	if (!a.line)
		return false;
	if (!b.line)
		return true;
	return a.line < b.line || (a.line == b.line && a.col < b.col);
}

static void insert(struct cbox_diags *d, struct cbox_loc loc, char *line)
{
	int i = d->n_lines;

	while (i > 0 && before(loc, d->locs[i - 1])) {
		d->lines[i] = d->lines[i - 1];
		d->locs[i] = d->locs[i - 1];
		i--;
	}
	d->lines[i] = line;
	d->locs[i] = loc;
	d->n_lines++;
}

/* Counts the error and keeps its text; loc {0, 0} sorts it last. */
static void record(struct cbox_diags *d, struct cbox_loc loc,
		   const char *path, bool positioned, const char *fmt,
		   va_list ap)
{
	const char *file = d->file ? d->file : "-";
	char msg[512];
	char *line;
	int n;

	d->n_errors++;
	if (d->n_lines >= CBOX_DIAG_MAX)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (positioned)
		n = asprintf(&line, "%s:%d:%d: error: %s: %s", file, loc.line,
			     loc.col, path && *path ? path : "/", msg);
	else
		n = asprintf(&line, "%s: error: %s", file, msg);
	if (n < 0)
		return;
	insert(d, loc, line);
}

void diag_verror(struct cbox_diags *d, struct cbox_loc loc, const char *path,
		 const char *fmt, va_list ap)
{
	record(d, loc, path, true, fmt, ap);
}

void diag_error(struct cbox_diags *d, struct cbox_loc loc, const char *path,
		const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	record(d, loc, path, true, fmt, ap);
	va_end(ap);
}

void diag_sys(struct cbox_diags *d, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	record(d, (struct cbox_loc){ 0, 0 }, NULL, false, fmt, ap);
	va_end(ap);
}

void diag_print(const struct cbox_diags *d, FILE *out)
{
	for (int i = 0; i < d->n_lines; i++)
		fprintf(out, "%s\n", d->lines[i]);
	if (d->n_errors > d->n_lines)
		fprintf(out, "%s: error: %d more errors not shown\n",
			d->file ? d->file : "-", d->n_errors - d->n_lines);
}

bool diag_failed(const struct cbox_diags *d)
{
	return d->n_errors > 0;
}

void diag_free(struct cbox_diags *d)
{
	for (int i = 0; i < d->n_lines; i++)
		free(d->lines[i]);
	d->n_lines = 0;
}
