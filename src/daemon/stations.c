/*
 * ARP seen on guarded bridges → the station table (arpwatch.c) →
 * new_station and arp_change events. Only what the rules let through
 * teaches the table: the sensor's packet socket sees frames before them.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "events.h"
#include "guest.h"
#include "stations.h"

struct stations {
	struct arpwatch		*table;
};

struct stations *
stations_new(size_t max)
{
	struct stations *s;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	if ((s->table = arpwatch_new(max)) == NULL) {
		free(s);
		return NULL;
	}
	return s;
}

void
stations_free(struct stations *s)
{
	if (s == NULL)
		return;
	arpwatch_free(s->table);
	free(s);
}

void
stations_seed(struct stations *s, const struct bg_config *cfg)
{
	arpwatch_seed_config(s->table, cfg);
}

void
stations_bind(struct stations *s, const char *bridge,
    const struct bg_guest *g)
{
	size_t i;

	for (i = 0; i < guest_n_ip4(g); i++)
		arpwatch_seed(s->table, bridge, (const uint8_t *)
		    guest_ip4_at(g, i), g->mac);
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
stations_arp(struct stations *s, const struct mon_link *links,
    const struct bg_config *cfg, const struct sensor_rec *r)
{
	static const uint8_t zero[6];
	const struct pkt_info *p = &r->pkt;
	const struct bg_link *l = mon_link_get(links, r->ifindex);
	const struct bg_link *br = mon_link_bridge_of(links, l);
	enum arp_result res;
	uint8_t old[6];

	/* Probes claim nothing; multicast or zero senders are bogus. */
	if (br == NULL || config_bridge(cfg, br->name) == NULL ||
	    memcmp(p->arp_spa, zero, 4) == 0 || (p->arp_sha[0] & 1) ||
	    memcmp(p->arp_sha, zero, 6) == 0 ||
	    !rs_arp_passes(cfg, br->name, l->name, p->src_mac, p->arp_sha,
	    p->arp_spa))
		return;
	res = arpwatch_see(s->table, br->name, p->arp_spa, p->arp_sha, old);
	/* A full table records no new station: no event either. */
	if (res != ARP_FULL && res != ARP_SAME)
		station_event(br->name, l->name, p, res, old);
}
