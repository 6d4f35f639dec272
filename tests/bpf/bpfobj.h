/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Loading the real stage objects the way the loader will: open, patch the
 * const volatile globals in .rodata by ELF symbol name (as the compiler
 * does to prebuilt objects), share maps with bpf_map__reuse_fd, load.
 */
#ifndef CBOX_TEST_BPFOBJ_H
#define CBOX_TEST_BPFOBJ_H

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <gelf.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

struct obj {
	struct bpf_object *o;
	char path[512];
	int prog_fd;
};

/* Offset and size of a global in its section, from the ELF symbol table. */
static int elf_sym(const char *path, const char *name, size_t *off,
		   size_t *size)
{
	int fd = open(path, O_RDONLY), rc = -1;
	Elf *e;
	Elf_Scn *scn = NULL;

	if (fd < 0)
		return -1;
	elf_version(EV_CURRENT);
	e = elf_begin(fd, ELF_C_READ, NULL);
	while (e && (scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh;
		Elf_Data *d;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_SYMTAB)
			continue;
		d = elf_getdata(scn, NULL);
		for (size_t i = 0; d && i < sh.sh_size / sh.sh_entsize; i++) {
			GElf_Sym s;
			const char *n;

			gelf_getsym(d, i, &s);
			n = elf_strptr(e, sh.sh_link, s.st_name);
			if (n && !strcmp(n, name)) {
				*off = s.st_value;
				*size = s.st_size;
				rc = 0;
			}
		}
	}
	if (e)
		elf_end(e);
	close(fd);
	return rc;
}

static int obj_open(struct obj *ob, const char *dir, const char *file)
{
	memset(ob, 0, sizeof(*ob));
	snprintf(ob->path, sizeof(ob->path), "%s/%s", dir, file);
	ob->o = bpf_object__open_file(ob->path, NULL);
	if (!ob->o) {
		fprintf(stderr, "%s: cannot open\n", ob->path);
		return -1;
	}
	return 0;
}

static int obj_set(struct obj *ob, const char *var, const void *val,
		   size_t size)
{
	struct bpf_map *m, *ro = NULL;
	size_t off = 0, sz = 0, dsz = 0;
	const char *cur = NULL;
	char buf[4096];

	if (elf_sym(ob->path, var, &off, &sz) || sz != size) {
		fprintf(stderr, "%s: no global %s of size %zu\n", ob->path,
			var, size);
		return -1;
	}
	bpf_object__for_each_map(m, ob->o) {
		const char *n = bpf_map__name(m);

		if (strlen(n) > 7 && !strcmp(n + strlen(n) - 7, ".rodata")) {
			ro = m;
			cur = bpf_map__initial_value(m, &dsz);
		}
	}
	if (!cur || off + size > dsz || dsz > sizeof(buf)) {
		fprintf(stderr, "%s: no .rodata for %s\n", ob->path, var);
		return -1;
	}
	memcpy(buf, cur, dsz);
	memcpy(buf + off, val, size);
	return bpf_map__set_initial_value(ro, buf, dsz);
}

static int obj_set32(struct obj *ob, const char *var, uint32_t v)
{
	return obj_set(ob, var, &v, sizeof(v));
}

static int obj_reuse(struct obj *ob, const char *map, int fd)
{
	struct bpf_map *m = bpf_object__find_map_by_name(ob->o, map);

	if (!m || bpf_map__reuse_fd(m, fd)) {
		fprintf(stderr, "%s: cannot reuse map %s\n", ob->path, map);
		return -1;
	}
	return 0;
}

static int obj_resize(struct obj *ob, const char *map, uint32_t n)
{
	struct bpf_map *m = bpf_object__find_map_by_name(ob->o, map);

	return m ? bpf_map__set_max_entries(m, n) : -1;
}

static int obj_load(struct obj *ob, const char *prog)
{
	struct bpf_program *p;

	if (bpf_object__load(ob->o)) {
		fprintf(stderr, "%s: load failed\n", ob->path);
		return -1;
	}
	p = bpf_object__find_program_by_name(ob->o, prog);
	if (!p) {
		fprintf(stderr, "%s: no program %s\n", ob->path, prog);
		return -1;
	}
	ob->prog_fd = bpf_program__fd(p);
	return 0;
}

static int obj_map(struct obj *ob, const char *map)
{
	struct bpf_map *m = bpf_object__find_map_by_name(ob->o, map);

	return m ? bpf_map__fd(m) : -1;
}

/* Shares the host's proxy table and its cache (when the object has one)
 * of a loaded object, as the loader does for the boxes of a host. */
static int obj_share_proxy(struct obj *ob, struct obj *from)
{
	if (obj_reuse(ob, "cbox_proxy", obj_map(from, "cbox_proxy")))
		return -1;
	if (bpf_object__find_map_by_name(ob->o, "cbox_proxy_cache") &&
	    obj_reuse(ob, "cbox_proxy_cache",
		      obj_map(from, "cbox_proxy_cache")))
		return -1;
	return 0;
}

#endif
