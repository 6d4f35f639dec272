// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Runs the official JSON-Schema-Test-Suite (draft7, as Debian ships it)
 * against compiler/schema.c. Every case of every implemented keyword file
 * must pass; what is skipped is listed with the reason.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_doc.h"
#include "schema.h"

#define DEFAULT_DIR "/usr/share/json-schema-test-suite/tests/draft7"

static const struct {
	const char *file;
	const char *reason;
} skip_files[] = {
	{ "definitions.json",
	  "validates against the draft-07 meta-schema by remote $ref" },
	{ "refRemote.json", "remote $ref (http://localhost:1234/...)" },
};

static const struct {
	const char *file, *group, *reason;
} skip_groups[] = {
	{ "ref.json", "remote ref, containing refs itself",
	  "remote $ref to the draft-07 meta-schema" },
	{ "ref.json", "Recursive references between schemas",
	  "$id-based base URI change (only local # pointers are supported)" },
};

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 &&
	    fseek(f, 0, SEEK_SET) == 0 && (buf = malloc(n + 1)) &&
	    fread(buf, 1, n, f) == (size_t)n) {
		*len = n;
	} else {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : DEFAULT_DIR;
	int total = 0, passed = 0, skipped = 0, files = 0;
	char *names[256];
	int n_names = 0;
	struct dirent *e;
	DIR *dh = opendir(dir);

	if (!dh) {
		perror(dir);
		return 1;
	}
	while ((e = readdir(dh)) && n_names < 256) {
		size_t l = strlen(e->d_name);

		if (l > 5 && !strcmp(e->d_name + l - 5, ".json"))
			names[n_names++] = strdup(e->d_name);
	}
	closedir(dh);
	qsort(names, n_names, sizeof(*names), cmp);
	for (int fi = 0; fi < n_names; fi++) {
		const char *name = names[fi];
		int f_total = 0, f_pass = 0, f_skip = 0;
		struct cbox_jnode *doc;
		struct cbox_diags d;
		char path[1024];
		bool skip = false;
		size_t len;
		char *buf;

		for (size_t s = 0; s < sizeof(skip_files) / sizeof(skip_files[0]); s++)
			if (!strcmp(name, skip_files[s].file)) {
				printf("SKIP %-28s (%s)\n", name, skip_files[s].reason);
				skip = true;
			}
		if (skip)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, name);
		buf = slurp(path, &len);
		diag_init(&d, path);
		doc = buf ? cbox_json_parse(buf, len, &d) : NULL;
		if (!doc) {
			diag_print(&d, stderr);
			fprintf(stderr, "%s: cannot read\n", path);
			return 1;
		}
		files++;
		for (size_t g = 0; g < doc->n_kids; g++) {
			const struct cbox_jnode *grp = doc->kids[g];
			const struct cbox_jnode *desc = cbox_jnode_get(grp, "description");
			const struct cbox_jnode *schema = cbox_jnode_get(grp, "schema");
			const struct cbox_jnode *tests = cbox_jnode_get(grp, "tests");
			const char *gd = desc ? desc->str : "?";
			bool gskip = false;

			for (size_t s = 0; s < sizeof(skip_groups) / sizeof(skip_groups[0]); s++)
				if (!strcmp(name, skip_groups[s].file) &&
				    !strcmp(gd, skip_groups[s].group)) {
					printf("SKIP %s: \"%s\" (%s)\n", name, gd,
					       skip_groups[s].reason);
					gskip = true;
				}
			for (size_t t = 0; tests && t < tests->n_kids; t++) {
				const struct cbox_jnode *tc = tests->kids[t];
				const struct cbox_jnode *data = cbox_jnode_get(tc, "data");
				const struct cbox_jnode *valid = cbox_jnode_get(tc, "valid");
				const struct cbox_jnode *td = cbox_jnode_get(tc, "description");
				bool got;

				if (gskip) {
					f_skip++;
					continue;
				}
				f_total++;
				got = cbox_schema_validate(schema, data, NULL);
				if (got == valid->boolean) {
					f_pass++;
				} else {
					printf("FAIL %s: \"%s\" / \"%s\": expected %s, got %s\n",
					       name, gd, td ? td->str : "?",
					       valid->boolean ? "valid" : "invalid",
					       got ? "valid" : "invalid");
				}
			}
		}
		printf("%-32s %3d/%-3d passed%s", name, f_pass, f_total,
		       f_pass == f_total ? "" : "  <-- FAILURES");
		if (f_skip)
			printf("  (%d skipped)", f_skip);
		printf("\n");
		total += f_total;
		passed += f_pass;
		skipped += f_skip;
		cbox_jnode_free(doc);
		diag_free(&d);
		free(buf);
	}
	for (int i = 0; i < n_names; i++)
		free(names[i]);
	printf("schema suite: %d files, %d/%d cases passed, %d skipped\n", files,
	       passed, total, skipped);
	return passed == total && total > 0 ? 0 : 1;
}
