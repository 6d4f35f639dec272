/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Map definitions. Names are the contract with the loader (which reuses the
 * host's cbox_proxy and the box's cbox_stats across objects by pinning), so no
 * pinning attribute is set here: the loader decides the pin paths. An object
 * declares the maps it needs by defining CBOX_NEED_<MAP> before including
 * this header, so that objects carry no unused maps.
 */
#ifndef CBOX_MAPS_H
#define CBOX_MAPS_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "cbox_consts.h"

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, CBOX_STATS_ENTRIES);
	__type(key, __u32);
	__type(value, __u64);
} cbox_stats SEC(".maps");

/* Equality of two blocks of len bytes (a constant multiple of 4) without a
 * call to memcmp: 8 bytes at a time, then the 4-byte rest. */
static __always_inline int cbox_bytes_eq(const void *a, const void *b, int len)
{
	const __u64 *x = a, *y = b;
	__u64 d = 0;
	int i;

#pragma unroll
	for (i = 0; i < len / 8; i++)
		d |= x[i] ^ y[i];
	if (len % 8)
		d |= ((const __u32 *)a)[len / 4 - 1] ^
		     ((const __u32 *)b)[len / 4 - 1];
	return d == 0;
}

#ifdef CBOX_NEED_PROXY
/* LRU: a flood of flows evicts the oldest entries instead of wedging the
 * chain (the thesis used a plain hash that silently filled up). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, CBOX_PROXY_ENTRIES);
	__type(key, struct cbox_proxy_key);
	__type(value, struct cbox_proxy_val);
} cbox_proxy SEC(".maps");

_Static_assert(sizeof(struct cbox_proxy_key) % 4 == 0 &&
		       sizeof(struct cbox_proxy_val) % 4 == 0,
	       "cbox_bytes_eq compares whole 32-bit words");

static __always_inline int cbox_proxy_val_eq(const struct cbox_proxy_val *a,
					     const struct cbox_proxy_val *b)
{
	return cbox_bytes_eq(a, b, sizeof(*a));
}

#if CBOX_PROXY_CACHE_SLOTS
_Static_assert((CBOX_PROXY_CACHE_SLOTS & (CBOX_PROXY_CACHE_SLOTS - 1)) == 0 &&
		       CBOX_PROXY_CACHE_SLOTS <= (1 << 20),
	       "CBOX_PROXY_CACHE_SLOTS must be a power of 2, at most 2^20");

/*
 * One slot of the host's proxy cache. Every CPU reads and writes the same
 * slots, so that a change Dec makes on one CPU (a new TTL on each pass of a
 * loop, a new SPI) is what the egress reads on any other: a per-CPU cache
 * would let the egress of another CPU put an older TTL back on a looping
 * packet for up to a tick. seq is a sequence lock: odd while a writer
 * fills the slot; a reader that sees it odd or changed takes the table.
 */
struct cbox_proxy_cache_ent {
	__u64 seq;
	__u64 stamp;			/* jiffies at fill; 0: empty */
	struct cbox_proxy_val val;	/* 8-byte aligned for the compares */
	struct cbox_proxy_key key;
};

/* Host-wide like cbox_proxy (a direct link's upstream box writes the
 * downstream box's entries): the loader pins it beside the table. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, CBOX_PROXY_CACHE_SLOTS);
	__type(key, __u32);
	__type(value, struct cbox_proxy_cache_ent);
} cbox_proxy_cache SEC(".maps");

/* Compiler barrier. The CPU side: x86-64 keeps loads in order and stores in
 * order (TSO), which is what a sequence-lock reader needs; the writer's
 * atomics are full barriers everywhere. On a weakly ordered CPU the reader
 * would need read barriers BPF cannot express: build the stages with
 * CBOX_PROXY_CACHE_SLOTS=0 there. */
#define cbox_barrier() asm volatile("" ::: "memory")

/* The slot for key (NULL never happens for an index in range). */
static __always_inline struct cbox_proxy_cache_ent *
cbox_proxy_slot(const struct cbox_proxy_key *key)
{
	__u32 slot = cbox_slot_of(key, sizeof(*key),
				  CBOX_PROXY_CACHE_SLOTS - 1);

	return bpf_map_lookup_elem(&cbox_proxy_cache, &slot);
}

/* Copies the slot's value to out if the slot holds key, filled at most
 * max_age ticks ago, and no writer touched it meanwhile. */
static __always_inline int cbox_proxy_cache_read(struct cbox_proxy_cache_ent *e,
						 const struct cbox_proxy_key *key,
						 __u64 now, __u64 max_age,
						 struct cbox_proxy_val *out)
{
	__u64 seq = *(volatile __u64 *)&e->seq;

	if (seq & 1)
		return 0;
	cbox_barrier();
	if (now - e->stamp > max_age ||
	    !cbox_bytes_eq(&e->key, key, sizeof(*key)))
		return 0;
	*out = e->val;
	cbox_barrier();
	return *(volatile __u64 *)&e->seq == seq;
}

/*
 * Fills the slot, unless another key took it in this tick: with more live
 * flows than slots, the first flows of a tick keep their slots instead of
 * evicting each other, and the others cost no write to a cold line. The
 * slot's own key is always rewritten, so a changed entry is seen at once.
 * A slot another CPU is writing is left to it.
 */
static __always_inline void cbox_proxy_fill(struct cbox_proxy_cache_ent *e,
					    const struct cbox_proxy_key *key,
					    const struct cbox_proxy_val *val,
					    __u64 now)
{
	__u64 seq = *(volatile __u64 *)&e->seq;

	if (seq & 1)
		return;
	if (e->stamp == now && !cbox_bytes_eq(&e->key, key, sizeof(*key)))
		return;
	if (__sync_val_compare_and_swap(&e->seq, seq, seq + 1) != seq)
		return;
	e->stamp = now;
	e->key = *key;
	e->val = *val;
	__sync_fetch_and_add(&e->seq, 1);	/* even again, a full barrier */
}
#endif

/*
 * Copies the saved NSH of key to out; returns 0, or -1 when there is none.
 * A slot from the previous tick still serves: Dec may have skipped the
 * table (it saw the slot in its tick) just before the tick turned, and the
 * table may have evicted the entry since; the slot is what keeps that
 * packet's NSH. Values are never stale (writers refresh the slot).
 */
static __always_inline int cbox_proxy_get(const struct cbox_proxy_key *key,
					  struct cbox_proxy_val *out)
{
	struct cbox_proxy_val *val;
#if CBOX_PROXY_CACHE_SLOTS
	struct cbox_proxy_cache_ent *e = cbox_proxy_slot(key);
	__u64 now = bpf_jiffies64();	/* inlined by the verifier: no call */

	if (e && cbox_proxy_cache_read(e, key, now, 1, out))
		return 0;
#endif
	val = bpf_map_lookup_elem(&cbox_proxy, key);
	if (!val)
		return -1;
	*out = *val;
#if CBOX_PROXY_CACHE_SLOTS
	if (e)
		cbox_proxy_fill(e, key, out, now);
#endif
	return 0;
}

/*
 * Saves val under key. Steady state is one flow's packets with an unchanged
 * NSH, so an entry that already holds val is not rewritten: an LRU update
 * per packet costs far more than a lookup, and the cache slot spares even
 * the lookup within a tick. Returns 0 or a negative error.
 */
static __always_inline int cbox_proxy_put(const struct cbox_proxy_key *key,
					  const struct cbox_proxy_val *val)
{
	struct cbox_proxy_val *old;
#if CBOX_PROXY_CACHE_SLOTS
	struct cbox_proxy_cache_ent *e = cbox_proxy_slot(key);
	__u64 now = bpf_jiffies64();
	struct cbox_proxy_val cur;

	/* only a slot of this tick: Dec checks the table once a tick */
	if (e && cbox_proxy_cache_read(e, key, now, 0, &cur) &&
	    cbox_proxy_val_eq(&cur, val))
		return 0;
#endif
	old = bpf_map_lookup_elem(&cbox_proxy, key);
	if (!old || !cbox_proxy_val_eq(old, val)) {
		int err = bpf_map_update_elem(&cbox_proxy, key, val, BPF_ANY);

		if (err)
			return err;
	}
#if CBOX_PROXY_CACHE_SLOTS
	if (e)
		cbox_proxy_fill(e, key, val, now);
#endif
	return 0;
}
#endif

#ifdef CBOX_NEED_FWD
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, CBOX_FWD_ENTRIES);
	__type(key, struct cbox_fwd_key);
	__type(value, struct cbox_fwd_val);
} cbox_fwd SEC(".maps");

#if CBOX_FWD_CACHE_SLOTS
_Static_assert((CBOX_FWD_CACHE_SLOTS & (CBOX_FWD_CACHE_SLOTS - 1)) == 0,
	       "CBOX_FWD_CACHE_SLOTS must be a power of 2");

struct cbox_fwd_cache_ent {
	__u64 stamp;			/* jiffies at fill; 0: empty */
	__u32 sph;
	__u32 pad;
	struct cbox_fwd_val hop;
};

/* Private to the loaded program (not in the ABI, never pinned), so a new
 * load starts empty. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, CBOX_FWD_CACHE_SLOTS);
	__type(key, __u32);
	__type(value, struct cbox_fwd_cache_ent);
} cbox_fwd_cache SEC(".maps");
#endif

/*
 * The next hop of (SPI, SI) in host order, or NULL. The result may point into
 * this CPU's cache slot: read it before the next lookup. Misses are not
 * cached, so a missing entry is seen at once and a new one within a tick.
 */
static __always_inline struct cbox_fwd_val *cbox_fwd_lookup(__u32 sph)
{
	struct cbox_fwd_key key = { .sph = sph };
#if CBOX_FWD_CACHE_SLOTS
	__u32 slot = cbox_slot_of(&sph, sizeof(sph), CBOX_FWD_CACHE_SLOTS - 1);
	struct cbox_fwd_cache_ent *e;
	struct cbox_fwd_val *hop;
	__u64 now;

	e = bpf_map_lookup_elem(&cbox_fwd_cache, &slot);
	if (!e)
		return bpf_map_lookup_elem(&cbox_fwd, &key);
	/* inlined by the verifier: a load of jiffies, no call */
	now = bpf_jiffies64();
	if (e->stamp == now && e->sph == sph)
		return &e->hop;
	hop = bpf_map_lookup_elem(&cbox_fwd, &key);
	if (!hop)
		return NULL;
	e->stamp = 0;
	e->sph = sph;
	e->hop = *hop;
	e->stamp = now;
	return hop;
#else
	return bpf_map_lookup_elem(&cbox_fwd, &key);
#endif
}
#endif

#ifdef CBOX_NEED_CLS
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, CBOX_CLS_MAX_RULES);
	__type(key, __u32);
	__type(value, struct cbox_cls_rule);
} cbox_cls_rules SEC(".maps");

/* Value of the classifier's flow cache: 0 = no rule matched, else index+1. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, CBOX_CLS_CACHE_ENTRIES);
	__type(key, struct cbox_flow);
	__type(value, __u32);
} cbox_cls_cache SEC(".maps");

#if CBOX_CLS_FRONT_SLOTS
_Static_assert((CBOX_CLS_FRONT_SLOTS & (CBOX_CLS_FRONT_SLOTS - 1)) == 0 &&
		       CBOX_CLS_FRONT_SLOTS <= (1 << 20),
	       "CBOX_CLS_FRONT_SLOTS must be a power of 2, at most 2^20");

/* A zeroed slot matches no flow: a parsed flow has family 4 or 6. */
struct cbox_cls_front_ent {
	__u64 stamp;			/* jiffies at fill */
	struct cbox_flow flow;
	__u32 idx;			/* as in cbox_cls_cache */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, CBOX_CLS_FRONT_SLOTS);
	__type(key, __u32);
	__type(value, struct cbox_cls_front_ent);
} cbox_cls_front SEC(".maps");

static __always_inline int cbox_cls_flow_eq(const struct cbox_flow *a,
					    const struct cbox_flow *b)
{
	return cbox_bytes_eq(a, b, sizeof(*a));
}

static __always_inline struct cbox_cls_front_ent *
cbox_cls_front_slot(const struct cbox_flow *flow)
{
	__u32 slot = cbox_slot_of(flow, sizeof(*flow),
				  CBOX_CLS_FRONT_SLOTS - 1);

	return bpf_map_lookup_elem(&cbox_cls_front, &slot);
}
#endif
#endif

#ifdef CBOX_NEED_SF_CFG
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} cbox_sf_cfg SEC(".maps");
#endif

/* Per-CPU counters need no atomics; the loader sums the CPUs. */
static __always_inline void cbox_count(__u32 stage, __u32 counter)
{
	__u32 idx = stage * CBOX_C_MAX + counter;
	__u64 *v = bpf_map_lookup_elem(&cbox_stats, &idx);

	if (v)
		*v += 1;
}

#endif /* CBOX_MAPS_H */
