/* RTNLGRP_NEIGH → FDB and host neighbour tables; see mon_neigh.h. */
#include <errno.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "hmap.h"
#include "mon_neigh.h"
#include "nlmon.h"

#define MAX_FDB		(1 << 20)
#define MAX_HOST	(1 << 18)
#define DUMP_TRIES	5

struct fdb_ent {
	int		 bridge;	/* key: bridge, vlan, mac */
	uint16_t	 vlan;
	uint8_t		 mac[6];
	int		 port;
};
#define FDB_KEYLEN	12

struct host_ent {
	int		 ifindex;	/* key: ifindex, af, addr */
	uint8_t		 af;
	uint8_t		 pad[3];
	uint8_t		 addr[16];
	uint8_t		 mac[6];
};
#define HOST_KEYLEN	24

struct mon_neigh {
	struct nlmon	 nl;
	struct hmap	 fdb, host;
	mon_neigh_cb	 cb;
	void		*arg;
	uint64_t	 resyncs;
};

/* One neighbour message, decoded. */
struct nmsg {
	bool		 del;
	int		 family, ifindex, master;
	uint16_t	 state;
	uint8_t		 flags;
	uint16_t	 vlan;
	bool		 has_mac, has_dst;
	uint8_t		 mac[6], dst[16];
	size_t		 dst_len;
};

static int
decode(const struct nlmsghdr *nlh, struct nmsg *m)
{
	const struct ndmsg *nd;
	const struct nlattr *a;

	if ((nlh->nlmsg_type != RTM_NEWNEIGH &&
	    nlh->nlmsg_type != RTM_DELNEIGH) ||
	    mnl_nlmsg_get_payload_len(nlh) < sizeof(*nd))
		return -1;
	nd = mnl_nlmsg_get_payload(nlh);
	memset(m, 0, sizeof(*m));
	m->del = nlh->nlmsg_type == RTM_DELNEIGH;
	m->family = nd->ndm_family;
	m->ifindex = nd->ndm_ifindex;
	m->state = nd->ndm_state;
	m->flags = nd->ndm_flags;
	mnl_attr_for_each(a, nlh, sizeof(*nd)) {
		uint16_t len = mnl_attr_get_payload_len(a);

		switch (mnl_attr_get_type(a)) {
		case NDA_LLADDR:
			if ((m->has_mac = len == 6))
				memcpy(m->mac, mnl_attr_get_payload(a), 6);
			break;
		case NDA_DST:
			if ((m->has_dst = len == 4 || len == 16)) {
				memcpy(m->dst, mnl_attr_get_payload(a), len);
				m->dst_len = len;
			}
			break;
		case NDA_MASTER:
			if (len == 4)
				m->master = (int)mnl_attr_get_u32(a);
			break;
		case NDA_VLAN:
			if (len == 2)
				m->vlan = mnl_attr_get_u16(a);
			break;
		}
	}
	return 0;
}

static void
report(struct mon_neigh *n, const struct neigh_change *c, bool rep)
{
	if (rep && n->cb)
		n->cb(n->arg, c);
}

/*
 * Learnt entries only (the bridge reports them with NDA_MASTER): its own
 * permanent entries and the ports' address lists ("self") say nothing
 * about who talks where.
 */
static void
handle_fdb(struct mon_neigh *n, const struct nmsg *m, bool rep)
{
	struct fdb_ent key = { .bridge = m->master, .vlan = m->vlan }, *e;
	struct neigh_change c;
	bool created;

	if (!m->has_mac || m->master == 0 || (m->flags & NTF_SELF) ||
	    (m->state & NUD_PERMANENT) || m->ifindex == m->master)
		return;
	memcpy(key.mac, m->mac, 6);
	if (m->del) {
		if ((e = hmap_get(&n->fdb, &key)) && e->port == m->ifindex)
			hmap_del(&n->fdb, &key);
		return;
	}
	if ((e = hmap_put(&n->fdb, &key, &created)) == NULL)
		return;
	if (!created && e->port != m->ifindex) {
		memset(&c, 0, sizeof(c));
		c.kind = NEIGH_FDB_MOVE;
		c.ifindex = m->master;
		c.old_port = e->port;
		c.new_port = m->ifindex;
		c.vlan = m->vlan;
		memcpy(c.mac, m->mac, 6);
		memcpy(c.old_mac, m->mac, 6);
		e->port = m->ifindex;
		report(n, &c, rep);
	}
	e->port = m->ifindex;
}

static void
host_key(struct host_ent *k, const struct nmsg *m)
{
	memset(k, 0, sizeof(*k));
	k->ifindex = m->ifindex;
	k->af = (uint8_t)m->family;
	memcpy(k->addr, m->dst, m->dst_len);
}

static void
handle_host(struct mon_neigh *n, const struct nmsg *m, bool rep)
{
	struct host_ent key, *e;
	struct neigh_change c;
	bool created;

	if (!m->has_dst || (m->family == AF_INET) != (m->dst_len == 4))
		return;
	host_key(&key, m);
	if (m->del) {
		hmap_del(&n->host, &key);
		return;
	}
	/* Incomplete and failed entries carry no (or a stale) address. */
	if (!m->has_mac || (m->state & (NUD_INCOMPLETE | NUD_FAILED)) ||
	    (e = hmap_put(&n->host, &key, &created)) == NULL)
		return;
	if (!created && memcmp(e->mac, m->mac, 6) != 0) {
		memset(&c, 0, sizeof(c));
		c.kind = NEIGH_HOST_CHANGE;
		c.ifindex = m->ifindex;
		c.af = m->family;
		memcpy(c.addr, m->dst, m->dst_len);
		memcpy(c.old_mac, e->mac, 6);
		memcpy(c.mac, m->mac, 6);
		memcpy(e->mac, m->mac, 6);
		report(n, &c, rep);
	}
	memcpy(e->mac, m->mac, 6);
}

struct msgctx {
	struct mon_neigh	*n;
	bool			 report;
};

static int
msg_cb(const struct nlmsghdr *nlh, void *data)
{
	struct msgctx *cx = data;
	struct nmsg m;

	if (decode(nlh, &m) == -1)
		return MNL_CB_OK;
	if (m.family == AF_BRIDGE)
		handle_fdb(cx->n, &m, cx->report);
	else if (m.family == AF_INET || m.family == AF_INET6)
		handle_host(cx->n, &m, cx->report);
	return MNL_CB_OK;
}

static void
tables_init(struct mon_neigh *n)
{
	hmap_init(&n->fdb, FDB_KEYLEN, sizeof(struct fdb_ent), MAX_FDB);
	hmap_init(&n->host, HOST_KEYLEN, sizeof(struct host_ent), MAX_HOST);
}

/*
 * Dumps into n's tables. With report set, differences from what the
 * tables held are reported, as notifications would have been.
 */
static int
dump(struct mon_neigh *n, bool rep)
{
	struct msgctx cx = { n, rep };
	int i;

	for (i = 0; i < DUMP_TRIES; i++) {
		if (nlmon_dump(RTM_GETNEIGH, AF_BRIDGE, msg_cb, &cx) == 0 &&
		    nlmon_dump(RTM_GETNEIGH, AF_UNSPEC, msg_cb, &cx) == 0)
			return 0;
		if (errno != EINTR)
			return -1;
	}
	return -1;
}

struct mon_neigh *
mon_neigh_open(mon_neigh_cb cb, void *arg)
{
	static const unsigned int groups[] = { RTNLGRP_NEIGH, 0 };
	struct mon_neigh *n;

	if ((n = calloc(1, sizeof(*n))) == NULL)
		return NULL;
	n->cb = cb;
	n->arg = arg;
	tables_init(n);
	if (nlmon_open(&n->nl, groups) == -1 || dump(n, false) == -1) {
		mon_neigh_close(n);
		return NULL;
	}
	return n;
}

void
mon_neigh_close(struct mon_neigh *n)
{
	if (n == NULL)
		return;
	nlmon_close(&n->nl);
	hmap_clear(&n->fdb);
	hmap_clear(&n->host);
	free(n);
}

int
mon_neigh_fd(const struct mon_neigh *n)
{
	return n->nl.fd;
}

/*
 * Entries deleted while notifications were lost stay until relearnt; a
 * stale entry can only make a later move look like one, which it was.
 */
static int
mon_neigh_resync(struct mon_neigh *n)
{
	n->resyncs++;
	return dump(n, true);
}

int
mon_neigh_read(struct mon_neigh *n)
{
	struct msgctx cx = { n, true };
	int rc;

	if ((rc = nlmon_read(&n->nl, msg_cb, &cx)) == 1)
		return mon_neigh_resync(n);
	return rc;
}

uint64_t
mon_neigh_resyncs(const struct mon_neigh *n)
{
	return n->resyncs;
}
