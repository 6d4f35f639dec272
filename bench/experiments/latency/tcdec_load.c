// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * cbl-tcdec NETNS IFACE MAC BOX_ID PROXY_PIN OBJ: attach tcdec.bpf.o at TC
 * ingress of IFACE in network namespace NETNS (/run/netns) at priority 1,
 * ahead of the SF's own filter, with cbox's pinned proxy table of the host
 * reused so that cbox's egress stage finds what it saved. The pin is opened
 * before we enter NETNS: `ip netns exec` would hide the root's bpffs. The
 * filter holds the program after we exit; `cbl-tcdec -r NETNS IFACE`
 * prints its cbl_rc[] counters.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

static int fail(const char *what, int err)
{
	fprintf(stderr, "cbl-tcdec: %s: %s\n", what, strerror(err < 0 ? -err : err));
	return 1;
}

static int enter_netns(const char *name)
{
	char path[300];
	int fd, err;

	snprintf(path, sizeof(path), "/run/netns/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fail(path, errno);
	err = setns(fd, CLONE_NEWNET);
	close(fd);
	return err ? fail(path, errno) : 0;
}

/* Print cbl_rc[] of the tcdec program on IFACE's ingress. */
static int report(const char *ifname)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .attach_point = BPF_TC_INGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = 1, .priority = 1);
	struct bpf_prog_info pi = {};
	__u32 len = sizeof(pi), ids[16] = {};
	int fd, err;

	hook.ifindex = if_nametoindex(ifname);
	if (!hook.ifindex)
		return fail(ifname, errno);
	err = bpf_tc_query(&hook, &opts);
	if (err)
		return fail("no tcdec filter", err);
	fd = bpf_prog_get_fd_by_id(opts.prog_id);
	if (fd < 0)
		return fail("program", errno);
	pi.nr_map_ids = 16;
	pi.map_ids = (unsigned long)ids;
	err = bpf_obj_get_info_by_fd(fd, &pi, &len);
	close(fd);
	if (err)
		return fail("program info", errno);
	for (__u32 i = 0; i < pi.nr_map_ids && i < 16; i++) {
		struct bpf_map_info mi = {};
		__u32 mlen = sizeof(mi), zero = 0;
		long long rc[9];
		int mfd = bpf_map_get_fd_by_id(ids[i]);

		if (mfd < 0 || bpf_obj_get_info_by_fd(mfd, &mi, &mlen) ||
		    !strstr(mi.name, ".bss") || mi.value_size < sizeof(rc)) {
			if (mfd >= 0)
				close(mfd);
			continue;
		}
		if (!bpf_map_lookup_elem(mfd, &zero, rc))
			printf("adjust_room_mac=%lld adjust_room_net=%lld "
			       "change_proto=%lld stripped=%lld failed=%lld "
			       "back=%lld back_pkt_type=%lld head=%016llx "
			       "padded=%lld\n",
			       rc[0], rc[1], rc[2], rc[3], rc[4], rc[5], rc[6],
			       (unsigned long long)rc[7], rc[8]);
		close(mfd);
		return 0;
	}
	return fail("no .bss map", ENOENT);
}

int main(int argc, char **argv)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .attach_point = BPF_TC_INGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = 1, .priority = 1);
	struct bpf_object *obj;
	struct bpf_program *prog;
	struct bpf_map *m;
	unsigned int mac[6];
	const void *init;
	__u8 ro[256];
	size_t rosz = 0;
	int err, pfd;

	if (argc == 4 && !strcmp(argv[1], "-r"))
		return enter_netns(argv[2]) ? 1 : report(argv[3]);
	if (argc != 7)
		goto usage;
	pfd = bpf_obj_get(argv[5]);
	if (pfd < 0)
		return fail(argv[5], errno);
	if (enter_netns(argv[1]))
		return 1;
	argv++;
	if (sscanf(argv[2], "%x:%x:%x:%x:%x:%x", &mac[0], &mac[1], &mac[2],
		   &mac[3], &mac[4], &mac[5]) != 6) {
usage:
		fprintf(stderr, "usage: cbl-tcdec NETNS IFACE MAC BOX_ID PROXY_PIN"
				" OBJ | cbl-tcdec -r NETNS IFACE\n");
		return 2;
	}
	hook.ifindex = if_nametoindex(argv[1]);
	if (!hook.ifindex)
		return fail(argv[1], errno);
	obj = bpf_object__open_file(argv[5], NULL);
	if (!obj)
		return fail(argv[5], errno);
	/* .rodata: cbox_mac[6] then cbox_box_id, as declared */
	m = bpf_object__find_map_by_name(obj, ".rodata");
	init = m ? bpf_map__initial_value(m, &rosz) : NULL;
	if (!init || rosz < 12 || rosz > sizeof(ro))
		return fail(".rodata", ENOENT);
	memcpy(ro, init, rosz);
	{
		struct btf *btf = bpf_object__btf(obj);
		int id = btf__find_by_name_kind(btf, ".rodata", BTF_KIND_DATASEC);
		const struct btf_type *t = id > 0 ? btf__type_by_id(btf, id) : NULL;
		const struct btf_var_secinfo *v;
		__u32 box = (__u32)atoi(argv[3]);

		if (!t)
			return fail("BTF of .rodata", ENOENT);
		v = btf_var_secinfos(t);
		for (int i = 0; i < btf_vlen(t); i++, v++) {
			const char *n = btf__name_by_offset(
				btf, btf__type_by_id(btf, v->type)->name_off);

			if (!strcmp(n, "cbox_mac"))
				for (int k = 0; k < 6; k++)
					ro[v->offset + k] = (__u8)mac[k];
			else if (!strcmp(n, "cbox_box_id"))
				memcpy(ro + v->offset, &box, sizeof(box));
		}
		err = bpf_map__set_initial_value(m, ro, rosz);
		if (err)
			return fail(".rodata", err);
	}
	m = bpf_object__find_map_by_name(obj, "cbox_proxy");
	if (!m)
		return fail("cbox_proxy", ENOENT);
	err = bpf_map__reuse_fd(m, pfd);
	if (err)
		return fail("reuse cbox_proxy", err);
	/* the host's proxy cache is pinned beside the table */
	m = bpf_object__find_map_by_name(obj, "cbox_proxy_cache");
	if (m) {
		char cpath[4096];
		int cfd;

		snprintf(cpath, sizeof(cpath), "%s_cache", argv[5]);
		cfd = bpf_obj_get(cpath);
		if (cfd < 0)
			return fail(cpath, errno);
		err = bpf_map__reuse_fd(m, cfd);
		if (err)
			return fail("reuse cbox_proxy_cache", err);
	}
	err = bpf_object__load(obj);
	if (err)
		return fail("load", err);
	prog = bpf_object__find_program_by_name(obj, "cbl_tcdec");
	if (!prog)
		return fail("cbl_tcdec", ENOENT);
	err = bpf_tc_hook_create(&hook);
	if (err && err != -EEXIST)
		return fail("clsact", err);
	opts.prog_fd = bpf_program__fd(prog);
	err = bpf_tc_attach(&hook, &opts);
	if (err)
		return fail("attach", err);
	return 0;
}
