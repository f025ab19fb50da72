/*
 * Config → kernel for the commands: compile (`apply`, `--dry-run`, the
 * audit), commit, flush. The daemon compiles against the ports its
 * monitors know and commits in daemon/txn.c, through the same
 * nft_replace() and tc_sync().
 */
#ifndef BG_APPLY_H
#define BG_APPLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "model.h"
#include "ruleset.h"

/* Compiles cfg against the bridge ports present now. -1 with errno. */
int	apply_compile(const struct bg_config *, struct ruleset *, char *err,
	    size_t errlen);
struct apply_stats {
	double		 compile_ms;	/* ports read, ruleset built */
	double		 commit_ms;	/* batch built, sent, answered */
	size_t		 elements;	/* set elements sent */
	/* Mirrors not installed: their monitor device does not exist. */
	char		 inactive[BG_MAX_MIRRORS][32];
	size_t		 n_inactive;
	/* Guests whose port is absent on a kernel that cannot hook absent
	 * devices (rs->waiting; the caller frees it). */
	char		(*waiting)[BG_IFNAMSIZ];
	size_t		 n_waiting;
};

/* Replaces bridgeguard's ruleset by cfg's in one transaction; stats may
 * be NULL. */
int	apply_config(const struct bg_config *, struct apply_stats *, char *err,
	    size_t errlen);
/* Deletes bridgeguard's tables; nothing else. */
int	apply_flush(char *err, size_t errlen);

#endif
