/*
 * Stations (stations.c): who answers ARP for which address on each guarded
 * bridge, and the events when that changes. The policy's own bindings are
 * known from the start.
 */
#ifndef BG_STATIONS_H
#define BG_STATIONS_H

#include <stddef.h>
#include <stdint.h>

#include "arpwatch.h"
#include "mon_link.h"
#include "sensor.h"

struct stations;

/* At most max stations. NULL on ENOMEM. */
struct stations	*stations_new(size_t max);
void	stations_free(struct stations *);
/* Every binding of the policy, known silently. */
void	stations_seed(struct stations *, const struct bg_config *);
/* One guest's bindings on bridge, known silently. */
void	stations_bind(struct stations *, const char *bridge,
	    const struct bg_guest *);
/* An ARP frame the sensor saw (SR_ARP). */
void	stations_arp(struct stations *, const struct mon_link *,
	    const struct bg_config *, const struct sensor_rec *);

#endif
