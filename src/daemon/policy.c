/*
 * The policy in force and its changes: each is validated (config/), made
 * a diff (ruleset/diff.c) or a full replacement, and committed as one
 * transaction (txn.c); only then does the model change. See policy.h.
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probe.h"
#include "clock.h"
#include "edit.h"
#include "entry.h"
#include "guest.h"
#include "nft.h"
#include "policy.h"
#include "txn.h"
#include "validate.h"

struct policy {
	struct bg_config	 cfg;
	struct kstate		 ks;
	uint64_t		 gen;	/* guests bound or unbound */
};

struct policy *
policy_new(void)
{
	struct policy *p;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	kstate_init(&p->ks);
	return p;
}

void
policy_free(struct policy *p)
{
	if (p == NULL)
		return;
	config_clear(&p->cfg);
	kstate_clear(&p->ks);
	free(p);
}

const struct bg_config *
policy_config(const struct policy *p)
{
	return &p->cfg;
}

uint64_t
policy_generation(const struct policy *p)
{
	return p->gen;
}

void
policy_stats(const struct policy *p, struct txn_stats *st)
{
	*st = p->ks.st;
}

int
policy_full(struct policy *p, struct bg_config *cfg,
    const struct bg_port *ports, size_t n_ports, char *err, size_t errlen)
{
	bool committed;
	int rc;

	rc = txn_replace(&p->ks, cfg, ports, n_ports, &committed, err, errlen);
	if (committed) {
		config_take(&p->cfg, cfg);
		p->gen++;
	}
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

/*
 * Would b compile to other rules (not just other elements) for ports pb
 * than a for pa? -1 with a message in err.
 */
static int
rules_differ(const struct bg_config *a, const struct bg_port *pa, size_t na,
    const struct bg_config *b, const struct bg_port *pb, size_t nb,
    bool *differ, char *err, size_t errlen)
{
	struct ruleset ra, rb;
	struct rs_kernel k;
	char why[256];

	if (probe_rs_kernel(&k, err, errlen) == -1)
		return -1;
	if (ruleset_build(&ra, a, pa, na, &k, why, sizeof(why)) == -1) {
		snprintf(err, errlen, "compiling the ruleset: %s", why);
		return -1;
	}
	if (ruleset_build(&rb, b, pb, nb, &k, why, sizeof(why)) == -1) {
		snprintf(err, errlen, "compiling the ruleset: %s", why);
		ruleset_free(&ra);
		return -1;
	}
	*differ = !diff_rules_equal(&ra, &rb);
	ruleset_free(&ra);
	ruleset_free(&rb);
	return 0;
}

int
policy_refresh(struct policy *p, const struct bg_port *ports,
    size_t n_ports, bool *replaced, char *err, size_t errlen)
{
	bool differ;

	*replaced = false;
	if (!has_mirrors(&p->cfg) && !p->ks.stale)
		return 0;
	if (rules_differ(&p->cfg, p->ks.ports, p->ks.n_ports, &p->cfg, ports,
	    n_ports, &differ, err, errlen) == -1)
		return -1;
	if (!differ && !p->ks.stale)
		return 0;
	return txn_replace(&p->ks, &p->cfg, ports, n_ports, replaced, err,
	    errlen);
}

int
policy_reload(struct policy *p, struct bg_config *cfg,
    const struct bg_port *ports, size_t n_ports, char *err, size_t errlen)
{
	struct diff d;
	uint64_t t0 = now_us();
	bool differ;
	int rc = -1;

	if (rules_differ(&p->cfg, p->ks.ports, p->ks.n_ports, cfg, ports,
	    n_ports, &differ, err, errlen) == -1)
		return -1;
	/*
	 * Other rules (log group, mirrors...), or bookkeeping that lost track:
	 * one atomic replacement.
	 */
	if (differ || p->ks.stale)
		return policy_full(p, cfg, ports, n_ports, err, errlen);
	diff_init(&d);
	if (diff_configs(&d, &p->cfg, cfg, ports, n_ports, &p->ks.unknown,
	    &p->ks.hooked, &p->ks.kernel) == -1) {
		snprintf(err, errlen, "computing the change: %s",
		    strerror(errno));
		goto out;
	}
	if ((rc = txn_diff(&p->ks, &d, t0, err, errlen)) == 0) {
		config_take(&p->cfg, cfg);
		kstate_keep_ports(&p->ks, ports, n_ports);
		p->gen++;
	}
out:
	diff_free(&d);
	return rc;
}

/* Should port have an ingress base chain: can the kernel hook it? */
static bool
want_hook(const struct policy *p, const char *port)
{
	return p->ks.kernel.absent_hooks || if_nametoindex(port) != 0;
}

/*
 * Port becomes unknown (want) or stops being so. Whether its unk_<port>
 * chain exists, and hooks it, is read from the kernel: 6.1 deletes the
 * chain with its device, 6.12 keeps it hooking nothing.
 */
static int
unknown_change(struct policy *p, struct diff *d, const char *port,
    bool want, char *err, size_t errlen)
{
	char chain[RS_CHAIN_NAME], why[256];
	int st = RS_CHAIN_ABSENT;

	if (want || nameset_has(&p->ks.unknown, port)) {
		rs_unknown_chain_name(chain, sizeof(chain), port);
		if ((st = nft_chain_hook(RS_NETDEV, chain, port, why,
		    sizeof(why))) == -1) {
			snprintf(err, errlen, "%s", why);
			return -1;
		}
	}
	if (diff_unknown(d, &p->ks.unknown, port, want,
	    (enum rs_chain_state)st) == -1) {
		snprintf(err, errlen, "computing the change: %s",
		    strerror(errno));
		return -1;
	}
	return 0;
}

int
policy_guest_add(struct policy *p, const char *bridge,
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
	if (diff_guest(&d, old, g, nameset_has(&p->ks.hooked, g->port),
	    want_hook(p, g->port)) == -1) {
		snprintf(err, errlen, "computing the change: %s",
		    strerror(errno));
		goto out;
	}
	if (unknown_change(p, &d, g->port, onbr && config_drops_port(&p->cfg,
	    onbr, g->port, nb), err, errlen) == -1)
		goto out;
	if (txn_diff(&p->ks, &d, t0, err, errlen) == -1)
		goto out;
	/* The kernel has it; if memory fails now, the next reload repairs. */
	p->gen++;
	if (config_bind(&p->cfg, nb, g) == -1) {
		p->ks.stale = true;
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
policy_guest_del(struct policy *p, const char *port, const uint8_t *mac,
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
	if (diff_guest(&d, g, NULL, nameset_has(&p->ks.hooked, port),
	    false) == -1) {
		snprintf(err, errlen, "computing the change: %s",
		    strerror(errno));
		goto out;
	}
	if (unknown_change(p, &d, port, onbr && config_drops_port(&p->cfg,
	    onbr, port, NULL), err, errlen) == -1)
		goto out;
	if (txn_diff(&p->ks, &d, t0, err, errlen) == -1)
		goto out;
	config_unbind(&p->cfg, port);
	p->gen++;
	rc = 0;
out:
	diff_free(&d);
	return rc;
}

int
policy_guest_learned(struct policy *p, const char *port,
    const struct in_addr *a4, size_t n4, const struct in6_addr *a6,
    size_t n6, char *err, size_t errlen)
{
	struct bg_guest *g = config_guest(&p->cfg, port, NULL), ng;
	bool hooked;
	struct diff d;
	uint64_t t0 = now_us();
	int rc = -1;

	/* Unbinding is always allowed: a guest may have stopped learning
	 * (guest add replaced it) with its leases still in the table. */
	if (g == NULL || n4 > BG_MAX_LEARNED4 || n6 > BG_MAX_LEARNED6 ||
	    (n4 > 0 && !guest_learns4(g)) || (n6 > 0 && !guest_learns6(g)))
		return snprintf(err, errlen, "port %s is not a guest that "
		    "learns", port), -1;
	/* Only the learned addresses differ: the copy shares the rest. */
	ng = *g;
	memcpy(ng.learned4, a4, n4 * sizeof(*a4));
	ng.n_learned4 = n4;
	memcpy(ng.learned6, a6, n6 * sizeof(*a6));
	ng.n_learned6 = n6;
	hooked = nameset_has(&p->ks.hooked, port);
	diff_init(&d);
	if (diff_guest(&d, g, &ng, hooked, hooked) == -1) {
		snprintf(err, errlen, "computing the change: %s",
		    strerror(errno));
		goto out;
	}
	if ((rc = txn_diff(&p->ks, &d, t0, err, errlen)) == 0) {
		memcpy(g->learned4, ng.learned4, sizeof(g->learned4));
		g->n_learned4 = n4;
		memcpy(g->learned6, ng.learned6, sizeof(g->learned6));
		g->n_learned6 = n6;
	}
out:
	diff_free(&d);
	return rc;
}

/*
 * On a kernel that cannot hook absent devices, guest g's ingress chain as
 * its port comes (present) or goes: created for a port that appeared;
 * deleted and created again, in one batch, if the kernel kept it hooking
 * nothing (6.12 does when the device goes, and never re-hooks a device of
 * the same name); deleted when the port went and the kernel kept it (no
 * chain is left hooking nothing; 6.1 deletes it itself).
 */
static int
hook_change(struct policy *p, struct diff *d, const struct bg_guest *g,
    bool present, char *err, size_t errlen)
{
	char chain[RS_CHAIN_NAME], why[256];
	int st;

	if (p->ks.kernel.absent_hooks)
		return 0;
	rs_guest_chain_name(chain, sizeof(chain), GC_IN, g->port);
	if ((st = nft_chain_hook(RS_NETDEV, chain, g->port, why,
	    sizeof(why))) == -1) {
		snprintf(err, errlen, "%s", why);
		return -1;
	}
	kstate_hooked(&p->ks, g->port, st != RS_CHAIN_ABSENT);
	if (present && st == RS_CHAIN_ABSENT)
		return diff_guest(d, g, g, false, true);
	if (present && st == RS_CHAIN_UNHOOKED)
		return diff_rehook(d, g);
	if (!present && st == RS_CHAIN_UNHOOKED)
		return diff_guest(d, g, g, true, false);
	return 0;
}

int
policy_port(struct policy *p, const char *port, const char *onbr,
    bool present, char *err, size_t errlen)
{
	struct bg_bridge *gb = NULL;
	const struct bg_guest *g;
	struct diff d;
	uint64_t t0 = now_us();
	int rc = -1;

	if ((g = config_guest(&p->cfg, port, &gb)) == NULL)
		gb = NULL;
	diff_init(&d);
	if (g && hook_change(p, &d, g, present, err, errlen) == -1)
		goto out;
	if (unknown_change(p, &d, port, present && onbr &&
	    config_drops_port(&p->cfg, onbr, port, gb), err, errlen) == 0)
		rc = txn_diff(&p->ks, &d, t0, err, errlen);
out:
	diff_free(&d);
	return rc;
}

size_t
policy_waiting(const struct policy *p, char (*names)[BG_IFNAMSIZ], size_t max)
{
	const struct bg_bridge *b;
	size_t i, j, n = 0;

	for (i = 0; i < p->cfg.n_bridges; i++) {
		b = &p->cfg.bridges[i];
		for (j = 0; j < b->n_guests; j++)
			if (!nameset_has(&p->ks.hooked, b->guests[j].port) &&
			    n < max)
				memcpy(names[n++], b->guests[j].port,
				    BG_IFNAMSIZ);
	}
	return n;
}
