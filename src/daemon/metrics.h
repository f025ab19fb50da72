/*
 * What /metrics says (metrics.c): drops per bridge, port and reason (the
 * kernel's counters, read at scrape time), events by type, guests and
 * ports by role, mirror copies, and the daemon's health counters. Each
 * part of the daemon hands its own numbers in.
 */
#ifndef BG_METRICS_H
#define BG_METRICS_H

#include <stdint.h>
#include <stdio.h>

struct control;
struct drops;
struct mon_link;
struct mon_neigh;
struct policy;

/* The daemon's own counters. */
struct daemon_counters {
	uint64_t	 bad_records;	/* from the sensor */
	uint64_t	 sensor_restarts, reloads, reload_failures;
};

struct metrics_sources {
	const struct policy		*policy;
	const struct mon_link		*links;
	const struct mon_neigh		*neigh;
	const struct drops		*drops;
	const struct control		*control;
	const struct daemon_counters	*daemon;
};

/* Writes every metric; arg is a struct metrics_sources. */
void	metrics_render(void *arg, FILE *);

#endif
