/*
 * Port security: each guest's chains, with its MAC and addresses as
 * constants.
 *
 * What a guest sends is checked at the netdev ingress of its port, before
 * the bridge learns anything from it, by a base chain that hooks only that
 * port (in_<port>): the kernel runs only the hooks of the device a frame
 * arrives on, so a frame costs the same whatever the number of guests, and
 * a guest change replaces the rules of its own chains and nothing else.
 * Its helper chains v4_, v6_, arp_<port> hold the per-address rules; the
 * checks that do not depend on the guest live in shared chains (guard_*),
 * and every drop is a goto to the shared drop_<reason> chain, which counts
 * it per port and logs it. A frame that passes sets RS_MARK_CHECKED as its
 * last step.
 *
 * The bridge table's prerouting (entry.c) drops a guest port's frames
 * that do not carry that bit: they passed no ingress chain (the port is
 * not hooked yet, on a kernel that cannot hook absent devices, or it was
 * re-created and the daemon has not re-hooked it). It matches the port by name, so it works
 * from the first frame, on every kernel, with the daemon up or down.
 *
 * What is sent to a guest is checked in the bridge table's forward and
 * output hooks (every kernel with nftables has them): `oifname vmap
 * @guest_out` jumps to the guest's out_<port>, a name lookup that needs no
 * hook on the port.
 */
#include <netinet/in.h>	/* before linux/netfilter.h, see libc-compat.h */
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dhcp.h"
#include "drop.h"
#include "frag.h"
#include "guest.h"
#include "learn.h"
#include "nd.h"

static const enum ir_type k_ifname[] = { T_IFNAME };

/*
 * The checks of what a guest sends that do not depend on the guest: DHCP
 * (dhcp.c), first fragments (frag.c), ICMPv6 (nd.c), ARP's header.
 */
static void
guards(struct rs_table *t)
{
	/* htype ethernet, ptype IPv4, hlen 6, plen 4: the fields we check. */
	static const uint8_t hdr[6] = { 0x00, 0x01, 0x08, 0x00, 0x06, 0x04 };
	static const uint8_t first[2] = { 0, 0 }, icmpv6 = IPPROTO_ICMPV6,
	    dhcp4[2][2] = { { 0, 67 }, { 0, 68 } },
	    dhcp6[2][2] = { { 0x02, 0x22 }, { 0x02, 0x23 } };
	struct rs_chain *c;
	struct rs_rule *r;

	/* The DHCP guards only for DHCP's ports: ordinary UDP pays one
	 * rule. */
	c = rs_table_chain(t, "guard_ip4", H_NONE, 0);
	r = rs_chain_rule(c);
	ir_range(r, FLD_UDP_DPORT, false, dhcp4[0], dhcp4[1]);
	ir_verdict(r, NFT_JUMP, "guard_dhcp4");

	c = rs_table_chain(t, "guard_ip6", H_NONE, 0);
	r = rs_chain_rule(c);
	ir_cmp(r, FLD_FRAG_OFF, OP_EQ, first);
	ir_verdict(r, NFT_JUMP, "guard_frag6");
	r = rs_chain_rule(c);
	ir_cmp(r, FLD_L4PROTO, OP_EQ, &icmpv6);
	ir_verdict(r, NFT_JUMP, "guard_icmp6");
	r = rs_chain_rule(c);
	ir_range(r, FLD_UDP_DPORT, false, dhcp6[0], dhcp6[1]);
	ir_verdict(r, NFT_JUMP, "guard_dhcp6");

	c = rs_table_chain(t, "guard_arp", H_NONE, 0);
	r = rs_chain_rule(c);
	ir_cmp(r, FLD_ARP_HEAD, OP_NEQ, hdr);
	rs_drop(r, R_ARP);

	rs_dhcp_chains(t);
	rs_frag_chain(t);
	rs_nd_chains(t);
}

void
rs_guest_chain_name(char *buf, size_t len, enum rs_guest_chain which,
    const char *port)
{
	static const char *const prefix[] = {
		[GC_IN] = "in_", [GC_V4] = "v4_", [GC_V6] = "v6_",
		[GC_ARP] = "arp_", [GC_ND] = "nd_", [GC_TGT] = "tgt_",
		[GC_OUT] = "out_",
	};

	snprintf(buf, len, "%s%s", prefix[which], port);
}

static struct rs_chain *
guest_chain(struct rs_table *t, const struct bg_guest *g,
    enum rs_guest_chain which)
{
	struct rs_chain *c;
	char name[RS_CHAIN_NAME];

	rs_guest_chain_name(name, sizeof(name), which, g->port);
	c = rs_table_chain(t, name, which == GC_IN ? H_INGRESS : H_NONE,
	    which == GC_IN ? RS_GUEST_PRIO : 0);
	if (c == NULL)
		return NULL;
	c->role = ROLE_GUEST;
	memcpy(c->port, g->port, sizeof(c->port));
	if (which == GC_IN)
		rs_chain_dev(c, g->port);
	return c;
}

/*
 * The guest's IPv6 addresses, one per call from *k = 0 on, NULL after the
 * last: the link-local address of its MAC first (always bound), then the
 * configured ones, then the learned ones (ll holds the first).
 */
static const struct in6_addr *
guest_ip6(const struct bg_guest *g, size_t *k, struct in6_addr *ll)
{
	const struct in6_addr *a;
	size_t i;

	if (*k == 0) {
		*k = 1;
		mac_to_linklocal(g->mac, ll);
		return ll;
	}
	while (*k <= g->n_ip6 + g->n_learned6) {
		i = (*k)++ - 1;
		a = i < g->n_ip6 ? &g->ip6[i] : &g->learned6[i - g->n_ip6];
		if (memcmp(a, ll, sizeof(*ll)) != 0)
			return a;
	}
	return NULL;
}

/* The guest's ingress base chain: its MAC, then by ethertype. */
static void
chain_in(struct rs_table *t, const struct bg_guest *g)
{
	static const struct {
		uint8_t			type[2];
		enum rs_guest_chain	chain;
	} d[] = {
		{ { 0x08, 0x00 }, GC_V4 },
		{ { 0x86, 0xdd }, GC_V6 },
		{ { 0x08, 0x06 }, GC_ARP },
	};
	struct rs_chain *c = guest_chain(t, g, GC_IN);
	char name[RS_CHAIN_NAME];
	struct rs_rule *r;
	size_t i;

	r = rs_chain_rule(c);
	ir_cmp(r, FLD_ETHER_SADDR, OP_NEQ, g->mac);
	rs_drop(r, R_MAC);
	/* Everything else, VLAN tags and 802.2/SNAP included, is dropped. */
	for (i = 0; i < 3; i++) {
		r = rs_chain_rule(c);
		ir_cmp(r, FLD_ETHER_TYPE, OP_EQ, d[i].type);
		rs_guest_chain_name(name, sizeof(name), d[i].chain, g->port);
		ir_verdict(r, NFT_GOTO, name);
	}
	rs_drop(rs_chain_rule(c), R_ETHERTYPE);
}

static void
chain_v4(struct rs_table *t, const struct bg_guest *g)
{
	static const uint8_t zero[4] = { 0 },
	    bcast[4] = { 255, 255, 255, 255 }, sport68[2] = { 0, 68 },
	    dport67[2] = { 0, 67 };
	struct rs_chain *c = guest_chain(t, g, GC_V4);
	struct rs_rule *r;
	size_t k;

	ir_verdict(rs_chain_rule(c), NFT_JUMP, "guard_ip4");
	/* A DHCP request names the client's MAC: its own (no lease taken
	 * for another guest, no pool exhausted with invented ones). */
	r = rs_chain_rule(c);
	ir_cmp(r, FLD_UDP_DPORT, OP_EQ, dport67);
	ir_cmp(r, FLD_BOOTP_CHADDR, OP_NEQ, g->mac);
	rs_drop(r, R_DHCP_CLIENT);
	if (guest_learns4(g)) {
		r = rs_chain_rule(c);
		ir_cmp(r, FLD_UDP_SPORT, OP_EQ, sport68);
		ir_cmp_merged(r, FLD_UDP_DPORT, dport67);
		ir_verdict(r, NFT_JUMP, RS_LEARN_LOG);
	}
	for (k = 0; k < guest_n_ip4(g); k++) {
		r = rs_chain_rule(c);
		ir_cmp(r, FLD_IP_SADDR, OP_EQ, guest_ip4_at(g, k));
		rs_pass(r);
	}
	/* A DHCP client has no address yet. */
	r = rs_chain_rule(c);
	ir_cmp(r, FLD_IP_SADDR, OP_EQ, zero);
	ir_cmp(r, FLD_IP_DADDR, OP_EQ, bcast);
	ir_cmp(r, FLD_UDP_SPORT, OP_EQ, sport68);
	ir_cmp_merged(r, FLD_UDP_DPORT, dport67);
	rs_pass(r);
	rs_drop(rs_chain_rule(c), R_IPV4);
}

static void
chain_v6(struct rs_table *t, const struct bg_guest *g)
{
	static const uint8_t any[16] = { 0 }, icmpv6 = IPPROTO_ICMPV6,
	    dhcp6[2][2] = { { 0x02, 0x22 }, { 0x02, 0x23 } };	/* 546, 547 */
	struct rs_chain *c = guest_chain(t, g, GC_V6);
	char nd[RS_CHAIN_NAME];
	const struct in6_addr *a;
	struct in6_addr ll;
	struct rs_rule *r;
	size_t k;

	ir_verdict(rs_chain_rule(c), NFT_JUMP, "guard_ip6");
	r = rs_chain_rule(c);
	ir_cmp(r, FLD_L4PROTO, OP_EQ, &icmpv6);
	rs_guest_chain_name(nd, sizeof(nd), GC_ND, g->port);
	ir_verdict(r, NFT_JUMP, nd);
	/* A DHCPv6 guest's client messages (its Release and Decline among
	 * them) go to the daemon, as DHCP's do. */
	if (g->learn & LEARN_DHCP6) {
		r = rs_chain_rule(c);
		ir_cmp(r, FLD_UDP_SPORT, OP_EQ, dhcp6[0]);
		ir_cmp_merged(r, FLD_UDP_DPORT, dhcp6[1]);
		ir_verdict(r, NFT_JUMP, RS_LEARN_LOG);
	}
	for (k = 0; (a = guest_ip6(g, &k, &ll)) != NULL; ) {
		r = rs_chain_rule(c);
		ir_cmp(r, FLD_IP6_SADDR, OP_EQ, a);
		rs_pass(r);
	}
	/* Duplicate address detection and MLD reports come from ::. */
	r = rs_chain_rule(c);
	ir_cmp(r, FLD_IP6_SADDR, OP_EQ, any);
	ir_verdict(r, NFT_GOTO, "guard_unspec6");
	rs_drop(rs_chain_rule(c), R_IPV6);
}

/*
 * The guest's own values in its neighbour discovery (nd.c has checked the
 * structure: no extension headers, the one option in its place): an NA is
 * for one of its addresses, a DAD probe too, and a link-layer address
 * option carries its MAC.
 */
/* A message of type whose IPv6 payload is len bytes has its one option,
 * a link-layer address at f: the guest's MAC, or dropped. */
static void
lla_is_mac(struct rs_chain *c, uint8_t type, uint8_t len, enum ir_fid f,
    const uint8_t mac[6])
{
	const uint8_t l[2] = { 0, len };
	struct rs_rule *r = rs_chain_rule(c);

	ir_cmp(r, FLD_ICMPV6_TYPE, OP_EQ, &type);
	ir_cmp(r, FLD_IP6_LENGTH, OP_EQ, l);
	ir_cmp(r, f, OP_NEQ, mac);
	rs_drop(r, R_ND);
}

static void
chain_nd(struct rs_table *t, const struct bg_guest *g)
{
	static const uint8_t any[16] = { 0 }, ns = 135, na = 136;
	struct rs_chain *c = guest_chain(t, g, GC_ND);
	char tgt[RS_CHAIN_NAME];
	struct rs_rule *r;

	/* A learning guest's NS and NA go to the daemon: its DAD probes
	 * claim addresses, the rest show which it still uses (snoop.h). */
	if (guest_learns6(g)) {
		r = rs_chain_rule(c);
		ir_range(r, FLD_ICMPV6_TYPE, false, &ns, &na);
		ir_verdict(r, NFT_JUMP, RS_LEARN_LOG);
	}
	rs_guest_chain_name(tgt, sizeof(tgt), GC_TGT, g->port);
	r = rs_chain_rule(c);
	ir_cmp(r, FLD_ICMPV6_TYPE, OP_EQ, &na);
	ir_verdict(r, NFT_JUMP, tgt);
	lla_is_mac(c, na, 32, FLD_ND_LLADDR, g->mac);
	/* DAD: the target is all there is to check. A learning guest may
	 * probe any address (it comes from ::, so nobody's neighbour cache
	 * takes it): the daemon binds what it claims uncontested. */
	r = rs_chain_rule(c);
	ir_cmp(r, FLD_ICMPV6_TYPE, OP_EQ, &ns);
	ir_cmp(r, FLD_IP6_SADDR, OP_EQ, any);
	if (guest_learns6(g))
		ir_verdict(r, NFT_RETURN, NULL);
	else
		ir_verdict(r, NFT_GOTO, tgt);
	lla_is_mac(c, ns, 32, FLD_ND_LLADDR, g->mac);
	lla_is_mac(c, 133 /* RS */, 16, FLD_RS_LLADDR, g->mac);
}

/* tgt_<port>: is the ND target one of the guest's addresses? */
static void
chain_tgt(struct rs_table *t, const struct bg_guest *g)
{
	struct rs_chain *c = guest_chain(t, g, GC_TGT);
	const struct in6_addr *a;
	struct in6_addr ll;
	struct rs_rule *r;
	size_t k;

	for (k = 0; (a = guest_ip6(g, &k, &ll)) != NULL; ) {
		r = rs_chain_rule(c);
		ir_cmp(r, FLD_ND_TARGET, OP_EQ, a);
		ir_verdict(r, NFT_RETURN, NULL);
	}
	rs_drop(rs_chain_rule(c), R_ND);
}

static void
chain_arp(struct rs_table *t, const struct bg_guest *g)
{
	static const uint8_t zero[4] = { 0 };
	struct rs_chain *c = guest_chain(t, g, GC_ARP);
	struct rs_rule *r;
	size_t k;

	ir_verdict(rs_chain_rule(c), NFT_JUMP, "guard_arp");
	/* The frame's source MAC is the guest's already, so this ties all 3. */
	r = rs_chain_rule(c);
	ir_cmp(r, FLD_ARP_SHA, OP_NEQ, g->mac);
	rs_drop(r, R_ARP);
	r = rs_chain_rule(c);			/* ARP probe */
	ir_cmp(r, FLD_ARP_SPA, OP_EQ, zero);
	rs_pass(r);
	for (k = 0; k < guest_n_ip4(g); k++) {
		r = rs_chain_rule(c);
		ir_cmp(r, FLD_ARP_SPA, OP_EQ, guest_ip4_at(g, k));
		rs_pass(r);
	}
	rs_drop(rs_chain_rule(c), R_ARP);
}

/* What a learning guest is sent that the daemon learns from. */
static void
out_learn(struct rs_chain *c, const struct bg_guest *g)
{
	static const uint8_t one = 1, ip[2] = { 0x08, 0x00 },
	    ip6[2] = { 0x86, 0xdd }, sport67[2] = { 0, 67 },
	    dport68[2] = { 0, 68 }, icmpv6 = IPPROTO_ICMPV6, na = 136,
	    sport547[2] = { 0x02, 0x23 }, dport546[2] = { 0x02, 0x22 };
	struct rs_rule *r;

	/* A learning guest's server answers (from trusted ports or the
	 * host: guests' are dropped where they enter) pass, broadcast or
	 * unicast to an address not bound yet, and are copied to the
	 * daemon: those for its own MAC only, so that a broadcast answer
	 * costs one copy, not one per guest, and uses no other port's
	 * share of the limit. */
	if (guest_learns4(g)) {
		r = rs_chain_rule(c);
		ir_cmp(r, FLD_PROTOCOL, OP_EQ, ip);
		ir_cmp(r, FLD_UDP_SPORT, OP_EQ, sport67);
		ir_cmp_merged(r, FLD_UDP_DPORT, dport68);
		ir_cmp(r, FLD_BOOTP_CHADDR, OP_EQ, g->mac);
		ir_verdict(r, NFT_GOTO, RS_LEARN_LOG);
	}
	/* A DHCPv6 server's answers (unicast to the guest's link-local
	 * address) pass and are copied, as DHCP's above. */
	if (g->learn & LEARN_DHCP6) {
		r = rs_chain_rule(c);
		ir_cmp(r, FLD_PROTOCOL, OP_EQ, ip6);
		ir_cmp(r, FLD_UDP_SPORT, OP_EQ, sport547);
		ir_cmp_merged(r, FLD_UDP_DPORT, dport546);
		ir_verdict(r, NFT_GOTO, RS_LEARN_LOG);
	}
	/* A multicast NA is another's defence of an address (or its
	 * announcement): the daemon sees it contest the guest's DAD. */
	if (guest_learns6(g)) {
		r = rs_chain_rule(c);
		ir_cmp(r, FLD_PROTOCOL, OP_EQ, ip6);
		ir_bits(r, FLD_LL_GROUP, &one, &one);
		ir_cmp(r, FLD_L4PROTO, OP_EQ, &icmpv6);
		ir_cmp(r, FLD_ICMPV6_TYPE, OP_EQ, &na);
		ir_verdict(r, NFT_GOTO, RS_LEARN_LOG);
	}
}

/*
 * Frames to a guest, in the bridge table. The output hook has no input
 * device, so no rule here may depend on iiftype (nft's implicit dependency
 * for `ether ...`): the group bit is read raw and the protocol from
 * skb->protocol. Return, never accept: the base chain has more to do
 * (mirror.c).
 */
static void
chain_out(struct rs_table *t, const struct bg_guest *g)
{
	static const uint8_t one = 1, ip[2] = { 0x08, 0x00 },
	    ip6[2] = { 0x86, 0xdd };
	struct rs_chain *c = guest_chain(t, g, GC_OUT);
	const struct in6_addr *a;
	struct in6_addr ll;
	struct rs_rule *r;
	size_t k;

	out_learn(c, g);
	/* Broadcast and multicast reach every guest. */
	r = rs_chain_rule(c);
	ir_bits(r, FLD_LL_GROUP, &one, &one);
	ir_verdict(r, NFT_RETURN, NULL);
	for (k = 0; k < guest_n_ip4(g); k++) {
		r = rs_chain_rule(c);
		ir_cmp(r, FLD_PROTOCOL, OP_EQ, ip);
		ir_cmp(r, FLD_IP_DADDR, OP_EQ, guest_ip4_at(g, k));
		ir_verdict(r, NFT_RETURN, NULL);
	}
	r = rs_chain_rule(c);
	ir_cmp(r, FLD_PROTOCOL, OP_EQ, ip);
	rs_drop(r, R_EGRESS);
	for (k = 0; (a = guest_ip6(g, &k, &ll)) != NULL; ) {
		r = rs_chain_rule(c);
		ir_cmp(r, FLD_PROTOCOL, OP_EQ, ip6);
		ir_cmp(r, FLD_IP6_DADDR, OP_EQ, a);
		ir_verdict(r, NFT_RETURN, NULL);
	}
	r = rs_chain_rule(c);
	ir_cmp(r, FLD_PROTOCOL, OP_EQ, ip6);
	rs_drop(r, R_EGRESS);
}

void
rs_guest_chains(struct rs_table *nd, struct rs_table *br,
    const struct bg_guest *g, unsigned int parts)
{
	if (parts & RS_GC_HOOK)
		chain_in(nd, g);
	if (parts & RS_GC_NETDEV) {
		chain_v4(nd, g);
		chain_v6(nd, g);
		chain_nd(nd, g);	/* after v6_, which jumps to it: */
		chain_tgt(nd, g);	/* the order a diff deletes them in */
		chain_arp(nd, g);
	}
	if (parts & RS_GC_BRIDGE)
		chain_out(br, g);
}

int
rs_guest_elems(const struct bg_guest *g, struct rs_set *ports,
    struct rs_set *out)
{
	char chain[RS_CHAIN_NAME];

	rs_guest_chain_name(chain, sizeof(chain), GC_OUT, g->port);
	if ((ports && rs_set_add(ports, g->port, NULL) == -1) ||
	    (out && rs_set_add_jump(out, g->port, chain) == -1))
		return -1;
	return 0;
}

/* Is g's port hooked at ingress by the ruleset for kernel k? */
static bool
hooked(const struct bg_guest *g, const struct bg_port *ports,
    size_t n_ports, const struct rs_kernel *k)
{
	return k->absent_hooks || rs_port_present(ports, n_ports, g->port);
}

static int
waiting(struct ruleset *rs, const char *port)
{
	void *p;

	if ((p = realloc(rs->waiting, (rs->n_waiting + 1) *
	    sizeof(*rs->waiting))) == NULL)
		return -1;
	rs->waiting = p;
	memset(rs->waiting[rs->n_waiting], 0, BG_IFNAMSIZ);
	snprintf(rs->waiting[rs->n_waiting++], BG_IFNAMSIZ, "%s", port);
	return 0;
}

int
rs_guest_netdev(struct ruleset *rs, const struct bg_config *cfg,
    const struct bg_port *ports, size_t n_ports)
{
	struct rs_table *t = &rs->netdev;
	const struct bg_guest *g;
	size_t i, j;
	bool hook;

	if (rs_drop_chains(t, cfg->nflog_group) == -1 ||
	    rs_learn_chain(t, cfg->nflog_group) == -1)
		return -1;
	guards(t);
	for (i = 0; i < cfg->n_bridges; i++)
		for (j = 0; j < cfg->bridges[i].n_guests; j++) {
			g = &cfg->bridges[i].guests[j];
			hook = hooked(g, ports, n_ports, &rs->kernel);
			if (!hook && waiting(rs, g->port) == -1)
				return -1;
			rs_guest_chains(t, NULL, g, RS_GC_NETDEV |
			    (hook ? RS_GC_HOOK : 0));
		}
	return t->nomem ? -1 : 0;
}

/*
 * Frames the bridge forwards to a port, and those the host sends through
 * it: the guest check, and (mirror.c) the monitor ports' guards. A
 * forwarded frame loses the ingress chains' bit here (entry.c says why
 * not earlier).
 */
static void
chains_to_port(struct rs_table *t, struct rs_chain *to_port[2])
{
	static const enum rs_hook hooks[2] = { H_FORWARD, H_OUTPUT };
	int i;

	for (i = 0; i < 2; i++) {
		to_port[i] = rs_table_chain(t, rs_hook_name(hooks[i]),
		    hooks[i], RS_GUEST_PRIO);
		if (hooks[i] == H_FORWARD)
			ir_mark_clear(rs_chain_rule(to_port[i]),
			    RS_MARK_CHECKED);
		ir_vmap(rs_chain_rule(to_port[i]), IR_KEY(FLD_OIFNAME),
		    "guest_out");
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
	/* in_<port>, then arp_<port> (its header check is the parser's). */
	if (memcmp(src_mac, g->mac, 6) != 0 || memcmp(sha, g->mac, 6) != 0)
		return false;
	if (memcmp(spa, zero, 4) == 0)
		return true;
	for (k = 0; k < guest_n_ip4(g); k++)
		if (memcmp(guest_ip4_at(g, k), spa, 4) == 0)
			return true;
	return false;
}

int
rs_guest_bridge(struct rs_table *t, const struct bg_config *cfg,
    struct rs_chain *to_port[2])
{
	struct rs_set *gp, *out;
	size_t i, j;

	gp = rs_table_set(t, "guest_ports", k_ifname, 1, false);
	if ((out = rs_table_set(t, "guest_out", k_ifname, 1, false)) != NULL)
		out->vmap = true;
	if (rs_drop_chains(t, cfg->nflog_group) == -1 ||
	    rs_learn_chain(t, cfg->nflog_group) == -1)
		return -1;
	chains_to_port(t, to_port);
	for (i = 0; i < cfg->n_bridges; i++)
		for (j = 0; j < cfg->bridges[i].n_guests; j++) {
			rs_guest_chains(NULL, t, &cfg->bridges[i].guests[j],
			    RS_GC_BRIDGE);
			if (rs_guest_elems(&cfg->bridges[i].guests[j], gp,
			    out) == -1)
				return -1;
		}
	return t->nomem ? -1 : 0;
}
