/* Mirrors' chains (mirror.c); a part of the ruleset builder. */
#ifndef BG_RS_MIRROR_H
#define BG_RS_MIRROR_H

#include "ruleset.h"

/*
 * Every mirror of cfg: netdev chains that copy, the monitor ports' guards
 * (appended to the bridge table's to_port chains, forward and output),
 * and, for RS_COPY_TC, the tc filters and the marks they rely on.
 */
int	rs_mirrors(struct ruleset *, const struct bg_config *,
	    const struct bg_port *ports, size_t n_ports,
	    struct rs_chain *to_port[2]);

#endif
