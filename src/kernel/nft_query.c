/*
 * Reading nf_tables back: whether bridgeguard's tables exist, the per-port
 * counters of the drop sets, the counters of a chain's rules; and, for
 * the audit, anyone's chains and rules.
 */
#include <netinet/in.h>	/* before linux/netfilter.h, see libc-compat.h */
#include <errno.h>
#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "linearize.h"
#include "nft.h"

/* Sends one nf_tables request and runs cb on every reply until the dump
 * is done; on error err says "what: strerror". */
static int
nft_query(struct nlmsghdr *nlh, mnl_cb_t cb, void *data, char *err,
    size_t errlen, const char *what)
{
	struct mnl_socket *nl;
	char buf[MNL_SOCKET_BUFFER_SIZE * 4];
	uint32_t portid, seq = nlh->nlmsg_seq;
	ssize_t n;
	int rc = -1;

	if ((nl = nft_socket_open(err, errlen)) == NULL)
		return -1;
	portid = mnl_socket_get_portid(nl);
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		goto fail;
	while ((n = mnl_socket_recvfrom(nl, buf, sizeof(buf))) > 0) {
		rc = mnl_cb_run(buf, (size_t)n, seq, portid, cb, data);
		if (rc <= MNL_CB_STOP)
			break;
	}
	if (n == -1)
		rc = -1;
	if (rc == -1)
		goto fail;
	mnl_socket_close(nl);
	return 0;
fail:
	snprintf(err, errlen, "%s: %s", what, strerror(errno));
	mnl_socket_close(nl);
	return -1;
}

/* The failure of a request that could not be built: as nft_query's. */
static int
query_oom(char *err, size_t errlen, const char *what)
{
	errno = ENOMEM;
	snprintf(err, errlen, "%s: %s", what, strerror(errno));
	return -1;
}

int
nft_query_chains(uint16_t nfproto, const char *table, const char *chain,
    int (*cb)(const struct nlmsghdr *, void *), void *data, char *err,
    size_t errlen, const char *what)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nftnl_chain *c;
	struct nlmsghdr *nlh;

	if ((c = nftnl_chain_alloc()) == NULL)
		return query_oom(err, errlen, what);
	if (table)
		nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, table);
	if (chain)
		nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, chain);
	/* A dump ignores a chain's name: one chain is a plain request. */
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETCHAIN, nfproto,
	    (chain ? 0 : NLM_F_DUMP) | NLM_F_ACK, (uint32_t)time(NULL));
	nftnl_chain_nlmsg_build_payload(nlh, c);
	nftnl_chain_free(c);
	return nft_query(nlh, cb, data, err, errlen, what);
}

int
nft_query_rules(uint16_t nfproto, const char *table, const char *chain,
    int (*cb)(const struct nlmsghdr *, void *), void *data, char *err,
    size_t errlen, const char *what)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nftnl_rule *r;
	struct nlmsghdr *nlh;

	if ((r = nftnl_rule_alloc()) == NULL)
		return query_oom(err, errlen, what);
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, table);
	if (chain)
		nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, chain);
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETRULE, nfproto,
	    NLM_F_DUMP | NLM_F_ACK, (uint32_t)time(NULL));
	nftnl_rule_nlmsg_build_payload(nlh, r);
	nftnl_rule_free(r);
	return nft_query(nlh, cb, data, err, errlen, what);
}

static int
table_cb(const struct nlmsghdr *nlh, void *data)
{
	(void)nlh;
	*(int *)data = 1;
	return MNL_CB_OK;
}

int
nft_table_exists(enum rs_family fam, char *err, size_t errlen)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nftnl_table *t;
	struct nlmsghdr *nlh;
	int found = 0;

	if ((t = nftnl_table_alloc()) == NULL)
		return -1;
	nftnl_table_set_str(t, NFTNL_TABLE_NAME, RS_TABLE);
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETTABLE, nft_family(fam),
	    NLM_F_ACK, (uint32_t)time(NULL));
	nftnl_table_nlmsg_build_payload(nlh, t);
	nftnl_table_free(t);
	if (nft_query(nlh, table_cb, &found, err, errlen,
	    "looking up bridgeguard's tables") == -1)
		return errno == ENOENT ? 0 : -1;
	return found;
}

struct counters {
	struct nft_counter	*c;
	size_t			 n;
	int			 oom;
};

static int
elem_counter(struct nftnl_set_elem *e, void *data)
{
	struct counters *cs = data;
	struct nft_counter *c, *p;
	struct nftnl_expr *x;
	const void *key;
	uint32_t len;

	if ((p = realloc(cs->c, (cs->n + 1) * sizeof(*p))) == NULL) {
		cs->oom = 1;
		return -1;
	}
	cs->c = p;
	c = &cs->c[cs->n++];
	memset(c, 0, sizeof(*c));
	key = nftnl_set_elem_get(e, NFTNL_SET_ELEM_KEY, &len);
	if (key)
		memcpy(c->port, key, len < sizeof(c->port) ? len :
		    sizeof(c->port) - 1);
	x = (struct nftnl_expr *)nftnl_set_elem_get(e, NFTNL_SET_ELEM_EXPR,
	    &len);
	if (x) {
		c->packets = nftnl_expr_get_u64(x, NFTNL_EXPR_CTR_PACKETS);
		c->bytes = nftnl_expr_get_u64(x, NFTNL_EXPR_CTR_BYTES);
	}
	return 0;
}

struct walk {
	nft_elem_fn	 fn;
	void		*arg;
};

static int
elems_cb(const struct nlmsghdr *nlh, void *data)
{
	struct walk *w = data;
	struct nftnl_set *s;
	int rc;

	if ((s = nftnl_set_alloc()) == NULL)
		return MNL_CB_ERROR;
	rc = nftnl_set_elems_nlmsg_parse(nlh, s);
	if (rc == 0)
		nftnl_set_elem_foreach(s, w->fn, w->arg);
	nftnl_set_free(s);
	return rc < 0 ? MNL_CB_ERROR : MNL_CB_OK;
}

int
nft_set_walk(enum rs_family fam, const char *set, nft_elem_fn fn, void *arg,
    char *err, size_t errlen)
{
	char buf[MNL_SOCKET_BUFFER_SIZE], what[96];
	struct walk w = { fn, arg };
	struct nftnl_set *s;
	struct nlmsghdr *nlh;

	if ((s = nftnl_set_alloc()) == NULL)
		return -1;
	nftnl_set_set_str(s, NFTNL_SET_TABLE, RS_TABLE);
	nftnl_set_set_str(s, NFTNL_SET_NAME, set);
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETSETELEM, nft_family(fam),
	    NLM_F_DUMP | NLM_F_ACK, (uint32_t)time(NULL));
	nftnl_set_elems_nlmsg_build_payload(nlh, s);
	nftnl_set_free(s);
	snprintf(what, sizeof(what), "reading set %s %s", rs_family_name(fam),
	    set);
	return nft_query(nlh, elems_cb, &w, err, errlen, what);
}

int
nft_set_counters(enum rs_family fam, const char *set,
    struct nft_counter **out, size_t *n, char *err, size_t errlen)
{
	struct counters cs = { NULL, 0, 0 };

	if (nft_set_walk(fam, set, elem_counter, &cs, err, errlen) == -1 ||
	    cs.oom) {
		free(cs.c);
		return -1;
	}
	*out = cs.c;
	*n = cs.n;
	return 0;
}

struct rule_ctr {
	uint64_t	 packets, bytes;
	size_t		 rules;
};

static int
rule_expr_ctr(struct nftnl_expr *e, void *data)
{
	struct rule_ctr *rc = data;

	if (strcmp(nftnl_expr_get_str(e, NFTNL_EXPR_NAME), "counter") == 0) {
		rc->packets += nftnl_expr_get_u64(e, NFTNL_EXPR_CTR_PACKETS);
		rc->bytes += nftnl_expr_get_u64(e, NFTNL_EXPR_CTR_BYTES);
	}
	return 0;
}

static int
rule_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nftnl_rule *r;

	if ((r = nftnl_rule_alloc()) == NULL)
		return MNL_CB_ERROR;
	if (nftnl_rule_nlmsg_parse(nlh, r) == 0) {
		((struct rule_ctr *)data)->rules++;
		nftnl_expr_foreach(r, rule_expr_ctr, data);
	}
	nftnl_rule_free(r);
	return MNL_CB_OK;
}

int
nft_chain_counter(enum rs_family fam, const char *chain, uint64_t *packets,
    uint64_t *bytes, char *err, size_t errlen)
{
	struct rule_ctr rc = { 0, 0, 0 };
	char what[96];

	snprintf(what, sizeof(what), "reading chain %s %s", rs_family_name(fam),
	    chain);
	if (nft_query_rules(nft_family(fam), RS_TABLE, chain, rule_cb, &rc,
	    err, errlen, what) == -1 && errno != ENOENT)
		return -1;
	*packets = rc.packets;
	*bytes = rc.bytes;
	return rc.rules > 0;
}

struct chain_hook {
	const char	*dev;
	int		 state;		/* enum rs_chain_state */
};

static int
chain_cb(const struct nlmsghdr *nlh, void *data)
{
	struct chain_hook *h = data;
	struct nftnl_chain *c;
	const char *const *devs;
	const char *dev;
	size_t i;

	if ((c = nftnl_chain_alloc()) == NULL)
		return MNL_CB_ERROR;
	if (nftnl_chain_nlmsg_parse(nlh, c) == 0) {
		h->state = RS_CHAIN_UNHOOKED;
		dev = nftnl_chain_get_str(c, NFTNL_CHAIN_DEV);
		if (dev && strcmp(dev, h->dev) == 0)
			h->state = RS_CHAIN_HOOKED;
		devs = nftnl_chain_get_array(c, NFTNL_CHAIN_DEVICES);
		for (i = 0; devs && devs[i]; i++)
			if (strcmp(devs[i], h->dev) == 0)
				h->state = RS_CHAIN_HOOKED;
	}
	nftnl_chain_free(c);
	return MNL_CB_OK;
}

int
nft_chain_hook(enum rs_family fam, const char *chain, const char *dev,
    char *err, size_t errlen)
{
	struct chain_hook h = { dev, RS_CHAIN_ABSENT };
	char what[96];

	snprintf(what, sizeof(what), "reading chain %s %s", rs_family_name(fam),
	    chain);
	if (nft_query_chains(nft_family(fam), RS_TABLE, chain, chain_cb, &h,
	    err, errlen, what) == -1) {
		if (errno != ENOENT)
			return -1;
		h.state = RS_CHAIN_ABSENT;
	}
	return h.state;
}
