/*
 * dhcp6msg: a bounds-checked parser of DHCPv6 client/server messages
 * (RFC 8415), for DHCPv6 snooping: the addresses a server's Reply binds
 * (IAADDR options in IA_NA and IA_TA), the ones a client gives back
 * (Release, Decline), and whose they are (client DUID, its MAC when the
 * DUID is made of one). The bytes come from guests or the network:
 * nothing beyond len is read, no option length is trusted before it is
 * compared with what encloses it, nothing is allocated. Fuzzed by
 * fuzz/sensor/fuzz_dhcp6msg.c.
 */
#ifndef BG_SENSOR_DHCP6MSG_H
#define BG_SENSOR_DHCP6MSG_H

#include <stddef.h>
#include <stdint.h>

#include "packet.h"

#define DHCP6_HLEN	4	/* msg-type, transaction-id */
#define DHCP6_MAX_ADDRS	4

enum dhcp6_type {
	DHCP6_SOLICIT = 1, DHCP6_ADVERTISE, DHCP6_REQUEST, DHCP6_CONFIRM,
	DHCP6_RENEW, DHCP6_REBIND, DHCP6_REPLY, DHCP6_RELEASE, DHCP6_DECLINE,
	DHCP6_RECONFIGURE, DHCP6_INFORMATION_REQUEST, DHCP6_RELAY_FORW,
	DHCP6_RELAY_REPL,
};

/* Lifetimes in seconds, 0xffffffff infinite. */
struct dhcp6_addr {
	uint8_t		 addr[16];
	uint32_t	 preferred, valid;
};

/* Flags are uint8_t 0/1: the record crosses a process boundary. */
struct dhcp6_info {
	uint8_t		 type;		/* msg-type */
	uint8_t		 has_client;	/* option 1 present */
	uint8_t		 client_ll;	/* the client DUID is DUID-LLT or
					   DUID-LL of an Ethernet address:
					   client_mac is it */
	uint8_t		 has_server;	/* option 2 present */
	uint8_t		 status;	/* top-level option 13, 0 (Success)
					   if absent; saturates at 255 */
	uint8_t		 n_addrs;	/* in addrs */
	uint8_t		 more_addrs;	/* more usable addresses than
					   DHCP6_MAX_ADDRS were there */
	uint8_t		 client_mac[6];
	uint32_t	 xid;		/* 24 bits */
	struct dhcp6_addr addrs[DHCP6_MAX_ADDRS];
};

/*
 * Parses a DHCPv6 message (a UDP payload): 0 and *d filled if it is a
 * client/server message (types 1 to 11), else -1 (relay messages too).
 * An address counts if neither its IA's status code nor its own says
 * otherwise; one with valid lifetime 0 counts too (a server withdrawing
 * it). The first client id, server id and top-level status win.
 */
int	dhcp6_parse(const uint8_t *, size_t, struct dhcp6_info *d);
/*
 * The same, from the bytes pkt_parse_l3()/pkt_parse_frame() read into pi:
 * an IPv6 UDP datagram between ports 546 and 547 (either way), as long as
 * its UDP length says or what was captured of it. -1 otherwise.
 */
int	dhcp6_parse_pkt(const uint8_t *, size_t, const struct pkt_info *pi,
	    struct dhcp6_info *d);

#endif
