/*
 * Drops, one chain per reason: drop_<reason>. Every check that refuses a
 * frame jumps there (goto), and the chain
 *   - counts it per port in the set drop_<reason>: exact, whatever the
 *     rate; status, metrics and the daemon's events report these counts;
 *   - logs it to NFLOG for the daemon, but only as fast as the port's
 *     element of log_<reason> allows (RS_LOG_RATE a second, RS_LOG_BURST
 *     at once): a flooding guest costs the host no per-frame work in user
 *     space, and events still say how many frames went unlogged;
 *   - drops it.
 * The limit is a dynset statement: over the limit it ends the rule (the
 * log is skipped) and the next rule drops. Frames to a guest are dropped
 * in the bridge table and counted by output port, the rest by input port.
 */
#include <netinet/in.h>	/* before linux/netfilter.h, see libc-compat.h */
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <stdio.h>

#include "drop.h"

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

/* log_<reason>: the set of the reason's per-port NFLOG limits. */
static const char *
log_set(unsigned int reason, char *buf, size_t len)
{
	char drop[32];

	rs_drop_set(reason, drop, sizeof(drop), NULL);
	snprintf(buf, len, "log_%s", drop + 5);
	return buf;
}

void
rs_drop(struct rs_rule *r, unsigned int reason)
{
	char chain[32];

	ir_verdict(r, NFT_GOTO, rs_drop_set(reason, chain, sizeof(chain),
	    NULL));
}

void
rs_pass(struct rs_rule *r)
{
	ir_mark_or(r, RS_MARK_CHECKED);
	ir_verdict(r, NF_ACCEPT, NULL);
}

static void
drop_chain(struct rs_table *t, unsigned int reason, unsigned int group)
{
	static const struct ir_limit lim = { RS_LOG_RATE, 1, RS_LOG_BURST,
	    false };
	const struct ir_stateful st = { S_LIMIT, lim };
	enum ir_fid port = reason == R_EGRESS ? FLD_OIFNAME : FLD_IIFNAME;
	char name[32], log[32], prefix[32];
	struct rs_chain *c;
	struct rs_rule *r;

	rs_drop_set(reason, name, sizeof(name), NULL);
	log_set(reason, log, sizeof(log));
	c = rs_table_chain(t, name, H_NONE, 0);
	r = rs_chain_rule(c);
	ir_dynset(r, DYN_ADD, name, IR_KEY(port), NULL, 0);
	ir_dynset(r, DYN_ADD, log, IR_KEY(port), &st, 1);
	ir_log(r, reason_prefix(reason, prefix, sizeof(prefix)), group);
	ir_verdict(rs_chain_rule(c), NF_DROP, NULL);
}

int
rs_drop_chains(struct rs_table *t, unsigned int group)
{
	enum rs_family fam;
	char set[32];
	unsigned int r;

	for (r = 0; r < R_N; r++) {
		rs_drop_set(r, set, sizeof(set), &fam);
		if (fam != t->family)
			continue;
		rs_table_set(t, set, k_ifname, 1, true);
		rs_table_dynset(t, log_set(r, set, sizeof(set)), k_ifname, 1);
	}
	if (t->nomem)
		return -1;
	for (r = 0; r < R_N; r++) {
		rs_drop_set(r, set, sizeof(set), &fam);
		if (fam == t->family)
			drop_chain(t, r, group);
	}
	return 0;
}
