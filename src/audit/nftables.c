/*
 * nftables as iptables-nft and ebtables-nft leave it: every chain (libvirt's
 * nwfilter chains among them), and the FORWARD chains that br_netfilter
 * sends bridged IPv4/IPv6 through, rule by rule, in order.
 */
#include <netinet/in.h>	/* before linux/netfilter.h, see libc-compat.h */
#include <errno.h>
#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host.h"
#include "nft.h"

static const char *
family_name(uint32_t f)
{
	switch (f) {
	case NFPROTO_IPV4:	return "ip";
	case NFPROTO_IPV6:	return "ip6";
	case NFPROTO_BRIDGE:	return "bridge";
	case NFPROTO_INET:	return "inet";
	case NFPROTO_ARP:	return "arp";
	case NFPROTO_NETDEV:	return "netdev";
	}
	return "?";
}

struct chains {
	struct au_host	*h;
	int		 oom;
};

static void
note_forward(struct au_host *h, const struct nftnl_chain *c, uint32_t fam)
{
	int k = fam == NFPROTO_IPV4 ? 0 : fam == NFPROTO_IPV6 ? 1 : -1;

	if (k < 0 || strcmp(nftnl_chain_get_str(c, NFTNL_CHAIN_TABLE),
	    "filter") != 0 || strcmp(nftnl_chain_get_str(c, NFTNL_CHAIN_NAME),
	    "FORWARD") != 0)
		return;
	h->fwd[k].present = true;
	h->fwd[k].policy_drop = nftnl_chain_is_set(c, NFTNL_CHAIN_POLICY) &&
	    nftnl_chain_get_u32(c, NFTNL_CHAIN_POLICY) == NF_DROP;
}

static int
chain_cb(const struct nlmsghdr *nlh, void *data)
{
	struct chains *cs = data;
	struct au_host *h = cs->h;
	struct nftnl_chain *c;
	struct au_chain *v, *x;
	uint32_t fam;

	if ((c = nftnl_chain_alloc()) == NULL)
		return MNL_CB_ERROR;
	if (nftnl_chain_nlmsg_parse(nlh, c) < 0)
		goto out;
	if ((v = reallocarray(h->chains, h->n_chains + 1, sizeof(*v))) == NULL) {
		cs->oom = 1;
		goto out;
	}
	h->chains = v;
	x = &v[h->n_chains++];
	fam = nftnl_chain_get_u32(c, NFTNL_CHAIN_FAMILY);
	snprintf(x->family, sizeof(x->family), "%s", family_name(fam));
	snprintf(x->table, sizeof(x->table), "%s",
	    nftnl_chain_get_str(c, NFTNL_CHAIN_TABLE));
	snprintf(x->name, sizeof(x->name), "%s",
	    nftnl_chain_get_str(c, NFTNL_CHAIN_NAME));
	note_forward(h, c, fam);
out:
	nftnl_chain_free(c);
	return MNL_CB_OK;
}

int
au_read_chains(struct au_host *h, char *err, size_t errlen)
{
	struct chains cs = { h, 0 };

	if (nft_query_chains(NFPROTO_UNSPEC, NULL, NULL, chain_cb, &cs, err,
	    errlen, "listing nftables chains") == -1)
		return -1;
	if (cs.oom) {
		snprintf(err, errlen, "listing nftables chains: %s",
		    strerror(ENOMEM));
		return -1;
	}
	return 0;
}

/* What one rule of FORWARD matches and does. */
struct rule_kind {
	bool	 ct_state, port;
	int	 verdict;	/* NF_ACCEPT, NF_DROP, or -1 */
};

static int
expr_cb(struct nftnl_expr *e, void *data)
{
	struct rule_kind *rk = data;
	const char *n = nftnl_expr_get_str(e, NFTNL_EXPR_NAME), *x;
	uint32_t key;

	if (strcmp(n, "ct") == 0 &&
	    nftnl_expr_get_u32(e, NFTNL_EXPR_CT_KEY) == NFT_CT_STATE)
		rk->ct_state = true;
	if (strcmp(n, "meta") == 0) {
		key = nftnl_expr_get_u32(e, NFTNL_EXPR_META_KEY);
		if (key == NFT_META_IIFNAME || key == NFT_META_OIFNAME ||
		    key == NFT_META_IIF || key == NFT_META_OIF)
			rk->port = true;
	}
	if (strcmp(n, "match") == 0) {
		x = nftnl_expr_get_str(e, NFTNL_EXPR_MT_NAME);
		if (strcmp(x, "physdev") == 0)
			rk->port = true;
		if (strcmp(x, "conntrack") == 0 || strcmp(x, "state") == 0)
			rk->ct_state = true;
	}
	if (strcmp(n, "target") == 0 &&
	    strcmp(nftnl_expr_get_str(e, NFTNL_EXPR_TG_NAME), "REJECT") == 0)
		rk->verdict = NF_DROP;
	if (strcmp(n, "immediate") == 0 &&
	    nftnl_expr_is_set(e, NFTNL_EXPR_IMM_VERDICT)) {
		int v = (int)nftnl_expr_get_u32(e, NFTNL_EXPR_IMM_VERDICT);

		if (v == NF_ACCEPT || v == NF_DROP)
			rk->verdict = v;
	}
	return 0;
}

struct fwd_walk {
	struct au_forward	*f;
	int			 n;
};

static int
rule_cb(const struct nlmsghdr *nlh, void *data)
{
	struct rule_kind rk = { false, false, -1 };
	struct fwd_walk *w = data;
	struct nftnl_rule *r;

	if ((r = nftnl_rule_alloc()) == NULL)
		return MNL_CB_ERROR;
	if (nftnl_rule_nlmsg_parse(nlh, r) == 0) {
		nftnl_expr_foreach(r, expr_cb, &rk);
		w->n++;
		if (rk.ct_state && rk.verdict == NF_ACCEPT &&
		    w->f->established_accept < 0)
			w->f->established_accept = w->n;
		if (rk.port && rk.verdict == NF_DROP && w->f->port_deny < 0)
			w->f->port_deny = w->n;
	}
	nftnl_rule_free(r);
	return MNL_CB_OK;
}

static bool
sysctl_on(const char *path)
{
	char buf[8] = "";
	FILE *f = fopen(path, "re");

	if (f == NULL)
		return false;	/* br_netfilter is not loaded */
	if (fgets(buf, sizeof(buf), f) == NULL)
		buf[0] = '\0';
	fclose(f);
	return buf[0] == '1';
}

static int
read_forward(struct au_forward *f, uint32_t fam, char *err, size_t errlen)
{
	struct fwd_walk w = { f, 0 };

	f->established_accept = f->port_deny = -1;
	if (!f->present)
		return 0;
	return nft_query_rules((uint16_t)fam, "filter", "FORWARD", rule_cb, &w,
	    err, errlen, fam == NFPROTO_IPV4 ?
	    "reading iptables' FORWARD chain" :
	    "reading ip6tables' FORWARD chain");
}

int
au_read_forward(struct au_host *h, char *err, size_t errlen)
{
	h->fwd[0].bridge_nf =
	    sysctl_on("/proc/sys/net/bridge/bridge-nf-call-iptables");
	h->fwd[1].bridge_nf =
	    sysctl_on("/proc/sys/net/bridge/bridge-nf-call-ip6tables");
	if (read_forward(&h->fwd[0], NFPROTO_IPV4, err, errlen) == -1 ||
	    read_forward(&h->fwd[1], NFPROTO_IPV6, err, errlen) == -1)
		return -1;
	return 0;
}
