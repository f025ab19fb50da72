/* The bridge table's checks of what enters the bridge (entry.c). */
#ifndef BG_RS_ENTRY_H
#define BG_RS_ENTRY_H

#include "ruleset.h"

/*
 * prerouting and input: unknown ports (by name; where kernel k has
 * `meta ibrname`, also by their bridge), and guest frames without the
 * ingress chain's bit. ports: the interfaces present (their unknown ones
 * fill unknown_ports). Uses guest_ports, which rs_guest_bridge() makes.
 */
int	rs_entry_chains(struct rs_table *, const struct bg_config *,
	    const struct bg_port *ports, size_t n_ports,
	    const struct rs_kernel *k);

#endif
