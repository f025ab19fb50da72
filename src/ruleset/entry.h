/* The bridge table's checks of what enters the bridge (entry.c). */
#ifndef BG_RS_ENTRY_H
#define BG_RS_ENTRY_H

#include "ruleset.h"

/*
 * The bridge table's prerouting and input: unknown ports (by name; where
 * the kernel has `meta ibrname`, also by their bridge), and guest frames
 * without the ingress chain's bit. ports: the interfaces present; their
 * unknown ones fill unknown_ports and get an unk_<port> chain in the
 * netdev table. Uses guest_ports, which rs_guest_bridge() makes.
 */
int	rs_entry_chains(struct ruleset *, const struct bg_config *,
	    const struct bg_port *ports, size_t n_ports);
/* unk_<port>, an unknown port's ingress chain: its link-local frames,
 * which the bridge learns from before its own hooks, are dropped. */
void	rs_unknown_chain(struct rs_table *nd, const char *port);
void	rs_unknown_chain_name(char *buf, size_t len, const char *port);

#endif
