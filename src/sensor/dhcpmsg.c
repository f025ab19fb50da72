/*
 * DHCPv4 parser; see dhcpmsg.h. The fixed part is at known offsets; options
 * are code, length, value, walked with every step checked against the end
 * of the field they are in. Option overload (52) moves options into the
 * file and sname fields: those are walked too, once each, and an overload
 * option inside them is ignored, so no walk can loop.
 */
#include <string.h>
#include <sys/socket.h>

#include "dhcpmsg.h"

#define OFF_OP		0
#define OFF_HTYPE	1
#define OFF_HLEN	2
#define OFF_XID		4
#define OFF_CIADDR	12
#define OFF_YIADDR	16
#define OFF_CHADDR	28
#define OFF_SNAME	44
#define OFF_FILE	108
#define LEN_SNAME	64
#define LEN_FILE	128

#define OPT_PAD		0
#define OPT_REQUESTED	50
#define OPT_LEASE	51
#define OPT_OVERLOAD	52
#define OPT_TYPE	53
#define OPT_SERVER	54
#define OPT_END		255

/* Options seen so far, so that the first occurrence wins. */
struct seen {
	uint8_t		 type, overload;
	uint8_t		 overload_val;
};

static uint32_t
be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

/* One option whose value v is l bytes long, all of them captured. */
static void
option(uint8_t code, const uint8_t *v, size_t l, struct dhcp_info *d,
    struct seen *s, int outer)
{
	switch (code) {
	case OPT_TYPE:
		if (l == 1 && !s->type) {
			s->type = 1;
			d->type = v[0];
		}
		break;
	case OPT_LEASE:
		if (l == 4 && !d->has_lease) {
			d->has_lease = 1;
			d->lease = be32(v);
		}
		break;
	case OPT_SERVER:
		if (l == 4 && !d->has_server) {
			d->has_server = 1;
			memcpy(d->server_id, v, 4);
		}
		break;
	case OPT_REQUESTED:
		if (l == 4 && !d->has_requested) {
			d->has_requested = 1;
			memcpy(d->requested, v, 4);
		}
		break;
	case OPT_OVERLOAD:
		if (outer && l == 1 && !s->overload) {
			s->overload = 1;
			s->overload_val = v[0];
		}
		break;
	}
}

/* Walks the options in p[0..len): stops at END or at the first one that
 * runs past the field (a truncated capture keeps what came before). */
static void
walk(const uint8_t *p, size_t len, struct dhcp_info *d, struct seen *s,
    int outer)
{
	size_t off = 0, l;

	while (off < len) {
		if (p[off] == OPT_PAD) {
			off++;
			continue;
		}
		if (p[off] == OPT_END || len - off < 2)
			return;
		l = p[off + 1];
		if (l > len - off - 2)
			return;
		option(p[off], p + off + 2, l, d, s, outer);
		off += 2 + l;
	}
}

int
dhcp_parse(const uint8_t *p, size_t len, struct dhcp_info *d)
{
	static const uint8_t cookie[4] = { 99, 130, 83, 99 };
	struct seen s = { 0 };

	memset(d, 0, sizeof(*d));
	if (p == NULL || len < DHCP_MIN ||
	    memcmp(p + BOOTP_FIXED, cookie, 4) != 0 ||
	    (p[OFF_OP] != 1 && p[OFF_OP] != 2))
		return -1;
	d->op = p[OFF_OP];
	d->eth = p[OFF_HTYPE] == 1 && p[OFF_HLEN] == 6;
	d->xid = be32(p + OFF_XID);
	memcpy(d->ciaddr, p + OFF_CIADDR, 4);
	memcpy(d->yiaddr, p + OFF_YIADDR, 4);
	memcpy(d->chaddr, p + OFF_CHADDR, 6);
	walk(p + DHCP_MIN, len - DHCP_MIN, d, &s, 1);
	/* RFC 2131 4.1: file first, then sname. */
	if (s.overload_val & 1)
		walk(p + OFF_FILE, LEN_FILE, d, &s, 0);
	if (s.overload_val & 2)
		walk(p + OFF_SNAME, LEN_SNAME, d, &s, 0);
	return 0;
}

static int
dhcp_ports(const struct pkt_info *pi)
{
	return (pi->sport == 67 && pi->dport == 68) ||
	    (pi->sport == 68 && pi->dport == 67) ||
	    (pi->sport == 67 && pi->dport == 67);	/* relays */
}

int
dhcp_parse_pkt(const uint8_t *p, size_t len, const struct pkt_info *pi,
    struct dhcp_info *d)
{
	const uint8_t *u;
	size_t ulen;

	memset(d, 0, sizeof(*d));
	if (!dhcp_ports(pi) || (u = pkt_udp_payload(p, len, pi, AF_INET,
	    &ulen)) == NULL)
		return -1;
	return dhcp_parse(u, ulen, d);
}
