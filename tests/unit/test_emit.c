// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Emitter tests on a hand-built spec and the real templates in build/bpf
 * (CBOX_TEMPLATES overrides). Checked independently of the emitter's own
 * code: sha256 with sha256sum(1), baked constants through libbpf's view of
 * .rodata (bpf_map__initial_value), the manifest with cJSON.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <cjson/cJSON.h>

#include "emit.h"

static char tmp[] = "/tmp/cbox-emit-XXXXXX";
static const char *templates;

struct tspec {
	struct cbox_spec spec;
	struct cbox_function fns[4];
	struct cbox_chain chains[2];
	char *n0[3], *n1[2];
};

static void mkfn(struct cbox_function *f, const char *tag, const char *host,
		 const char *netns, uint8_t last)
{
	memset(f, 0, sizeof(*f));
	f->tag = (char *)tag;
	f->type = "router";	/* user SF: no sample SF object needed */
	f->host = (char *)host;
	f->iface = "eth0";
	f->egress_iface = "eth0";
	f->netns = (char *)netns;
	f->mac[0] = 0x02;
	f->mac[5] = last;
	memcpy(f->egress_mac, f->mac, 6);
	f->egress_mac_known = true;
	f->path = "/functions/x";
}

/* chain 10: a (h1, nsA) -> b (h1, nsB) -> c (h2); chain 20: c d (h2) */
static void build(struct tspec *t)
{
	memset(t, 0, sizeof(*t));
	mkfn(&t->fns[0], "a", "h1", "nsA", 1);
	mkfn(&t->fns[1], "b", "h1", "nsB", 2);
	mkfn(&t->fns[2], "c", "h2", NULL, 3);
	mkfn(&t->fns[3], "d", "h2", NULL, 4);
	/* c sends from another interface, d's sending MAC is unknown */
	t->fns[2].egress_iface = "eth1";
	t->fns[2].egress_mac[5] = 0x33;
	t->fns[3].egress_mac_known = false;
	t->n0[0] = "a";
	t->n0[1] = "b";
	t->n0[2] = "c";
	t->n1[0] = "c";
	t->n1[1] = "d";
	t->chains[0] = (struct cbox_chain){ .id = 10, .nodes = t->n0,
					    .n_nodes = 3, .path = "/chains/0" };
	t->chains[1] = (struct cbox_chain){ .id = 20, .nodes = t->n1,
					    .n_nodes = 2, .path = "/chains/1" };
	t->spec.functions = t->fns;
	t->spec.n_functions = 4;
	t->spec.chains = t->chains;
	t->spec.n_chains = 2;
	t->spec.file = "t.json";
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	if (fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		fclose(f);
		return NULL;
	}
	buf[n] = 0;
	fclose(f);
	if (len)
		*len = (size_t)n;
	return buf;
}

static int compile(struct tspec *t, const char *out, const char *tdir,
		   char *err, size_t errlen)
{
	struct cbox_diags d;
	struct cbox_plan *p;
	int rc;

	diag_init(&d, "t.json");
	assert_int_equal(cbox_plan_build(&t->spec, &d, &p), 0);
	rc = cbox_emit(p, out, tdir, err, errlen);
	cbox_plan_free(p);
	diag_free(&d);
	return rc;
}

/* Reads variable name from the .rodata of obj as libbpf sees it. */
static void rodata_var(const char *obj, const char *name, void *val,
		       size_t size)
{
	struct bpf_object *o = bpf_object__open_file(obj, NULL);
	struct bpf_map *m;
	const void *data = NULL;
	size_t dsize = 0;
	bool found = false;

	assert_non_null(o);
	bpf_object__for_each_map(m, o) {
		const char *n = bpf_map__name(m);

		if (strlen(n) >= 7 && !strcmp(n + strlen(n) - 7, ".rodata"))
			data = bpf_map__initial_value(m, &dsize);
	}
	assert_non_null(data);
	/* find the variable's offset in the DATASEC of BTF */
	{
		struct btf *btf = bpf_object__btf(o);
		int id = btf__find_by_name_kind(btf, ".rodata", BTF_KIND_DATASEC);
		const struct btf_type *sec = btf__type_by_id(btf, id);
		const struct btf_var_secinfo *vs = btf_var_secinfos(sec);

		for (int i = 0; i < btf_vlen(sec); i++, vs++) {
			const struct btf_type *v = btf__type_by_id(btf, vs->type);

			if (strcmp(btf__name_by_offset(btf, v->name_off), name))
				continue;
			assert_int_equal(vs->size, size);
			assert_true(vs->offset + size <= dsize);
			memcpy(val, (const char *)data + vs->offset, size);
			found = true;
		}
	}
	assert_true(found);
	bpf_object__close(o);
}

static void test_bundle(void **state)
{
	struct tspec t;
	char out[512], err[512], path[1024], cmd[1200];
	char *man, *rules;
	cJSON *m, *boxes, *files, *it;
	uint32_t u32;
	uint8_t mac[6], hops[CBOX_MAX_PREV_HOPS][6];

	build(&t);
	snprintf(out, sizeof(out), "%s/out", tmp);
	assert_int_equal(compile(&t, out, templates, err, sizeof(err)), 0);

	snprintf(path, sizeof(path), "%s/h1/manifest.json", out);
	man = slurp(path, NULL);
	assert_non_null(man);
	m = cJSON_Parse(man);
	assert_non_null(m);
	assert_string_equal(cJSON_GetObjectItem(m, "host")->valuestring, "h1");
	boxes = cJSON_GetObjectItem(m, "boxes");
	assert_int_equal(cJSON_GetArraySize(boxes), 2);
	/* b is entered only over the veth: no dec program */
	it = cJSON_GetArrayItem(boxes, 1);
	assert_string_equal(cJSON_GetObjectItem(it, "tag")->valuestring, "b");
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(it, "programs")), 1);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(m, "dlinks")), 1);
	/* every listed file's sha256 agrees with sha256sum */
	files = cJSON_GetObjectItem(m, "files");
	assert_true(cJSON_GetArraySize(files) >= 5);
	cJSON_ArrayForEach(it, files) {
		char *sum;

		snprintf(cmd, sizeof(cmd),
			 "cd %s/h1 && printf '%%s  %%s\\n' '%s' '%s' | sha256sum -c --quiet -",
			 out, it->valuestring, it->string);
		sum = NULL;
		(void)sum;
		assert_int_equal(system(cmd), 0);
	}
	cJSON_Delete(m);
	free(man);

	/* a's dec: box id 1, its MAC; a starts chain 10, which no classifier
	 * of the spec matches: the check is off */
	snprintf(path, sizeof(path), "%s/h1/a/dec.bpf.o", out);
	rodata_var(path, "cbox_box_id", &u32, 4);
	assert_int_equal(u32, 1);
	rodata_var(path, "cbox_mac", mac, 6);
	assert_memory_equal(mac, t.fns[0].mac, 6);
	rodata_var(path, "cbox_n_prev_hops", &u32, 4);
	assert_int_equal(u32, 0);
	/* d's dec: reached from c over the underlay, c's egress MAC */
	snprintf(path, sizeof(path), "%s/h2/d/dec.bpf.o", out);
	rodata_var(path, "cbox_box_id", &u32, 4);
	assert_int_equal(u32, 2);
	rodata_var(path, "cbox_n_prev_hops", &u32, 4);
	assert_int_equal(u32, 1);
	rodata_var(path, "cbox_prev_hops", hops, sizeof(hops));
	assert_memory_equal(hops[0], t.fns[2].egress_mac, 6);
	assert_memory_equal(hops[1], "\0\0\0\0\0\0", 6);
	/* d's egress: egress MAC unknown -> zero; c's: its own */
	snprintf(path, sizeof(path), "%s/h2/d/egress.bpf.o", out);
	rodata_var(path, "cbox_egress_mac", mac, 6);
	assert_memory_equal(mac, "\0\0\0\0\0\0", 6);
	rodata_var(path, "cbox_enc_enabled", &u32, 4);
	assert_int_equal(u32, 1);
	snprintf(path, sizeof(path), "%s/h2/c/egress.bpf.o", out);
	rodata_var(path, "cbox_egress_mac", mac, 6);
	assert_memory_equal(mac, t.fns[2].egress_mac, 6);
	snprintf(path, sizeof(path), "%s/h1/b/egress.bpf.o", out);
	rodata_var(path, "cbox_box_id", &u32, 4);
	assert_int_equal(u32, 2);

	/* the seed of a: dlink to b (box 2); of c: end of 10, fwd of 20 */
	snprintf(path, sizeof(path), "%s/h1/a/fwd.seed", out);
	rules = slurp(path, NULL);
	/* the frame is readdressed to b's own MAC, which the veth end in
	 * b's netns wears */
	snprintf(path, sizeof(path),
		 "\n10\t254\tdlink\t%02x:%02x:%02x:%02x:%02x:%02x\t",
		 t.fns[1].mac[0], t.fns[1].mac[1], t.fns[1].mac[2],
		 t.fns[1].mac[3], t.fns[1].mac[4], t.fns[1].mac[5]);
	assert_non_null(strstr(rules, path));
	assert_non_null(strstr(rules, "\t2\n"));
	free(rules);
	snprintf(path, sizeof(path), "%s/h2/c/fwd.seed", out);
	rules = slurp(path, NULL);
	assert_non_null(strstr(rules, "\n10\t252\tend\n20\t254\tfwd\t02:00:00:00:00:04\n"));
	free(rules);
	snprintf(path, sizeof(path), "%s/h1/rules.txt", out);
	rules = slurp(path, NULL);
	assert_non_null(strstr(rules, "corner case 5.9a"));
	free(rules);

	/* a second compile over it gives the same bytes */
	snprintf(cmd, sizeof(cmd), "cp -a %s %s/first", out, tmp);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(compile(&t, out, templates, err, sizeof(err)), 0);
	snprintf(cmd, sizeof(cmd), "diff -r %s %s/first", out, tmp);
	assert_int_equal(system(cmd), 0);
}

static void test_failure_leaves_outdir(void **state)
{
	struct tspec t;
	char out[512], err[512], cmd[1200], path[600];
	FILE *f;

	build(&t);
	snprintf(out, sizeof(out), "%s/keep", tmp);
	assert_int_equal(compile(&t, out, templates, err, sizeof(err)), 0);
	snprintf(cmd, sizeof(cmd), "cp -a %s %s/keep.ref", out, tmp);
	assert_int_equal(system(cmd), 0);
	/* templates missing: exit code 3, message names the file */
	t.chains[0].id = 11;
	assert_int_equal(compile(&t, out, "/nonexistent", err, sizeof(err)),
			 3);
	assert_non_null(strstr(err, "dec.bpf.o"));
	snprintf(cmd, sizeof(cmd), "diff -r %s %s/keep.ref", out, tmp);
	assert_int_equal(system(cmd), 0);
	/* and no temporary directory is left behind */
	snprintf(cmd, sizeof(cmd), "ls -a %s | grep -q cboxc-", tmp);
	assert_int_not_equal(system(cmd), 0);

	/* a directory that is not ours is not clobbered */
	snprintf(path, sizeof(path), "%s/notours", tmp);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/notours/precious", tmp);
	f = fopen(path, "w");
	fputs("data\n", f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/notours", tmp);
	assert_int_equal(compile(&t, path, templates, err, sizeof(err)), 1);
	assert_non_null(strstr(err, "not written by cboxc"));
	snprintf(path, sizeof(path), "%s/notours/precious", tmp);
	assert_int_equal(access(path, F_OK), 0);
	/* an empty one is fine */
	snprintf(path, sizeof(path), "%s/empty", tmp);
	mkdir(path, 0755);
	assert_int_equal(compile(&t, path, templates, err, sizeof(err)), 0);
}

static int setup(void **state)
{
	templates = getenv("CBOX_TEMPLATES");
	if (!templates)
		templates = "build/bpf";
	return mkdtemp(tmp) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmp);
	return system(cmd) ? -1 : 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bundle),
		cmocka_unit_test(test_failure_leaves_outdir),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
