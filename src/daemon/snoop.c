/*
 * DHCP snooping: sensor records → bindings → the guest's chains; see
 * snoop.h. Every check of a record is here, in the order a switch's DHCP
 * snooping makes them; the records themselves were checked for range by
 * sensor_rec_check().
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "events.h"
#include "hmap.h"
#include "learn.h"
#include "log.h"
#include "mon_link.h"
#include "nft.h"
#include "policy.h"
#include "snoop.h"
#include "validate.h"

/* learn_over's count of a port in one table, when last read. */
struct over {
	char		 port[BG_IFNAMSIZ];
	enum rs_family	 fam;
	uint64_t	 seen;
};

struct snoop {
	struct bindings	 t;
	char		 path[4096];
	bool		 learning;	/* the policy has learning guests */
	uint64_t	 gen;		/* the policy's, when last pruned */
	struct over	*over;
	size_t		 n_over, cap_over;
};

/* Why a binding goes, as binding_remove says it. */
static const char *const why_names[] = {
	"release", "decline", "nak", "expire", "reassigned", "config",
};
enum why { W_RELEASE, W_DECLINE, W_NAK, W_EXPIRE, W_REASSIGNED, W_CONFIG };

static int64_t
wall_now(void)
{
	return (int64_t)time(NULL);
}

const char *
snoop_path(const char *config_path, char *buf, size_t len)
{
	snprintf(buf, len, "%s.bindings", config_path);
	return buf;
}

const struct bindings *
snoop_table(const struct snoop *s)
{
	return &s->t;
}

struct snoop *
snoop_new(const char *config_path)
{
	struct snoop *s;
	size_t bad;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	bindings_init(&s->t);
	snoop_path(config_path, s->path, sizeof(s->path));
	if (bindings_load(&s->t, s->path, wall_now(), &bad) == -1)
		log_warn("reading %s; starting with no DHCP bindings",
		    s->path);
	else if (bad)
		log_warnx("%s: %zu line(s) left out (malformed or "
		    "duplicate)", s->path, bad);
	return s;
}

void
snoop_free(struct snoop *s)
{
	if (s == NULL)
		return;
	bindings_clear(&s->t);
	free(s->over);
	free(s);
}

static void
save(struct snoop *s)
{
	if (bindings_save(&s->t, s->path) == -1)
		log_warn("writing %s", s->path);
}

static void
emit(enum ev_type type, const struct binding *b, const char *why,
    int64_t lease)
{
	struct event *e = event_new(type, type == EV_BINDING_REFUSED ?
	    SEV_WARNING : SEV_INFO);
	char a[INET_ADDRSTRLEN];

	if (e == NULL)
		return;
	ev_str(e, "bridge", b->bridge);
	ev_str(e, "port", b->port);
	ev_mac(e, "mac", b->mac);
	ev_ip(e, "ip", AF_INET, &b->addr);
	if (lease >= 0)
		ev_int(e, "lease", lease);
	ev_str(e, "reason", why);
	inet_ntop(AF_INET, &b->addr, a, sizeof(a));
	if (type == EV_BINDING_ADD)
		ev_msg(e, "%s bound to %s by DHCP", a, b->port);
	else if (type == EV_BINDING_RENEW)
		ev_msg(e, "%s's DHCP lease of %s renewed", b->port, a);
	else if (type == EV_BINDING_REMOVE)
		ev_msg(e, "%s unbound from %s (%s)", a, b->port, why);
	else
		ev_msg(e, "%s not bound to %s: %s", a, b->port, why);
	event_emit(e);
}

/* The port's addresses from the table into its chains. */
static int
refill(struct snoop *s, struct policy *p, const char *port)
{
	struct in_addr a[BG_MAX_LEARNED4];
	size_t n = bindings_of_port(&s->t, port, a, BG_MAX_LEARNED4);
	char err[512];

	if (n > BG_MAX_LEARNED4)
		n = BG_MAX_LEARNED4;
	if (policy_guest_learned(p, port, a, n, err, sizeof(err)) == -1) {
		log_warnx("DHCP binding of %s: %s", port, err);
		return -1;
	}
	return 0;
}

static void
unbind(struct snoop *s, struct policy *p, const struct binding *b,
    enum why why)
{
	struct binding gone = *b;

	if (bindings_remove(&s->t, gone.port, &gone.addr) == 0)
		return;
	refill(s, p, gone.port);
	emit(EV_BINDING_REMOVE, &gone, why_names[why], -1);
}

/* The guest (other than port's) an address is configured for. */
static const struct bg_guest *
static_owner(const struct bg_config *cfg, const char *port,
    const struct in_addr *a)
{
	const struct bg_guest *g;
	size_t i, j, k;

	for (i = 0; i < cfg->n_bridges; i++)
		for (j = 0; j < cfg->bridges[i].n_guests; j++) {
			g = &cfg->bridges[i].guests[j];
			if (strcmp(g->port, port) == 0)
				continue;
			for (k = 0; k < g->n_ip4; k++)
				if (g->ip4[k].s_addr == a->s_addr)
					return g;
		}
	return NULL;
}

static bool
is_static(const struct bg_guest *g, const struct in_addr *a)
{
	size_t k;

	for (k = 0; k < g->n_ip4; k++)
		if (g->ip4[k].s_addr == a->s_addr)
			return true;
	return false;
}

static void
on_ack(struct snoop *s, struct policy *p, const struct bg_bridge *br,
    const struct bg_guest *g, const struct dhcp_info *d)
{
	struct binding b, *old;
	int64_t now = wall_now();
	int rc;

	memset(&b, 0, sizeof(b));
	memcpy(b.bridge, br->name, sizeof(b.bridge));
	memcpy(b.port, g->port, sizeof(b.port));
	memcpy(b.mac, g->mac, 6);
	memcpy(&b.addr, d->yiaddr, 4);
	if (!d->has_lease || ip4_unbindable(&b.addr) || is_static(g, &b.addr))
		return;
	b.expires = d->lease == 0xffffffff ? BIND_FOREVER :
	    now + (int64_t)d->lease;
	if (static_owner(policy_config(p), g->port, &b.addr)) {
		emit(EV_BINDING_REFUSED, &b, "conflict", d->lease);
		return;
	}
	old = bindings_find(&s->t, &b.addr);
	/* Full: refused before anyone loses anything. */
	if ((old == NULL || strcmp(old->port, g->port) != 0) &&
	    bindings_of_port(&s->t, g->port, NULL, 0) >= BG_MAX_LEARNED4) {
		emit(EV_BINDING_REFUSED, &b, "cap", d->lease);
		return;
	}
	/* The server gave it to this guest: whoever had it has no more. */
	if (old != NULL && strcmp(old->port, g->port) != 0)
		unbind(s, p, old, W_REASSIGNED);
	if ((rc = bindings_add(&s->t, &b, BG_MAX_LEARNED4)) == -1) {
		log_warn("DHCP binding of %s", g->port);
		return;
	}
	if (rc == BIND_FULL) {
		emit(EV_BINDING_REFUSED, &b, "cap", d->lease);
		return;
	}
	if (rc == BIND_NEW && refill(s, p, g->port) == -1) {
		bindings_remove(&s->t, g->port, &b.addr);
		return;
	}
	emit(rc == BIND_NEW ? EV_BINDING_ADD : EV_BINDING_RENEW, &b, NULL,
	    d->lease);
	save(s);
}

/* What a server sent the guest: is it believed? */
static bool
server_ok(const struct bg_bridge *br, const struct mon_link *links,
    const struct sensor_rec *r)
{
	const struct bg_link *in;
	struct in_addr sid;

	if (r->dhcp.op != 2)
		return false;
	/* From the host itself, or a trusted port of the guest's bridge. */
	if (r->peer != 0 && ((in = mon_link_get(links, r->peer)) == NULL ||
	    bridge_port_kind(br, in->name, NULL) != PORT_TRUSTED))
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
	struct in_addr a[BG_MAX_LEARNED4];
	struct binding *b;
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
	n = bindings_of_port(&s->t, g->port, a, BG_MAX_LEARNED4);
	for (i = 0; i < n && i < BG_MAX_LEARNED4; i++)
		if ((b = bindings_find(&s->t, &a[i])) != NULL)
			unbind(s, p, b, W_NAK);
	if (n)
		save(s);
}

/* What the guest sent a server, from its own port. */
static void
from_guest(struct snoop *s, struct policy *p, const struct bg_guest *g,
    const struct sensor_rec *r)
{
	const struct dhcp_info *d = &r->dhcp;
	struct binding *b;
	struct in_addr a;

	if (d->op != 1)
		return;
	if (d->type == DHCPRELEASE)
		memcpy(&a, d->ciaddr, 4);
	else if (d->type == DHCPDECLINE && d->has_requested)
		memcpy(&a, d->requested, 4);
	else
		return;
	/* Only the port that has the binding can give it back. */
	if ((b = bindings_find(&s->t, &a)) == NULL ||
	    strcmp(b->port, g->port) != 0)
		return;
	unbind(s, p, b, d->type == DHCPRELEASE ? W_RELEASE : W_DECLINE);
	save(s);
}

void
snoop_dhcp(struct snoop *s, struct policy *p, const struct mon_link *links,
    const struct sensor_rec *r)
{
	const struct bg_link *l = mon_link_get(links, r->ifindex);
	struct bg_bridge *br = NULL;
	const struct bg_guest *g;
	uint8_t t = r->dhcp.type;

	/* What changes nothing is left before any lookup: a guest's
	 * DISCOVERs and REQUESTs are most of what it sends. */
	if (r->outgoing ? t != DHCPACK && t != DHCPNAK :
	    t != DHCPRELEASE && t != DHCPDECLINE)
		return;
	if (l == NULL || (g = config_guest(policy_config(p), l->name,
	    &br)) == NULL || !guest_learns4(g))
		return;
	/* Its own MAC: the kernel drops a request naming another. */
	if (!r->dhcp.eth || memcmp(r->dhcp.chaddr, g->mac, 6) != 0)
		return;
	if (r->outgoing)
		from_server(s, p, br, g, links, r);
	else
		from_guest(s, p, g, r);
}

static void
expired(const struct binding *b, void *arg)
{
	char (*ports)[BG_IFNAMSIZ] = arg;
	size_t i;

	emit(EV_BINDING_REMOVE, b, why_names[W_EXPIRE], -1);
	/* Remember the port (at most the table's size) to refill it. */
	for (i = 0; ports[i][0] && strcmp(ports[i], b->port) != 0; i++)
		;
	memcpy(ports[i], b->port, BG_IFNAMSIZ);
}

static struct over *
over_of(struct snoop *s, enum rs_family fam, const char *port)
{
	struct over *o;
	size_t i, cap;

	for (i = 0; i < s->n_over; i++)
		if (s->over[i].fam == fam && strcmp(s->over[i].port, port) == 0)
			return &s->over[i];
	if (s->n_over == s->cap_over) {
		cap = s->cap_over ? s->cap_over * 2 : 16;
		if ((o = realloc(s->over, cap * sizeof(*o))) == NULL)
			return NULL;
		s->over = o;
		s->cap_over = cap;
	}
	o = &s->over[s->n_over++];
	memset(o, 0, sizeof(*o));
	snprintf(o->port, sizeof(o->port), "%s", port);
	o->fam = fam;
	return o;
}

/*
 * The copies the kernel did not make, over a port's limit: an event for
 * each port whose count grew since the last second. A full replacement
 * restarts the counts from 0.
 */
static void
limits(struct snoop *s)
{
	static const enum rs_family fams[2] = { RS_NETDEV, RS_BRIDGE };
	struct nft_counter *c;
	struct event *e;
	struct over *o;
	char err[256];
	size_t nc, i, f;

	for (f = 0; f < 2; f++) {
		if (nft_set_counters(fams[f], RS_LEARN_OVER, &c, &nc, err,
		    sizeof(err)) == -1)
			continue;
		for (i = 0; i < nc; i++) {
			if ((o = over_of(s, fams[f], c[i].port)) == NULL)
				break;
			if (c[i].packets < o->seen)
				o->seen = 0;
			if (c[i].packets == o->seen ||
			    (e = event_new(EV_LEARN_LIMITED, SEV_WARNING)) ==
			    NULL)
				continue;
			ev_str(e, "port", c[i].port);
			ev_str(e, "direction", fams[f] == RS_NETDEV ? "in" :
			    "out");
			ev_int(e, "count", (long long)(c[i].packets - o->seen));
			ev_msg(e, "%s: %llu DHCP message(s) %s it not seen by "
			    "snooping (over its limit)", c[i].port,
			    (unsigned long long)(c[i].packets - o->seen),
			    fams[f] == RS_NETDEV ? "from" : "to");
			event_emit(e);
			o->seen = c[i].packets;
		}
		free(c);
	}
}

void
snoop_tick(struct snoop *s, struct policy *p)
{
	char (*ports)[BG_IFNAMSIZ];
	size_t i, n = s->t.n;
	int64_t now = wall_now();

	/* guest add or libvirt replaced guests: leases they lost go. */
	if (policy_generation(p) != s->gen)
		snoop_prune(s, p);
	if (s->learning)
		limits(s);
	for (i = 0; i < s->t.n && s->t.v[i].expires > now; i++)
		;
	if (i == s->t.n)
		return;
	if ((ports = calloc(n + 1, BG_IFNAMSIZ)) == NULL)
		return;
	if (bindings_expire(&s->t, now, expired, ports) > 0) {
		for (i = 0; ports[i][0]; i++)
			refill(s, p, ports[i]);
		save(s);
	}
	free(ports);
}

/*
 * cfg's guests by port and configured addresses by owner, for a pass over
 * every binding (start, reload): 10,000 of each cost one walk of the
 * config, not one per binding. Without memory for it, the walks.
 */
struct guest_ent {
	char			 key[BG_IFNAMSIZ];
	const struct bg_guest	*g;
	const struct bg_bridge	*b;
};

struct addr_ent {
	struct in_addr		 key;
	char			 port[BG_IFNAMSIZ];
};

struct cfg_index {
	const struct bg_config	*cfg;
	bool			 ok;
	struct hmap		 guests, addrs;
};

static void
index_build(struct cfg_index *x, const struct bg_config *cfg)
{
	const struct bg_guest *g;
	struct guest_ent *ge;
	struct addr_ent *ae;
	char key[BG_IFNAMSIZ];
	size_t i, j, k;
	bool created;

	x->cfg = cfg;
	x->ok = true;
	hmap_init(&x->guests, BG_IFNAMSIZ, sizeof(*ge), SIZE_MAX);
	hmap_init(&x->addrs, sizeof(struct in_addr), sizeof(*ae), SIZE_MAX);
	for (i = 0; x->ok && i < cfg->n_bridges; i++)
		for (j = 0; x->ok && j < cfg->bridges[i].n_guests; j++) {
			g = &cfg->bridges[i].guests[j];
			memset(key, 0, sizeof(key));
			memcpy(key, g->port, strnlen(g->port, BG_IFNAMSIZ - 1));
			if ((ge = hmap_put(&x->guests, key, &created)) == NULL)
				x->ok = false;
			else {
				ge->g = g;
				ge->b = &cfg->bridges[i];
			}
			for (k = 0; x->ok && k < g->n_ip4; k++) {
				if ((ae = hmap_put(&x->addrs, &g->ip4[k],
				    &created)) == NULL)
					x->ok = false;
				else
					memcpy(ae->port, key, sizeof(key));
			}
		}
}

static void
index_free(struct cfg_index *x)
{
	hmap_clear(&x->guests);
	hmap_clear(&x->addrs);
}

static const struct bg_guest *
index_guest(const struct cfg_index *x, const char *port,
    const struct bg_bridge **brp)
{
	struct bg_bridge *br = NULL;
	const struct bg_guest *g;
	const struct guest_ent *ge;
	char key[BG_IFNAMSIZ];

	if (!x->ok) {
		g = config_guest(x->cfg, port, &br);
		*brp = br;
		return g;
	}
	memset(key, 0, sizeof(key));
	memcpy(key, port, strnlen(port, BG_IFNAMSIZ - 1));
	if ((ge = hmap_get(&x->guests, key)) == NULL)
		return NULL;
	*brp = ge->b;
	return ge->g;
}

/* The configured owner of an address (NULL: none), as an entry. */
static const struct addr_ent *
index_owner(const struct cfg_index *x, const struct in_addr *a)
{
	static struct addr_ent slow;
	const struct bg_guest *g;

	if (x->ok)
		return hmap_get(&x->addrs, a);
	if ((g = static_owner(x->cfg, "", a)) == NULL)
		return NULL;
	memcpy(slow.port, g->port, sizeof(slow.port));
	return &slow;
}

/* Is b what cfg still allows: a learning guest of its port, bridge, MAC,
 * and no other guest configured with its address? */
static bool
allowed(const struct cfg_index *x, const struct binding *b)
{
	const struct bg_bridge *br = NULL;
	const struct bg_guest *g = index_guest(x, b->port, &br);
	const struct addr_ent *a;

	return g && guest_learns4(g) && strcmp(br->name, b->bridge) == 0 &&
	    memcmp(g->mac, b->mac, 6) == 0 && !is_static(g, &b->addr) &&
	    ((a = index_owner(x, &b->addr)) == NULL ||
	    strcmp(a->port, b->port) == 0);
}

void
snoop_fill(const struct snoop *s, struct bg_config *cfg)
{
	const struct bg_bridge *br;
	struct bg_guest *g;
	struct cfg_index x;
	size_t i;

	index_build(&x, cfg);
	for (i = 0; i < s->t.n; i++) {
		if (!allowed(&x, &s->t.v[i]))
			continue;
		/* cfg is the caller's to change: the index holds it. */
		g = (struct bg_guest *)index_guest(&x, s->t.v[i].port, &br);
		if (g->n_learned4 < BG_MAX_LEARNED4)
			g->learned4[g->n_learned4++] = s->t.v[i].addr;
	}
	index_free(&x);
}

static int
keep(const struct binding *b, void *arg)
{
	const struct cfg_index *x = arg;
	const struct bg_bridge *br;
	const struct bg_guest *g;
	size_t k;

	if (!allowed(x, b))
		goto gone;
	g = index_guest(x, b->port, &br);
	for (k = 0; k < g->n_learned4; k++)
		if (g->learned4[k].s_addr == b->addr.s_addr)
			return 1;
gone:
	emit(EV_BINDING_REMOVE, b, why_names[W_CONFIG], -1);
	return 0;
}

static bool
any_learning(const struct bg_config *cfg)
{
	size_t i, j;

	for (i = 0; i < cfg->n_bridges; i++)
		for (j = 0; j < cfg->bridges[i].n_guests; j++)
			if (guest_learns4(&cfg->bridges[i].guests[j]))
				return true;
	return false;
}

void
snoop_prune(struct snoop *s, struct policy *p)
{
	struct cfg_index x;

	s->learning = any_learning(policy_config(p));
	s->gen = policy_generation(p);
	index_build(&x, policy_config(p));
	if (bindings_filter(&s->t, keep, &x) > 0)
		save(s);
	index_free(&x);
}
