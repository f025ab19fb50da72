/*
 * What a change of policy does to the kernel, computed without it: the
 * guests' chains to create, to refill (their rules replaced, the chain
 * kept: a hooked base chain is never deleted for a change) and to delete,
 * and the set elements to add and delete. nft_batch_diff() then turns a
 * diff into batch messages, so a reload or a guest change is one small
 * transaction, never a reload of the ruleset.
 */
#ifndef BG_DIFF_H
#define BG_DIFF_H

#include <stdbool.h>
#include <stddef.h>

#include "hmap.h"
#include "nameset.h"
#include "model.h"
#include "ruleset.h"

/* The sets a diff touches, all in the bridge table. */
enum { DS_PORTS, DS_OUT, DS_UNKNOWN, DS_N };

/* Port names, as a list. */
struct portlist {
	char		(*p)[BG_IFNAMSIZ];
	size_t		 n, cap;
};

struct diff {
	struct rs_set	 add[DS_N], del[DS_N];
	/* Chains by family (RS_NETDEV, RS_BRIDGE): created with their
	 * rules, given new rules, deleted. */
	struct rs_table	 mk[2], re[2], rm[2];
	/* Ports whose ingress base chain is created, deleted. */
	struct portlist	 hook, unhook;
};

void	diff_init(struct diff *);
void	diff_free(struct diff *);
bool	diff_empty(const struct diff *);
/*
 * Guest old becomes new (either may be NULL; the same port). hooked: its
 * ingress base chain exists now; hook: it should afterwards.
 */
int	diff_guest(struct diff *, const struct bg_guest *old,
	    const struct bg_guest *new, bool hooked, bool hook);
/* g's ingress base chain deleted and created again, in one transaction:
 * a chain the kernel kept when its device went (6.12) hooks nothing. */
int	diff_rehook(struct diff *, const struct bg_guest *g);
/*
 * Port becomes unknown (want) or stops being so: its unknown_ports
 * element (now: the set's elements) and its unk_<port> chain, which is
 * st now. A chain that hooks nothing (6.12 keeps one when its device
 * goes) is made again.
 */
int	diff_unknown(struct diff *, const struct nameset *now,
	    const char *port, bool want, enum rs_chain_state st);
/*
 * The whole difference between two configs, given the interfaces present,
 * what unknown_ports holds, which guests' base chains exist (hooked) and
 * the kernel. O(n log n).
 */
int	diff_configs(struct diff *, const struct bg_config *old,
	    const struct bg_config *new, const struct bg_port *ports,
	    size_t n_ports, const struct nameset *unknown,
	    const struct nameset *hooked, const struct rs_kernel *);

/*
 * Do two compiled rulesets differ only in what a diff can carry (guests'
 * chains, guest and unknown-port elements)? If not, only a full apply
 * moves from one to the other (compare.c).
 */
bool	diff_rules_equal(const struct ruleset *, const struct ruleset *);

/* The name of diffed set which (DS_PORTS...). */
const char	*diff_set_name(int which);
/*
 * After a commit: the hooked guests and unknown set as the kernel now has
 * them. -1 if out of memory: they lag, only a full apply puts them right.
 */
int	diff_done(const struct diff *, struct nameset *hooked,
	    struct nameset *unknown);
/* The guests a compiled ruleset hooks at ingress, into hooked. */
int	diff_hooked(struct nameset *hooked, const struct ruleset *);

#endif
