/*
 * IPv6 address learning from neighbour discovery, as a switch's ND
 * snooping does it. A host claims an address with duplicate address
 * detection (RFC 4862 5.4): a neighbour solicitation from :: for it, and
 * the address is the host's if no one answers within the probe's period.
 * Whatever made the address (SLAAC from a prefix, a privacy or
 * stable-privacy interface id, a DHCPv6 lease: the host probes each), the
 * probe is how it becomes the host's, so a learning guest's probe from
 * its own port binds the address once DAD_WAIT_MS pass uncontested:
 *   - contested by a multicast NA for it sent to the guest (the owner's
 *     defence, from any port or the host), or by another port's probe for
 *     it in the same period (then neither gets it, as neither host takes
 *     it);
 *   - refused if it is configured for another guest (or is another's
 *     derived link-local address) or already bound to another port: a
 *     probe never takes an address, a server's lease may (snoop_dhcp.c);
 *   - a `dhcpv6` guest that is not `slaac` learns only its link-local
 *     address this way: its others come from its server's Reply.
 * A bound address is kept while it is seen in use: an NS from it or an NA
 * for it from the guest renews it for ND_SILENT seconds. Silent that
 * long, it goes (binding_remove, expire); the guest claims it again with
 * DAD (an interface brought up, an address added).
 */
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "policy.h"
#include "snoop.h"
#include "snoop_impl.h"

#define DAD_WAIT_MS	1000		/* RetransTimer's default (RFC 4861) */
#define ND_SILENT	(24 * 3600)	/* unseen this long: unbound */
#define NS		135
#define NA		136

static struct dad *
dad_find(const struct snoop *s, const char *port, const struct in6_addr *a)
{
	size_t i;

	for (i = 0; i < s->n_dad; i++)
		if (memcmp(&s->dad[i].addr, a, sizeof(*a)) == 0 &&
		    (port == NULL || strcmp(s->dad[i].port, port) == 0))
			return &s->dad[i];
	return NULL;
}

static size_t
dad_of_port(const struct snoop *s, const char *port)
{
	size_t i, n = 0;

	for (i = 0; i < s->n_dad; i++)
		n += strcmp(s->dad[i].port, port) == 0;
	return n;
}

static void
dad_drop(struct snoop *s, struct dad *d)
{
	*d = s->dad[--s->n_dad];
}

/* A new wait for port's probe of a; NULL on ENOMEM. */
static struct dad *
dad_add(struct snoop *s, const char *port, const struct in6_addr *a)
{
	struct dad *d;
	size_t cap;

	if (s->n_dad == s->cap_dad) {
		cap = s->cap_dad ? s->cap_dad * 2 : 16;
		if ((d = realloc(s->dad, cap * sizeof(*d))) == NULL)
			return NULL;
		s->dad = d;
		s->cap_dad = cap;
	}
	d = &s->dad[s->n_dad++];
	memcpy(d->port, port, sizeof(d->port));
	d->addr = *a;
	return d;
}

/* Two hosts probing one address: neither keeps it, and both are told. */
static void
both_contested(struct snoop *s, struct policy *p, struct dad *d,
    const struct bg_bridge *br, const struct bg_guest *g)
{
	struct bg_bridge *obr = NULL;
	const struct bg_guest *o = config_guest(policy_config(p), d->port,
	    &obr);
	struct in6_addr a = d->addr;

	dad_drop(s, d);
	if (o != NULL)
		snoop_refused(obr, o, &a, BS_DAD, W_CONTESTED);
	snoop_refused(br, g, &a, BS_DAD, W_CONTESTED);
}

/* The guest's probe for a: wait, unless it is decided already. */
static void
probe(struct snoop *s, struct policy *p, const struct bg_bridge *br,
    const struct bg_guest *g, const struct in6_addr *a)
{
	const struct binding *b = bindings_find(snoop_table(s), a);
	struct dad *d;

	/* Its own for good, or not one it learns: nothing to wait for. */
	if (!snoop_may_learn(g, BS_DAD, a) || snoop_is_static(g, a))
		return;
	if (b && strcmp(b->port, g->port) == 0) {
		snoop_touch(s, g->port, a, snoop_wall() + ND_SILENT);
		return;
	}
	if ((d = dad_find(s, NULL, a)) != NULL && strcmp(d->port, g->port)) {
		both_contested(s, p, d, br, g);
		return;
	}
	/* A flood of probes waits in no list. */
	if (d == NULL && (dad_of_port(s, g->port) >= bridge_learn_cap(br,
	    AF_INET6) || (d = dad_add(s, g->port, a)) == NULL))
		return;
	/* Every probe (dad_transmits of them) restarts the period. */
	d->due_ms = now_ms() + DAD_WAIT_MS;
}

void
snoop_nd(struct snoop *s, struct policy *p, const struct mon_link *links,
    const struct sensor_rec *r)
{
	struct in6_addr tgt_a, src_a, *tgt = &tgt_a, *src = &src_a;
	struct bg_bridge *br = NULL;
	const struct bg_guest *g;
	struct dad *d;

	/* The record's bytes are not aligned for struct in6_addr. */
	memcpy(tgt, r->pkt.nd_target, sizeof(*tgt));
	memcpy(src, r->pkt.src_ip, sizeof(*src));
	if ((g = snoop_guest_at(p, links, r->ifindex, &br)) == NULL ||
	    !guest_learns6(g))
		return;
	if (r->outgoing) {
		/* Someone answers for the address the guest probes. */
		if (r->pkt.icmp_type == NA &&
		    (d = dad_find(s, g->port, tgt)) != NULL) {
			dad_drop(s, d);
			snoop_refused(br, g, tgt, BS_DAD, W_CONTESTED);
		}
		return;
	}
	if (r->pkt.icmp_type == NS && IN6_IS_ADDR_UNSPECIFIED(src))
		probe(s, p, br, g, tgt);
	else if (r->pkt.icmp_type == NA)
		snoop_touch(s, g->port, tgt, snoop_wall() + ND_SILENT);
	else
		snoop_touch(s, g->port, src, snoop_wall() + ND_SILENT);
}

void
snoop_dad_tick(struct snoop *s, struct policy *p)
{
	struct bg_bridge *br = NULL;
	const struct bg_guest *g;
	uint64_t now = now_ms();
	struct dad d;
	size_t i = 0;

	while (i < s->n_dad) {
		if (s->dad[i].due_ms > now) {
			i++;
			continue;
		}
		d = s->dad[i];
		dad_drop(s, &s->dad[i]);
		/* The guest may have gone, or changed, meanwhile. */
		if ((g = config_guest(policy_config(p), d.port, &br)) != NULL &&
		    snoop_may_learn(g, BS_DAD, &d.addr))
			snoop_bind(s, p, br, g, &d.addr, snoop_wall() +
			    ND_SILENT, BS_DAD, -1, false);
	}
}

uint64_t
snoop_next_ms(const struct snoop *s)
{
	uint64_t next = UINT64_MAX;
	size_t i;

	for (i = 0; i < s->n_dad; i++)
		if (s->dad[i].due_ms < next)
			next = s->dad[i].due_ms;
	return next;
}
