/*
 * Rule descriptions and the rest of a ruleset → libnftnl objects, for the
 * batch (nft.c) to put into messages. NULL with errno on failure.
 */
#ifndef BG_LINEARIZE_H
#define BG_LINEARIZE_H

#include <stdint.h>

#include "ruleset.h"

struct nftnl_chain;
struct nftnl_rule;
struct nftnl_set;

/* NFPROTO_NETDEV or NFPROTO_BRIDGE. */
uint16_t	nft_family(enum rs_family);
/* One rule of chain: the expressions nft generates for its text. */
struct nftnl_rule	*nft_rule_build(enum rs_family, const char *chain,
			    const struct rs_rule *);
/* A set's definition (key, flags, counters), with the batch's id. */
struct nftnl_set	*nft_set_build(enum rs_family, const struct rs_set *,
			    uint32_t id);
/* A set named, for its elements. */
struct nftnl_set	*nft_set_ref(enum rs_family, const char *name);

enum nft_chain_part {
	CHAIN_ALL,	/* to create it: hook, type, policy, devices */
	CHAIN_NAME,	/* to delete it */
};
struct nftnl_chain	*nft_chain_build(enum rs_family,
			    const struct rs_chain *, enum nft_chain_part);

#endif
