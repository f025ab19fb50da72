/*
 * Observations → detection events: what a change the monitors saw means
 * for a guarded bridge (one in the policy). Events only: the protection
 * that follows a port's move is ports.c's, the station table stations.c's.
 */
#include <arpa/inet.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>

#include "detect.h"
#include "events.h"
#include "pktsock.h"

/* What is looked at: the links as they are now, the policy in force. */
struct seen {
	const struct mon_link	*links;
	const struct bg_config	*cfg;
};

static const struct bg_bridge *
guarded(const struct seen *d, const char *bridge)
{
	return bridge ? config_bridge(d->cfg, bridge) : NULL;
}

static const char *
name_of(const struct seen *d, int ifindex)
{
	const struct bg_link *l = mon_link_get(d->links, ifindex);

	return l ? l->name : NULL;
}

static const char *
bridge_name(const struct mon_link *m, const struct bg_link *l)
{
	const struct bg_link *br = mon_link_bridge_of(m, l);

	return br ? br->name : NULL;
}

/* What a port is to a guarded bridge. */
static enum bg_port_kind
port_kind(const struct seen *d, const struct bg_bridge *b, const char *port)
{
	struct bg_bridge *gb = NULL;

	config_guest(d->cfg, port, &gb);
	return bridge_port_kind(b, port, gb);
}

static void
port_event(const struct seen *d, enum ev_type type, const char *bridge,
    const char *port)
{
	const struct bg_bridge *b = guarded(d, bridge);
	enum bg_port_kind kind;
	const char *role;
	struct event *e;

	if (b == NULL)
		return;
	kind = port_kind(d, b, port);
	role = port_kind_name(kind);
	e = event_new(type, SEV_INFO);
	ev_str(e, "bridge", bridge);
	ev_str(e, "port", port);
	ev_str(e, "role", role);
	ev_msg(e, "%s %s %s (%s)", port, type == EV_PORT_JOIN ? "joined" :
	    "left", bridge, role);
	event_emit(e);
	if (type != EV_PORT_JOIN || kind != PORT_UNKNOWN)
		return;
	e = event_new(EV_UNKNOWN_PORT, SEV_WARNING);
	ev_str(e, "bridge", bridge);
	ev_str(e, "port", port);
	ev_str(e, "policy", b->allow_unknown ? "allow" : "drop");
	ev_msg(e, "%s joined guarded bridge %s but is neither guest nor "
	    "trusted: its frames are %s", port, bridge, b->allow_unknown ?
	    "allowed (unknown-ports: allow)" : "dropped");
	event_emit(e);
}

static void
membership(const struct seen *d, const struct bg_link *old,
    const struct bg_link *new)
{
	struct link_move mv;

	if (!mon_link_move(d->links, old, new, &mv))
		return;
	if (mv.from)
		port_event(d, EV_PORT_LEAVE, mv.from, old->name);
	if (mv.to)
		port_event(d, EV_PORT_JOIN, mv.to, new->name);
}

#define MAX_CAPTURES	8

/*
 * Who raised a device's promiscuity, as far as the kernel says: a bridge
 * it just joined, the IFF_PROMISC flag just set, the packet sockets bound
 * to it (a capture asks for promiscuous mode on the device it binds).
 */
static void
raisers(const struct seen *d, const struct bg_link *old,
    const struct bg_link *new, char *buf, size_t len)
{
	const struct bg_link *master = mon_link_get(d->links, new->master);
	struct pktsock s[MAX_CAPTURES];
	size_t off = 0;
	int i, n;

	buf[0] = '\0';
#define ADD(...) (off += (size_t)snprintf(buf + off, off < len ? len - off : \
	0, __VA_ARGS__), off = off < len ? off : len)
	/* The kernel may say the master before the count: a bridge port
	 * held by nothing before is held by its bridge. */
	if (master && master->is_bridge && (old->master != new->master ||
	    old->promiscuity == 0))
		ADD("%sbridge %s", off ? ", " : "", master->name);
	if ((new->flags & ~old->flags) & IFF_PROMISC)
		ADD("%sthe promisc flag", off ? ", " : "");
	n = pktsock_bound(new->ifindex, s, MAX_CAPTURES);
	for (i = 0; i < n; i++)
		if (s[i].pid)
			ADD("%spid %ld (%s, uid %ld)", off ? ", " : "",
			    (long)s[i].pid, s[i].comm, (long)s[i].uid);
		else
			ADD("%sa packet socket of uid %ld", off ? ", " : "",
			    (long)s[i].uid);
#undef ADD
}

/*
 * Promiscuity: the IFF_PROMISC flag, and the kernel's count of those that
 * hold the device promiscuous (IFLA_PROMISCUITY), which a capture or a
 * bridge raises without the flag. One event per change of either.
 */
static void
promisc(const struct seen *d, const struct bg_link *old,
    const struct bg_link *new)
{
	bool on = new->flags & IFF_PROMISC;
	bool up = new->promiscuity > old->promiscuity;
	const char *br = bridge_name(d->links, new);
	char who[256];
	struct event *e;

	if (((old->flags ^ new->flags) & IFF_PROMISC) == 0 &&
	    old->promiscuity == new->promiscuity)
		return;
	who[0] = '\0';
	if (up)
		raisers(d, old, new, who, sizeof(who));
	e = event_new(EV_PROMISC, on || up ? SEV_WARNING : SEV_NOTICE);
	ev_str(e, "interface", new->name);
	ev_str(e, "bridge", new->is_bridge ? new->name : br);
	if (!new->is_bridge)
		ev_str(e, "port", br ? new->name : NULL);
	ev_str(e, "role", new->is_bridge ? "bridge" : br ? "port" : "host");
	ev_bool(e, "promisc", on);
	ev_int(e, "promiscuity", new->promiscuity);
	ev_int(e, "old_promiscuity", old->promiscuity);
	ev_str(e, "raised_by", who);
	ev_msg(e, "%s %s: promiscuous mode %s, held %u time%s (was %u)%s%s",
	    new->is_bridge ? "bridge" : br ? "bridge port" : "interface",
	    new->name, on ? "on" : "off", new->promiscuity,
	    new->promiscuity == 1 ? "" : "s", old->promiscuity,
	    who[0] ? "; by " : "", who);
	event_emit(e);
}

static void
hub_event(const char *bridge, const char *port, const char *setting,
    long long value, long long old, bool weakened)
{
	struct event *e = event_new(EV_HUB_MODE, weakened ? SEV_WARNING :
	    SEV_NOTICE);

	ev_str(e, "bridge", bridge);
	ev_str(e, "port", port);
	ev_str(e, "setting", setting);
	ev_int(e, "value", value);
	ev_int(e, "old_value", old);
	ev_bool(e, "weakened", weakened);
	ev_msg(e, "%s%s%s: %s %lld -> %lld: %s", bridge, port ? " port " : "",
	    port ? port : "", setting, old, value, weakened ? "frames now "
	    "flood to every port, as on a hub" : "restored");
	event_emit(e);
}

static void
hub_mode(const struct seen *d, const struct bg_link *old,
    const struct bg_link *new)
{
	const char *br = bridge_name(d->links, new);

	if (new->is_bridge && guarded(d, new->name) &&
	    old->ageing != new->ageing && (old->ageing == 0) !=
	    (new->ageing == 0))
		hub_event(new->name, NULL, "ageing_time", new->ageing,
		    old->ageing, new->ageing == 0);
	if (!guarded(d, br) || !old->is_port || !new->is_port ||
	    old->master != new->master)
		return;
	if (old->learning != new->learning)
		hub_event(br, new->name, "learning", new->learning,
		    old->learning, !new->learning);
	if (old->unicast_flood != new->unicast_flood)
		hub_event(br, new->name, "unicast_flood", new->unicast_flood,
		    old->unicast_flood, new->unicast_flood);
}

void
detect_link(const struct mon_link *links, const struct bg_config *cfg,
    const struct bg_link *old, const struct bg_link *new)
{
	const struct seen d = { links, cfg };

	membership(&d, old, new);
	if (old && new) {
		promisc(&d, old, new);
		hub_mode(&d, old, new);
	}
}

static void
fdb_move(const struct seen *d, const struct neigh_change *c)
{
	const char *br = name_of(d, c->ifindex), *from, *to;
	struct event *e;

	if (!guarded(d, br))
		return;
	from = name_of(d, c->old_port);
	to = name_of(d, c->new_port);
	e = event_new(EV_FDB_MOVE, SEV_WARNING);
	ev_str(e, "bridge", br);
	ev_str(e, "port", to);
	ev_str(e, "old_port", from);
	ev_mac(e, "mac", c->mac);
	if (c->vlan)
		ev_int(e, "vlan", c->vlan);
	ev_msg(e, "%s: MAC moved from %s to %s", br, from ? from : "?",
	    to ? to : "?");
	event_emit(e);
}

static void
host_change(const struct seen *d, const struct neigh_change *c)
{
	const char *dev = name_of(d, c->ifindex);
	char ip[INET6_ADDRSTRLEN] = "?";
	struct event *e;

	inet_ntop(c->af, c->addr, ip, sizeof(ip));
	e = event_new(EV_HOST_NEIGH_CHANGE, SEV_WARNING);
	ev_str(e, "interface", dev);
	ev_str(e, "ip", ip);
	ev_mac(e, "mac", c->mac);
	ev_mac(e, "old_mac", c->old_mac);
	ev_msg(e, "the host's %s cache on %s: %s changed MAC", c->af ==
	    AF_INET ? "ARP" : "neighbour", dev ? dev : "?", ip);
	event_emit(e);
}

void
detect_neigh(const struct mon_link *links, const struct bg_config *cfg,
    const struct neigh_change *c)
{
	const struct seen d = { links, cfg };

	if (c->kind == NEIGH_FDB_MOVE)
		fdb_move(&d, c);
	else
		host_change(&d, c);
}
