/*
 * What each mirror copied: the counters of its nftables chains, and of its
 * tc filters on the tc backend, read at once for status and metrics.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mirror_counters.h"
#include "nft.h"
#include "probe.h"
#include "tc.h"

static int
nft_mirror(const char *mirror, uint64_t *frames, uint64_t *bytes,
    char *err, size_t errlen)
{
	uint64_t tx_frames = 0, tx_bytes = 0;
	char chain[48];
	int rc;

	/* Every installed mirror copies at some ingress; copies made there
	 * were counted without their MAC header. */
	snprintf(chain, sizeof(chain), "mirror_%s_rx", mirror);
	if ((rc = nft_chain_counter(RS_NETDEV, chain, frames, bytes, err,
	    errlen)) != 1)
		return rc;
	*bytes += 14 * *frames;
	/* Copies at egress, unless tc makes them. */
	snprintf(chain, sizeof(chain), "mirror_%s", mirror);
	if (nft_chain_counter(RS_NETDEV, chain, &tx_frames, &tx_bytes, err,
	    errlen) == -1)
		return -1;
	*frames += tx_frames;
	*bytes += tx_bytes;
	return 1;
}

/* Adds the tc copies of each slot; tc runs only without the egress hook. */
static int
tc_counters(struct mirror_count *out, size_t n, char *err, size_t errlen)
{
	struct tc_installed *t = NULL;
	struct rs_kernel kern;
	size_t i, k = 0;

	if (probe_rs_kernel(&kern, err, errlen) == -1)
		return -1;
	if (kern.backend != RS_COPY_TC)
		return 0;
	if (tc_mirrors_list(&t, &k, err, errlen) == -1)
		return -1;
	for (i = 0; i < k; i++)
		if (t[i].slot < n && out[t[i].slot].installed) {
			out[t[i].slot].frames += t[i].packets;
			out[t[i].slot].bytes += t[i].bytes;
		}
	free(t);
	return 0;
}

int
mirror_counters(const struct bg_config *cfg, struct mirror_count *out,
    size_t *n, char *err, size_t errlen)
{
	struct mirror_count *c;
	size_t i, j;
	int rc;

	*n = 0;
	for (i = 0; i < cfg->n_bridges; i++)
		for (j = 0; j < cfg->bridges[i].n_mirrors &&
		    *n < BG_MAX_MIRRORS; j++) {
			c = &out[(*n)++];
			memset(c, 0, sizeof(*c));
			c->m = &cfg->bridges[i].mirrors[j];
			if ((rc = nft_mirror(c->m->name, &c->frames,
			    &c->bytes, err, errlen)) == -1)
				return -1;
			c->installed = rc == 1;
		}
	return tc_counters(out, *n, err, errlen);
}
