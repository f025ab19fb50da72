/*
 * Whole-config checks that no single field can make: the same port, MAC or
 * address bound twice, a port both trusted and guest, a bridge twice.
 * Sorting keys makes this O(n log n), which matters at 10,000 guests.
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

enum vkind { V_BRIDGE, V_PORT, V_MAC, V_IP4, V_IP6 };

struct ventry {
	uint8_t		 kind;
	uint8_t		 key[BG_IFNAMSIZ];
	int		 line;
	const char	*owner;		/* the port or bridge it belongs to */
	bool		 trusted;
};

struct vlist {
	struct ventry	*v;
	size_t		 n, cap;
};

static int
vadd(struct vlist *l, enum vkind kind, const void *key, size_t len, int line,
    const char *owner, bool trusted)
{
	struct ventry *e;

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 256;

		if ((e = realloc(l->v, cap * sizeof(*e))) == NULL)
			return -1;
		l->v = e;
		l->cap = cap;
	}
	e = &l->v[l->n++];
	memset(e, 0, sizeof(*e));
	e->kind = (uint8_t)kind;
	memcpy(e->key, key, len);
	e->line = line;
	e->owner = owner;
	e->trusted = trusted;
	return 0;
}

static int
vcmp(const void *a, const void *b)
{
	const struct ventry *x = a, *y = b;
	int c;

	if (x->kind != y->kind)
		return x->kind - y->kind;
	if ((c = memcmp(x->key, y->key, sizeof(x->key))) != 0)
		return c;
	return x->line - y->line;
}

static int
collect_guest(struct vlist *l, const struct bg_guest *g)
{
	size_t i;

	if (vadd(l, V_PORT, g->port, strlen(g->port), g->line, g->port,
	    false) == -1 ||
	    vadd(l, V_MAC, g->mac, 6, g->mac_line ? g->mac_line : g->line,
	    g->port, false) == -1)
		return -1;
	for (i = 0; i < g->n_ip4; i++)
		if (vadd(l, V_IP4, &g->ip4[i], 4, g->ip4_line ?
		    g->ip4_line[i] : g->line, g->port, false) == -1)
			return -1;
	for (i = 0; i < g->n_ip6; i++)
		if (vadd(l, V_IP6, &g->ip6[i], 16, g->ip6_line ?
		    g->ip6_line[i] : g->line, g->port, false) == -1)
			return -1;
	return 0;
}

static int
collect(struct vlist *l, const struct bg_config *cfg)
{
	size_t i, j;

	for (i = 0; i < cfg->n_bridges; i++) {
		const struct bg_bridge *b = &cfg->bridges[i];

		if (vadd(l, V_BRIDGE, b->name, strlen(b->name), b->line,
		    b->name, false) == -1)
			return -1;
		for (j = 0; j < b->n_trusted; j++)
			if (vadd(l, V_PORT, b->trusted[j],
			    strlen(b->trusted[j]), b->line, b->name,
			    true) == -1)
				return -1;
		for (j = 0; j < b->n_guests; j++)
			if (collect_guest(l, &b->guests[j]) == -1)
				return -1;
	}
	return 0;
}

static void
describe(const struct ventry *e, char *buf, size_t len)
{
	char mac[18];

	switch (e->kind) {
	case V_BRIDGE:
	case V_PORT:
		snprintf(buf, len, "%s", (const char *)e->key);
		break;
	case V_MAC:
		snprintf(buf, len, "%s", mac_format(e->key, mac));
		break;
	case V_IP4:
		inet_ntop(AF_INET, e->key, buf, (socklen_t)len);
		break;
	case V_IP6:
		inet_ntop(AF_INET6, e->key, buf, (socklen_t)len);
		break;
	}
}

static void
report(const char *name, const struct ventry *first,
    const struct ventry *dup, char *err, size_t errlen)
{
	static const char *fields[] = { "name", "port", "mac", "ipv4",
	    "ipv6" };
	char what[64];

	describe(dup, what, sizeof(what));
	if (dup->kind == V_BRIDGE)
		snprintf(err, errlen, "%s:%d: bridges.name: bridge %s is "
		    "configured twice (first at line %d)", name, dup->line,
		    what, first->line);
	else if (dup->kind == V_PORT && first->trusted != dup->trusted)
		snprintf(err, errlen, "%s:%d: %s: port %s is both trusted "
		    "and a guest port (line %d)", name, dup->line,
		    dup->trusted ? "trusted-ports" : "port", what,
		    first->line);
	else if (dup->kind == V_PORT)
		snprintf(err, errlen, "%s:%d: %s: port %s is listed twice "
		    "(first at line %d)", name, dup->line,
		    dup->trusted ? "trusted-ports" : "port", what,
		    first->line);
	else
		snprintf(err, errlen, "%s:%d: %s: %s of %s is already bound "
		    "to %s (line %d)", name, dup->line, fields[dup->kind],
		    what, dup->owner, first->owner, first->line);
}

/* A mirror's monitor port: not copied by itself, one mirror each, and
 * not a port whose traffic bridgeguard filters or forwards normally. */
static int
mirror_check(const char *name, const struct bg_config *cfg,
    const struct bg_bridge *b, size_t i, char *err, size_t errlen)
{
	const struct bg_mirror *m = &b->mirrors[i], *o;
	size_t j;

	for (j = 0; j < m->n_from; j++)
		if (m->to[0] && strcmp(m->from[j], m->to) == 0) {
			snprintf(err, errlen, "%s:%d: mirrors[%s].to: %s is also "
			    "in 'from': a mirror cannot copy its own monitor "
			    "port", name, m->line, m->name, m->to);
			return -1;
		}
	if (m->to[0] && (config_guest(cfg, m->to, NULL) ||
	    bridge_is_trusted(b, m->to))) {
		snprintf(err, errlen, "%s:%d: mirrors[%s].to: %s is a %s port; "
		    "a monitor port must be neither guest nor trusted", name,
		    m->line, m->name, m->to, config_guest(cfg, m->to, NULL) ?
		    "guest" : "trusted");
		return -1;
	}
	for (j = 0; j < i; j++) {
		o = &b->mirrors[j];
		if (strcmp(o->name, m->name) == 0) {
			snprintf(err, errlen, "%s:%d: mirrors[%s].name: mirror "
			    "%s is defined twice (line %d)", name, m->line,
			    m->name, m->name, o->line);
			return -1;
		}
		if (m->to[0] && strcmp(o->to, m->to) == 0) {
			snprintf(err, errlen, "%s:%d: mirrors[%s].to: %s is "
			    "already the monitor port of mirror %s", name,
			    m->line, m->name, m->to, o->name);
			return -1;
		}
	}
	return 0;
}

static int
mirrors_check(const char *name, const struct bg_config *cfg, char *err,
    size_t errlen)
{
	const struct bg_mirror *m;
	size_t i, j, n = 0;

	for (i = 0; i < cfg->n_bridges; i++)
		for (j = 0; j < cfg->bridges[i].n_mirrors; j++) {
			m = &cfg->bridges[i].mirrors[j];
			/* Each mirror owns one skb->mark bit. */
			if (++n > BG_MAX_MIRRORS) {
				snprintf(err, errlen, "%s:%d: mirrors: at most "
				    "%d mirrors", name, m->line,
				    BG_MAX_MIRRORS);
				return -1;
			}
			if (m->n_excl > BG_MAX_EXCLUDES) {
				snprintf(err, errlen, "%s:%d: mirrors[%s]."
				    "exclude: at most %d entries", name,
				    m->line, m->name, BG_MAX_EXCLUDES);
				return -1;
			}
			if (mirror_check(name, cfg, &cfg->bridges[i], j, err,
			    errlen) == -1)
				return -1;
		}
	return 0;
}

int
config_validate(const char *name, const struct bg_config *cfg, char *err,
    size_t errlen)
{
	struct vlist l = { NULL, 0, 0 };
	const struct ventry *bad = NULL, *first = NULL;
	size_t i;

	if (collect(&l, cfg) == -1) {
		snprintf(err, errlen, "%s: out of memory", name);
		free(l.v);
		return -1;
	}
	if (l.n > 1)
		qsort(l.v, l.n, sizeof(*l.v), vcmp);
	/* Report the duplicate that comes first in the file. */
	for (i = 1; i < l.n; i++) {
		if (l.v[i].kind != l.v[i - 1].kind ||
		    memcmp(l.v[i].key, l.v[i - 1].key, sizeof(l.v[i].key)))
			continue;
		if (bad == NULL || l.v[i].line < bad->line) {
			bad = &l.v[i];
			first = &l.v[i - 1];
			while (first > l.v && first[-1].kind == bad->kind &&
			    memcmp(first[-1].key, bad->key,
			    sizeof(bad->key)) == 0)
				first--;
		}
	}
	if (bad)
		report(name, first, bad, err, errlen);
	free(l.v);
	if (bad)
		return -1;
	return mirrors_check(name, cfg, err, errlen);
}
