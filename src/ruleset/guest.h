/* Port security's sets and chains (guest.c); the builder's parts. */
#ifndef BG_RS_GUEST_H
#define BG_RS_GUEST_H

#include "ruleset.h"

/* The netdev table: drop chains, shared checks, every guest's chains; a
 * guest whose port is absent on a kernel that cannot hook absent devices
 * gets no base chain and is listed in rs->waiting. */
int	rs_guest_netdev(struct ruleset *, const struct bg_config *,
	    const struct bg_port *ports, size_t n_ports);
/* The bridge table: guest_ports, the check of frames to guests, and the
 * forward and output chains (to_port) mirrors add their guards to. */
int	rs_guest_bridge(struct rs_table *, const struct bg_config *,
	    struct rs_chain *to_port[2]);

/* A guest's chains, each named after its port. */
enum rs_guest_chain { GC_IN, GC_V4, GC_V6, GC_ND, GC_TGT, GC_ARP, GC_OUT };
void	rs_guest_chain_name(char *buf, size_t len, enum rs_guest_chain,
	    const char *port);

/* Which of a guest's chains rs_guest_chains() builds. */
#define RS_GC_HOOK	0x1	/* in_<port>, the netdev ingress base chain */
#define RS_GC_NETDEV	0x2	/* its helpers v4_, v6_, nd_, tgt_, arp_ */
#define RS_GC_BRIDGE	0x4	/* out_<port>, in the bridge table */
/*
 * Appends guest g's chains (parts) to nd (netdev) and br (bridge): the one
 * description of a guest's rules, for the whole ruleset and its diffs.
 */
void	rs_guest_chains(struct rs_table *nd, struct rs_table *br,
	    const struct bg_guest *g, unsigned int parts);
/* The elements a guest puts into guest_ports and the guest_out verdict
 * map (either may be NULL). */
int	rs_guest_elems(const struct bg_guest *, struct rs_set *ports,
	    struct rs_set *out);
/*
 * Would the rules let an Ethernet/IPv4 ARP frame seen on port, a port of
 * bridge (NULL: of none), through? The answer of in_, arp_<port> and
 * the bridge's unknown-port and monitor drops, for those who see frames
 * before the rules do (the sensor's packet socket).
 */
bool	rs_arp_passes(const struct bg_config *, const char *bridge,
	    const char *port, const uint8_t src_mac[6], const uint8_t sha[6],
	    const uint8_t spa[4]);

#endif
