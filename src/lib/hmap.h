/*
 * A hash table of fixed-size entries keyed by their first bytes.
 *
 * The daemon's tables (links, FDB, ARP, drop windows) are keyed by bytes an
 * attacker may choose (MACs, IPs), so the hash is seeded at random and every
 * table has a size limit: a flood fills it, it never grows without bound.
 */
#ifndef BG_HMAP_H
#define BG_HMAP_H

#include <stdbool.h>
#include <stddef.h>

struct hmap_ent;

struct hmap {
	struct hmap_ent	**b;
	size_t		  n_b;		/* buckets, a power of two */
	size_t		  n;		/* entries */
	size_t		  max;		/* refuse entries beyond this */
	size_t		  keylen;	/* the first keylen bytes of an entry */
	size_t		  entsize;
};

/* An empty table of entries of entsize bytes; never fails. */
void	hmap_init(struct hmap *, size_t keylen, size_t entsize, size_t max);
void	hmap_clear(struct hmap *);
/* The entry with this key, or NULL. */
void	*hmap_get(const struct hmap *, const void *key);
/*
 * The entry with this key, created zeroed (key copied in) if missing;
 * *created says which. NULL with errno ENOMEM or ENOSPC (table full).
 */
void	*hmap_put(struct hmap *, const void *key, bool *created);
void	hmap_del(struct hmap *, const void *key);
/* Iteration: it starts zeroed; returns NULL at the end. No changes while. */
struct hmap_iter {
	size_t		 i;
	struct hmap_ent	*e;
};
void	*hmap_next(const struct hmap *, struct hmap_iter *);

#endif
