/* IPv6 neighbour discovery inspection (nd.c). */
#ifndef BG_RS_ND_H
#define BG_RS_ND_H

#include "ruleset.h"

/* guard_icmp6 (guard_ip6 jumps to it for ICMPv6) and the guard_ns, _na,
 * _rs it dispatches to; guard_unspec6, where v6_<port> sends what comes
 * from ::. */
void	rs_nd_chains(struct rs_table *);

#endif
