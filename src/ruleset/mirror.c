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
#include <netinet/in.h>
#include <arpa/inet.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build.h"

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

size_t
mirror_chains(const struct bg_config *cfg, size_t n_guests, size_t n_ports)
{
	size_t i, j, n = 0, devs = n_guests + n_ports;

	for (i = 0; i < cfg->n_bridges; i++)
		devs += cfg->bridges[i].n_trusted;
	for (i = 0; i < cfg->n_bridges; i++)
		for (j = 0; j < cfg->bridges[i].n_mirrors; j++) {
			devs += cfg->bridges[i].mirrors[j].n_from;
			n += 4 + 3 * ((devs + RS_DEVS_PER_CHAIN - 1) /
			    RS_DEVS_PER_CHAIN);
		}
	return n;
}

static void
mark_test(struct rs_rule *r, uint32_t bits)
{
	struct rs_expr *x;
	static const uint32_t zero;

	meta(r, NFT_META_MARK, NFT_REG_1);
	x = expr(r, X_BITWISE, NFT_REG_1);
	x->len = 4;
	memcpy(x->mask, &bits, 4);
	cmp(r, NFT_CMP_EQ, &zero, 4);
}

/* meta mark set (meta mark & and) ^ xor */
static void
mark_set(struct rs_rule *r, uint32_t and, uint32_t xor)
{
	struct rs_expr *x;

	meta(r, NFT_META_MARK, NFT_REG_1);
	x = expr(r, X_BITWISE, NFT_REG_1);
	x->len = 4;
	memcpy(x->mask, &and, 4);
	memcpy(x->data, &xor, 4);	/* the xor operand */
	expr(r, X_META_SET, NFT_REG_1)->key = NFT_META_MARK;
}

/* An excluded frame returns; with bit, it is marked as copied first. */
static void
excluded(struct rs_rule *r, uint32_t bit)
{
	size_t len = strlen(r->text);

	if (bit) {
		snprintf(r->text + len, sizeof(r->text) - len,
		    " meta mark set meta mark | 0x%08x return", bit);
		mark_set(r, ~bit, bit);
	} else
		snprintf(r->text + len, sizeof(r->text) - len, " return");
	verdict(r, NFT_RETURN, NULL);
}

/*
 * ip saddr/daddr NET/PLEN, as nft encodes a prefix: a byte-aligned one
 * compares its leading bytes, any other masks the whole address.
 */
static void
exclude_net(struct rs_chain *c, const struct bg_exclude *e, bool dst,
    uint32_t bit)
{
	char buf[INET6_ADDRSTRLEN];
	uint8_t net[16] = { 0 };
	bool v4 = e->family == AF_INET;
	uint32_t alen = v4 ? 4 : 16, len = e->plen % 8 ? alen : e->plen / 8u;
	uint32_t off = v4 ? (dst ? 16 : 12) : (dst ? 24 : 8), i;
	struct rs_rule *r;
	struct rs_expr *x;

	r = rule(c, "%s %s %s/%u", v4 ? "ip" : "ip6",
	    dst ? "daddr" : "saddr", inet_ntop(e->family, e->net, buf,
	    sizeof(buf)), e->plen);
	dep_proto(r, v4 ? "ip" : "ip6");
	payload(r, NFT_PAYLOAD_NETWORK_HEADER, off, len, NFT_REG_1);
	memcpy(net, e->net, len);
	if (e->plen % 8) {
		x = expr(r, X_BITWISE, NFT_REG_1);
		x->len = len;
		for (i = 0; i < len; i++)
			x->mask[i] = i < e->plen / 8u ? 0xff : i == e->plen / 8u ?
			    (uint8_t)(0xff << (8 - e->plen % 8)) : 0;
		for (i = 0; i < len; i++)
			net[i] &= x->mask[i];
	}
	cmp(r, NFT_CMP_EQ, net, len);
	excluded(r, bit);
}

static void
exclude_port(struct rs_chain *c, const struct bg_exclude *e, bool dst,
    uint32_t bit)
{
	const char *p = e->proto == IPPROTO_TCP ? "tcp" : "udp";
	uint16_t port = htons(e->port);
	struct rs_rule *r;

	if (e->port == 0) {
		if (dst)
			return;
		r = rule(c, "meta l4proto %s", p);
		dep_l4(r, e->proto);
	} else {
		r = rule(c, "%s %s %u", p, dst ? "dport" : "sport", e->port);
		dep_l4(r, e->proto);
		payload(r, NFT_PAYLOAD_TRANSPORT_HEADER, dst ? 2 : 0, 2,
		    NFT_REG_1);
		cmp(r, NFT_CMP_EQ, &port, 2);
	}
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
	struct rs_expr *x;
	char name[48];

	snprintf(name, sizeof(name), "mirror_%s%s", m->name, rx ? "_rx" : "");
	c = chain_new(t, name, NULL, 0);
	exclusions(c, m, 0);
	r = rule(c, "meta mark set meta mark | 0x%08x", bit);
	mark_set(r, ~bit, bit);
	r = rule(c, "dup to \"%s\" counter", dev);
	x = expr(r, X_IMMEDIATE, NFT_REG_1);
	x->len = 4;
	memcpy(x->data, &ifindex, 4);
	expr(r, X_DUP, NFT_REG_1);
	expr(r, X_COUNTER, 0);
	return c;
}

/* prefix_<name>_<k> base chains hooking devs, 255 at a time. */
static int
hook_chains(struct rs_table *t, const char *prefix, const char *mname,
    const char *hook, int prio, const struct devlist *d,
    const struct rs_chain *target, uint32_t bit, bool group_only)
{
	struct rs_chain *c;
	struct rs_rule *r;
	char name[48];
	size_t k, i;

	for (k = 0; k * RS_DEVS_PER_CHAIN < d->n; k++) {
		snprintf(name, sizeof(name), "%s_%s_%zu", prefix, mname, k);
		c = chain_new(t, name, hook, prio);
		if ((c->devs = calloc(RS_DEVS_PER_CHAIN, BG_IFNAMSIZ)) == NULL)
			return -1;
		for (i = k * RS_DEVS_PER_CHAIN; i < d->n &&
		    c->n_devs < RS_DEVS_PER_CHAIN; i++)
			memcpy(c->devs[c->n_devs++], d->names[i], BG_IFNAMSIZ);
		r = rule(c, "%smeta mark & 0x%08x == 0x00000000 jump %s",
		    group_only ? "@ll,0,8 & 0x1 == 0x1 " : "", bit,
		    target->name);
		if (group_only)
			group_bit(r);
		mark_test(r, bit);
		verdict(r, NFT_JUMP, target->name);
	}
	return 0;
}

/* The bridge table's chain of frames on their way to a port: forward (0)
 * or output (1), as ruleset.c chains_to_port() makes them. */
static struct rs_chain *
to_port(struct ruleset *rs, int output)
{
	const char *name = output ? "output" : "forward";
	size_t i;

	for (i = 0; i < rs->bridge.n_chains; i++)
		if (strcmp(rs->bridge.chains[i].name, name) == 0)
			return &rs->bridge.chains[i];
	abort();	/* ruleset.c made them */
}

/*
 * The monitor port is receive-only and receives only copies: what it sends
 * is dropped where it enters, what the bridge would send it is dropped in
 * the bridge table (chains_to_port() in ruleset.c). Copies go around the
 * bridge, so they pass.
 */
static int
guard(struct ruleset *rs, const struct bg_mirror *m)
{
	struct rs_chain *c;
	struct rs_rule *r;
	char name[48];
	int i;

	snprintf(name, sizeof(name), "monitor_%s_in", m->name);
	c = chain_new(&rs->netdev, name, "ingress", RS_MIRROR_PRIO);
	if ((c->devs = calloc(1, BG_IFNAMSIZ)) == NULL)
		return -1;
	memcpy(c->devs[c->n_devs++], m->to, BG_IFNAMSIZ);
	verdict(rule(c, "drop"), NF_DROP, NULL);
	for (i = 0; i < 2; i++) {
		r = rule(to_port(rs, i), "oifname \"%s\" drop", m->to);
		meta(r, NFT_META_OIFNAME, NFT_REG_1);
		cmp(r, NFT_CMP_EQ, m->to, BG_IFNAMSIZ);
		verdict(r, NF_DROP, NULL);
	}
	return 0;
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
tc_marks(struct ruleset *rs, const struct session *ss)
{
	struct rs_chain *excl = NULL;
	struct rs_rule *r;
	char name[48];
	int i;

	snprintf(name, sizeof(name), "mirror_%s", ss->m->name);
	if (ss->m->n_excl) {
		excl = chain_new(&rs->bridge, name, NULL, 0);
		exclusions(excl, ss->m, ss->bit);
	}
	for (i = 0; excl && i < 2; i++)
		verdict(rule(to_port(rs, i), "jump %s", excl->name), NFT_JUMP,
		    excl->name);
	r = rule(to_port(rs, 1), "@ll,0,8 & 0x1 == 0x1 meta mark set meta "
	    "mark | 0x%08x", ss->bit);
	group_bit(r);
	mark_set(r, ~ss->bit, ss->bit);
}

/*
 * Frames leaving the monitored ports, and the broadcasts the host sends
 * into the bridge (through the bridge device's egress).
 */
static int
copies_out(struct ruleset *rs, const struct session *ss,
    const struct devlist *from, const struct bg_bridge *b,
    const struct bg_port *ports, size_t n_ports)
{
	struct devlist self = { 0 };
	const struct rs_chain *tx;
	int rc = -1;

	if (devlist_add(&self, NULL, b->name) == -1)
		return -1;
	if (rs->backend == RS_COPY_TC) {
		tc_marks(rs, ss);
		rc = tc_filters(rs, ss, from, ports, n_ports, false) == -1 ||
		    tc_filters(rs, ss, &self, ports, n_ports, true) == -1 ?
		    -1 : 0;
		goto out;
	}
	tx = mirror_chain(&rs->netdev, ss->m, ss->bit, ss->dev, ss->ifindex,
	    false);
	if (hook_chains(&rs->netdev, "mirror_out", ss->m->name, "egress",
	    RS_MIRROR_PRIO, from, tx, ss->bit, false) == -1 ||
	    hook_chains(&rs->netdev, "mirror_host", ss->m->name, "egress",
	    RS_MIRROR_PRIO, &self, tx, ss->bit, true) == -1)
		goto out;
	rc = 0;
out:
	free(self.names);
	return rc;
}

static int
build_one(struct ruleset *rs, const struct bg_bridge *b,
    const struct bg_mirror *m, size_t idx, const struct bg_port *ports,
    size_t n_ports)
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
	rx = mirror_chain(t, m, ss.bit, ss.dev, ss.ifindex, true);
	if (((m->direction & DIR_IN) && hook_chains(t, "mirror_in", m->name,
	    "ingress", RS_MIRROR_PRIO, &from, rx, ss.bit, false) == -1) ||
	    ((m->direction & DIR_OUT) && (hook_chains(t, "mirror_group",
	    m->name, "ingress", RS_MIRROR_GROUP_PRIO, &all, rx, ss.bit,
	    true) == -1 ||
	    copies_out(rs, &ss, &from, b, ports, n_ports) == -1)) ||
	    (!m->remote && guard(rs, m) == -1))
		goto out;
	rc = 0;
out:
	free(from.names);
	free(all.names);
	return rc;
}

int
build_mirrors(struct ruleset *rs, const struct bg_config *cfg,
    const struct bg_port *ports, size_t n_ports)
{
	size_t i, j, idx = 0;

	for (i = 0; i < cfg->n_bridges; i++)
		for (j = 0; j < cfg->bridges[i].n_mirrors; j++, idx++)
			if (build_one(rs, &cfg->bridges[i],
			    &cfg->bridges[i].mirrors[j], idx, ports,
			    n_ports) == -1)
				return -1;
	return 0;
}
