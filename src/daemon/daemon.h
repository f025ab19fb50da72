/*
 * The daemon's state, shared by its files: daemon.c (lifecycle, loop,
 * reload, control requests, metrics), detect.c (link, FDB, neighbour and
 * ARP observations → events and port protection) and spoof.c (dropped
 * frames → aggregated spoof_drop events).
 */
#ifndef BG_DAEMON_H
#define BG_DAEMON_H

#include <stdbool.h>
#include <stdint.h>

#include "diff.h"
#include "loop.h"
#include "mon_link.h"
#include "mon_neigh.h"
#include "sensor.h"

/* What `bridgeguard run` is told on its command line. */
struct daemon_opts {
	const char	*config;
	const char	*events;	/* --events FILE */
	const char	*metrics;	/* --metrics ADDR:PORT */
	const char	*socket;	/* --socket PATH (or @name) */
	bool		 no_syslog;
};

/* `run`: returns the exit status (exitcode.h). */
int	daemon_main(const struct daemon_opts *);

struct daemon {
	const char		*config_path;
	struct loop		*loop;
	struct protect		*prot;
	struct mon_link		*links;
	struct mon_neigh	*neigh;
	struct sensor		 sensor;
	unsigned int		 sensor_group;
	struct agg		*agg;
	struct arpwatch		*arp;
	struct control		*ctl;
	struct metrics		*metrics;
	struct loop_timer	 agg_timer;	/* the next drop window due */
	struct loop_timer	 retry_timer;	/* port changes to retry */
	struct loop_timer	 sensor_timer;	/* restart a dead sensor */
	struct loop_timer	 refresh_timer;	/* interfaces changed */
	struct nameset		 retry;		/* ports whose change failed */
	struct {
		uint64_t	 drops, arps, overruns, bad_records;
		uint64_t	 sensor_restarts, reloads, reload_failures;
		uint64_t	 arp_table_full;
	} st;
};

/* detect.c */
void	detect_link(void *d, const struct bg_link *old, const struct bg_link *new);
void	detect_neigh(void *d, const struct neigh_change *);
void	detect_arp(struct daemon *, const struct sensor_rec *);
/* Re-evaluates one port's protection; failures are retried later. */
void	detect_port(struct daemon *, const char *port);
void	detect_retry(void *d);
/* Timer: recompile if the rules depend on the interfaces (mirrors). */
void	detect_refresh(void *d);

/* spoof.c */
void	spoof_drop(struct daemon *, const struct sensor_rec *);
/* Closes the windows that are due (all of them if all). */
void	spoof_flush(struct daemon *, bool all);
void	spoof_timer(void *d);
/* NFLOG lost messages: find drops the counters know of and we do not. */
void	spoof_sweep(struct daemon *);

#endif
