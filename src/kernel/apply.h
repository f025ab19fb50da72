/* Config → kernel: the one path shared by `apply`, `flush` and the daemon. */
#ifndef BG_APPLY_H
#define BG_APPLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "model.h"
#include "ruleset.h"

/*
 * Where this kernel lets mirrors copy frames leaving a port: found out once
 * a process (nft_probe_egress). -1 with a message in err.
 */
int	apply_backend(enum rs_backend *, char *err, size_t errlen);
/* "nftables" or "tc", as status shows it. */
const char *apply_backend_name(enum rs_backend);
/*
 * After a commit of rs (NULL: a flush): installs its tc filters (the tc
 * backend's) and removes every other filter of ours. Not part of the
 * nftables transaction: the rules are in force whatever this does.
 */
int	apply_tc(const struct ruleset *, char *err, size_t errlen);
/* What one mirror copied, by nftables and tc together. */
struct mirror_count {
	const struct bg_mirror	*m;
	bool			 installed;
	uint64_t		 frames, bytes;
};
/*
 * Every mirror of cfg in config order (the order of their mark bits):
 * out[BG_MAX_MIRRORS], *n set. The tc filters are read once. -1 on error.
 */
int	apply_mirror_counters(const struct bg_config *,
	    struct mirror_count *out, size_t *n, char *err, size_t errlen);

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
};

/* Replaces bridgeguard's ruleset by cfg's in one transaction; stats may
 * be NULL. */
int	apply_config(const struct bg_config *, struct apply_stats *, char *err,
	    size_t errlen);
/* Deletes bridgeguard's tables; nothing else. */
int	apply_flush(char *err, size_t errlen);

#endif
