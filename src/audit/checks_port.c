/* Port checks: unbound guest ports, the host on guest networks, tap names
 * that do not last, and libvirt's own filters. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "checks.h"

void
check_unguarded_port(const struct au_ctx *c)
{
	const struct au_link *br;
	struct bg_bridge *b;
	size_t k;

	for (k = 0; k < c->h->n_links; k++) {
		const struct au_link *p = &c->h->links[k];

		if ((br = au_bridge_of(c, p)) == NULL ||
		    !au_guest_bridge(c, br) ||
		    au_port_role(c, br, p) != AR_UNBOUND)
			continue;
		b = c->cfg ? config_bridge(c->cfg, br->l.name) : NULL;
		if (b && !b->allow_unknown)
			au_add(c->r, "unguarded_port", AU_LOW, br->l.name,
			    p->l.name, "bind it as a guest, or list it in "
			    "trusted-ports",
			    "port %s of bridge %s has no binding: its frames "
			    "are dropped (unknown-ports: drop)", p->l.name,
			    br->l.name);
		else
			au_add(c->r, "unguarded_port", AU_HIGH, br->l.name,
			    p->l.name, "bind it as a guest (bridgeguard "
			    "libvirt-import, or a guests: entry), or list it "
			    "in trusted-ports if it is an uplink",
			    "port %s of bridge %s has no binding%s: whatever "
			    "it sends (any MAC, any IP, ARP replies, RAs) is "
			    "forwarded", p->l.name, br->l.name,
			    b ? " and unknown-ports is allow" :
			    ", and bridgeguard does not guard the bridge");
	}
}

static bool
host_scope(const struct au_addr *a)
{
	/* fe80::/10 is the link's own; IPv4 link-local likewise. */
	if (a->family == AF_INET6)
		return !(a->addr[0] == 0xfe && (a->addr[1] & 0xc0) == 0x80);
	return !(a->addr[0] == 169 && a->addr[1] == 254);
}

void
check_bridge_address(const struct au_ctx *c)
{
	char buf[INET6_ADDRSTRLEN];
	const struct au_link *br;
	size_t k;

	for (k = 0; k < c->h->n_addrs; k++) {
		const struct au_addr *a = &c->h->addrs[k];

		br = au_link_by_index(c->h, a->ifindex);
		if (br == NULL || !br->l.is_bridge || !host_scope(a) ||
		    !au_guest_bridge(c, br))
			continue;
		inet_ntop(a->family, a->addr, buf, sizeof(buf));
		au_add(c->r, "bridge_address", AU_MEDIUM, br->l.name, NULL,
		    "move the host's address off the guest bridge, or filter "
		    "what guests may reach on the host (input hook on BRIDGE)",
		    "bridge %s, which carries guests, has address %s/%u: the "
		    "host itself is reachable from every guest on it (its "
		    "services, its ARP and neighbour caches)", br->l.name, buf,
		    a->plen);
	}
}

/* The bridge a static binding of port names, or NULL. */
static const char *
bound_bridge(const struct au_ctx *c, const char *port)
{
	struct bg_bridge *b = NULL;

	if (c->cfg == NULL || config_guest(c->cfg, port, &b) == NULL)
		return NULL;
	return b->libvirt[0] ? NULL : b->name;	/* libvirt's follow domains */
}

void
check_unstable_tap_name(const struct au_ctx *c)
{
	const struct lv_iface *i;
	const char *br;
	size_t k, g;

	for (k = 0; c->cfg && k < c->cfg->n_bridges; k++)
		for (g = 0; g < c->cfg->bridges[k].n_guests; g++) {
			const char *port = c->cfg->bridges[k].guests[g].port;

			i = lv_find_tap(&c->h->lv, port);
			if ((br = bound_bridge(c, port)) == NULL ||
			    (i ? i->stable_name : !lv_generated_name(port)))
				continue;
			au_add(c->r, "unstable_tap_name", AU_MEDIUM, br, port,
			    "give the interface a persistent <target dev='...'/> "
			    "in the domain XML, or use source: libvirt, whose "
			    "bindings follow the domain",
			    "guest port %s is bound by a name libvirt makes up "
			    "when %s starts: after a restart the name may "
			    "belong to another domain, which then gets this "
			    "binding", port, i ? i->domain : "its domain");
		}
}

/* If chain is one of libvirt's nwfilter chains (ebtables' libvirt-I- and
 * libvirt-O-, iptables' FI-, FO-, HI-, in the filter tables), its port. */
static const char *
nwfilter_port(const struct au_chain *ch)
{
	static const char *const prefix[] = { "libvirt-I-", "libvirt-O-",
	    "FI-", "FO-", "HI-" };
	size_t k;

	if (strcmp(ch->table, "filter") != 0)
		return NULL;
	for (k = 0; k < sizeof(prefix) / sizeof(prefix[0]); k++)
		if (strncmp(ch->name, prefix[k], strlen(prefix[k])) == 0)
			return ch->name + strlen(prefix[k]);
	return NULL;
}

static bool
reported(const struct au_ctx *c, const char *port)
{
	size_t k;

	for (k = 0; k < c->r->n; k++)
		if (strcmp(c->r->v[k].check, "nwfilter") == 0 &&
		    strcmp(c->r->v[k].port, port) == 0)
			return true;
	return false;
}

static const char nwfilter_fix[] = "choose one: remove the <filterref> "
    "from the domain's interface once bridgeguard binds the port, or "
    "leave the port out of bridgeguard's config; bridgeguard never edits "
    "libvirt's filters";

void
check_nwfilter(const struct au_ctx *c)
{
	const struct au_link *l, *br;
	const char *port;
	size_t k;

	for (k = 0; k < c->h->lv.n; k++) {
		const struct lv_iface *i = &c->h->lv.v[k];

		if (i->filter[0] == '\0' || reported(c, i->tap))
			continue;
		au_add(c->r, "nwfilter", AU_MEDIUM, i->bridge, i->tap,
		    nwfilter_fix, "interface %s of domain %s is filtered by "
		    "libvirt's nwfilter %s: ebtables/iptables rules per port, "
		    "installed one by one (not atomic), slow at scale, and "
		    "without IPv6 source checks in clean-traffic", i->tap,
		    i->domain, i->filter);
	}
	for (k = 0; k < c->h->n_chains; k++) {
		if ((port = nwfilter_port(&c->h->chains[k])) == NULL ||
		    reported(c, port))
			continue;
		l = au_link_by_name(c->h, port);
		br = l ? au_bridge_of(c, l) : NULL;
		au_add(c->r, "nwfilter", AU_MEDIUM, br ? br->l.name : NULL,
		    port, nwfilter_fix, "port %s has libvirt nwfilter chain "
		    "%s %s %s: per-port ebtables/iptables rules, installed one "
		    "by one (not atomic), slow at scale", port,
		    c->h->chains[k].family, c->h->chains[k].table,
		    c->h->chains[k].name);
	}
}
