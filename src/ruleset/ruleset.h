/*
 * The compiled ruleset: bridgeguard's nftables tables as plain data.
 *
 * ruleset.c builds it from the policy model without touching the kernel;
 * print.c prints it as nft syntax (--dry-run) and kernel/nft.c turns the very
 * same structures into one netlink batch. Each rule carries its nft text and
 * the expressions nft itself generates for that text, side by side, so the
 * two forms are reviewed together (and a test loads both and compares).
 */
#ifndef BG_RULESET_H
#define BG_RULESET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "model.h"
#include "reason.h"

#define RS_TABLE		"bridgeguard"
#define RS_DEVS_PER_CHAIN	255	/* the kernel's limit is 256 hooks */
#define RS_MAX_EXPRS		12
#define RS_MAX_RULES		20	/* 3 + 2 per mirror exclusion */
#define RS_KEY_MAX		48

/* skb->mark bits used by mirrors: a frame mirror i has copied already (or
 * must not copy) carries MARK_MIRROR(i). */
#define RS_MARK_MIRROR(i)	(0x00010000u << (i))
#define RS_GUEST_PRIO		-500	/* port security's base chains */
#define RS_MIRROR_PRIO		-600	/* before port security: see attacks */
#define RS_MIRROR_GROUP_PRIO	-400	/* after it: only what is sent on */

enum rs_family { RS_NETDEV, RS_BRIDGE };

/* Fields of a set key, in concatenation order. */
enum rs_field { F_IFNAME, F_ETHER, F_IPV4, F_IPV6 };

enum rs_op {
	X_META,		/* key → dreg */
	X_PAYLOAD,	/* base, off, len → dreg */
	X_CMP,		/* sreg op data[len] */
	X_BITWISE,	/* reg = (reg & mask) ^ 0 */
	X_LOOKUP,	/* sreg in set (invert) */
	X_DYNSET_ADD,	/* add sreg to set */
	X_LOG,		/* prefix, group */
	X_VERDICT,	/* code, chain */
	X_META_SET,	/* key ← sreg */
	X_IMMEDIATE,	/* dreg ← data[len] */
	X_DUP,		/* clone to the device whose ifindex is in sreg */
	X_COUNTER,
};

struct rs_expr {
	enum rs_op	 op;
	uint8_t		 reg;
	uint32_t	 key;		/* meta key, payload base, cmp op, verdict */
	uint32_t	 off, len;
	uint8_t		 data[16];
	uint8_t		 mask[16];
	bool		 invert;
	const char	*name;		/* set, chain or log prefix */
	uint16_t	 group;
};

struct rs_rule {
	char		 text[160];
	struct rs_expr	 x[RS_MAX_EXPRS];
	size_t		 n;
};

struct rs_elem {
	uint8_t		 key[RS_KEY_MAX];
};

struct rs_set {
	const char	*name;
	enum rs_field	 fields[2];
	size_t		 n_fields;
	bool		 counters;	/* dynamic, per-element counters */
	struct rs_elem	*elems;
	size_t		 n, cap;
};

struct rs_chain {
	char		 name[48];
	const char	*hook;		/* NULL for regular chains */
	int		 prio;
	char		(*devs)[BG_IFNAMSIZ];
	size_t		 n_devs;
	struct rs_rule	 rules[RS_MAX_RULES];
	size_t		 n_rules;
};

struct rs_table {
	enum rs_family	 family;
	struct rs_set	*sets;
	size_t		 n_sets;
	struct rs_chain	*chains;
	size_t		 n_chains;
};

struct rs_ctx;

/*
 * Where mirrors copy frames leaving a port: netdev egress chains that `dup`,
 * or, on kernels without the netdev egress hook, tc filters.
 */
enum rs_backend { RS_COPY_NFT, RS_COPY_TC };

/* One tc egress filter of the tc backend (tc.c installs it). */
struct rs_tc {
	char		 dev[BG_IFNAMSIZ];
	int		 ifindex;
	char		 to[BG_IFNAMSIZ];
	int		 to_ifindex;
	unsigned int	 slot;		/* the mirror's index */
	uint32_t	 skip_mark;	/* copy only frames without this bit */
	bool		 group_only;	/* copy only broadcast and multicast */
};

struct ruleset {
	struct rs_ctx	*cx;		/* names the rules point into */
	struct rs_table	 netdev;
	struct rs_table	 bridge;
	/* Mirrors left out because their target device does not exist. */
	char		 inactive[BG_MAX_MIRRORS][32];
	size_t		 n_inactive;
	enum rs_backend	 backend;
	struct rs_tc	*tc;		/* RS_COPY_TC: filters for present ports */
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
 * Compiles the model. ports are the interfaces present now: bridge ports
 * on a guarded bridge that are neither guest nor trusted go to
 * unknown_ports (the kernel here cannot match a port's bridge by name).
 * -1 with errno.
 */
int	ruleset_build(struct ruleset *, const struct bg_config *,
	    const struct bg_port *ports, size_t n_ports, enum rs_backend);
void	ruleset_free(struct ruleset *);

struct rs_set	*ruleset_set(struct rs_table *, const char *name);
size_t	rs_key_len(const struct rs_set *);
size_t	rs_field_len(enum rs_field);
/* Appends one element built from field values (each field_len bytes). */
int	rs_set_add(struct rs_set *, const void *a, const void *b);

/* Text form, as `nft -f` reads it. */
void	ruleset_print(FILE *, const struct ruleset *);

/* The drop_<reason> set counting a reason per port, and its table's family
 * (fam may be NULL). */
const char *rs_drop_set(unsigned int reason, char *buf, size_t len,
	    enum rs_family *fam);

#endif
