/*
 * Inside snooping: the table every learning source shares (snoop.c), for
 * the files that read one source's records: snoop_dhcp.c (DHCPv4),
 * snoop_nd.c (neighbour discovery: DAD and the use of an address),
 * snoop_dhcp6.c (DHCPv6). Not for the rest of the daemon (snoop.h).
 */
#ifndef BG_SNOOP_IMPL_H
#define BG_SNOOP_IMPL_H

#include <stdbool.h>
#include <stdint.h>

#include "bindings.h"
#include "model.h"

struct mon_link;
struct policy;

/* learn_over's count of a port in one table, when last read. */
struct over;

/* A DAD probe waiting for its period to pass uncontested (snoop_nd.c). */
struct dad {
	char		 port[BG_IFNAMSIZ];
	struct in6_addr	 addr;
	uint64_t	 due_ms;	/* monotonic */
};

struct snoop {
	struct bindings	 t;
	char		 path[4096];
	bool		 learning;	/* the policy has learning guests */
	bool		 dirty;		/* renewed in memory, not in the file */
	uint64_t	 gen;		/* the policy's, when last pruned */
	struct over	*over;
	size_t		 n_over, cap_over;
	struct dad	*dad;
	size_t		 n_dad, cap_dad;
};

/* Why a binding goes, or is refused, as the events say it. */
enum snoop_why {
	W_RELEASE, W_DECLINE, W_NAK, W_EXPIRE, W_REASSIGNED, W_CONFIG,
	W_CONFLICT, W_CAP, W_CONTESTED,
};

/* Seconds since the epoch: bindings' time (bindings.h). */
int64_t	snoop_wall(void);
/*
 * Binds a to g's port, learned from src, until expires (lease: the
 * seconds the source gave, -1 if none): 0 if bound or renewed, -1 if
 * refused (an event says why): a is configured (or derived) for another
 * guest, or bound to another port and not take (a DHCP server may give an
 * address to another client, a DAD probe may not take one), or the port
 * has its family's cap. The kernel has it when this returns 0.
 */
int	snoop_bind(struct snoop *, struct policy *, const struct bg_bridge *,
	    const struct bg_guest *g, const struct in6_addr *a, int64_t expires,
	    enum bind_source src, int64_t lease, bool take);
/* Says a was not bound to g (binding_refused), and why. */
void	snoop_refused(const struct bg_bridge *br, const struct bg_guest *g,
	    const struct in6_addr *a, enum bind_source src, enum snoop_why);
/* The guest of the port with this ifindex (its bridge in *brp); NULL if
 * the port is gone or no guest's. */
const struct bg_guest *snoop_guest_at(struct policy *,
	    const struct mon_link *, int ifindex, struct bg_bridge **brp);
/* Unbinds a from port, if it has it, says so and writes the file. */
void	snoop_unbind(struct snoop *, struct policy *, const char *port,
	    const struct in6_addr *a, enum snoop_why);
/* Is a configured for g, or g's derived link-local address? */
bool	snoop_is_static(const struct bg_guest *g, const struct in6_addr *a);
/* The guest other than port's that a is configured or derived for. */
const struct bg_guest *snoop_owner(const struct bg_config *, const char *port,
	    const struct in6_addr *a);
/* Renews a's DAD-learned binding to port until expires, if it has it
 * and it ends sooner: in memory, written at the next tick. (A lease ends
 * when its server says, whatever the use.) */
void	snoop_touch(struct snoop *, const char *port,
	    const struct in6_addr *a, int64_t expires);
void	snoop_save(struct snoop *);
/* Did a server's answer come in where servers are: from the host itself
 * (peer 0) or a trusted port of the guest's bridge br? */
bool	snoop_from_server(const struct bg_bridge *br,
	    const struct mon_link *links, int peer);
/* Does g learn what src teaches: its family, and for DAD, SLAAC's
 * addresses or (a DHCPv6 guest) its link-local one? */
bool	snoop_may_learn(const struct bg_guest *g, enum bind_source src,
	    const struct in6_addr *a);

#endif
