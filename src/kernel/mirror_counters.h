/* What each mirror copied (mirror_counters.c). */
#ifndef BG_MIRROR_COUNTERS_H
#define BG_MIRROR_COUNTERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"

struct mirror_count {
	const struct bg_mirror	*m;
	bool			 installed;
	uint64_t		 frames, bytes;
};

/*
 * Every mirror of cfg in config order (the order of their mark bits):
 * out[BG_MAX_MIRRORS], *n set. -1 with a message in err.
 */
int	mirror_counters(const struct bg_config *, struct mirror_count *out,
	    size_t *n, char *err, size_t errlen);

#endif
