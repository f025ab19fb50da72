/*
 * How port security's checks end (drop.c): one chain per reason and
 * table that every drop goes to, the sets it counts and logs with, and
 * the pass.
 */
#ifndef BG_RS_DROP_H
#define BG_RS_DROP_H

#include "ruleset.h"

/* NFLOG messages per port and reason: a second's worth, and a burst. */
#define RS_LOG_RATE	10
#define RS_LOG_BURST	20

/* The drop chains, counter and log sets of the reasons of t's family. */
int	rs_drop_chains(struct rs_table *, unsigned int nflog_group);
/* The two ends of a check. rs_drop: goto the chain that counts, logs and
 * drops for reason; rs_pass: what a frame that passed does (the
 * RS_MARK_CHECKED bit, accept). */
void	rs_drop(struct rs_rule *, unsigned int reason);
void	rs_pass(struct rs_rule *);

#endif
