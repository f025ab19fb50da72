/*
 * Policy change → kernel change, computed without the kernel
 * (kernel/nft_diff.c queues the result).
 *
 * A guest's chains and elements are rs_guest_chains()'s and
 * rs_guest_elems()'s, as for the whole ruleset;
 * tests/unit/kernel/test_diff.c checks that a diff applied to the old
 * ruleset gives exactly the new one.
 */
#include <netinet/in.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diff.h"
#include "entry.h"
#include "guest.h"

static const char *const dset_names[DS_N] = {
	[DS_PORTS] = "guest_ports", [DS_OUT] = "guest_out",
	[DS_UNKNOWN] = "unknown_ports",
};

static void
set_init(struct rs_set *s, int which)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->name, sizeof(s->name), "%s", dset_names[which]);
	s->key[0] = T_IFNAME;
	s->n_key = 1;
	s->vmap = which == DS_OUT;
}

void
diff_init(struct diff *d)
{
	int i;

	memset(d, 0, sizeof(*d));
	for (i = 0; i < DS_N; i++) {
		set_init(&d->add[i], i);
		set_init(&d->del[i], i);
	}
	for (i = 0; i < 2; i++)
		d->mk[i].family = d->re[i].family = d->rm[i].family =
		    (enum rs_family)i;
}

void
diff_free(struct diff *d)
{
	int i;

	for (i = 0; i < DS_N; i++) {
		free(d->add[i].elems);
		free(d->del[i].elems);
	}
	for (i = 0; i < 2; i++) {
		rs_table_free(&d->mk[i]);
		rs_table_free(&d->re[i]);
		rs_table_free(&d->rm[i]);
	}
	free(d->hook.p);
	free(d->unhook.p);
	memset(d, 0, sizeof(*d));
}

bool
diff_empty(const struct diff *d)
{
	int i;

	for (i = 0; i < DS_N; i++)
		if (d->add[i].n || d->del[i].n)
			return false;
	for (i = 0; i < 2; i++)
		if (d->mk[i].n_chains || d->re[i].n_chains ||
		    d->rm[i].n_chains)
			return false;
	return true;
}

/* Appends a port name to a list. -1 on ENOMEM. */
static int
portlist_add(struct portlist *l, const char *name)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		void *p = realloc(l->p, cap * sizeof(*l->p));

		if (p == NULL)
			return -1;
		l->p = p;
		l->cap = cap;
	}
	nameset_key(l->p[l->n++], name);
	return 0;
}

static bool
guest_equal(const struct bg_guest *a, const struct bg_guest *b)
{
	return memcmp(a->mac, b->mac, 6) == 0 && a->learn == b->learn &&
	    a->n_learned4 == b->n_learned4 && memcmp(a->learned4,
	    b->learned4, a->n_learned4 * sizeof(*a->learned4)) == 0 &&
	    a->n_learned6 == b->n_learned6 && memcmp(a->learned6,
	    b->learned6, a->n_learned6 * sizeof(*a->learned6)) == 0 &&
	    a->n_ip4 == b->n_ip4 &&
	    a->n_ip6 == b->n_ip6 && (a->n_ip4 == 0 ||
	    memcmp(a->ip4, b->ip4, a->n_ip4 * sizeof(*a->ip4)) == 0) &&
	    (a->n_ip6 == 0 ||
	    memcmp(a->ip6, b->ip6, a->n_ip6 * sizeof(*a->ip6)) == 0);
}

static int
chains(struct rs_table t[2], const struct bg_guest *g, unsigned int parts)
{
	rs_guest_chains(&t[RS_NETDEV], &t[RS_BRIDGE], g, parts);
	return t[RS_NETDEV].nomem || t[RS_BRIDGE].nomem ? -1 : 0;
}

int
diff_guest(struct diff *d, const struct bg_guest *old,
    const struct bg_guest *new, bool hooked, bool hook)
{
	const unsigned int rest = RS_GC_NETDEV | RS_GC_BRIDGE;

	if (old == NULL && new == NULL)
		return 0;
	if (old == NULL)
		return chains(d->mk, new, rest | (hook ? RS_GC_HOOK : 0)) ||
		    (hook && portlist_add(&d->hook, new->port) == -1) ||
		    rs_guest_elems(new, &d->add[DS_PORTS], &d->add[DS_OUT]) ?
		    -1 : 0;
	if (new == NULL)
		/* The base chain first: its rules jump to the others. */
		return chains(d->rm, old, rest | (hooked ? RS_GC_HOOK : 0)) ||
		    (hooked && portlist_add(&d->unhook, old->port) == -1) ||
		    rs_guest_elems(old, &d->del[DS_PORTS], &d->del[DS_OUT]) ?
		    -1 : 0;
	if (!guest_equal(old, new) && chains(d->re, new, rest | (hooked &&
	    hook ? RS_GC_HOOK : 0)) == -1)
		return -1;
	if (hook && !hooked)
		return chains(d->mk, new, RS_GC_HOOK) ||
		    portlist_add(&d->hook, new->port) ? -1 : 0;
	if (hooked && !hook)
		return chains(d->rm, old, RS_GC_HOOK) ||
		    portlist_add(&d->unhook, old->port) ? -1 : 0;
	return 0;
}

int
diff_rehook(struct diff *d, const struct bg_guest *g)
{
	return chains(d->rm, g, RS_GC_HOOK) || chains(d->mk, g, RS_GC_HOOK) ||
	    portlist_add(&d->unhook, g->port) ||
	    portlist_add(&d->hook, g->port) ? -1 : 0;
}

int
diff_unknown(struct diff *d, const struct nameset *now, const char *port,
    bool want, enum rs_chain_state st)
{
	bool have = nameset_has(now, port);

	if ((want && !have && rs_set_add(&d->add[DS_UNKNOWN], port,
	    NULL) == -1) || (!want && have && rs_set_add(&d->del[DS_UNKNOWN],
	    port, NULL) == -1))
		return -1;
	if (st != RS_CHAIN_ABSENT && (!want || st == RS_CHAIN_UNHOOKED))
		rs_unknown_chain(&d->rm[RS_NETDEV], port);
	if (want && st != RS_CHAIN_HOOKED)
		rs_unknown_chain(&d->mk[RS_NETDEV], port);
	return d->rm[RS_NETDEV].nomem || d->mk[RS_NETDEV].nomem ? -1 : 0;
}

/* Guests sorted by port, for merging two configs. */
struct gref {
	const struct bg_guest	*g;
	const struct bg_bridge	*b;
};

static int
gref_cmp(const void *a, const void *b)
{
	return strcmp(((const struct gref *)a)->g->port,
	    ((const struct gref *)b)->g->port);
}

static struct gref *
guests_sorted(const struct bg_config *cfg, size_t *n)
{
	struct gref *r;
	size_t i, j, k = 0;

	for (i = 0; i < cfg->n_bridges; i++)
		k += cfg->bridges[i].n_guests;
	if ((r = calloc(k + 1, sizeof(*r))) == NULL)
		return NULL;
	for (k = 0, i = 0; i < cfg->n_bridges; i++)
		for (j = 0; j < cfg->bridges[i].n_guests; j++, k++) {
			r[k].g = &cfg->bridges[i].guests[j];
			r[k].b = &cfg->bridges[i];
		}
	qsort(r, k, sizeof(*r), gref_cmp);
	*n = k;
	return r;
}

static const struct gref *
gref_find(const struct gref *r, size_t n, const char *port)
{
	struct bg_guest key;
	struct gref k = { &key, NULL };

	snprintf(key.port, sizeof(key.port), "%s", port);
	return bsearch(&k, r, n, sizeof(*r), gref_cmp);
}

/* What the kernel should have of each guest. */
struct want {
	const struct bg_port	*ports;
	size_t			 n_ports;
	const struct nameset	*hooked;
	const struct rs_kernel	*k;
};

static bool
want_hook(const struct want *w, const char *port)
{
	return w->k->absent_hooks || rs_port_present(w->ports, w->n_ports,
	    port);
}

/* Guests: merge the two sorted guest lists. */
static int
diff_guests(struct diff *d, const struct gref *o, size_t no,
    const struct gref *n, size_t nn, const struct want *w)
{
	const struct bg_guest *a, *b;
	size_t i = 0, j = 0;
	int c;

	while (i < no || j < nn) {
		c = i == no ? 1 : j == nn ? -1 : strcmp(o[i].g->port,
		    n[j].g->port);
		a = c <= 0 ? o[i].g : NULL;
		b = c >= 0 ? n[j].g : NULL;
		if (diff_guest(d, a, b, a && nameset_has(w->hooked, a->port),
		    b && want_hook(w, b->port)) == -1)
			return -1;
		i += c <= 0;
		j += c >= 0;
	}
	return 0;
}

static int
diff_unknowns(struct diff *d, const struct bg_config *cfg,
    const struct gref *n, size_t nn, const struct bg_port *ports,
    size_t n_ports, const struct nameset *now)
{
	struct nameset want;
	struct hmap_iter it = { 0 };
	const struct gref *r;
	const char *name;
	size_t i;
	int rc = -1;

	nameset_init(&want);
	for (i = 0; i < n_ports; i++) {
		r = gref_find(n, nn, ports[i].port);
		if (!config_drops_port(cfg, ports[i].bridge, ports[i].port,
		    r ? r->b : NULL))
			continue;
		/* Its chain came and goes with its element. */
		if (nameset_add(&want, ports[i].port) == -1 ||
		    diff_unknown(d, now, ports[i].port, true,
		    nameset_has(now, ports[i].port) ? RS_CHAIN_HOOKED :
		    RS_CHAIN_ABSENT) == -1)
			goto out;
	}
	while ((name = hmap_next(&now->h, &it)) != NULL)
		if (!nameset_has(&want, name) && diff_unknown(d, now, name,
		    false, rs_port_present(ports, n_ports, name) ?
		    RS_CHAIN_HOOKED : RS_CHAIN_ABSENT) == -1)
			goto out;
	rc = 0;
out:
	nameset_clear(&want);
	return rc;
}

int
diff_configs(struct diff *d, const struct bg_config *old,
    const struct bg_config *new, const struct bg_port *ports, size_t n_ports,
    const struct nameset *unknown, const struct nameset *hooked,
    const struct rs_kernel *k)
{
	struct want w = { ports, n_ports, hooked, k };
	struct gref *o = NULL, *n = NULL;
	size_t no = 0, nn = 0;
	int rc = -1;

	if ((o = guests_sorted(old, &no)) == NULL ||
	    (n = guests_sorted(new, &nn)) == NULL)
		goto out;
	if (diff_guests(d, o, no, n, nn, &w) == -1 ||
	    diff_unknowns(d, new, n, nn, ports, n_ports, unknown) == -1)
		goto out;
	rc = 0;
out:
	free(o);
	free(n);
	return rc;
}

/*
 * Bookkeeping after the kernel said yes. -1 if memory ran out on the way:
 * the hooked or the unknown set then lags the kernel, and the caller must
 * replace the ruleset as a whole before the next diff.
 */
int
diff_done(const struct diff *d, struct nameset *hooked,
    struct nameset *unknown)
{
	size_t i;
	int rc = 0;

	for (i = 0; i < d->unhook.n; i++)
		nameset_del(hooked, d->unhook.p[i]);
	for (i = 0; i < d->hook.n; i++)
		if (nameset_add(hooked, d->hook.p[i]) == -1)
			rc = -1;
	for (i = 0; i < d->del[DS_UNKNOWN].n; i++)
		nameset_del(unknown,
		    (const char *)d->del[DS_UNKNOWN].elems[i].key);
	for (i = 0; i < d->add[DS_UNKNOWN].n; i++)
		if (nameset_add(unknown,
		    (const char *)d->add[DS_UNKNOWN].elems[i].key) == -1)
			rc = -1;
	return rc;
}

int
diff_hooked(struct nameset *hooked, const struct ruleset *rs)
{
	const struct rs_table *t = &rs->netdev;
	size_t i;

	for (i = 0; i < t->n_chains; i++)
		if (t->chains[i]->role == ROLE_GUEST &&
		    t->chains[i]->hook != H_NONE &&
		    nameset_add(hooked, t->chains[i]->port) == -1)
			return -1;
	return 0;
}

const char *
diff_set_name(int which)
{
	return dset_names[which];
}
