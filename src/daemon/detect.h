/*
 * Detection events from what the monitors saw (detect.c): ports joining
 * and leaving guarded bridges, promiscuous mode, hub mode, FDB moves, the
 * host's neighbour cache changing.
 */
#ifndef BG_DETECT_H
#define BG_DETECT_H

#include "mon_link.h"
#include "mon_neigh.h"

/* A link changed (mon_link's callback, as old and new). */
void	detect_link(const struct mon_link *, const struct bg_config *,
	    const struct bg_link *old, const struct bg_link *new);
void	detect_neigh(const struct mon_link *, const struct bg_config *,
	    const struct neigh_change *);

#endif
