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

#ifdef CBOX_NEED_PROXY
/* LRU: a flood of flows evicts the oldest entries instead of wedging the
 * chain (the thesis used a plain hash that silently filled up). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, CBOX_PROXY_ENTRIES);
	__type(key, struct cbox_proxy_key);
	__type(value, struct cbox_proxy_val);
} cbox_proxy SEC(".maps");
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
	__u32 slot = (sph ^ (sph >> 8) ^ (sph >> 16)) &
		     (CBOX_FWD_CACHE_SLOTS - 1);
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
