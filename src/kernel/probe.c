/*
 * What the running kernel offers, found out without changing anything:
 * each question is a batch the kernel checks and aborts. Users run
 * distribution kernels, not the one bridgeguard is built on.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nft.h"
#include "probe.h"

/*
 * Asks the kernel, in a batch it aborts, to hook a chain of our table to
 * the egress of "lo". Test hook: BRIDGEGUARD_FAULT=no-egress answers no,
 * so that the tc backend is tested on kernels that have the hook.
 */
int
probe_egress(char *err, size_t errlen)
{
	const char *f = getenv("BRIDGEGUARD_FAULT");
	struct nft_batch *nb = NULL;
	struct rs_chain *c;
	char why[256];
	int e, rc = -1;

	if (f && strcmp(f, "no-egress") == 0)
		return 0;
	if ((c = rs_chain_new("egress_probe", H_EGRESS, 0)) != NULL)
		rs_chain_dev(c, "lo");
	if (c == NULL || (nb = nft_batch_new()) == NULL) {
		snprintf(err, errlen, "probing the egress hook: %s",
		    strerror(errno ? errno : ENOMEM));
		goto out;
	}
	nft_batch_table(nb, RS_NETDEV);
	nft_batch_chain(nb, RS_NETDEV, c);
	if (nft_batch_check(nb, why, sizeof(why)) == 0)
		rc = 1;
	else if (errno == EOPNOTSUPP || errno == EINVAL || errno == ENOENT)
		rc = 0;
	else
		snprintf(err, errlen, "probing the egress hook: %s", why);
out:
	e = errno;
	nft_batch_free(nb);
	rs_chain_free(c);
	errno = e;
	return rc;
}

int
probe_backend(enum rs_backend *b, char *err, size_t errlen)
{
	static int egress = -1;

	if (egress == -1 && (egress = probe_egress(err, errlen)) == -1)
		return -1;	/* asked again next time */
	*b = egress ? RS_COPY_NFT : RS_COPY_TC;
	return 0;
}

const char *
backend_name(enum rs_backend b)
{
	return b == RS_COPY_TC ? "tc" : "nftables";
}
