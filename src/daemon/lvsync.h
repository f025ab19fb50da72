/* The bindings of libvirt's domains, kept as libvirt says (lvsync.c). */
#ifndef BG_LVSYNC_H
#define BG_LVSYNC_H

#include <stddef.h>

#include "lv.h"

struct mon_link;
struct policy;
struct stations;
struct domain_name;

struct lvsync {
	struct policy		*pol;
	struct mon_link		*links;
	struct stations		*st;
	const char		*uri;		/* whose bridges */
	struct domain_name	*names;		/* for guest_remove events */
	size_t			 n_names;
};

/*
 * Makes the guests bound from libvirt on the bridges of uri what now says:
 * of domain uuid only, or of every domain (uuid NULL; now has them all).
 */
void	lvsync_apply(struct lvsync *, const char *uri, const char *uuid,
	    const struct lv_list *now);
void	lvsync_free(struct lvsync *);

#endif
