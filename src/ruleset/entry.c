/*
 * What enters the bridge from a port, checked in the bridge table before
 * the bridge learns the frame's source: unknown ports, and guest frames
 * that passed no ingress chain.
 *
 * The bridge learns a source address where it accepts a frame: after
 * prerouting for what it forwards or delivers, after its input hook for
 * the link-local frames (01:80:c2:00:00:0X) it keeps for the host, which
 * never pass prerouting. So the unknown-port checks are in both. STP and
 * LLDP are learned before any hook (br_handle_frame); only a port's own
 * ingress chain, or the bridge's no_linklocal_learn, stops those: a port
 * that joins with the daemon down has no chain yet.
 *
 * Unknown ports are matched by name (unknown_ports: those present at
 * apply, and those the daemon sees join) on every kernel, and each such
 * port's link-local frames are dropped at its own ingress (unk_<port>),
 * where STP and LLDP are still to be learned. Where the
 * kernel has bridge meta `ibrname` (nft_meta_bridge), they are also
 * matched by what they are not: any port of a bridge with
 * `unknown-ports: drop` that is not one of its guest, trusted or monitor
 * ports, from its first frame, with or without the daemon.
 */
#include <netinet/in.h>	/* before linux/netfilter.h, see libc-compat.h */
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <stdio.h>

#include "drop.h"
#include "entry.h"

static const enum ir_type k_ifname[] = { T_IFNAME },
    k_bridge_port[] = { T_IFNAME, T_IFNAME };

static bool
port_unknown(const struct bg_config *cfg, const struct bg_port *p)
{
	struct bg_bridge *gb = NULL;

	config_guest(cfg, p->port, &gb);
	return config_drops_port(cfg, p->bridge, p->port, gb);
}

void
rs_unknown_chain_name(char *buf, size_t len, const char *port)
{
	snprintf(buf, len, "unk_%s", port);
}

/*
 * unk_<port>: an unknown port's frames to 01:80:c2:00:00:0X, dropped at
 * its ingress. Not counted per reason: the bridge table, which counts
 * unknown-port drops, never sees them; everything else goes on to it.
 */
void
rs_unknown_chain(struct rs_table *nd, const char *port)
{
	static const uint8_t mask[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xf0 },
	    ll[6] = { 0x01, 0x80, 0xc2, 0x00, 0x00, 0x00 };
	char name[RS_CHAIN_NAME];
	struct rs_chain *c;
	struct rs_rule *r;

	rs_unknown_chain_name(name, sizeof(name), port);
	c = rs_table_chain(nd, name, H_INGRESS, RS_GUEST_PRIO);
	if (c == NULL)
		return;
	c->role = ROLE_UNKNOWN;
	snprintf(c->port, sizeof(c->port), "%s", port);
	rs_chain_dev(c, port);
	r = rs_chain_rule(c);
	ir_bits(r, FLD_ETHER_DADDR, mask, ll);
	ir_verdict(r, NF_DROP, NULL);
}

static int
unknown_ports(struct ruleset *rs, const struct bg_config *cfg,
    const struct bg_port *ports, size_t n_ports)
{
	struct rs_set *s = rs_table_set(&rs->bridge, "unknown_ports",
	    k_ifname, 1, false);
	size_t i;

	if (rs->bridge.nomem)
		return -1;
	for (i = 0; i < n_ports; i++) {
		if (!port_unknown(cfg, &ports[i]))
			continue;
		if (rs_set_add(s, ports[i].port, NULL) == -1)
			return -1;
		rs_unknown_chain(&rs->netdev, ports[i].port);
	}
	return rs->netdev.nomem ? -1 : 0;
}

/* A bridge's ports that are not unknown, but for its guests. */
static int
bridge_ports_of(struct rs_set *s, const struct bg_bridge *b)
{
	size_t i;

	for (i = 0; i < b->n_trusted; i++)
		if (rs_set_add(s, b->name, b->trusted[i]) == -1)
			return -1;
	for (i = 0; i < b->n_mirrors; i++)
		if (!b->mirrors[i].remote &&
		    rs_set_add(s, b->name, b->mirrors[i].to) == -1)
			return -1;
	return 0;
}

/*
 * strict_bridges: the bridges with unknown-ports: drop; bridge_ports:
 * their trusted and monitor ports, as bridge . port. Guests are told by
 * guest_ports, which the daemon's changes keep current.
 */
static int
strict_sets(struct rs_table *t, const struct bg_config *cfg)
{
	struct rs_set *strict, *known;
	size_t i;

	strict = rs_table_set(t, "strict_bridges", k_ifname, 1, false);
	known = rs_table_set(t, "bridge_ports", k_bridge_port, 2, false);
	if (t->nomem)
		return -1;
	for (i = 0; i < cfg->n_bridges; i++) {
		if (cfg->bridges[i].allow_unknown)
			continue;
		if (rs_set_add(strict, cfg->bridges[i].name, NULL) == -1 ||
		    bridge_ports_of(known, &cfg->bridges[i]) == -1)
			return -1;
	}
	return 0;
}

/* meta ibrname @strict_bridges [iifname != @guest_ports]
 * meta ibrname . iifname != @bridge_ports: an unknown port. */
static void
rule_by_bridge(struct rs_chain *c, bool guests)
{
	struct rs_rule *r = rs_chain_rule(c);

	ir_lookup(r, IR_KEY(FLD_IBRNAME), "strict_bridges", false);
	if (guests)
		ir_lookup(r, IR_KEY(FLD_IIFNAME), "guest_ports", true);
	ir_lookup(r, IR_KEY(FLD_IBRNAME, FLD_IIFNAME), "bridge_ports", true);
	rs_drop(r, R_UNKNOWN);
}

static void
rule_by_name(struct rs_chain *c)
{
	struct rs_rule *r = rs_chain_rule(c);

	ir_lookup(r, IR_KEY(FLD_IIFNAME), "unknown_ports", false);
	rs_drop(r, R_UNKNOWN);
}

/*
 * prerouting: unknown ports by name (a guest of another bridge included,
 * whatever its own chain said); then a guest's frame that passed its
 * ingress chain has the bit, and one from a guest port without it passed
 * none; what is left comes from a port that is no guest's, and is checked
 * by its bridge.
 *
 * The bit is cleared after prerouting (forward, input), so that the host
 * never sees it, and not here: while `apply` replaces the table, a frame
 * can pass the old table's prerouting before the commit and the new one's
 * after it (both hooks are registered then); had the first cleared the
 * bit, the second would drop the frame as unhooked.
 */
static void
chain_prerouting(struct rs_table *t, const struct rs_kernel *k)
{
	static const uint32_t bit = RS_MARK_CHECKED;
	struct rs_chain *c;
	struct rs_rule *r;

	c = rs_table_chain(t, "prerouting", H_PREROUTING, RS_GUEST_PRIO);
	rule_by_name(c);
	r = rs_chain_rule(c);
	ir_bits(r, FLD_MARK, &bit, &bit);
	ir_verdict(r, NF_ACCEPT, NULL);
	r = rs_chain_rule(c);
	ir_lookup(r, IR_KEY(FLD_IIFNAME), "guest_ports", false);
	rs_drop(r, R_UNHOOKED);
	if (k->ibrname)
		rule_by_bridge(c, false);
}

/* input: the same for what the bridge keeps for the host, link-local
 * frames among them, once the ingress chains' bit is cleared. A guest's
 * frames passed prerouting, or (link-local) were dropped by its ingress
 * chain. */
static void
chain_input(struct rs_table *t, const struct rs_kernel *k)
{
	struct rs_chain *c = rs_table_chain(t, "input", H_INPUT,
	    RS_GUEST_PRIO);

	ir_mark_clear(rs_chain_rule(c), RS_MARK_CHECKED);
	rule_by_name(c);
	if (k->ibrname)
		rule_by_bridge(c, true);
}

int
rs_entry_chains(struct ruleset *rs, const struct bg_config *cfg,
    const struct bg_port *ports, size_t n_ports)
{
	struct rs_table *t = &rs->bridge;

	if (unknown_ports(rs, cfg, ports, n_ports) == -1 ||
	    (rs->kernel.ibrname && strict_sets(t, cfg) == -1))
		return -1;
	chain_prerouting(t, &rs->kernel);
	chain_input(t, &rs->kernel);
	return t->nomem ? -1 : 0;
}
