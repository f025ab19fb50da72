/* Interface names in a hash table; see nameset.h. */
#include <string.h>

#include "nameset.h"

void
nameset_key(char k[NAMESET_KEYLEN], const char *s)
{
	memset(k, 0, NAMESET_KEYLEN);
	memcpy(k, s, strnlen(s, NAMESET_KEYLEN - 1));
}

void
nameset_init(struct nameset *s)
{
	hmap_init(&s->h, NAMESET_KEYLEN, NAMESET_KEYLEN, (size_t)-1);
}

void
nameset_clear(struct nameset *s)
{
	hmap_clear(&s->h);
}

bool
nameset_has(const struct nameset *s, const char *name)
{
	char k[NAMESET_KEYLEN];

	nameset_key(k, name);
	return hmap_get(&s->h, k) != NULL;
}

int
nameset_add(struct nameset *s, const char *name)
{
	char k[NAMESET_KEYLEN];
	bool created;

	nameset_key(k, name);
	return hmap_put(&s->h, k, &created) ? 0 : -1;
}

void
nameset_del(struct nameset *s, const char *name)
{
	char k[NAMESET_KEYLEN];

	nameset_key(k, name);
	hmap_del(&s->h, k);
}
