/*
 * Is bridgeguard's ruleset in force, and is it the policy's? The policy
 * is compiled as `apply` would compile it now, against the ports present
 * now, and compared with the kernel's (kernel/nft_compare.c). A guest
 * whose port is absent, on a kernel that cannot hook absent devices, has
 * no ingress chain yet: it is waiting, not a difference.
 */
#include "apply.h"
#include "host.h"
#include "nft.h"

int
au_read_protection(struct au_host *h, const struct bg_config *cfg,
    char *err, size_t errlen)
{
	struct au_protect *p = &h->prot;
	struct ruleset rs;
	int a, b, rc;

	if ((a = nft_table_exists(RS_NETDEV, err, errlen)) == -1 ||
	    (b = nft_table_exists(RS_BRIDGE, err, errlen)) == -1)
		return -1;
	p->netdev = a == 1;
	p->bridge = b == 1;
	if (cfg == NULL || !p->netdev || !p->bridge)
		return 0;
	if (apply_compile(cfg, &rs, err, errlen) == -1)
		return -1;
	p->compared = true;
	rc = nft_ruleset_compare(&rs, p->why, sizeof(p->why), err, errlen);
	p->waiting = rs.waiting;	/* ours now */
	p->n_waiting = rs.n_waiting;
	rs.waiting = NULL;
	ruleset_free(&rs);
	p->match = rc == 0;
	return rc == -1 ? -1 : 0;
}
