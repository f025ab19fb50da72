/*
 * Changes to a policy model in memory, as `guest add|del` makes them: the
 * model's own operations, so that no other part edits its arrays.
 */
#include <stdlib.h>
#include <string.h>

#include "edit.h"

/* Removes the guest at index i of b (its memory with it). */
static void
bridge_remove(struct bg_bridge *b, size_t i)
{
	guest_clear(&b->guests[i]);
	memmove(&b->guests[i], &b->guests[i + 1],
	    (b->n_guests - i - 1) * sizeof(*b->guests));
	b->n_guests--;
}

static int
bridge_append(struct bg_bridge *b, const struct bg_guest *g)
{
	struct bg_guest *n;

	if ((n = realloc(b->guests, (b->n_guests + 1) * sizeof(*n))) == NULL)
		return -1;
	b->guests = n;
	if (guest_copy(&b->guests[b->n_guests], g) == -1)
		return -1;
	b->n_guests++;
	return 0;
}

int
config_bind(struct bg_config *cfg, struct bg_bridge *nb,
    const struct bg_guest *g)
{
	struct bg_bridge *ob = NULL;
	struct bg_guest *old = config_guest(cfg, g->port, &ob), copy;

	if (old && ob == nb) {
		if (guest_copy(&copy, g) == -1)
			return -1;
		guest_clear(old);
		*old = copy;
		return 0;
	}
	if (bridge_append(nb, g) == -1)
		return -1;
	if (old)
		bridge_remove(ob, (size_t)(old - ob->guests));
	return 0;
}

void
config_unbind(struct bg_config *cfg, const char *port)
{
	struct bg_bridge *b = NULL;
	struct bg_guest *g = config_guest(cfg, port, &b);

	if (g)
		bridge_remove(b, (size_t)(g - b->guests));
}

void
config_take(struct bg_config *dst, struct bg_config *src)
{
	config_clear(dst);
	*dst = *src;
	memset(src, 0, sizeof(*src));
}
