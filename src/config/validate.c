/*
 * The one validator: a policy read from a file, reloaded, or changed at
 * run time by `guest add` is checked by these rules and no others.
 *
 * Fields: what a guest may be bound to (guest_check() and the *_unbindable
 * predicates the parser uses too). Claims: every bridge, port, MAC,
 * address (a guest's link-local one included) and mirror name the policy
 * binds has one owner; two owners of one thing are a conflict. A whole
 * config's claims are sorted, which is O(n log n) at 10,000 guests
 * (config_validate()); one guest's are compared with the rest in one pass
 * (config_check_guest()), so that a runtime change costs no full check.
 * Both report a conflict in the same words, and both hold every guest to
 * guest_check(), wherever it came from (a file, libvirt, `guest add`).
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "validate.h"

/* In the order conflicts are looked for: a MAC before its link-local. */
enum ckind { V_BRIDGE, V_PORT, V_MAC, V_IP4, V_IP6, V_MIRROR };
enum crole { C_GUEST, C_TRUSTED, C_MONITOR, C_OTHER, C_BRIDGE };

#define CLAIM_KEY	32	/* a mirror's name is the longest */

struct claim {
	uint8_t		 kind;
	uint8_t		 key[CLAIM_KEY];
	uint8_t		 role;		/* V_PORT */
	bool		 derived;	/* V_IP6: the link-local of its MAC */
	int		 line;
	const char	*owner;		/* port, bridge or mirror */
};

struct claims {
	struct claim	*v;
	size_t		 n, cap;
};

typedef int	(*claim_fn)(const struct claim *, void *arg);

const char *
mac_unbindable(const uint8_t mac[6])
{
	static const uint8_t zero[6];

	if (mac[0] & 1)
		return "is a multicast address";
	if (memcmp(mac, zero, 6) == 0)
		return "cannot be a guest's address";
	return NULL;
}

const char *
ip4_unbindable(const struct in_addr *a)
{
	uint32_t h = ntohl(a->s_addr);

	if (h == 0 || h == 0xffffffff || (h >> 28) == 0xe || (h >> 24) == 127)
		return "cannot be a guest's address";
	return NULL;
}

const char *
ip6_unbindable(const struct in6_addr *a)
{
	if (IN6_IS_ADDR_UNSPECIFIED(a) || IN6_IS_ADDR_MULTICAST(a) ||
	    IN6_IS_ADDR_LOOPBACK(a) || IN6_IS_ADDR_V4MAPPED(a))
		return "cannot be a guest's address";
	return NULL;
}

const char *
port_unusable(const char *name)
{
	if (strcmp(name, "lo") == 0)
		return "is the loopback device, never a bridge port";
	return NULL;
}

static int __attribute__((format(printf, 3, 4)))
fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

static int
addrs_check(int af, const void *a, size_t n, char *err, size_t errlen)
{
	size_t sz = af == AF_INET ? 4 : 16, i, j;
	const uint8_t *p = a;
	char buf[INET6_ADDRSTRLEN];
	const char *why;

	for (i = 0; i < n; i++) {
		inet_ntop(af, p + i * sz, buf, sizeof(buf));
		why = af == AF_INET ? ip4_unbindable((const struct in_addr *)
		    (const void *)(p + i * sz)) : ip6_unbindable(
		    (const struct in6_addr *)(const void *)(p + i * sz));
		if (why)
			return fail(err, errlen, "%s: %s %s", af == AF_INET ?
			    "ipv4" : "ipv6", buf, why);
		for (j = 0; j < i; j++)
			if (memcmp(p + i * sz, p + j * sz, sz) == 0)
				return fail(err, errlen, "%s: %s is given "
				    "twice", af == AF_INET ? "ipv4" : "ipv6",
				    buf);
	}
	return 0;
}

int
guest_check(const struct bg_guest *g, char *err, size_t errlen)
{
	char m[18];
	const char *why;

	if (!ifname_valid(g->port))
		return fail(err, errlen, "port: not a valid interface name");
	if (port_unusable(g->port))
		return fail(err, errlen, "port: %s %s", g->port,
		    port_unusable(g->port));
	if ((why = mac_unbindable(g->mac)) != NULL)
		return fail(err, errlen, "mac: %s %s", mac_format(g->mac, m),
		    why);
	if (addrs_check(AF_INET, g->ip4, g->n_ip4, err, errlen) == -1 ||
	    addrs_check(AF_INET6, g->ip6, g->n_ip6, err, errlen) == -1)
		return -1;
	return 0;
}

static int
claim(claim_fn fn, void *arg, enum ckind kind, const void *key, size_t len,
    int line, const char *owner, enum crole role, bool derived)
{
	struct claim c;

	memset(&c, 0, sizeof(c));
	c.kind = (uint8_t)kind;
	memcpy(c.key, key, len < CLAIM_KEY ? len : CLAIM_KEY);
	c.role = (uint8_t)role;
	c.derived = derived;
	c.line = line;
	c.owner = owner;
	return fn(&c, arg);
}

static int
guest_claims(const struct bg_guest *g, claim_fn fn, void *arg)
{
	int mline = g->mac_line ? g->mac_line : g->line;
	struct in6_addr ll;
	size_t i;

	mac_to_linklocal(g->mac, &ll);
	if (claim(fn, arg, V_PORT, g->port, strlen(g->port), g->line, g->port,
	    C_GUEST, false) == -1 ||
	    claim(fn, arg, V_MAC, g->mac, 6, mline, g->port, C_OTHER,
	    false) == -1 ||
	    claim(fn, arg, V_IP6, &ll, 16, mline, g->port, C_OTHER, true) == -1)
		return -1;
	for (i = 0; i < g->n_ip4; i++)
		if (claim(fn, arg, V_IP4, &g->ip4[i], 4, g->ip4_line ?
		    g->ip4_line[i] : g->line, g->port, C_OTHER, false) == -1)
			return -1;
	for (i = 0; i < g->n_ip6; i++)
		if (claim(fn, arg, V_IP6, &g->ip6[i], 16, g->ip6_line ?
		    g->ip6_line[i] : g->line, g->port, C_OTHER, false) == -1)
			return -1;
	/* Learned ones too: a guest added at run time may not take a
	 * lease another guest holds. (A file has none.) */
	for (i = 0; i < g->n_learned4; i++)
		if (claim(fn, arg, V_IP4, &g->learned4[i], 4, g->line,
		    g->port, C_OTHER, false) == -1)
			return -1;
	for (i = 0; i < g->n_learned6; i++)
		if (claim(fn, arg, V_IP6, &g->learned6[i], 16, g->line,
		    g->port, C_OTHER, false) == -1)
			return -1;
	return 0;
}

/* Every claim of b but its guests'. */
static int
bridge_claims(const struct bg_bridge *b, claim_fn fn, void *arg)
{
	const struct bg_mirror *m;
	size_t i;

	/* A bridge is no port (of itself or of another bridge). */
	if (claim(fn, arg, V_BRIDGE, b->name, strlen(b->name), b->line,
	    b->name, C_OTHER, false) == -1 ||
	    claim(fn, arg, V_PORT, b->name, strlen(b->name), b->line,
	    b->name, C_BRIDGE, false) == -1)
		return -1;
	for (i = 0; i < b->n_trusted; i++)
		if (claim(fn, arg, V_PORT, b->trusted[i], strlen(b->trusted[i]),
		    b->line, b->name, C_TRUSTED, false) == -1)
			return -1;
	for (i = 0; i < b->n_mirrors; i++) {
		m = &b->mirrors[i];
		if (claim(fn, arg, V_MIRROR, m->name, strlen(m->name), m->line,
		    m->name, C_OTHER, false) == -1 ||
		    (m->to[0] && claim(fn, arg, V_PORT, m->to, strlen(m->to),
		    m->line, m->name, C_MONITOR, false) == -1))
			return -1;
	}
	return 0;
}

/* Are two claims of one thing a conflict? Only a guest's own addresses
 * may meet: its link-local, listed as well. */
static bool
conflict(const struct claim *a, const struct claim *b)
{
	return !(a->kind == V_IP6 && (a->derived || b->derived) &&
	    strcmp(a->owner, b->owner) == 0);
}

static void
describe(const struct claim *c, char *buf, size_t len)
{
	char mac[18];

	switch (c->kind) {
	case V_MAC:
		snprintf(buf, len, "%s", mac_format(c->key, mac));
		break;
	case V_IP4:
		inet_ntop(AF_INET, c->key, buf, (socklen_t)len);
		break;
	case V_IP6:
		inet_ntop(AF_INET6, c->key, buf, (socklen_t)len);
		break;
	default:
		snprintf(buf, len, "%.*s", CLAIM_KEY, (const char *)c->key);
	}
}

static const char *const fields[] = { "name", "port", "mac", "ipv4",
    "ipv6", "name" };

/* A monitor port claimed by something else, in the file's words. */
static void
report_monitor(const char *name, const struct claim *first,
    const struct claim *dup, char *err, size_t errlen)
{
	const struct claim *mon = dup->role == C_MONITOR ? dup : first;
	const struct claim *other = mon == dup ? first : dup;
	char what[64];

	describe(dup, what, sizeof(what));
	if (other->role == C_BRIDGE)
		snprintf(err, errlen, "%s:%d: mirrors[%s].to: %s is a bridge "
		    "(line %d), not a port", name, mon->line, mon->owner, what,
		    other->line);
	else if (other->role == C_MONITOR)
		snprintf(err, errlen, "%s:%d: mirrors[%s].to: %s is already "
		    "the monitor port of mirror %s", name, dup->line,
		    dup->owner, what, first->owner);
	else
		snprintf(err, errlen, "%s:%d: mirrors[%s].to: %s is a %s port; "
		    "a monitor port must be neither guest nor trusted", name,
		    mon->line, mon->owner, what, other->role == C_GUEST ?
		    "guest" : "trusted");
}

/* A conflict found in a file: first is the claim that came first. */
static void
report_file(const char *name, const struct claim *first,
    const struct claim *dup, char *err, size_t errlen)
{
	const char *field = dup->role == C_TRUSTED ? "trusted-ports" :
	    fields[dup->kind];
	char what[64];

	describe(dup, what, sizeof(what));
	if (dup->kind == V_BRIDGE)
		snprintf(err, errlen, "%s:%d: bridges.name: bridge %s is "
		    "configured twice (first at line %d)", name, dup->line,
		    what, first->line);
	else if (dup->kind == V_MIRROR)
		snprintf(err, errlen, "%s:%d: mirrors[%s].name: mirror %s is "
		    "defined twice (line %d)", name, dup->line, what, what,
		    first->line);
	else if (dup->kind == V_PORT && (dup->role == C_MONITOR ||
	    first->role == C_MONITOR))
		report_monitor(name, first, dup, err, errlen);
	else if (dup->kind == V_PORT && (dup->role == C_BRIDGE ||
	    first->role == C_BRIDGE))
		snprintf(err, errlen, "%s:%d: %s: %s is a bridge (line %d), "
		    "not a port", name, dup->line, dup->role == C_BRIDGE ?
		    "bridges.name" : field, what, dup->role == C_BRIDGE ?
		    dup->line : first->line);
	else if (dup->kind == V_PORT && first->role != dup->role)
		snprintf(err, errlen, "%s:%d: %s: port %s is both trusted "
		    "and a guest port (line %d)", name, dup->line, field, what,
		    first->line);
	else if (dup->kind == V_PORT)
		snprintf(err, errlen, "%s:%d: %s: port %s is listed twice "
		    "(first at line %d)", name, dup->line, field, what,
		    first->line);
	else
		snprintf(err, errlen, "%s:%d: %s: %s of %s is already bound "
		    "to %s (line %d)", name, dup->line, field, what,
		    dup->owner, first->owner, first->line);
}

/* A conflict of a guest being added (mine) with the policy (theirs). */
static void
report_runtime(const struct claim *theirs, const struct claim *mine,
    char *err, size_t errlen)
{
	char what[64];

	describe(mine, what, sizeof(what));
	if (mine->kind == V_PORT)
		snprintf(err, errlen, "port %s is %s", what,
		    theirs->role == C_BRIDGE ? "a bridge" :
		    theirs->role == C_TRUSTED ? "a trusted port" :
		    theirs->role == C_MONITOR ? "a mirror's monitor port" :
		    "bound twice");
	else
		snprintf(err, errlen, "%s %s is already bound to port %s",
		    fields[mine->kind], what, theirs->owner);
}

static int
ccmp(const void *a, const void *b)
{
	const struct claim *x = a, *y = b;
	int c;

	if (x->kind != y->kind)
		return x->kind - y->kind;
	if ((c = memcmp(x->key, y->key, sizeof(x->key))) != 0)
		return c;
	if (x->line != y->line)
		return x->line - y->line;
	/* On one line, a bridge's name comes before its trusted ports. */
	return (y->role == C_BRIDGE) - (x->role == C_BRIDGE);
}

static int
keycmp(const void *a, const void *b)
{
	const struct claim *x = a, *y = b;

	if (x->kind != y->kind)
		return x->kind - y->kind;
	return memcmp(x->key, y->key, sizeof(x->key));
}

static int
append(const struct claim *c, void *arg)
{
	struct claims *l = arg;
	struct claim *v;

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 256;

		if ((v = realloc(l->v, cap * sizeof(*v))) == NULL)
			return -1;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = *c;
	return 0;
}

static int
config_claims(const struct bg_config *cfg, const char *skip, claim_fn fn,
    void *arg)
{
	size_t i, j;

	for (i = 0; i < cfg->n_bridges; i++) {
		const struct bg_bridge *b = &cfg->bridges[i];

		if (bridge_claims(b, fn, arg) == -1)
			return -1;
		for (j = 0; j < b->n_guests; j++)
			if ((skip == NULL || strcmp(b->guests[j].port,
			    skip) != 0) && guest_claims(&b->guests[j], fn,
			    arg) == -1)
				return -1;
	}
	return 0;
}

/*
 * The conflict that comes first in the file, if any: its later claim, and
 * (*firstp) the earliest claim it conflicts with. Claims of one thing are
 * adjacent and in the order of their lines.
 */
static const struct claim *
first_conflict(const struct claims *l, const struct claim **firstp)
{
	const struct claim *bad = NULL, *v = l->v, *earliest;
	size_t i, j;

	*firstp = NULL;
	for (i = 1; i < l->n; i++) {
		earliest = NULL;
		for (j = i; j > 0 && keycmp(&v[j - 1], &v[i]) == 0; j--)
			if (conflict(&v[j - 1], &v[i]))
				earliest = &v[j - 1];
		if (earliest && (bad == NULL || v[i].line < bad->line)) {
			bad = &v[i];
			*firstp = earliest;
		}
	}
	return bad;
}

/* Limits no single field shows: mirrors and their mark bits, excludes,
 * and a mirror that would copy its own monitor port. */
static int
mirrors_check(const char *name, const struct bg_config *cfg, char *err,
    size_t errlen)
{
	const struct bg_mirror *m;
	size_t i, j, k, n = 0;

	for (i = 0; i < cfg->n_bridges; i++)
		for (j = 0; j < cfg->bridges[i].n_mirrors; j++) {
			m = &cfg->bridges[i].mirrors[j];
			/* Each mirror owns one skb->mark bit. */
			if (++n > BG_MAX_MIRRORS)
				return fail(err, errlen, "%s:%d: mirrors: at "
				    "most %d mirrors", name, m->line,
				    BG_MAX_MIRRORS);
			if (m->n_excl > BG_MAX_EXCLUDES)
				return fail(err, errlen, "%s:%d: mirrors[%s]."
				    "exclude: at most %d entries", name,
				    m->line, m->name, BG_MAX_EXCLUDES);
			for (k = 0; k < m->n_from; k++)
				if (m->to[0] && strcmp(m->from[k], m->to) == 0)
					return fail(err, errlen, "%s:%d: "
					    "mirrors[%s].to: %s is also in "
					    "'from': a mirror cannot copy its "
					    "own monitor port", name, m->line,
					    m->name, m->to);
		}
	return 0;
}

/* A port no role may name (the loopback device), whatever its role. */
static int
unusable_check(const char *name, const struct claims *l, char *err,
    size_t errlen)
{
	static const char *const roles[] = { "guests.port", "trusted-ports",
	    "", "port", "bridges.name" };
	const struct claim *c;
	char what[64];
	size_t i;

	for (i = 0; i < l->n; i++) {
		c = &l->v[i];
		describe(c, what, sizeof(what));
		if (c->kind != V_PORT || !port_unusable(what))
			continue;
		if (c->role == C_MONITOR)
			return fail(err, errlen, "%s:%d: mirrors[%s].to: %s %s",
			    name, c->line, c->owner, what, port_unusable(what));
		return fail(err, errlen, "%s:%d: %s: %s %s", name, c->line,
		    roles[c->role], what, port_unusable(what));
	}
	return 0;
}

/*
 * Each guest's fields. The parser has said what is wrong with a file's
 * already, at its line; a guest read from libvirt (line 0) is held to the
 * same rules here as when it comes at run time.
 */
static int
guests_check(const char *name, const struct bg_config *cfg, char *err,
    size_t errlen)
{
	const struct bg_bridge *b;
	const struct bg_guest *g;
	char why[256];
	size_t i, j;

	for (i = 0; i < cfg->n_bridges; i++)
		for (j = 0; j < cfg->bridges[i].n_guests; j++) {
			b = &cfg->bridges[i];
			g = &b->guests[j];
			if (guest_check(g, why, sizeof(why)) == 0)
				continue;
			if (g->line)
				return fail(err, errlen, "%s:%d: guests[%s]: %s",
				    name, g->line, g->port, why);
			return fail(err, errlen, "%s: guest %s of bridge %s: "
			    "%s", name, g->port, b->name, why);
		}
	return 0;
}

int
config_validate(const char *name, const struct bg_config *cfg, char *err,
    size_t errlen)
{
	struct claims l = { NULL, 0, 0 };
	const struct claim *bad, *first;

	if (config_claims(cfg, NULL, append, &l) == -1) {
		free(l.v);
		return fail(err, errlen, "%s: out of memory", name);
	}
	if (l.n > 1)
		qsort(l.v, l.n, sizeof(*l.v), ccmp);
	if ((bad = first_conflict(&l, &first)) != NULL)
		report_file(name, first, bad, err, errlen);
	else if (unusable_check(name, &l, err, errlen) == -1)
		bad = l.v;
	free(l.v);
	if (bad || mirrors_check(name, cfg, err, errlen) == -1)
		return -1;
	return guests_check(name, cfg, err, errlen);
}

/* A guest's claims, sorted, met by the policy's one at a time. */
struct meet {
	struct claims	 mine;
	bool		 met;
	char		*err;
	size_t		 errlen;
};

static int
meet(const struct claim *theirs, void *arg)
{
	struct meet *m = arg;
	const struct claim *mine;

	mine = bsearch(theirs, m->mine.v, m->mine.n, sizeof(*theirs), keycmp);
	if (mine == NULL || !conflict(theirs, mine))
		return 0;
	report_runtime(theirs, mine, m->err, m->errlen);
	m->met = true;
	return -1;
}

int
config_check_guest(const struct bg_config *cfg, const char *bridge,
    const struct bg_guest *g, char *err, size_t errlen)
{
	struct meet m = { { NULL, 0, 0 }, false, err, errlen };
	int rc = -1;

	if (config_bridge(cfg, bridge) == NULL)
		return fail(err, errlen, "bridge %s is not in the "
		    "configuration", bridge);
	if (guest_check(g, err, errlen) == -1)
		return -1;
	if (guest_claims(g, append, &m.mine) == -1) {
		fail(err, errlen, "out of memory");
		goto out;
	}
	qsort(m.mine.v, m.mine.n, sizeof(*m.mine.v), keycmp);
	/* Its own binding, if it has one, is the one it replaces. */
	if (config_claims(cfg, g->port, meet, &m) == -1) {
		if (!m.met)
			fail(err, errlen, "out of memory");
		goto out;
	}
	rc = 0;
out:
	free(m.mine.v);
	return rc;
}
