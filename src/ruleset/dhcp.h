/* The DHCP server guard (dhcp.c): chains guest checks jump to. */
#ifndef BG_RS_DHCP_H
#define BG_RS_DHCP_H

#include "ruleset.h"

/* guard_dhcp4 and guard_dhcp6: what a DHCP server sends, dropped. */
void	rs_dhcp_chains(struct rs_table *);

#endif
