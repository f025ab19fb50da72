/* A set of interface names, hashed (hmap.h). */
#ifndef BG_NAMESET_H
#define BG_NAMESET_H

#include <stdbool.h>

#include "hmap.h"

#define NAMESET_KEYLEN	16	/* IFNAMSIZ */

struct nameset {
	struct hmap	 h;		/* keys of NAMESET_KEYLEN bytes */
};

void	nameset_init(struct nameset *);
void	nameset_clear(struct nameset *);
bool	nameset_has(const struct nameset *, const char *);
/* -1 with errno on ENOMEM. */
int	nameset_add(struct nameset *, const char *);
void	nameset_del(struct nameset *, const char *);
/* A name as a key: NUL-padded to NAMESET_KEYLEN bytes, cut to 15. */
void	nameset_key(char k[NAMESET_KEYLEN], const char *name);

#endif
