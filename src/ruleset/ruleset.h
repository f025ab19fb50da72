/*
 * The compiled ruleset: bridgeguard's nftables tables as plain data.
 *
 * ruleset.c builds it from the policy model without touching the kernel.
 * Each rule is one description (ir.h), from which print.c prints the nft
 * text (--dry-run) and kernel/ builds the netlink batch; the golden tests
 * compare both forms with files, and an integration test checks that nft,
 * given the text, generates exactly the expressions the batch carries.
 */
#ifndef BG_RULESET_H
#define BG_RULESET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ir.h"
#include "model.h"
#include "reason.h"

#define RS_TABLE		"bridgeguard"
#define RS_DEVS_PER_CHAIN	255	/* the kernel's limit is 256 hooks */
#define RS_MAX_RULES		4096	/* per chain: a bound, not a size */
#define RS_KEY_MAX		48

/* skb->mark bits used by mirrors: a frame mirror i has copied already (or
 * must not copy) carries MARK_MIRROR(i). */
#define RS_MARK_MIRROR(i)	(0x00010000u << (i))
/* Set as the last step of a guest's ingress chain: the bridge table's
 * prerouting drops guest frames without it (they passed no check); its
 * forward and input hooks clear it, so the host never sees the bit. */
#define RS_MARK_CHECKED		0x00800000u
#define RS_GUEST_PRIO		-500	/* port security's base chains */
#define RS_MIRROR_PRIO		-600	/* before port security: see attacks */
#define RS_MIRROR_GROUP_PRIO	-400	/* after it: only what is sent on */

enum rs_family { RS_NETDEV, RS_BRIDGE };

enum rs_hook { H_NONE, H_INGRESS, H_EGRESS, H_PREROUTING, H_FORWARD,
    H_OUTPUT, H_INPUT };

/* What a chain is for, where others need to know (the diff): ROLE_GUEST
 * chains are one guest's, named after its port, and change with it;
 * ROLE_UNKNOWN, an unknown port's, come and go with it. */
enum rs_role { ROLE_NONE, ROLE_GUEST, ROLE_UNKNOWN };

#define RS_CHAIN_NAME	24	/* "out_" and a port name */

/*
 * A port's ingress base chain as the kernel has it now (kernel/nft_query.c
 * reads it; the diff acts on it). A kernel without hooks on absent devices
 * deletes a chain whose only device goes (6.1) or keeps it hooking nothing
 * (6.12), and hooks no re-created device again.
 */
enum rs_chain_state { RS_CHAIN_ABSENT, RS_CHAIN_UNHOOKED, RS_CHAIN_HOOKED };

struct rs_elem {
	uint8_t		 key[RS_KEY_MAX];
	char		 jump[RS_CHAIN_NAME];	/* a verdict map's: the chain */
};

struct rs_set {
	char		 name[IR_NAME];
	enum ir_type	 key[IR_MAX_CONCAT];
	size_t		 n_key;
	bool		 counters;	/* dynamic, per-element counters */
	bool		 vmap;		/* a verdict map: key : jump chain */
	bool		 dynamic;	/* dynamic without counters: its
					 * elements carry what the rule's
					 * dynset adds (a limit) */
	struct rs_elem	*elems;
	size_t		 n, cap;
};

struct rs_chain {
	char		 name[IR_NAME];
	enum rs_hook	 hook;		/* H_NONE for regular chains */
	int		 prio;
	enum rs_role	 role;
	char		 port[BG_IFNAMSIZ];	/* ROLE_GUEST, ROLE_UNKNOWN: its port */
	char		(*devs)[BG_IFNAMSIZ];
	size_t		 n_devs, cap_devs;
	struct rs_rule	**rules;
	size_t		 n_rules, cap_rules;
	bool		 overflow;	/* devices or rules beyond the bounds */
	bool		 nomem;
};

struct rs_table {
	enum rs_family	 family;
	struct rs_set	**sets;
	size_t		 n_sets, cap_sets;
	struct rs_chain	**chains;
	size_t		 n_chains, cap_chains;
	bool		 nomem;
};

/*
 * Where mirrors copy frames leaving a port: netdev egress chains that `dup`,
 * or, on kernels without the netdev egress hook, tc filters.
 */
enum rs_backend { RS_COPY_NFT, RS_COPY_TC };

/* One tc egress filter of the tc backend (kernel/tc.c installs it). */
struct rs_tc {
	char		 dev[BG_IFNAMSIZ];
	int		 ifindex;
	char		 to[BG_IFNAMSIZ];
	int		 to_ifindex;
	unsigned int	 slot;		/* the mirror's index */
	uint32_t	 skip_mark;	/* copy only frames without this bit */
	bool		 group_only;	/* copy only broadcast and multicast */
};

/*
 * What the running kernel offers (kernel/probe.c finds out) and the
 * ruleset depends on.
 */
struct rs_kernel {
	enum rs_backend	 backend;
	bool		 absent_hooks;	/* netdev hooks may name absent
					 * devices (6.16+) */
	bool		 ibrname;	/* bridge `meta ibrname` */
};

struct ruleset {
	struct rs_table	 netdev;
	struct rs_table	 bridge;
	struct rs_kernel kernel;
	/* Guests whose port does not exist, on a kernel without hooks on
	 * absent devices: no ingress chain yet (the daemon hooks them as
	 * they appear; until then the bridge drops what they send). */
	char		(*waiting)[BG_IFNAMSIZ];
	size_t		 n_waiting;
	/* Mirrors left out because their target device does not exist. */
	char		 inactive[BG_MAX_MIRRORS][32];
	size_t		 n_inactive;
	enum rs_backend	 backend;
	struct rs_tc	*tc;		/* RS_COPY_TC: for the ports present */
	size_t		 n_tc, cap_tc;
};

/*
 * An interface as seen in the kernel: bridge is its master bridge ("" if
 * none), ifindex is what a mirror's `dup` needs (0 if unknown).
 */
struct bg_port {
	char		 bridge[BG_IFNAMSIZ];
	char		 port[BG_IFNAMSIZ];
	int		 ifindex;
};

/*
 * Compiles the model for kernel k. ports are the interfaces present now:
 * bridge ports on a guarded bridge that are neither guest nor trusted go
 * to unknown_ports (entry.c), and without hooks on absent
 * devices only present ports get base chains. -1 with errno and a message
 * in err (what overflowed, or ENOMEM).
 */
int	ruleset_build(struct ruleset *, const struct bg_config *,
	    const struct bg_port *ports, size_t n_ports,
	    const struct rs_kernel *k, char *err, size_t errlen);
/* Is name one of ports? */
bool	rs_port_present(const struct bg_port *ports, size_t n_ports,
	    const char *name);
void	ruleset_free(struct ruleset *);

/* table.c: the containers, growing as they are filled. */
struct rs_set	*ruleset_set(const struct rs_table *, const char *name);
struct rs_set	*rs_table_set(struct rs_table *, const char *name,
		    const enum ir_type *key, size_t n_key, bool counters);
/* A set that rules fill (dynset), its elements carrying what they add. */
struct rs_set	*rs_table_dynset(struct rs_table *, const char *name,
		    const enum ir_type *key, size_t n_key);
struct rs_chain	*rs_table_chain(struct rs_table *, const char *name,
		    enum rs_hook, int prio);
/* A chain of no table (the daemon's changes build them); NULL on ENOMEM. */
struct rs_chain	*rs_chain_new(const char *name, enum rs_hook, int prio);
void	rs_chain_free(struct rs_chain *);
/* Appends an empty rule; NULL (recorded in the chain) if none fits. */
struct rs_rule	*rs_chain_rule(struct rs_chain *);
/* Appends a device to a base chain's hook. */
void	rs_chain_dev(struct rs_chain *, const char *dev);
void	rs_table_free(struct rs_table *);
/* 0, or -1 with errno and what failed in err (table, chain, rule). */
int	rs_table_check(const struct rs_table *, char *err, size_t errlen);

size_t	rs_key_len(const struct rs_set *);
/* Appends one element built from field values (each field long; ifnames
 * as strings, MACs 6 bytes). -1 on ENOMEM. */
int	rs_set_add(struct rs_set *, const void *a, const void *b);
/* Appends a verdict map element: name : jump chain. -1 on ENOMEM. */
int	rs_set_add_jump(struct rs_set *, const char *name, const char *chain);
/* Are two chains the same: name, hook, devices, rules? */
bool	rs_chain_equal(const struct rs_chain *, const struct rs_chain *);

/* print.c: text form, as `nft -f` reads it. */
void	ruleset_print(FILE *, const struct ruleset *);
/* One rule's statements as nft text, into buf. */
const char *rs_rule_text(const struct rs_rule *, char *buf, size_t len);
const char *rs_hook_name(enum rs_hook);
const char *rs_family_name(enum rs_family);

/* drop.c: the drop_<reason> set (and chain) counting a reason per port,
 * and its table's family (fam may be NULL). */
const char *rs_drop_set(unsigned int reason, char *buf, size_t len,
	    enum rs_family *fam);

#endif
