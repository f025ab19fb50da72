/*
 * The link monitor: every interface of the namespace as rtnetlink reports
 * it, kept current from notifications. It only observes; each change is
 * handed to a callback as (before, after) so the caller decides what it
 * means. A missed notification (ENOBUFS) makes it re-dump and report the
 * differences, so the caller never misses a change, only its timing.
 */
#ifndef BG_MON_LINK_H
#define BG_MON_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hmap.h"
#include "link.h"
#include "model.h"
#include "ruleset.h"

/* old is NULL for a new link, new is NULL for a deleted one. */
typedef void	(*mon_link_cb)(void *arg, const struct bg_link *old,
		    const struct bg_link *new);

struct mon_link;

/* Subscribes, then dumps; no callbacks for what the dump finds. */
struct mon_link	*mon_link_open(mon_link_cb, void *arg);
void	mon_link_close(struct mon_link *);
int	mon_link_fd(const struct mon_link *);
/* Handles pending notifications; resyncs on overrun. -1 with errno. */
int	mon_link_read(struct mon_link *);
/* Re-dumps and reports every difference through the callback. */
int	mon_link_sync(struct mon_link *);

const struct bg_link *mon_link_get(const struct mon_link *, int ifindex);
const struct bg_link *mon_link_byname(const struct mon_link *, const char *);
/* The bridge a link is a port of, or NULL. */
const struct bg_link *mon_link_bridge_of(const struct mon_link *,
	    const struct bg_link *);
/* A link's bridge membership, before and after a change. */
struct link_move {
	const char	*from, *to;	/* bridge names; NULL: none */
	bool		 renamed;
};
/*
 * Where old (NULL: a new link) went as new (NULL: deleted): false if
 * neither its bridge nor its name changed. A deleted port's bridge may be
 * gone already; its name is then taken from its old master's ifindex.
 */
bool	mon_link_move(const struct mon_link *, const struct bg_link *old,
	    const struct bg_link *new, struct link_move *);
/*
 * Every interface as ruleset_build() wants it (bridge "" unless a bridge
 * port), in ifindex order; *out is malloc'ed. -1 with errno.
 */
int	mon_link_ports(const struct mon_link *, struct bg_port **out,
	    size_t *n);
/* Iteration over all links; it starts zeroed. */
const struct bg_link *mon_link_next(const struct mon_link *, struct hmap_iter *);
uint64_t	mon_link_resyncs(const struct mon_link *);

#endif
