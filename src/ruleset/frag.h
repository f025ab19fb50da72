/* IPv6 first fragments from guests (frag.c). */
#ifndef BG_RS_FRAG_H
#define BG_RS_FRAG_H

#include "ruleset.h"

/* guard_frag6: what a first fragment must hold (guard_ip6 jumps to it). */
void	rs_frag_chain(struct rs_table *);

#endif
