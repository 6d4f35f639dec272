/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A hash index over items that live in the caller's own arrays (functions,
 * chains, object members...). It stores only (hash, item index); whether two
 * items are equal is the caller's call, so one table type serves tags, chain
 * ids, MACs, interface triples and JSON member names. The front end uses it
 * wherever a pairwise loop would make a large spec quadratic.
 *
 * Hashes are keyed with a per-process random key, so a spec crafted to make
 * every key collide cannot turn look-ups back into linear scans. Nothing
 * that is written out depends on the key: tables are only looked up, never
 * iterated.
 */
#ifndef CBOX_HIDX_H
#define CBOX_HIDX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CBOX_HIDX_NONE ((size_t)-1)

struct cbox_hslot {
	uint64_t hash;
	size_t idx;		/* CBOX_HIDX_NONE: empty */
};

struct cbox_hidx {
	struct cbox_hslot *slots;
	size_t cap;		/* a power of two, or 0 */
	size_t n;
};

/* Does the item at idx equal key? (ctx: the caller's arrays) */
typedef bool (*cbox_hidx_eq)(const void *ctx, size_t idx, const void *key);

/* Sized for about `expected` items (it grows anyway). 0 or -1 (ENOMEM). */
int cbox_hidx_init(struct cbox_hidx *h, size_t expected);
void cbox_hidx_free(struct cbox_hidx *h);
/* The stored index of the item equal to key; the caller may overwrite it
 * (e.g. a YAML anchor defined again). NULL when there is none. */
size_t *cbox_hidx_find(const struct cbox_hidx *h, uint64_t hash,
		       cbox_hidx_eq eq, const void *ctx, const void *key);
/* Adds idx under hash, without looking for an equal item first. 0 or -1. */
int cbox_hidx_add(struct cbox_hidx *h, uint64_t hash, size_t idx);

/* Keyed 64-bit hash of n bytes (SipHash-1-3), and of a C string. */
uint64_t cbox_hash(const void *p, size_t n);
uint64_t cbox_hash_str(const char *s);
/* Folds v into the running hash h (for keys made of several parts). */
uint64_t cbox_hash_mix(uint64_t h, uint64_t v);

#endif /* CBOX_HIDX_H */
