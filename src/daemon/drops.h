/*
 * Dropped frames → spoof_drop events (drops.c): whatever the reason, one
 * event per port and reason per window (dropwin.h), with the kernel's
 * exact count and the first frame's description.
 */
#ifndef BG_DROPS_H
#define BG_DROPS_H

#include <stdbool.h>
#include <stdint.h>

#include "loop.h"
#include "mon_link.h"
#include "sensor.h"

struct drops;

struct drops_stats {
	uint64_t	 frames;	/* NFLOG records of dropped frames */
	uint64_t	 overruns;	/* NFLOG lost some: counters swept */
};

/* links: who the ports are (an event names a port's bridge). */
struct drops	*drops_new(struct loop *, const struct mon_link *links);
void	drops_free(struct drops *);
/* A frame a rule dropped (SR_DROP). */
void	drops_frame(struct drops *, const struct sensor_rec *);
/* NFLOG lost messages: find drops the counters know of and we do not. */
void	drops_overrun(struct drops *);
/* Closes the windows that are due (all of them if all). */
void	drops_flush(struct drops *, bool all);
/* The counters start again from 0 (a full replacement). */
void	drops_reset(struct drops *);
void	drops_stats(const struct drops *, struct drops_stats *);

#endif
