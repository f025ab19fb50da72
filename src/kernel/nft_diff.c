/*
 * A diff (diff.c) → batch messages: deletions first, then unhooks, hooks
 * and additions, so that a port's old facts never outlive its new ones in
 * the same transaction.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>

#include "diff.h"
#include "guest.h"
#include "nft.h"

/* Queues ports in or out of the bridge table's guest_ports. */
static int
queue_ports(struct nft_batch *nb, const struct portlist *devs, bool add)
{
	struct rs_set ports = { .name = "guest_ports", .key = { T_IFNAME },
	    .n_key = 1 };
	size_t i;
	int rc = -1;

	for (i = 0; i < devs->n; i++)
		if (rs_set_add(&ports, devs->p[i], NULL) == -1)
			goto out;
	rc = nft_batch_elems(nb, RS_BRIDGE, &ports, add);
out:
	free(ports.elems);
	return rc;
}

/* Guest base chain number k, hooking devs, as the ruleset has them. */
static struct rs_chain *
guest_chain(size_t k, const struct portlist *devs)
{
	struct rs_chain *c = rs_guest_hook(k);
	size_t i;

	for (i = 0; c && i < devs->n; i++)
		rs_chain_dev(c, devs->p[i]);
	if (c && (c->overflow || c->nomem)) {
		int e = c->overflow ? E2BIG : ENOMEM;

		rs_chain_free(c);
		errno = e;
		return NULL;
	}
	return c;
}

enum chain_change { DEVS_ADD, DEVS_DEL, CREATE, DELETE };

/* Queues one chain's device change, creation or deletion. */
static int
queue_chain(struct nft_batch *nb, size_t chain, const struct portlist *devs,
    enum chain_change what)
{
	struct rs_chain *c;
	int rc = -1;

	if ((c = guest_chain(chain, devs)) == NULL)
		return -1;
	if (what == CREATE)
		rc = nft_batch_chain(nb, RS_NETDEV, c);
	else if (what == DELETE)
		rc = nft_batch_chain_del(nb, RS_NETDEV, c);
	else
		rc = nft_batch_chain_devs(nb, c, what == DEVS_ADD);
	rs_chain_free(c);
	if (rc == -1)
		return -1;
	return queue_ports(nb, devs, what == DEVS_ADD || what == CREATE);
}

static int
queue_unhooks(struct nft_batch *nb, const struct diff *d,
    const struct layout *l)
{
	struct portlist devs = { 0 };
	size_t k, n;
	int rc = 0;

	for (k = 0; k < l->n_chains && rc == 0; k++) {
		if ((n = diff_unhooks_of(d, l, k, &devs)) == (size_t)-1)
			rc = -1;
		else if (n)
			rc = queue_chain(nb, k, &devs, n < l->count[k] ?
			    DEVS_DEL : DELETE);
	}
	free(devs.p);
	return rc;
}

static int
queue_hooks(struct nft_batch *nb, struct diff *d, const struct layout *l)
{
	struct portlist devs = { 0 };
	size_t i, j;
	int rc = 0;

	if (d->hook.n == 0)
		return 0;
	if (diff_place_hooks(d, l) == -1)
		return -1;
	for (i = 0; i < d->hook.n && rc == 0; i = j) {
		devs.n = 0;
		for (j = i; j < d->hook.n && d->hook_chain[j] ==
		    d->hook_chain[i] && rc == 0; j++)
			rc = portlist_add(&devs, d->hook.p[j]);
		if (rc == 0)
			rc = queue_chain(nb, d->hook_chain[i], &devs, CREATE);
	}
	free(devs.p);
	return rc;
}

static int
queue_elems(struct nft_batch *nb, int which, const struct rs_set *s, bool add)
{
	enum rs_family fam;
	bool twin;

	if (s->n == 0)
		return 0;
	fam = diff_set_family(which, &twin);
	if (nft_batch_elems(nb, fam, s, add) == -1)
		return -1;
	return twin ? nft_batch_elems(nb, RS_BRIDGE, s, add) : 0;
}

int
nft_batch_diff(struct nft_batch *nb, struct diff *d, const struct layout *l)
{
	int i;

	for (i = 0; i < DS_N; i++)
		if (queue_elems(nb, i, &d->del[i], false) == -1)
			return -1;
	if (queue_unhooks(nb, d, l) == -1 || queue_hooks(nb, d, l) == -1)
		return -1;
	for (i = 0; i < DS_N; i++)
		if (queue_elems(nb, i, &d->add[i], true) == -1)
			return -1;
	return 0;
}
