/* What the running kernel offers (probe.c); -1 with a message in err. */
#ifndef BG_PROBE_H
#define BG_PROBE_H

#include <stddef.h>

#include "ruleset.h"

/*
 * Has the kernel the netdev egress hook (Linux 5.16)? 1 or 0, found out
 * without changing anything. BRIDGEGUARD_FAULT=no-egress says no.
 */
int	probe_egress(char *err, size_t errlen);
/* Where mirrors copy frames leaving a port, asked once per process. */
int	probe_backend(enum rs_backend *, char *err, size_t errlen);
/* "nftables" or "tc", as status shows it. */
const char	*backend_name(enum rs_backend);

#endif
