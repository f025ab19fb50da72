/* Chained hash table with a random seed (FNV-1a over seed and key). */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "hmap.h"

struct hmap_ent {
	struct hmap_ent	*next;
	uint64_t	 data[];	/* the entry, aligned for any field */
};

static uint64_t hmap_seed;

static uint64_t
hash(const void *key, size_t len)
{
	const uint8_t *p = key;
	uint64_t h = 0xcbf29ce484222325ULL ^ hmap_seed;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return h ^ (h >> 29);
}

void
hmap_init(struct hmap *h, size_t keylen, size_t entsize, size_t max)
{
	memset(h, 0, sizeof(*h));
	h->keylen = keylen;
	h->entsize = entsize;
	h->max = max;
	/* No entropy is no reason to stop protecting: a weaker seed then. */
	while (hmap_seed == 0 && getrandom(&hmap_seed, sizeof(hmap_seed),
	    GRND_NONBLOCK) != sizeof(hmap_seed))
		hmap_seed = (uint64_t)(uintptr_t)h ^ 0x9e3779b97f4a7c15ULL;
}

void
hmap_clear(struct hmap *h)
{
	struct hmap_ent *e, *next;
	size_t i;

	for (i = 0; i < h->n_b; i++)
		for (e = h->b[i]; e; e = next) {
			next = e->next;
			free(e);
		}
	free(h->b);
	h->b = NULL;
	h->n_b = h->n = 0;
}

static struct hmap_ent **
slot(const struct hmap *h, const void *key)
{
	struct hmap_ent **pp;

	if (h->n_b == 0)
		return NULL;
	pp = &h->b[hash(key, h->keylen) & (h->n_b - 1)];
	for (; *pp; pp = &(*pp)->next)
		if (memcmp((*pp)->data, key, h->keylen) == 0)
			break;
	return pp;
}

void *
hmap_get(const struct hmap *h, const void *key)
{
	struct hmap_ent **pp = slot(h, key);

	return pp && *pp ? (*pp)->data : NULL;
}

/* Doubles the buckets; on failure the table just stays denser. */
static void
grow(struct hmap *h)
{
	size_t n_b = h->n_b ? h->n_b * 2 : 64, i;
	struct hmap_ent **b, *e, *next;

	if ((b = calloc(n_b, sizeof(struct hmap_ent *))) == NULL)
		return;
	for (i = 0; i < h->n_b; i++)
		for (e = h->b[i]; e; e = next) {
			size_t k = hash(e->data, h->keylen) & (n_b - 1);

			next = e->next;
			e->next = b[k];
			b[k] = e;
		}
	free(h->b);
	h->b = b;
	h->n_b = n_b;
}

void *
hmap_put(struct hmap *h, const void *key, bool *created)
{
	struct hmap_ent **pp, *e;

	*created = false;
	if ((pp = slot(h, key)) != NULL && *pp)
		return (*pp)->data;
	if (h->n >= h->max) {
		errno = ENOSPC;
		return NULL;
	}
	if (h->n >= h->n_b)
		grow(h);
	if (h->n_b == 0) {
		errno = ENOMEM;
		return NULL;
	}
	if ((e = calloc(1, sizeof(*e) + h->entsize)) == NULL)
		return NULL;
	memcpy(e->data, key, h->keylen);
	pp = &h->b[hash(key, h->keylen) & (h->n_b - 1)];
	e->next = *pp;
	*pp = e;
	h->n++;
	*created = true;
	return e->data;
}

void
hmap_del(struct hmap *h, const void *key)
{
	struct hmap_ent **pp = slot(h, key), *e;

	if (pp == NULL || (e = *pp) == NULL)
		return;
	*pp = e->next;
	free(e);
	h->n--;
}

void *
hmap_next(const struct hmap *h, struct hmap_iter *it)
{
	if (it->e)
		it->e = it->e->next;
	while (it->e == NULL && it->i < h->n_b)
		it->e = h->b[it->i++];
	return it->e ? it->e->data : NULL;
}
