/*
 * The drop reasons: one list for the rules that drop (their NFLOG prefix
 * and counter set), the sensor that reads the prefix back, and the events,
 * counters and metrics that name them.
 */
#ifndef BG_REASON_H
#define BG_REASON_H

#include <stddef.h>

enum bg_reason {
	R_MAC, R_ETHERTYPE, R_IPV4, R_IPV6, R_ARP, R_DHCP, R_RA,
	R_ND,		/* neighbour discovery not about the guest itself */
	R_FRAGMENT,	/* fragments that hide a header from the checks */
	R_DHCP_CLIENT,	/* a DHCP request for another hardware address */
	R_EGRESS,	/* frames to a guest: the bridge table's */
	R_UNKNOWN,
	R_UNHOOKED,	/* from a guest port its ingress chain did not check */
	R_N
};

/* The NFLOG prefix of DHCP messages copied for snooping (not drops). */
#define LEARN_PREFIX	"bg learn "

/* "mac", "dhcp-server", ...: as counters, events and prefixes say it. */
const char	*reason_name(unsigned int reason);
/* "bg <reason> ", the NFLOG prefix of the reason's drops, into buf. */
const char	*reason_prefix(unsigned int reason, char *buf, size_t len);
/* The reason an NFLOG prefix names, or -1 if it is not one of ours. */
int	reason_of_prefix(const char *prefix);

#endif
