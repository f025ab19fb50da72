/*
 * source: libvirt, followed. libvirt's notes (lv_watch) say which domain
 * changed; the domain's interfaces are then read afresh and compared with
 * the guests bound from it (libvirt_uuid), so a missed or repeated note
 * does no harm. The libvirt URI followed is the first one the policy
 * names; bridges naming another are bound at load and reload only.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include "clock.h"
#include "events.h"
#include "log.h"
#include "loop.h"
#include "lv.h"
#include "mon_libvirt.h"
#include "mon_link.h"
#include "policy.h"
#include "stations.h"

#define RETRY_FIRST_MS	1000
#define RETRY_MAX_MS	30000
#define MAX_NAMES	4096	/* domain names remembered for events */

struct domain_name {
	char		 uuid[40];
	char		 name[LV_NAME];
};

struct mon_libvirt {
	struct loop		*loop;
	struct policy		*pol;
	struct mon_link		*links;
	struct stations		*st;
	char			 uri[256];	/* "" if idle */
	struct lv_watch		*w;		/* NULL while disconnected */
	struct loop_timer	 retry;
	unsigned int		 backoff_ms;
	struct domain_name	*names;
	size_t			 n_names;
};

static void	connect_now(struct mon_libvirt *);

/* The URI of the first bridge with source: libvirt, or "". */
static const char *
policy_uri(const struct mon_libvirt *m)
{
	const struct bg_config *cfg = policy_config(m->pol);
	size_t k;

	for (k = 0; k < cfg->n_bridges; k++)
		if (cfg->bridges[k].libvirt[0])
			return cfg->bridges[k].libvirt;
	return "";
}

static const char *
port_bridge(const struct mon_libvirt *m, const char *port)
{
	const struct bg_link *br = mon_link_bridge_of(m->links,
	    mon_link_byname(m->links, port));

	return br ? br->name : NULL;
}

static void
name_remember(struct mon_libvirt *m, const struct lv_iface *i)
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
name_of(const struct mon_libvirt *m, const char *uuid)
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
followed_bridge(const struct mon_libvirt *m, const char *bridge)
{
	const struct bg_bridge *b = config_bridge(policy_config(m->pol),
	    bridge);

	return b && strcmp(b->libvirt, m->uri) == 0;
}

static void
bind_one(struct mon_libvirt *m, const struct lv_iface *i)
{
	struct bg_bridge *gb = NULL;
	const struct bg_guest *g;
	struct bg_guest ng;
	char err[512];

	g = config_guest(policy_config(m->pol), i->tap, &gb);
	if (g && strcmp(gb->name, i->bridge) == 0 && same_binding(g, i))
		return;
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
find_stale(const struct mon_libvirt *m, const char *uuid,
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
unbind_stale(struct mon_libvirt *m, const char *uuid,
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

/* One domain (uuid), or all of them (NULL), made as libvirt says. */
static void
sync_domains(struct mon_libvirt *m, const char *uuid)
{
	struct lv_list now = { 0 };
	char err[512];
	size_t k;
	int rc;

	rc = uuid ? lv_domain_interfaces(lv_watch_conn(m->w), uuid, &now,
	    err, sizeof(err)) : lv_interfaces(lv_watch_conn(m->w), &now, err,
	    sizeof(err));
	if (rc == -1) {
		log_warnx("%s; the bindings in force stay", err);
		lv_list_clear(&now);
		return;
	}
	unbind_stale(m, uuid, &now);
	for (k = 0; k < now.n; k++)
		if (followed_bridge(m, now.v[k].bridge))
			bind_one(m, &now.v[k]);
	lv_list_clear(&now);
}

static void
disconnect(struct mon_libvirt *m)
{
	if (m->w == NULL)
		return;
	loop_del(m->loop, lv_watch_fd(m->w));
	lv_watch_close(m->w);
	m->w = NULL;
}

static void
retry_later(struct mon_libvirt *m)
{
	loop_timer_at(&m->retry, now_ms() + m->backoff_ms);
	m->backoff_ms = m->backoff_ms * 2 > RETRY_MAX_MS ? RETRY_MAX_MS :
	    m->backoff_ms * 2;
}

static void
notes_cb(int fd, uint32_t events, void *arg)
{
	struct mon_libvirt *m = arg;
	struct lv_note n;
	int rc;

	(void)fd;
	(void)events;
	while (m->w && (rc = lv_watch_read(m->w, &n)) == 1) {
		if (n.kind == LVN_LOST) {
			log_warnx("libvirt: lost the connection to %s; the "
			    "bindings in force stay, reconnecting", m->uri);
			disconnect(m);
			m->backoff_ms = RETRY_FIRST_MS;
			retry_later(m);
			return;
		}
		sync_domains(m, n.kind == LVN_DOMAIN ? n.uuid : NULL);
	}
}

static void
connect_now(struct mon_libvirt *m)
{
	char err[512];

	if (m->uri[0] == '\0' || m->w)
		return;
	if ((m->w = lv_watch_open(m->uri, err, sizeof(err))) == NULL) {
		log_warnx("%s; retrying in %u s", err, m->backoff_ms / 1000);
		retry_later(m);
		return;
	}
	if (loop_add(m->loop, lv_watch_fd(m->w), EPOLLIN, notes_cb, m) ==
	    -1) {
		log_warn("watching libvirt");
		lv_watch_close(m->w);
		m->w = NULL;
		retry_later(m);
		return;
	}
	log_info("libvirt: following the domains of %s", m->uri);
	m->backoff_ms = RETRY_FIRST_MS;
	sync_domains(m, NULL);
}

static void
retry_cb(void *arg)
{
	connect_now(arg);
}

struct mon_libvirt *
mon_libvirt_open(struct loop *loop, struct policy *pol,
    struct mon_link *links, struct stations *st)
{
	struct mon_libvirt *m;

	if ((m = calloc(1, sizeof(*m))) == NULL)
		return NULL;
	*m = (struct mon_libvirt){ .loop = loop, .pol = pol, .links = links,
	    .st = st, .backoff_ms = RETRY_FIRST_MS };
	loop_timer_add(loop, &m->retry, retry_cb, m);
	snprintf(m->uri, sizeof(m->uri), "%s", policy_uri(m));
	connect_now(m);
	return m;
}

void
mon_libvirt_reload(struct mon_libvirt *m)
{
	if (strcmp(m->uri, policy_uri(m)) != 0) {
		disconnect(m);
		loop_timer_at(&m->retry, 0);
		snprintf(m->uri, sizeof(m->uri), "%s", policy_uri(m));
		m->backoff_ms = RETRY_FIRST_MS;
		connect_now(m);
	} else if (m->w)
		sync_domains(m, NULL);
}

void
mon_libvirt_close(struct mon_libvirt *m)
{
	if (m == NULL)
		return;
	disconnect(m);
	loop_timer_del(m->loop, &m->retry);
	free(m->names);
	free(m);
}
