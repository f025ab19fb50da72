/* One batch per change; see txn.h. */
#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <string.h>

#include "probe.h"
#include "tcsync.h"
#include "clock.h"
#include "nft.h"
#include "txn.h"

int
txn_replace(struct kstate *ks, const struct bg_config *cfg,
    const struct bg_port *ports, size_t n_ports, bool *committed, char *err,
    size_t errlen)
{
	struct ruleset rs;
	struct rs_kernel k;
	uint64_t t0 = now_us();
	char why[256];
	int rc = -1;

	*committed = false;
	if (probe_rs_kernel(&k, err, errlen) == -1)
		return -1;
	if (ruleset_build(&rs, cfg, ports, n_ports, &k, why,
	    sizeof(why)) == -1) {
		snprintf(err, errlen, "compiling the ruleset: %s", why);
		return -1;
	}
	if (nft_replace(&rs, err, errlen) == -1) {
		ks->st.failures++;
		goto out;
	}
	*committed = true;
	kstate_replaced(ks, &rs, ports, n_ports);
	ks->st.commits++;
	ks->st.full_applies++;
	ks->st.last_us = now_us() - t0;
	/* A tc failure is reported and retried at the next refresh. */
	if (tc_sync(&rs, err, errlen) == -1) {
		ks->stale = true;
		goto out;
	}
	rc = 0;
out:
	ruleset_free(&rs);
	/*
	 * The compiled ruleset and the batch were tens of MiB at 10,000
	 * guests, and glibc keeps freed heap: give it back, so that the
	 * daemon (and the sensor it forks) holds only what it keeps.
	 */
	malloc_trim(0);
	return rc;
}

/* Elements and chains a diff adds, deletes or refills. */
static size_t
diff_size(const struct diff *d)
{
	size_t i, n = 0;

	for (i = 0; i < DS_N; i++)
		n += d->add[i].n + d->del[i].n;
	for (i = 0; i < 2; i++)
		n += d->mk[i].n_chains + d->re[i].n_chains + d->rm[i].n_chains;
	return n;
}

int
txn_diff(struct kstate *ks, struct diff *d, uint64_t t0, char *err,
    size_t errlen)
{
	struct nft_batch *nb;
	int rc = -1;

	if (diff_empty(d))
		return 0;
	if ((nb = nft_batch_new()) == NULL || nft_batch_diff(nb, d) == -1) {
		snprintf(err, errlen, "building the batch: %s",
		    strerror(errno ? errno : ENOMEM));
		goto out;
	}
	if (nft_batch_commit(nb, err, errlen) == -1) {
		ks->st.failures++;
		goto out;
	}
	kstate_changed(ks, d);
	ks->st.commits++;
	ks->st.last_us = now_us() - t0;
	ks->st.last_elems = diff_size(d);
	rc = 0;
out:
	nft_batch_free(nb);
	return rc;
}
