/*
 * Policy model → ruleset: port security (guest.c), then mirrors
 * (mirror.c), into the two tables; see ruleset.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "entry.h"
#include "guest.h"
#include "mirror.h"
#include "ruleset.h"

/* What went wrong, once the builders are done: the first table's error. */
static int
check(const struct ruleset *rs, char *err, size_t errlen)
{
	return rs_table_check(&rs->netdev, err, errlen) == -1 ||
	    rs_table_check(&rs->bridge, err, errlen) == -1 ? -1 : 0;
}

int
ruleset_build(struct ruleset *rs, const struct bg_config *cfg,
    const struct bg_port *ports, size_t n_ports, const struct rs_kernel *k,
    char *err, size_t errlen)
{
	struct rs_chain *to_port[2] = { NULL, NULL };
	int e;

	memset(rs, 0, sizeof(*rs));
	rs->kernel = *k;
	rs->backend = k->backend;
	rs->netdev.family = RS_NETDEV;
	rs->bridge.family = RS_BRIDGE;
	errno = 0;
	if (rs_guest_netdev(rs, cfg, ports, n_ports) == -1 ||
	    rs_guest_bridge(&rs->bridge, cfg, to_port) == -1 ||
	    rs_entry_chains(rs, cfg, ports, n_ports) == -1 ||
	    rs_mirrors(rs, cfg, ports, n_ports, to_port) == -1) {
		e = errno ? errno : ENOMEM;
		snprintf(err, errlen, "%s", strerror(e));
		goto fail;
	}
	if (check(rs, err, errlen) == -1) {
		e = errno;
		goto fail;
	}
	return 0;
fail:
	ruleset_free(rs);
	errno = e;
	return -1;
}

void
ruleset_free(struct ruleset *rs)
{
	rs_table_free(&rs->netdev);
	rs_table_free(&rs->bridge);
	free(rs->tc);
	free(rs->waiting);
	memset(rs, 0, sizeof(*rs));
}
