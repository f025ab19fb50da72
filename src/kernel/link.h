/*
 * The kernel's view of interfaces, read over rtnetlink: one parser of link
 * messages for `apply`'s dump and the daemon's link monitor.
 */
#ifndef BG_LINK_H
#define BG_LINK_H

#include <linux/netlink.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ruleset.h"

struct bg_link {
	int		 ifindex;	/* first: mon_link's table key */
	char		 name[BG_IFNAMSIZ];
	int		 master;	/* ifindex of the master, 0 if none */
	unsigned int	 flags;		/* IFF_* as set by the user */
	/*
	 * IFLA_PROMISCUITY: how many hold the device promiscuous (the
	 * IFF_PROMISC flag above, its bridge if a port, each capture):
	 * what the flag alone does not show. Every change is notified.
	 */
	uint32_t	 promiscuity;
	bool		 is_bridge;
	uint32_t	 ageing;	/* bridges: FDB ageing, 1/100 s */
	/* bridges: learns source MACs from link-local frames (STP, LLDP),
	 * which it does outside netfilter (no_linklocal_learn 0) */
	bool		 linklocal_learn;
	bool		 is_port;	/* bridge port info known: */
	bool		 learning, unicast_flood;
};

/* An AF_UNSPEC RTM_NEWLINK/DELLINK message → l; -1 if malformed. */
int	link_parse(const struct nlmsghdr *, struct bg_link *l);
/* A bridge port's IFLA_BRPORT_* attributes (nested in nest) → l. */
void	link_parse_brport(struct bg_link *l, const struct nlattr *nest);

/* Dumps all links of this namespace; *out is malloc'ed. -1 with errno. */
int	link_dump(struct bg_link **out, size_t *n);
const struct bg_link *link_find(const struct bg_link *, size_t, const char *);
/* Every link as a bg_port (bridge "" if it has none); *out is malloc'ed. */
int	link_bridge_ports(const struct bg_link *, size_t, struct bg_port **out,
	    size_t *n);

#endif
