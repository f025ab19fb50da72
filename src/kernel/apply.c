/* Config → ruleset → one netlink batch. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apply.h"
#include "clock.h"
#include "link.h"
#include "nft.h"
#include "probe.h"
#include "tcsync.h"
#include "vxlan.h"

int
apply_compile(const struct bg_config *cfg, struct ruleset *rs, char *err,
    size_t errlen)
{
	struct bg_link *links = NULL;
	struct bg_port *ports = NULL;
	size_t n_links = 0, n_ports = 0;
	struct rs_kernel k;
	char why[256];
	int rc = -1;

	/* Unprivileged (a dry run), the kernel cannot be asked: assume one
	 * of today (6.16+). */
	if (probe_rs_kernel(&k, err, errlen) == -1) {
		if (errno != EPERM)
			return -1;
		k = (struct rs_kernel){ RS_COPY_NFT, true, false };
	}
	if (link_dump(&links, &n_links) == -1) {
		snprintf(err, errlen, "listing interfaces: %s",
		    strerror(errno));
		return -1;
	}
	if (link_bridge_ports(links, n_links, &ports, &n_ports) == -1) {
		snprintf(err, errlen, "listing bridge ports: %s",
		    strerror(errno));
		goto out;
	}
	if (ruleset_build(rs, cfg, ports, n_ports, &k, why,
	    sizeof(why)) == -1) {
		snprintf(err, errlen, "compiling the ruleset: %s", why);
		goto out;
	}
	rc = 0;
out:
	free(ports);
	free(links);
	return rc;
}

static double
ms_now(void)
{
	return (double)now_us() / 1e3;
}

static size_t
count_elements(const struct ruleset *rs)
{
	size_t i, n = 0;

	for (i = 0; i < rs->netdev.n_sets; i++)
		n += rs->netdev.sets[i]->n;
	for (i = 0; i < rs->bridge.n_sets; i++)
		n += rs->bridge.sets[i]->n;
	return n;
}

int
apply_config(const struct bg_config *cfg, struct apply_stats *st, char *err,
    size_t errlen)
{
	struct apply_stats dummy;
	struct ruleset rs;
	char why[512];
	double t0 = ms_now();
	int rc = -1;

	if (st == NULL)
		st = &dummy;
	/* Remote mirrors' devices first: the rules name their ifindex. */
	if (vxlan_setup(cfg, err, errlen) == -1 ||
	    apply_compile(cfg, &rs, err, errlen) == -1)
		return -1;
	st->compile_ms = ms_now() - t0;
	st->elements = count_elements(&rs);
	memcpy(st->inactive, rs.inactive, sizeof(st->inactive));
	st->n_inactive = rs.n_inactive;
	st->waiting = NULL;
	st->n_waiting = 0;
	t0 = ms_now();
	if (nft_replace(&rs, why, sizeof(why)) == -1) {
		snprintf(err, errlen, "applying the ruleset: %s; the previous "
		    "ruleset stays in force", why);
		goto out;
	}
	st->commit_ms = ms_now() - t0;
	if (tc_sync(&rs, why, sizeof(why)) == -1) {
		snprintf(err, errlen, "mirrors (tc): %s; the nftables ruleset "
		    "is in force", why);
		goto out;
	}
	if ((rc = vxlan_prune(cfg, err, errlen)) == 0 && st != &dummy) {
		st->waiting = rs.waiting;	/* the caller's now */
		st->n_waiting = rs.n_waiting;
		rs.waiting = NULL;
	}
out:
	ruleset_free(&rs);
	return rc;
}

int
apply_flush(char *err, size_t errlen)
{
	struct nft_batch *nb;
	char why[512];
	int nd, br, rc = -1;

	if ((nd = nft_table_exists(RS_NETDEV, why, sizeof(why))) == -1 ||
	    (br = nft_table_exists(RS_BRIDGE, why, sizeof(why))) == -1) {
		snprintf(err, errlen, "flushing: %s", why);
		return -1;
	}
	if (tc_sync(NULL, why, sizeof(why)) == -1) {
		snprintf(err, errlen, "flushing tc filters: %s", why);
		return -1;
	}
	if (!nd && !br)
		return vxlan_prune(NULL, err, errlen);
	if ((nb = nft_batch_new()) == NULL ||
	    nft_batch_flush(nb, nd, br) == -1 ||
	    nft_batch_commit(nb, why, sizeof(why)) == -1)
		snprintf(err, errlen, "flushing: %s", nb ? why :
		    strerror(errno));
	else
		rc = vxlan_prune(NULL, err, errlen);
	nft_batch_free(nb);
	return rc;
}
