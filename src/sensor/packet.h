/*
 * A bounds-checked parser for the frames guests send: Ethernet, up to two
 * VLAN tags, ARP, IPv4, IPv6 (and the UDP/TCP ports or ICMP type after
 * them, and a neighbour solicitation's or advertisement's target). The bytes are attacker-controlled; the parser reads none beyond
 * len, allocates nothing, and keeps what it could read of a short frame.
 * Fuzzed by fuzz/sensor/fuzz_packet.c.
 */
#ifndef BG_PACKET_H
#define BG_PACKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PKT_MAX_VLANS	2

/* Flags are uint8_t 0/1, not bool: records cross a process boundary. */
struct pkt_info {
	uint8_t		 has_eth;
	uint8_t		 dst_mac[6], src_mac[6];
	uint16_t	 ethertype;	/* after any VLAN tags */
	uint16_t	 vlan[PKT_MAX_VLANS];
	uint8_t		 n_vlans;
	uint8_t		 more_vlans;	/* tagged deeper than PKT_MAX_VLANS */

	int		 af;		/* AF_INET or AF_INET6 if IP; else 0 */
	uint8_t		 src_ip[16], dst_ip[16];
	uint8_t		 l4proto;
	uint8_t		 has_ports;
	uint16_t	 sport, dport;
	uint16_t	 l4_off;	/* has_ports: where the transport header
					   starts in the bytes parsed */
	uint8_t		 has_icmp;
	uint8_t		 icmp_type;
	uint8_t		 has_nd_target;	/* ICMPv6 NS or NA */
	uint8_t		 nd_target[16];

	uint8_t		 is_arp;	/* Ethernet/IPv4 ARP only */
	uint16_t	 arp_op;
	uint8_t		 arp_sha[6], arp_tha[6];
	uint8_t		 arp_spa[4], arp_tpa[4];
};

/* Parses a frame from its Ethernet header. -1 if shorter than that. */
int	pkt_parse_frame(const uint8_t *, size_t, struct pkt_info *);
/* Parses from the network header, its type given (as NFLOG gives it). */
int	pkt_parse_l3(uint16_t ethertype, const uint8_t *, size_t,
	    struct pkt_info *);
/*
 * The payload of the UDP datagram of af that pi says the bytes p[0..len)
 * hold, as long as its UDP length says or what was captured of it (*plen);
 * NULL if they hold none.
 */
const uint8_t	*pkt_udp_payload(const uint8_t *p, size_t len,
		    const struct pkt_info *pi, int af, size_t *plen);

#endif
