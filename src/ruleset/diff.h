/*
 * What a change of policy does to the kernel, computed without it: the set
 * elements to add and delete, and the guest ports to hook to (or unhook
 * from) the netdev base chains. nft_batch_diff() then turns a diff into
 * batch messages, so a reload or a guest change is one transaction of a few
 * elements, never a reload of the ruleset.
 */
#ifndef BG_DIFF_H
#define BG_DIFF_H

#include <stdbool.h>
#include <stddef.h>

#include "hmap.h"
#include "nameset.h"
#include "model.h"
#include "ruleset.h"

/* The sets a diff touches. */
enum { DS_MAC, DS_IP4, DS_IP6, DS_UNKNOWN, DS_N };

/* Port names, as a list. */
struct portlist {
	char		(*p)[BG_IFNAMSIZ];
	size_t		 n, cap;
};

/*
 * The guest base chains as installed: which chain (in<k>) hooks each guest
 * port, and how many ports each chain hooks.
 */
struct layout {
	struct hmap	 where;		/* name → chain */
	size_t		*count;
	size_t		 n_chains;
};

struct diff {
	struct rs_set	 add[DS_N], del[DS_N];
	struct portlist	 hook, unhook;
	/* Filled by diff_place_hooks: where each hooked port went. */
	size_t		*hook_chain;
};

void	diff_init(struct diff *);
void	diff_free(struct diff *);
bool	diff_empty(const struct diff *);
/* Elements that change when guest old becomes new (either may be NULL). */
int	diff_guest(struct diff *, const struct bg_guest *old,
	    const struct bg_guest *new);
/* Hooks or unhooks port so that it ends up hooked iff want. */
int	diff_hook(struct diff *, const struct layout *, const char *port,
	    bool want);
/* Adds or removes port from unknown_ports so that it is in iff want. */
int	diff_unknown(struct diff *, const struct nameset *now,
	    const char *port, bool want);
/*
 * The whole difference between two configs, given the bridge ports present,
 * what unknown_ports holds and the chain layout. O(n log n).
 */
int	diff_configs(struct diff *, const struct bg_config *old,
	    const struct bg_config *new, const struct bg_port *ports,
	    size_t n_ports, const struct nameset *unknown,
	    const struct layout *);

/*
 * Do two compiled rulesets differ only in what a diff can carry (guest and
 * unknown-port elements, guest base chain devices)? If not, only a full
 * apply moves from one to the other (compare.c).
 */
bool	diff_rules_equal(const struct ruleset *, const struct ruleset *);

/* The name of diffed set which (DS_MAC...). */
const char	*diff_set_name(int which);
/* The family of diffed set which; *twin if the bridge table has it too. */
enum rs_family	diff_set_family(int which, bool *twin);
/* Appends a port name to a list. -1 on ENOMEM. */
int	portlist_add(struct portlist *, const char *);
/* The ports of d->unhook that chain hooks, into devs: their number. */
size_t	diff_unhooks_of(const struct diff *, const struct layout *,
	    size_t chain, struct portlist *devs);
/* Decides where d's new hooks go: fresh chains, d->hook_chain. */
int	diff_place_hooks(struct diff *, const struct layout *);
/*
 * After a commit: the layout and unknown set as the kernel now has them.
 * -1 if out of memory: they lag, only a full apply puts them right.
 */
int	diff_done(const struct diff *, struct layout *, struct nameset *);

void	layout_init(struct layout *);
/* The layout of a compiled ruleset's base chains. -1 with errno. */
int	layout_from_ruleset(struct layout *, const struct ruleset *);
void	layout_clear(struct layout *);
/* The chain hooking port, or -1. */
long	layout_chain(const struct layout *, const char *port);

#endif
