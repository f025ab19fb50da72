/* Policy changes → diffs → one batch each; see protect.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <malloc.h>

#include "apply.h"
#include "clock.h"
#include "diff.h"
#include "nft.h"
#include "protect.h"
#include "validate.h"

struct protect {
	struct bg_config	 cfg;
	struct layout		 layout;
	struct nameset		 unknown;	/* what unknown_ports holds */
	bool			 stale;		/* bookkeeping lags the kernel */
	struct bg_port		*ports;		/* compiled against these */
	size_t			 n_ports;
	struct protect_stats	 st;
};

struct protect *
protect_new(void)
{
	struct protect *p;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	nameset_init(&p->unknown);
	layout_init(&p->layout);
	return p;
}

void
protect_free(struct protect *p)
{
	if (p == NULL)
		return;
	config_clear(&p->cfg);
	layout_clear(&p->layout);
	nameset_clear(&p->unknown);
	free(p->ports);
	free(p);
}

const struct bg_config *
protect_config(const struct protect *p)
{
	return &p->cfg;
}

void
protect_stats(const struct protect *p, struct protect_stats *st)
{
	*st = p->st;
}

static void
take_config(struct protect *p, struct bg_config *cfg)
{
	config_clear(&p->cfg);
	p->cfg = *cfg;
	memset(cfg, 0, sizeof(*cfg));
}

/* The unknown_ports elements of a compiled ruleset, as a name set. */
static int
unknown_from_ruleset(struct nameset *s, struct ruleset *rs)
{
	struct rs_set *u = ruleset_set(&rs->bridge, "unknown_ports");
	size_t i;

	nameset_init(s);
	for (i = 0; u && i < u->n; i++)
		if (nameset_add(s, (const char *)u->elems[i].key) == -1) {
			nameset_clear(s);
			return -1;
		}
	return 0;
}

/* The interfaces the rules were last compiled against. */
static int
keep_ports(struct protect *p, const struct bg_port *ports, size_t n)
{
	struct bg_port *c;

	if ((c = calloc(n + 1, sizeof(*c))) == NULL)
		return -1;
	if (n)
		memcpy(c, ports, n * sizeof(*c));
	free(p->ports);
	p->ports = c;
	p->n_ports = n;
	return 0;
}

/*
 * Compiles cfg (which may be p's own) and replaces the ruleset by it.
 * *committed says whether the rules are in, even if tc then failed.
 */
static int
replace(struct protect *p, const struct bg_config *cfg,
    const struct bg_port *ports, size_t n_ports, bool *committed, char *err,
    size_t errlen)
{
	struct ruleset rs;
	struct nft_batch *nb = NULL;
	struct layout l;
	char why[256];
	struct nameset u;
	enum rs_backend backend;
	uint64_t t0 = now_us();
	int rc = -1;

	*committed = false;
	if (apply_backend(&backend, err, errlen) == -1)
		return -1;
	if (ruleset_build(&rs, cfg, ports, n_ports, backend, why,
	    sizeof(why)) == -1) {
		snprintf(err, errlen, "compiling the ruleset: %s", why);
		return -1;
	}
	if ((nb = nft_batch_new()) == NULL ||
	    layout_from_ruleset(&l, &rs) == -1) {
		snprintf(err, errlen, "building the batch: %s",
		    strerror(errno));
		goto out;
	}
	if (unknown_from_ruleset(&u, &rs) == -1) {
		layout_clear(&l);
		snprintf(err, errlen, "building the batch: %s",
		    strerror(errno));
		goto out;
	}
	nft_batch_replace(nb, &rs);
	if (nft_batch_commit(nb, err, errlen) == -1) {
		p->st.failures++;
		layout_clear(&l);
		nameset_clear(&u);
		goto out;
	}
	layout_clear(&p->layout);
	nameset_clear(&p->unknown);
	p->layout = l;
	p->unknown = u;
	p->stale = keep_ports(p, ports, n_ports) == -1;
	p->st.commits++;
	p->st.full_applies++;
	p->st.last_us = now_us() - t0;
	*committed = true;
	/* A tc failure is reported and retried at the next refresh. */
	if (apply_tc(&rs, err, errlen) == -1) {
		p->stale = true;
		goto out;
	}
	rc = 0;
out:
	nft_batch_free(nb);
	ruleset_free(&rs);
	/*
	 * The compiled ruleset and the batch were tens of MiB at 10,000
	 * guests, and glibc keeps freed heap: give it back, so that the
	 * daemon (and the sensor it forks) holds only what it keeps.
	 */
	malloc_trim(0);
	return rc;
}

int
protect_full(struct protect *p, struct bg_config *cfg,
    const struct bg_port *ports, size_t n_ports, char *err, size_t errlen)
{
	bool committed;
	int rc;

	rc = replace(p, cfg, ports, n_ports, &committed, err, errlen);
	if (committed)
		take_config(p, cfg);
	return rc;
}

static bool
has_mirrors(const struct bg_config *cfg)
{
	size_t i;

	for (i = 0; i < cfg->n_bridges; i++)
		if (cfg->bridges[i].n_mirrors)
			return true;
	return false;
}

/* Would cfg compile to other rules (not just elements) for ports than a? */
static int
rules_differ(const struct bg_config *a, const struct bg_port *pa, size_t na,
    const struct bg_config *b, const struct bg_port *pb, size_t nb,
    bool *differ)
{
	struct ruleset ra, rb;
	enum rs_backend backend;
	char err[256];

	if (apply_backend(&backend, err, sizeof(err)) == -1 ||
	    ruleset_build(&ra, a, pa, na, backend, err, sizeof(err)) == -1)
		return -1;
	if (ruleset_build(&rb, b, pb, nb, backend, err, sizeof(err)) == -1) {
		ruleset_free(&ra);
		return -1;
	}
	*differ = !diff_rules_equal(&ra, &rb);
	ruleset_free(&ra);
	ruleset_free(&rb);
	return 0;
}

int
protect_refresh(struct protect *p, const struct bg_port *ports,
    size_t n_ports, bool *replaced, char *err, size_t errlen)
{
	bool differ;

	*replaced = false;
	if (!has_mirrors(&p->cfg) && !p->stale)
		return 0;
	if (rules_differ(&p->cfg, p->ports, p->n_ports, &p->cfg, ports,
	    n_ports, &differ) == -1) {
		snprintf(err, errlen, "compiling the ruleset: %s",
		    strerror(errno));
		return -1;
	}
	if (!differ && !p->stale)
		return 0;
	return replace(p, &p->cfg, ports, n_ports, replaced, err, errlen);
}

static size_t
diff_size(const struct diff *d)
{
	size_t i, n = d->hook.n + d->unhook.n;

	for (i = 0; i < DS_N; i++)
		n += d->add[i].n + d->del[i].n;
	return n;
}

/* Queues and commits d; on success the bookkeeping follows the kernel. */
static int
commit(struct protect *p, struct diff *d, uint64_t t0, char *err,
    size_t errlen)
{
	struct nft_batch *nb;
	int rc = -1;

	if (diff_empty(d))
		return 0;
	if ((nb = nft_batch_new()) == NULL || nft_batch_diff(nb, d,
	    &p->layout) == -1) {
		snprintf(err, errlen, "building the batch: %s",
		    strerror(errno ? errno : ENOMEM));
		goto out;
	}
	if (nft_batch_commit(nb, err, errlen) == -1) {
		p->st.failures++;
		goto out;
	}
	if (diff_done(d, &p->layout, &p->unknown) == -1)
		p->stale = true;
	p->st.commits++;
	p->st.last_us = now_us() - t0;
	p->st.last_elems = diff_size(d);
	rc = 0;
out:
	nft_batch_free(nb);
	return rc;
}

int
protect_reload(struct protect *p, struct bg_config *cfg,
    const struct bg_port *ports, size_t n_ports, char *err, size_t errlen)
{
	struct diff d;
	uint64_t t0 = now_us();
	bool differ;
	int rc = -1;

	if (rules_differ(&p->cfg, p->ports, p->n_ports, cfg, ports, n_ports,
	    &differ) == -1) {
		snprintf(err, errlen, "compiling the ruleset: %s",
		    strerror(errno));
		return -1;
	}
	/*
	 * Other rules (log group, mirrors...), or bookkeeping that lost track:
	 * one atomic replacement.
	 */
	if (differ || p->stale)
		return protect_full(p, cfg, ports, n_ports, err, errlen);
	diff_init(&d);
	if (diff_configs(&d, &p->cfg, cfg, ports, n_ports, &p->unknown,
	    &p->layout) == -1) {
		snprintf(err, errlen, "computing the change: %s",
		    strerror(errno));
		goto out;
	}
	if ((rc = commit(p, &d, t0, err, errlen)) == 0) {
		take_config(p, cfg);
		if (keep_ports(p, ports, n_ports) == -1)
			p->stale = true;
	}
out:
	diff_free(&d);
	return rc;
}

/* Removes the guest at index i of b (its memory with it). */
static void
bridge_remove(struct bg_bridge *b, size_t i)
{
	guest_clear(&b->guests[i]);
	memmove(&b->guests[i], &b->guests[i + 1],
	    (b->n_guests - i - 1) * sizeof(*b->guests));
	b->n_guests--;
}

static int
bridge_append(struct bg_bridge *b, const struct bg_guest *g)
{
	struct bg_guest *n;

	if ((n = realloc(b->guests, (b->n_guests + 1) * sizeof(*n))) == NULL)
		return -1;
	b->guests = n;
	if (guest_copy(&b->guests[b->n_guests], g) == -1)
		return -1;
	b->n_guests++;
	return 0;
}

static size_t
guest_index(const struct bg_bridge *b, const struct bg_guest *g)
{
	return (size_t)(g - b->guests);
}

/* Swaps the old binding (if any) for a copy of g on bridge nb. */
static int
config_bind(struct bg_config *cfg, struct bg_bridge *nb,
    const struct bg_guest *g)
{
	struct bg_bridge *ob = NULL;
	struct bg_guest *old = config_guest(cfg, g->port, &ob), copy;

	if (old && ob == nb) {
		if (guest_copy(&copy, g) == -1)
			return -1;
		guest_clear(old);
		*old = copy;
		return 0;
	}
	if (bridge_append(nb, g) == -1)
		return -1;
	if (old)
		bridge_remove(ob, guest_index(ob, old));
	return 0;
}

int
protect_guest_add(struct protect *p, const char *bridge,
    const struct bg_guest *g, const char *onbr, char *err, size_t errlen)
{
	const struct bg_guest *old;
	struct bg_bridge *nb;
	struct diff d;
	uint64_t t0 = now_us();
	int rc = -1;

	if (config_check_guest(&p->cfg, bridge, g, err, errlen) == -1)
		return -1;
	nb = config_bridge(&p->cfg, bridge);
	old = config_guest(&p->cfg, g->port, NULL);
	diff_init(&d);
	if (diff_guest(&d, old, g) == -1 ||
	    diff_hook(&d, &p->layout, g->port, true) == -1 ||
	    diff_unknown(&d, &p->unknown, g->port, onbr &&
	    config_drops_port(&p->cfg, onbr, g->port, nb)) == -1) {
		snprintf(err, errlen, "computing the change: %s",
		    strerror(errno));
		goto out;
	}
	if (commit(p, &d, t0, err, errlen) == -1)
		goto out;
	/* The kernel has it; if memory fails now, the next reload repairs. */
	if (config_bind(&p->cfg, nb, g) == -1) {
		p->stale = true;
		snprintf(err, errlen, "recording the guest: %s",
		    strerror(errno));
		goto out;
	}
	rc = 0;
out:
	diff_free(&d);
	return rc;
}

int
protect_guest_del(struct protect *p, const char *port, const uint8_t *mac,
    const char *bridge, const char *onbr, char *err, size_t errlen)
{
	struct bg_bridge *b = NULL;
	struct bg_guest *g = config_guest(&p->cfg, port, &b);
	struct diff d;
	uint64_t t0 = now_us();
	int rc = -1;

	if (g == NULL)
		return snprintf(err, errlen, "port %s is not a guest", port),
		    -1;
	if ((mac && memcmp(mac, g->mac, 6) != 0) ||
	    (bridge && strcmp(bridge, b->name) != 0))
		return snprintf(err, errlen, "port %s is bound to a different "
		    "%s", port, mac && memcmp(mac, g->mac, 6) != 0 ? "mac" :
		    "bridge"), -1;
	diff_init(&d);
	if (diff_guest(&d, g, NULL) == -1 ||
	    diff_hook(&d, &p->layout, port, false) == -1 ||
	    diff_unknown(&d, &p->unknown, port, onbr &&
	    config_drops_port(&p->cfg, onbr, port, NULL)) == -1) {
		snprintf(err, errlen, "computing the change: %s",
		    strerror(errno));
		goto out;
	}
	if (commit(p, &d, t0, err, errlen) == -1)
		goto out;
	bridge_remove(b, guest_index(b, g));
	rc = 0;
out:
	diff_free(&d);
	return rc;
}

int
protect_port(struct protect *p, const char *port, const char *onbr, char *err,
    size_t errlen)
{
	struct bg_bridge *gb = NULL;
	struct diff d;
	uint64_t t0 = now_us();
	int rc = -1;

	if (config_guest(&p->cfg, port, &gb) == NULL)
		gb = NULL;
	diff_init(&d);
	if (diff_unknown(&d, &p->unknown, port, onbr &&
	    config_drops_port(&p->cfg, onbr, port, gb)) == -1)
		snprintf(err, errlen, "computing the change: %s",
		    strerror(errno));
	else
		rc = commit(p, &d, t0, err, errlen);
	diff_free(&d);
	return rc;
}
