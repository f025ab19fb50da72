/* RTNLGRP_LINK → a table of links by ifindex; see mon_link.h. */
#include <errno.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "hmap.h"
#include "mon_link.h"
#include "nlmon.h"

#define MON_MAX_LINKS	(1 << 20)
#define DUMP_TRIES	5

/* The table's key is an entry's first bytes. */
_Static_assert(offsetof(struct bg_link, ifindex) == 0, "ifindex first");

struct mon_link {
	struct nlmon	 nl;
	struct hmap	 links;
	mon_link_cb	 cb;
	void		*arg;
	uint64_t	 resyncs;
};

static bool
link_equal(const struct bg_link *a, const struct bg_link *b)
{
	return a->ifindex == b->ifindex && strcmp(a->name, b->name) == 0 &&
	    a->master == b->master && a->flags == b->flags &&
	    a->is_bridge == b->is_bridge && a->ageing == b->ageing &&
	    a->is_port == b->is_port && a->learning == b->learning &&
	    a->unicast_flood == b->unicast_flood &&
	    a->promiscuity == b->promiscuity;
}

/* Stores new under its ifindex and reports the change. */
static void
update(struct mon_link *m, const struct bg_link *nl, bool report)
{
	struct bg_link *l, old;
	bool created;

	if ((l = hmap_put(&m->links, &nl->ifindex, &created)) == NULL)
		return;		/* table full: that link goes unwatched */
	old = *l;
	*l = *nl;
	if (!created && link_equal(&old, l))
		return;
	if (report && m->cb)
		m->cb(m->arg, created ? NULL : &old, l);
}

static void
remove_link(struct mon_link *m, int ifindex, bool report)
{
	struct bg_link *l, old;

	if ((l = hmap_get(&m->links, &ifindex)) == NULL)
		return;
	old = *l;
	hmap_del(&m->links, &ifindex);
	if (report && m->cb)
		m->cb(m->arg, &old, NULL);
}

static void
handle_unspec(struct mon_link *m, const struct nlmsghdr *nlh, bool report)
{
	struct bg_link nl;
	const struct bg_link *old;

	if (link_parse(nlh, &nl) == -1)
		return;
	if (nlh->nlmsg_type == RTM_DELLINK) {
		remove_link(m, nl.ifindex, report);
		return;
	}
	/* Messages without port info keep what we knew, if still a port. */
	old = hmap_get(&m->links, &nl.ifindex);
	if (!nl.is_port && old && old->is_port && old->master == nl.master &&
	    nl.master != 0) {
		nl.is_port = true;
		nl.learning = old->learning;
		nl.unicast_flood = old->unicast_flood;
	}
	update(m, &nl, report);
}

/* AF_BRIDGE messages carry a port's flags (`bridge link set ...`). */
static void
handle_bridge(struct mon_link *m, const struct nlmsghdr *nlh, bool report)
{
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *a;
	const struct bg_link *old;
	struct bg_link nl;

	if ((old = hmap_get(&m->links, &ifi->ifi_index)) == NULL ||
	    nlh->nlmsg_type != RTM_NEWLINK)
		return;
	nl = *old;
	mnl_attr_for_each(a, nlh, sizeof(*ifi))
		if ((mnl_attr_get_type(a) & NLA_TYPE_MASK) == IFLA_PROTINFO &&
		    (a->nla_type & NLA_F_NESTED))
			link_parse_brport(&nl, a);
	update(m, &nl, report);
}

struct msgctx {
	struct mon_link	*m;
	bool		 report;
};

static int
msg_cb(const struct nlmsghdr *nlh, void *data)
{
	struct msgctx *cx = data;
	const struct ifinfomsg *ifi;

	if ((nlh->nlmsg_type != RTM_NEWLINK &&
	    nlh->nlmsg_type != RTM_DELLINK) ||
	    mnl_nlmsg_get_payload_len(nlh) < sizeof(*ifi))
		return MNL_CB_OK;
	ifi = mnl_nlmsg_get_payload(nlh);
	if (ifi->ifi_family == AF_BRIDGE)
		handle_bridge(cx->m, nlh, cx->report);
	else
		handle_unspec(cx->m, nlh, cx->report);
	return MNL_CB_OK;
}

/* A fresh table from a dump. */
static int
dump(struct hmap *out)
{
	struct mon_link tmp = { .cb = NULL };
	struct msgctx cx = { &tmp, false };
	int i;

	for (i = 0; i < DUMP_TRIES; i++) {
		hmap_init(&tmp.links, sizeof(int), sizeof(struct bg_link),
		    MON_MAX_LINKS);
		if (nlmon_dump(RTM_GETLINK, AF_UNSPEC, msg_cb, &cx) == 0) {
			*out = tmp.links;
			return 0;
		}
		hmap_clear(&tmp.links);
		if (errno != EINTR)
			return -1;
	}
	return -1;
}

struct mon_link *
mon_link_open(mon_link_cb cb, void *arg)
{
	static const unsigned int groups[] = { RTNLGRP_LINK, 0 };
	struct mon_link *m;

	if ((m = calloc(1, sizeof(*m))) == NULL)
		return NULL;
	m->cb = cb;
	m->arg = arg;
	hmap_init(&m->links, sizeof(int), sizeof(struct bg_link), MON_MAX_LINKS);
	/* Subscribe first: a change during the dump is then seen twice at
	 * worst, never missed. */
	if (nlmon_open(&m->nl, groups) == -1 || dump(&m->links) == -1) {
		mon_link_close(m);
		return NULL;
	}
	return m;
}

void
mon_link_close(struct mon_link *m)
{
	if (m == NULL)
		return;
	nlmon_close(&m->nl);
	hmap_clear(&m->links);
	free(m);
}

int
mon_link_fd(const struct mon_link *m)
{
	return m->nl.fd;
}

/* mon_link_sync() after an overrun (counted in mon_link_resyncs()). */
static int
mon_link_resync(struct mon_link *m)
{
	m->resyncs++;
	return mon_link_sync(m);
}

int
mon_link_sync(struct mon_link *m)
{
	struct hmap fresh;
	struct hmap_iter it = { 0 };
	const struct bg_link *l;
	int *gone = NULL;
	size_t n = 0, i;

	if (dump(&fresh) == -1)
		return -1;
	if ((gone = calloc(m->links.n + 1, sizeof(*gone))) == NULL) {
		hmap_clear(&fresh);
		return -1;
	}
	while ((l = hmap_next(&m->links, &it)) != NULL)
		if (hmap_get(&fresh, &l->ifindex) == NULL)
			gone[n++] = l->ifindex;
	for (i = 0; i < n; i++)
		remove_link(m, gone[i], true);
	memset(&it, 0, sizeof(it));
	while ((l = hmap_next(&fresh, &it)) != NULL)
		update(m, l, true);
	free(gone);
	hmap_clear(&fresh);
	return 0;
}

int
mon_link_read(struct mon_link *m)
{
	struct msgctx cx = { m, true };
	int rc;

	if ((rc = nlmon_read(&m->nl, msg_cb, &cx)) == 1)
		return mon_link_resync(m);
	return rc;
}

const struct bg_link *
mon_link_get(const struct mon_link *m, int ifindex)
{
	return hmap_get(&m->links, &ifindex);
}

const struct bg_link *
mon_link_byname(const struct mon_link *m, const char *name)
{
	struct hmap_iter it = { 0 };
	const struct bg_link *l;

	while ((l = hmap_next(&m->links, &it)) != NULL)
		if (strcmp(l->name, name) == 0)
			return l;
	return NULL;
}

const struct bg_link *
mon_link_bridge_of(const struct mon_link *m, const struct bg_link *l)
{
	const struct bg_link *br;

	if (l == NULL || l->master == 0 ||
	    (br = mon_link_get(m, l->master)) == NULL || !br->is_bridge)
		return NULL;
	return br;
}

static const char *
bridge_name(const struct mon_link *m, const struct bg_link *l)
{
	const struct bg_link *br = l ? mon_link_bridge_of(m, l) : NULL;

	return br ? br->name : NULL;
}

static bool
same(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

bool
mon_link_move(const struct mon_link *m, const struct bg_link *old,
    const struct bg_link *new, struct link_move *mv)
{
	const struct bg_link *master;

	mv->from = bridge_name(m, old);
	mv->to = bridge_name(m, new);
	mv->renamed = old && new && strcmp(old->name, new->name) != 0;
	if (old && !new && old->master && mv->from == NULL &&
	    (master = mon_link_get(m, old->master)) != NULL)
		mv->from = master->name;
	return !(old && new && !mv->renamed && same(mv->from, mv->to));
}

/* As link.c's link_bridge_ports(): every interface, sorted by ifindex. */
static int
port_cmp(const void *a, const void *b)
{
	const struct bg_port *x = a, *y = b;

	return (x->ifindex > y->ifindex) - (x->ifindex < y->ifindex);
}

int
mon_link_ports(const struct mon_link *m, struct bg_port **out, size_t *n)
{
	struct hmap_iter it = { 0 };
	const struct bg_link *l, *br;
	struct bg_port *p;
	size_t k = 0;

	if ((p = calloc(m->links.n + 1, sizeof(*p))) == NULL)
		return -1;
	while ((l = hmap_next(&m->links, &it)) != NULL) {
		if ((br = mon_link_bridge_of(m, l)) != NULL)
			memcpy(p[k].bridge, br->name, sizeof(p[k].bridge));
		memcpy(p[k].port, l->name, sizeof(p[k].port));
		p[k++].ifindex = l->ifindex;
	}
	qsort(p, k, sizeof(*p), port_cmp);
	*out = p;
	*n = k;
	return 0;
}

const struct bg_link *
mon_link_next(const struct mon_link *m, struct hmap_iter *it)
{
	return hmap_next(&m->links, it);
}

uint64_t
mon_link_resyncs(const struct mon_link *m)
{
	return m->resyncs;
}
