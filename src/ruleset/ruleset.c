/*
 * Policy model → ruleset.
 *
 * The rules are the same whatever the number of guests: every per-guest fact
 * lives in a set keyed by port name, so a packet costs a handful of hash
 * lookups, and adding a guest is adding set elements. Only the ingress base
 * chains grow, one per 255 guest ports, because a netdev hook names devices.
 *
 * What a guest sends is checked at the netdev ingress of its port, before
 * the bridge learns anything from it. What is sent to a guest is checked in
 * the bridge table's forward and output hooks, which every kernel with
 * nftables has (the netdev egress hook needs Linux 5.16): the IP sets are
 * therefore kept in both tables, element for element.
 *
 * Each rule's expressions are what `nft` emits for its text (check with
 * `nft --debug=netlink list ruleset`); integration tests load both forms.
 */
#include <netinet/in.h>	/* before linux/netfilter.h, see libc-compat.h */
#include <errno.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ruleset.h"
#include "build.h"


/* Guest-bound sets of the netdev table (the bridge table has the last two). */
static const struct {
	const char	*name;
	enum rs_field	 fields[2];
} guest_sets[] = {
	{ "guest_mac", { F_IFNAME, F_ETHER } },
	{ "guest_ip4", { F_IFNAME, F_IPV4 } },
	{ "guest_ip6", { F_IFNAME, F_IPV6 } },
};

size_t
rs_field_len(enum rs_field f)
{
	switch (f) {
	case F_IFNAME:
		return BG_IFNAMSIZ;
	case F_ETHER:
		return 8;	/* 6, padded to a 32-bit register */
	case F_IPV4:
		return 4;
	case F_IPV6:
		return 16;
	}
	return 0;
}

size_t
rs_key_len(const struct rs_set *s)
{
	size_t i, len = 0;

	for (i = 0; i < s->n_fields; i++)
		len += rs_field_len(s->fields[i]);
	return len;
}

int
rs_set_add(struct rs_set *s, const void *a, const void *b)
{
	struct rs_elem *e;
	size_t l0 = rs_field_len(s->fields[0]);

	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;

		if ((e = realloc(s->elems, cap * sizeof(*e))) == NULL)
			return -1;
		s->elems = e;
		s->cap = cap;
	}
	e = &s->elems[s->n++];
	memset(e, 0, sizeof(*e));
	/* Field values come unpadded: ifname strings, 6-byte MACs. */
	if (s->fields[0] == F_IFNAME)
		strncpy((char *)e->key, a, BG_IFNAMSIZ - 1);
	else
		memcpy(e->key, a, s->fields[0] == F_ETHER ? 6 : l0);
	if (s->n_fields > 1) {
		if (s->fields[1] == F_IFNAME)
			strncpy((char *)e->key + l0, b, BG_IFNAMSIZ - 1);
		else
			memcpy(e->key + l0, b, s->fields[1] == F_ETHER ? 6 :
			    rs_field_len(s->fields[1]));
	}
	return 0;
}

struct rs_set *
ruleset_set(struct rs_table *t, const char *name)
{
	size_t i;

	for (i = 0; i < t->n_sets; i++)
		if (strcmp(t->sets[i].name, name) == 0)
			return &t->sets[i];
	return NULL;
}

struct rs_set *
set_new(struct rs_table *t, const char *name, enum rs_field f0,
    enum rs_field f1, size_t n_fields, bool counters)
{
	struct rs_set *s = &t->sets[t->n_sets++];

	memset(s, 0, sizeof(*s));
	s->name = name;
	s->fields[0] = f0;
	s->fields[1] = f1;
	s->n_fields = n_fields;
	s->counters = counters;
	return s;
}

struct rs_chain *
chain_new(struct rs_table *t, const char *name, const char *hook, int prio)
{
	struct rs_chain *c = &t->chains[t->n_chains++];

	memset(c, 0, sizeof(*c));
	snprintf(c->name, sizeof(c->name), "%s", name);
	c->hook = hook;
	c->prio = prio;
	return c;
}

struct rs_rule *
rule(struct rs_chain *c, const char *fmt, ...)
{
	struct rs_rule *r = &c->rules[c->n_rules++];
	va_list ap;

	memset(r, 0, sizeof(*r));
	va_start(ap, fmt);
	vsnprintf(r->text, sizeof(r->text), fmt, ap);
	va_end(ap);
	return r;
}

struct rs_expr *
expr(struct rs_rule *r, enum rs_op op, uint8_t reg)
{
	struct rs_expr *x = &r->x[r->n++];

	memset(x, 0, sizeof(*x));
	x->op = op;
	x->reg = reg;
	return x;
}

void
meta(struct rs_rule *r, uint32_t key, uint8_t reg)
{
	expr(r, X_META, reg)->key = key;
}

void
payload(struct rs_rule *r, uint32_t base, uint32_t off, uint32_t len,
    uint8_t reg)
{
	struct rs_expr *x = expr(r, X_PAYLOAD, reg);

	x->key = base;
	x->off = off;
	x->len = len;
}

void
cmp(struct rs_rule *r, uint32_t op, const void *data, uint32_t len)
{
	struct rs_expr *x = expr(r, X_CMP, NFT_REG_1);

	x->key = op;
	x->len = len;
	memcpy(x->data, data, len);
}

static void
lookup(struct rs_rule *r, const char *set, bool invert)
{
	struct rs_expr *x = expr(r, X_LOOKUP, NFT_REG_1);

	x->name = set;
	x->invert = invert;
}

void
verdict(struct rs_rule *r, uint32_t code, const char *chain)
{
	struct rs_expr *x = expr(r, X_VERDICT, NFT_REG_VERDICT);

	x->key = code;
	x->name = chain;
}

/* The tail of every drop rule: count per port, log for the daemon, drop. */
static void
drop(struct rs_rule *r, uint32_t ifkey, const char *set, const char *prefix,
    unsigned int group)
{
	struct rs_expr *x;

	meta(r, ifkey, NFT_REG_1);
	x = expr(r, X_DYNSET_ADD, NFT_REG_1);
	x->name = set;
	x = expr(r, X_LOG, 0);
	x->name = prefix;
	x->group = (uint16_t)group;
	verdict(r, NF_DROP, NULL);
}

/* Dependencies nft adds in the netdev family before link/network fields. */
static void
dep_ether(struct rs_rule *r)
{
	static const uint16_t ether = 1;	/* ARPHRD_ETHER, host order */

	meta(r, NFT_META_IIFTYPE, NFT_REG_1);
	cmp(r, NFT_CMP_EQ, &ether, 2);
}

/* @ll,0,8 & 0x1 == 0x1: the destination MAC is broadcast or multicast. */
void
group_bit(struct rs_rule *r)
{
	static const uint8_t one = 1;
	struct rs_expr *x;

	payload(r, NFT_PAYLOAD_LL_HEADER, 0, 1, NFT_REG_1);
	x = expr(r, X_BITWISE, NFT_REG_1);
	x->len = 1;
	x->mask[0] = 1;
	cmp(r, NFT_CMP_EQ, &one, 1);
}

void
dep_proto(struct rs_rule *r, const char *proto)
{
	static const uint8_t ip[2] = { 0x08, 0x00 }, ip6[2] = { 0x86, 0xdd },
	    arp[2] = { 0x08, 0x06 };
	const uint8_t *p = strcmp(proto, "ip") == 0 ? ip :
	    strcmp(proto, "ip6") == 0 ? ip6 : arp;

	meta(r, NFT_META_PROTOCOL, NFT_REG_1);
	cmp(r, NFT_CMP_EQ, p, 2);
}

void
dep_l4(struct rs_rule *r, uint8_t proto)
{
	meta(r, NFT_META_L4PROTO, NFT_REG_1);
	cmp(r, NFT_CMP_EQ, &proto, 1);
}

/* Names derived from the reasons; the rules point into these strings. */
struct rs_ctx {
	unsigned int	 group;
	char		 prefix[16][32];	/* "bg <reason> " per reason */
	char		 set[16][24];		/* "drop_<reason>" per reason */
};

/* "add @drop_x { iifname } log prefix "bg x " group N drop" */
static struct rs_rule * __attribute__((format(printf, 5, 6)))
drop_rule(struct rs_chain *c, const struct rs_ctx *cx, int reason,
    const char *ifname, const char *fmt, ...)
{
	char head[128] = "";
	struct rs_rule *r;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(head, sizeof(head), fmt, ap);
	va_end(ap);
	r = rule(c, "%s%sadd @%s { %s } log prefix \"%s\" group %u drop",
	    head, head[0] ? " " : "", cx->set[reason], ifname,
	    cx->prefix[reason], cx->group);
	return r;
}

static void
chain_guest_in(struct rs_table *t, const struct rs_ctx *cx)
{
	struct rs_chain *c = chain_new(t, "guest_in", NULL, 0);
	static const uint8_t ip[2] = { 0x08, 0x00 }, ip6[2] = { 0x86, 0xdd },
	    arp[2] = { 0x08, 0x06 };
	static const struct {
		const uint8_t	*type;
		const char	*name, *chain;
	} d[] = {
		{ ip, "ip", "guest_ip4" },
		{ ip6, "ip6", "guest_ip6" },
		{ arp, "arp", "guest_arp" },
	};
	struct rs_rule *r;
	size_t i;

	r = drop_rule(c, cx, R_MAC, "iifname",
	    "iifname . ether saddr != @guest_mac");
	dep_ether(r);
	meta(r, NFT_META_IIFNAME, NFT_REG_1);
	payload(r, NFT_PAYLOAD_LL_HEADER, 6, 6, NFT_REG_2);
	lookup(r, "guest_mac", true);
	drop(r, NFT_META_IIFNAME, cx->set[R_MAC], cx->prefix[R_MAC], cx->group);

	/* Everything else, VLAN tags and 802.2/SNAP included, is dropped. */
	for (i = 0; i < 3; i++) {
		r = rule(c, "ether type %s jump %s", d[i].name, d[i].chain);
		dep_ether(r);
		payload(r, NFT_PAYLOAD_LL_HEADER, 12, 2, NFT_REG_1);
		cmp(r, NFT_CMP_EQ, d[i].type, 2);
		verdict(r, NFT_JUMP, d[i].chain);
	}
	r = drop_rule(c, cx, R_ETHERTYPE, "iifname", "%s", "");
	drop(r, NFT_META_IIFNAME, cx->set[R_ETHERTYPE],
	    cx->prefix[R_ETHERTYPE], cx->group);
}

static void
chain_guest_ip4(struct rs_table *t, const struct rs_ctx *cx)
{
	struct rs_chain *c = chain_new(t, "guest_ip4", NULL, 0);
	static const uint8_t sport67[2] = { 0, 67 }, zero[4] = { 0 },
	    bcast[4] = { 255, 255, 255, 255 }, ports[4] = { 0, 68, 0, 67 };
	struct rs_rule *r;

	/* DHCP snooping: guests are clients, never servers. */
	r = drop_rule(c, cx, R_DHCP, "iifname", "udp sport 67");
	dep_l4(r, 17);
	payload(r, NFT_PAYLOAD_TRANSPORT_HEADER, 0, 2, NFT_REG_1);
	cmp(r, NFT_CMP_EQ, sport67, 2);
	drop(r, NFT_META_IIFNAME, cx->set[R_DHCP], cx->prefix[R_DHCP],
	    cx->group);

	r = rule(c, "iifname . ip saddr @guest_ip4 accept");
	dep_proto(r, "ip");
	meta(r, NFT_META_IIFNAME, NFT_REG_1);
	payload(r, NFT_PAYLOAD_NETWORK_HEADER, 12, 4, NFT_REG_2);
	lookup(r, "guest_ip4", false);
	verdict(r, NF_ACCEPT, NULL);

	/* A DHCP client has no address yet. */
	r = rule(c, "ip saddr 0.0.0.0 ip daddr 255.255.255.255 "
	    "udp sport 68 udp dport 67 accept");
	dep_proto(r, "ip");
	payload(r, NFT_PAYLOAD_NETWORK_HEADER, 12, 4, NFT_REG_1);
	cmp(r, NFT_CMP_EQ, zero, 4);
	payload(r, NFT_PAYLOAD_NETWORK_HEADER, 16, 4, NFT_REG_1);
	cmp(r, NFT_CMP_EQ, bcast, 4);
	dep_l4(r, 17);
	payload(r, NFT_PAYLOAD_TRANSPORT_HEADER, 0, 4, NFT_REG_1);
	cmp(r, NFT_CMP_EQ, ports, 4);
	verdict(r, NF_ACCEPT, NULL);

	r = drop_rule(c, cx, R_IPV4, "iifname", "%s", "");
	drop(r, NFT_META_IIFNAME, cx->set[R_IPV4], cx->prefix[R_IPV4],
	    cx->group);
}

static void
chain_guest_ip6(struct rs_table *t, const struct rs_ctx *cx)
{
	struct rs_chain *c = chain_new(t, "guest_ip6", NULL, 0);
	static const uint8_t sport547[2] = { 0x02, 0x23 }, any[16] = { 0 };
	static const uint8_t types[2] = { 134, 137 };
	static const char *names[2] = { "nd-router-advert", "nd-redirect" };
	struct rs_rule *r;
	size_t i;

	/* RA guard: routers sit behind trusted ports. */
	for (i = 0; i < 2; i++) {
		r = drop_rule(c, cx, R_RA, "iifname", "icmpv6 type %s",
		    names[i]);
		dep_proto(r, "ip6");
		dep_l4(r, 58);
		payload(r, NFT_PAYLOAD_TRANSPORT_HEADER, 0, 1, NFT_REG_1);
		cmp(r, NFT_CMP_EQ, &types[i], 1);
		drop(r, NFT_META_IIFNAME, cx->set[R_RA], cx->prefix[R_RA],
		    cx->group);
	}
	r = drop_rule(c, cx, R_DHCP, "iifname", "udp sport 547");
	dep_l4(r, 17);
	payload(r, NFT_PAYLOAD_TRANSPORT_HEADER, 0, 2, NFT_REG_1);
	cmp(r, NFT_CMP_EQ, sport547, 2);
	drop(r, NFT_META_IIFNAME, cx->set[R_DHCP], cx->prefix[R_DHCP],
	    cx->group);

	r = rule(c, "iifname . ip6 saddr @guest_ip6 accept");
	dep_proto(r, "ip6");
	meta(r, NFT_META_IIFNAME, NFT_REG_1);
	payload(r, NFT_PAYLOAD_NETWORK_HEADER, 8, 16, NFT_REG_2);
	lookup(r, "guest_ip6", false);
	verdict(r, NF_ACCEPT, NULL);

	/* Duplicate address detection (and its MLD reports) come from ::. */
	r = rule(c, "ip6 saddr :: meta l4proto ipv6-icmp accept");
	dep_proto(r, "ip6");
	payload(r, NFT_PAYLOAD_NETWORK_HEADER, 8, 16, NFT_REG_1);
	cmp(r, NFT_CMP_EQ, any, 16);
	dep_l4(r, 58);
	verdict(r, NF_ACCEPT, NULL);

	r = drop_rule(c, cx, R_IPV6, "iifname", "%s", "");
	drop(r, NFT_META_IIFNAME, cx->set[R_IPV6], cx->prefix[R_IPV6],
	    cx->group);
}

static void
chain_guest_arp(struct rs_table *t, const struct rs_ctx *cx)
{
	struct rs_chain *c = chain_new(t, "guest_arp", NULL, 0);
	/* htype ethernet, ptype IPv4, hlen 6, plen 4: the fields we check. */
	static const uint8_t hdr[6] = { 0x00, 0x01, 0x08, 0x00, 0x06, 0x04 };
	static const uint8_t zero[4] = { 0 };
	struct rs_rule *r;

	r = drop_rule(c, cx, R_ARP, "iifname", "@nh,0,48 != 0x000108000604");
	payload(r, NFT_PAYLOAD_NETWORK_HEADER, 0, 6, NFT_REG_1);
	cmp(r, NFT_CMP_NEQ, hdr, 6);
	drop(r, NFT_META_IIFNAME, cx->set[R_ARP], cx->prefix[R_ARP],
	    cx->group);

	/* The frame's source MAC is the guest's already, so this ties all 3. */
	r = drop_rule(c, cx, R_ARP, "iifname",
	    "iifname . arp saddr ether != @guest_mac");
	dep_proto(r, "arp");
	meta(r, NFT_META_IIFNAME, NFT_REG_1);
	payload(r, NFT_PAYLOAD_NETWORK_HEADER, 8, 6, NFT_REG_2);
	lookup(r, "guest_mac", true);
	drop(r, NFT_META_IIFNAME, cx->set[R_ARP], cx->prefix[R_ARP],
	    cx->group);

	r = rule(c, "arp saddr ip 0.0.0.0 accept");	/* ARP probe */
	dep_proto(r, "arp");
	payload(r, NFT_PAYLOAD_NETWORK_HEADER, 14, 4, NFT_REG_1);
	cmp(r, NFT_CMP_EQ, zero, 4);
	verdict(r, NF_ACCEPT, NULL);

	r = rule(c, "iifname . arp saddr ip @guest_ip4 accept");
	dep_proto(r, "arp");
	meta(r, NFT_META_IIFNAME, NFT_REG_1);
	payload(r, NFT_PAYLOAD_NETWORK_HEADER, 14, 4, NFT_REG_2);
	lookup(r, "guest_ip4", false);
	verdict(r, NF_ACCEPT, NULL);

	r = drop_rule(c, cx, R_ARP, "iifname", "%s", "");
	drop(r, NFT_META_IIFNAME, cx->set[R_ARP], cx->prefix[R_ARP],
	    cx->group);
}

/*
 * Frames to a guest, in the bridge table. The output hook has no input
 * device, so no rule here may depend on iiftype (nft's implicit dependency
 * for `ether ...`): the group bit is read raw and the protocol from
 * skb->protocol.
 */
static void
chain_guest_out(struct rs_table *t, const struct rs_ctx *cx)
{
	struct rs_chain *c = chain_new(t, "guest_out", NULL, 0);
	struct rs_rule *r;

	/* Broadcast and multicast reach every guest. Return, not accept: the
	 * base chain has more to do (mirror.c). */
	r = rule(c, "@ll,0,8 & 0x1 == 0x1 return");
	group_bit(r);
	verdict(r, NFT_RETURN, NULL);

	r = drop_rule(c, cx, R_EGRESS, "oifname",
	    "meta protocol ip oifname . ip daddr != @guest_ip4");
	dep_proto(r, "ip");
	meta(r, NFT_META_OIFNAME, NFT_REG_1);
	payload(r, NFT_PAYLOAD_NETWORK_HEADER, 16, 4, NFT_REG_2);
	lookup(r, "guest_ip4", true);
	drop(r, NFT_META_OIFNAME, cx->set[R_EGRESS], cx->prefix[R_EGRESS],
	    cx->group);

	r = drop_rule(c, cx, R_EGRESS, "oifname",
	    "meta protocol ip6 oifname . ip6 daddr != @guest_ip6");
	dep_proto(r, "ip6");
	meta(r, NFT_META_OIFNAME, NFT_REG_1);
	payload(r, NFT_PAYLOAD_NETWORK_HEADER, 24, 16, NFT_REG_2);
	lookup(r, "guest_ip6", true);
	drop(r, NFT_META_OIFNAME, cx->set[R_EGRESS], cx->prefix[R_EGRESS],
	    cx->group);
}

/* The guest sets of table t that it has: the bridge table has no MAC set
 * but the guest ports. */
static int
fill_guest_sets(struct rs_table *t, const struct bg_config *cfg)
{
	struct rs_set *mac = ruleset_set(t, "guest_mac");
	struct rs_set *ip4 = ruleset_set(t, "guest_ip4");
	struct rs_set *ip6 = ruleset_set(t, "guest_ip6");
	struct rs_set *ports = ruleset_set(t, "guest_ports");
	struct in6_addr ll;
	size_t i, j, k;

	for (i = 0; i < cfg->n_bridges; i++) {
		const struct bg_bridge *b = &cfg->bridges[i];

		for (j = 0; j < b->n_guests; j++) {
			const struct bg_guest *g = &b->guests[j];

			if ((mac && rs_set_add(mac, g->port, g->mac) == -1) ||
			    (ports && rs_set_add(ports, g->port, NULL) == -1))
				return -1;
			for (k = 0; k < g->n_ip4; k++)
				if (rs_set_add(ip4, g->port, &g->ip4[k]) == -1)
					return -1;
			mac_to_linklocal(g->mac, &ll);
			if (rs_set_add(ip6, g->port, &ll) == -1)
				return -1;
			for (k = 0; k < g->n_ip6; k++)
				if (memcmp(&g->ip6[k], &ll, sizeof(ll)) != 0 &&
				    rs_set_add(ip6, g->port, &g->ip6[k]) == -1)
					return -1;
		}
	}
	return 0;
}

/* in0, in1, ...: 255 guest ports per ingress base chain. */
static int
base_chains(struct rs_table *t, const struct bg_config *cfg, size_t n_guests)
{
	size_t n_in = (n_guests + RS_DEVS_PER_CHAIN - 1) / RS_DEVS_PER_CHAIN;
	struct rs_chain *first = &t->chains[t->n_chains], *c;
	size_t i, j, p, slot = 0;
	char name[16];

	for (p = 0; p < n_in; p++) {
		size_t want = n_guests - p * RS_DEVS_PER_CHAIN;

		if (want > RS_DEVS_PER_CHAIN)
			want = RS_DEVS_PER_CHAIN;
		snprintf(name, sizeof(name), "in%zu", p);
		c = chain_new(t, name, "ingress", RS_GUEST_PRIO);
		if ((c->devs = calloc(want, BG_IFNAMSIZ)) == NULL)
			return -1;
		verdict(rule(c, "jump guest_in"), NFT_JUMP, "guest_in");
	}
	for (i = 0; i < cfg->n_bridges; i++)
		for (j = 0; j < cfg->bridges[i].n_guests; j++, slot++) {
			c = &first[slot / RS_DEVS_PER_CHAIN];
			memcpy(c->devs[c->n_devs++],
			    cfg->bridges[i].guests[j].port, BG_IFNAMSIZ);
		}
	return 0;
}

/* Chains the netdev table needs beyond port security. */
static size_t
netdev_chains(const struct bg_config *cfg, size_t n_guests,
    size_t n_ports)
{
	size_t n_in = (n_guests + RS_DEVS_PER_CHAIN - 1) / RS_DEVS_PER_CHAIN;

	return 4 + n_in + mirror_chains(cfg, n_guests, n_ports);
}

static int
build_netdev(struct rs_table *t, const struct bg_config *cfg,
    const struct rs_ctx *cx, size_t n_ports)
{
	size_t i, n_guests = 0;

	for (i = 0; i < cfg->n_bridges; i++)
		n_guests += cfg->bridges[i].n_guests;
	t->family = RS_NETDEV;
	t->sets = calloc(3 + R_RA + 1, sizeof(*t->sets));
	t->chains = calloc(netdev_chains(cfg, n_guests, n_ports),
	    sizeof(*t->chains));
	if (t->sets == NULL || t->chains == NULL)
		return -1;
	for (i = 0; i < 3; i++)
		set_new(t, guest_sets[i].name, guest_sets[i].fields[0],
		    guest_sets[i].fields[1], 2, false);
	for (i = 0; i <= R_RA; i++)
		set_new(t, cx->set[i], F_IFNAME, F_IFNAME, 1, true);
	if (fill_guest_sets(t, cfg) == -1)
		return -1;
	chain_guest_in(t, cx);
	chain_guest_ip4(t, cx);
	chain_guest_ip6(t, cx);
	chain_guest_arp(t, cx);
	return base_chains(t, cfg, n_guests);
}

/* Is port on bridge b neither a guest nor trusted, and b dropping such? */
static bool
port_unknown(const struct bg_config *cfg, const struct bg_port *p)
{
	const struct bg_bridge *b = config_bridge(cfg, p->bridge);
	struct bg_bridge *gb;

	/* A monitor port is receive-only already. */
	if (b == NULL || b->allow_unknown || bridge_is_trusted(b, p->port) ||
	    bridge_is_monitor(b, p->port))
		return false;
	return config_guest(cfg, p->port, &gb) == NULL || gb != b;
}

/* unknown_ports: dropped where they enter the bridge. */
static int
chain_unknown(struct rs_table *t, const struct rs_ctx *cx,
    const struct bg_config *cfg, const struct bg_port *ports, size_t n_ports)
{
	struct rs_set *unknown;
	struct rs_chain *c;
	struct rs_rule *r;
	size_t i;

	unknown = set_new(t, "unknown_ports", F_IFNAME, F_IFNAME, 1, false);
	set_new(t, cx->set[R_UNKNOWN], F_IFNAME, F_IFNAME, 1, true);
	for (i = 0; i < n_ports; i++)
		if (port_unknown(cfg, &ports[i]) &&
		    rs_set_add(unknown, ports[i].port, NULL) == -1)
			return -1;
	c = chain_new(t, "prerouting", "prerouting", -300);
	r = drop_rule(c, cx, R_UNKNOWN, "iifname", "iifname @unknown_ports");
	meta(r, NFT_META_IIFNAME, NFT_REG_1);
	lookup(r, "unknown_ports", false);
	drop(r, NFT_META_IIFNAME, cx->set[R_UNKNOWN], cx->prefix[R_UNKNOWN],
	    cx->group);
	return 0;
}

/*
 * Frames the bridge forwards to a port, and those the host sends through
 * it: the guest check, and (mirror.c) the monitor ports' guards.
 */
static void
chains_to_port(struct rs_table *t)
{
	struct rs_chain *c;
	struct rs_rule *r;
	int i;

	for (i = 0; i < 2; i++) {
		c = chain_new(t, i ? "output" : "forward", i ? "output" :
		    "forward", RS_GUEST_PRIO);
		r = rule(c, "oifname @guest_ports jump guest_out");
		meta(r, NFT_META_OIFNAME, NFT_REG_1);
		lookup(r, "guest_ports", false);
		verdict(r, NFT_JUMP, "guest_out");
	}
}

static int
build_bridge(struct rs_table *t, const struct bg_config *cfg,
    const struct rs_ctx *cx, const struct bg_port *ports, size_t n_ports)
{
	size_t i;

	t->family = RS_BRIDGE;
	t->sets = calloc(6, sizeof(*t->sets));
	t->chains = calloc(4 + BG_MAX_MIRRORS, sizeof(*t->chains));
	if (t->sets == NULL || t->chains == NULL)
		return -1;
	for (i = 1; i < 3; i++)
		set_new(t, guest_sets[i].name, guest_sets[i].fields[0],
		    guest_sets[i].fields[1], 2, false);
	set_new(t, "guest_ports", F_IFNAME, F_IFNAME, 1, false);
	set_new(t, cx->set[R_EGRESS], F_IFNAME, F_IFNAME, 1, true);
	if (fill_guest_sets(t, cfg) == -1 ||
	    chain_unknown(t, cx, cfg, ports, n_ports) == -1)
		return -1;
	chain_guest_out(t, cx);
	chains_to_port(t);
	return 0;
}

const char *
rs_drop_set(unsigned int reason, char *buf, size_t len, enum rs_family *fam)
{
	size_t i;

	snprintf(buf, len, "drop_%s", reason_name(reason));
	for (i = 0; buf[i]; i++)
		if (buf[i] == '-')
			buf[i] = '_';
	if (fam)
		*fam = reason >= R_EGRESS ? RS_BRIDGE : RS_NETDEV;
	return buf;
}

static void
ctx_init(struct rs_ctx *cx, const struct bg_config *cfg)
{
	unsigned int i;

	cx->group = cfg->nflog_group;
	for (i = 0; i < R_N; i++) {
		reason_prefix(i, cx->prefix[i], sizeof(cx->prefix[i]));
		rs_drop_set(i, cx->set[i], sizeof(cx->set[i]), NULL);
	}
}

int
ruleset_build(struct ruleset *rs, const struct bg_config *cfg,
    const struct bg_port *ports, size_t n_ports, enum rs_backend backend)
{
	memset(rs, 0, sizeof(*rs));
	rs->backend = backend;
	if ((rs->cx = calloc(1, sizeof(*rs->cx))) == NULL)
		return -1;
	ctx_init(rs->cx, cfg);
	if (build_netdev(&rs->netdev, cfg, rs->cx, n_ports) == -1 ||
	    build_bridge(&rs->bridge, cfg, rs->cx, ports, n_ports) == -1 ||
	    build_mirrors(rs, cfg, ports, n_ports) == -1) {
		ruleset_free(rs);
		errno = ENOMEM;
		return -1;
	}
	return 0;
}

static void
table_free(struct rs_table *t)
{
	size_t i;

	for (i = 0; i < t->n_sets; i++)
		free(t->sets[i].elems);
	for (i = 0; i < t->n_chains; i++)
		free(t->chains[i].devs);
	free(t->sets);
	free(t->chains);
}

void
ruleset_free(struct ruleset *rs)
{
	table_free(&rs->netdev);
	table_free(&rs->bridge);
	free(rs->tc);
	free(rs->cx);
	memset(rs, 0, sizeof(*rs));
}
