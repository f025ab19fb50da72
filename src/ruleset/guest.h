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

#endif
