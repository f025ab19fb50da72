/* Layer-2 checks: the bridges' learning, flooding and promiscuity, and
 * what their forwarding databases have learned. */
#include <net/if.h>
#include <stdio.h>
#include <string.h>

#include "checks.h"

/* FDB ageing below this (1/100 s) lets a MAC flood empty the table. */
#define SHORT_AGEING	3000

void
check_hub_mode(const struct au_ctx *c)
{
	size_t k;

	for (k = 0; k < c->h->n_links; k++) {
		const struct bg_link *l = &c->h->links[k].l;

		if (!l->is_bridge || l->ageing != 0)
			continue;
		au_add(c->r, "hub_mode", AU_HIGH, l->name, NULL,
		    "give it an ageing time: ip link set dev BRIDGE type bridge "
		    "ageing_time 30000",
		    "bridge %s has an FDB ageing time of 0: it learns no "
		    "address and floods every frame to every port, so every "
		    "guest sees every other guest's traffic", l->name);
	}
}

void
check_flooding(const struct au_ctx *c)
{
	const struct au_link *br;
	size_t k;

	for (k = 0; k < c->h->n_links; k++) {
		const struct au_link *p = &c->h->links[k];
		enum au_port_role role;

		if (!p->l.is_port || !p->l.unicast_flood ||
		    (br = au_bridge_of(c, p)) == NULL || br->l.ageing == 0 ||
		    br->l.ageing >= SHORT_AGEING)
			continue;
		role = au_port_role(c, br, p);
		if (role != AR_GUEST && role != AR_UNBOUND)
			continue;
		au_add(c->r, "flooding", AU_MEDIUM, br->l.name, p->l.name,
		    "raise the ageing time (ip link set dev BRIDGE type bridge "
		    "ageing_time 30000) or stop unknown unicast to the port "
		    "(bridge link set dev PORT flood off)",
		    "bridge %s forgets addresses after %u.%02u s and floods "
		    "unknown unicast to guest port %s: after a MAC flood, or "
		    "a quiet minute, the guest receives others' traffic",
		    br->l.name, br->l.ageing / 100, br->l.ageing % 100,
		    p->l.name);
	}
}

/* Promiscuity the kernel holds itself: a bridge keeps its ports at 1. */
static unsigned int
expected_promiscuity(const struct au_ctx *c, const struct au_link *l)
{
	return au_bridge_of(c, l) ? 1 : 0;
}

static void
promisc_one(const struct au_ctx *c, const struct au_link *l)
{
	const struct au_link *br = au_bridge_of(c, l);
	unsigned int extra = l->l.promiscuity - expected_promiscuity(c, l);
	const char *what = l->l.is_bridge ? "bridge" : br ? "bridge port" :
	    "host interface";

	au_add(c->r, "promisc", AU_MEDIUM, l->l.is_bridge ? l->l.name :
	    br ? br->l.name : NULL, l->l.is_bridge ? NULL : l->l.name,
	    "find who holds it: a capture (ss -0p, tcpdump), another "
	    "bridge or virtual switch on it; ip link set dev DEV promisc off "
	    "if the flag is set by hand",
	    "%s %s is in promiscuous mode (%s%s%u user%s beyond the "
	    "kernel's own): frames for other hosts reach whatever listens "
	    "on it", what, l->l.name, (l->l.flags & IFF_PROMISC) ?
	    "flag set, " : "", "promiscuity: ", extra, extra == 1 ? "" : "s");
}

void
check_promisc(const struct au_ctx *c)
{
	size_t k;

	for (k = 0; k < c->h->n_links; k++) {
		const struct au_link *l = &c->h->links[k];

		if (l->l.flags & IFF_LOOPBACK)
			continue;
		if ((l->l.flags & IFF_PROMISC) ||
		    l->l.promiscuity > expected_promiscuity(c, l))
			promisc_one(c, l);
	}
}

static const char *
ifname(const struct au_ctx *c, int ifindex)
{
	const struct au_link *l = au_link_by_index(c->h, ifindex);

	return l ? l->l.name : "?";
}

/*
 * One MAC on two ports, reported once per MAC, at its first entry: a MAC
 * has an entry per VLAN (some kernels add one for VLAN 0 and one for the
 * port's PVID), so entries, not ports, repeat.
 */
static void
fdb_twice(const struct au_ctx *c, size_t i)
{
	const struct au_fdb *a = &c->h->fdb[i], *b = NULL;
	size_t j, others = 0;
	char mac[18];

	for (j = 0; j < c->h->n_fdb; j++) {
		const struct au_fdb *x = &c->h->fdb[j];

		if (memcmp(a->mac, x->mac, 6) != 0)
			continue;
		if (j < i)
			return;		/* reported at its first entry */
		if (x->port != a->port && (b == NULL || x->port != b->port)) {
			b = b ? b : x;
			others++;
		}
	}
	if (b == NULL)
		return;
	au_add(c->r, "fdb_duplicate", AU_HIGH, ifname(c, b->bridge),
	    ifname(c, b->port),
	    "find which guest owns the MAC; bind guests to their MACs "
	    "(bridgeguard apply) so no other port can use them",
	    "MAC %s is learned on port %s (bridge %s) and on port %s (bridge "
	    "%s)%s: one of them is spoofing it", mac_format(a->mac, mac),
	    ifname(c, a->port), ifname(c, a->bridge), ifname(c, b->port),
	    ifname(c, b->bridge), others > 1 ? ", and on more" : "");
}

/* A bound guest's MAC learned on a port that is not the guest's. */
static void
fdb_stolen(const struct au_ctx *c, const struct au_fdb *f)
{
	const char *port = ifname(c, f->port);
	struct bg_bridge *gb;
	char mac[18];
	size_t k, g;

	for (k = 0; c->cfg && k < c->cfg->n_bridges; k++) {
		gb = &c->cfg->bridges[k];
		for (g = 0; g < gb->n_guests; g++) {
			if (memcmp(gb->guests[g].mac, f->mac, 6) != 0 ||
			    strcmp(gb->guests[g].port, port) == 0)
				continue;
			au_add(c->r, "fdb_duplicate", AU_HIGH,
			    ifname(c, f->bridge), port,
			    "bridgeguard apply (or run the daemon) so the port's "
			    "frames are checked against its binding",
			    "MAC %s, bound to guest port %s, is learned on "
			    "port %s: frames for the guest go to that port",
			    mac_format(f->mac, mac), gb->guests[g].port, port);
		}
	}
}

/* Is entry i's MAC on its port in an earlier entry (another VLAN)? */
static bool
seen_on_port(const struct au_ctx *c, size_t i)
{
	size_t j;

	for (j = 0; j < i; j++)
		if (c->h->fdb[j].port == c->h->fdb[i].port &&
		    memcmp(c->h->fdb[j].mac, c->h->fdb[i].mac, 6) == 0)
			return true;
	return false;
}

void
check_fdb_duplicate(const struct au_ctx *c)
{
	size_t i;

	for (i = 0; i < c->h->n_fdb; i++) {
		fdb_twice(c, i);
		if (!seen_on_port(c, i))
			fdb_stolen(c, &c->h->fdb[i]);
	}
}

/*
 * The bridge learns source MACs from STP and LLDP frames before any
 * netfilter hook (br_handle_frame): a port attached after apply, while the
 * daemon is down, can point a guest's MAC at itself with one such frame.
 * bridgeguard does not change the bridge; the admin can.
 */
void
check_linklocal_learn(const struct au_ctx *c)
{
	const struct bg_bridge *b;
	size_t k;

	for (k = 0; k < c->h->n_links; k++) {
		const struct bg_link *l = &c->h->links[k].l;

		if (!l->is_bridge || !l->linklocal_learn || c->cfg == NULL ||
		    (b = config_bridge(c->cfg, l->name)) == NULL ||
		    b->allow_unknown)
			continue;
		au_add(c->r, "linklocal_learn", AU_MEDIUM, l->name, NULL,
		    "ip link set BRIDGE type bridge no_linklocal_learn 1",
		    "bridge %s learns source addresses from link-local frames "
		    "(STP, LLDP) outside netfilter: while the daemon is not "
		    "running, a port attached after apply can take a guest's "
		    "MAC with one such frame", l->name);
	}
}
