/*
 * `bridgeguard run` (daemon.c): start, the event loop, reload, exit. The
 * parts it wires together each get what they need, and no more: policy.c
 * (the policy and its transactions), ports.c (ports coming and going),
 * detect.c, drops.c and stations.c (events), requests.c (the control
 * socket), metrics.c (what /metrics says).
 */
#ifndef BG_DAEMON_H
#define BG_DAEMON_H

#include <stdbool.h>

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

#endif
