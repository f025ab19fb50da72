/*
 * A batch as text (nft_batch_dump): every message decoded back from the
 * bytes the kernel would receive, so that a test needing no privilege can
 * compare them with a golden file. Rules print as libnftnl prints them
 * (the `nft --debug=netlink` form); tables, sets, elements and chains
 * print every attribute bridgeguard sets. Sequence numbers are left out:
 * they are the clock's, not the ruleset's.
 */
#include <netinet/in.h>	/* before linux/netfilter.h, see libc-compat.h */
#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nft.h"

static const char *
msg_name(uint16_t type)
{
	switch (type & 0xff) {
	case NFT_MSG_NEWTABLE:
		return "newtable";
	case NFT_MSG_DELTABLE:
		return "deltable";
	case NFT_MSG_NEWCHAIN:
		return "newchain";
	case NFT_MSG_DELCHAIN:
		return "delchain";
	case NFT_MSG_NEWRULE:
		return "newrule";
	case NFT_MSG_DELRULE:
		return "delrule";
	case NFT_MSG_DELSETELEM:
		return "delsetelem";
	case NFT_MSG_NEWSET:
		return "newset";
	case NFT_MSG_NEWSETELEM:
		return "newsetelem";
	case 30:	/* NFT_MSG_DESTROYSETELEM, Linux 6.3 */
		return "destroysetelem";
	}
	return "other";
}

static void
hex(FILE *f, const void *p, uint32_t len)
{
	const uint8_t *b = p;
	uint32_t i;

	for (i = 0; i < len; i++)
		fprintf(f, "%02x", b[i]);
}

static void
dump_table(FILE *f, const struct nlmsghdr *nlh)
{
	struct nftnl_table *t = nftnl_table_alloc();

	if (t && nftnl_table_nlmsg_parse(nlh, t) == 0)
		fprintf(f, "  table %s family %u\n",
		    nftnl_table_get_str(t, NFTNL_TABLE_NAME),
		    nftnl_table_get_u32(t, NFTNL_TABLE_FAMILY));
	nftnl_table_free(t);
}

static int
expr_line(struct nftnl_expr *e, void *arg)
{
	char buf[512];

	nftnl_expr_snprintf(buf, sizeof(buf), e, NFTNL_OUTPUT_DEFAULT, 0);
	fprintf(arg, "  expr %s [ %s ]\n", nftnl_expr_get_str(e,
	    NFTNL_EXPR_NAME), buf);
	return 0;
}

static void
dump_set(FILE *f, const struct nlmsghdr *nlh)
{
	struct nftnl_set *s = nftnl_set_alloc();
	const void *ud;
	uint32_t len;

	if (s == NULL || nftnl_set_nlmsg_parse(nlh, s) != 0)
		goto out;
	fprintf(f, "  set %s table %s family %u key_type 0x%08x key_len %u "
	    "flags 0x%x id %u", nftnl_set_get_str(s, NFTNL_SET_NAME),
	    nftnl_set_get_str(s, NFTNL_SET_TABLE),
	    nftnl_set_get_u32(s, NFTNL_SET_FAMILY),
	    nftnl_set_get_u32(s, NFTNL_SET_KEY_TYPE),
	    nftnl_set_get_u32(s, NFTNL_SET_KEY_LEN),
	    nftnl_set_get_u32(s, NFTNL_SET_FLAGS),
	    nftnl_set_get_u32(s, NFTNL_SET_ID));
	if (nftnl_set_is_set(s, NFTNL_SET_DESC_SIZE))
		fprintf(f, " size %u", nftnl_set_get_u32(s,
		    NFTNL_SET_DESC_SIZE));
	if ((ud = nftnl_set_get_data(s, NFTNL_SET_USERDATA, &len)) != NULL) {
		fprintf(f, " userdata ");
		hex(f, ud, len);
	}
	fprintf(f, "\n");
	nftnl_set_expr_foreach(s, expr_line, f);
out:
	nftnl_set_free(s);
}

/* An element's attributes, raw: libnftnl's parser is not needed here. */
static void
dump_elem(FILE *f, const struct nlattr *elem)
{
	const struct nlattr *a, *v;

	fprintf(f, "  element");
	mnl_attr_for_each_nested(a, elem) {
		fprintf(f, " %u:", mnl_attr_get_type(a));
		if (mnl_attr_get_type(a) != NFTA_SET_ELEM_KEY) {
			hex(f, mnl_attr_get_payload(a),
			    mnl_attr_get_payload_len(a));
			continue;
		}
		mnl_attr_for_each_nested(v, a)
			hex(f, mnl_attr_get_payload(v),
			    mnl_attr_get_payload_len(v));
	}
	fprintf(f, "\n");
}

static void
dump_elems(FILE *f, const struct nlmsghdr *nlh)
{
	const struct nlattr *a, *e;

	mnl_attr_for_each(a, nlh, sizeof(struct nfgenmsg)) {
		switch (mnl_attr_get_type(a)) {
		case NFTA_SET_ELEM_LIST_TABLE:
			fprintf(f, "  table %s\n", mnl_attr_get_str(a));
			break;
		case NFTA_SET_ELEM_LIST_SET:
			fprintf(f, "  set %s\n", mnl_attr_get_str(a));
			break;
		case NFTA_SET_ELEM_LIST_ELEMENTS:
			mnl_attr_for_each_nested(e, a)
				dump_elem(f, e);
			break;
		default:
			fprintf(f, "  attr %u ", mnl_attr_get_type(a));
			hex(f, mnl_attr_get_payload(a),
			    mnl_attr_get_payload_len(a));
			fprintf(f, "\n");
		}
	}
}

static void
dump_chain(FILE *f, const struct nlmsghdr *nlh)
{
	struct nftnl_chain *c = nftnl_chain_alloc();
	const char *const *devs;
	size_t i;

	if (c == NULL || nftnl_chain_nlmsg_parse(nlh, c) != 0)
		goto out;
	fprintf(f, "  chain %s table %s family %u",
	    nftnl_chain_get_str(c, NFTNL_CHAIN_NAME),
	    nftnl_chain_get_str(c, NFTNL_CHAIN_TABLE),
	    nftnl_chain_get_u32(c, NFTNL_CHAIN_FAMILY));
	if (nftnl_chain_is_set(c, NFTNL_CHAIN_HOOKNUM))
		fprintf(f, " hook %u prio %d", nftnl_chain_get_u32(c,
		    NFTNL_CHAIN_HOOKNUM), nftnl_chain_get_s32(c,
		    NFTNL_CHAIN_PRIO));
	if (nftnl_chain_is_set(c, NFTNL_CHAIN_TYPE))
		fprintf(f, " type %s", nftnl_chain_get_str(c,
		    NFTNL_CHAIN_TYPE));
	if (nftnl_chain_is_set(c, NFTNL_CHAIN_POLICY))
		fprintf(f, " policy %u", nftnl_chain_get_u32(c,
		    NFTNL_CHAIN_POLICY));
	if ((devs = nftnl_chain_get(c, NFTNL_CHAIN_DEVICES)) != NULL) {
		fprintf(f, " devices {");
		for (i = 0; devs[i]; i++)
			fprintf(f, " %s", devs[i]);
		fprintf(f, " }");
	}
	fprintf(f, "\n");
out:
	nftnl_chain_free(c);
}

static void
dump_rule(FILE *f, const struct nlmsghdr *nlh)
{
	struct nftnl_rule *r = nftnl_rule_alloc();
	char *buf = malloc(8192);
	size_t n;

	if (r && buf && nftnl_rule_nlmsg_parse(nlh, r) == 0) {
		nftnl_rule_snprintf(buf, 8192, r, NFTNL_OUTPUT_DEFAULT, 0);
		/* libnftnl 1.2.9 (Debian 13) ends the last expression
		 * without the newline 1.2.4 (Debian 12) prints. */
		n = strlen(buf);
		while (n > 0 && buf[n - 1] == '\n')
			n--;
		fprintf(f, "  %.*s\n", (int)n, buf);
	}
	free(buf);
	nftnl_rule_free(r);
}

static int
dump_msg(const struct nlmsghdr *nlh, const char *what, void *arg)
{
	const struct nfgenmsg *g = mnl_nlmsg_get_payload(nlh);
	FILE *f = arg;

	fprintf(f, "# %s\n%s family %u flags 0x%x\n", what,
	    msg_name(nlh->nlmsg_type), g->nfgen_family, nlh->nlmsg_flags);
	switch (nlh->nlmsg_type & 0xff) {
	case NFT_MSG_NEWTABLE:
	case NFT_MSG_DELTABLE:
		dump_table(f, nlh);
		break;
	case NFT_MSG_NEWSET:
		dump_set(f, nlh);
		break;
	case NFT_MSG_NEWSETELEM:
	case NFT_MSG_DELSETELEM:
	case 30:
		dump_elems(f, nlh);
		break;
	case NFT_MSG_NEWCHAIN:
	case NFT_MSG_DELCHAIN:
		dump_chain(f, nlh);
		break;
	case NFT_MSG_NEWRULE:
	case NFT_MSG_DELRULE:
		dump_rule(f, nlh);
		break;
	}
	return 0;
}

int
nft_batch_dump(const struct nft_batch *nb, FILE *f)
{
	return nft_batch_foreach(nb, dump_msg, f);
}
