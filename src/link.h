/* The kernel's view of interfaces, read over rtnetlink. */
#ifndef BG_LINK_H
#define BG_LINK_H

#include <stdbool.h>
#include <stddef.h>

#include "ruleset.h"

struct bg_link {
	char		 name[BG_IFNAMSIZ];
	int		 ifindex;
	int		 master;	/* ifindex of the bridge, 0 if none */
	unsigned int	 flags;		/* IFF_* */
	bool		 is_bridge;
};

/* Dumps all links of this namespace; *out is malloc'ed. -1 with errno. */
int	link_dump(struct bg_link **out, size_t *n);
const struct bg_link *link_find(const struct bg_link *, size_t, const char *);
const struct bg_link *link_by_index(const struct bg_link *, size_t, int);
/* Every link as a bg_port (bridge "" if it has none); *out is malloc'ed. */
int	link_bridge_ports(const struct bg_link *, size_t, struct bg_port **out,
	    size_t *n);

#endif
