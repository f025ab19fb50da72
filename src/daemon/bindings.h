/*
 * The DHCP binding table: which learned IPv4 address is bound to which
 * guest port until when. Pure: snoop.c feeds it what DHCP said, and turns
 * its answers into events and kernel changes. Small by construction (at
 * most BG_MAX_LEARNED4 per learning guest), so a flat array.
 *
 * Expiry is wall-clock time (seconds since the epoch, time(2)), not the
 * monotonic clock: the table outlives the process in its file, and a lease
 * ends at a time of day whether the daemon or the host ran meanwhile.
 */
#ifndef BG_BINDINGS_H
#define BG_BINDINGS_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"

#define BIND_FOREVER	INT64_MAX	/* an infinite lease */

struct binding {
	char		 bridge[BG_IFNAMSIZ];
	char		 port[BG_IFNAMSIZ];
	uint8_t		 mac[6];
	struct in_addr	 addr;
	int64_t		 expires;	/* wall clock, seconds */
};

struct bindings {
	struct binding	*v;
	size_t		 n, cap;
};

enum bind_result { BIND_NEW, BIND_RENEW, BIND_FULL };

void	bindings_init(struct bindings *);
void	bindings_clear(struct bindings *);
/*
 * Binds b->addr to b->port until b->expires: NEW, RENEW (the port had it:
 * its expiry is b's now), or FULL (the port has cap others: nothing
 * changes). -1 with errno on ENOMEM.
 */
int	bindings_add(struct bindings *, const struct binding *b, size_t cap);
/* Unbinds addr from port; 1 if the port had it, else 0. */
int	bindings_remove(struct bindings *, const char *port,
	    const struct in_addr *addr);
/* The binding of addr on any port, NULL if none. */
struct binding	*bindings_find(const struct bindings *,
		    const struct in_addr *addr);
/* The port's addresses into out (at most max), and their number. */
size_t	bindings_of_port(const struct bindings *, const char *port,
	    struct in_addr *out, size_t max);
/*
 * Removes the bindings that expired by now, or (keep) that keep refuses,
 * calling gone for each before it goes (fn may be NULL); their number.
 */
size_t	bindings_expire(struct bindings *, int64_t now,
	    void (*gone)(const struct binding *, void *), void *arg);
size_t	bindings_filter(struct bindings *,
	    int (*keep)(const struct binding *, void *), void *arg);

/*
 * The file: one binding a line, "bridge port mac addr expires", written
 * to path.tmp, fsync'ed, renamed over path (a crash leaves the old file or
 * the new one, never half of one). -1 with errno.
 */
int	bindings_save(const struct bindings *, const char *path);
/*
 * Reads path into an empty table, leaving out lines that do not parse and
 * bindings that expired by now; a missing file is an empty table. The
 * number left out in *bad. -1 with errno.
 */
int	bindings_load(struct bindings *, const char *path, int64_t now,
	    size_t *bad);

#endif
