/*
 * Is bridgeguard's ruleset in force, and is it the policy's? The policy
 * is compiled as `apply` would compile it now, against the ports present
 * now, and compared with the kernel's: each set element for element (a
 * verdict map's chains too; the per-port counters the packet path fills
 * are not compared), then every chain and its rules (nft_compare.c). A
 * guest whose port is absent, on a kernel that cannot hook absent devices,
 * has no ingress chain yet: it is waiting, not a difference.
 */
#include <netinet/in.h>	/* before linux/netfilter.h, see libc-compat.h */
#include <errno.h>
#include <libnftnl/set.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apply.h"
#include "host.h"
#include "nft.h"

struct keys {
	struct rs_elem	*v;
	size_t		 n, klen;
	int		 oom;
};

static int
elem_key(struct nftnl_set_elem *e, void *data)
{
	struct keys *ks = data;
	struct rs_elem *v;
	const void *key;
	uint32_t len = 0;

	if ((v = reallocarray(ks->v, ks->n + 1, sizeof(*v))) == NULL) {
		ks->oom = 1;
		return -1;
	}
	ks->v = v;
	memset(&v[ks->n], 0, sizeof(*v));
	key = nftnl_set_elem_get(e, NFTNL_SET_ELEM_KEY, &len);
	if (key)
		memcpy(v[ks->n].key, key, len < RS_KEY_MAX ? len : RS_KEY_MAX);
	if (nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_CHAIN))
		snprintf(v[ks->n].jump, sizeof(v[ks->n].jump), "%s",
		    nftnl_set_elem_get_str(e, NFTNL_SET_ELEM_CHAIN));
	ks->n++;
	return 0;
}

/* 0, 1 if the set does not exist, -1 on error. */
static int
read_keys(enum rs_family fam, const char *set, struct keys *ks, char *err,
    size_t errlen)
{
	if (nft_set_walk(fam, set, elem_key, ks, err, errlen) == -1)
		return errno == ENOENT ? 1 : -1;
	return ks->oom ? -1 : 0;
}

static bool
has_key(const struct rs_elem *v, size_t n, const struct rs_elem *k,
    size_t klen)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (memcmp(v[i].key, k->key, klen) == 0 &&
		    strcmp(v[i].jump, k->jump) == 0)
			return true;
	return false;
}

/* Compares one set; 0 if equal, 1 if not (why said), -1 on error. */
static int
compare_set(enum rs_family fam, const struct rs_set *want,
    struct au_protect *p, char *err, size_t errlen)
{
	struct keys ks = { NULL, 0, rs_key_len(want), 0 };
	size_t i, missing = 0, extra = 0;
	int rc;

	if ((rc = read_keys(fam, want->name, &ks, err, errlen)) != 0) {
		if (rc == 1)
			snprintf(p->why, sizeof(p->why), "set %s %s is missing",
			    rs_family_name(fam), want->name);
		free(ks.v);
		return rc;
	}
	for (i = 0; i < want->n; i++)
		missing += !has_key(ks.v, ks.n, &want->elems[i], ks.klen);
	for (i = 0; i < ks.n; i++)
		extra += !has_key(want->elems, want->n, &ks.v[i], ks.klen);
	free(ks.v);
	if (missing == 0 && extra == 0)
		return 0;
	snprintf(p->why, sizeof(p->why), "set %s %s lacks %zu of the "
	    "policy's %zu elements and has %zu it does not have",
	    rs_family_name(fam), want->name, missing, want->n, extra);
	return 1;
}

static int
compare_table(const struct rs_table *t, struct au_protect *p, char *err,
    size_t errlen)
{
	size_t i;
	int rc;

	for (i = 0; i < t->n_sets; i++) {
		/* The kernel fills these itself (drop counters, log limits). */
		if (t->sets[i]->counters || t->sets[i]->dynamic)
			continue;
		if ((rc = compare_set(t->family, t->sets[i], p, err,
		    errlen)) != 0)
			return rc;
	}
	return 0;
}

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
	rc = compare_table(&rs.netdev, p, err, errlen);
	if (rc == 0)
		rc = compare_table(&rs.bridge, p, err, errlen);
	if (rc == 0)
		rc = nft_chains_compare(&rs, p->why, sizeof(p->why), err,
		    errlen);
	p->waiting = rs.waiting;	/* ours now */
	p->n_waiting = rs.n_waiting;
	rs.waiting = NULL;
	ruleset_free(&rs);
	p->match = rc == 0;
	return rc == -1 ? -1 : 0;
}
