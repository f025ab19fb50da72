/*
 * DHCPv4 snooping: a DHCPACK to a learning guest, for its MAC (chaddr),
 * that came from a trusted port or the host (and from a server
 * dhcp-servers pins, if the bridge has any) binds yiaddr to the guest's
 * port until the lease ends; another ACK renews it. The guest's own
 * DHCPRELEASE (ciaddr) and DHCPDECLINE (requested address), from its own
 * port, and a DHCPNAK to it, unbind; what comes from any other port
 * changes nothing. The checks are in the order a switch's DHCP snooping
 * makes them; the records themselves were checked for range by
 * sensor_rec_check().
 */
#include <string.h>

#include "policy.h"
#include "snoop.h"
#include "snoop_impl.h"
#include "validate.h"

static void
on_ack(struct snoop *s, struct policy *p, const struct bg_bridge *br,
    const struct bg_guest *g, const struct dhcp_info *d)
{
	struct in_addr a4;
	struct in6_addr a;

	memcpy(&a4, d->yiaddr, 4);
	if (!d->has_lease || ip4_unbindable(&a4))
		return;
	bind_addr4(&a, &a4);
	/* The server gave it to this guest: whoever had it has no more. */
	snoop_bind(s, p, br, g, &a, d->lease == 0xffffffff ? BIND_FOREVER :
	    snoop_wall() + (int64_t)d->lease, BS_DHCP, d->lease, true);
}

/* What a server sent the guest: is it believed? */
static bool
server_ok(const struct bg_bridge *br, const struct mon_link *links,
    const struct sensor_rec *r)
{
	struct in_addr sid;

	if (r->dhcp.op != 2 || !snoop_from_server(br, links, r->peer))
		return false;
	if (br->n_dhcp_servers == 0)
		return true;
	memcpy(&sid, r->dhcp.server_id, 4);
	return r->dhcp.has_server && bridge_dhcp_server_ok(br, &sid);
}

static void
from_server(struct snoop *s, struct policy *p, const struct bg_bridge *br,
    const struct bg_guest *g, const struct mon_link *links,
    const struct sensor_rec *r)
{
	struct in_addr a4[BG_MAX_LEARNED4];
	struct in6_addr a;
	size_t n, i;

	if (!server_ok(br, links, r))
		return;
	if (r->dhcp.type == DHCPACK) {
		on_ack(s, p, br, g, &r->dhcp);
		return;
	}
	if (r->dhcp.type != DHCPNAK)
		return;
	/* A NAK names no address: the guest starts over with none. */
	n = bindings_of_port(snoop_table(s), g->port, AF_INET, a4,
	    BG_MAX_LEARNED4);
	for (i = 0; i < n && i < BG_MAX_LEARNED4; i++) {
		bind_addr4(&a, &a4[i]);
		snoop_unbind(s, p, g->port, &a, W_NAK);
	}
}

/* What the guest sent a server, from its own port. */
static void
from_guest(struct snoop *s, struct policy *p, const struct bg_guest *g,
    const struct sensor_rec *r)
{
	const struct dhcp_info *d = &r->dhcp;
	struct in_addr a4;
	struct in6_addr a;

	if (d->op != 1)
		return;
	if (d->type == DHCPRELEASE)
		memcpy(&a4, d->ciaddr, 4);
	else if (d->type == DHCPDECLINE && d->has_requested)
		memcpy(&a4, d->requested, 4);
	else
		return;
	bind_addr4(&a, &a4);
	/* Only the port that has the binding can give it back. */
	snoop_unbind(s, p, g->port, &a, d->type == DHCPRELEASE ? W_RELEASE :
	    W_DECLINE);
}

void
snoop_dhcp(struct snoop *s, struct policy *p, const struct mon_link *links,
    const struct sensor_rec *r)
{
	struct bg_bridge *br = NULL;
	const struct bg_guest *g;
	uint8_t t = r->dhcp.type;

	/* What changes nothing is left before any lookup: a guest's
	 * DISCOVERs and REQUESTs are most of what it sends. */
	if (r->outgoing ? t != DHCPACK && t != DHCPNAK :
	    t != DHCPRELEASE && t != DHCPDECLINE)
		return;
	if ((g = snoop_guest_at(p, links, r->ifindex, &br)) == NULL ||
	    !guest_learns4(g))
		return;
	/* Its own MAC: the kernel drops a request naming another. */
	if (!r->dhcp.eth || memcmp(r->dhcp.chaddr, g->mac, 6) != 0)
		return;
	if (r->outgoing)
		from_server(s, p, br, g, links, r);
	else
		from_guest(s, p, g, r);
}
