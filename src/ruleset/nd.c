/*
 * Neighbour discovery from guests, the IPv6 form of ARP inspection. The
 * ICMPv6 header is the real one, found after any extension headers (the
 * kernel's transport header), never at a fixed offset. RAs and redirects
 * are dropped (RA guard: routers sit behind trusted ports). RS, NS and NA
 * are checked for their structure here, and for the guest's own values
 * (target, link-layer address) in its nd_<port> chain (guest.c):
 *   - no extension headers (no host needs them for ND, and they can hide
 *     what follows from a parser that does not walk them);
 *   - at most one option, and if there is one, it is the link-layer
 *     address option of its kind (source for RS and NS, target for NA),
 *     of one 8-byte unit: so the only link-layer address a receiver can
 *     take from the message is the one checked;
 *   - an NS from :: is duplicate address detection: no source link-layer
 *     option (a nonce, RFC 7527, is allowed), for an address the guest may
 *     claim.
 * From ::, only DAD and MLD reports (a host joins groups before it has an
 * address) pass: guard_unspec6.
 */
#include <netinet/in.h>	/* before linux/netfilter.h, see libc-compat.h */
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>

#include "drop.h"
#include "nd.h"

enum { RS = 133, RA, NS, NA, REDIRECT };

static const uint8_t any[16];

/* Extension headers before the ICMPv6 header: dropped. */
static void
no_exthdr(struct rs_chain *c)
{
	static const uint8_t icmpv6 = IPPROTO_ICMPV6;
	struct rs_rule *r = rs_chain_rule(c);

	ir_cmp(r, FLD_IP6_NEXTHDR, OP_NEQ, &icmpv6);
	rs_drop(r, R_ND);
}

/*
 * The message is len bytes without options, len + 8 with the one option
 * allowed, which must be opt (type and length) at field f.
 */
static void
one_option(struct rs_chain *c, unsigned int len, enum ir_fid f,
    const uint8_t opt[2])
{
	const uint8_t bare[2] = { 0, (uint8_t)len },
	    with[2] = { 0, (uint8_t)(len + 8) };
	struct rs_rule *r;

	r = rs_chain_rule(c);
	ir_cmp(r, FLD_IP6_LENGTH, OP_NEQ, bare);
	ir_cmp(r, FLD_IP6_LENGTH, OP_NEQ, with);
	rs_drop(r, R_ND);
	r = rs_chain_rule(c);
	ir_cmp(r, FLD_IP6_LENGTH, OP_EQ, with);
	ir_cmp(r, f, OP_NEQ, opt);
	rs_drop(r, R_ND);
}

static struct rs_chain *
chain_nd_ns(struct rs_table *t)
{
	struct rs_chain *c = rs_table_chain(t, "guard_ns", H_NONE, 0);
	static const uint8_t slla[2] = { 1, 1 }, nonce[2] = { 14, 1 },
	    with[2] = { 0, 32 };
	struct rs_rule *r;

	no_exthdr(c);
	/* DAD: a nonce at most, never a link-layer address. */
	r = rs_chain_rule(c);
	ir_cmp(r, FLD_IP6_SADDR, OP_EQ, any);
	ir_cmp(r, FLD_IP6_LENGTH, OP_EQ, with);
	ir_cmp(r, FLD_ND_OPT, OP_NEQ, nonce);
	rs_drop(r, R_ND);
	r = rs_chain_rule(c);
	ir_cmp(r, FLD_IP6_SADDR, OP_EQ, any);
	ir_cmp(r, FLD_IP6_LENGTH, OP_GT, with);
	rs_drop(r, R_ND);
	r = rs_chain_rule(c);
	ir_cmp(r, FLD_IP6_SADDR, OP_EQ, any);
	ir_verdict(r, NFT_RETURN, NULL);
	one_option(c, 24, FLD_ND_OPT, slla);
	return c;
}

/* NA and RS: no extension headers, the one option allowed or none. */
static struct rs_chain *
chain_nd_plain(struct rs_table *t, const char *name, unsigned int len,
    enum ir_fid f, uint8_t opt_type)
{
	struct rs_chain *c = rs_table_chain(t, name, H_NONE, 0);
	const uint8_t opt[2] = { opt_type, 1 };

	no_exthdr(c);
	one_option(c, len, f, opt);
	return c;
}

static void
chain_icmp6(struct rs_table *t)
{
	struct rs_chain *c = rs_table_chain(t, "guard_icmp6", H_NONE, 0);
	static const struct {
		uint8_t		 type;
		const char	*chain;
	} nd[] = { { NS, "guard_ns" }, { NA, "guard_na" }, { RS, "guard_rs" } };
	static const uint8_t guard[] = { RA, REDIRECT };
	struct rs_rule *r;
	size_t i;

	for (i = 0; i < sizeof(guard); i++) {
		r = rs_chain_rule(c);
		ir_cmp(r, FLD_ICMPV6_TYPE, OP_EQ, &guard[i]);
		rs_drop(r, R_RA);
	}
	/* goto: what the checks let through returns to guard_ip6. */
	for (i = 0; i < sizeof(nd) / sizeof(nd[0]); i++) {
		r = rs_chain_rule(c);
		ir_cmp(r, FLD_ICMPV6_TYPE, OP_EQ, &nd[i].type);
		ir_verdict(r, NFT_GOTO, nd[i].chain);
	}
}

static void
chain_unspec6(struct rs_table *t)
{
	struct rs_chain *c = rs_table_chain(t, "guard_unspec6", H_NONE, 0);
	static const uint8_t ok[] = { 131, 143, NS };	/* MLD reports, DAD */
	struct rs_rule *r;
	size_t i;

	for (i = 0; i < sizeof(ok); i++) {
		r = rs_chain_rule(c);
		ir_cmp(r, FLD_ICMPV6_TYPE, OP_EQ, &ok[i]);
		rs_pass(r);
	}
	rs_drop(rs_chain_rule(c), R_IPV6);
}

void
rs_nd_chains(struct rs_table *t)
{
	chain_icmp6(t);
	chain_nd_ns(t);
	chain_nd_plain(t, "guard_na", 24, FLD_ND_OPT, 2);	/* target LLA */
	chain_nd_plain(t, "guard_rs", 8, FLD_RS_OPT, 1);	/* source LLA */
	chain_unspec6(t);
}
