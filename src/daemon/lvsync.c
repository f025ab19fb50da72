/*
 * The bindings from libvirt made what libvirt says now: for one domain (a
 * note named it) or for all (a reconnect), guests bound from libvirt that
 * it no longer has are unbound, and its interfaces that are not bound as
 * they are now are bound (a new MAC or new addresses replace the binding),
 * each in one transaction with its guest_add or guest_remove event.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "events.h"
#include "log.h"
#include "lvsync.h"
#include "mon_link.h"
#include "policy.h"
#include "stations.h"

#define MAX_NAMES	4096	/* domain names remembered for events */

struct domain_name {
	char		 uuid[40];
	char		 name[LV_NAME];
};

static const char *
port_bridge(const struct lvsync *m, const char *port)
{
	const struct bg_link *br = mon_link_bridge_of(m->links,
	    mon_link_byname(m->links, port));

	return br ? br->name : NULL;
}

static void
name_remember(struct lvsync *m, const struct lv_iface *i)
{
	struct domain_name *v;
	size_t k;

	for (k = 0; k < m->n_names; k++)
		if (strcmp(m->names[k].uuid, i->uuid) == 0)
			break;
	if (k == m->n_names) {
		if (k == MAX_NAMES || (v = reallocarray(m->names, k + 1,
		    sizeof(*v))) == NULL)
			return;
		m->names = v;
		m->n_names++;
	}
	snprintf(m->names[k].uuid, sizeof(m->names[k].uuid), "%s", i->uuid);
	snprintf(m->names[k].name, sizeof(m->names[k].name), "%s", i->domain);
}

static const char *
name_of(const struct lvsync *m, const char *uuid)
{
	size_t k;

	for (k = 0; k < m->n_names; k++)
		if (strcmp(m->names[k].uuid, uuid) == 0)
			return m->names[k].name;
	return NULL;
}

static void
emit(enum ev_type type, const char *domain, const char *uuid,
    const char *bridge, const char *port, const uint8_t mac[6])
{
	struct event *e = event_new(type, SEV_INFO);

	ev_str(e, "domain", domain);
	ev_str(e, "uuid", uuid);
	ev_str(e, "bridge", bridge);
	ev_str(e, "port", port);
	ev_mac(e, "mac", mac);
	ev_msg(e, "%s %s %s (libvirt domain %s)", port,
	    type == EV_GUEST_ADD ? "bound on" : "unbound from", bridge,
	    domain ? domain : uuid);
	event_emit(e);
}

/* Does libvirt still have this binding as it is? */
static bool
same_binding(const struct bg_guest *g, const struct lv_iface *i)
{
	return strcmp(g->libvirt_uuid, i->uuid) == 0 &&
	    memcmp(g->mac, i->mac, 6) == 0 && g->n_ip4 == i->n_ip4 &&
	    g->n_ip6 == i->n_ip6 && (g->n_ip4 == 0 ||
	    memcmp(g->ip4, i->ip4, g->n_ip4 * sizeof(*g->ip4)) == 0) &&
	    (g->n_ip6 == 0 ||
	    memcmp(g->ip6, i->ip6, g->n_ip6 * sizeof(*g->ip6)) == 0);
}

static bool
followed_bridge(const struct lvsync *m, const char *bridge)
{
	const struct bg_bridge *b = config_bridge(policy_config(m->pol),
	    bridge);

	return b && strcmp(b->libvirt, m->uri) == 0;
}

static void
bind_one(struct lvsync *m, const struct lv_iface *i)
{
	struct bg_bridge *gb = NULL;
	const struct bg_guest *g;
	struct bg_guest ng;
	char err[512];

	g = config_guest(policy_config(m->pol), i->tap, &gb);
	if (g && strcmp(gb->name, i->bridge) == 0 && same_binding(g, i))
		return;
	if (g && g->libvirt_uuid[0] == '\0') {
		/* The config's own binding of the port stays (as at load,
		 * where the two would not validate). */
		log_warnx("libvirt domain %s: interface %s not bound: the "
		    "config binds %s itself", i->domain, i->tap, i->tap);
		return;
	}
	if (lv_guest(&ng, i) == -1) {
		log_warn("binding %s of domain %s", i->tap, i->domain);
		return;
	}
	name_remember(m, i);
	if (policy_guest_add(m->pol, i->bridge, &ng, port_bridge(m, i->tap),
	    err, sizeof(err)) == -1)
		log_warnx("libvirt domain %s: interface %s not bound: %s",
		    i->domain, i->tap, err);
	else {
		stations_bind(m->st, i->bridge, &ng);
		log_info("libvirt domain %s: %s bound on %s", i->domain,
		    i->tap, i->bridge);
		emit(EV_GUEST_ADD, i->domain, i->uuid, i->bridge, i->tap,
		    i->mac);
	}
	guest_clear(&ng);
}

/* A binding from libvirt that libvirt no longer has. */
struct stale {
	char		 port[BG_IFNAMSIZ], bridge[BG_IFNAMSIZ];
	char		 uuid[40];
	uint8_t		 mac[6];
};

static bool
still_there(const struct lv_list *now, const char *bridge,
    const struct bg_guest *g)
{
	const struct lv_iface *i = lv_find_tap(now, g->port);

	return i && strcmp(i->bridge, bridge) == 0 &&
	    strcmp(i->uuid, g->libvirt_uuid) == 0;
}

/* Guests of uuid (NULL: of any domain) on followed bridges not in now. */
static size_t
find_stale(const struct lvsync *m, const char *uuid,
    const struct lv_list *now, struct stale **out)
{
	const struct bg_config *cfg = policy_config(m->pol);
	struct stale *v = NULL, *x;
	size_t k, j, n = 0;

	for (k = 0; k < cfg->n_bridges; k++) {
		const struct bg_bridge *b = &cfg->bridges[k];

		if (strcmp(b->libvirt, m->uri) != 0)
			continue;
		for (j = 0; j < b->n_guests; j++) {
			const struct bg_guest *g = &b->guests[j];

			if (!g->libvirt_uuid[0] || (uuid &&
			    strcmp(uuid, g->libvirt_uuid) != 0) ||
			    still_there(now, b->name, g))
				continue;
			if ((x = reallocarray(v, n + 1, sizeof(*v))) == NULL)
				break;
			v = x;
			memcpy(v[n].port, g->port, sizeof(v[n].port));
			memcpy(v[n].bridge, b->name, sizeof(v[n].bridge));
			memcpy(v[n].uuid, g->libvirt_uuid, sizeof(v[n].uuid));
			memcpy(v[n++].mac, g->mac, 6);
		}
	}
	*out = v;
	return n;
}

static void
unbind_stale(struct lvsync *m, const char *uuid,
    const struct lv_list *now)
{
	struct stale *s;
	size_t n, k;
	char err[512];

	n = find_stale(m, uuid, now, &s);
	for (k = 0; k < n; k++) {
		if (policy_guest_del(m->pol, s[k].port, s[k].mac, s[k].bridge,
		    port_bridge(m, s[k].port), err, sizeof(err)) == -1) {
			log_warnx("libvirt: unbinding %s: %s", s[k].port, err);
			continue;
		}
		log_info("libvirt domain %s: %s unbound from %s",
		    name_of(m, s[k].uuid) ? name_of(m, s[k].uuid) : s[k].uuid,
		    s[k].port, s[k].bridge);
		emit(EV_GUEST_REMOVE, name_of(m, s[k].uuid), s[k].uuid,
		    s[k].bridge, s[k].port, s[k].mac);
	}
	free(s);
}

void
lvsync_apply(struct lvsync *m, const char *uri, const char *uuid,
    const struct lv_list *now)
{
	size_t k;

	m->uri = uri;
	unbind_stale(m, uuid, now);
	for (k = 0; k < now->n; k++)
		if (followed_bridge(m, now->v[k].bridge))
			bind_one(m, &now->v[k]);
}

void
lvsync_free(struct lvsync *m)
{
	free(m->names);
	m->names = NULL;
	m->n_names = 0;
}
