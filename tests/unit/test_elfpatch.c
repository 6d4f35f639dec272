// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * elfpatch against a real BPF object: the test compiles a small program with
 * clang, patches its constants, and checks the result independently by
 * loading it into the kernel and running it (BPF_PROG_TEST_RUN): the program
 * returns a value computed from the constants, so a wrong offset, size or
 * byte order shows in the return value. Needs root and clang.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "elfpatch.h"

static const char fixture_src[] =
	"typedef unsigned int u32; typedef unsigned char u8;\n"
	"typedef unsigned short u16;\n"
	"const volatile u32 cbox_box_id = 7;\n"
	"const volatile u8 cbox_mac[6] = { 1, 2, 3, 4, 5, 6 };\n"
	"const volatile u16 cbox_small = 0;\n"
	"static __attribute__((noinline)) int helper(int x) { return x + 1; }\n"
	"__attribute__((section(\"xdp\"), used)) int cbox_fixture(void *ctx)\n"
	"{ return cbox_box_id * 1000 + cbox_mac[0] * 100 + cbox_mac[5] +\n"
	"  cbox_small * 100000 + helper(0) - 1; }\n"
	"char _license[] __attribute__((section(\"license\"), used)) = \"GPL\";\n";

static char dir[] = "/tmp/cbox-elfpatch-XXXXXX";
static char obj_path[256];

static int setup(void **state)
{
	char src[256], cmd[1024];
	FILE *f;

	if (!mkdtemp(dir))
		return -1;
	snprintf(src, sizeof(src), "%s/fixture.bpf.c", dir);
	snprintf(obj_path, sizeof(obj_path), "%s/fixture.bpf.o", dir);
	f = fopen(src, "w");
	if (!f)
		return -1;
	fputs(fixture_src, f);
	fclose(f);
	snprintf(cmd, sizeof(cmd),
		 "clang -O2 -g -target bpf -c -o %s %s", obj_path, src);
	return system(cmd) ? -1 : 0;
}

static int teardown(void **state)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) ? -1 : 0;
}

/* Loads buf as a BPF object and returns the program's test-run retval. */
static long run_obj(const uint8_t *buf, size_t size)
{
	LIBBPF_OPTS(bpf_test_run_opts, topts);
	uint8_t pkt[64] = { 0 };
	struct bpf_object *obj;
	struct bpf_program *prog;
	long ret = -1;

	topts.data_in = pkt;
	topts.data_size_in = sizeof(pkt);
	topts.repeat = 1;
	obj = bpf_object__open_mem(buf, size, NULL);
	if (!obj)
		return -1;
	if (bpf_object__load(obj))
		goto out;
	prog = bpf_object__find_program_by_name(obj, "cbox_fixture");
	if (!prog)
		goto out;
	if (bpf_prog_test_run_opts(bpf_program__fd(prog), &topts))
		goto out;
	ret = topts.retval;
out:
	bpf_object__close(obj);
	return ret;
}

static void test_patch_and_run(void **state)
{
	struct cbox_elf e;
	char err[256];
	uint8_t *buf;
	const uint8_t mac[6] = { 9, 0, 0, 0, 0, 42 };

	assert_int_equal(elf_load(&e, obj_path, err, sizeof(err)), 0);
	/* unpatched: the defaults of the source */
	assert_int_equal(run_obj(e.data, e.size), 7 * 1000 + 100 + 6);

	buf = malloc(e.size);
	memcpy(buf, e.data, e.size);
	assert_int_equal(elf_patch_uint(&e, buf, "cbox_box_id", 513, err,
					sizeof(err)), 0);
	assert_int_equal(elf_patch(&e, buf, "cbox_mac", mac, 6, err,
				   sizeof(err)), 0);
	assert_int_equal(elf_patch_uint(&e, buf, "cbox_small", 3, err,
					sizeof(err)), 0);
	assert_int_equal(run_obj(buf, e.size),
			 513 * 1000 + 9 * 100 + 42 + 300000);
	/* the template stays as it was */
	assert_int_equal(run_obj(e.data, e.size), 7 * 1000 + 100 + 6);
	free(buf);
	elf_free(&e);
}

static void test_refusals(void **state)
{
	struct cbox_elf e;
	char err[256];
	uint8_t *buf;
	const uint8_t mac[8] = { 0 };

	assert_int_equal(elf_load(&e, obj_path, err, sizeof(err)), 0);
	buf = malloc(e.size);
	memcpy(buf, e.data, e.size);
	assert_int_equal(elf_patch(&e, buf, "cbox_nope", mac, 6, err,
				   sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "no constant 'cbox_nope' in .rodata"));
	assert_int_equal(elf_patch(&e, buf, "cbox_mac", mac, 8, err,
				   sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "'cbox_mac' is 6 bytes, the compiler writes 8"));
	assert_int_equal(elf_patch_uint(&e, buf, "cbox_small", 70000, err,
					sizeof(err)), -ERANGE);
	assert_non_null(strstr(err, "does not fit in 2 bytes"));
	assert_int_equal(elf_patch_uint(&e, buf, "cbox_mac", 1, err,
					sizeof(err)), -EINVAL);
	/* nothing was written by the refused patches */
	assert_memory_equal(buf, e.data, e.size);
	free(buf);
	elf_free(&e);

	assert_int_not_equal(elf_load_mem(&e, "junk", "hello", 5, err,
					  sizeof(err)), 0);
	assert_non_null(strstr(err, "junk: not an ELF file"));
	assert_int_not_equal(elf_load(&e, "/nonexistent.o", err, sizeof(err)),
			     0);
	assert_non_null(strstr(err, "/nonexistent.o:"));
}

static void test_truncated(void **state)
{
	struct cbox_elf e;
	char err[256];
	uint8_t *copy;
	size_t n;

	assert_int_equal(elf_load(&e, obj_path, err, sizeof(err)), 0);
	n = e.size;
	copy = malloc(n);
	memcpy(copy, e.data, n);
	elf_free(&e);
	/* every truncation is refused (or parses within bounds), never read
	 * past the end: valgrind/ASan would tell */
	for (size_t cut = 0; cut < n; cut += 7) {
		if (elf_load_mem(&e, "cut", copy, cut, err, sizeof(err)) == 0)
			elf_free(&e);
	}
	free(copy);
}

static void test_program_name(void **state)
{
	struct cbox_elf e;
	char err[256];

	assert_int_equal(elf_load(&e, obj_path, err, sizeof(err)), 0);
	/* the static helper in .text is no program */
	assert_string_equal(elf_program_name(&e, err, sizeof(err)),
			    "cbox_fixture");
	elf_free(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_patch_and_run),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_program_name),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
