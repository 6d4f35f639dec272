// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/btf.h>

#include "hh.h"

static int hh_cpus(void)
{
	static int n;

	if (!n)
		n = libbpf_num_possible_cpus();
	return n;
}

int hh_open(struct hh_stage *st, const char *objdir, const char *file,
	    const char *name)
{
	char path[4096];

	memset(st, 0, sizeof(*st));
	st->name = name;
	st->prog_fd = st->stats_fd = st->proxy_fd = st->fwd_fd = st->cls_fd = -1;
	snprintf(path, sizeof(path), "%s/%s", objdir, file);
	st->obj = bpf_object__open_file(path, NULL);
	if (!st->obj) {
		fprintf(stderr, "%s: cannot open %s: %s\n", name, path,
			strerror(errno));
		return -errno;
	}
	return 0;
}

/*
 * The constants are plain globals in .rodata; their offsets come from the
 * object's BTF (DATASEC .rodata), exactly the symbols the compiler patches.
 */
int hh_set_const(struct hh_stage *st, const char *var, const void *val,
		 size_t len)
{
	struct bpf_map *map = bpf_object__find_map_by_name(st->obj, ".rodata");
	struct btf *btf = bpf_object__btf(st->obj);
	const struct btf_var_secinfo *vsi;
	const struct btf_type *sec;
	const void *init;
	size_t sz;
	int id, i;

	if (!map || !btf) {
		fprintf(stderr, "%s: no .rodata or BTF\n", st->name);
		return -ENOENT;
	}
	id = btf__find_by_name_kind(btf, ".rodata", BTF_KIND_DATASEC);
	if (id < 0) {
		fprintf(stderr, "%s: no DATASEC .rodata\n", st->name);
		return -ENOENT;
	}
	sec = btf__type_by_id(btf, id);
	vsi = btf_var_secinfos(sec);
	for (i = 0; i < btf_vlen(sec); i++, vsi++) {
		const struct btf_type *v = btf__type_by_id(btf, vsi->type);
		uint8_t *copy;
		int err;

		if (strcmp(btf__name_by_offset(btf, v->name_off), var))
			continue;
		if (vsi->size != len) {
			fprintf(stderr, "%s: constant %s is %u bytes, not %zu\n",
				st->name, var, vsi->size, len);
			return -EINVAL;
		}
		init = bpf_map__initial_value(map, &sz);
		if (!init || vsi->offset + len > sz)
			return -EINVAL;
		copy = malloc(sz);
		if (!copy)
			return -ENOMEM;
		memcpy(copy, init, sz);
		memcpy(copy + vsi->offset, val, len);
		err = bpf_map__set_initial_value(map, copy, sz);
		free(copy);
		return err;
	}
	fprintf(stderr, "%s: no constant %s in .rodata\n", st->name, var);
	return -ENOENT;
}

/* For constants that only some variants of a template have. */
int hh_set_const_opt(struct hh_stage *st, const char *var, const void *val,
		     size_t len)
{
	struct btf *btf = bpf_object__btf(st->obj);

	if (!btf || btf__find_by_name_kind(btf, var, BTF_KIND_VAR) < 0)
		return 0;
	return hh_set_const(st, var, val, len);
}

int hh_set_max_entries(struct hh_stage *st, const char *map, uint32_t n)
{
	struct bpf_map *m = bpf_object__find_map_by_name(st->obj, map);

	if (!m) {
		fprintf(stderr, "%s: no map %s\n", st->name, map);
		return -ENOENT;
	}
	return bpf_map__set_max_entries(m, n);
}

int hh_reuse_map(struct hh_stage *st, const char *map, int fd)
{
	struct bpf_map *m = bpf_object__find_map_by_name(st->obj, map);

	if (!m) {
		fprintf(stderr, "%s: no map %s\n", st->name, map);
		return -ENOENT;
	}
	return bpf_map__reuse_fd(m, fd);
}

static int map_fd(const struct hh_stage *st, const char *name)
{
	struct bpf_map *m = bpf_object__find_map_by_name(st->obj, name);

	return m ? bpf_map__fd(m) : -1;
}

int hh_load(struct hh_stage *st, const char *prog)
{
	struct bpf_program *p;
	int err;

	err = bpf_object__load(st->obj);
	if (err) {
		fprintf(stderr, "%s: load failed: %s\n", st->name,
			strerror(-err));
		return err;
	}
	p = bpf_object__find_program_by_name(st->obj, prog);
	if (!p) {
		fprintf(stderr, "%s: no program %s\n", st->name, prog);
		return -ENOENT;
	}
	st->prog_fd = bpf_program__fd(p);
	st->stats_fd = map_fd(st, "cbox_stats");
	st->proxy_fd = map_fd(st, "cbox_proxy");
	st->fwd_fd = map_fd(st, "cbox_fwd");
	st->cls_fd = map_fd(st, "cbox_cls_rules");
	return 0;
}

int hh_share_proxy(struct hh_stage *st, struct hh_stage *from)
{
	int err = hh_reuse_map(st, "cbox_proxy", from->proxy_fd);

	if (!err && bpf_object__find_map_by_name(st->obj, "cbox_proxy_cache"))
		err = hh_reuse_map(st, "cbox_proxy_cache",
				   map_fd(from, "cbox_proxy_cache"));
	return err;
}

int hh_proxy_forget(const struct hh_stage *st, const struct cbox_proxy_key *k)
{
	int cache = map_fd(st, "cbox_proxy_cache");
	struct bpf_map_info info = { 0 };
	uint32_t ilen = sizeof(info), slot;
	void *zero;
	int err;

	err = bpf_map_delete_elem(st->proxy_fd, k) ? -errno : 0;
	if (cache < 0 || bpf_obj_get_info_by_fd(cache, &info, &ilen))
		return err;
	slot = cbox_slot_of(k, sizeof(*k), info.max_entries - 1);
	zero = calloc(1, info.value_size);
	if (!zero)
		return -ENOMEM;
	if (bpf_map_update_elem(cache, &slot, zero, BPF_ANY) && !err)
		err = -errno;
	free(zero);
	return err;
}

void hh_close(struct hh_stage *st)
{
	bpf_object__close(st->obj);
	st->obj = NULL;
}

int hh_run(const struct hh_stage *st, const void *in, uint32_t len,
	   int *verdict, uint8_t *out, uint32_t *out_len)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = in, .data_size_in = len,
		    .data_out = out, .data_size_out = HH_FRAME_MAX,
		    .repeat = 1);
	int err;

	err = bpf_prog_test_run_opts(st->prog_fd, &o);
	if (err)
		return -errno;
	*verdict = (int)o.retval;
	*out_len = o.data_size_out;
	return 0;
}

uint64_t hh_counter(const struct hh_stage *st, int stage, int c)
{
	uint64_t vals[512], sum = 0;
	uint32_t key = stage * CBOX_C_MAX + c;
	int i, n = hh_cpus();

	if (st->stats_fd < 0 || n <= 0 || n > 512)
		return 0;
	if (bpf_map_lookup_elem(st->stats_fd, &key, vals))
		return 0;
	for (i = 0; i < n; i++)
		sum += vals[i];
	return sum;
}

uint64_t hh_drops(const struct hh_stage *st)
{
	uint64_t sum = 0;
	int s, c;

	for (s = 0; s < CBOX_STAGE_MAX; s++)
		for (c = CBOX_C_DROP_BAD_NSH; c < CBOX_C_MAX; c++)
			sum += hh_counter(st, s, c);
	return sum;
}

void hh_zero_counters(const struct hh_stage *st)
{
	uint64_t zero[512] = { 0 };
	uint32_t k;

	for (k = 0; k < CBOX_STATS_ENTRIES; k++)
		bpf_map_update_elem(st->stats_fd, &k, zero, BPF_ANY);
}

const char *hh_counter_name(int c)
{
	static const char *const names[CBOX_C_MAX] = {
		[CBOX_C_IN] = "in",
		[CBOX_C_OUT] = "out",
		[CBOX_C_PASS] = "pass",
		[CBOX_C_DROP_BAD_NSH] = "drop_bad_nsh",
		[CBOX_C_DROP_TTL] = "drop_ttl",
		[CBOX_C_DROP_SI0] = "drop_si0",
		[CBOX_C_DROP_NO_HOP] = "drop_no_hop",
		[CBOX_C_DROP_NO_PROXY] = "drop_no_proxy",
		[CBOX_C_DROP_SPOOF] = "drop_spoof",
		[CBOX_C_DROP_OAM] = "drop_oam",
		[CBOX_C_DROP_ERR] = "drop_err",
	};

	return c >= 0 && c < CBOX_C_MAX && names[c] ? names[c] : "?";
}

void hh_print_counters(const struct hh_stage *st)
{
	static const char *const stages[CBOX_STAGE_MAX] = {
		"dec", "enc", "fwd", "cls", "sf"
	};
	int s, c;

	for (s = 0; s < CBOX_STAGE_MAX; s++) {
		bool any = false;

		for (c = 0; c < CBOX_C_MAX; c++) {
			uint64_t v = hh_counter(st, s, c);

			if (!v)
				continue;
			if (!any)
				printf("    %s/%s:", st->name, stages[s]);
			any = true;
			printf(" %s=%llu", hh_counter_name(c),
			       (unsigned long long)v);
		}
		if (any)
			printf("\n");
	}
}

void hh_put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v;
}

uint16_t hh_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

void hh_put32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

uint32_t hh_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

void hh_hexdump(const char *what, const uint8_t *p, uint32_t len)
{
	uint32_t i;

	fprintf(stderr, "  %s (%u bytes):", what, len);
	for (i = 0; i < len && i < 96; i++)
		fprintf(stderr, "%s%02x", i % 16 ? " " : "\n    ", p[i]);
	fprintf(stderr, "%s\n", len > 96 ? " ..." : "");
}
