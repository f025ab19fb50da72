/*
 * The nftables netlink backend: the only code that talks to the kernel's
 * nf_tables. Every change goes out as one batch, so the kernel commits all
 * of it or none. Functions return -1 with errno set and a message in err
 * saying what was being done; they never print.
 */
#ifndef BG_NFT_H
#define BG_NFT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ruleset.h"

struct nft_batch;

struct nft_batch *nft_batch_new(void);
void	nft_batch_free(struct nft_batch *);

/*
 * Queue the atomic replacement of both bridgeguard tables by rs; a table
 * said to exist is deleted first. Builds only: nothing is asked of the
 * kernel.
 */
int	nft_batch_ruleset(struct nft_batch *, const struct ruleset *,
	    bool netdev_exists, bool bridge_exists);
/*
 * Replaces both bridgeguard tables by rs in one transaction, asking the
 * kernel which of them exist now: 0, or -1 with err (the kernel's words).
 */
int	nft_replace(const struct ruleset *, char *err, size_t errlen);
/* Queue the deletion of bridgeguard's tables (those that exist). */
int	nft_batch_flush(struct nft_batch *, bool netdev, bool bridge);
/*
 * Queue adding (or deleting) elements of one set; elements as in rs_set.
 * Adding an element that exists and deleting one that does not are no-ops
 * (NLM_F_CREATE without EXCL; DESTROYSETELEM, Linux 6.3), so a change
 * computed from a slightly stale view still commits. On older kernels
 * (nft_elem_destroy(false), as the probe found) deletions are
 * DELSETELEM, which fails the batch if an element is missing.
 */
void	nft_elem_destroy(bool known);
int	nft_batch_elems(struct nft_batch *, enum rs_family, const struct rs_set *,
	    bool add);
/* Queue the creation of one base chain (with its rules). */
int	nft_batch_chain(struct nft_batch *, enum rs_family,
	    const struct rs_chain *);
/* Queue the creation of one set (without its elements). */
int	nft_batch_set(struct nft_batch *, enum rs_family, const struct rs_set *);
/* Queue the creation of t's chains, then of their rules. */
int	nft_batch_chains(struct nft_batch *, const struct rs_table *t);
/* Queue replacing c's rules by its rules here (flush and add): the chain
 * stays, hooked as it is. */
int	nft_batch_chain_rules(struct nft_batch *, enum rs_family,
	    const struct rs_chain *c);
/* Queue the deletion of one chain, its rules (and hooks) with it. */
int	nft_batch_chain_del(struct nft_batch *, enum rs_family,
	    const struct rs_chain *);
/* Calls cb on each message queued, with what it does; stops at non-zero. */
struct nlmsghdr;
typedef int	(*nft_msg_cb)(const struct nlmsghdr *, const char *what,
		    void *arg);
int	nft_batch_foreach(const struct nft_batch *, nft_msg_cb, void *arg);
/*
 * The batch as text, one message after another, decoded back from the
 * bytes it would send: what the kernel would receive, for golden tests.
 */
int	nft_batch_dump(const struct nft_batch *, FILE *);

/* Queue a diff (diff.h) of the policy: a few chains and elements. */
struct diff;
int	nft_batch_diff(struct nft_batch *, const struct diff *);

/* Queue the creation of bridgeguard's table of fam, if it is missing. */
int	nft_batch_table(struct nft_batch *, enum rs_family);
/* Has the kernel check the batch and abort it: nothing changes. */
int	nft_batch_check(struct nft_batch *, char *err, size_t errlen);
/* Sends the batch and waits for the kernel's verdict on every message. */
int	nft_batch_commit(struct nft_batch *, char *err, size_t errlen);

/* Does bridgeguard's table of this family exist? 1, 0, or -1 on error. */
int	nft_table_exists(enum rs_family, char *err, size_t errlen);

/* A netfilter netlink socket that reports errors with the kernel's own
 * words (extended acks). NULL with a message in err. */
struct mnl_socket;
struct mnl_socket	*nft_socket_open(char *err, size_t errlen);

/* nft_query.c: reading tables back (ours; anyone's for the audit). */
/*
 * Asks for the chains of table (NULL: of every table) of the netlink
 * family nfproto (NFPROTO_*: anyone's tables, not only ours), or for the
 * one chain named (NULL: all of them), and runs cb on every reply until
 * the dump is done; -1 with errno and err saying "what: strerror".
 */
int	nft_query_chains(uint16_t nfproto, const char *table,
	    const char *chain, int (*cb)(const struct nlmsghdr *, void *),
	    void *data, char *err, size_t errlen, const char *what);
/* The same for the rules of table, of one chain if named (NULL: all). */
int	nft_query_rules(uint16_t nfproto, const char *table, const char *chain,
	    int (*cb)(const struct nlmsghdr *, void *), void *data, char *err,
	    size_t errlen, const char *what);
struct nft_counter {
	char		 port[16];
	uint64_t	 packets, bytes;
};

/* Runs fn on each element of one of bridgeguard's sets (fn returns 0 to
 * go on); -1 with errno (ENOENT: no such set) and a message in err. */
struct nftnl_set_elem;
typedef int	(*nft_elem_fn)(struct nftnl_set_elem *, void *arg);
int	nft_set_walk(enum rs_family, const char *set, nft_elem_fn fn,
	    void *arg, char *err, size_t errlen);
/* Reads the per-port counters of a dynamic set. *out is malloc'ed. */
int	nft_set_counters(enum rs_family, const char *set,
	    struct nft_counter **out, size_t *n, char *err, size_t errlen);

/* Sums the counters of the rules of one chain: 1, or 0 if it has no
 * rules (or does not exist), or -1 on error. */
int	nft_chain_counter(enum rs_family, const char *chain, uint64_t *packets,
	    uint64_t *bytes, char *err, size_t errlen);

/*
 * Does chain exist, and does its hook name dev? An enum rs_chain_state,
 * or -1 with a message in err.
 */
int	nft_chain_hook(enum rs_family, const char *chain, const char *dev,
	    char *err, size_t errlen);

/*
 * nft_compare.c: are the kernel's sets and chains of bridgeguard's tables
 * rs's? The elements of the sets the policy fills; hooks, devices and
 * rules (expression by expression, counters' values aside), and no chain
 * rs lacks but a waiting guest's ingress chain. 0 if so, 1 if not (why
 * says the first difference), -1 with a message in err.
 */
int	nft_ruleset_compare(const struct ruleset *rs, char *why, size_t whylen,
	    char *err, size_t errlen);

#endif
