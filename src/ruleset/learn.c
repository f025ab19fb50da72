/*
 * DHCP snooping's copy to the daemon: learn_log, one chain per table, that
 * a learning guest's chains jump to for the DHCP messages that change its
 * bindings: in the netdev table what it sends to a server (its RELEASE
 * and DECLINE among them), in the bridge table what servers send it. The
 * chain copies the frame to NFLOG with LEARN_PREFIX and decides nothing
 * (a jump returns, a goto from out_<port> ends that chain's check).
 *
 * The copy is limited per port as drops are (drop.c: RS_LOG_RATE a second,
 * RS_LOG_BURST at once), by input port in the netdev table and by output
 * port in the bridge's: a guest flooding DHCP, or a server flooding one
 * guest, costs the daemon no more than that. Over the limit a message is
 * forwarded but not seen: a lost ACK binds at the next renewal, a lost
 * RELEASE leaves the binding to expire. What went unseen is counted per
 * port in learn_over (RS_LEARN_OVER), which the daemon reads to say so.
 */
#include <netinet/in.h>	/* before linux/netfilter.h, see libc-compat.h */
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>

#include "drop.h"
#include "learn.h"

#define LEARN_SET	"log_learn"

int
rs_learn_chain(struct rs_table *t, unsigned int group)
{
	static const enum ir_type k_ifname[] = { T_IFNAME };
	static const struct ir_limit lim = { RS_LOG_RATE, 1, RS_LOG_BURST,
	    false };
	const struct ir_stateful st = { S_LIMIT, lim };
	enum ir_fid port = t->family == RS_BRIDGE ? FLD_OIFNAME : FLD_IIFNAME;
	struct rs_chain *c;
	struct rs_rule *r;

	rs_table_dynset(t, LEARN_SET, k_ifname, 1);
	rs_table_set(t, RS_LEARN_OVER, k_ifname, 1, true);
	if ((c = rs_table_chain(t, RS_LEARN_LOG, H_NONE, 0)) == NULL)
		return -1;
	r = rs_chain_rule(c);
	ir_dynset(r, DYN_ADD, LEARN_SET, IR_KEY(port), &st, 1);
	ir_log(r, LEARN_PREFIX, group);
	ir_verdict(r, NFT_RETURN, NULL);
	/* Over the limit the dynset ended the rule above: count it. */
	ir_dynset(rs_chain_rule(c), DYN_ADD, RS_LEARN_OVER, IR_KEY(port),
	    NULL, 0);
	return t->nomem ? -1 : 0;
}
