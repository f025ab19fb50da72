/*
 * Are the kernel's sets and chains of bridgeguard's tables a compiled
 * ruleset's? Each set element for element (a verdict map's chains too;
 * the sets the packet path fills, per-port counters and log limits, are
 * not compared). Each compiled chain is built as the batch would send it (linearize.c)
 * and compared with the kernel's: hook, priority, devices, then each rule,
 * expression by expression in libnftnl's text, counters' values aside (the
 * packet path changes them). A chain the kernel has and the ruleset does
 * not is a difference too, but for the ingress chain of a waiting guest: a
 * kernel without hooks on absent devices keeps it hooking nothing (6.12)
 * or has deleted it (6.1), and either is what the ruleset expects.
 */
#include <netinet/in.h>	/* before linux/netfilter.h, see libc-compat.h */
#include <errno.h>
#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guest.h"
#include "linearize.h"
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
compare_set(enum rs_family fam, const struct rs_set *want, char *why,
    size_t whylen, char *err, size_t errlen)
{
	struct keys ks = { NULL, 0, rs_key_len(want), 0 };
	size_t i, missing = 0, extra = 0;
	int rc;

	if ((rc = read_keys(fam, want->name, &ks, err, errlen)) != 0) {
		if (rc == 1)
			snprintf(why, whylen, "set %s %s is missing",
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
	snprintf(why, whylen, "set %s %s lacks %zu of the "
	    "policy's %zu elements and has %zu it does not have",
	    rs_family_name(fam), want->name, missing, want->n, extra);
	return 1;
}

/* The sets of t against the kernel's: 0, 1 (why said), -1 with err. */
static int
compare_sets(const struct rs_table *t, char *why, size_t whylen, char *err,
    size_t errlen)
{
	size_t i;
	int rc;

	for (i = 0; i < t->n_sets; i++) {
		/* The kernel fills these itself (drop counters, log limits). */
		if (t->sets[i]->counters || t->sets[i]->dynamic)
			continue;
		if ((rc = compare_set(t->family, t->sets[i], why, whylen,
		    err, errlen)) != 0)
			return rc;
	}
	return 0;
}

/* One of the kernel's chains: its rules are r[r0 .. r0 + n). */
struct kchain {
	struct nftnl_chain	*c;
	const char		*name;
	size_t			 r0, n;
	bool			 seen;	/* the ruleset has it */
};

/* What the kernel has of one table: its chains (sorted by name once
 * read) and rules, as dumped: the rules of a chain one after another. */
struct kdump {
	struct kchain		*c;
	size_t			 nc;
	struct nftnl_rule	**r;
	size_t			 nr;
};

static void
kdump_free(struct kdump *k)
{
	size_t i;

	for (i = 0; i < k->nc; i++)
		nftnl_chain_free(k->c[i].c);
	for (i = 0; i < k->nr; i++)
		nftnl_rule_free(k->r[i]);
	free(k->c);
	free(k->r);
}

/* The dump is asked for our table only; kernels that dump every table
 * anyway are filtered here. */
static bool
ours(const char *table)
{
	return table && strcmp(table, RS_TABLE) == 0;
}

static int
chains_cb(const struct nlmsghdr *nlh, void *data)
{
	struct kdump *k = data;
	struct nftnl_chain *c;
	struct kchain *v;

	if ((c = nftnl_chain_alloc()) == NULL)
		goto oom;
	if (nftnl_chain_nlmsg_parse(nlh, c) != 0 ||
	    !ours(nftnl_chain_get_str(c, NFTNL_CHAIN_TABLE)) ||
	    nftnl_chain_get_str(c, NFTNL_CHAIN_NAME) == NULL) {
		nftnl_chain_free(c);
		return MNL_CB_OK;
	}
	if ((v = reallocarray(k->c, k->nc + 1, sizeof(*v))) == NULL) {
		nftnl_chain_free(c);
		goto oom;
	}
	k->c = v;
	memset(&v[k->nc], 0, sizeof(*v));
	v[k->nc].c = c;
	v[k->nc++].name = nftnl_chain_get_str(c, NFTNL_CHAIN_NAME);
	return MNL_CB_OK;
oom:
	errno = ENOMEM;
	return MNL_CB_ERROR;
}

static int
rules_cb(const struct nlmsghdr *nlh, void *data)
{
	struct kdump *k = data;
	struct nftnl_rule *r, **v;

	if ((r = nftnl_rule_alloc()) == NULL)
		goto oom;
	if (nftnl_rule_nlmsg_parse(nlh, r) != 0 ||
	    !ours(nftnl_rule_get_str(r, NFTNL_RULE_TABLE)) ||
	    nftnl_rule_get_str(r, NFTNL_RULE_CHAIN) == NULL) {
		nftnl_rule_free(r);
		return MNL_CB_OK;
	}
	if ((v = reallocarray(k->r, k->nr + 1, sizeof(*v))) == NULL) {
		nftnl_rule_free(r);
		goto oom;
	}
	k->r = v;
	k->r[k->nr++] = r;
	return MNL_CB_OK;
oom:
	errno = ENOMEM;
	return MNL_CB_ERROR;
}

static int
kdump_read(enum rs_family fam, struct kdump *k, char *err, size_t errlen)
{
	char what[64];

	snprintf(what, sizeof(what), "reading the chains of table %s %s",
	    rs_family_name(fam), RS_TABLE);
	if (nft_query_chains(nft_family(fam), RS_TABLE, NULL, chains_cb, k,
	    err, errlen, what) == -1)
		return -1;
	snprintf(what, sizeof(what), "reading the rules of table %s %s",
	    rs_family_name(fam), RS_TABLE);
	return nft_query_rules(nft_family(fam), RS_TABLE, NULL, rules_cb, k,
	    err, errlen, what);
}

static int
kchain_cmp(const void *a, const void *b)
{
	return strcmp(((const struct kchain *)a)->name,
	    ((const struct kchain *)b)->name);
}

static struct kchain *
kdump_chain(const struct kdump *k, const char *name)
{
	struct kchain key = { .name = name };

	return k->nc ? bsearch(&key, k->c, k->nc, sizeof(*k->c),
	    kchain_cmp) : NULL;
}

/* Sorts the chains and finds each one's run of rules. */
static void
kdump_index(struct kdump *k)
{
	struct kchain *c = NULL;
	const char *name;
	size_t i;

	if (k->nc)
		qsort(k->c, k->nc, sizeof(*k->c), kchain_cmp);
	for (i = 0; i < k->nr; i++) {
		name = nftnl_rule_get_str(k->r[i], NFTNL_RULE_CHAIN);
		if (c == NULL || strcmp(c->name, name) != 0) {
			if ((c = kdump_chain(k, name)) == NULL)
				continue;
			c->r0 = i;
			c->n = 0;
		}
		c->n++;
	}
}

struct text {
	char	*p;
	size_t	 len, used;
};

/* One expression, as libnftnl prints it; a counter's values left out,
 * and the attributes the kernel dumps whether or not they were given
 * (a dynset's timeout, a lookup's flags) as it says them then. */
static int
expr_text(struct nftnl_expr *e, void *arg)
{
	struct text *t = arg;
	const char *name = nftnl_expr_get_str(e, NFTNL_EXPR_NAME);
	int n;

	if (strcmp(name, "counter") == 0) {
		nftnl_expr_set_u64(e, NFTNL_EXPR_CTR_PACKETS, 0);
		nftnl_expr_set_u64(e, NFTNL_EXPR_CTR_BYTES, 0);
	}
	if (strcmp(name, "dynset") == 0 &&
	    !nftnl_expr_is_set(e, NFTNL_EXPR_DYNSET_TIMEOUT))
		nftnl_expr_set_u64(e, NFTNL_EXPR_DYNSET_TIMEOUT, 0);
	if (strcmp(name, "lookup") == 0 &&
	    !nftnl_expr_is_set(e, NFTNL_EXPR_LOOKUP_FLAGS))
		nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_FLAGS, 0);
	if (t->used + 1 >= t->len)
		return 0;
	n = snprintf(t->p + t->used, t->len - t->used, "[ %s ", name);
	if (n > 0)
		t->used += (size_t)n;
	if (t->used + 1 >= t->len)
		return 0;
	n = nftnl_expr_snprintf(t->p + t->used, t->len - t->used, e,
	    NFTNL_OUTPUT_DEFAULT, 0);
	if (n > 0)
		t->used += (size_t)n;
	if (t->used + 3 < t->len) {
		memcpy(t->p + t->used, " ]", 3);
		t->used += 2;
	}
	return 0;
}

static void
rule_text(struct nftnl_rule *r, char *buf, size_t len)
{
	struct text t = { buf, len, 0 };

	buf[0] = '\0';
	nftnl_expr_foreach(r, expr_text, &t);
	if (t.used >= len)
		buf[len - 1] = '\0';
}

/* The devices a chain hooks, as one comparable string. */
static void
chain_devs(const struct nftnl_chain *c, char *buf, size_t len)
{
	const char *const *devs = NULL;
	const char *dev = NULL;
	size_t i, used = 0;

	buf[0] = '\0';
	if (nftnl_chain_is_set(c, NFTNL_CHAIN_DEVICES))
		devs = nftnl_chain_get_array(c, NFTNL_CHAIN_DEVICES);
	if (nftnl_chain_is_set(c, NFTNL_CHAIN_DEV))
		dev = nftnl_chain_get_str(c, NFTNL_CHAIN_DEV);
	for (i = 0; devs && devs[i] && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s%s",
		    used ? " " : "", devs[i]);
	if (devs == NULL && dev)
		snprintf(buf, len, "%s", dev);
}

static uint32_t
u32_or(const struct nftnl_chain *c, uint16_t attr, uint32_t dflt)
{
	return nftnl_chain_is_set(c, attr) ? nftnl_chain_get_u32(c, attr) :
	    dflt;
}

static const char *
str_or(const struct nftnl_chain *c, uint16_t attr)
{
	return nftnl_chain_is_set(c, attr) ? nftnl_chain_get_str(c, attr) :
	    "";
}

/* The kernel's chain against the one the batch would create: 0, 1. */
static int
hook_differs(enum rs_family fam, const struct nftnl_chain *want,
    const struct nftnl_chain *have, char *why, size_t whylen)
{
	char wd[512], hd[512];
	const char *name = nftnl_chain_get_str(want, NFTNL_CHAIN_NAME);

	if (u32_or(want, NFTNL_CHAIN_HOOKNUM, ~0u) != u32_or(have,
	    NFTNL_CHAIN_HOOKNUM, ~0u) || u32_or(want, NFTNL_CHAIN_PRIO, 0) !=
	    u32_or(have, NFTNL_CHAIN_PRIO, 0) || u32_or(want,
	    NFTNL_CHAIN_POLICY, NF_ACCEPT) != u32_or(have, NFTNL_CHAIN_POLICY,
	    NF_ACCEPT) || strcmp(str_or(want, NFTNL_CHAIN_TYPE),
	    str_or(have, NFTNL_CHAIN_TYPE)) != 0) {
		snprintf(why, whylen, "chain %s %s is not hooked as the "
		    "policy's (hook, type, priority or policy)", rs_family_name(fam),
		    name);
		return 1;
	}
	chain_devs(want, wd, sizeof(wd));
	chain_devs(have, hd, sizeof(hd));
	if (strcmp(wd, hd) == 0)
		return 0;
	snprintf(why, whylen, "chain %s %s hooks %s%s%s, the policy's hooks "
	    "%s", rs_family_name(fam), name, hd[0] ? "\"" : "no device",
	    hd, hd[0] ? "\"" : "", wd);
	return 1;
}

/* The rules of chain c against the kernel's, in order: 0, 1, -1. */
static int
rules_differ(enum rs_family fam, const struct rs_chain *c,
    const struct kdump *k, const struct kchain *kc, char *why,
    size_t whylen)
{
	char want[4096], have[4096];
	struct nftnl_rule *nr;
	size_t j;

	if (kc->n != c->n_rules) {
		snprintf(why, whylen, "chain %s %s has %zu rules, the "
		    "policy's %zu", rs_family_name(fam), c->name, kc->n,
		    c->n_rules);
		return 1;
	}
	for (j = 0; j < c->n_rules; j++) {
		if ((nr = nft_rule_build(fam, c->name, c->rules[j])) == NULL)
			return -1;
		rule_text(nr, want, sizeof(want));
		nftnl_rule_free(nr);
		rule_text(k->r[kc->r0 + j], have, sizeof(have));
		if (strcmp(want, have) != 0) {
			snprintf(why, whylen, "rule %zu of chain %s %s is not "
			    "the policy's", j + 1, rs_family_name(fam),
			    c->name);
			return 1;
		}
	}
	return 0;
}

static bool
waiting_chain(const struct ruleset *rs, const char *name)
{
	char in[RS_CHAIN_NAME];
	size_t i;

	for (i = 0; i < rs->n_waiting; i++) {
		rs_guest_chain_name(in, sizeof(in), GC_IN, rs->waiting[i]);
		if (strcmp(in, name) == 0)
			return true;
	}
	return false;
}

static int
table_differs(const struct ruleset *rs, const struct rs_table *t,
    const struct kdump *k, char *why, size_t whylen)
{
	struct nftnl_chain *want;
	struct kchain *have;
	const char *name;
	size_t i;
	int rc;

	for (i = 0; i < t->n_chains; i++) {
		name = t->chains[i]->name;
		if ((have = kdump_chain(k, name)) == NULL) {
			snprintf(why, whylen, "chain %s %s is missing%s",
			    rs_family_name(t->family), name,
			    t->chains[i]->role == ROLE_GUEST &&
			    t->chains[i]->hook == H_INGRESS ? " (its port "
			    "appeared after apply: the daemon hooks it)" : "");
			return 1;
		}
		if ((want = nft_chain_build(t->family, t->chains[i],
		    CHAIN_ALL)) == NULL)
			return -1;
		have->seen = true;
		rc = hook_differs(t->family, want, have->c, why, whylen);
		nftnl_chain_free(want);
		if (rc == 0)
			rc = rules_differ(t->family, t->chains[i], k, have,
			    why, whylen);
		if (rc != 0)
			return rc;
	}
	for (i = 0; i < k->nc; i++)
		if (!k->c[i].seen && !waiting_chain(rs, k->c[i].name)) {
			snprintf(why, whylen, "chain %s %s is not the policy's",
			    rs_family_name(t->family), k->c[i].name);
			return 1;
		}
	return 0;
}

/* One table of rs against the kernel's: 0, 1, -1 with err. */
static int
compare_table(const struct ruleset *rs, const struct rs_table *t,
    char *why, size_t whylen, char *err, size_t errlen)
{
	struct kdump k;
	int rc;

	memset(&k, 0, sizeof(k));
	/* A callback's failure to allocate fails the query, err said. */
	if ((rc = kdump_read(t->family, &k, err, errlen)) == 0) {
		kdump_index(&k);
		if ((rc = table_differs(rs, t, &k, why, whylen)) == -1)
			snprintf(err, errlen, "comparing table %s %s: %s",
			    rs_family_name(t->family), RS_TABLE,
			    strerror(errno));
	}
	kdump_free(&k);
	return rc;
}

int
nft_ruleset_compare(const struct ruleset *rs, char *why, size_t whylen,
    char *err, size_t errlen)
{
	int rc;

	rc = compare_sets(&rs->netdev, why, whylen, err, errlen);
	if (rc == 0)
		rc = compare_sets(&rs->bridge, why, whylen, err, errlen);
	if (rc == 0)
		rc = compare_table(rs, &rs->netdev, why, whylen, err, errlen);
	if (rc == 0)
		rc = compare_table(rs, &rs->bridge, why, whylen, err, errlen);
	return rc;
}
