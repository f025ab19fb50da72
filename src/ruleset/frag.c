/*
 * IPv6 fragments from guests. The checks read headers: a fragment that
 * hides one defeats them (RFC 7113: a long destination-options header
 * pushes an RA's ICMPv6 header into the second fragment, where the RA
 * guard cannot read its type). So, for the first fragment of a packet,
 * the only one that carries headers:
 *   - ND messages (RS, RA, NS, NA, redirect) and DHCPv6 messages are never
 *     fragmented (RFC 6980): dropped;
 *   - the whole header chain and the upper-layer header must be in it
 *     (RFC 7112): the 20 bytes of a TCP header, at least 8 bytes of any
 *     other (UDP's header, ICMPv6's type to identifier). A chain that ends
 *     beyond the fragment leaves the kernel without a transport protocol,
 *     and no rule below matches: dropped too.
 * Later fragments carry no header and pass the source check as any other
 * packet: without their first fragment they are never reassembled.
 * Ordinary fragmented UDP, TCP and echo pass.
 */
#include <netinet/in.h>	/* before linux/netfilter.h, see libc-compat.h */
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>

#include "drop.h"
#include "frag.h"

void
rs_frag_chain(struct rs_table *t)
{
	struct rs_chain *c = rs_table_chain(t, "guard_frag6", H_NONE, 0);
	static const uint8_t nd[2] = { 133, 137 }, dhcp[2][2] = {
	    { 0x02, 0x22 }, { 0x02, 0x23 } }, zero = 0, tcp = IPPROTO_TCP;
	struct rs_rule *r;

	r = rs_chain_rule(c);
	ir_range(r, FLD_ICMPV6_TYPE, false, &nd[0], &nd[1]);
	rs_drop(r, R_FRAGMENT);
	r = rs_chain_rule(c);
	ir_range(r, FLD_UDP_DPORT, false, dhcp[0], dhcp[1]);
	rs_drop(r, R_FRAGMENT);

	/* Readable at all is what these compares ask. */
	r = rs_chain_rule(c);
	ir_cmp(r, FLD_L4PROTO, OP_EQ, &tcp);
	ir_cmp(r, FLD_TH_19, OP_GTE, &zero);
	ir_verdict(r, NFT_RETURN, NULL);
	r = rs_chain_rule(c);
	ir_cmp(r, FLD_L4PROTO, OP_NEQ, &tcp);
	ir_cmp(r, FLD_TH_7, OP_GTE, &zero);
	ir_verdict(r, NFT_RETURN, NULL);

	rs_drop(rs_chain_rule(c), R_FRAGMENT);
}
