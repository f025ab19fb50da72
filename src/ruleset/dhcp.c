/*
 * DHCP snooping: guests are clients, never servers. A server's message is
 * recognised by what it is, not by the port it claims to come from
 * (clients filter on the destination port only):
 *   DHCPv4: anything to port 68; a BOOTREPLY (op 2) to port 67, where
 *   servers and relays listen;
 *   DHCPv6: anything to port 546; advertise, reply, reconfigure and
 *   relay-reply (types 2, 7, 10, 13) to port 547.
 * Fragments could hide the op or the type: a fragmented IPv4 DHCP message
 * is dropped here, IPv6 ones in frag.c. Both chains are jumped to for
 * UDP to DHCP's ports only (67-68, 546-547) and return what they do not
 * drop.
 */
#include <netinet/in.h>	/* before linux/netfilter.h, see libc-compat.h */
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>

#include "dhcp.h"
#include "drop.h"

static void
chain_dhcp4(struct rs_table *t)
{
	struct rs_chain *c = rs_table_chain(t, "guard_dhcp4", H_NONE, 0);
	static const uint8_t client[2] = { 0, 68 }, server[2] = { 0, 67 },
	    mf[2] = { 0x20, 0 }, request = 1;
	struct rs_rule *r;

	r = rs_chain_rule(c);
	ir_cmp(r, FLD_UDP_DPORT, OP_EQ, client);
	rs_drop(r, R_DHCP);

	/* More fragments: the op may be in the next one. */
	r = rs_chain_rule(c);
	ir_bits(r, FLD_IP_FRAGOFF, mf, mf);
	ir_cmp(r, FLD_UDP_DPORT, OP_EQ, server);
	rs_drop(r, R_FRAGMENT);

	r = rs_chain_rule(c);
	ir_cmp(r, FLD_UDP_DPORT, OP_EQ, server);
	ir_cmp(r, FLD_TH_8, OP_NEQ, &request);
	rs_drop(r, R_DHCP);
}

static void
chain_dhcp6(struct rs_table *t)
{
	struct rs_chain *c = rs_table_chain(t, "guard_dhcp6", H_NONE, 0);
	static const uint8_t client[2] = { 0x02, 0x22 },
	    server[2] = { 0x02, 0x23 }, types[] = { 2, 7, 10, 13 };
	struct rs_rule *r;
	size_t i;

	r = rs_chain_rule(c);
	ir_cmp(r, FLD_UDP_DPORT, OP_EQ, client);
	rs_drop(r, R_DHCP);
	for (i = 0; i < sizeof(types); i++) {
		r = rs_chain_rule(c);
		ir_cmp(r, FLD_UDP_DPORT, OP_EQ, server);
		ir_cmp(r, FLD_TH_8, OP_EQ, &types[i]);
		rs_drop(r, R_DHCP);
	}
}

void
rs_dhcp_chains(struct rs_table *t)
{
	chain_dhcp4(t);
	chain_dhcp6(t);
}
