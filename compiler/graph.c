// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Graphviz DOT writer (see graph.h). */
#include <string.h>

#include "graph.h"

/* Colour-blind friendly palette (Okabe-Ito) then a few more; chains cycle. */
static const char *const palette[] = {
	"#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00",
	"#56b4e9", "#f0e442", "#000000", "#8c564b", "#7f7f7f",
};

/* DOT double-quoted string: escape quote and backslash. Tags are already
 * restricted by the front end, hosts and types may be anything. */
static void q(FILE *out, const char *prefix, const char *s)
{
	fputc('"', out);
	fputs(prefix, out);
	for (; s && *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', out);
		fputc(*s, out);
	}
	fputc('"', out);
}

int cbox_graph_write(const struct cbox_plan *plan, FILE *out)
{
	const struct cbox_spec *spec = plan->spec;
	size_t np = sizeof(palette) / sizeof(palette[0]);

	fprintf(out, "digraph cbox {\n\trankdir=LR;\n\tcompound=true;\n");
	fprintf(out, "\tnode [shape=box, style=rounded, fontname=\"Helvetica\"];\n");
	fprintf(out, "\tedge [fontname=\"Helvetica\", fontsize=10];\n");
	for (size_t h = 0; h < plan->n_hosts; h++) {
		const struct cbox_plan_host *host = &plan->hosts[h];

		fprintf(out, "\tsubgraph ");
		q(out, "cluster_", host->name);
		fprintf(out, " {\n\t\tlabel=");
		q(out, "", host->name);
		fprintf(out, ";\n\t\tstyle=filled;\n\t\tcolor=\"#eeeeee\";\n");
		for (size_t i = 0; i < host->n_classifiers; i++) {
			const struct cbox_classifier *c =
				host->classifiers[i]->cls;

			fprintf(out, "\t\t");
			q(out, "c:", c->tag);
			fprintf(out, " [shape=cds, style=filled, fillcolor=\"#ffffff\", label=");
			q(out, "", c->tag);
			fprintf(out, "];\n");
		}
		for (size_t i = 0; i < host->n_boxes; i++) {
			const struct cbox_function *f = host->boxes[i]->fn;

			fprintf(out, "\t\t");
			q(out, "f:", f->tag);
			fprintf(out, " [style=\"rounded,filled\", fillcolor=\"%s\", label=\"",
				f->nsh_aware ? "#ffe9b3" : "#ffffff");
			/* label: tag, then type, then netns if any */
			for (const char *s = f->tag; *s; s++)
				fputc(*s, out);
			fprintf(out, "\\n");
			for (const char *s = f->type ? f->type : ""; *s; s++) {
				if (*s == '"' || *s == '\\')
					fputc('\\', out);
				fputc(*s, out);
			}
			if (f->netns)
				fprintf(out, "\\nnetns %s", f->netns);
			fprintf(out, "\"];\n");
		}
		fprintf(out, "\t}\n");
	}
	for (size_t c = 0; c < spec->n_chains; c++) {
		const struct cbox_chain *ch = &spec->chains[c];
		const char *col = palette[c % np];

		for (size_t j = 0; j < ch->n_match; j++) {
			bool seen = false;

			/* one entry edge per classifier and chain, however
			 * many of the chain's rules name that classifier */
			for (size_t k = 0; k < j && !seen; k++)
				seen = !strcmp(ch->match[k].classifier,
					       ch->match[j].classifier);
			if (seen)
				continue;
			fprintf(out, "\t");
			q(out, "c:", ch->match[j].classifier);
			fprintf(out, " -> ");
			q(out, "f:", ch->nodes[0]);
			fprintf(out, " [color=\"%s\", fontcolor=\"%s\", style=dashed, label=\"%u\"];\n",
				col, col, ch->id);
		}
		for (size_t i = 0; i + 1 < ch->n_nodes; i++) {
			const struct cbox_plan_box *b =
				cbox_plan_box_by_tag(plan, ch->nodes[i]);
			const struct cbox_plan_rule *r = NULL;

			/* the rule of this step: key (SPI, 254 - i) */
			for (size_t k = 0; b && k < b->n_rules; k++)
				if (b->rules[k].spi == ch->id &&
				    b->rules[k].si == 254 - i)
					r = &b->rules[k];
			fprintf(out, "\t");
			q(out, "f:", ch->nodes[i]);
			fprintf(out, " -> ");
			q(out, "f:", ch->nodes[i + 1]);
			if (r && r->action == CBOX_ACT_DLINK)
				fprintf(out, " [color=\"%s\", fontcolor=\"%s\", style=bold, penwidth=3, label=\"%u (%s)\"];\n",
					col, col, ch->id, r->dlink->name);
			else
				fprintf(out, " [color=\"%s\", fontcolor=\"%s\", label=\"%u\"];\n",
					col, col, ch->id);
		}
	}
	fprintf(out, "}\n");
	return ferror(out) ? -1 : 0;
}
