/*
 * Frame parser; see packet.h. Every read goes through need(), which says
 * whether n more bytes are there: no length from the packet is trusted
 * before it is compared with what was captured.
 */
#include <string.h>
#include <sys/socket.h>

#include "packet.h"

#define ETH_HLEN	14
#define ET_IPV4		0x0800
#define ET_ARP		0x0806
#define ET_VLAN		0x8100
#define ET_QINQ		0x88a8
#define ET_QINQ_OLD	0x9100
#define ET_IPV6		0x86dd
#define MAX_EXTHDRS	8
#define UDP_HLEN	8

struct cur {
	const uint8_t	*p;
	size_t		 len, off;
};

static bool
need(const struct cur *c, size_t n)
{
	return c->off <= c->len && n <= c->len - c->off;
}

static uint16_t
be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void
parse_l4(struct cur *c, struct pkt_info *pi)
{
	const uint8_t *p = c->p + c->off;

	switch (pi->l4proto) {
	case 6:		/* TCP */
	case 17:	/* UDP */
		if (!need(c, 4))
			return;
		pi->has_ports = 1;
		pi->l4_off = (uint16_t)c->off;
		pi->sport = be16(p);
		pi->dport = be16(p + 2);
		break;
	case 1:		/* ICMP */
	case 58:	/* ICMPv6 */
		if (!need(c, 1))
			return;
		pi->has_icmp = 1;
		pi->icmp_type = p[0];
		/* NS and NA: type, code, checksum, 4 bytes, the target. */
		if (pi->l4proto == 58 && (p[0] == 135 || p[0] == 136) &&
		    need(c, 24)) {
			pi->has_nd_target = 1;
			memcpy(pi->nd_target, p + 8, 16);
		}
		break;
	}
}

static void
parse_ipv4(struct cur *c, struct pkt_info *pi)
{
	const uint8_t *p = c->p + c->off;
	size_t ihl;

	if (!need(c, 20) || (p[0] >> 4) != 4)
		return;
	pi->af = AF_INET;
	memcpy(pi->src_ip, p + 12, 4);
	memcpy(pi->dst_ip, p + 16, 4);
	pi->l4proto = p[9];
	ihl = (size_t)(p[0] & 0x0f) * 4;
	/* Only first fragments carry the transport header. */
	if (ihl < 20 || (be16(p + 6) & 0x1fff) != 0 || !need(c, ihl))
		return;
	c->off += ihl;
	parse_l4(c, pi);
}

static bool
ipv6_exthdr(uint8_t nh)
{
	return nh == 0 || nh == 43 || nh == 44 || nh == 60;
}

static void
parse_ipv6(struct cur *c, struct pkt_info *pi)
{
	const uint8_t *p = c->p + c->off;
	uint8_t nh;
	size_t hl;
	int i;

	if (!need(c, 40) || (p[0] >> 4) != 6)
		return;
	pi->af = AF_INET6;
	memcpy(pi->src_ip, p + 8, 16);
	memcpy(pi->dst_ip, p + 24, 16);
	nh = p[6];
	c->off += 40;
	for (i = 0; i < MAX_EXTHDRS && ipv6_exthdr(nh); i++) {
		p = c->p + c->off;
		if (!need(c, 8))
			return;
		/* A fragment header is 8 bytes; later fragments: no L4. */
		if (nh == 44 && (be16(p + 2) & 0xfff8) != 0)
			return;
		hl = nh == 44 ? 8 : ((size_t)p[1] + 1) * 8;
		nh = p[0];
		if (!need(c, hl))
			return;
		c->off += hl;
	}
	if (ipv6_exthdr(nh))
		return;
	pi->l4proto = nh;
	parse_l4(c, pi);
}

/* Ethernet/IPv4 ARP: htype 1, ptype 0x0800, hlen 6, plen 4. */
static void
parse_arp(struct cur *c, struct pkt_info *pi)
{
	static const uint8_t hdr[6] = { 0, 1, 0x08, 0x00, 6, 4 };
	const uint8_t *p = c->p + c->off;

	if (!need(c, 28) || memcmp(p, hdr, sizeof(hdr)) != 0)
		return;
	pi->is_arp = 1;
	pi->arp_op = be16(p + 6);
	memcpy(pi->arp_sha, p + 8, 6);
	memcpy(pi->arp_spa, p + 14, 4);
	memcpy(pi->arp_tha, p + 18, 6);
	memcpy(pi->arp_tpa, p + 24, 4);
}

static void
parse_net(struct cur *c, struct pkt_info *pi)
{
	switch (pi->ethertype) {
	case ET_IPV4:
		parse_ipv4(c, pi);
		break;
	case ET_IPV6:
		parse_ipv6(c, pi);
		break;
	case ET_ARP:
		parse_arp(c, pi);
		break;
	}
}

int
pkt_parse_l3(uint16_t ethertype, const uint8_t *p, size_t len,
    struct pkt_info *pi)
{
	struct cur c = { p, p ? len : 0, 0 };

	memset(pi, 0, sizeof(*pi));
	pi->ethertype = ethertype;
	parse_net(&c, pi);
	return 0;
}

static bool
is_vlan(uint16_t type)
{
	return type == ET_VLAN || type == ET_QINQ || type == ET_QINQ_OLD;
}

int
pkt_parse_frame(const uint8_t *p, size_t len, struct pkt_info *pi)
{
	struct cur c = { p, p ? len : 0, 0 };

	memset(pi, 0, sizeof(*pi));
	if (!need(&c, ETH_HLEN))
		return -1;
	pi->has_eth = 1;
	memcpy(pi->dst_mac, p, 6);
	memcpy(pi->src_mac, p + 6, 6);
	pi->ethertype = be16(p + 12);
	c.off = ETH_HLEN;
	while (is_vlan(pi->ethertype)) {
		if (pi->n_vlans == PKT_MAX_VLANS) {
			pi->more_vlans = 1;
			return 0;
		}
		if (!need(&c, 4))
			return 0;
		pi->vlan[pi->n_vlans++] = be16(p + c.off) & 0x0fff;
		pi->ethertype = be16(p + c.off + 2);
		c.off += 4;
	}
	parse_net(&c, pi);
	return 0;
}

const uint8_t *
pkt_udp_payload(const uint8_t *p, size_t len, const struct pkt_info *pi,
    int af, size_t *plen)
{
	size_t off = pi->l4_off, ulen;

	if (p == NULL || pi->af != af || pi->l4proto != 17 ||
	    !pi->has_ports || off > len || len - off < UDP_HLEN)
		return NULL;
	ulen = be16(p + off + 4);
	if (ulen < UDP_HLEN)
		return NULL;
	/* A capture shorter than the datagram: what is there. */
	if (ulen > len - off)
		ulen = len - off;
	*plen = ulen - UDP_HLEN;
	return p + off + UDP_HLEN;
}
