/*
 * dhcpmsg: a bounds-checked parser of DHCPv4 (BOOTP) messages, for DHCP snooping:
 * what a server's answer binds (DHCPACK: yiaddr, lease, server id) and
 * what a client gives back (DHCPRELEASE, DHCPDECLINE). The bytes come
 * from guests or the network: nothing beyond len is read, no length in
 * the message is trusted before it is compared with what was captured,
 * nothing is allocated. Fuzzed by fuzz/sensor/fuzz_dhcpmsg.c.
 */
#ifndef BG_SENSOR_DHCPMSG_H
#define BG_SENSOR_DHCPMSG_H

#include <stddef.h>
#include <stdint.h>

#include "packet.h"

#define BOOTP_FIXED	236	/* op .. file, before the magic cookie */
#define DHCP_MIN	(BOOTP_FIXED + 4)

enum dhcp_type {
	DHCPDISCOVER = 1, DHCPOFFER, DHCPREQUEST, DHCPDECLINE, DHCPACK,
	DHCPNAK, DHCPRELEASE, DHCPINFORM,
};

/* Flags are uint8_t 0/1: the record crosses a process boundary. */
struct dhcp_info {
	uint8_t		 op;		/* 1 BOOTREQUEST, 2 BOOTREPLY */
	uint8_t		 type;		/* option 53, 0 if absent */
	uint8_t		 eth;		/* htype 1, hlen 6: chaddr is a MAC */
	uint8_t		 has_lease;	/* option 51 */
	uint8_t		 has_server;	/* option 54 */
	uint8_t		 has_requested;	/* option 50 (a DECLINE's address) */
	uint8_t		 chaddr[6];
	uint8_t		 ciaddr[4], yiaddr[4], server_id[4], requested[4];
	uint32_t	 xid;
	uint32_t	 lease;		/* seconds; 0xffffffff is infinite */
};

/*
 * Parses a BOOTP message (a UDP payload): 0 and *d filled if it is a DHCP
 * message (the magic cookie after the fixed part), else -1. Options (53,
 * 51, 54, 50) are
 * read from the options field and, if option 52 says so, from file and
 * sname; the first well-formed occurrence of an option wins.
 */
int	dhcp_parse(const uint8_t *, size_t, struct dhcp_info *d);
/*
 * The same, from the bytes pkt_parse_l3()/pkt_parse_frame() read into pi:
 * an unfragmented IPv4 UDP datagram between ports 67 and 68 whose UDP
 * length fits what was captured. -1 otherwise.
 */
int	dhcp_parse_pkt(const uint8_t *, size_t, const struct pkt_info *pi,
	    struct dhcp_info *d);

#endif
