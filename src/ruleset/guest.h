/* Port security's sets and chains (guest.c); the builder's parts. */
#ifndef BG_RS_GUEST_H
#define BG_RS_GUEST_H

#include "ruleset.h"

/* The netdev table: guest sets and their elements, checks, base chains. */
int	rs_guest_netdev(struct rs_table *, const struct bg_config *);
/* The bridge table: unknown ports, the check of frames to guests, and the
 * forward and output chains (to_port) mirrors add their guards to. */
int	rs_guest_bridge(struct rs_table *, const struct bg_config *,
	    const struct bg_port *ports, size_t n_ports,
	    struct rs_chain *to_port[2]);
/* Guest ingress base chain number k, without devices (rs_chain_free). */
struct rs_chain	*rs_guest_hook(size_t k);
/*
 * The elements a guest puts into each guest set (any may be NULL): the
 * one list of a guest's facts, for the whole ruleset and for its diffs.
 */
int	rs_guest_elems(const struct bg_guest *, struct rs_set *mac,
	    struct rs_set *ip4, struct rs_set *ip6, struct rs_set *ports);
/*
 * Would the rules let an Ethernet/IPv4 ARP frame seen on port, a port of
 * bridge (NULL: of none), through? The answer of guest_in, guest_arp and
 * the bridge's unknown-port and monitor drops, for those who see frames
 * before the rules do (the sensor's packet socket).
 */
bool	rs_arp_passes(const struct bg_config *, const char *bridge,
	    const char *port, const uint8_t src_mac[6], const uint8_t sha[6],
	    const uint8_t spa[4]);

#endif
