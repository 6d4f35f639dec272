// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Planner benchmark without the front end: builds the benchmark's spec shape
 * in memory (N chains of 8 functions drawn from F functions over H hosts,
 * each function in its own netns) and times cbox_plan_build. Prints one line:
 *   chains N plan S s rules R dlinks D peak_rss KB
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/resource.h>

#include "plan.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	size_t n = argc > 1 ? strtoul(argv[1], NULL, 0) : 100000;
	size_t nf = argc > 2 ? strtoul(argv[2], NULL, 0) : 10000;
	size_t nh = argc > 3 ? strtoul(argv[3], NULL, 0) : 1000;
	struct cbox_spec spec = { .file = "bench" };
	struct cbox_diags d;
	struct cbox_plan *plan;
	struct rusage ru;
	uint64_t x = 88172645463325252ULL;
	char **tags;
	double t0, t1;

	spec.functions = calloc(nf, sizeof(*spec.functions));
	spec.chains = calloc(n, sizeof(*spec.chains));
	tags = calloc(nf, sizeof(*tags));
	for (size_t i = 0; i < nf; i++) {
		struct cbox_function *f = &spec.functions[i];

		if (asprintf(&tags[i], "f%zu", i) < 0)
			return 3;
		f->tag = tags[i];
		f->netns = tags[i];
		f->type = "router";
		if (asprintf(&f->host, "h%zu", i % nh) < 0)
			return 3;
		f->iface = f->egress_iface = "eth0";
		f->mac[0] = 2;
		memcpy(f->mac + 2, &i, 4);
		memcpy(f->egress_mac, f->mac, 6);
		f->egress_mac_known = true;
	}
	for (size_t c = 0; c < n; c++) {
		struct cbox_chain *ch = &spec.chains[c];

		ch->id = (uint32_t)(c + 1);
		ch->nodes = calloc(8, sizeof(char *));
		while (ch->n_nodes < 8) {
			size_t k;

			x ^= x << 13;	/* xorshift64: fixed, portable */
			x ^= x >> 7;
			x ^= x << 17;
			k = x % nf;
			if (ch->n_nodes && ch->nodes[ch->n_nodes - 1] == tags[k])
				continue;
			ch->nodes[ch->n_nodes++] = tags[k];
		}
	}
	spec.n_functions = nf;
	spec.n_chains = n;
	diag_init(&d, "bench");
	getrusage(RUSAGE_SELF, &ru);
	t0 = now();
	if (cbox_plan_build(&spec, &d, &plan)) {
		diag_print(&d, stderr);
		return 1;
	}
	t1 = now();
	getrusage(RUSAGE_SELF, &ru);
	printf("chains %zu plan %.3f s rules %zu dlinks %zu peak_rss %ld KB\n",
	       n, t1 - t0, plan->n_rules_total, plan->n_dlinks, ru.ru_maxrss);
	cbox_plan_free(plan);
	return 0;
}
