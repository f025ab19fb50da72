/*
 * The policy in force and its changes: each is validated (config/), made
 * a diff (ruleset/diff.c) or a full replacement, and committed as one
 * transaction (txn.c); only then does the model change. See policy.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probe.h"
#include "clock.h"
#include "edit.h"
#include "policy.h"
#include "txn.h"
#include "validate.h"

struct policy {
	struct bg_config	 cfg;
	struct kstate		 ks;
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
	if (committed)
		config_take(&p->cfg, cfg);
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
	enum rs_backend backend;
	char why[256];

	if (probe_backend(&backend, err, errlen) == -1)
		return -1;
	if (ruleset_build(&ra, a, pa, na, backend, why, sizeof(why)) == -1) {
		snprintf(err, errlen, "compiling the ruleset: %s", why);
		return -1;
	}
	if (ruleset_build(&rb, b, pb, nb, backend, why, sizeof(why)) == -1) {
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
	    &p->ks.layout) == -1) {
		snprintf(err, errlen, "computing the change: %s",
		    strerror(errno));
		goto out;
	}
	if ((rc = txn_diff(&p->ks, &d, t0, err, errlen)) == 0) {
		config_take(&p->cfg, cfg);
		kstate_keep_ports(&p->ks, ports, n_ports);
	}
out:
	diff_free(&d);
	return rc;
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
	if (diff_guest(&d, old, g) == -1 ||
	    diff_hook(&d, &p->ks.layout, g->port, true) == -1 ||
	    diff_unknown(&d, &p->ks.unknown, g->port, onbr &&
	    config_drops_port(&p->cfg, onbr, g->port, nb)) == -1) {
		snprintf(err, errlen, "computing the change: %s",
		    strerror(errno));
		goto out;
	}
	if (txn_diff(&p->ks, &d, t0, err, errlen) == -1)
		goto out;
	/* The kernel has it; if memory fails now, the next reload repairs. */
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
	if (diff_guest(&d, g, NULL) == -1 ||
	    diff_hook(&d, &p->ks.layout, port, false) == -1 ||
	    diff_unknown(&d, &p->ks.unknown, port, onbr &&
	    config_drops_port(&p->cfg, onbr, port, NULL)) == -1) {
		snprintf(err, errlen, "computing the change: %s",
		    strerror(errno));
		goto out;
	}
	if (txn_diff(&p->ks, &d, t0, err, errlen) == -1)
		goto out;
	config_unbind(&p->cfg, port);
	rc = 0;
out:
	diff_free(&d);
	return rc;
}

int
policy_port(struct policy *p, const char *port, const char *onbr, char *err,
    size_t errlen)
{
	struct bg_bridge *gb = NULL;
	struct diff d;
	uint64_t t0 = now_us();
	int rc = -1;

	if (config_guest(&p->cfg, port, &gb) == NULL)
		gb = NULL;
	diff_init(&d);
	if (diff_unknown(&d, &p->ks.unknown, port, onbr &&
	    config_drops_port(&p->cfg, onbr, port, gb)) == -1)
		snprintf(err, errlen, "computing the change: %s",
		    strerror(errno));
	else
		rc = txn_diff(&p->ks, &d, t0, err, errlen);
	diff_free(&d);
	return rc;
}
