// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "hidx.h"

static uint64_t hkey[2] = { 0x0706050403020100ull, 0x0f0e0d0c0b0a0908ull };

/* A fixed key would let a crafted spec collide on purpose; when the kernel
 * gives no randomness the fixed one still works, only without that guard. */
__attribute__((constructor)) static void hkey_init(void)
{
	uint64_t k[2];

	if (getrandom(k, sizeof(k), GRND_NONBLOCK) == sizeof(k))
		memcpy(hkey, k, sizeof(k));
}

static inline uint64_t rotl(uint64_t x, int b)
{
	return x << b | x >> (64 - b);
}

#define SIPROUND                                                         \
	do {                                                             \
		v0 += v1;                                                \
		v1 = rotl(v1, 13);                                       \
		v1 ^= v0;                                                \
		v0 = rotl(v0, 32);                                       \
		v2 += v3;                                                \
		v3 = rotl(v3, 16);                                       \
		v3 ^= v2;                                                \
		v0 += v3;                                                \
		v3 = rotl(v3, 21);                                       \
		v3 ^= v0;                                                \
		v2 += v1;                                                \
		v1 = rotl(v1, 17);                                       \
		v1 ^= v2;                                                \
		v2 = rotl(v2, 32);                                       \
	} while (0)

uint64_t cbox_hash(const void *p, size_t n)
{
	const unsigned char *s = p;
	uint64_t v0 = hkey[0] ^ 0x736f6d6570736575ull;
	uint64_t v1 = hkey[1] ^ 0x646f72616e646f6dull;
	uint64_t v2 = hkey[0] ^ 0x6c7967656e657261ull;
	uint64_t v3 = hkey[1] ^ 0x7465646279746573ull;
	uint64_t m;
	size_t i;

	for (i = 0; i + 8 <= n; i += 8) {
		m = 0;
		for (int b = 0; b < 8; b++)
			m |= (uint64_t)s[i + b] << (8 * b);
		v3 ^= m;
		SIPROUND;
		v0 ^= m;
	}
	m = (uint64_t)(n & 0xff) << 56;
	for (int b = 0; i + b < n; b++)
		m |= (uint64_t)s[i + b] << (8 * b);
	v3 ^= m;
	SIPROUND;
	v0 ^= m;
	v2 ^= 0xff;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}

uint64_t cbox_hash_str(const char *s)
{
	return cbox_hash(s, strlen(s));
}

uint64_t cbox_hash_mix(uint64_t h, uint64_t v)
{
	uint64_t b[2] = { h, v };

	return cbox_hash(b, sizeof(b));
}

int cbox_hidx_init(struct cbox_hidx *h, size_t expected)
{
	size_t cap = 16;

	/* at most half full, so probe runs stay short */
	while (cap < 2 * expected)
		cap *= 2;
	h->slots = malloc(cap * sizeof(*h->slots));
	if (!h->slots) {
		h->cap = h->n = 0;
		return -1;
	}
	for (size_t i = 0; i < cap; i++)
		h->slots[i].idx = CBOX_HIDX_NONE;
	h->cap = cap;
	h->n = 0;
	return 0;
}

void cbox_hidx_free(struct cbox_hidx *h)
{
	free(h->slots);
	h->slots = NULL;
	h->cap = h->n = 0;
}

size_t *cbox_hidx_find(const struct cbox_hidx *h, uint64_t hash,
		       cbox_hidx_eq eq, const void *ctx, const void *key)
{
	if (!h->cap)
		return NULL;
	for (size_t i = hash & (h->cap - 1);; i = (i + 1) & (h->cap - 1)) {
		struct cbox_hslot *s = &h->slots[i];

		if (s->idx == CBOX_HIDX_NONE)
			return NULL;
		if (s->hash == hash && eq(ctx, s->idx, key))
			return &s->idx;
	}
}

static void put(struct cbox_hslot *slots, size_t cap, uint64_t hash,
		size_t idx)
{
	size_t i = hash & (cap - 1);

	while (slots[i].idx != CBOX_HIDX_NONE)
		i = (i + 1) & (cap - 1);
	slots[i] = (struct cbox_hslot){ .hash = hash, .idx = idx };
}

int cbox_hidx_add(struct cbox_hidx *h, uint64_t hash, size_t idx)
{
	if (2 * (h->n + 1) > h->cap) {
		struct cbox_hidx g;

		if (cbox_hidx_init(&g, h->n + 1 > h->cap ? h->n + 1 : h->cap))
			return -1;
		for (size_t i = 0; i < h->cap; i++)
			if (h->slots[i].idx != CBOX_HIDX_NONE)
				put(g.slots, g.cap, h->slots[i].hash,
				    h->slots[i].idx);
		g.n = h->n;
		free(h->slots);
		*h = g;
	}
	put(h->slots, h->cap, hash, idx);
	h->n++;
	return 0;
}
