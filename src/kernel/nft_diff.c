/*
 * A diff (diff.c) → batch messages: element deletions first (a verdict
 * map's element holds its chain), then chain deletions, creations and
 * refills, then element additions (which may jump to a chain just made),
 * so that a port's old facts never outlive its new ones in the same
 * transaction.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>

#include "diff.h"
#include "nft.h"

static int
queue_elems(struct nft_batch *nb, const struct rs_set *s, bool add)
{
	return s->n ? nft_batch_elems(nb, RS_BRIDGE, s, add) : 0;
}

int
nft_batch_diff(struct nft_batch *nb, const struct diff *d)
{
	size_t i;
	int f, k;

	for (k = DS_N - 1; k >= 0; k--)
		if (queue_elems(nb, &d->del[k], false) == -1)
			return -1;
	for (f = 0; f < 2; f++)
		for (i = 0; i < d->rm[f].n_chains; i++)
			if (nft_batch_chain_del(nb, (enum rs_family)f,
			    d->rm[f].chains[i]) == -1)
				return -1;
	for (f = 0; f < 2; f++)
		if (nft_batch_chains(nb, &d->mk[f]) == -1)
			return -1;
	for (f = 0; f < 2; f++)
		for (i = 0; i < d->re[f].n_chains; i++)
			if (nft_batch_chain_rules(nb, (enum rs_family)f,
			    d->re[f].chains[i]) == -1)
				return -1;
	for (k = 0; k < DS_N; k++)
		if (queue_elems(nb, &d->add[k], true) == -1)
			return -1;
	return 0;
}
