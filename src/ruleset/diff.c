/*
 * Policy change → kernel change, computed without the kernel
 * (kernel/nft_diff.c queues the result).
 *
 * A guest's elements are rs_guest_elems()'s, as for the whole ruleset, and
 * the base chains follow guest.c's base_chains();
 * tests/unit/kernel/test_diff.c checks that a diff applied to the old
 * ruleset gives exactly the new one. The bridge
 * table's guest_ip4 and guest_ip6 are the netdev table's twins, and its
 * guest_ports holds exactly the hooked ports, so neither has a diff of its
 * own.
 */
#include <netinet/in.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diff.h"
#include "guest.h"

static const struct {
	const char	*name;
	enum ir_type	 key[2];
	size_t		 n;
	enum rs_family	 fam;
	bool		 twin;		/* the bridge table has it too */
} dsets[DS_N] = {
	[DS_MAC] = { "guest_mac", { T_IFNAME, T_ETHER }, 2, RS_NETDEV, false },
	[DS_IP4] = { "guest_ip4", { T_IFNAME, T_IPV4 }, 2, RS_NETDEV, true },
	[DS_IP6] = { "guest_ip6", { T_IFNAME, T_IPV6 }, 2, RS_NETDEV, true },
	[DS_UNKNOWN] = { "unknown_ports", { T_IFNAME, T_IFNAME }, 1,
	    RS_BRIDGE, false },
};

struct where {
	char		 name[BG_IFNAMSIZ];
	size_t		 chain;
};

static void
set_init(struct rs_set *s, int which)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->name, sizeof(s->name), "%s", dsets[which].name);
	s->key[0] = dsets[which].key[0];
	s->key[1] = dsets[which].key[1];
	s->n_key = dsets[which].n;
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
}

void
diff_free(struct diff *d)
{
	int i;

	for (i = 0; i < DS_N; i++) {
		free(d->add[i].elems);
		free(d->del[i].elems);
	}
	free(d->hook.p);
	free(d->unhook.p);
	free(d->hook_chain);
	memset(d, 0, sizeof(*d));
}

bool
diff_empty(const struct diff *d)
{
	int i;

	for (i = 0; i < DS_N; i++)
		if (d->add[i].n || d->del[i].n)
			return false;
	return d->hook.n == 0 && d->unhook.n == 0;
}

int
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
set_has(const struct rs_set *s, const struct rs_elem *e)
{
	size_t i, len = rs_key_len(s);

	for (i = 0; i < s->n; i++)
		if (memcmp(s->elems[i].key, e->key, len) == 0)
			return true;
	return false;
}

/* Elements of a not in b go to out. */
static int
set_minus(struct rs_set *out, const struct rs_set *a, const struct rs_set *b)
{
	size_t i;

	for (i = 0; i < a->n; i++)
		if (!set_has(b, &a->elems[i]) &&
		    rs_set_add_key(out, &a->elems[i]) == -1)
			return -1;
	return 0;
}

int
diff_guest(struct diff *d, const struct bg_guest *old,
    const struct bg_guest *new)
{
	struct rs_set o[3], n[3];
	int i, rc = -1;

	for (i = 0; i < 3; i++) {
		set_init(&o[i], i);
		set_init(&n[i], i);
	}
	if ((old && rs_guest_elems(old, &o[DS_MAC], &o[DS_IP4], &o[DS_IP6],
	    NULL) == -1) || (new && rs_guest_elems(new, &n[DS_MAC], &n[DS_IP4],
	    &n[DS_IP6], NULL) == -1))
		goto out;
	for (i = 0; i < 3; i++)
		if (set_minus(&d->del[i], &o[i], &n[i]) == -1 ||
		    set_minus(&d->add[i], &n[i], &o[i]) == -1)
			goto out;
	rc = 0;
out:
	for (i = 0; i < 3; i++) {
		free(o[i].elems);
		free(n[i].elems);
	}
	return rc;
}

long
layout_chain(const struct layout *l, const char *port)
{
	char k[BG_IFNAMSIZ];
	const struct where *w;

	nameset_key(k, port);
	return (w = hmap_get(&l->where, k)) != NULL ? (long)w->chain : -1;
}

int
diff_hook(struct diff *d, const struct layout *l, const char *port, bool want)
{
	bool have = layout_chain(l, port) >= 0;

	if (want && !have)
		return portlist_add(&d->hook, port);
	if (!want && have)
		return portlist_add(&d->unhook, port);
	return 0;
}

int
diff_unknown(struct diff *d, const struct nameset *now, const char *port,
    bool want)
{
	bool have = nameset_has(now, port);

	if (want && !have)
		return rs_set_add(&d->add[DS_UNKNOWN], port, NULL);
	if (!want && have)
		return rs_set_add(&d->del[DS_UNKNOWN], port, NULL);
	return 0;
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

static bool
guest_equal(const struct bg_guest *a, const struct bg_guest *b)
{
	return memcmp(a->mac, b->mac, 6) == 0 && a->n_ip4 == b->n_ip4 &&
	    a->n_ip6 == b->n_ip6 && (a->n_ip4 == 0 ||
	    memcmp(a->ip4, b->ip4, a->n_ip4 * sizeof(*a->ip4)) == 0) &&
	    (a->n_ip6 == 0 ||
	    memcmp(a->ip6, b->ip6, a->n_ip6 * sizeof(*a->ip6)) == 0);
}

/* Set elements: merge the two sorted guest lists. */
static int
diff_elems(struct diff *d, const struct gref *o, size_t no,
    const struct gref *n, size_t nn)
{
	size_t i = 0, j = 0;
	int c;

	while (i < no || j < nn) {
		c = i == no ? 1 : j == nn ? -1 : strcmp(o[i].g->port,
		    n[j].g->port);
		if (c < 0 && diff_guest(d, o[i].g, NULL) == -1)
			return -1;
		if (c > 0 && diff_guest(d, NULL, n[j].g) == -1)
			return -1;
		if (c == 0 && !guest_equal(o[i].g, n[j].g) &&
		    diff_guest(d, o[i].g, n[j].g) == -1)
			return -1;
		i += c <= 0;
		j += c >= 0;
	}
	return 0;
}

/* Hooks: what the kernel has against what the new config wants. */
static int
diff_hooks(struct diff *d, const struct layout *l, const struct gref *n,
    size_t nn)
{
	struct hmap_iter it = { 0 };
	const struct where *w;
	size_t j;

	for (j = 0; j < nn; j++)
		if (diff_hook(d, l, n[j].g->port, true) == -1)
			return -1;
	while ((w = hmap_next(&l->where, &it)) != NULL)
		if (gref_find(n, nn, w->name) == NULL &&
		    portlist_add(&d->unhook, w->name) == -1)
			return -1;
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
		if (nameset_add(&want, ports[i].port) == -1 ||
		    diff_unknown(d, now, ports[i].port, true) == -1)
			goto out;
	}
	while ((name = hmap_next(&now->h, &it)) != NULL)
		if (!nameset_has(&want, name) &&
		    rs_set_add(&d->del[DS_UNKNOWN], name, NULL) == -1)
			goto out;
	rc = 0;
out:
	nameset_clear(&want);
	return rc;
}

int
diff_configs(struct diff *d, const struct bg_config *old,
    const struct bg_config *new, const struct bg_port *ports, size_t n_ports,
    const struct nameset *unknown, const struct layout *l)
{
	struct gref *o = NULL, *n = NULL;
	size_t no = 0, nn = 0;
	int rc = -1;

	if ((o = guests_sorted(old, &no)) == NULL ||
	    (n = guests_sorted(new, &nn)) == NULL)
		goto out;
	if (diff_elems(d, o, no, n, nn) == -1 ||
	    diff_hooks(d, l, n, nn) == -1 ||
	    diff_unknowns(d, new, n, nn, ports, n_ports, unknown) == -1)
		goto out;
	rc = 0;
out:
	free(o);
	free(n);
	return rc;
}

/*
 * Unhooking: devices come off a chain; a chain left empty is deleted.
 * Hooking: the kernel refuses, in one transaction, to add a device to
 * two existing chains of a table (even on different hooks), but creates
 * chains hooking it fine: hooked ports go into new chains, 255 a chain,
 * at indices no chain uses. A full apply (a restart) packs them again.
 */
size_t
diff_unhooks_of(const struct diff *d, const struct layout *l, size_t chain,
    struct portlist *devs)
{
	size_t i;

	devs->n = 0;
	for (i = 0; i < d->unhook.n; i++)
		if (layout_chain(l, d->unhook.p[i]) == (long)chain &&
		    portlist_add(devs, d->unhook.p[i]) == -1)
			return (size_t)-1;
	return devs->n;
}

/* Fresh chain indices for the hooks, skipping every index in use. */
int
diff_place_hooks(struct diff *d, const struct layout *l)
{
	size_t i, k = 0, in_chain = RS_DEVS_PER_CHAIN;

	free(d->hook_chain);
	if ((d->hook_chain = calloc(d->hook.n + 1, sizeof(size_t))) == NULL)
		return -1;
	for (i = 0; i < d->hook.n; i++) {
		if (in_chain == RS_DEVS_PER_CHAIN) {
			if (i > 0)
				k++;
			while (k < l->n_chains && l->count[k] > 0)
				k++;
			in_chain = 0;
		}
		d->hook_chain[i] = k;
		in_chain++;
	}
	return 0;
}

enum rs_family
diff_set_family(int which, bool *twin)
{
	*twin = dsets[which].twin;
	return dsets[which].fam;
}

static int
layout_set(struct layout *l, const char *port, size_t chain)
{
	char k[BG_IFNAMSIZ];
	struct where *w;
	bool created;

	if (chain >= l->n_chains) {
		size_t *c = realloc(l->count, (chain + 1) * sizeof(*c));

		if (c == NULL)
			return -1;
		memset(c + l->n_chains, 0, (chain + 1 - l->n_chains) *
		    sizeof(*c));
		l->count = c;
		l->n_chains = chain + 1;
	}
	nameset_key(k, port);
	if ((w = hmap_put(&l->where, k, &created)) == NULL)
		return -1;
	if (!created)
		l->count[w->chain]--;
	w->chain = chain;
	l->count[chain]++;
	return 0;
}

static void
layout_unset(struct layout *l, const char *port)
{
	char k[BG_IFNAMSIZ];
	struct where *w;

	nameset_key(k, port);
	if ((w = hmap_get(&l->where, k)) == NULL)
		return;
	l->count[w->chain]--;
	hmap_del(&l->where, k);
}

/*
 * Bookkeeping after the kernel said yes. -1 if memory ran out on the way:
 * the layout or the unknown set then lags the kernel, and the caller must
 * replace the ruleset as a whole before the next diff.
 */
int
diff_done(const struct diff *d, struct layout *l, struct nameset *unknown)
{
	size_t i;
	int rc = 0;

	for (i = 0; i < d->unhook.n; i++)
		layout_unset(l, d->unhook.p[i]);
	for (i = 0; i < d->hook.n; i++)
		if (layout_set(l, d->hook.p[i], d->hook_chain[i]) == -1)
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

void
layout_init(struct layout *l)
{
	memset(l, 0, sizeof(*l));
	hmap_init(&l->where, BG_IFNAMSIZ, sizeof(struct where), (size_t)-1);
}

int
layout_from_ruleset(struct layout *l, const struct ruleset *rs)
{
	const struct rs_table *t = &rs->netdev;
	size_t i, j, chain;

	layout_init(l);
	for (i = 0; i < t->n_chains; i++) {
		if (t->chains[i]->role != ROLE_GUEST_HOOK)
			continue;
		chain = t->chains[i]->index;
		for (j = 0; j < t->chains[i]->n_devs; j++)
			if (layout_set(l, t->chains[i]->devs[j], chain) == -1) {
				layout_clear(l);
				return -1;
			}
	}
	return 0;
}

void
layout_clear(struct layout *l)
{
	hmap_clear(&l->where);
	free(l->count);
	memset(l, 0, sizeof(*l));
}

const char *
diff_set_name(int which)
{
	return dsets[which].name;
}
