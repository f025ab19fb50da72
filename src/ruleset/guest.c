/*
 * Port security: the guests' sets and rules.
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
 */
#include <netinet/in.h>	/* before linux/netfilter.h, see libc-compat.h */
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "guest.h"

static const enum ir_type k_ifname[] = { T_IFNAME };

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

/* The tail of every drop rule: count per port, log for the daemon, drop. */
static void
drop(struct rs_rule *r, unsigned int reason, enum ir_fid port,
    unsigned int group)
{
	char set[32], prefix[32];

	ir_dynset(r, DYN_ADD, rs_drop_set(reason, set, sizeof(set), NULL),
	    IR_KEY(port), NULL, 0);
	ir_log(r, reason_prefix(reason, prefix, sizeof(prefix)), group);
	ir_verdict(r, NF_DROP, NULL);
}

static void
chain_guest_in(struct rs_table *t, unsigned int group)
{
	struct rs_chain *c = rs_table_chain(t, "guest_in", H_NONE, 0);
	static const struct {
		uint8_t		 type[2];
		const char	*chain;
	} d[] = {
		{ { 0x08, 0x00 }, "guest_ip4" },
		{ { 0x86, 0xdd }, "guest_ip6" },
		{ { 0x08, 0x06 }, "guest_arp" },
	};
	struct rs_rule *r;
	size_t i;

	r = rs_chain_rule(c);
	ir_lookup(r, IR_KEY(FLD_IIFNAME, FLD_ETHER_SADDR), "guest_mac", true);
	drop(r, R_MAC, FLD_IIFNAME, group);
	/* Everything else, VLAN tags and 802.2/SNAP included, is dropped. */
	for (i = 0; i < 3; i++) {
		r = rs_chain_rule(c);
		ir_cmp(r, FLD_ETHER_TYPE, OP_EQ, d[i].type);
		ir_verdict(r, NFT_JUMP, d[i].chain);
	}
	drop(rs_chain_rule(c), R_ETHERTYPE, FLD_IIFNAME, group);
}

static void
chain_guest_ip4(struct rs_table *t, unsigned int group)
{
	struct rs_chain *c = rs_table_chain(t, "guest_ip4", H_NONE, 0);
	static const uint8_t sport67[2] = { 0, 67 }, zero[4] = { 0 },
	    bcast[4] = { 255, 255, 255, 255 }, sport68[2] = { 0, 68 };
	struct rs_rule *r;

	/* DHCP snooping: guests are clients, never servers. */
	r = rs_chain_rule(c);
	ir_cmp(r, FLD_UDP_SPORT, OP_EQ, sport67);
	drop(r, R_DHCP, FLD_IIFNAME, group);

	r = rs_chain_rule(c);
	ir_lookup(r, IR_KEY(FLD_IIFNAME, FLD_IP_SADDR), "guest_ip4", false);
	ir_verdict(r, NF_ACCEPT, NULL);

	/* A DHCP client has no address yet. */
	r = rs_chain_rule(c);
	ir_cmp(r, FLD_IP_SADDR, OP_EQ, zero);
	ir_cmp(r, FLD_IP_DADDR, OP_EQ, bcast);
	ir_cmp(r, FLD_UDP_SPORT, OP_EQ, sport68);
	ir_cmp_merged(r, FLD_UDP_DPORT, sport67);
	ir_verdict(r, NF_ACCEPT, NULL);

	drop(rs_chain_rule(c), R_IPV4, FLD_IIFNAME, group);
}

static void
chain_guest_ip6(struct rs_table *t, unsigned int group)
{
	struct rs_chain *c = rs_table_chain(t, "guest_ip6", H_NONE, 0);
	static const uint8_t sport547[2] = { 0x02, 0x23 }, any[16] = { 0 };
	static const uint8_t types[2] = { 134, 137 }, icmpv6 = 58;
	struct rs_rule *r;
	size_t i;

	/* RA guard: routers sit behind trusted ports. */
	for (i = 0; i < 2; i++) {
		r = rs_chain_rule(c);
		ir_cmp(r, FLD_ICMPV6_TYPE, OP_EQ, &types[i]);
		drop(r, R_RA, FLD_IIFNAME, group);
	}
	r = rs_chain_rule(c);
	ir_cmp(r, FLD_UDP_SPORT, OP_EQ, sport547);
	drop(r, R_DHCP, FLD_IIFNAME, group);

	r = rs_chain_rule(c);
	ir_lookup(r, IR_KEY(FLD_IIFNAME, FLD_IP6_SADDR), "guest_ip6", false);
	ir_verdict(r, NF_ACCEPT, NULL);

	/* Duplicate address detection (and its MLD reports) come from ::. */
	r = rs_chain_rule(c);
	ir_cmp(r, FLD_IP6_SADDR, OP_EQ, any);
	ir_cmp(r, FLD_L4PROTO, OP_EQ, &icmpv6);
	ir_verdict(r, NF_ACCEPT, NULL);

	drop(rs_chain_rule(c), R_IPV6, FLD_IIFNAME, group);
}

static void
chain_guest_arp(struct rs_table *t, unsigned int group)
{
	struct rs_chain *c = rs_table_chain(t, "guest_arp", H_NONE, 0);
	/* htype ethernet, ptype IPv4, hlen 6, plen 4: the fields we check. */
	static const uint8_t hdr[6] = { 0x00, 0x01, 0x08, 0x00, 0x06, 0x04 };
	static const uint8_t zero[4] = { 0 };
	struct rs_rule *r;

	r = rs_chain_rule(c);
	ir_cmp(r, FLD_ARP_HEAD, OP_NEQ, hdr);
	drop(r, R_ARP, FLD_IIFNAME, group);

	/* The frame's source MAC is the guest's already, so this ties all 3. */
	r = rs_chain_rule(c);
	ir_lookup(r, IR_KEY(FLD_IIFNAME, FLD_ARP_SHA), "guest_mac", true);
	drop(r, R_ARP, FLD_IIFNAME, group);

	r = rs_chain_rule(c);			/* ARP probe */
	ir_cmp(r, FLD_ARP_SPA, OP_EQ, zero);
	ir_verdict(r, NF_ACCEPT, NULL);

	r = rs_chain_rule(c);
	ir_lookup(r, IR_KEY(FLD_IIFNAME, FLD_ARP_SPA), "guest_ip4", false);
	ir_verdict(r, NF_ACCEPT, NULL);

	drop(rs_chain_rule(c), R_ARP, FLD_IIFNAME, group);
}

/*
 * Frames to a guest, in the bridge table. The output hook has no input
 * device, so no rule here may depend on iiftype (nft's implicit dependency
 * for `ether ...`): the group bit is read raw and the protocol from
 * skb->protocol.
 */
static void
chain_guest_out(struct rs_table *t, unsigned int group)
{
	struct rs_chain *c = rs_table_chain(t, "guest_out", H_NONE, 0);
	static const uint8_t one = 1, ip[2] = { 0x08, 0x00 },
	    ip6[2] = { 0x86, 0xdd };
	struct rs_rule *r;

	/* Broadcast and multicast reach every guest. Return, not accept: the
	 * base chain has more to do (mirror.c). */
	r = rs_chain_rule(c);
	ir_bits(r, FLD_LL_GROUP, &one, &one);
	ir_verdict(r, NFT_RETURN, NULL);

	r = rs_chain_rule(c);
	ir_cmp(r, FLD_PROTOCOL, OP_EQ, ip);
	ir_lookup(r, IR_KEY(FLD_OIFNAME, FLD_IP_DADDR), "guest_ip4", true);
	drop(r, R_EGRESS, FLD_OIFNAME, group);

	r = rs_chain_rule(c);
	ir_cmp(r, FLD_PROTOCOL, OP_EQ, ip6);
	ir_lookup(r, IR_KEY(FLD_OIFNAME, FLD_IP6_DADDR), "guest_ip6", true);
	drop(r, R_EGRESS, FLD_OIFNAME, group);
}

int
rs_guest_elems(const struct bg_guest *g, struct rs_set *mac,
    struct rs_set *ip4, struct rs_set *ip6, struct rs_set *ports)
{
	struct in6_addr ll;
	size_t k;

	if ((mac && rs_set_add(mac, g->port, g->mac) == -1) ||
	    (ports && rs_set_add(ports, g->port, NULL) == -1))
		return -1;
	for (k = 0; ip4 && k < g->n_ip4; k++)
		if (rs_set_add(ip4, g->port, &g->ip4[k]) == -1)
			return -1;
	if (ip6 == NULL)
		return 0;
	/* The link-local address of its MAC is always bound. */
	mac_to_linklocal(g->mac, &ll);
	if (rs_set_add(ip6, g->port, &ll) == -1)
		return -1;
	for (k = 0; k < g->n_ip6; k++)
		if (memcmp(&g->ip6[k], &ll, sizeof(ll)) != 0 &&
		    rs_set_add(ip6, g->port, &g->ip6[k]) == -1)
			return -1;
	return 0;
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
	size_t i, j;

	for (i = 0; i < cfg->n_bridges; i++)
		for (j = 0; j < cfg->bridges[i].n_guests; j++)
			if (rs_guest_elems(&cfg->bridges[i].guests[j], mac, ip4,
			    ip6, ports) == -1)
				return -1;
	return 0;
}

static void
guest_hook_setup(struct rs_chain *c, size_t k)
{
	struct rs_rule *r;

	if (c == NULL)
		return;
	c->role = ROLE_GUEST_HOOK;
	c->index = k;
	r = rs_chain_rule(c);
	ir_verdict(r, NFT_JUMP, "guest_in");
}

static void
guest_hook_name(char *buf, size_t len, size_t k)
{
	snprintf(buf, len, "in%zu", k);
}

struct rs_chain *
rs_guest_hook(size_t k)
{
	struct rs_chain *c;
	char name[16];

	guest_hook_name(name, sizeof(name), k);
	if ((c = rs_chain_new(name, H_INGRESS, RS_GUEST_PRIO)) != NULL)
		guest_hook_setup(c, k);
	return c;
}

/* in0, in1, ...: 255 guest ports per ingress base chain. */
static void
base_chains(struct rs_table *t, const struct bg_config *cfg)
{
	struct rs_chain *c = NULL;
	size_t i, j, slot = 0;
	char name[16];

	for (i = 0; i < cfg->n_bridges; i++)
		for (j = 0; j < cfg->bridges[i].n_guests; j++, slot++) {
			if (slot % RS_DEVS_PER_CHAIN == 0) {
				guest_hook_name(name, sizeof(name),
				    slot / RS_DEVS_PER_CHAIN);
				c = rs_table_chain(t, name, H_INGRESS,
				    RS_GUEST_PRIO);
				guest_hook_setup(c, slot / RS_DEVS_PER_CHAIN);
			}
			rs_chain_dev(c, cfg->bridges[i].guests[j].port);
		}
}

int
rs_guest_netdev(struct rs_table *t, const struct bg_config *cfg)
{
	static const enum ir_type mac[] = { T_IFNAME, T_ETHER },
	    ip4[] = { T_IFNAME, T_IPV4 }, ip6[] = { T_IFNAME, T_IPV6 };
	char set[32];
	unsigned int r;

	rs_table_set(t, "guest_mac", mac, 2, false);
	rs_table_set(t, "guest_ip4", ip4, 2, false);
	rs_table_set(t, "guest_ip6", ip6, 2, false);
	for (r = 0; r < R_EGRESS; r++)
		rs_table_set(t, rs_drop_set(r, set, sizeof(set), NULL),
		    k_ifname, 1, true);
	if (t->nomem || fill_guest_sets(t, cfg) == -1)
		return -1;
	chain_guest_in(t, cfg->nflog_group);
	chain_guest_ip4(t, cfg->nflog_group);
	chain_guest_ip6(t, cfg->nflog_group);
	chain_guest_arp(t, cfg->nflog_group);
	base_chains(t, cfg);
	return 0;
}

static bool
port_unknown(const struct bg_config *cfg, const struct bg_port *p)
{
	struct bg_bridge *gb = NULL;

	config_guest(cfg, p->port, &gb);
	return config_drops_port(cfg, p->bridge, p->port, gb);
}

/* unknown_ports: dropped where they enter the bridge. */
static int
chain_unknown(struct rs_table *t, const struct bg_config *cfg,
    const struct bg_port *ports, size_t n_ports)
{
	struct rs_set *unknown;
	struct rs_rule *r;
	char set[32];
	size_t i;

	unknown = rs_table_set(t, "unknown_ports", k_ifname, 1, false);
	rs_table_set(t, rs_drop_set(R_UNKNOWN, set, sizeof(set), NULL),
	    k_ifname, 1, true);
	if (t->nomem)
		return -1;
	for (i = 0; i < n_ports; i++)
		if (port_unknown(cfg, &ports[i]) &&
		    rs_set_add(unknown, ports[i].port, NULL) == -1)
			return -1;
	r = rs_chain_rule(rs_table_chain(t, "prerouting", H_PREROUTING, -300));
	ir_lookup(r, IR_KEY(FLD_IIFNAME), "unknown_ports", false);
	drop(r, R_UNKNOWN, FLD_IIFNAME, cfg->nflog_group);
	return 0;
}

/*
 * Frames the bridge forwards to a port, and those the host sends through
 * it: the guest check, and (mirror.c) the monitor ports' guards.
 */
static void
chains_to_port(struct rs_table *t, struct rs_chain *to_port[2])
{
	static const enum rs_hook hooks[2] = { H_FORWARD, H_OUTPUT };
	struct rs_rule *r;
	int i;

	for (i = 0; i < 2; i++) {
		to_port[i] = rs_table_chain(t, rs_hook_name(hooks[i]),
		    hooks[i], RS_GUEST_PRIO);
		r = rs_chain_rule(to_port[i]);
		ir_lookup(r, IR_KEY(FLD_OIFNAME), "guest_ports", false);
		ir_verdict(r, NFT_JUMP, "guest_out");
	}
}

bool
rs_arp_passes(const struct bg_config *cfg, const char *bridge,
    const char *port, const uint8_t src_mac[6], const uint8_t sha[6],
    const uint8_t spa[4])
{
	const struct bg_bridge *b = bridge ? config_bridge(cfg, bridge) : NULL;
	struct bg_bridge *gb = NULL;
	const struct bg_guest *g = config_guest(cfg, port, &gb);
	static const uint8_t zero[4];
	size_t k;

	/* Dropped where it enters: a monitor port, or an unknown one. */
	if ((b && bridge_port_kind(b, port, gb) == PORT_MONITOR) ||
	    config_drops_port(cfg, bridge, port, gb))
		return false;
	if (g == NULL)
		return true;
	/* guest_in, then guest_arp (its header check is the parser's). */
	if (memcmp(src_mac, g->mac, 6) != 0 || memcmp(sha, g->mac, 6) != 0)
		return false;
	if (memcmp(spa, zero, 4) == 0)
		return true;
	for (k = 0; k < g->n_ip4; k++)
		if (memcmp(&g->ip4[k], spa, 4) == 0)
			return true;
	return false;
}

int
rs_guest_bridge(struct rs_table *t, const struct bg_config *cfg,
    const struct bg_port *ports, size_t n_ports, struct rs_chain *to_port[2])
{
	static const enum ir_type ip4[] = { T_IFNAME, T_IPV4 },
	    ip6[] = { T_IFNAME, T_IPV6 };
	char set[32];

	rs_table_set(t, "guest_ip4", ip4, 2, false);
	rs_table_set(t, "guest_ip6", ip6, 2, false);
	rs_table_set(t, "guest_ports", k_ifname, 1, false);
	rs_table_set(t, rs_drop_set(R_EGRESS, set, sizeof(set), NULL),
	    k_ifname, 1, true);
	if (t->nomem || fill_guest_sets(t, cfg) == -1 ||
	    chain_unknown(t, cfg, ports, n_ports) == -1)
		return -1;
	chain_guest_out(t, cfg->nflog_group);
	chains_to_port(t, to_port);
	return 0;
}
