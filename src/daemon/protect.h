/*
 * The daemon's hold on the kernel: the policy in force, and what it has
 * put into bridgeguard's tables (chain hooks, unknown ports). Every change
 * is computed as a diff and committed as one batch; the kernel either
 * takes all of it (and the bookkeeping follows) or none (and nothing here
 * changes). Functions return -1 with a message in err; they never print.
 */
#ifndef BG_PROTECT_H
#define BG_PROTECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"
#include "ruleset.h"

struct protect;

struct protect_stats {
	uint64_t	 commits, failures;
	uint64_t	 full_applies;	/* replacements of the whole ruleset */
	uint64_t	 last_us;	/* duration of the last change */
	size_t		 last_elems;	/* elements it added and removed */
};

struct protect	*protect_new(void);
void	protect_free(struct protect *);
const struct bg_config *protect_config(const struct protect *);
void	protect_stats(const struct protect *, struct protect_stats *);

/*
 * Replaces bridgeguard's ruleset by cfg's in one transaction (as `apply`),
 * given the bridge ports present. On success cfg is taken (left empty).
 */
int	protect_full(struct protect *, struct bg_config *cfg,
	    const struct bg_port *ports, size_t n_ports, char *err,
	    size_t errlen);
/* Moves to cfg by a diff; a full apply if the rules themselves change. */
int	protect_reload(struct protect *, struct bg_config *cfg,
	    const struct bg_port *ports, size_t n_ports, char *err,
	    size_t errlen);
/*
 * Binds g on bridge (replacing the port's binding if it has one). onbr is
 * the bridge the port is a member of now, NULL if none.
 */
int	protect_guest_add(struct protect *, const char *bridge,
	    const struct bg_guest *g, const char *onbr, char *err,
	    size_t errlen);
/* Unbinds port; mac and bridge, when given, must match the binding. */
int	protect_guest_del(struct protect *, const char *port,
	    const uint8_t *mac, const char *bridge, const char *onbr,
	    char *err, size_t errlen);
/*
 * The interfaces changed: if the rules themselves depend on them (mirrors
 * name their ports and devices), recompile and, if they differ, replace
 * the ruleset (*replaced; drop counters then restart from 0).
 */
int	protect_refresh(struct protect *, const struct bg_port *ports,
	    size_t n_ports, bool *replaced, char *err, size_t errlen);
/* port is now a member of bridge onbr (NULL: of none): keep it right. */
int	protect_port(struct protect *, const char *port, const char *onbr,
	    char *err, size_t errlen);

#endif
