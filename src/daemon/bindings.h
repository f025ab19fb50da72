/*
 * The binding table: which learned address is bound to which guest port
 * until when, and what it was learned from. Pure: snoop.c feeds it what
 * DHCP and neighbour discovery said, and turns its answers into events
 * and kernel changes. Small by construction (a few addresses per learning
 * guest: max-learned-ipv4, -ipv6), so a flat array.
 *
 * An address is an IPv6 address; an IPv4 one is held IPv4-mapped
 * (::ffff:a.b.c.d, which no guest can be bound as an IPv6 address), so
 * that one key serves both families.
 *
 * Expiry is wall-clock time (seconds since the epoch, time(2)), not the
 * monotonic clock: the table outlives the process in its file, and a lease
 * ends at a time of day whether the daemon or the host ran meanwhile.
 */
#ifndef BG_BINDINGS_H
#define BG_BINDINGS_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"

#define BIND_FOREVER	INT64_MAX	/* an infinite lease */

/* What an address was learned from. */
enum bind_source { BS_DHCP, BS_DAD, BS_DHCP6, BS_N };

struct binding {
	char		 bridge[BG_IFNAMSIZ];
	char		 port[BG_IFNAMSIZ];
	uint8_t		 mac[6];
	uint8_t		 source;	/* enum bind_source */
	struct in6_addr	 addr;		/* IPv4-mapped for IPv4 */
	int64_t		 expires;	/* wall clock, seconds */
};

/* "dhcp", "dad", "dhcpv6": as the file, events and status say it. */
const char	*bind_source_name(enum bind_source);
/* An IPv4 address as a binding holds it, and back; the family of one. */
void	bind_addr4(struct in6_addr *, const struct in_addr *);
void	bind_get4(const struct in6_addr *, struct in_addr *);
int	bind_af(const struct in6_addr *);
/* The address in text (INET6_ADDRSTRLEN bytes), in its own family. */
const char	*bind_ntop(const struct in6_addr *, char *buf);

struct bindings {
	struct binding	*v;
	size_t		 n, cap;
};

enum bind_result { BIND_NEW, BIND_RENEW, BIND_FULL };

void	bindings_init(struct bindings *);
void	bindings_clear(struct bindings *);
/*
 * Binds b->addr to b->port until b->expires: NEW, RENEW (the port had it:
 * its expiry and source are b's now), or FULL (the port has cap others of
 * its family: nothing changes). -1 with errno on ENOMEM.
 */
int	bindings_add(struct bindings *, const struct binding *b, size_t cap);
/* Unbinds addr from port; 1 if the port had it, else 0. */
int	bindings_remove(struct bindings *, const char *port,
	    const struct in6_addr *addr);
/* The binding of addr on any port, NULL if none. */
struct binding	*bindings_find(const struct bindings *,
		    const struct in6_addr *addr);
/* The port's addresses of family af into out (at most max, in that
 * family's form: struct in_addr or struct in6_addr), and their number. */
size_t	bindings_of_port(const struct bindings *, const char *port, int af,
	    void *out, size_t max);
/*
 * Removes the bindings that expired by now, or (keep) that keep refuses,
 * calling gone for each before it goes (fn may be NULL); their number.
 */
size_t	bindings_expire(struct bindings *, int64_t now,
	    void (*gone)(const struct binding *, void *), void *arg);
size_t	bindings_filter(struct bindings *,
	    int (*keep)(const struct binding *, void *), void *arg);

/*
 * The file: one binding a line, "bridge port mac addr expires source"
 * (a line without the source is a DHCP lease, as files before IPv6
 * learning had them), written
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
