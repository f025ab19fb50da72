/*
 * DHCPv6 snooping (ipv6: dhcpv6): a Reply to a learning guest, from a
 * trusted port or the host, for a client whose DUID is made of the
 * guest's MAC (DUID-LLT, DUID-LL; a DUID of no MAC cannot be checked and
 * is believed), binds each IA_NA and IA_TA address it carries until its
 * valid lifetime ends; another Reply renews it, one with valid lifetime 0
 * unbinds it. The guest's own Release and Decline, from its own port,
 * unbind the addresses they name. A Reply for a DUID of another MAC is
 * what a guest posing as other clients gets: nothing is bound, and
 * dhcp_client_spoof says so. Link-local addresses are never a server's to
 * give: they are learned by DAD (snoop_nd.c).
 */
#include <string.h>

#include "events.h"
#include "policy.h"
#include "snoop.h"
#include "snoop_impl.h"
#include "validate.h"

static void
client_spoof(const struct bg_bridge *br, const struct bg_guest *g,
    const struct dhcp6_info *d)
{
	struct event *e = event_new(EV_DHCP_CLIENT_SPOOF, SEV_WARNING);

	if (e == NULL)
		return;
	ev_str(e, "bridge", br->name);
	ev_str(e, "port", g->port);
	ev_mac(e, "mac", g->mac);
	ev_mac(e, "client_mac", d->client_mac);
	ev_msg(e, "%s: a DHCPv6 reply for another client's DUID (of a MAC "
	    "not the guest's): nothing bound", g->port);
	event_emit(e);
}

/* The k-th address of d, if it is one a server may give. */
static bool
addr_at(const struct dhcp6_info *d, size_t k, struct in6_addr *a)
{
	memcpy(a, d->addrs[k].addr, sizeof(*a));
	return !ip6_unbindable(a) && !IN6_IS_ADDR_LINKLOCAL(a);
}

static void
from_server(struct snoop *s, struct policy *p, const struct bg_bridge *br,
    const struct bg_guest *g, const struct dhcp6_info *d)
{
	struct in6_addr a;
	uint32_t valid;
	size_t k;

	if (d->type != DHCP6_REPLY || d->status != 0 || !d->has_client)
		return;
	if (d->client_ll && memcmp(d->client_mac, g->mac, 6) != 0) {
		client_spoof(br, g, d);
		return;
	}
	for (k = 0; k < d->n_addrs; k++) {
		if (!addr_at(d, k, &a))
			continue;
		valid = d->addrs[k].valid;
		if (valid == 0)
			snoop_unbind(s, p, g->port, &a, W_NAK);
		else
			snoop_bind(s, p, br, g, &a, valid == 0xffffffff ?
			    BIND_FOREVER : snoop_wall() + (int64_t)valid,
			    BS_DHCP6, valid, true);
	}
}

/* What the guest gives back, from its own port. */
static void
from_guest(struct snoop *s, struct policy *p, const struct bg_guest *g,
    const struct dhcp6_info *d)
{
	struct in6_addr a;
	size_t k;

	if (d->type != DHCP6_RELEASE && d->type != DHCP6_DECLINE)
		return;
	for (k = 0; k < d->n_addrs; k++)
		if (addr_at(d, k, &a))
			snoop_unbind(s, p, g->port, &a, d->type ==
			    DHCP6_RELEASE ? W_RELEASE : W_DECLINE);
}

void
snoop_dhcp6(struct snoop *s, struct policy *p, const struct mon_link *links,
    const struct sensor_rec *r)
{
	struct bg_bridge *br = NULL;
	const struct bg_guest *g;

	if ((g = snoop_guest_at(p, links, r->ifindex, &br)) == NULL ||
	    !(g->learn & LEARN_DHCP6))
		return;
	if (!r->outgoing)
		from_guest(s, p, g, &r->dhcp6);
	else if (snoop_from_server(br, links, r->peer))
		from_server(s, p, br, g, &r->dhcp6);
}
