/*
 * Mirrors → netdev chains that `dup` frames to a monitor port or a VXLAN
 * device.
 *
 * A frame is copied where it enters a monitored port (direction in) or
 * leaves one (out). Exactly once: the first copy sets the mirror's mark bit
 * in skb->mark, which survives bridge forwarding and flood cloning, and no
 * later hook copies a frame carrying it. Broadcast and multicast would be
 * cloned by the flood before any egress hook could see the bit, so for a
 * mirror with an `out` direction they are copied where they enter the
 * bridge instead: at the ingress of every known port once port security
 * has let them through (RS_MIRROR_GROUP_PRIO; a dropped frame is sent to
 * nobody), and at the egress of the bridge device for those the host
 * sends. This assumes a flood reaches every port; where multicast snooping
 * or an unknown-unicast flood decide otherwise a copy may be missing or
 * doubled. Nothing the monitor sends enters the bridge, and the bridge
 * forwards nothing to it: copies reach it around the bridge.
 *
 * Mirror chains run at RS_MIRROR_PRIO, before port security, so an IDS also
 * sees the frames that port security then drops.
 *
 * On a kernel without the netdev egress hook (RS_COPY_TC), tc filters copy
 * what leaves a port instead (rs->tc, installed by apply.c through tc.c):
 * they test the mark bit and nothing else, so the bridge table marks the
 * frames they must not copy.
 */
#include <netinet/in.h>	/* before linux/netfilter.h, see libc-compat.h */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mirror.h"

struct devlist {
	char		(*names)[BG_IFNAMSIZ];
	size_t		 n, cap;
};

/* Adds a port to be copied, never a monitor port: a monitor's own
 * traffic is never mirrored. */
static int
devlist_add(struct devlist *d, const struct bg_bridge *b, const char *name)
{
	size_t i;
	void *p;

	if (b && bridge_is_monitor(b, name))
		return 0;
	for (i = 0; i < d->n; i++)
		if (strcmp(d->names[i], name) == 0)
			return 0;
	if (d->n == d->cap) {
		d->cap = d->cap ? d->cap * 2 : 16;
		if ((p = realloc(d->names, d->cap * BG_IFNAMSIZ)) == NULL)
			return -1;
		d->names = p;
	}
	memset(d->names[d->n], 0, BG_IFNAMSIZ);
	snprintf(d->names[d->n++], BG_IFNAMSIZ, "%s", name);
	return 0;
}

static void
devlist_del(struct devlist *d, const char *name)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		if (strcmp(d->names[i], name) == 0) {
			memmove(d->names[i], d->names[i + 1],
			    (d->n - i - 1) * BG_IFNAMSIZ);
			d->n--;
			return;
		}
}

/*
 * On a kernel that cannot hook absent devices, a hook names only the
 * ports present (the daemon recompiles as interfaces come and go).
 */
static void
present_only(const struct ruleset *rs, struct devlist *d,
    const struct bg_port *ports, size_t n_ports)
{
	size_t i = 0;

	if (rs->kernel.absent_hooks)
		return;
	while (i < d->n)
		if (!rs_port_present(ports, n_ports, d->names[i]))
			devlist_del(d, d->names[i]);
		else
			i++;
}

/* Every port of bridge b that we know of: configured or present now. */
static int
known_ports(struct devlist *d, const struct bg_bridge *b,
    const struct bg_port *ports, size_t n_ports)
{
	size_t i;

	for (i = 0; i < b->n_guests; i++)
		if (devlist_add(d, b, b->guests[i].port) == -1)
			return -1;
	for (i = 0; i < b->n_trusted; i++)
		if (devlist_add(d, b, b->trusted[i]) == -1)
			return -1;
	for (i = 0; i < n_ports; i++)
		if (strcmp(ports[i].bridge, b->name) == 0 &&
		    devlist_add(d, b, ports[i].port) == -1)
			return -1;
	return 0;
}

static int
from_ports(struct devlist *d, const struct bg_bridge *b,
    const struct bg_mirror *m, const struct bg_port *ports, size_t n_ports)
{
	size_t i;

	if (m->from_all)
		return known_ports(d, b, ports, n_ports);
	for (i = 0; i < m->n_from; i++)
		if (devlist_add(d, b, m->from[i]) == -1)
			return -1;
	return 0;
}

/* An excluded frame returns; with bit, it is marked as copied first. */
static void
excluded(struct rs_rule *r, uint32_t bit)
{
	if (bit)
		ir_mark_or(r, bit);
	ir_verdict(r, NFT_RETURN, NULL);
}

static void
exclude_net(struct rs_chain *c, const struct bg_exclude *e, bool dst,
    uint32_t bit)
{
	bool v4 = e->family == AF_INET;
	enum ir_fid f = v4 ? (dst ? FLD_IP_DADDR : FLD_IP_SADDR) :
	    (dst ? FLD_IP6_DADDR : FLD_IP6_SADDR);
	struct rs_rule *r = rs_chain_rule(c);

	ir_prefix(r, f, e->net, e->plen);
	excluded(r, bit);
}

static void
exclude_port(struct rs_chain *c, const struct bg_exclude *e, bool dst,
    uint32_t bit)
{
	bool tcp = e->proto == IPPROTO_TCP;
	uint8_t port[2] = { (uint8_t)(e->port >> 8), (uint8_t)e->port };
	struct rs_rule *r;

	if (e->port == 0 && dst)
		return;
	r = rs_chain_rule(c);
	if (e->port == 0)
		ir_cmp(r, FLD_L4PROTO, OP_EQ, &e->proto);
	else
		ir_cmp(r, tcp ? (dst ? FLD_TCP_DPORT : FLD_TCP_SPORT) :
		    (dst ? FLD_UDP_DPORT : FLD_UDP_SPORT), OP_EQ, port);
	excluded(r, bit);
}

/* The mirror's exclusions, into c. */
static void
exclusions(struct rs_chain *c, const struct bg_mirror *m, uint32_t bit)
{
	size_t i;

	for (i = 0; i < m->n_excl; i++) {
		if (m->excl[i].family)
			exclude_net(c, &m->excl[i], false, bit),
			    exclude_net(c, &m->excl[i], true, bit);
		else
			exclude_port(c, &m->excl[i], false, bit),
			    exclude_port(c, &m->excl[i], true, bit);
	}
}

/*
 * mirror_<name>: exclusions, then mark and copy. Ingress hooks jump to a
 * twin, mirror_<name>_rx, because there a frame's length, and so the byte
 * counter, leaves out the Ethernet header: status adds it back.
 */
static struct rs_chain *
mirror_chain(struct rs_table *t, const struct bg_mirror *m, uint32_t bit,
    const char *dev, int ifindex, bool rx)
{
	struct rs_chain *c;
	struct rs_rule *r;
	char name[48];

	snprintf(name, sizeof(name), "mirror_%s%s", m->name, rx ? "_rx" : "");
	c = rs_table_chain(t, name, H_NONE, 0);
	exclusions(c, m, 0);
	ir_mark_or(rs_chain_rule(c), bit);
	r = rs_chain_rule(c);
	ir_dup(r, dev, ifindex);
	ir_counter(r);
	return c;
}

/* prefix_<name>_<k> base chains hooking devs, 255 at a time. */
static void
hook_chains(struct rs_table *t, const char *prefix, const char *mname,
    enum rs_hook hook, int prio, const struct devlist *d,
    const struct rs_chain *target, uint32_t bit, bool group_only)
{
	static const uint8_t one = 1;
	static const uint32_t zero;
	struct rs_chain *c = NULL;
	struct rs_rule *r;
	char name[IR_NAME];
	size_t i;

	for (i = 0; i < d->n; i++) {
		if (i % RS_DEVS_PER_CHAIN == 0) {
			snprintf(name, sizeof(name), "%s_%s_%zu", prefix, mname,
			    i / RS_DEVS_PER_CHAIN);
			c = rs_table_chain(t, name, hook, prio);
			r = rs_chain_rule(c);
			if (group_only)
				ir_bits(r, FLD_LL_GROUP, &one, &one);
			ir_bits(r, FLD_MARK, &bit, &zero);
			ir_verdict(r, NFT_JUMP, target ? target->name : NULL);
		}
		rs_chain_dev(c, d->names[i]);
	}
}

/*
 * The monitor port is receive-only and receives only copies: what it sends
 * is dropped where it enters, what the bridge would send it is dropped in
 * the bridge table's chains to a port. Copies go around the bridge, so
 * they pass.
 */
static void
guard(struct ruleset *rs, const struct bg_mirror *m,
    struct rs_chain *to_port[2])
{
	struct rs_chain *c;
	struct rs_rule *r;
	char name[IR_NAME], to[BG_IFNAMSIZ] = "";
	int i;

	snprintf(name, sizeof(name), "monitor_%s_in", m->name);
	c = rs_table_chain(&rs->netdev, name, H_INGRESS, RS_MIRROR_PRIO);
	rs_chain_dev(c, m->to);
	ir_verdict(rs_chain_rule(c), NF_DROP, NULL);
	memcpy(to, m->to, strnlen(m->to, BG_IFNAMSIZ - 1));
	for (i = 0; i < 2; i++) {
		r = rs_chain_rule(to_port[i]);
		ir_cmp(r, FLD_OIFNAME, OP_EQ, to);
		ir_verdict(r, NF_DROP, NULL);
	}
}

static int
ifindex_of(const struct bg_port *ports, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(ports[i].port, name) == 0)
			return ports[i].ifindex;
	return 0;
}

/* One mirror being compiled: where its copies go, its mark bit. */
struct session {
	const struct bg_mirror	*m;
	unsigned int		 slot;
	uint32_t		 bit;
	char			 dev[BG_IFNAMSIZ];
	int			 ifindex;
};

/* The tc backend: a filter at the egress of every port of d present now. */
static int
tc_filters(struct ruleset *rs, const struct session *ss,
    const struct devlist *d, const struct bg_port *ports, size_t n_ports,
    bool group_only)
{
	struct rs_tc *f;
	size_t i;
	int ifindex;
	void *p;

	for (i = 0; i < d->n; i++) {
		if ((ifindex = ifindex_of(ports, n_ports, d->names[i])) == 0)
			continue;
		if (rs->n_tc == rs->cap_tc) {
			rs->cap_tc = rs->cap_tc ? rs->cap_tc * 2 : 16;
			if ((p = realloc(rs->tc, rs->cap_tc *
			    sizeof(*rs->tc))) == NULL)
				return -1;
			rs->tc = p;
		}
		f = &rs->tc[rs->n_tc++];
		memset(f, 0, sizeof(*f));
		memcpy(f->dev, d->names[i], BG_IFNAMSIZ);
		f->ifindex = ifindex;
		memcpy(f->to, ss->dev, BG_IFNAMSIZ);
		f->to_ifindex = ss->ifindex;
		f->slot = ss->slot;
		f->skip_mark = ss->bit;
		f->group_only = group_only;
	}
	return 0;
}

/*
 * What tc cannot do, the bridge table does on frames on their way to a
 * port: it marks those a mirror excludes, and the broadcasts the host
 * sends, which tc copied at the bridge device's egress already, as copied.
 */
static void
tc_marks(struct ruleset *rs, const struct session *ss,
    struct rs_chain *to_port[2])
{
	static const uint8_t one = 1;
	struct rs_chain *excl;
	struct rs_rule *r;
	char name[IR_NAME];
	int i;

	if (ss->m->n_excl) {
		snprintf(name, sizeof(name), "mirror_%s", ss->m->name);
		excl = rs_table_chain(&rs->bridge, name, H_NONE, 0);
		exclusions(excl, ss->m, ss->bit);
		for (i = 0; i < 2; i++)
			ir_verdict(rs_chain_rule(to_port[i]), NFT_JUMP, name);
	}
	r = rs_chain_rule(to_port[1]);
	ir_bits(r, FLD_LL_GROUP, &one, &one);
	ir_mark_or(r, ss->bit);
}

/*
 * Frames leaving the monitored ports, and the broadcasts the host sends
 * into the bridge (through the bridge device's egress).
 */
static int
copies_out(struct ruleset *rs, const struct session *ss,
    const struct devlist *from, const struct bg_bridge *b,
    const struct bg_port *ports, size_t n_ports, struct rs_chain *to_port[2])
{
	struct devlist self = { 0 };
	const struct rs_chain *tx;
	int rc = -1;

	if (devlist_add(&self, NULL, b->name) == -1)
		return -1;
	present_only(rs, &self, ports, n_ports);
	if (rs->backend == RS_COPY_TC) {
		tc_marks(rs, ss, to_port);
		rc = tc_filters(rs, ss, from, ports, n_ports, false) == -1 ||
		    tc_filters(rs, ss, &self, ports, n_ports, true) == -1 ?
		    -1 : 0;
		goto out;
	}
	tx = mirror_chain(&rs->netdev, ss->m, ss->bit, ss->dev, ss->ifindex,
	    false);
	hook_chains(&rs->netdev, "mirror_out", ss->m->name, H_EGRESS,
	    RS_MIRROR_PRIO, from, tx, ss->bit, false);
	hook_chains(&rs->netdev, "mirror_host", ss->m->name, H_EGRESS,
	    RS_MIRROR_PRIO, &self, tx, ss->bit, true);
	rc = 0;
out:
	free(self.names);
	return rc;
}

static int
build_one(struct ruleset *rs, const struct bg_bridge *b,
    const struct bg_mirror *m, size_t idx, const struct bg_port *ports,
    size_t n_ports, struct rs_chain *to_port[2])
{
	struct rs_table *t = &rs->netdev;
	struct session ss = { m, (unsigned int)idx, RS_MARK_MIRROR(idx), "",
	    0 };
	struct devlist from = { 0 }, all = { 0 };
	const struct rs_chain *rx;
	int rc = -1;

	mirror_device(m, ss.dev);
	if ((ss.ifindex = ifindex_of(ports, n_ports, ss.dev)) == 0) {
		snprintf(rs->inactive[rs->n_inactive++], 32, "%s", m->name);
		return 0;
	}
	if (from_ports(&from, b, m, ports, n_ports) == -1 ||
	    ((m->direction & DIR_OUT) &&
	    known_ports(&all, b, ports, n_ports) == -1))
		goto out;
	/* A lone monitored port's own broadcasts are never sent to it. */
	if (from.n == 1)
		devlist_del(&all, from.names[0]);
	present_only(rs, &from, ports, n_ports);
	present_only(rs, &all, ports, n_ports);
	rx = mirror_chain(t, m, ss.bit, ss.dev, ss.ifindex, true);
	if (m->direction & DIR_IN)
		hook_chains(t, "mirror_in", m->name, H_INGRESS, RS_MIRROR_PRIO,
		    &from, rx, ss.bit, false);
	if (m->direction & DIR_OUT) {
		hook_chains(t, "mirror_group", m->name, H_INGRESS,
		    RS_MIRROR_GROUP_PRIO, &all, rx, ss.bit, true);
		if (copies_out(rs, &ss, &from, b, ports, n_ports,
		    to_port) == -1)
			goto out;
	}
	if (!m->remote)
		guard(rs, m, to_port);
	rc = 0;
out:
	free(from.names);
	free(all.names);
	return rc;
}

int
rs_mirrors(struct ruleset *rs, const struct bg_config *cfg,
    const struct bg_port *ports, size_t n_ports, struct rs_chain *to_port[2])
{
	size_t i, j, idx = 0;

	for (i = 0; i < cfg->n_bridges; i++)
		for (j = 0; j < cfg->bridges[i].n_mirrors; j++, idx++)
			if (idx >= BG_MAX_MIRRORS) {
				errno = E2BIG;	/* no mark bit left */
				return -1;
			} else if (build_one(rs, &cfg->bridges[i],
			    &cfg->bridges[i].mirrors[j], idx, ports, n_ports,
			    to_port) == -1)
				return -1;
	return 0;
}
