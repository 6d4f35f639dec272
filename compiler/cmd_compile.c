// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * cboxc compile SPEC -o OUTDIR [--templates DIR]: front end, planner,
 * emitter. The hidden --timings prints the time of each phase to stderr
 * (bench/compile uses it).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <limits.h>
#include <sys/resource.h>

#include <cjson/cJSON.h>

#include "commands.h"
#include "emit.h"
#include "frontend.h"
#include "plan.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Peak resident set so far, KiB (the kernel keeps the high-water mark). */
static long peak_kib(void)
{
	struct rusage ru;

	return getrusage(RUSAGE_SELF, &ru) ? -1 : ru.ru_maxrss;
}

/* CPU seconds so far, user + system: less noisy than wall time on a busy
 * machine (the emit phase is mostly the kernel's file work). */
static double cpu_s(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru))
		return 0;
	return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
	       (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static int usage(void)
{
	fprintf(stderr, "usage: cboxc compile SPEC -o OUTDIR [--templates DIR] [--format json|yaml|tosca] [-j]\n");
	return 2;
}

/* Prints planner errors like the front end's, in text or JSON. */
int cbox_cli_print_diags(const struct cbox_diags *d, bool json)
{
	if (!json) {
		diag_print(d, stderr);
		return 1;
	}
	/* the front end's shape: "error" sums up, "errors" lists them all */
	cJSON *o = cJSON_CreateObject(), *a;
	char *t;

	cJSON_AddStringToObject(o, "error",
				d->n_lines ? d->lines[0] : "bad spec");
	a = cJSON_AddArrayToObject(o, "errors");
	for (int i = 0; a && i < d->n_lines; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(d->lines[i]));
	cJSON_AddNumberToObject(o, "n_errors", d->n_errors);
	t = cJSON_PrintUnformatted(o);
	if (t)
		printf("%s\n", t);
	cJSON_free(t);
	cJSON_Delete(o);
	return 1;
}

int cmd_compile(int argc, char **argv)
{
	const char *spec_file = NULL, *outdir = NULL, *templates = NULL;
	char tbuf[PATH_MAX], err[1024];
	bool json = false, timings = false;
	struct cbox_spec *spec = NULL;
	struct cbox_plan *plan = NULL;
	struct cbox_diags d;
	double t0, t1, t2, t3, c0, c1 = 0, c2 = 0;
	long rss1 = 0, rss2 = 0;
	int rc;

	for (int i = 1; i < argc;) {
		int r = cbox_cli_common_opt(argc, argv, &i, &json);

		if (r < 0)
			return 2;
		if (r)
			continue;
		if (!strcmp(argv[i], "-o") && i + 1 < argc) {
			outdir = argv[i + 1];
			i += 2;
		} else if (!strcmp(argv[i], "--templates") && i + 1 < argc) {
			templates = argv[i + 1];
			i += 2;
		} else if (!strcmp(argv[i], "--timings")) {
			timings = true;
			i++;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			fprintf(stderr, "cboxc compile: unknown option '%s'\n",
				argv[i]);
			return usage();
		} else if (!spec_file) {
			spec_file = argv[i++];
		} else {
			fprintf(stderr, "cboxc compile: one SPEC only ('%s')\n",
				argv[i]);
			return usage();
		}
	}
	if (!spec_file || !outdir)
		return usage();
	if (!templates)
		templates = cbox_default_templates(argv[0], tbuf, sizeof(tbuf));

	t0 = now();
	c0 = cpu_s();
	rc = cbox_cli_load(spec_file, json, &spec);
	if (rc)
		return rc;
	t1 = now();
	rss1 = peak_kib();
	c1 = cpu_s();
	diag_init(&d, spec_file);
	rc = cbox_plan_build(spec, &d, &plan);
	if (rc) {
		if (rc < 0) {
			fprintf(stderr, "cboxc: out of memory while planning\n");
			rc = 3;
		} else {
			rc = cbox_cli_print_diags(&d, json);
		}
		goto out;
	}
	t2 = now();
	rss2 = peak_kib();
	c2 = cpu_s();
	rc = cbox_emit(plan, outdir, templates, err, sizeof(err));
	if (rc) {
		if (json)
			cbox_cli_json_error(err);
		else
			fprintf(stderr, "cboxc: error: %s\n", err);
		goto out;
	}
	t3 = now();
	if (timings)
		/* peak rss is a high-water mark: "after parse" is the front
		 * end's, "after plan" adds the planner's growth, "peak" is the
		 * whole run's */
		fprintf(stderr,
			"timings: parse %.3f s, plan %.3f s, emit %.3f s, total %.3f s, peak rss %ld MiB, hosts %zu, boxes %zu, rules %zu, dlinks %zu, peak rss KiB after parse %ld after plan %ld after emit %ld, cpu_parse %.3f cpu_plan %.3f cpu_emit %.3f s\n",
			t1 - t0, t2 - t1, t3 - t2, t3 - t0, peak_kib() / 1024,
			plan->n_hosts, plan->n_boxes, plan->n_rules_total,
			plan->n_dlinks, rss1, rss2, peak_kib(), c1 - c0,
			c2 - c1, cpu_s() - c2);
out:
	diag_free(&d);
	cbox_plan_free(plan);
	cbox_spec_free(spec);
	return rc;
}
