/*
 * What a port is to the audit. On a bridge the policy guards, its role
 * there; on any other bridge, a tap, a veth or a port libvirt names is a
 * guest's, and anything else (a NIC, a bond, a tunnel) an uplink.
 */
#include <string.h>

#include "checks.h"

const struct au_link *
au_bridge_of(const struct au_ctx *c, const struct au_link *port)
{
	const struct au_link *br;

	if (port->l.master == 0)
		return NULL;
	br = au_link_by_index(c->h, port->l.master);
	return br && br->l.is_bridge ? br : NULL;
}

static bool
guest_like(const struct au_ctx *c, const struct au_link *port)
{
	return strcmp(port->kind, "tun") == 0 ||
	    strcmp(port->kind, "veth") == 0 ||
	    lv_find_tap(&c->h->lv, port->l.name) != NULL;
}

bool
au_guest_bridge(const struct au_ctx *c, const struct au_link *br)
{
	size_t k;

	if (c->cfg && config_bridge(c->cfg, br->l.name))
		return true;
	for (k = 0; k < c->h->n_links; k++)
		if (c->h->links[k].l.master == br->l.ifindex &&
		    guest_like(c, &c->h->links[k]))
			return true;
	return false;
}

enum au_port_role
au_port_role(const struct au_ctx *c, const struct au_link *br,
    const struct au_link *port)
{
	struct bg_bridge *b = c->cfg ? config_bridge(c->cfg, br->l.name) :
	    NULL, *gb = NULL;

	if (b == NULL)
		return guest_like(c, port) ? AR_UNBOUND : AR_UPLINK;
	config_guest(c->cfg, port->l.name, &gb);
	switch (bridge_port_kind(b, port->l.name, gb)) {
	case PORT_GUEST:
		return AR_GUEST;
	case PORT_TRUSTED:
		return AR_TRUSTED;
	case PORT_MONITOR:
		return AR_MONITOR;
	default:
		return AR_UNBOUND;
	}
}
