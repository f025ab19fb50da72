/*
 * Snooping's binding table: sensor records (read in snoop_dhcp.c,
 * snoop_nd.c) → bindings → the guest's chains; see snoop.h. What every
 * source shares is here: binding and unbinding with the checks a switch
 * makes whatever taught it the address, expiry, the file, and the pass
 * over every binding when the policy changes.
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
#include "snoop_impl.h"
#include "validate.h"

struct over {
	char		 port[BG_IFNAMSIZ];
	enum rs_family	 fam;
	uint64_t	 seen;
};

static const char *const why_names[] = {
	[W_RELEASE] = "release", [W_DECLINE] = "decline", [W_NAK] = "nak",
	[W_EXPIRE] = "expire", [W_REASSIGNED] = "reassigned",
	[W_CONFIG] = "config", [W_CONFLICT] = "conflict", [W_CAP] = "cap",
	[W_CONTESTED] = "contested",
};

int64_t
snoop_wall(void)
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
	if (bindings_load(&s->t, s->path, snoop_wall(), &bad) == -1)
		log_warn("reading %s; starting with no bindings", s->path);
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
	free(s->dad);
	free(s);
}

void
snoop_save(struct snoop *s)
{
	s->dirty = false;
	if (bindings_save(&s->t, s->path) == -1)
		log_warn("writing %s", s->path);
}

static void
emit_msg(struct event *e, enum ev_type type, const struct binding *b,
    const char *why)
{
	const char *src = bind_source_name(b->source);
	char a[INET6_ADDRSTRLEN];

	bind_ntop(&b->addr, a);
	if (type == EV_BINDING_ADD)
		ev_msg(e, "%s bound to %s (%s)", a, b->port, src);
	else if (type == EV_BINDING_RENEW)
		ev_msg(e, "%s's %s binding of %s renewed", b->port, src, a);
	else if (type == EV_BINDING_REMOVE)
		ev_msg(e, "%s unbound from %s (%s)", a, b->port, why);
	else
		ev_msg(e, "%s not bound to %s: %s", a, b->port, why);
}

static void
emit(enum ev_type type, const struct binding *b, const char *why,
    int64_t lease)
{
	struct event *e = event_new(type, type == EV_BINDING_REFUSED ?
	    SEV_WARNING : SEV_INFO);
	struct in_addr a4;

	if (e == NULL)
		return;
	ev_str(e, "bridge", b->bridge);
	ev_str(e, "port", b->port);
	ev_mac(e, "mac", b->mac);
	if (bind_af(&b->addr) == AF_INET) {
		bind_get4(&b->addr, &a4);
		ev_ip(e, "ip", AF_INET, &a4);
	} else
		ev_ip(e, "ip", AF_INET6, &b->addr);
	ev_str(e, "source", bind_source_name(b->source));
	if (lease >= 0)
		ev_int(e, "lease", lease);
	ev_str(e, "reason", why);
	emit_msg(e, type, b, why);
	event_emit(e);
}

/* The port's addresses from the table into its chains. */
static int
refill(struct snoop *s, struct policy *p, const char *port)
{
	struct in_addr a4[BG_MAX_LEARNED4];
	struct in6_addr a6[BG_MAX_LEARNED6];
	size_t n4 = bindings_of_port(&s->t, port, AF_INET, a4,
	    BG_MAX_LEARNED4);
	size_t n6 = bindings_of_port(&s->t, port, AF_INET6, a6,
	    BG_MAX_LEARNED6);
	char err[512];

	if (n4 > BG_MAX_LEARNED4)
		n4 = BG_MAX_LEARNED4;
	if (n6 > BG_MAX_LEARNED6)
		n6 = BG_MAX_LEARNED6;
	if (policy_guest_learned(p, port, a4, n4, a6, n6, err,
	    sizeof(err)) == -1) {
		log_warnx("binding of %s: %s", port, err);
		return -1;
	}
	return 0;
}

void
snoop_unbind(struct snoop *s, struct policy *p, const char *port,
    const struct in6_addr *a, enum snoop_why why)
{
	struct binding *b = bindings_find(&s->t, a), gone;

	if (b == NULL || strcmp(b->port, port) != 0)
		return;
	gone = *b;
	bindings_remove(&s->t, gone.port, &gone.addr);
	refill(s, p, gone.port);
	emit(EV_BINDING_REMOVE, &gone, why_names[why], -1);
	snoop_save(s);
}

bool
snoop_from_server(const struct bg_bridge *br, const struct mon_link *links,
    int peer)
{
	const struct bg_link *in;

	return peer == 0 || ((in = mon_link_get(links, peer)) != NULL &&
	    bridge_port_kind(br, in->name, NULL) == PORT_TRUSTED);
}

/* Does g learn what src teaches: its family, and for DAD, SLAAC's
 * addresses or (a DHCPv6 guest) its link-local one? */
bool
snoop_may_learn(const struct bg_guest *g, enum bind_source src,
    const struct in6_addr *a)
{
	if (bind_af(a) == AF_INET)
		return src == BS_DHCP && guest_learns4(g);
	if (src == BS_DHCP6)
		return (g->learn & LEARN_DHCP6) != 0;
	return src == BS_DAD && ((g->learn & LEARN_SLAAC) ||
	    (guest_learns6(g) && IN6_IS_ADDR_LINKLOCAL(a)));
}

bool
snoop_is_static(const struct bg_guest *g, const struct in6_addr *a)
{
	struct in6_addr ll;
	struct in_addr a4;
	size_t k;

	if (bind_af(a) == AF_INET) {
		bind_get4(a, &a4);
		for (k = 0; k < g->n_ip4; k++)
			if (g->ip4[k].s_addr == a4.s_addr)
				return true;
		return false;
	}
	mac_to_linklocal(g->mac, &ll);
	if (memcmp(&ll, a, sizeof(ll)) == 0)
		return true;
	for (k = 0; k < g->n_ip6; k++)
		if (memcmp(&g->ip6[k], a, sizeof(*a)) == 0)
			return true;
	return false;
}

const struct bg_guest *
snoop_owner(const struct bg_config *cfg, const char *port,
    const struct in6_addr *a)
{
	const struct bg_guest *g;
	size_t i, j;

	for (i = 0; i < cfg->n_bridges; i++)
		for (j = 0; j < cfg->bridges[i].n_guests; j++) {
			g = &cfg->bridges[i].guests[j];
			if (strcmp(g->port, port) != 0 && snoop_is_static(g, a))
				return g;
		}
	return NULL;
}

/* The checks before a binding, in the order that loses nothing. */
static int
bind_refused(struct snoop *s, struct policy *p, const struct bg_bridge *br,
    const struct bg_guest *g, const struct binding *b, bool take,
    int64_t lease)
{
	const struct binding *old = bindings_find(&s->t, &b->addr);

	if (snoop_owner(policy_config(p), g->port, &b->addr) ||
	    (old && strcmp(old->port, g->port) != 0 && !take)) {
		emit(EV_BINDING_REFUSED, b, why_names[W_CONFLICT], lease);
		return -1;
	}
	/* Full: refused before anyone loses anything. */
	if ((old == NULL || strcmp(old->port, g->port) != 0) &&
	    bindings_of_port(&s->t, g->port, bind_af(&b->addr), NULL, 0) >=
	    bridge_learn_cap(br, bind_af(&b->addr))) {
		emit(EV_BINDING_REFUSED, b, why_names[W_CAP], lease);
		return -1;
	}
	/* Given to this guest: whoever had it has no more. */
	if (old != NULL && strcmp(old->port, g->port) != 0)
		snoop_unbind(s, p, old->port, &b->addr, W_REASSIGNED);
	return 0;
}

/* The binding of a to g (of br), learned from src, until expires. */
static void
binding_of(struct binding *b, const struct bg_bridge *br,
    const struct bg_guest *g, const struct in6_addr *a, enum bind_source src,
    int64_t expires)
{
	memset(b, 0, sizeof(*b));
	memcpy(b->bridge, br->name, sizeof(b->bridge));
	memcpy(b->port, g->port, sizeof(b->port));
	memcpy(b->mac, g->mac, 6);
	b->addr = *a;
	b->source = (uint8_t)src;
	b->expires = expires;
}

void
snoop_refused(const struct bg_bridge *br, const struct bg_guest *g,
    const struct in6_addr *a, enum bind_source src, enum snoop_why why)
{
	struct binding b;

	binding_of(&b, br, g, a, src, 0);
	emit(EV_BINDING_REFUSED, &b, why_names[why], -1);
}

const struct bg_guest *
snoop_guest_at(struct policy *p, const struct mon_link *links, int ifindex,
    struct bg_bridge **brp)
{
	const struct bg_link *l = mon_link_get(links, ifindex);

	return l ? config_guest(policy_config(p), l->name, brp) : NULL;
}

int
snoop_bind(struct snoop *s, struct policy *p, const struct bg_bridge *br,
    const struct bg_guest *g, const struct in6_addr *a, int64_t expires,
    enum bind_source src, int64_t lease, bool take)
{
	struct binding b;
	int rc;

	binding_of(&b, br, g, a, src, expires);
	if (snoop_is_static(g, a))
		return 0;		/* bound already, for good */
	if (bind_refused(s, p, br, g, &b, take, lease) == -1)
		return -1;
	if ((rc = bindings_add(&s->t, &b, bridge_learn_cap(br,
	    bind_af(a)))) == -1) {
		log_warn("binding of %s", g->port);
		return -1;
	}
	if (rc == BIND_NEW && refill(s, p, g->port) == -1) {
		bindings_remove(&s->t, g->port, a);
		return -1;
	}
	emit(rc == BIND_NEW ? EV_BINDING_ADD : EV_BINDING_RENEW, &b, NULL,
	    lease);
	snoop_save(s);
	return 0;
}

/* Renewals by use move an expiry by this much at least: an address in
 * steady use costs a write of the file an hour, not one a second. */
#define TOUCH_STEP	3600

void
snoop_touch(struct snoop *s, const char *port, const struct in6_addr *a,
    int64_t expires)
{
	struct binding *b = bindings_find(&s->t, a);

	if (b == NULL || strcmp(b->port, port) != 0 || b->source != BS_DAD ||
	    b->expires == BIND_FOREVER || expires - b->expires < TOUCH_STEP)
		return;
	b->expires = expires;
	s->dirty = true;
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
	int64_t now = snoop_wall();

	/* guest add or libvirt replaced guests: leases they lost go. */
	if (policy_generation(p) != s->gen)
		snoop_prune(s, p);
	if (s->learning)
		limits(s);
	for (i = 0; i < s->t.n && s->t.v[i].expires > now; i++)
		;
	if (i == s->t.n) {
		if (s->dirty)
			snoop_save(s);
		return;
	}
	if ((ports = calloc(n + 1, BG_IFNAMSIZ)) == NULL)
		return;
	if (bindings_expire(&s->t, now, expired, ports) > 0) {
		for (i = 0; ports[i][0]; i++)
			refill(s, p, ports[i]);
		snoop_save(s);
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
	struct in6_addr		 key;	/* IPv4-mapped for IPv4 */
	char			 port[BG_IFNAMSIZ];
};

struct cfg_index {
	const struct bg_config	*cfg;
	bool			 ok;
	struct hmap		 guests, addrs;
};

static void
index_addr(struct cfg_index *x, const struct in6_addr *a, const char *key)
{
	struct addr_ent *ae;
	bool created;

	if ((ae = hmap_put(&x->addrs, a, &created)) == NULL)
		x->ok = false;
	else
		memcpy(ae->port, key, sizeof(ae->port));
}

/* g's configured and derived addresses, as bindings hold them. */
static void
index_guest_addrs(struct cfg_index *x, const struct bg_guest *g,
    const char *key)
{
	struct in6_addr a;
	size_t k;

	for (k = 0; x->ok && k < g->n_ip4; k++) {
		bind_addr4(&a, &g->ip4[k]);
		index_addr(x, &a, key);
	}
	for (k = 0; x->ok && k < g->n_ip6; k++)
		index_addr(x, &g->ip6[k], key);
	mac_to_linklocal(g->mac, &a);
	if (x->ok)
		index_addr(x, &a, key);
}

static void
index_build(struct cfg_index *x, const struct bg_config *cfg)
{
	const struct bg_guest *g;
	struct guest_ent *ge;
	char key[BG_IFNAMSIZ];
	size_t i, j;
	bool created;

	x->cfg = cfg;
	x->ok = true;
	hmap_init(&x->guests, BG_IFNAMSIZ, sizeof(*ge), SIZE_MAX);
	hmap_init(&x->addrs, sizeof(struct in6_addr),
	    sizeof(struct addr_ent), SIZE_MAX);
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
			index_guest_addrs(x, g, key);
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
index_owner(const struct cfg_index *x, const struct in6_addr *a)
{
	static struct addr_ent slow;
	const struct bg_guest *g;

	if (x->ok)
		return hmap_get(&x->addrs, a);
	if ((g = snoop_owner(x->cfg, "", a)) == NULL)
		return NULL;
	memcpy(slow.port, g->port, sizeof(slow.port));
	return &slow;
}

/* Is b what cfg still allows: a guest of its port, bridge and MAC that
 * learns what b's source teaches, and no other guest configured with its
 * address? */
static bool
allowed(const struct cfg_index *x, const struct binding *b)
{
	const struct bg_bridge *br = NULL;
	const struct bg_guest *g = index_guest(x, b->port, &br);
	const struct addr_ent *a;

	return g && snoop_may_learn(g, b->source, &b->addr) &&
	    strcmp(br->name, b->bridge) == 0 &&
	    memcmp(g->mac, b->mac, 6) == 0 &&
	    ((a = index_owner(x, &b->addr)) == NULL ||
	    strcmp(a->port, b->port) == 0) && !snoop_is_static(g, &b->addr);
}

void
snoop_fill(const struct snoop *s, struct bg_config *cfg)
{
	const struct bg_bridge *br;
	const struct binding *b;
	struct bg_guest *g;
	struct cfg_index x;
	size_t i;

	index_build(&x, cfg);
	for (i = 0; i < s->t.n; i++) {
		b = &s->t.v[i];
		if (!allowed(&x, b))
			continue;
		/* cfg is the caller's to change: the index holds it. */
		g = (struct bg_guest *)index_guest(&x, b->port, &br);
		/* A cap lowered since: the rest goes at the next prune. */
		if (bind_af(&b->addr) == AF_INET &&
		    g->n_learned4 < bridge_learn_cap(br, AF_INET))
			bind_get4(&b->addr, &g->learned4[g->n_learned4++]);
		else if (bind_af(&b->addr) == AF_INET6 &&
		    g->n_learned6 < bridge_learn_cap(br, AF_INET6))
			g->learned6[g->n_learned6++] = b->addr;
	}
	index_free(&x);
}

/* Is b among what g has learned, in the policy in force? */
static bool
in_force(const struct bg_guest *g, const struct binding *b)
{
	struct in_addr a4;
	size_t k;

	if (bind_af(&b->addr) == AF_INET6) {
		for (k = 0; k < g->n_learned6; k++)
			if (memcmp(&g->learned6[k], &b->addr, 16) == 0)
				return true;
		return false;
	}
	bind_get4(&b->addr, &a4);
	for (k = 0; k < g->n_learned4; k++)
		if (g->learned4[k].s_addr == a4.s_addr)
			return true;
	return false;
}

static int
keep(const struct binding *b, void *arg)
{
	const struct cfg_index *x = arg;
	const struct bg_bridge *br;

	if (allowed(x, b) && in_force(index_guest(x, b->port, &br), b))
		return 1;
	emit(EV_BINDING_REMOVE, b, why_names[W_CONFIG], -1);
	return 0;
}

static bool
any_learning(const struct bg_config *cfg)
{
	size_t i, j;

	for (i = 0; i < cfg->n_bridges; i++)
		for (j = 0; j < cfg->bridges[i].n_guests; j++)
			if (guest_learns4(&cfg->bridges[i].guests[j]) ||
			    guest_learns6(&cfg->bridges[i].guests[j]))
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
		snoop_save(s);
	index_free(&x);
}
