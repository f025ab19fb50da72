/* What the running kernel offers (probe.c); -1 with a message in err. */
#ifndef BG_PROBE_H
#define BG_PROBE_H

#include <stdbool.h>
#include <stddef.h>

#include "ruleset.h"

/* The features probed, and what was chosen for each. */
enum probe_feature { PF_ABSENT_HOOKS, PF_EGRESS, PF_IBRNAME, PF_DESTROY,
    PF_DYNSET, PF_N };

struct probe_result {
	struct rs_kernel k;
	bool		 has[PF_N];
	char		 why[PF_N][64];	/* the kernel's answer */
};

/*
 * Asks the kernel, once per process, in batches it checks and aborts (so
 * nothing changes): hooks on absent devices (6.16), the netdev egress hook
 * (5.16), bridge `meta ibrname` (nft_meta_bridge), DESTROYSETELEM (6.3),
 * dynamic sets with per-element counters (what the drop counts need).
 * BRIDGEGUARD_FAULT (comma-separated no-absent-hooks, no-egress,
 * no-ibrname, no-destroy, no-dynset) answers no, to test the other constructions on
 * kernels that have the feature. Unprivileged, answers EPERM.
 */
const struct probe_result *probe_kernel(char *err, size_t errlen);
/* The kernel's features as the ruleset wants them (probe_kernel's). */
int	probe_rs_kernel(struct rs_kernel *, char *err, size_t errlen);
/* "nftables" or "tc", as status shows it. */
const char	*backend_name(enum rs_backend);
/* Line i (from 0) of what was found and chosen, for status and -v; NULL
 * after the last. */
const char	*probe_line(const struct probe_result *, int i, char *buf,
		    size_t len);

#endif
