/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Bakes per-box constants into prebuilt BPF objects without clang: the
 * templates' `const volatile` globals live in .rodata, so setting one is a
 * write at (.rodata file offset + symbol value), checked against the
 * symbol's size. ELF64 little-endian only (what clang -target bpf emits on
 * x86 and arm64 build hosts).
 */
#ifndef CBOX_ELFPATCH_H
#define CBOX_ELFPATCH_H

#include <stddef.h>
#include <stdint.h>

struct cbox_elf {
	char *path;		/* for messages */
	uint8_t *data;		/* the whole file */
	size_t size;
	/* parsed once */
	const uint8_t *symtab;	/* .symtab entries */
	size_t n_syms;
	const char *strtab;	/* its string table */
	size_t strtab_size;
	int rodata;		/* section index of .rodata, -1 if none */
	uint64_t rodata_off, rodata_size;
};

/* Reads and checks path. Returns 0, or -errno with a message in err. */
int elf_load(struct cbox_elf *e, const char *path, char *err, size_t errlen);
/* Same on a buffer (copied). */
int elf_load_mem(struct cbox_elf *e, const char *name, const void *buf,
		 size_t size, char *err, size_t errlen);
void elf_free(struct cbox_elf *e);

/*
 * Finds the .rodata variable sym: its offset in the file and size. Returns 0,
 * or -ENOENT (no such symbol in .rodata) / -EINVAL with a message in err.
 */
int elf_rodata_sym(const struct cbox_elf *e, const char *sym, size_t *off,
		   size_t *size, char *err, size_t errlen);

/*
 * Writes val (size bytes) over the .rodata variable sym in buf, a copy of
 * e->data. The sizes must be equal.
 */
int elf_patch(const struct cbox_elf *e, uint8_t *buf, const char *sym,
	      const void *val, size_t size, char *err, size_t errlen);
/* Writes an unsigned integer, little-endian, of the symbol's own size (1, 2,
 * 4 or 8), refusing a value that does not fit. */
int elf_patch_uint(const struct cbox_elf *e, uint8_t *buf, const char *sym,
		   uint64_t val, char *err, size_t errlen);

/*
 * Name of the one global function of the object (the BPF program), or NULL
 * with a message when there is none or more than one.
 */
const char *elf_program_name(const struct cbox_elf *e, char *err,
			     size_t errlen);

#endif /* CBOX_ELFPATCH_H */
