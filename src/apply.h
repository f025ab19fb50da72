/* Config → kernel: the one path shared by `apply`, `flush` and the daemon. */
#ifndef BG_APPLY_H
#define BG_APPLY_H

#include <stddef.h>
#include <stdio.h>

#include "model.h"
#include "ruleset.h"

/* Compiles cfg against the bridge ports present now. -1 with errno. */
int	apply_compile(const struct bg_config *, struct ruleset *, char *err,
	    size_t errlen);
/* Replaces bridgeguard's ruleset by cfg's in one transaction. */
int	apply_config(const struct bg_config *, char *err, size_t errlen);
/* Deletes bridgeguard's tables; nothing else. */
int	apply_flush(char *err, size_t errlen);

#endif
