/*
 * The daemon's transactions: each change of the kernel is one nf_tables
 * batch, and the bookkeeping (kstate.h) follows it only once the kernel
 * took it. -1 with a message in err; nothing here prints.
 */
#ifndef BG_TXN_H
#define BG_TXN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kstate.h"

/*
 * Compiles cfg against ports and replaces bridgeguard's ruleset by it, tc
 * filters included. *committed says whether the rules are in, even if tc
 * then failed (ks is then stale, so that a refresh tries again).
 */
int	txn_replace(struct kstate *, const struct bg_config *,
	    const struct bg_port *ports, size_t n_ports, bool *committed,
	    char *err, size_t errlen);
/* Commits d (nothing if it is empty); t0 is when the change began. */
int	txn_diff(struct kstate *, struct diff *, uint64_t t0, char *err,
	    size_t errlen);

#endif
