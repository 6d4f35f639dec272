/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Helpers for the data-plane hardening tests: open a real stage object from
 * build/bpf, bake its .rodata constants the way the compiler would, share
 * maps between objects the way the loader does, run one frame through
 * BPF_PROG_TEST_RUN and read the per-CPU counters.
 */
#ifndef CBOX_HH_H
#define CBOX_HH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "common_kern_user.h"

#define HH_FRAME_MAX 2048

struct hh_stage {
	const char *name;	/* for messages: "dec", "egress", ... */
	struct bpf_object *obj;
	int prog_fd;
	int stats_fd;
	int proxy_fd;		/* -1 when the object has none */
	int fwd_fd;
	int cls_fd;
};

/* Deterministic PRNG (xorshift64*): the same seed gives the same run. */
struct hh_rng {
	uint64_t s;
};

static inline uint64_t hh_rand(struct hh_rng *r)
{
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return r->s * 0x2545F4914F6CDD1DULL;
}

static inline uint32_t hh_below(struct hh_rng *r, uint32_t n)
{
	return n ? (uint32_t)(hh_rand(r) % n) : 0;
}

/* Opens OBJDIR/FILE; the caller bakes constants and sizes maps, then loads. */
int hh_open(struct hh_stage *st, const char *objdir, const char *file,
	    const char *name);
/* Writes a const volatile global of .rodata (before load). */
int hh_set_const(struct hh_stage *st, const char *var, const void *val,
		 size_t len);
/* Same, but a constant the object does not have is skipped. */
int hh_set_const_opt(struct hh_stage *st, const char *var, const void *val,
		     size_t len);
int hh_set_max_entries(struct hh_stage *st, const char *map, uint32_t n);
/* Makes the object use an existing map (before load). */
int hh_reuse_map(struct hh_stage *st, const char *map, int fd);
/* Loads and finds PROG and the well-known maps. */
int hh_load(struct hh_stage *st, const char *prog);
void hh_close(struct hh_stage *st);
/* Makes st use from's proxy table and proxy cache (before load), as the
 * boxes of one host do. */
int hh_share_proxy(struct hh_stage *st, struct hh_stage *from);
/* Deletes a cbox_proxy entry and clears its slot in cbox_proxy_cache, as a
 * tool must (else the writer that cached it skips rewriting it for the rest
 * of the tick). Returns 0 or -errno of the delete. */
int hh_proxy_forget(const struct hh_stage *st, const struct cbox_proxy_key *k);

/* One run; returns 0 and fills verdict/out, or -errno from the kernel. */
int hh_run(const struct hh_stage *st, const void *in, uint32_t len,
	   int *verdict, uint8_t *out, uint32_t *out_len);

/* Sum over CPUs of counter C of stage S in the object's cbox_stats. */
uint64_t hh_counter(const struct hh_stage *st, int stage, int c);
/* Sum of every drop reason over every stage index of the object. */
uint64_t hh_drops(const struct hh_stage *st);
void hh_print_counters(const struct hh_stage *st);
void hh_zero_counters(const struct hh_stage *st);

const char *hh_counter_name(int c);

/* Frame helpers. */
void hh_put16(uint8_t *p, uint16_t v);
uint16_t hh_get16(const uint8_t *p);
void hh_put32(uint8_t *p, uint32_t v);
uint32_t hh_get32(const uint8_t *p);
void hh_hexdump(const char *what, const uint8_t *p, uint32_t len);

#endif /* CBOX_HH_H */
