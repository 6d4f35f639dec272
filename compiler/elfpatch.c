// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * A small, bounds-checked ELF64 LE reader (see elfpatch.h). It reads the
 * section headers, .symtab and .rodata once; patching is then a memcpy, so
 * thousands of boxes cost one template read each.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "elfpatch.h"

/* ELF64 offsets used here (from the ELF specification) */
#define EI_NIDENT	16
#define E_SHOFF		0x28
#define E_SHENTSIZE	0x3a
#define E_SHNUM		0x3c
#define E_SHSTRNDX	0x3e
#define SH_NAME		0x00
#define SH_TYPE		0x04
#define SH_OFFSET	0x18
#define SH_SIZE		0x20
#define SH_LINK		0x28
#define SH_ENTSIZE	0x38
#define SHDR_SIZE	0x40
#define ST_NAME		0x00
#define ST_INFO		0x04
#define ST_SHNDX	0x06
#define ST_VALUE	0x08
#define ST_SIZE		0x10
#define SYM_SIZE	0x18
#define SHT_SYMTAB	2
#define SHT_NOBITS	8
#define STT_FUNC	2
#define STB_GLOBAL	1

static uint64_t rd(const uint8_t *p, int n)
{
	uint64_t v = 0;

	for (int i = n - 1; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

static int fail(char *err, size_t len, int ret, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail(char *err, size_t len, int ret, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
	return ret;
}

static bool in_file(const struct cbox_elf *e, uint64_t off, uint64_t len)
{
	return off <= e->size && len <= e->size - off;
}

static const uint8_t *shdr(const struct cbox_elf *e, size_t i)
{
	return e->data + rd(e->data + E_SHOFF, 8) + i * SHDR_SIZE;
}

static int parse(struct cbox_elf *e, char *err, size_t errlen)
{
	const uint8_t *d = e->data;
	uint64_t shoff;
	size_t shnum, shstrndx;
	const uint8_t *strsh;
	uint64_t shstr_off, shstr_size;
	int symtab = -1;

	e->rodata = -1;
	if (e->size < 0x40 || memcmp(d, "\177ELF", 4))
		return fail(err, errlen, -EINVAL, "%s: not an ELF file",
			    e->path);
	if (d[4] != 2 || d[5] != 1)
		return fail(err, errlen, -EINVAL,
			    "%s: not ELF64 little-endian", e->path);
	shoff = rd(d + E_SHOFF, 8);
	shnum = rd(d + E_SHNUM, 2);
	shstrndx = rd(d + E_SHSTRNDX, 2);
	if (rd(d + E_SHENTSIZE, 2) != SHDR_SIZE || !shnum ||
	    shstrndx >= shnum || !in_file(e, shoff, (uint64_t)shnum * SHDR_SIZE))
		return fail(err, errlen, -EINVAL,
			    "%s: bad section header table", e->path);
	strsh = shdr(e, shstrndx);
	shstr_off = rd(strsh + SH_OFFSET, 8);
	shstr_size = rd(strsh + SH_SIZE, 8);
	if (!in_file(e, shstr_off, shstr_size) || !shstr_size ||
	    d[shstr_off + shstr_size - 1])
		return fail(err, errlen, -EINVAL,
			    "%s: bad section name table", e->path);
	for (size_t i = 0; i < shnum; i++) {
		const uint8_t *s = shdr(e, i);
		uint64_t name = rd(s + SH_NAME, 4);
		uint32_t type = rd(s + SH_TYPE, 4);

		if (name >= shstr_size)
			return fail(err, errlen, -EINVAL,
				    "%s: section %zu: bad name", e->path, i);
		if (type != SHT_NOBITS &&
		    !in_file(e, rd(s + SH_OFFSET, 8), rd(s + SH_SIZE, 8)))
			return fail(err, errlen, -EINVAL,
				    "%s: section %zu: outside the file",
				    e->path, i);
		if (type == SHT_SYMTAB)
			symtab = (int)i;
		if (!strcmp((const char *)d + shstr_off + name, ".rodata") &&
		    type != SHT_NOBITS) {
			e->rodata = (int)i;
			e->rodata_off = rd(s + SH_OFFSET, 8);
			e->rodata_size = rd(s + SH_SIZE, 8);
		}
	}
	if (symtab < 0)
		return fail(err, errlen, -EINVAL, "%s: no .symtab", e->path);
	{
		const uint8_t *s = shdr(e, (size_t)symtab);
		uint64_t link = rd(s + SH_LINK, 4);
		const uint8_t *ss;

		if (rd(s + SH_ENTSIZE, 8) != SYM_SIZE || link >= shnum)
			return fail(err, errlen, -EINVAL, "%s: bad .symtab",
				    e->path);
		e->symtab = d + rd(s + SH_OFFSET, 8);
		e->n_syms = rd(s + SH_SIZE, 8) / SYM_SIZE;
		ss = shdr(e, link);
		e->strtab = (const char *)d + rd(ss + SH_OFFSET, 8);
		e->strtab_size = rd(ss + SH_SIZE, 8);
		if (!e->strtab_size || e->strtab[e->strtab_size - 1])
			return fail(err, errlen, -EINVAL,
				    "%s: bad symbol string table", e->path);
	}
	return 0;
}

int elf_load_mem(struct cbox_elf *e, const char *name, const void *buf,
		 size_t size, char *err, size_t errlen)
{
	int ret;

	memset(e, 0, sizeof(*e));
	e->path = strdup(name);
	e->data = malloc(size ? size : 1);
	if (!e->path || !e->data) {
		elf_free(e);
		return fail(err, errlen, -ENOMEM, "%s: out of memory", name);
	}
	memcpy(e->data, buf, size);
	e->size = size;
	ret = parse(e, err, errlen);
	if (ret)
		elf_free(e);
	return ret;
}

int elf_load(struct cbox_elf *e, const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	long n;
	int ret;

	memset(e, 0, sizeof(*e));
	if (!f)
		return fail(err, errlen, -errno, "%s: %s", path,
			    strerror(errno));
	if (fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET)) {
		ret = -errno;
		fclose(f);
		return fail(err, errlen, ret, "%s: %s", path, strerror(-ret));
	}
	buf = malloc(n ? (size_t)n : 1);
	if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) {
		ret = buf ? -EIO : -ENOMEM;
		free(buf);
		fclose(f);
		return fail(err, errlen, ret, "%s: cannot read", path);
	}
	fclose(f);
	ret = elf_load_mem(e, path, buf, (size_t)n, err, errlen);
	free(buf);
	return ret;
}

void elf_free(struct cbox_elf *e)
{
	free(e->path);
	free(e->data);
	memset(e, 0, sizeof(*e));
}

int elf_rodata_sym(const struct cbox_elf *e, const char *sym, size_t *off,
		   size_t *size, char *err, size_t errlen)
{
	if (e->rodata < 0)
		return fail(err, errlen, -ENOENT,
			    "%s: no .rodata section, so no constant '%s'",
			    e->path, sym);
	for (size_t i = 0; i < e->n_syms; i++) {
		const uint8_t *s = e->symtab + i * SYM_SIZE;
		uint64_t name = rd(s + ST_NAME, 4);
		uint64_t val = rd(s + ST_VALUE, 8), sz = rd(s + ST_SIZE, 8);

		if (rd(s + ST_SHNDX, 2) != (uint64_t)e->rodata ||
		    name >= e->strtab_size || strcmp(e->strtab + name, sym))
			continue;
		if (val > e->rodata_size || sz > e->rodata_size - val)
			return fail(err, errlen, -EINVAL,
				    "%s: constant '%s' lies outside .rodata",
				    e->path, sym);
		*off = e->rodata_off + val;
		*size = sz;
		return 0;
	}
	return fail(err, errlen, -ENOENT,
		    "%s: no constant '%s' in .rodata (template out of date?)",
		    e->path, sym);
}

int elf_patch(const struct cbox_elf *e, uint8_t *buf, const char *sym,
	      const void *val, size_t size, char *err, size_t errlen)
{
	size_t off, sz;
	int ret = elf_rodata_sym(e, sym, &off, &sz, err, errlen);

	if (ret)
		return ret;
	if (sz != size)
		return fail(err, errlen, -EINVAL,
			    "%s: constant '%s' is %zu bytes, the compiler writes %zu (template and compiler disagree on the ABI)",
			    e->path, sym, sz, size);
	memcpy(buf + off, val, size);
	return 0;
}

int elf_patch_uint(const struct cbox_elf *e, uint8_t *buf, const char *sym,
		   uint64_t val, char *err, size_t errlen)
{
	size_t off, sz;
	int ret = elf_rodata_sym(e, sym, &off, &sz, err, errlen);

	if (ret)
		return ret;
	if (sz != 1 && sz != 2 && sz != 4 && sz != 8)
		return fail(err, errlen, -EINVAL,
			    "%s: constant '%s' is %zu bytes, not an integer",
			    e->path, sym, sz);
	if (sz < 8 && val >> (8 * sz))
		return fail(err, errlen, -ERANGE,
			    "%s: constant '%s': %llu does not fit in %zu bytes",
			    e->path, sym, (unsigned long long)val, sz);
	for (size_t i = 0; i < sz; i++)
		buf[off + i] = (uint8_t)(val >> (8 * i));
	return 0;
}

const char *elf_program_name(const struct cbox_elf *e, char *err,
			     size_t errlen)
{
	const char *found = NULL;
	uint64_t shnum = rd(e->data + E_SHNUM, 2);
	const uint8_t *strsh = shdr(e, rd(e->data + E_SHSTRNDX, 2));
	const char *shstr = (const char *)e->data + rd(strsh + SH_OFFSET, 8);

	for (size_t i = 0; i < e->n_syms; i++) {
		const uint8_t *s = e->symtab + i * SYM_SIZE;
		uint8_t info = s[ST_INFO];
		uint64_t shndx = rd(s + ST_SHNDX, 2);
		uint64_t name = rd(s + ST_NAME, 4);

		/* programs are global functions outside .text (subprograms
		 * live in .text) */
		if ((info & 0xf) != STT_FUNC || (info >> 4) != STB_GLOBAL ||
		    !shndx || shndx >= shnum || name >= e->strtab_size)
			continue;
		if (!strcmp(shstr + rd(shdr(e, shndx) + SH_NAME, 4), ".text"))
			continue;
		if (found) {
			fail(err, errlen, -EINVAL,
			     "%s: more than one BPF program ('%s', '%s')",
			     e->path, found, e->strtab + name);
			return NULL;
		}
		found = e->strtab + name;
	}
	if (!found)
		fail(err, errlen, -ENOENT, "%s: no BPF program", e->path);
	return found;
}
