/* DHCP snooping's copy to the daemon (learn.c). */
#ifndef BG_RS_LEARN_H
#define BG_RS_LEARN_H

#include "ruleset.h"

#define RS_LEARN_LOG	"learn_log"
#define RS_LEARN_OVER	"learn_over"	/* per port: copies over the limit */

/* learn_log and its per-port limits, log_learn, in t. */
int	rs_learn_chain(struct rs_table *, unsigned int nflog_group);

#endif
