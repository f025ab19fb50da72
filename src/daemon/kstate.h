/*
 * What the daemon knows the kernel has, so that a change can be a diff:
 * which guests' ingress base chains exist (hooked), what unknown_ports
 * holds, the interfaces the rules were compiled against, and whether this
 * bookkeeping may lag the kernel (after an allocation failed: then only a
 * full replacement is safe). Changed only by txn.c, after the kernel said
 * yes.
 */
#ifndef BG_KSTATE_H
#define BG_KSTATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diff.h"
#include "nameset.h"

struct txn_stats {
	uint64_t	 commits, failures;
	uint64_t	 full_applies;	/* replacements of the whole ruleset */
	uint64_t	 last_us;	/* duration of the last change */
	size_t		 last_elems;	/* elements and chains it changed */
};

struct kstate {
	struct nameset	 hooked;	/* guests with an in_<port> chain */
	struct nameset	 unknown;	/* what unknown_ports holds */
	struct rs_kernel kernel;	/* what the rules were built for */
	struct bg_port	*ports;		/* compiled against these */
	size_t		 n_ports;
	bool		 stale;		/* bookkeeping lags the kernel */
	struct txn_stats st;
};

void	kstate_init(struct kstate *);
void	kstate_clear(struct kstate *);
/* The kernel now has rs, compiled against ports. -1 on ENOMEM: ks is then
 * stale (and what it had, kept). */
int	kstate_replaced(struct kstate *, const struct ruleset *rs,
	    const struct bg_port *ports, size_t n_ports);
/* The kernel has (or has not) port's ingress chain, as it said. */
void	kstate_hooked(struct kstate *, const char *port, bool hooked);
/* The kernel now has d applied. */
void	kstate_changed(struct kstate *, const struct diff *d);
/* The interfaces the rules now follow (a reload compiled against them). */
void	kstate_keep_ports(struct kstate *, const struct bg_port *ports,
	    size_t n_ports);

#endif
