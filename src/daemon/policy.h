/*
 * The policy the daemon enforces, and its changes: a reload, a guest
 * bound or unbound, a port joining or leaving, interfaces a mirror names
 * coming and going. Every change is validated, computed as a diff (or, if
 * the rules themselves change, a replacement) and committed as one batch;
 * the kernel either takes all of it (and the policy follows) or none (and
 * nothing here changes). -1 with a message in err; nothing here prints.
 */
#ifndef BG_POLICY_H
#define BG_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"
#include "ruleset.h"

struct policy;
struct txn_stats;

struct policy	*policy_new(void);
void	policy_free(struct policy *);
const struct bg_config *policy_config(const struct policy *);
/* Grows each time guests are bound or unbound (not when they learn). */
uint64_t	policy_generation(const struct policy *);
void	policy_stats(const struct policy *, struct txn_stats *);

/*
 * Replaces bridgeguard's ruleset by cfg's in one transaction (as `apply`),
 * given the bridge ports present. On success cfg is taken (left empty).
 */
int	policy_full(struct policy *, struct bg_config *cfg,
	    const struct bg_port *ports, size_t n_ports, char *err,
	    size_t errlen);
/* Moves to cfg by a diff; a full apply if the rules themselves change. */
int	policy_reload(struct policy *, struct bg_config *cfg,
	    const struct bg_port *ports, size_t n_ports, char *err,
	    size_t errlen);
/*
 * Binds g on bridge (replacing the port's binding if it has one). onbr is
 * the bridge the port is a member of now, NULL if none.
 */
int	policy_guest_add(struct policy *, const char *bridge,
	    const struct bg_guest *g, const char *onbr, char *err,
	    size_t errlen);
/* Unbinds port; mac and bridge, when given, must match the binding. */
int	policy_guest_del(struct policy *, const char *port,
	    const uint8_t *mac, const char *bridge, const char *onbr,
	    char *err, size_t errlen);
/*
 * The addresses port's guest has learned are now a4[0..n4) and
 * a6[0..n6) (at most BG_MAX_LEARNED4 and BG_MAX_LEARNED6): its chains
 * are refilled, one transaction.
 */
int	policy_guest_learned(struct policy *, const char *port,
	    const struct in_addr *a4, size_t n4, const struct in6_addr *a6,
	    size_t n6, char *err, size_t errlen);
/*
 * The interfaces changed: if the rules themselves depend on them (mirrors
 * name their ports and devices), recompile and, if they differ, replace
 * the ruleset (*replaced; drop counters then restart from 0).
 */
int	policy_refresh(struct policy *, const struct bg_port *ports,
	    size_t n_ports, bool *replaced, char *err, size_t errlen);
/*
 * port is now a member of bridge onbr (NULL: of none), and exists or not
 * (present): keep it right (unknown_ports; a guest's ingress chain, on a
 * kernel that cannot hook absent devices). One transaction.
 */
int	policy_port(struct policy *, const char *port, const char *onbr,
	    bool present, char *err, size_t errlen);
/* The guests waiting for their port (no ingress chain), into names (of
 * at most max); their number. */
size_t	policy_waiting(const struct policy *, char (*names)[BG_IFNAMSIZ],
	    size_t max);

#endif
