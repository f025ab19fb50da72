/*
 * The neighbour monitor: the bridges' forwarding databases (which port a
 * MAC was learnt on) and the host's own ARP/ND caches, from RTNLGRP_NEIGH.
 * It reports two kinds of change: a MAC that moved to another port of the
 * same bridge, and a host cache entry whose MAC changed. As the link
 * monitor, it re-dumps after an overrun and reports what changed meanwhile.
 */
#ifndef BG_MON_NEIGH_H
#define BG_MON_NEIGH_H

#include <stdint.h>

enum neigh_kind { NEIGH_FDB_MOVE, NEIGH_HOST_CHANGE };

struct neigh_change {
	enum neigh_kind	 kind;
	int		 ifindex;	/* FDB: the bridge; host: the device */
	int		 old_port, new_port;	/* FDB */
	uint16_t	 vlan;			/* FDB, 0 if none */
	int		 af;			/* host: AF_INET or AF_INET6 */
	uint8_t		 addr[16];		/* host */
	uint8_t		 old_mac[6], mac[6];
};

typedef void	(*mon_neigh_cb)(void *arg, const struct neigh_change *);

struct mon_neigh;

struct mon_neigh *mon_neigh_open(mon_neigh_cb, void *arg);
void	mon_neigh_close(struct mon_neigh *);
int	mon_neigh_fd(const struct mon_neigh *);
int	mon_neigh_read(struct mon_neigh *);
uint64_t	mon_neigh_resyncs(const struct mon_neigh *);

#endif
