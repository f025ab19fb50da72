/*
 * Observations → detection events, and the port protection that follows
 * a port joining or leaving a bridge. The monitors say what changed; this
 * file says what it means for a guarded bridge (one in the config).
 */
#include <arpa/inet.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agg.h"
#include "clock.h"
#include "arpwatch.h"
#include "daemon.h"
#include "events.h"
#include "guest.h"
#include "log.h"
#include "protect.h"

#define RETRY_MS	1000

static const struct bg_bridge *
guarded(struct daemon *d, const char *bridge)
{
	return bridge ? config_bridge(protect_config(d->prot), bridge) : NULL;
}

static const char *
name_of(struct daemon *d, int ifindex)
{
	const struct bg_link *l = mon_link_get(d->links, ifindex);

	return l ? l->name : NULL;
}

/* What a port is to a guarded bridge. */
static enum bg_port_kind
port_kind(struct daemon *d, const struct bg_bridge *b, const char *port)
{
	struct bg_bridge *gb = NULL;

	config_guest(protect_config(d->prot), port, &gb);
	return bridge_port_kind(b, port, gb);
}

void
detect_port(struct daemon *d, const char *port)
{
	const struct bg_link *l = mon_link_byname(d->links, port);
	const struct bg_link *br = mon_link_bridge_of(d->links, l);
	char err[512];

	if (protect_port(d->prot, port, br ? br->name : NULL, err,
	    sizeof(err)) == 0) {
		nameset_del(&d->retry, port);
		return;
	}
	log_warnx("port %s: %s; retrying", port, err);
	nameset_add(&d->retry, port);
	if (d->retry_timer.when == 0)
		loop_timer_at(&d->retry_timer, now_ms() + RETRY_MS);
}

void
detect_retry(void *arg)
{
	struct daemon *d = arg;
	struct hmap_iter it = { 0 };
	char (*names)[BG_IFNAMSIZ];
	const char *n;
	size_t i, k = 0;

	if ((names = calloc(d->retry.h.n + 1, BG_IFNAMSIZ)) == NULL) {
		loop_timer_at(&d->retry_timer, now_ms() + RETRY_MS);
		return;
	}
	while ((n = hmap_next(&d->retry.h, &it)) != NULL)
		memcpy(names[k++], n, BG_IFNAMSIZ);
	for (i = 0; i < k; i++)
		detect_port(d, names[i]);
	free(names);
}

static void
port_event(struct daemon *d, enum ev_type type, const char *bridge,
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

static const char *
bridge_name(struct daemon *d, const struct bg_link *l)
{
	const struct bg_link *br = l ? mon_link_bridge_of(d->links, l) : NULL;

	return br ? br->name : NULL;
}

static bool
same(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

static void
membership(struct daemon *d, const struct bg_link *old, const struct bg_link *new)
{
	const char *ob = old ? bridge_name(d, old) : NULL;
	const char *nb = new ? bridge_name(d, new) : NULL;
	bool renamed = old && new && strcmp(old->name, new->name) != 0;

	/* A deleted bridge port: its master may be gone already. */
	if (old && !new && old->master && ob == NULL)
		ob = name_of(d, old->master);
	if (old && new && !renamed && same(ob, nb))
		return;
	if (ob)
		port_event(d, EV_PORT_LEAVE, ob, old->name);
	if (nb)
		port_event(d, EV_PORT_JOIN, nb, new->name);
	if (old)
		detect_port(d, old->name);
	if (new && (renamed || !old))
		detect_port(d, new->name);
	/* Once this round of notifications is handled. */
	if (d->refresh_timer.when == 0)
		loop_timer_at(&d->refresh_timer, now_ms());
}

void
detect_refresh(void *arg)
{
	struct daemon *d = arg;
	struct bg_port *ports;
	size_t n;
	bool replaced;
	char err[512];

	if (mon_link_ports(d->links, &ports, &n) == -1) {
		log_warn("listing interfaces");
		loop_timer_at(&d->refresh_timer, now_ms() + RETRY_MS);
		return;
	}
	if (protect_refresh(d->prot, ports, n, &replaced, err,
	    sizeof(err)) == -1) {
		log_warnx("%s; retrying", err);
		loop_timer_at(&d->refresh_timer, now_ms() + RETRY_MS);
	} else if (replaced) {
		agg_reset(d->agg);
		log_info("interfaces changed: ruleset recompiled (mirrors)");
	}
	free(ports);
}

static void
promisc(struct daemon *d, const struct bg_link *old, const struct bg_link *new)
{
	bool on = new->flags & IFF_PROMISC;
	const char *br = bridge_name(d, new);
	struct event *e;

	if (((old->flags ^ new->flags) & IFF_PROMISC) == 0)
		return;
	e = event_new(EV_PROMISC, on ? SEV_WARNING : SEV_NOTICE);
	ev_str(e, "interface", new->name);
	ev_str(e, "bridge", new->is_bridge ? new->name : br);
	if (!new->is_bridge)
		ev_str(e, "port", br ? new->name : NULL);
	ev_str(e, "role", new->is_bridge ? "bridge" : br ? "port" : "host");
	ev_bool(e, "promisc", on);
	ev_msg(e, "%s %s: promiscuous mode %s", new->is_bridge ? "bridge" :
	    br ? "bridge port" : "interface", new->name, on ? "on" : "off");
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
hub_mode(struct daemon *d, const struct bg_link *old, const struct bg_link *new)
{
	const char *br = bridge_name(d, new);

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
detect_link(void *arg, const struct bg_link *old, const struct bg_link *new)
{
	struct daemon *d = arg;

	membership(d, old, new);
	if (old && new) {
		promisc(d, old, new);
		hub_mode(d, old, new);
	}
}

static void
fdb_move(struct daemon *d, const struct neigh_change *c)
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
host_change(struct daemon *d, const struct neigh_change *c)
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
detect_neigh(void *arg, const struct neigh_change *c)
{
	struct daemon *d = arg;

	if (c->kind == NEIGH_FDB_MOVE)
		fdb_move(d, c);
	else
		host_change(d, c);
}

static void
station_event(const char *bridge, const char *port, const struct pkt_info *p,
    enum arp_result r, const uint8_t old[6])
{
	char ip[INET_ADDRSTRLEN], mac[18], omac[18];
	struct event *e;

	inet_ntop(AF_INET, p->arp_spa, ip, sizeof(ip));
	mac_format(p->arp_sha, mac);
	e = event_new(r == ARP_NEW ? EV_NEW_STATION : EV_ARP_CHANGE,
	    r == ARP_NEW ? SEV_INFO : SEV_WARNING);
	ev_str(e, "bridge", bridge);
	ev_str(e, "port", port);
	ev_str(e, "ip", ip);
	ev_str(e, "mac", mac);
	if (r == ARP_NEW) {
		ev_msg(e, "%s: new station %s at %s on %s", bridge, ip, mac,
		    port);
	} else {
		ev_str(e, "old_mac", mac_format(old, omac));
		ev_bool(e, "flip_flop", r == ARP_FLIPFLOP);
		ev_msg(e, "%s: %s %s from %s to %s (on %s)", bridge, ip,
		    r == ARP_FLIPFLOP ? "flip-flopped back" : "changed MAC",
		    omac, mac, port);
	}
	event_emit(e);
}

void
detect_arp(struct daemon *d, const struct sensor_rec *r)
{
	static const uint8_t zero[6];
	const struct pkt_info *p = &r->pkt;
	const struct bg_link *l = mon_link_get(d->links, r->ifindex);
	const struct bg_link *br = mon_link_bridge_of(d->links, l);
	const struct bg_bridge *b = br ? guarded(d, br->name) : NULL;
	enum arp_result res;
	uint8_t old[6];

	d->st.arps++;
	/* Probes claim nothing; multicast or zero senders are bogus. */
	/* The packet socket sees frames before the rules: those they drop
	 * (and report as spoof_drop) must not teach the table anything. */
	if (b == NULL || memcmp(p->arp_spa, zero, 4) == 0 ||
	    (p->arp_sha[0] & 1) || memcmp(p->arp_sha, zero, 6) == 0 ||
	    !rs_arp_passes(protect_config(d->prot), br->name, l->name,
	    p->src_mac, p->arp_sha, p->arp_spa))
		return;
	res = arpwatch_see(d->arp, br->name, p->arp_spa, p->arp_sha, old);
	if (res == ARP_FULL)
		d->st.arp_table_full++;
	else if (res != ARP_SAME)
		station_event(br->name, l->name, p, res, old);
}
