/*
 * DHCPv6 parser; see dhcp6msg.h. Options are a 2-byte code, a 2-byte
 * length and the value, nested at most three deep here (message, IA,
 * IAADDR): one iterator walks each level, every step checked against the
 * end of what encloses it, so an option can never reach past its parent.
 */
#include <string.h>
#include <sys/socket.h>

#include "dhcp6msg.h"

#define PORT_CLIENT	546
#define PORT_SERVER	547

#define OPT_CLIENTID	1
#define OPT_SERVERID	2
#define OPT_IA_NA	3
#define OPT_IA_TA	4
#define OPT_IAADDR	5
#define OPT_STATUS	13

#define IA_NA_FIXED	12	/* IAID, T1, T2 */
#define IA_TA_FIXED	4	/* IAID */
#define IAADDR_FIXED	24	/* address, preferred, valid lifetimes */

#define DUID_LLT	1
#define DUID_LL		3
#define HW_ETHERNET	1

/* A walk over the options in p[off..len), off <= len. */
struct walk {
	const uint8_t	*p;
	size_t		 len, off;
};

/* One option: its code and its value, l bytes, all of them there. */
struct opt {
	uint16_t	 code;
	const uint8_t	*v;
	size_t		 l;
};

static uint16_t
be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t
be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

/* 1 and the next option in *o; 0 at the end or at one that runs past it
 * (a truncated capture keeps what came before). */
static int
next(struct walk *w, struct opt *o)
{
	size_t rest = w->len - w->off;

	if (rest < 4)
		return 0;
	o->code = be16(w->p + w->off);
	o->l = be16(w->p + w->off + 2);
	if (o->l > rest - 4)
		return 0;
	o->v = w->p + w->off + 4;
	w->off += 4 + o->l;
	return 1;
}

/* The first status code among the options in p[0..len), saturated at
 * 255 (so never 0 unless Success); 0 if there is none. */
static uint8_t
status(const uint8_t *p, size_t len)
{
	struct walk w = { p, len, 0 };
	struct opt o;

	while (next(&w, &o))
		if (o.code == OPT_STATUS && o.l >= 2)
			return be16(o.v) > 255 ? 255 : (uint8_t)be16(o.v);
	return 0;
}

/* RFC 8415 11.2, 11.4: a DUID-LLT or DUID-LL of an Ethernet address. */
static void
client_id(const uint8_t *v, size_t l, struct dhcp6_info *d)
{
	size_t at;

	d->has_client = 1;
	if (l < 4 || be16(v + 2) != HW_ETHERNET)
		return;
	at = be16(v) == DUID_LLT ? 8 : be16(v) == DUID_LL ? 4 : 0;
	if (at == 0 || l != at + 6)
		return;
	d->client_ll = 1;
	memcpy(d->client_mac, v + at, 6);
}

/* RFC 8415 21.6: an IAADDR, unless its own status code says otherwise. */
static void
iaaddr(const uint8_t *v, size_t l, struct dhcp6_info *d)
{
	struct dhcp6_addr *a;

	if (l < IAADDR_FIXED || status(v + IAADDR_FIXED, l - IAADDR_FIXED))
		return;
	if (d->n_addrs == DHCP6_MAX_ADDRS) {
		d->more_addrs = 1;
		return;
	}
	a = &d->addrs[d->n_addrs++];
	memcpy(a->addr, v, 16);
	a->preferred = be32(v + 16);
	a->valid = be32(v + 20);
}

/* RFC 8415 21.4, 21.5: an IA_NA or IA_TA, its options after fixed
 * bytes; an IA whose status code is not Success binds nothing. */
static void
ia(const uint8_t *v, size_t l, size_t fixed, struct dhcp6_info *d)
{
	struct walk w = { v, l, fixed };
	struct opt o;

	if (l < fixed || status(v + fixed, l - fixed))
		return;
	while (next(&w, &o))
		if (o.code == OPT_IAADDR)
			iaaddr(o.v, o.l, d);
}

int
dhcp6_parse(const uint8_t *p, size_t len, struct dhcp6_info *d)
{
	struct walk w = { p, len, DHCP6_HLEN };
	struct opt o;

	memset(d, 0, sizeof(*d));
	if (p == NULL || len < DHCP6_HLEN || p[0] == 0 ||
	    p[0] > DHCP6_INFORMATION_REQUEST)
		return -1;
	d->type = p[0];
	d->xid = (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
	d->status = status(p + DHCP6_HLEN, len - DHCP6_HLEN);
	while (next(&w, &o)) {
		switch (o.code) {
		case OPT_CLIENTID:
			if (!d->has_client)
				client_id(o.v, o.l, d);
			break;
		case OPT_SERVERID:
			d->has_server = 1;
			break;
		case OPT_IA_NA:
			ia(o.v, o.l, IA_NA_FIXED, d);
			break;
		case OPT_IA_TA:
			ia(o.v, o.l, IA_TA_FIXED, d);
			break;
		}
	}
	return 0;
}

static int
dhcp6_ports(const struct pkt_info *pi)
{
	return (pi->sport == PORT_CLIENT && pi->dport == PORT_SERVER) ||
	    (pi->sport == PORT_SERVER && pi->dport == PORT_CLIENT);
}

int
dhcp6_parse_pkt(const uint8_t *p, size_t len, const struct pkt_info *pi,
    struct dhcp6_info *d)
{
	const uint8_t *u;
	size_t ulen;

	memset(d, 0, sizeof(*d));
	if (!dhcp6_ports(pi) || (u = pkt_udp_payload(p, len, pi, AF_INET6,
	    &ulen)) == NULL)
		return -1;
	return dhcp6_parse(u, ulen, d);
}
