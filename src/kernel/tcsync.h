/* The tc backend's filters, kept as a ruleset wants them (tcsync.c). */
#ifndef BG_TCSYNC_H
#define BG_TCSYNC_H

#include <stddef.h>

#include "ruleset.h"

/*
 * After a commit of rs (NULL: a flush): installs its tc filters and
 * removes every other filter of ours. -1 with a message in err.
 */
int	tc_sync(const struct ruleset *, char *err, size_t errlen);

#endif
